"""The threaded and reformulated fast paths give the single-thread answers, and brute force's.

Origins cut in parts (``Tiles.split``) on the thread pool, the blocks' candidates by envelope query or
by nearest query, the per-commune sums with the serving sites on a second thread, the population
beyond a threshold from arrays: each against the plain computation of ``tests/test_nearest.py``.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pandas as pd
import pytest

from territoires import analysis as A
from territoires.analysis import DensityModel, nearest, parallel
from territoires.analysis.bycommune import by_commune
from territoires.analysis.nearest import Tiles
from territoires.analysis.origins import Origins, OriginTable, beyond_array
from territoires.analysis.traveltime import KindParameters

from . import synthetic as S
from .test_nearest import brute_density, brute_nearest, layouts, reference_by_commune

LAYOUTS = list(layouts())


@pytest.fixture
def two_threads(monkeypatch):
    """Every step that can use two threads does, however small the work."""
    monkeypatch.setattr(parallel, "MIN_PER_THREAD", 10)
    monkeypatch.setattr(parallel, "cores", lambda: 2)


@pytest.mark.parametrize("case", range(len(LAYOUTS)))
def test_tiles_cut_in_parts_answer_as_the_whole_and_as_brute_force(case):
    o, d = LAYOUTS[case]
    ref_idx, _ = brute_nearest(o, d)
    for size in (500.0, 2_500.0):
        tiles = Tiles(o, size)
        one_idx, one_m = tiles.best(d, threads=1)
        assert one_idx.tolist() == ref_idx.tolist()
        for k in (2, 3, 7):
            parts = tiles.split(k)
            assert 1 <= len(parts) <= k
            assert sorted(np.concatenate([p.order for p in parts]).tolist()) == list(range(len(o)))  # each origin once
            idx, metres = tiles.best(d, threads=k)
            assert idx.tolist() == one_idx.tolist()
            np.testing.assert_array_equal(metres, one_m)


def test_a_split_cuts_between_blocks_with_about_as_many_origins():
    o = np.random.default_rng(2).uniform(0, 100_000, (4_000, 2))
    tiles = Tiles(o, 2_500.0)
    a, b = tiles.split(2)
    assert abs(a.n - b.n) < 0.2 * len(o)
    assert len(a.blocks) + len(b.blocks) == len(tiles.blocks) and a.n + b.n == len(o)
    assert b.o0 == a.n and b.t0 == len(a.count)


@pytest.mark.parametrize("guess", [0.0, 0.65, 50.0])
@pytest.mark.parametrize("case", range(len(LAYOUTS)))
def test_block_candidates_by_envelope_or_nearest_query_give_brute_force_answers(monkeypatch, case, guess):
    """GUESS 0: every block asks its nearest site; 50: every block's square holds its candidates."""
    monkeypatch.setattr(nearest, "GUESS", guess)
    o, d = LAYOUTS[case]
    rng = np.random.default_rng(case)
    o_kind, d_kind = rng.integers(0, 3, len(o)), rng.integers(-1, 3, len(d))
    assert Tiles(o, 1_000.0).best(d)[0].tolist() == brute_nearest(o, d)[0].tolist()
    model = DensityModel(dense=KindParameters(1.3, 20, 1, 4))
    got = model.nearest_times(o, o_kind, d, d_kind, tiles=Tiles(o, 1_000.0))
    ref = brute_density(model, o, o_kind, d, d_kind)
    assert got[0].tolist() == ref[0].tolist()
    np.testing.assert_allclose(got[2], ref[2], rtol=0, atol=1e-9)


@pytest.mark.parametrize("case", range(len(LAYOUTS)))
def test_density_times_on_two_threads_are_the_single_thread_times(monkeypatch, case):
    o, d = LAYOUTS[case]
    rng = np.random.default_rng(30 + case)
    o_kind, d_kind = rng.integers(0, 3, len(o)), rng.integers(-1, 3, len(d))
    model = DensityModel()
    one = model.nearest_times(o, o_kind, d, d_kind, tiles=Tiles(o, 1_000.0))
    monkeypatch.setattr(parallel, "MIN_PER_THREAD", 10)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    two = model.nearest_times(o, o_kind, d, d_kind, tiles=Tiles(o, 1_000.0))
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    assert two[0].tolist() == brute_density(model, o, o_kind, d, d_kind)[0].tolist()


