"""Routers: engines that give, for each origin point, the nearest site and the time to it.

- :class:`StraightLineRouter`: one straight-line distance × circuity ÷ speed
  for the whole territory (the estimator of earlier versions, kept for
  comparison and for ``--circuity/--speed``);
- :class:`OSRMRouter`: road times from an OSRM ``table`` service (see
  ``docs/osrm.md`` to run one on an OpenStreetMap extract);
- the default model by kind of place is
  :class:`territoires.analysis.traveltime.DensityModel`.

Each router has an ``origins`` attribute (:class:`~territoires.analysis.origins.Origins`):
where the trips start. The two routers here start from one point per
commune (its town hall) unless told otherwise.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import shapely

from territoires import settings
from territoires.analysis.nearest import Tiles
from territoires.analysis.origins import Origins
from territoires.errors import RoutingError
from territoires.territory.geometry import require_projected

__all__ = ["OSRMRouter", "Router", "StraightLineRouter"]


def _town_halls() -> Origins:
    return Origins("mairie", subcommunes=False)


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
    """Straight-line distance × one circuity ÷ one speed (the estimator of earlier versions).

    Parameters
    ----------
    circuity : road distance / straight-line distance (default 1.3; rural
        road networks measure about 1.2–1.4)
    speed_kmh : mean door-to-door speed (default 60 km/h)
    origins : where trips start (default: one point per commune, its town hall)

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> r = StraightLineRouter(circuity=1.5, speed_kmh=60)
    >>> o = gpd.GeoSeries([shapely.Point(0, 0), shapely.Point(10_000, 0)], crs=2154)
    >>> d = gpd.GeoSeries([shapely.Point(20_000, 0)], crs=2154)
    >>> idx, km, minutes = r.nearest(o, d)
    >>> idx.tolist(), km.tolist(), minutes.tolist()
    ([0, 0], [30.0, 15.0], [30.0, 15.0])
    >>> r.label()
    "temps estimés à vol d'oiseau, modèle à vitesse unique ×1,5 à 60 km/h ; non routés"
    """

    circuity: float = field(default_factory=lambda: settings.DEFAULT_CIRCUITY)
    speed_kmh: float = field(default_factory=lambda: settings.DEFAULT_SPEED_KMH)
    origins: Origins = field(default_factory=_town_halls)

    def describe(self) -> str:
        """The estimate in one French line (circuity, speed, origins)."""
        c = f"{self.circuity:g}".replace(".", ",")
        v = f"{self.speed_kmh:g}".replace(".", ",")
        return f"temps estimés à vol d'oiseau, modèle à vitesse unique (×{c} à {v} km/h ; {self.origins.describe()}) ; non routés"

    def label(self) -> str:
        """Short French name of the estimate, for map subtitles."""
        c = f"{self.circuity:g}".replace(".", ",")
        v = f"{self.speed_kmh:g}".replace(".", ",")
        return f"temps estimés à vol d'oiseau, modèle à vitesse unique ×{c} à {v} km/h ; non routés"

    def minutes(self, metres: np.ndarray) -> np.ndarray:
        """Minutes for straight-line distances in metres."""
        return np.asarray(metres) / 1000 * self.circuity / self.speed_kmh * 60

    def nearest(self, origins: gpd.GeoSeries, destinations: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index of the nearest destination or -1, km, minutes) per origin, in a projected CRS."""
        require_projected(origins, "access time")
        o, d = origins.to_numpy(), destinations.to_numpy()
        d_ok = np.flatnonzero(~(shapely.is_missing(d) | shapely.is_empty(d)))
        ok = ~(shapely.is_missing(o) | shapely.is_empty(o))
        idx, km, minutes = np.full(len(o), -1), np.full(len(o), np.inf), np.full(len(o), np.inf)
        i, km[ok], minutes[ok] = self.nearest_xy(shapely.get_coordinates(o[ok]), shapely.get_coordinates(d[d_ok]))
        idx[ok] = np.where(i >= 0, d_ok[np.maximum(i, 0)] if len(d_ok) else -1, -1)
        return idx, km, minutes

    def nearest_xy(self, o_xy: np.ndarray, d_xy: np.ndarray, tiles: Tiles | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`nearest` from (n, 2) and (m, 2) projected coordinates (``tiles``: the origins grouped, if already made).

        Equal distances go to the lower destination index.
        """
        n = len(o_xy)
        if len(d_xy) == 0 or n == 0:
            return np.full(n, -1), np.full(n, np.inf), np.full(n, np.inf)
        idx, _ = (tiles if tiles is not None else Tiles(o_xy)).best(d_xy, metres=False)
        dx, dy = o_xy[:, 0] - d_xy[idx, 0], o_xy[:, 1] - d_xy[idx, 1]
        metres = np.sqrt(dx * dx + dy * dy)  # as GEOS measures a distance between points
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
    ``docs/osrm.md`` says how to run a server on an OpenStreetMap extract.

    Examples
    --------
    >>> r = OSRMRouter("http://localhost:5000")
    >>> r.label()
    'temps routés OSRM, profil driving'
    """

    url: str
    profile: str = "driving"
    candidates: int = 5
    batch: int = 50
    #: seconds; ``None`` reads ``territoires.settings.http_timeout`` at each request
    timeout: float | None = None
    origins: Origins = field(default_factory=_town_halls)

    def describe(self) -> str:
        """The routed times in one French line (profile, server, origins)."""
        return f"temps routés OSRM, profil {self.profile} ({self.url} ; {self.origins.describe()})"

    def label(self) -> str:
        """Short French name of the routed times, for map subtitles."""
        return f"temps routés OSRM, profil {self.profile}"

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
            raise RoutingError(f"échec de la requête OSRM (table) vers {self.url} : {exc} ; service lancé ? (docs/osrm.md)") from exc
        if payload.get("code") != "Ok":
            raise RoutingError(f"OSRM a répondu {payload.get('code')} : {payload.get('message', '')}")
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
