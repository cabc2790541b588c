"""Map geometries: simplified once per territory and tolerance, borders shared.

Communes are simplified as a coverage (``shapely.coverage_simplify``): a
border shared by two communes is simplified once, so no gap or sliver opens
between neighbours. Cantons, EPCI and département outlines are then
dissolved from the simplified communes, so every level's lines fall exactly
on the communes' ones.

Layers are built **on demand**: :func:`simplified` returns a mapping whose
``"canton_units"``, ``"epcis"`` and ``"outline"`` entries are dissolved the
first time a map asks for them (a choropleth that draws communes and
départements never dissolves cantons or EPCI). The polygons that break the
coverage (``coverage_invalid_edges``) are found once per simplified layer
and reused by every dissolve. Results are kept on the territory object and,
for zones of at least :data:`DISK_FROM` communes (the national case, where
``coverage_simplify`` costs seconds), in ``<cache_dir>/cartes/``: simplified
once per boundary vintage and tolerance, then read.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import settings
from territoires.territory import derived
from territoires.territory.geometry import coverage_breakers, union_by

__all__ = [
    "DISK_FROM", "TOLERANCE_DEPARTEMENT", "TOLERANCE_NATIONAL", "SimplifiedLayers", "areas_km2", "default_tolerance",
    "main_view", "round_coordinates", "simplified",
]

#: Bump when the simplification changes: layers kept on disk are then made again.
SCHEMA = 1

__all__ = ["TOLERANCE_DEPARTEMENT", "TOLERANCE_NATIONAL", "round_coordinates", "simplified"]

#: Default simplification tolerance in metres, per use.
TOLERANCE_DEPARTEMENT = 40.0
TOLERANCE_NATIONAL = 500.0

#: Layer name → (column of the communes to dissolve by, key column of the territory's layer).
_DISSOLVED = {
    "canton_units": ("code_canton", "code_canton"),
    "epcis": ("siren_epci", "siren"),
    "outline": ("code_departement", "code_departement"),
}
LAYERS = ("communes", *_DISSOLVED)


class SimplifiedLayers(Mapping):
    """``communes, canton_units, epcis, outline`` of one territory, simplified on first access."""

    def __init__(self, territory, tolerance: float):
        self._t = territory
        self._tol = tolerance
        self._done: dict[str, gpd.GeoDataFrame] = {}
        self._ok = None
        self._breakers = None

    def __iter__(self):
        return iter(LAYERS)

    def __len__(self) -> int:
        return len(LAYERS)

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        if name not in LAYERS:
            raise KeyError(name)
        if name not in self._done:
            got = _from_disk(self._t, self._tol, name) if _on_disk(self._t) else None
            if got is None:
                got = self._build(name)
                if _on_disk(self._t):
                    _to_disk(self._t, self._tol, name, got)
            self._done[name] = got
        return self._done[name]

    def _build(self, name: str) -> gpd.GeoDataFrame:
        t = self._t
        if t.is_multizone:
            parts = [simplified(z, self._tol)[name] for z in t.zones()]  # zones share the national tolerance
            return gpd.GeoDataFrame(pd.concat([p.to_crs(t.crs) for p in parts], ignore_index=True), crs=t.crs)
        if name == "communes":
            return self._communes()
        com = self["communes"]
        geoms = com.geometry.to_numpy()
        if self._ok is None:  # communes read from disk
            self._ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if self._breakers is None:  # once per simplified layer, shared by every dissolve
            self._breakers = coverage_breakers(geoms[self._ok])
        key, keycol = _DISSOLVED[name]
        k, g, _ = union_by(geoms[self._ok], com[key].to_numpy()[self._ok], self._breakers)
        gm = dict(zip(k, g, strict=True))
        frame = {"canton_units": t.canton_units, "epcis": t.epcis, "outline": t.outline}[name]
        return frame.set_geometry(gpd.GeoSeries([gm.get(v) for v in frame[keycol]], crs=t.crs, index=frame.index))

    def _communes(self) -> gpd.GeoDataFrame:
        t = self._t
        com = t.communes.drop(columns=[c for c in ("origin",) if c in t.communes])
        geoms = com.geometry.to_numpy()
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        simple = geoms.copy()
        if self._tol > 0 and ok.any():
            simple[ok] = shapely.coverage_simplify(geoms[ok], self._tol)
        self._ok = ok
        return com.set_geometry(gpd.GeoSeries(simple, crs=t.crs, index=com.index))


#: Zones of at least this many communes keep their simplified layers on disk.
DISK_FROM = 5000


def _on_disk(territory) -> bool:
    return len(territory.communes) >= DISK_FROM


def _frame(territory, name: str) -> gpd.GeoDataFrame:
    return {"communes": territory.communes, "canton_units": territory.canton_units, "epcis": territory.epcis, "outline": territory.outline}[name]


def _disk_key(territory, tolerance: float, name: str) -> str:
    """What a simplified layer was made from: source, vintage, CRS, tolerance, the layer's keys, the coordinates' count.

    A changed boundary cache therefore never reuses it.
    """
    frame = _frame(territory, name)
    key = "siren" if name == "epcis" else ("code_insee" if name == "communes" else _DISSOLVED[name][1])
    n = int(shapely.get_num_coordinates(territory.communes.geometry.to_numpy()).sum())
    return derived.key_of(SCHEMA, territory.source, territory.vintage, str(territory.crs), tolerance, name,
                          "\0".join(frame[key].astype(str)), n)


def _from_disk(territory, tolerance: float, name: str) -> gpd.GeoDataFrame | None:
    got = derived.load("cartes", f"{name}-{tolerance:g}m", _disk_key(territory, tolerance, name))
    frame = _frame(territory, name)
    if got is None or "wkb" not in got or len(got) != len(frame):
        return None
    frame = frame.drop(columns=[c for c in ("origin",) if c in frame])
    geoms = shapely.from_wkb(got["wkb"].to_numpy())
    return frame.set_geometry(gpd.GeoSeries(geoms, crs=territory.crs, index=frame.index))


def _to_disk(territory, tolerance: float, name: str, layer: gpd.GeoDataFrame) -> None:
    derived.save("cartes", f"{name}-{tolerance:g}m", _disk_key(territory, tolerance, name),
                 pd.DataFrame({"wkb": shapely.to_wkb(layer.geometry.to_numpy())}))


def default_tolerance(territory) -> float:
    """500 m for a territory of more than 5 départements (a national map), 40 m below."""
    return TOLERANCE_NATIONAL if len(territory.departements) > 5 else TOLERANCE_DEPARTEMENT


def simplified(territory, tolerance: float | None = None) -> SimplifiedLayers:
    """``communes, canton_units, epcis, outline`` with simplified geometry (territory CRS).

    ``tolerance`` in metres (default: :func:`default_tolerance`). A mapping:
    each layer is built when first read, then kept. A multi-zone territory is
    simplified zone by zone and returned in WGS 84.
    """
    if tolerance is None:
        tolerance = default_tolerance(territory)
    cache = territory.__dict__.setdefault("_simplified", {})
    if tolerance not in cache:
        cache[tolerance] = SimplifiedLayers(territory, tolerance)
    return cache[tolerance]


def areas_km2(territory) -> pd.Series:
    """Area of every commune in km² (index ``code_insee``), measured in its zone's projected CRS.

    A multi-zone territory projects its WGS 84 communes zone by zone (the
    same CRS as :meth:`Territory.zones`) instead of loading the zones' layers.
    """
    com = territory.communes
    if not territory.is_multizone:
        return pd.Series(com.geometry.area.to_numpy() / 1e6, index=com["code_insee"].to_numpy())
    crs = com["code_departement"].map(settings.crs_for_departement)
    out = np.full(len(com), np.nan)
    for c in crs.unique():
        sel = (crs == c).to_numpy()
        out[sel] = com.geometry[sel].to_crs(c).area.to_numpy() / 1e6
    return pd.Series(out, index=com["code_insee"].to_numpy())


def main_view(territory) -> tuple | None:
    """WGS 84 bounds of the CRS zone holding most communes (métropole for France); None for a one-zone territory.

    Read from the territory's WGS 84 outline: no zone layer is loaded.
    """
    if not territory.is_multizone:
        return None
    crs = territory.communes["code_departement"].map(settings.crs_for_departement)
    main = crs.value_counts().idxmax()
    out = territory.outline
    sel = out["code_departement"].map(settings.crs_for_departement) == main
    return tuple(float(v) for v in out[sel.to_numpy()].to_crs(settings.WEB_CRS).total_bounds)


def round_coordinates(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Round every coordinate (WGS 84 degrees: 5 decimals ≈ 1 m, 4 ≈ 10 m)."""
    return shapely.transform(geoms, lambda c: np.round(c, decimals))


def limits_once(lines: np.ndarray) -> np.ndarray:
    """The units' limits ``lines`` with each shared border once (one merged feature), when some are shared.

    A dashed border drawn twice, once per unit and each time from another
    starting point, reads as a solid line: its dashed legend symbol would be
    false. Limits that share nothing are returned unchanged.

    Examples
    --------
    >>> two = np.array([shapely.box(0, 0, 1, 1).boundary, shapely.box(1, 0, 2, 1).boundary])
    >>> [float(shapely.length(g)) for g in limits_once(two)]
    [7.0]
    """
    merged = shapely.line_merge(shapely.union_all(lines))
    if shapely.length(merged) > 0.999999 * float(shapely.length(lines).sum()):
        return lines
    return np.array([merged], dtype=object)
