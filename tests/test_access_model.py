"""The densite-3 access model: synthetic grids with analytically known times, and Deux-Sèvres."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import box

from territoires import analysis as A
from territoires.analysis.origins import Origins, grid_points, origin_points
from territoires.analysis.traveltime import DensityModel, KindParameters

from . import synthetic as S
from .localhttp import json_server

#: one minute per straight-line km everywhere, nothing added: times are distances
FLAT = KindParameters(1.0, 60.0, 0.0, 0.0)


def flat_model(**kw) -> DensityModel:
    return DensityModel(dense=FLAT, intermediaire=FLAT, rural=FLAT, **kw)


def territory_with(sites, populations=None):
    t = S.territory(populations)
    t.add_programme(S.sites_table(sites))
    return t


# ------------------------------------------------------------ kernel
def test_time_is_ends_plus_distance_times_pace_of_the_origin_kind():
    m = DensityModel(rural=KindParameters(1.4, 55, 1, 1), dense=KindParameters(1.3, 25, 2, 3))
    o = np.array([[0.0, 0.0]])
    d = np.array([[10_000.0, 0.0]])
    idx, km, mins = m.nearest_times(o, np.array([2]), d, np.array([2]))
    assert idx[0] == 0
    assert km[0] == pytest.approx(14.0)
    assert mins[0] == pytest.approx(1 + 1 + 10 * 1.4 / 55 * 60)
    # a dense origin: ×1.3 at 25 km/h, +2 min; a dense site: +3 min
    _, _, mins = m.nearest_times(o, np.array([0]), d, np.array([0]))
    assert mins[0] == pytest.approx(2 + 3 + 10 * 1.3 / 25 * 60)
    # a rural origin to a dense site: the rural pace, the dense site's end
    _, _, mins = m.nearest_times(o, np.array([2]), d, np.array([0]))
    assert mins[0] == pytest.approx(1 + 3 + 10 * 1.4 / 55 * 60)


def test_a_farther_site_wins_when_its_end_of_trip_is_shorter():
    m = DensityModel(rural=KindParameters(1.4, 55, 1, 1), dense=KindParameters(1.3, 25, 2, 3))
    o = np.array([[0.0, 0.0]])
    d = np.array([[1000.0, 0.0], [0.0, 1500.0]])  # 1 km to a dense site (+3 min), 1.5 km to a rural one (+1 min)
    idx, _, mins = m.nearest_times(o, np.array([2]), d, np.array([0, 2]))
    pace = 1.4 / 55 * 60
    assert mins[0] == pytest.approx(min(1 + 3 + 1 * pace, 1 + 1 + 1.5 * pace))
    assert idx[0] == 1
    # unknown kind of site (-1) takes the origin's
    idx, _, mins = m.nearest_times(o, np.array([2]), d, np.array([-1, -1]))
    assert idx[0] == 0 and mins[0] == pytest.approx(2 + pace)


def test_no_site_means_no_time():
    idx, km, mins = DensityModel().nearest_times(np.zeros((3, 2)), np.array([2, 2, 2]), np.empty((0, 2)), np.array([], dtype=int))
    assert (idx == -1).all() and np.isinf(mins).all()


def test_density_thresholds_pick_the_kind():
    m = DensityModel()
    assert m.kinds_of([1500, 1499.9, 300, 299.9, np.nan]).tolist() == [0, 1, 1, 2, 2]
    assert DensityModel(dense_min_density=100, intermediate_min_density=50).kinds_of([120, 60, 10]).tolist() == [0, 1, 2]


def test_invalid_parameters_are_refused():
    with pytest.raises(ValueError, match="circuity"):
        KindParameters(0.9, 50)
    with pytest.raises(ValueError, match="origin method"):
        Origins("centroide")
    with pytest.raises(ValueError, match="thresholds"):
        DensityModel(dense_min_density=100, intermediate_min_density=200)


# ------------------------------------------------------------ origins
def test_grid_points_are_cell_centres_inside_the_polygon():
    unit, xy = grid_points(np.array([box(0, 0, 3000, 2000), box(10_000, 0, 10_100, 100)]), 1000.0)
    assert sorted(map(tuple, xy)) == [(x, y) for x in (500.0, 1500.0, 2500.0) for y in (500.0, 1500.0)]
    assert (unit == 0).all()  # the 100 m square holds no centre


def test_uniform_origins_share_the_population_and_small_communes_get_one_point():
    t = S.territory({k: 1000 for k in range(1, 10)})
    pts = origin_points(t.communes, Origins(spacing_m=1000), town_halls=t.commune_origins)
    assert len(pts) == 9 * 100
    assert pts.groupby("code_insee")["population"].sum().tolist() == pytest.approx([1000] * 9)
    one = origin_points(t.communes, Origins(spacing_m=20_000), town_halls=t.commune_origins)  # cells larger than a commune
    assert len(one) == 9 and one["population"].tolist() == pytest.approx([1000] * 9)
    assert np.allclose(one[["x", "y"]].to_numpy(), shapely.get_coordinates(t.commune_origins.geometry.to_numpy()))


def test_mean_time_over_a_uniform_square_matches_the_formula():
    # a site at the centre of a 10 km square, people spread uniformly: the mean distance
    # is a (√2 + ln(1 + √2)) / 6 = 3.826 km; at 1 min per km that is the mean time
    t = territory_with([{"site_id": "a", "commune": 5}])
    acc = A.access_by_commune(t, router=flat_model(origins=Origins(spacing_m=100))).set_index("code_insee")
    expected = 10 * (math.sqrt(2) + math.log(1 + math.sqrt(2))) / 6
    pts = acc.attrs["origin_points"].frame.query("code_insee == '00005'")
    assert np.average(pts["minutes"], weights=pts["population"]) == pytest.approx(expected, rel=0.002)
    assert acc.at["00005", "minutes"] == pytest.approx(expected, abs=0.05)  # rounded to 0.1 min
    assert acc.at["00005", "nb_origines"] == 10_000
    # the farthest corner of commune 9 is (15 − 0.05) km from the site on each axis
    assert acc.at["00009", "minutes_max"] == pytest.approx(math.hypot(14.95, 14.95), abs=0.05)


def test_share_beyond_a_threshold_matches_the_disc_area():
    # beyond r minutes = beyond r km: inside the centre square, 1 − π r² / a² of its people
    t = territory_with([{"site_id": "a", "commune": 5}], {5: 100_000})
    acc = A.access_by_commune(t, router=flat_model(origins=Origins(spacing_m=100)), thresholds=(4,))
    pb = A.population_beyond(acc, [4]).iloc[0]
    assert pb["population"] == pytest.approx(100_000 * (1 - math.pi * 16 / 100), rel=0.005)
    assert pb["nb_communes"] == 1
    assert acc.set_index("code_insee").at["00005", "population_au_dela_4"] == pb["population"]


def test_dense_communes_are_slower_and_named_in_the_output():
    # 200,000 people on 100 km²: 2,000 per km², dense; the others rural
    t = territory_with([{"site_id": "a", "commune": 5}], {k: (200_000 if k == 5 else 1000) for k in range(1, 10)})
    m = DensityModel(rural=KindParameters(1.4, 55, 1, 1), dense=KindParameters(1.3, 25, 2, 3), origins=Origins("mairie"))
    acc = A.access_by_commune(t, router=m).set_index("code_insee")
    assert acc.at["00005", "type_lieu"] == "dense" and acc.at["00005", "densite"] == 2000
    assert acc.at["00005", "minutes"] == pytest.approx(2 + 3)  # at the site: both ends, dense
    assert acc.at["00004", "type_lieu"] == "rural"
    # rural origin 10 km away, dense site: 1 + 3 min + 10 × 1.4 / 55 × 60
    assert acc.at["00004", "minutes"] == pytest.approx(1 + 3 + 10 * 1.4 / 55 * 60, abs=0.05)
    assert acc.attrs["router"].startswith("temps estimés à vol d'oiseau, modèle densite-3")
    assert acc.attrs["router"].endswith("non routés")


def test_origin_points_survive_pandas_operations():

    t = territory_with([{"site_id": "a", "commune": 1}])
    acc = A.access_by_commune(t, router=flat_model(), thresholds=(20,))
    held = acc.attrs["origin_points"]
    both = pd.concat([acc.iloc[:4], acc.iloc[4:]])
    assert both.attrs["origin_points"] is held and acc.copy().attrs["origin_points"] is held
    assert acc.nsmallest(3, "minutes").attrs["origin_points"] is held
    assert A.population_beyond(both, [20]).equals(A.population_beyond(acc, [20]))


def test_an_access_table_saves_to_geoparquet_with_its_attributes(tmp_path):
    # pandas writes attrs as JSON: the origin points' holder is written as its count, the rest as is
    t = territory_with([{"site_id": "a", "commune": 1}])
    acc = A.access_by_commune(t, router=flat_model(), thresholds=(20,))
    n = len(acc.attrs["origin_points"].frame)
    acc.to_parquet(tmp_path / "acces.parquet")
    back = gpd.read_parquet(tmp_path / "acces.parquet")
    assert back.attrs["origin_points"] == {"nb_points": n} and n > len(acc)
    assert back.attrs["router"] == acc.attrs["router"]
    assert back["minutes"].tolist() == acc["minutes"].tolist()


def test_beyond_without_origin_points_needs_the_columns():
    t = territory_with([{"site_id": "a", "commune": 1}])
    acc = A.access_by_commune(t, router=flat_model(), thresholds=(20,))
    bare = acc.copy()
    bare.attrs = {}
    assert A.population_beyond(bare, [20]).iloc[0]["population"] == A.population_beyond(acc, [20]).iloc[0]["population"]
    with pytest.raises(ValueError, match="thresholds=\\[25\\]"):
        A.population_beyond(bare, [25])


def test_old_estimator_is_unchanged_from_town_halls():
    t = territory_with([{"site_id": "a", "commune": 1}])
    acc = A.access_by_commune(t, router=A.StraightLineRouter(1.5, 60)).set_index("code_insee")
    assert (acc["nb_origines"] == 1).all()
    assert acc.at["00003", "minutes"] == pytest.approx(30.0)
    assert "vitesse unique" in acc.attrs["router"] and "non routés" in acc.attrs["router"]


# --------------------------------------------------------- OSRM band
@pytest.fixture
def fake_osrm():
    """OSRM ``table`` on 127.0.0.1: 2 min per km of (equirectangular) distance, plus 60 s."""

    def km(a, b):
        return math.hypot((a[0] - b[0]) * 111.2 * math.cos(math.radians(46.5)), (a[1] - b[1]) * 111.2)

    def answer(path):
        u = urlsplit(path)
        coords = [tuple(map(float, c.split(","))) for c in u.path.split("/")[-1].split(";")]
        q = dict(p.split("=") for p in u.query.split("&"))
        src = [int(i) for i in q["sources"].split(";")]
        dst = [int(i) for i in q["destinations"].split(";")]
        dur = [[km(coords[s], coords[d]) * 120 + 60 for d in dst] for s in src]
        dist = [[km(coords[s], coords[d]) * 1000 for d in dst] for s in src]
        return {"code": "Ok", "durations": dur, "distances": dist}

    with json_server(answer) as (url, requests):
        yield url, requests


def test_routed_times_give_the_same_outputs_and_a_band(fake_osrm):
    url, calls = fake_osrm
    t = territory_with([{"site_id": "a", "commune": 1}, {"site_id": "b", "commune": 3}])
    spread = Origins(spacing_m=5000)  # 4 points per commune
    est = A.access_by_commune(t, router=flat_model(origins=spread))
    routed = A.access_by_commune(t, router=A.OSRMRouter(url, candidates=2, batch=50, origins=spread))
    assert list(routed.columns) == list(est.columns)
    assert (routed["nb_origines"] == 4).all() and len(calls) == 1
    assert "OSRM" in routed.attrs["router"] and "maille 5 km" in routed.attrs["router"]
    band = A.routed_band(est, routed, (5, 10)).set_index("seuil_min")
    for thr in (5, 10):
        lo, hi = sorted([A.population_beyond(est, [thr]).iloc[0]["population"], A.population_beyond(routed, [thr]).iloc[0]["population"]])
        assert (band.at[thr, "population_basse"], band.at[thr, "population_haute"]) == (lo, hi)
    # the fake's 2 min per km (+1 min) against the model's 1 min per km
    assert 1.8 < band["ratio_median"].iloc[0] < 2.6
    assert band.attrs["routed"] == routed.attrs["router"]


# ------------------------------------------------------ Deux-Sèvres
@pytest.mark.integration
def test_communes_deleguees_carry_their_own_population(t79):
    pts = origin_points(t79.communes, Origins("mairie"), use_subcommunes=True, town_halls=t79.commune_origins)
    pop = t79.communes.set_index("code_insee")["population"].astype(float)
    by = pts.groupby("code_insee")["population"]
    assert np.allclose(by.sum().to_numpy(), pop.reindex(by.sum().index).to_numpy())
    # Bressuire: 8 communes déléguées (8,706 inhabitants) and the rest of its 19,519 in the former commune
    b = pts[pts["code_insee"] == "79049"]
    assert len(b) == 9
    assert sorted(b["population"].round())[-1] == pop["79049"] - 8706


@pytest.mark.integration
def test_79_new_defaults_name_the_model(t79):
    acc = A.access_by_commune(t79, as_of="2021-07-13")
    assert len(acc) == 252 and acc["minutes"].notna().all()
    assert "modèle densite-3" in acc.attrs["router"] and "non routés" in acc.attrs["router"]
    assert acc["nb_origines"].sum() > 5 * len(acc)
    pb = A.population_beyond(acc, [20, 30]).set_index("seuil_min")
    old = A.population_beyond(A.access_by_commune(t79, as_of="2021-07-13", router=A.StraightLineRouter()), [20, 30])
    assert old.set_index("seuil_min").at[30, "population"] == 1662
    assert pb.at[20, "population"] > old.set_index("seuil_min").at[20, "population"]


@pytest.mark.integration
def test_cli_gaps_access_names_the_model_and_prints_the_band(fake_osrm, capsys):
    from territoires.cli import main

    url, calls = fake_osrm
    assert main(["gaps", "access", "--dept", "79", "--as-of", "2022-12-31", "--origines", "mairie", "--by", "epci"]) == 0
    out = capsys.readouterr().out
    assert "modèle densite-3" in out and "non routés" in out and "population à la mairie" in out
    assert "sites comptés, dont 0 hors du territoire" in out
    assert "au-delà de 20 min" in out and "au-delà de 30 min" in out
    assert main(["gaps", "access", "--dept", "79", "--as-of", "2022-12-31", "--origines", "mairie", "--osrm", url,
                 "--by", "commune", "--format", "csv"]) == 0
    csv = capsys.readouterr().out
    assert calls and "modele_temps" in csv.splitlines()[0] and "temps routés OSRM" in csv
    assert main(["gaps", "access", "--dept", "79", "--as-of", "2022-12-31", "--origines", "mairie", "--osrm", url]) == 0
    out = capsys.readouterr().out
    assert "fourchette au-delà de 20 min" in out and "rapport médian routé / estimé" in out
    assert main(["gaps", "access", "--dept", "79", "--as-of", "2021-07-13", "--circuity", "1.3", "--speed", "60"]) == 0
    out = capsys.readouterr().out
    assert "vitesse unique (×1,3 à 60 km/h" in out and "au-delà de 30 min : 1\u202f662 habitants" in out


@pytest.mark.integration
def test_a_site_across_the_border_counts_and_takes_its_communes_kind(t79):

    import territoires

    t17 = territoires.load_territory("17")
    here = t79.sites("france_services", as_of="2021-07-13")
    here = here[here["status"] == "labelled"]
    m = DensityModel(origins=Origins("mairie"))
    without = A.access_by_commune(t79, as_of="2021-07-13", router=m, sites=here).set_index("code_insee")
    # the 79 commune farthest from a 79 site among those within 3 km of Charente-Maritime,
    # and a site at the town hall of the nearest commune of Charente-Maritime
    c79 = t79.communes.set_index("code_insee")
    near = c79.geometry.distance(t17.outline.union_all()) < 3000
    worst = without.loc[near[near].index, "minutes"].idxmax()
    c17 = t17.communes.set_index("code_insee")
    o17, o79 = (t.commune_origins.set_index("code_insee").geometry for t in (t17, t79))
    code17 = o17.distance(o79.at[worst]).idxmin()
    c = c17.loc[code17]
    extra = gpd.GeoDataFrame({"site_id": ["x17"], "nom": ["Site de test"], "code_insee": [code17], "commune": [c["nom"]],
                              "status": ["labelled"]}, geometry=[o17.at[code17]], crs=t17.crs).to_crs(t79.crs)
    both = gpd.GeoDataFrame(pd.concat([here, extra], ignore_index=True), crs=t79.crs)
    with_17 = A.access_by_commune(t79, as_of="2021-07-13", router=m, sites=both).set_index("code_insee")
    assert with_17.attrs["nb_sites"] == len(here) + 1 and with_17.attrs["nb_sites_hors_territoire"] == 1
    served = with_17["id_site_proche"] == "x17"
    assert served.any() and (with_17.loc[served, "minutes"] < without.loc[served, "minutes"]).all()
    # the site's end minutes are those of its commune's kind (from France's density table)
    density = c["population"] / (c.geometry.area / 1e6)
    kind = ("dense", "intermediaire", "rural")[int(m.kinds_of([density])[0])]
    code = with_17.index[served & (with_17["nb_origines"] == 1)][0]  # one origin point: its town hall
    p_o, p_d = getattr(m, with_17.at[code, "type_lieu"]), getattr(m, kind)
    o = o79.at[code]
    km = o.distance(extra.geometry.iloc[0]) / 1000
    assert with_17.at[code, "minutes"] == pytest.approx(p_o.origin_minutes + p_d.destination_minutes + km * p_o.minutes_per_km, abs=0.05)


@pytest.mark.integration
def test_a_site_counts_once_however_many_crs_zones_use_it():
    """Deux-Sèvres and Guadeloupe are two CRS zones: each zone is offered every site, each site is counted once."""
    import territoires

    t = territoires.load_territory(["79", "971"])
    assert t.is_multizone
    s = gpd.GeoDataFrame({"site_id": ["a", "b", "c"], "nom": ["A", "B", "C"], "code_insee": ["79191", "97105", "17300"],
                          "commune": ["Niort", "Basse-Terre", "La Rochelle"], "status": ["labelled"] * 3},
                         geometry=gpd.points_from_xy([-0.4594, -61.7260, -1.1508], [46.3237, 15.9985, 46.1591]), crs=4326)
    acc = A.access_by_commune(t, sites=s, router=DensityModel(origins=Origins("mairie")))
    assert acc.attrs["nb_sites"] == 3 and acc.attrs["nb_sites_hors_territoire"] == 1
    by = acc.set_index("code_insee")["id_site_proche"]
    assert by["79191"] == "a" and by["97105"] == "b"