def test_serving_site_with_runs_of_points_matches_a_group_by(two_threads, monkeypatch):
    """Points of a commune in runs of one site (as tiles of a grid give them), shares not exact in binary."""
    rng = np.random.default_rng(11)
    n = 60
    runs = 900
    commune = np.sort(rng.integers(0, n, runs))
    run_site = rng.integers(-1, 6, runs)
    length = rng.integers(1, 7, runs)
    commune, site = np.repeat(commune, length), np.repeat(run_site, length)
    pop = rng.choice([1.0 / 3, 0.1, 2.0 / 7, 0.0], len(commune))
    pop[np.isin(commune, [3, 7, 8])] = 0.0  # nobody lives there: plain means of their points
    assert np.isin([3, 7, 8], commune).all()
    minutes = np.where(site >= 0, rng.uniform(1, 40, len(commune)), np.inf)
    km = np.where(site >= 0, minutes / 2, np.inf)
    got = by_commune(commune, pop, site, km, minutes, n)
    ref = reference_by_commune(commune, pop, site, km, minutes).reindex(np.arange(n))
    assert got.site.tolist() == ref["site"].fillna(-1).astype(int).tolist()
    np.testing.assert_allclose(got.minutes, ref["minutes"].to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(got.km, ref["km"].to_numpy(float), rtol=1e-12)
    np.testing.assert_array_equal(got.minutes_max, ref["minutes_max"].to_numpy(float))
    monkeypatch.setattr(parallel, "MIN_PER_THREAD", 10**9)  # one thread: the same arrays, bit for bit
    one = by_commune(commune, pop, site, km, minutes, n)
    for name in ("minutes", "km", "minutes_max", "count", "site"):
        np.testing.assert_array_equal(getattr(one, name), getattr(got, name))


def test_population_beyond_from_arrays_sums_halves_exactly():
    """Sums that should be whole halves are summed exactly (whatever the order), the others as bincount does."""
    codes = np.array(["a", "b", "c", "d"], dtype=object)
    commune = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 2, 3])
    pop = np.array([0.1] * 10 + [1 / 3, 1 / 6, 2.5])
    minutes = np.array([30.0] * 10 + [25.0, np.nan, 5.0])
    by = beyond_array(codes, commune, pop, minutes, 20)
    exact = [math.fsum(pop[(commune == c) & ~(minutes <= 20)].tolist()) for c in range(4)]
    assert by.tolist() == exact  # 0.5, 0.5, 0.5 and 0
    series = OriginTable.of_arrays(codes, commune, pop, minutes).beyond(20)
    assert series.index.tolist() == codes.tolist() and series.to_numpy().tolist() == exact


def test_access_by_commune_on_two_threads_gives_the_single_thread_table(monkeypatch):
    t = S.territory({k: 1000 * k for k in range(1, 10)})
    t.add_programme(S.sites_table([{"site_id": "a", "commune": 5}, {"site_id": "b", "commune": 1}, {"site_id": "c", "commune": 9}]))
    kw = {"router": DensityModel(origins=Origins(spacing_m=500)), "thresholds": (5, 10)}
    one = A.access_by_commune(t, **kw)
    monkeypatch.setattr(parallel, "MIN_PER_THREAD", 10)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    two = A.access_by_commune(t, **kw)
    pd.testing.assert_frame_equal(pd.DataFrame(one.drop(columns="geometry")), pd.DataFrame(two.drop(columns="geometry")), check_exact=True)
    pd.testing.assert_frame_equal(one.attrs["origin_points"].frame, two.attrs["origin_points"].frame, check_exact=True)


def test_run_keeps_the_order_raises_and_does_not_nest(two_threads):
    assert parallel.run(lambda x: x + 1, range(5)) == [1, 2, 3, 4, 5]
    seen = []

    def job(x):
        seen.append(threading.get_ident())
        if x == 1:
            raise KeyError("boom")
        return x

    with pytest.raises(KeyError, match="boom"):
        parallel.run(job, [0, 1])
    assert len(seen) == 2  # the first job ran too
    inner = parallel.run(lambda _: {threading.get_ident() for _ in parallel.run(lambda y: y, [1, 2])}, [0, 1])
    assert all(len(s) == 1 for s in inner)  # a job's own run() stays on its thread
    here = threading.get_ident()
    assert parallel.run(lambda _: threading.get_ident(), [0, 1], threads=1) == [here, here]


def test_threads_follow_the_work_and_the_cores(monkeypatch):
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    assert parallel.threads_for(10**7) == 1
    monkeypatch.setattr(parallel, "cores", lambda: 8)
    assert parallel.threads_for(10**7) == parallel.MAX_THREADS
    assert parallel.threads_for(parallel.MIN_PER_THREAD - 1) == 1
    assert [s.stop - s.start for s in parallel.halves(10**6)] == [500_000, 500_000]


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no fork on this system")
def test_a_forked_child_makes_its_own_pool(two_threads):
    import os
    import signal

    parallel.run(lambda x: x, [0, 1])  # the pool exists, with an idle thread
    pid = os.fork()
    if pid == 0:  # the child: without a new pool its jobs would wait for a thread that is not there
        signal.alarm(20)  # killed rather than waiting for ever
        try:
            ok = parallel.run(lambda x: x * 2, [1, 2]) == [2, 4]
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_site_columns_made_when_asked_are_the_table_columns():
    from territoires.analysis.sitepoints import COLUMNS, SitePoints

    table = pd.DataFrame({"site_id": ["a", "b", "c"], "nom": ["A", "B", "C"], "code_insee": ["79001", "86001", "79002"],
                          "status": ["labelled", "labelled", "project"], "longitude": [-0.4, 0.3, np.nan],
                          "latitude": [46.3, 46.5, 46.0]})
    sp = SitePoints.of_lonlat(table, "labelled")
    assert sp.columns["code_insee"].tolist() == ["79001", "86001"]
    assert sp.columns["nom"].tolist() == ["A", "B"] and sp.columns["commune"].tolist() == [None, None]  # absent: None
    sub = sp.subset(["86"])
    assert {c: sub.columns[c].tolist() for c in COLUMNS} == {"code_insee": ["86001"], "site_id": ["b"], "nom": ["B"], "commune": [None]}
    with pytest.raises(KeyError):
        sp.columns["longitude"]


@pytest.mark.parametrize("case", range(len(LAYOUTS)))
def test_equal_scores_go_to_the_shorter_distance_then_the_lower_site(case):
    """Every site scores the same from everywhere (and may lie anywhere): the nearest wins, then the lower index."""
    o, d = LAYOUTS[case]

    def score(rows, sites, metres):
        return np.zeros(np.broadcast_shapes(np.shape(rows), np.shape(sites)))

    idx, _ = Tiles(o, 2_500.0).best(d, 1e9, score)
    assert idx.tolist() == brute_nearest(o, d)[0].tolist()
