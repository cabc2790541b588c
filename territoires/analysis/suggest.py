"""Where the next sites should go: greedy maximal coverage on the access model's origin points.

The question "put the site here, it brings M people within T minutes" is
answered with the same model, the same origin points and the same sites as
"N people are beyond T minutes" (:func:`~territoires.analysis.access.access_by_commune`
and :func:`~territoires.analysis.access.population_beyond`):

- *demand*: the origin points beyond ``threshold`` minutes of the current
  active sites (or without any site), with their population shares;
- *candidates*: sites at the town hall of candidate communes
  (:func:`~territoires.analysis.scenarios.candidate_sites`);
- *coverage*: a candidate covers an origin point when the model's time from
  the point to the candidate is within the threshold. The relation is kept
  sparse: per zone, one spatial-index query finds, for every candidate, the
  demand points within the largest straight-line distance the threshold
  allows (from the model's parameters), and the model's exact time is
  computed on those pairs only.

Then greedy maximal coverage (:func:`greedy_max_coverage`). The population
left beyond the threshold after each pick is :func:`population_beyond` of
the points' times with the picks added, so that it is the figure
:func:`~territoires.analysis.scenarios.what_if` gives for the same picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from territoires import collector
from territoires.analysis.access import StraightLineRouter, access_by_commune, population_beyond
from territoires.analysis.origins import Origins, OriginTable
from territoires.analysis.originstore import territory_origins
from territoires.analysis.scenarios import _active, candidate_sites
from territoires.analysis.sitepoints import SitePoints
from territoires.analysis.traveltime import DensityModel
from territoires.dates import DateLike
from territoires.sources.programmes import programme as _programme

if TYPE_CHECKING:
    from territoires.territory.core import Territory

__all__ = ["SUGGEST_COLUMNS", "greedy_max_coverage", "greedy_max_coverage_pairs", "suggest_sites"]

SUGGEST_COLUMNS = ["rang", "code_insee", "nom_commune", "code_canton", "gain_population", "population_au_dela_apres",
                   "nb_communes_couvertes"]
#: Candidates measured at once against a zone's demand points (bounds the memory of the pairs in flight)
CHUNK = 2_000


def _ranges(ptr: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Concatenated positions ``ptr[i]:ptr[i + 1]`` of each of ``items``."""
    starts, lengths = ptr[items], ptr[items + 1] - ptr[items]
    total = int(lengths.sum())
    return np.arange(total) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)


def greedy_max_coverage_pairs(demand: np.ndarray, candidate: np.ndarray, weights: np.ndarray, n_candidates: int,
                              k: int) -> list[tuple[int, float]]:
    """Greedy maximal coverage on a sparse relation: ``(demand[p], candidate[p])`` are the covering pairs.

    Same rule as :func:`greedy_max_coverage` (largest uncovered weight, ties
    to the lowest candidate index, stop when nothing is gained); each step
    recomputes the gains of the candidates that share a newly covered point,
    from their uncovered points (no drift from subtractions). A pair must
    not appear twice.

    Examples
    --------
    >>> import numpy as np
    >>> demand, candidate = np.array([0, 0, 1, 2, 2]), np.array([0, 2, 0, 1, 2])
    >>> greedy_max_coverage_pairs(demand, candidate, np.array([10.0, 5.0, 8.0]), 3, k=2)
    [(2, 18.0), (0, 5.0)]
    """
    demand, candidate = np.asarray(demand, dtype=np.intp), np.asarray(candidate, dtype=np.intp)
    w = np.asarray(weights, dtype=float)
    if k < 0:
        raise ValueError(f"k must be 0 or more, got {k}")
    by_c = np.lexsort((demand, candidate))
    c_dem = demand[by_c]
    c_ptr = np.searchsorted(candidate[by_c], np.arange(n_candidates + 1))
    by_d = np.argsort(demand, kind="stable")
    d_cand = candidate[by_d]
    d_ptr = np.searchsorted(demand[by_d], np.arange(len(w) + 1))
    gains = np.bincount(candidate[by_c], weights=w[c_dem], minlength=n_candidates)
    covered = np.zeros(len(w), dtype=bool)
    picks: list[tuple[int, float]] = []
    for _ in range(k):
        if n_candidates == 0:
            break
        j = int(np.argmax(gains))
        if not gains[j] > 0:
            break
        picks.append((j, float(gains[j])))
        pts = c_dem[c_ptr[j]:c_ptr[j + 1]]
        new = pts[~covered[pts]]
        covered[new] = True
        touched = np.unique(d_cand[_ranges(d_ptr, new)])
        pos = _ranges(c_ptr, touched)
        group = np.repeat(np.arange(len(touched)), c_ptr[touched + 1] - c_ptr[touched])
        pts = c_dem[pos]
        gains[touched] = np.bincount(group, weights=np.where(covered[pts], 0.0, w[pts]), minlength=len(touched))
    return picks


