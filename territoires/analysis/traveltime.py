"""Drive-time model by kind of place, from straight-line distances (no road network).

Model ``densite-3`` (the default of :func:`territoires.analysis.access_by_commune`)::

    minutes = origin_minutes[k_o] + destination_minutes[k_d]
              + straight_line_km × circuity[k_o] ÷ speed_kmh[k_o] × 60

``k_o`` is the kind of place of the commune the trip starts in, ``k_d`` that
of the commune holding the site (a site whose commune is not known takes
``k_o``). Kinds come from the commune's population density (INSEE municipal
population ÷ polygon area):

- ``dense``: 1,500 inhabitants per km² or more;
- ``intermediaire``: 300 to 1,500;
- ``rural``: under 300.

The two thresholds are those of the European *degree of urbanisation*
(Eurostat DEGURBA) on which INSEE's *grille communale de densité* rests; the
official grid applies them to 1 km² population cells, not to commune
averages, and no registry package ships it: a commune-average density is an
approximation that classes fewer communes as dense than the official grid.

Default parameters (every one overridable, see :class:`KindParameters`):

========================  =========  ========  ==========  ===========
kind                      circuity   km/h      origin min  site min
========================  =========  ========  ==========  ===========
dense                     1.3        25        1           2
intermediaire             1.35       40        1           1
rural                     1.4        55        0.5         0.5
========================  =========  ========  ==========  ===========

i.e. 3.1, 2.0 and 1.5 minutes per straight-line km. The target is the
official measure's definition: **road times by car as a router computes
them** (INSEE computes access times with OSRM since about 2020: INSEE blog,
de Bellefon & Pages, 6 October 2021), not door-to-door times with parking.

- *Speeds* are the nominal speeds of OSRM's default car profile
  (``profiles/car.lua`` of osrm-backend) for the roads that carry most of
  each kind of trip: residential streets 25 km/h (dense), tertiary roads
  40 km/h (intermediate), secondary roads 55 km/h (rural; primary roads are
  65, and the French limit outside built-up areas is 80 km/h on two-way roads
  without a separator since 1 July 2018, décret n° 2018-487).
- *Circuity* (road ÷ straight-line distance): about 1.2 on urban grids
  (Newell 1980; O'Sullivan & Morrall 1996 measured 1.21–1.23), 1.417 on
  average between American homes and hospitals (Boscoe, Henry & Zdeb 2012,
  *The Professional Geographer* 64(2)); Ballou, Rahardja & Sakai (2002) give
  factors country by country. The defaults rise from 1.3 (dense) to 1.4
  (rural): a choice within that range.
- *Origin and site minutes* stand for what a straight line cannot see at each
  end of a routed trip: the slow link from a home to the road network and
  from the road to the site (OSRM's service roads: 15 km/h, living streets:
  10 km/h), longer in dense streets. Choices, small on purpose: no parking
  search, which the official measure does not count either.
- The only measurement these choices can be held against is the one of
  issue #19 with the official national list of 2024-08-01: from town halls, a
  pace of 1.3 min per straight-line km gave 0.39 % of the French beyond 20
  min and 0.02 % beyond 30 min (ANCT: 5 % and 1 %), 2.03 min/km gave 6.3 %
  and 0.67 %. ``benchmarks/calibrate_access.py`` reruns the comparison on
  any national file; the README gives what it printed.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike

from territoires.analysis.nearest import Tiles
from territoires.analysis.origins import Origins
from territoires.analysis.parallel import halves, run

__all__ = ["DensityModel", "KINDS", "KIND_LABELS", "KindParameters", "MODEL_NAME"]

KINDS = ("dense", "intermediaire", "rural")
#: French labels of the kinds of place (user-facing).
KIND_LABELS = {"dense": "dense", "intermediaire": "intermédiaire", "rural": "rural"}
MODEL_NAME = "densite-3"


def _tile_ranges(tiles: Tiles, kind_sorted: np.ndarray, pace, t_o, t_d) -> tuple[np.ndarray, ...]:
    """Per tile of ``tiles``, over the kinds from its lowest to its highest: lowest and highest pace, origin
    minutes and site minutes (a range of kinds holds every kind of the tile's origins)."""
    if tiles.n == 0:
        return (np.empty(0),) * 6
    starts = np.cumsum(tiles.count) - tiles.count
    k_lo, k_hi = np.minimum.reduceat(kind_sorted, starts), np.maximum.reduceat(kind_sorted, starts)
    out = []
    for v in (pace, t_o, t_d):
        v = np.asarray(v, dtype=float)
        lo = np.array([[v[i:j + 1].min() if j >= i else np.inf for j in range(3)] for i in range(3)])
        hi = np.array([[v[i:j + 1].max() if j >= i else -np.inf for j in range(3)] for i in range(3)])
        out += [lo[k_lo, k_hi], hi[k_lo, k_hi]]
    return tuple(out)


@dataclass(frozen=True)
class KindParameters:
    """Travel parameters of one kind of place.

    Parameters
    ----------
    circuity : road distance ÷ straight-line distance
    speed_kmh : mean door-to-door speed on the road distance
    origin_minutes : minutes added when the trip starts in this kind of place
    destination_minutes : minutes added when the site lies in this kind of place

    Examples
    --------
    >>> from territoires.analysis import DensityModel, KindParameters
    >>> rural = KindParameters(circuity=1.5, speed_kmh=60, origin_minutes=2, destination_minutes=2)
    >>> DensityModel(rural=rural).rural.speed_kmh
    60
    """

    circuity: float
    speed_kmh: float
    origin_minutes: float = 0.0
    destination_minutes: float = 0.0

    def __post_init__(self):
        if not (self.circuity >= 1 and self.speed_kmh > 0 and self.origin_minutes >= 0 and self.destination_minutes >= 0):
            raise ValueError(f"invalid travel parameters {self}: circuity ≥ 1, speed > 0, minutes ≥ 0")

    @property
    def minutes_per_km(self) -> float:
        """Minutes per straight-line kilometre."""
        return self.circuity / self.speed_kmh * 60


def _fmt(v: float) -> str:
    return f"{v:g}".replace(".", ",")


@dataclass(frozen=True)
class DensityModel:
    """Straight-line travel-time model by kind of place (see the module docstring).

    Examples
    --------
    >>> m = DensityModel(rural=KindParameters(1.4, 50, 1, 1))
    >>> round(m.rural.minutes_per_km, 2)
    1.68
    >>> m.kinds_of([2000.0, 500.0, 10.0]).tolist()
    [0, 1, 2]
    """

    dense: KindParameters = KindParameters(1.3, 25.0, 1.0, 2.0)
    intermediaire: KindParameters = KindParameters(1.35, 40.0, 1.0, 1.0)
    rural: KindParameters = KindParameters(1.4, 55.0, 0.5, 0.5)
    dense_min_density: float = 1500.0
    intermediate_min_density: float = 300.0
    origins: Origins = field(default_factory=Origins)
    name: str = MODEL_NAME

    def __post_init__(self):
        if not 0 <= self.intermediate_min_density <= self.dense_min_density:
            raise ValueError("density thresholds must satisfy 0 ≤ intermediate ≤ dense")

    def with_origins(self, origins: Origins) -> DensityModel:
        """The same model with other origin points (e.g. ``Origins("mairie")``)."""
        return replace(self, origins=origins)

    def params(self) -> list[KindParameters]:
        """The parameters of the three kinds of place, in order dense, intermediaire, rural."""
        return [self.dense, self.intermediaire, self.rural]

    def kinds_of(self, density: ArrayLike) -> np.ndarray:
        """Kind index (0 dense, 1 intermediaire, 2 rural) of each density (inhabitants per km²); NaN is rural."""
        d = np.asarray(density, dtype=float)
        return np.where(d >= self.dense_min_density, 0, np.where(d >= self.intermediate_min_density, 1, 2))

    def label(self) -> str:
        """Short French name of the model, for map subtitles."""
        return f"temps estimés à vol d'oiseau, modèle {self.name} ; non routés"

    def describe(self) -> str:
        """The model in one French line: each kind's circuity, speed and fixed minutes, and the origins."""
        parts = [f"{KIND_LABELS[k]} ×{_fmt(p.circuity)} à {_fmt(p.speed_kmh)} km/h +{_fmt(p.origin_minutes + p.destination_minutes)} min"
                 for k, p in zip(KINDS, self.params(), strict=True)]
        return (f"temps estimés à vol d'oiseau, modèle {self.name} ({' ; '.join(parts)} ; "
                f"{self.origins.describe()}) ; non routés")

    def nearest_times(
        self, o_xy: np.ndarray, o_kind: np.ndarray, d_xy: np.ndarray, d_kind: np.ndarray, o_points: np.ndarray | None = None,
        tiles: Tiles | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fastest site for every origin, all origins queried at once.

        Parameters
        ----------
        o_xy, d_xy : (n, 2) and (m, 2) projected coordinates in metres
        o_kind, d_kind : kind indices (see :meth:`kinds_of`); ``d_kind`` −1 means unknown (takes the origin's)
        o_points : unused (kept for compatibility: origins are no longer shapely points)
        tiles : the origins grouped by :class:`~territoires.analysis.nearest.Tiles`, if already made

        Returns
        -------
        tuple of arrays
            Index of the site, road km estimate and minutes per origin (−1, inf, inf without sites);
            equal times go to the shorter distance, then to the lower site index.
        """
        n = len(o_xy)
        if len(d_xy) == 0 or n == 0:
            return np.full(n, -1), np.full(n, np.inf), np.full(n, np.inf)
        p = self.params()
        o_kind = np.asarray(o_kind)
        pace_k = np.array([q.minutes_per_km / 1000 for q in p])
        t_o_k = np.array([q.origin_minutes for q in p])
        t_d_by_kind = np.array([q.destination_minutes for q in p])
        dk = np.asarray(d_kind)
        known = dk[dk >= 0]
        spread = t_d_by_kind.max() - t_d_by_kind.min() if (dk < 0).any() else (
            t_d_by_kind[known].max() - t_d_by_kind[known].min())
        made = tiles is None
        tiles = Tiles(np.asarray(o_xy, dtype=float)) if tiles is None else tiles

        def terms():
            kind_sorted = o_kind[tiles.order]
            return (kind_sorted, pace_k[o_kind], t_o_k[o_kind], np.array([q.circuity for q in p])[o_kind],
                    pace_k[np.bincount(o_kind, minlength=3)[:3] > 0].min(), _tile_ranges(tiles, kind_sorted, pace_k, t_o_k, t_d_by_kind))

        # per-origin terms, kept with the caller's tiles while the same kinds array comes back
        memo = {} if made else tiles.__dict__.setdefault("_terms", {})
        hit = memo.get(self)
        if hit is None or hit[0]() is not o_kind:
            hit = memo[self] = (weakref.ref(o_kind), terms())
        kind_sorted, pace_o, t_o_o, circ_o, slowest, (p_lo, p_hi, to_lo, to_hi, td_lo, td_hi) = hit[1]
        # a site farther than nearest + spread/pace can never be faster (the slowest pace bounds every origin's)
        slack = spread / slowest
        # minutes of a site of kind k_d from an origin of kind k_o: t_o[k_o] + t_d[k_d or k_o] + metres × pace[k_o]
        t_d_site = np.where(dk[:, None] >= 0, t_d_by_kind[np.maximum(dk, 0)][:, None], t_d_by_kind[None, :])  # (m, 3)
        fixed = (t_o_k[None, :] + t_d_site).ravel()

        def score(rows, sites, metres):
            k = kind_sorted[rows]
            return fixed[sites * 3 + k] + metres * pace_k[k]

        site_td = t_d_by_kind[np.maximum(dk, 0)]  # a site's end-of-trip minutes, when its kind is known
        every_known = bool((dk >= 0).all())

        def bound(tile, sites, near, far):
            # an origin of the tile is of one of its kinds: its score lies between the kinds' lowest and highest terms
            lo = hi = site_td[sites]
            if not every_known:
                known = dk[sites] >= 0
                lo, hi = np.where(known, lo, td_lo[tile]), np.where(known, hi, td_hi[tile])
            return to_lo[tile] + lo + near * p_lo[tile], to_hi[tile] + hi + far * p_hi[tile]

        idx, metres = tiles.best(d_xy, slack, score, bound)
        km, minutes = np.empty(n), np.empty(n)

        def times(r: slice):
            # (origin minutes + site minutes) + metres × pace, as the brute force adds them; no temporaries
            td = site_td[idx[r]] if every_known else t_d_by_kind[np.where(dk[idx[r]] >= 0, dk[idx[r]], o_kind[r])]
            np.divide(metres[r], 1000, out=km[r])
            np.multiply(km[r], circ_o[r], out=km[r])
            np.add(t_o_o[r], td, out=minutes[r])
            np.multiply(metres[r], pace_o[r], out=td)
            np.add(minutes[r], td, out=minutes[r])

        run(times, halves(n))
        return idx, km, minutes
