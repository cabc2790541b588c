"""What a boundary reader hands over: :class:`RawBoundaries`, and the missing-geometry helper.

Every boundary reader (``datafrance``, ``adminexpress``, ``geoapi``) imports
this module; ``territoires.sources.boundaries`` imports the readers. Keeping
the shared type here is what keeps that graph free of cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

__all__ = ["RawBoundaries", "missing_geometry"]


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
    """The communes of a source layer that have no geometry, by code.

    Parameters
    ----------
    communes : GeoDataFrame
        With ``code_insee, nom, code_departement`` and a geometry column.

    Returns
    -------
    DataFrame
        ``code_insee, nom, code_departement, type`` (``"COM"``) and
        ``geometry_source`` (``"missing"``).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> com = gpd.GeoDataFrame({"code_insee": ["79001", "79002"], "nom": ["A", "B"],
    ...                         "code_departement": "79"}, geometry=[shapely.Point(0, 0), None])
    >>> missing_geometry(com)["code_insee"].tolist()
    ['79002']
    """
    rows = communes.loc[communes.geometry.isna(), ["code_insee", "nom", "code_departement"]]
    return pd.DataFrame(rows.assign(type="COM", geometry_source="missing"))