def greedy_max_coverage(cover: np.ndarray, weights: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Greedy maximal coverage: pick ``k`` columns covering the most weight.

    ``cover[i, j]`` is True when candidate ``j`` covers demand ``i``. Each
    step takes the candidate with the largest uncovered weight (ties: lowest
    index). The greedy result covers at least (1 − 1/e) ≈ 63 % of the optimum
    (Nemhauser, Wolsey & Fisher 1978, for monotone submodular maximisation);
    on small cases it is often optimal but not always. The dense form of
    :func:`greedy_max_coverage_pairs` (which it calls).

    Returns ``[(candidate index, gain), ...]`` in pick order; stops early
    when no candidate adds anything.

    Examples
    --------
    >>> import numpy as np
    >>> cover = np.array([[1, 0, 1], [1, 0, 0], [0, 1, 1]], dtype=bool)
    >>> greedy_max_coverage(cover, np.array([10.0, 5.0, 8.0]), k=2)
    [(2, 18.0), (0, 5.0)]
    """
    cover = np.asarray(cover, dtype=bool)
    demand, candidate = np.nonzero(cover)
    return greedy_max_coverage_pairs(demand, candidate, weights, cover.shape[1], k)


def _time_model(router, threshold: float):
    """(reach in metres per candidate kind, minutes of pairs) of a straight-line ``router``."""
    if isinstance(router, DensityModel):
        p = router.params()
        pace = np.array([q.minutes_per_km / 1000 for q in p])  # minutes per metre, as DensityModel.nearest_times
        t_o = np.array([q.origin_minutes for q in p])
        t_d = np.array([q.destination_minutes for q in p])

        def reach(c_kind):
            # the farthest an origin of any kind can lie from a site of kind c_kind and be within the threshold
            return np.max((threshold - t_o[None, :] - t_d[c_kind][:, None]) / pace[None, :], axis=1)

        def minutes(o_kind, c_kind, metres):
            return (t_o[o_kind] + t_d[c_kind]) + metres * pace[o_kind]

        return reach, minutes
    if isinstance(router, StraightLineRouter):
        per_metre = router.circuity / router.speed_kmh * 60 / 1000
        return (lambda c_kind: np.full(len(c_kind), threshold / per_metre)), (lambda o_kind, c_kind, metres: router.minutes(metres))
    raise TypeError(f"suggest_sites needs a straight-line model (DensityModel or StraightLineRouter), got {type(router).__name__}: "
                    "a routed engine would have to route every candidate against every point beyond the threshold")


def _coverage_pairs(held, demand: np.ndarray, c_xy_of, c_kind: np.ndarray, o_kind: np.ndarray, threshold: float,
                   router) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covering pairs ``(point, candidate, minutes)`` between demand points and candidate sites.

    ``held``: the territory's origin points (zones in order; points numbered
    across zones as :func:`access_by_commune` numbers them); ``demand``: mask
    of the points to cover; ``c_xy_of(crs)``: the candidates' (m, 2)
    coordinates in a zone's CRS; ``c_kind``, ``o_kind``: kinds of place of the
    candidates' communes and of every point (unused by a one-speed router).
    """
    reach_of, minutes_of = _time_model(router, threshold)
    reach = reach_of(c_kind) + 1.0  # 1 m to spare for rounding; the exact time decides
    pts, cands, mins = [], [], []
    start = 0
    for z in held.zones:
        n = len(z.x)
        dem = np.flatnonzero(demand[start:start + n]) + start
        live = np.flatnonzero(reach > 0)
        if len(dem) and len(live):
            ox, oy = z.x[dem - start], z.y[dem - start]
            tree = shapely.STRtree(shapely.points(ox, oy))
            c_xy = c_xy_of(z.crs)
            for a in range(0, len(live), CHUNK):
                c = live[a:a + CHUNK]
                ci, oi = tree.query(shapely.points(c_xy[c]), predicate="dwithin", distance=reach[c])
                ci = c[ci]
                metres = np.hypot(ox[oi] - c_xy[ci, 0], oy[oi] - c_xy[ci, 1])
                m = minutes_of(o_kind[dem[oi]], c_kind[ci], metres)
                keep = m <= threshold
                pts.append(dem[oi[keep]])
                cands.append(ci[keep])
                mins.append(m[keep])
        start += n
    if not pts:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp), np.empty(0)
    return np.concatenate(pts), np.concatenate(cands), np.concatenate(mins)


