"""The fast nearest-site paths (tiles of origins, integer per-commune sums) against plain brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoires.analysis import DensityModel, StraightLineRouter
from territoires.analysis.bycommune import by_commune
from territoires.analysis.nearest import Tiles
from territoires.analysis.origins import OriginTable
from territoires.analysis.traveltime import KindParameters


def brute_density(model: DensityModel, o_xy, o_kind, d_xy, d_kind):
    """Every origin against every site: lowest minutes, then shorter distance, then lower site index."""
    p = model.params()
    pace = np.array([q.minutes_per_km / 1000 for q in p])
    t_o = np.array([q.origin_minutes for q in p])
    t_d = np.array([q.destination_minutes for q in p])
    circ = np.array([q.circuity for q in p])
    dist = np.hypot(o_xy[:, None, 0] - d_xy[None, :, 0], o_xy[:, None, 1] - d_xy[None, :, 1])
    kd = np.where(d_kind[None, :] >= 0, d_kind[None, :], o_kind[:, None])
    minutes = t_o[o_kind][:, None] + t_d[kd] + dist * pace[o_kind][:, None]
    idx = np.empty(len(o_xy), dtype=int)
    for i in range(len(o_xy)):
        idx[i] = np.lexsort((np.arange(len(d_xy)), dist[i], minutes[i]))[0]
    r = np.arange(len(o_xy))
    return idx, dist[r, idx] / 1000 * circ[o_kind], minutes[r, idx]


def brute_nearest(o_xy, d_xy):
    dist = np.hypot(o_xy[:, None, 0] - d_xy[None, :, 0], o_xy[:, None, 1] - d_xy[None, :, 1])
    idx = np.array([np.lexsort((np.arange(len(d_xy)), row))[0] for row in dist])
    return idx, dist[np.arange(len(o_xy)), idx]


def layouts():
    """(origins, sites) of several shapes: uniform, clustered, far-apart zones, a lattice with sites on it, one site."""
    rng = np.random.default_rng(17)
    yield rng.uniform(0, 60_000, (700, 2)), rng.uniform(0, 60_000, (40, 2))
    centres = rng.uniform(0, 200_000, (6, 2))
    o = np.vstack([c + rng.normal(0, 3_000, (120, 2)) for c in centres])
    yield o, np.vstack([centres + rng.normal(0, 500, (6, 2)), rng.uniform(0, 200_000, (10, 2))])
    far = np.vstack([rng.uniform(0, 20_000, (200, 2)), rng.uniform(0, 20_000, (200, 2)) + 7e6])
    yield far, np.vstack([rng.uniform(0, 20_000, (5, 2)), rng.uniform(0, 20_000, (5, 2)) + 7e6])
    g = np.arange(0, 30_000, 1_000.0) + 500
    lattice = np.array([(x, y) for x in g for y in g])
    yield lattice, lattice[rng.choice(len(lattice), 12, replace=False)]  # sites on origins, many equal distances
    yield rng.uniform(0, 50_000, (300, 2)), np.array([[25_000.0, 25_000.0]])
    yield rng.uniform(0, 50_000, (300, 2)), np.array([[10_000.0, 10_000.0], [10_000.0, 10_000.0], [40_000.0, 5_000.0]])  # twins


@pytest.mark.parametrize("case", range(6))
def test_tiles_find_the_nearest_site_as_brute_force_does(case):
    o, d = list(layouts())[case]
    for size in (500.0, 2_500.0, 20_000.0):
        idx, metres = Tiles(o, size).best(d)
        ref_idx, ref_m = brute_nearest(o, d)
        assert idx.tolist() == ref_idx.tolist()
        np.testing.assert_allclose(metres, ref_m, rtol=0, atol=1e-6)


@pytest.mark.parametrize("case", range(6))
def test_density_model_times_match_brute_force(case):
    o, d = list(layouts())[case]
    rng = np.random.default_rng(case)
    uneven = DensityModel(dense=KindParameters(1.3, 20, 1, 4), rural=KindParameters(1.5, 70, 0, 0))
    for model in (DensityModel(), uneven):
        for d_kind in (rng.integers(0, 3, len(d)), rng.integers(-1, 3, len(d)), np.full(len(d), 2)):
            o_kind = rng.integers(0, 3, len(o))
            got = model.nearest_times(o, o_kind, d, d_kind)
            ref = brute_density(model, o, o_kind, d, d_kind)
            assert got[0].tolist() == ref[0].tolist()
            np.testing.assert_allclose(got[1], ref[1], rtol=0, atol=1e-9)
            np.testing.assert_allclose(got[2], ref[2], rtol=0, atol=1e-9)


def test_straight_line_router_from_coordinates_matches_brute_force():
    o, d = next(layouts())
    r = StraightLineRouter(1.3, 60)
    idx, km, minutes = r.nearest_xy(o, d)
    ref_idx, ref_m = brute_nearest(o, d)
    assert idx.tolist() == ref_idx.tolist()
    np.testing.assert_allclose(km, ref_m / 1000 * 1.3)
    np.testing.assert_allclose(minutes, r.minutes(ref_m))


def test_no_site_and_no_origin():
    idx, metres = Tiles(np.zeros((3, 2))).best(np.empty((0, 2)))
    assert idx.tolist() == [-1, -1, -1] and np.isinf(metres).all()
    idx, metres = Tiles(np.empty((0, 2))).best(np.ones((2, 2)))
    assert len(idx) == 0


def reference_by_commune(commune, pop, site, km, minutes):
    """The former pandas group-by (population-weighted means, max, count, site serving most people)."""
    with np.errstate(invalid="ignore"):
        p = pd.DataFrame({"commune": commune, "site": site, "w": pop, "wm": pop * minutes, "wk": pop * km, "minutes": minutes, "km": km})
    g = p.groupby("commune", sort=False)
    w = g["w"].sum()
    out = pd.DataFrame({"minutes": (g["wm"].sum() / w).where(w > 0, g["minutes"].mean()),
                        "km": (g["wk"].sum() / w).where(w > 0, g["km"].mean()),
                        "minutes_max": g["minutes"].max(), "count": g.size()})
    served = p[p["site"] >= 0].groupby(["commune", "site"], sort=False)["w"].sum().reset_index()
    served = served.sort_values(["commune", "w"], ascending=[True, False]).drop_duplicates("commune").set_index("commune")["site"]
    out["site"] = served.reindex(out.index).fillna(-1).astype(int)
    return out


def test_by_commune_matches_a_group_by():
    rng = np.random.default_rng(3)
    n = 40
    commune = np.sort(rng.choice(np.arange(n), 600))
    pop = rng.choice([0.0, 1.0, 2.5, 10.0], len(commune))  # equal shares: ties for the serving site
    site = rng.integers(-1, 5, len(commune))
    minutes = np.where(site >= 0, rng.uniform(1, 40, len(commune)), np.inf)
    km = np.where(site >= 0, minutes / 2, np.inf)
    got = by_commune(commune, pop, site, km, minutes, n)
    ref = reference_by_commune(commune, pop, site, km, minutes).reindex(np.arange(n))
    np.testing.assert_allclose(got.minutes, ref["minutes"].to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(got.km, ref["km"].to_numpy(float), rtol=1e-12)
    np.testing.assert_array_equal(got.minutes_max, ref["minutes_max"].to_numpy(float))
    assert got.count.tolist() == ref["count"].fillna(0).astype(int).tolist()
    assert got.site.tolist() == ref["site"].fillna(-1).astype(int).tolist()


def test_population_beyond_by_arrays_matches_the_frame():
    rng = np.random.default_rng(5)
    codes = np.array([f"{i:05d}" for i in range(30)], dtype=object)
    commune = np.sort(rng.integers(0, 30, 500))
    pop = rng.choice([1.0 / 3, 0.5, 7.25], 500)
    minutes = np.where(rng.random(500) < 0.1, np.nan, rng.uniform(0, 40, 500))
    arrays = OriginTable.of_arrays(codes, commune, pop, minutes)
    frame = OriginTable(arrays.frame.copy())
    for t in (10, 20, 30):
        a, b = arrays.beyond(t), frame.beyond(t)
        np.testing.assert_allclose(a.reindex(b.index).to_numpy(), b.to_numpy(), rtol=1e-12)
        assert a.drop(b.index).eq(0).all()  # communes without any point beyond


def test_origin_points_are_kept_on_disk_and_keyed_by_what_they_are_made_from(tmp_path, monkeypatch):
    from territoires import settings
    from territoires.analysis.origins import Origins, origin_points
    from territoires.analysis.originstore import territory_origins
    from territoires.territory import derived
    from tests import synthetic

    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    spec = Origins(spacing_m=2_000, subcommunes=False)
    t = synthetic.territory({k: 100 * k for k in range(1, 10)})
    made = territory_origins(t, spec)
    files = sorted(p.name for p in (tmp_path / derived.FOLDER / "origines").glob("*.arrow"))
    assert len(files) == 4  # points, communes, tiles, blocks
    from territoires.analysis import originstore

    same = territory_origins(synthetic.territory({k: 100 * k for k in range(1, 10)}), spec)  # a new table, same key
    assert same is made  # taken from this process's recent tables
    originstore._RECENT.clear()
    again = territory_origins(synthetic.territory({k: 100 * k for k in range(1, 10)}), spec)  # read from disk
    assert again is not made
    direct = origin_points(t.communes, spec, town_halls=t.commune_origins).sort_values("commune", kind="stable")
    for held in (made, again):
        (z,) = held.zones
        assert z.commune.tolist() == direct["commune"].tolist()
        np.testing.assert_array_equal(z.x, direct["x"].to_numpy())
        np.testing.assert_array_equal(z.population, direct["population"].to_numpy())
        np.testing.assert_allclose(held.density, [100 * k / 100 for k in range(1, 10)])
        assert z.tiles.order.tolist() == Tiles(z.xy).order.tolist()
        for name, values in Tiles(z.xy).parts().items():  # tile arrays read back as made
            np.testing.assert_array_equal(getattr(z.tiles, name), values)
        d = z.xy[::7] + 333.0
        assert z.tiles.best(d)[0].tolist() == brute_nearest(z.xy, d)[0].tolist()
    other = territory_origins(synthetic.territory({k: 7 for k in range(1, 10)}), spec)  # other populations: other key
    assert other.zones[0].population.sum() == pytest.approx(63)
    assert len(list((tmp_path / derived.FOLDER / "origines").glob("*.arrow"))) == 8


def test_sites_without_a_crs_are_refused():
    import geopandas as gpd
    import shapely

    from territoires.analysis.sitepoints import SitePoints

    naive = gpd.GeoDataFrame({"site_id": ["a"]}, geometry=[shapely.Point(400_000, 6_600_000)])
    with pytest.raises(ValueError, match="système de coordonnées"):
        SitePoints(naive).xy("EPSG:2154")


def test_density_times_with_the_same_tiles_and_other_kinds():
    o, d = next(layouts())
    tiles = Tiles(o)
    rng = np.random.default_rng(9)
    model = DensityModel()
    for _ in range(3):  # terms kept with the tiles must follow the kinds passed
        o_kind, d_kind = rng.integers(0, 3, len(o)), rng.integers(0, 3, len(d))
        got = model.nearest_times(o, o_kind, d, d_kind, tiles=tiles)
        ref = brute_density(model, o, o_kind, d, d_kind)
        assert got[0].tolist() == ref[0].tolist()
        np.testing.assert_allclose(got[2], ref[2], rtol=0, atol=1e-9)


@pytest.mark.parametrize("case", range(6))
def test_density_times_with_kinds_by_area_match_brute_force(case):
    """Kinds by area (most tiles of one kind: candidates pruned by their score bounds) against brute force."""
    o, d = list(layouts())[case]
    rng = np.random.default_rng(100 + case)
    uneven = DensityModel(dense=KindParameters(1.3, 20, 1, 4), rural=KindParameters(1.5, 70, 0, 0))
    o_kind = (np.floor(o[:, 0] / 7_000) % 3).astype(int)
    for model in (DensityModel(), uneven):
        for d_kind in (rng.integers(0, 3, len(d)), rng.integers(-1, 3, len(d)), np.full(len(d), 2)):
            for size in (500.0, 2_500.0, 20_000.0):
                got = model.nearest_times(o, o_kind, d, d_kind, tiles=Tiles(o, size))
                ref = brute_density(model, o, o_kind, d, d_kind)
                assert got[0].tolist() == ref[0].tolist()
                np.testing.assert_allclose(got[2], ref[2], rtol=0, atol=1e-9)


def test_score_bounds_leave_out_sites_that_cannot_win():
    """One tile, two sites: the far one cannot beat the near one's highest score and is left out; equal scores stay."""
    tiles = Tiles(np.array([[0.0, 0.0], [100.0, 0.0]]))
    seen = []

    def score(rows, sites, metres):
        seen.append(sorted(np.ravel(sites).tolist()))  # every (origin, site) pair scored
        return metres

    def bound(tile, sites, near, far):
        return near, far

    idx, _ = tiles.best(np.array([[50.0, 10.0], [50.0, 2_000.0]]), 5_000.0, score, bound)
    assert idx.tolist() == [0, 0] and seen == []  # one candidate left: nothing to score
    idx, _ = tiles.best(np.array([[50.0, 10.0], [50.0, -10.0]]), 5_000.0, score, bound)
    assert idx.tolist() == [0, 0] and seen == [[0, 0, 1, 1]]  # a tie at equal distances: both scored, the lower index wins
