"""Origin-point times summed up per commune with integer commune numbers (no group-by on codes).

:func:`by_commune` takes the points of one CRS zone, sorted by commune (as
:mod:`territoires.analysis.originstore` keeps them), and returns, for every
commune number below ``n``, what :func:`territoires.analysis.access_by_commune`
reports: population-weighted mean minutes and km (plain means when the
commune's points carry no population), the largest time, the number of
points and the site serving most of its people (ties: the site met first in
the points' order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from territoires.analysis.parallel import run, threads_for

__all__ = ["CommuneTimes", "Segments", "by_commune"]


@dataclass
class CommuneTimes:
    """Per commune number: ``minutes``, ``km``, ``minutes_max`` (NaN without points), ``count``, ``site`` (−1: none)."""

    minutes: np.ndarray
    km: np.ndarray
    minutes_max: np.ndarray
    count: np.ndarray
    site: np.ndarray


def _weighted(commune, pop, value, count, w, n, plain_points=None):
    """Population-weighted mean of ``value`` per commune; the plain mean where the weights add up to 0
    (``plain_points``: the points of those communes, if known)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        wv = pop * value
        if np.isinf(value).any():
            wv[np.isnan(wv)] = 0.0  # 0 × inf: skipped, as pandas sums skip NaN
        out = np.bincount(commune, weights=wv, minlength=n) / w
        plain = (w <= 0) & (count > 0)
        if plain.any():
            # the same sums as over every point: each commune's points, in their order
            sel = np.flatnonzero(plain[commune]) if plain_points is None else plain_points
            out[plain] = (np.bincount(commune[sel], weights=value[sel], minlength=n) / count)[plain]
    return out


def _served(commune, pop, site, starts, ends) -> np.ndarray:
    """Site with the largest population share of each commune segment (−1 without a site)."""
    ok = site >= 0
    every = bool(ok.all())  # every point has a site unless the zone has none
    lo = np.minimum.reduceat(site if every else np.where(ok, site, np.iinfo(np.int64).max), starts)
    hi = np.maximum.reduceat(site, starts)
    out = np.where(hi >= 0, lo, -1)
    mixed = np.flatnonzero((hi >= 0) & (lo != hi))
    if len(mixed):
        is_mixed = np.zeros(len(starts), dtype=bool)
        is_mixed[mixed] = True
        in_mixed = np.repeat(is_mixed, ends - starts)
        sel = np.flatnonzero(in_mixed & ok)
        m = int(site.max()) + 1
        key = commune[sel].astype(np.int64) * m + site[sel]
        # the stable order of the keys, found on the runs of equal keys (a commune's points often
        # share their site): the points of each (commune, site) pair in their order
        r0 = np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1]
        rn = np.diff(np.r_[r0, len(key)])
        ro = np.argsort(key[r0], kind="stable")
        rn_o = rn[ro]
        offs = np.cumsum(rn_o) - rn_o
        o = np.arange(len(key)) + np.repeat(r0[ro] - offs, rn_o)
        key = key[o]
        run = np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1]
        uniq, first, w = key[run], o[run], np.add.reduceat(pop[sel][o], run)
        com, s = uniq // m, uniq % m
        # per commune (runs of com): the largest share, then the pair met first
        g = np.r_[0, np.flatnonzero(com[1:] != com[:-1]) + 1]
        top_w = np.repeat(np.maximum.reduceat(w, g), np.diff(np.r_[g, len(w)]))
        big = np.iinfo(np.int64).max
        top_first = np.minimum.reduceat(np.where(w == top_w, first, big), g)
        pick = np.flatnonzero((w == top_w) & (first == np.repeat(top_first, np.diff(np.r_[g, len(w)]))))
        seg = np.searchsorted(commune[starts], com[pick])
        out[seg] = s[pick]
    return out


@dataclass
class Segments:
    """What does not depend on the sites: points and population per commune, each commune's run of points."""

    count: np.ndarray
    w: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    present: np.ndarray
    plain_points: np.ndarray | None = None  # points of the communes whose population adds up to 0 (plain means)

    @classmethod
    def of(cls, commune: np.ndarray, pop: np.ndarray, n: int) -> Segments:
        """Segments of points sorted by ``commune`` (numbers below ``n``)."""
        starts = np.r_[0, np.flatnonzero(commune[1:] != commune[:-1]) + 1] if len(commune) else np.array([], dtype=int)
        count, w = np.bincount(commune, minlength=n), np.bincount(commune, weights=pop, minlength=n)
        return cls(count, w, starts, np.r_[starts[1:], len(commune)], commune[starts],
                   np.flatnonzero(((w <= 0) & (count > 0))[commune]))


def by_commune(commune: np.ndarray, pop: np.ndarray, site: np.ndarray, km: np.ndarray, minutes: np.ndarray, n: int,
               segments: Segments | None = None) -> CommuneTimes:
    """Sum up the points (sorted by ``commune``) per commune number ``0 … n−1`` (``segments``: :meth:`Segments.of` them, if known).

    Examples
    --------
    >>> import numpy as np
    >>> t = by_commune(np.array([0, 0, 2]), np.array([100.0, 300.0, 0.0]), np.array([1, 0, 1]),
    ...                np.array([1.0, 3.0, 2.0]), np.array([10.0, 30.0, 5.0]), 3)
    >>> t.minutes.tolist()[0], t.minutes_max.tolist(), t.count.tolist(), t.site.tolist()
    (25.0, [30.0, nan, 5.0], [2, 0, 1], [0, -1, 1])
    """
    seg = segments if segments is not None else Segments.of(commune, pop, n)
    count = seg.count
    minutes_max = np.full(n, np.nan)
    site_out = np.full(n, -1)
    if len(commune) == 0:
        return CommuneTimes(np.full(n, np.nan), np.full(n, np.nan), minutes_max, count, site_out)

    def sums():
        minutes_max[seg.present] = np.maximum.reduceat(minutes, seg.starts)
        return (_weighted(commune, pop, minutes, count, seg.w, n, seg.plain_points),
                _weighted(commune, pop, km, count, seg.w, n, seg.plain_points))

    def served():
        site_out[seg.present] = _served(commune, pop, site, seg.starts, seg.ends)

    # the serving sites on a second thread while the means are summed (large zones, several cores)
    (mean_m, mean_km), _ = run(lambda job: job(), [sums, served], threads_for(len(commune)))
    return CommuneTimes(mean_m, mean_km, minutes_max, count, site_out)