@collector.pausing
def suggest_sites(
    territory: Territory,
    k: int = 2,
    threshold: float = 30,
    candidates: Sequence[str] | None = None,
    as_of: DateLike = None,
    programme: str = "france_services",
    router: DensityModel | StraightLineRouter | None = None,
) -> pd.DataFrame:
    """Choose ``k`` new sites among candidate communes to bring the most people within ``threshold``.

    With the default ``router`` (:class:`DensityModel`, ``densite-3``), the
    same model, origin points and sites as :func:`access_by_commune` and
    :func:`population_beyond`. Demand: the origin points beyond
    ``threshold`` minutes of the sites active on ``as_of`` (or without any
    site), with their population. Candidates: the given commune codes
    (default: every commune without an active site), each a site at its town
    hall (:func:`candidate_sites`). A candidate covers a point when the
    model's time from the point to it is within the threshold. Greedy
    maximal coverage (:func:`greedy_max_coverage`; guarantee (1 − 1/e) of
    the optimum). A territory of several CRS zones is answered at once: each
    zone's points are measured against the candidates projected in the zone's
    CRS, as :func:`access_by_commune` measures sites (zones far apart share no
    coverage).
    ``router=StraightLineRouter()`` keeps the earlier estimate (one speed,
    from town halls).

    Returns
    -------
    DataFrame
        One row per pick, in pick order: ``rang, code_insee, nom_commune,
        code_canton``; ``population_au_dela_apres``: the population still
        beyond the threshold with the picks up to this one added — what
        :func:`population_beyond` gives for those sites (e.g. through
        :func:`what_if`); ``gain_population``: the drop from the row before
        (from ``attrs["population_beyond_before"]`` for the first);
        ``nb_communes_couvertes``: communes with at least one origin point
        this pick brings within the threshold. ``attrs``: ``router`` (the
        model in full), ``modele`` (in short), ``threshold``,
        ``population_beyond_before``, ``nb_candidats``, ``nb_points_au_dela``
        (demand points) and ``nb_paires`` (covering point–candidate pairs).

    Examples
    --------
    >>> import territoires
    >>> t = territoires.load_territory("79")
    >>> s = suggest_sites(t, k=2, threshold=30, as_of="2021-07-13")
    >>> s[["rang", "nom_commune"]].values.tolist()
    [[1, 'La Chapelle-Bertrand'], [2, 'Le Bourdet']]
    >>> s.attrs["modele"]
    "temps estimés à vol d'oiseau, modèle densite-3 ; non routés"
    """
    programme = _programme(programme).key  # the alias is resolved once, here
    router = router if router is not None else DensityModel()
    _time_model(router, threshold)  # an unsupported router fails before any work
    acc = access_by_commune(territory, programme, as_of, router=router, thresholds=[threshold])
    before = int(population_beyond(acc, [threshold]).iloc[0]["population"])
    spec = getattr(router, "origins", None) or Origins("mairie", subcommunes=False)
    held = territory_origins(territory, spec)
    table = acc.attrs["origin_points"].frame
    pt_minutes = table["minutes"].to_numpy(dtype=float)
    pt_population = table["population"].to_numpy(dtype=float)
    pt_commune = np.concatenate([np.asarray(z.commune, dtype=np.intp) for z in held.zones]) if held.zones else np.empty(0, np.intp)
    com = territory.communes
    codes = com["code_insee"].to_numpy(dtype=object)
    current = set(_active(territory, programme, as_of)["code_insee"])
    cand = [str(c) for c in candidates] if candidates is not None else [c for c in codes if c not in current]
    sites = candidate_sites(territory, cand, programme=programme) if cand else None
    if sites is not None:  # a commune without a point (no geometry) cannot hold a candidate
        g = sites.geometry.to_numpy()
        ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
        sites, cand = sites[ok].reset_index(drop=True), [c for c, o in zip(cand, ok, strict=True) if o]
    with np.errstate(invalid="ignore"):
        demand = ~(pt_minutes <= threshold)
    attrs = {"threshold": threshold, "router": router.describe(), "modele": router.label(), "population_beyond_before": before,
             "nb_candidats": len(cand), "nb_points_au_dela": int(demand.sum())}
    out = pd.DataFrame(columns=SUGGEST_COLUMNS)
    if before == 0 or not cand:
        out.attrs.update(attrs)
        return out
    kinds = router.kinds_of(held.density) if isinstance(router, DensityModel) else np.zeros(len(com), dtype=int)
    c_kind = kinds[pd.Index(codes).get_indexer(cand)]
    sp = SitePoints(sites)
    pt, ci, mins = _coverage_pairs(held, demand, sp.xy, c_kind, kinds[pt_commune], threshold, router)
    attrs["nb_paires"] = len(pt)
    w = np.where(np.isnan(pt_population), 0.0, pt_population)
    picks = greedy_max_coverage_pairs(pt, ci, w, len(cand), k)
    after = pt_minutes.copy()
    nom, canton = com.set_index("code_insee")["nom"], com.set_index("code_insee")["code_canton"]
    frame = pd.DataFrame({"code_insee": codes, "population": com["population"].to_numpy()})
    rows, last = [], before
    for rank, (j, _) in enumerate(picks, start=1):
        mine = ci == j
        newly = pt[mine][~(after[pt[mine]] <= threshold)]
        np.fmin.at(after, pt[mine], mins[mine])
        frame.attrs["origin_points"] = OriginTable.of_arrays(codes, pt_commune, pt_population, after)
        now = int(population_beyond(frame, [threshold]).iloc[0]["population"])
        code = cand[j]
        rows.append({"rang": rank, "code_insee": code, "nom_commune": nom[code], "code_canton": canton[code],
                     "gain_population": last - now, "population_au_dela_apres": now,
                     "nb_communes_couvertes": len(np.unique(pt_commune[newly]))})
        last = now
    if rows:
        out = pd.DataFrame(rows, columns=SUGGEST_COLUMNS)
    out.attrs.update(attrs)
    return out
