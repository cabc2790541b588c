"""Fault catalogue, boundary files: CRS, invalid geometries, duplicated codes, overlaps, geo.api answers."""

import json

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Polygon, box

import territoires
from territoires import settings as tsettings
from territoires.errors import InputError
from territoires.sources import boundarycheck, geoapi

from .localhttp import json_server
from .test_sources_boundaries import GEOAPI_COMMUNES, GEOAPI_EPCIS, X0, Y0, write_admin_express

BOWTIE = Polygon([(X0, Y0), (X0 + 5000, Y0 + 5000), (X0 + 5000, Y0), (X0, Y0 + 5000), (X0, Y0)])


def _communes(geoms, codes=None, crs="EPSG:2154", names=None):
    codes = codes or [f"7999{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"code_insee": codes, "nom": names or [f"C{i}" for i in range(len(geoms))]}, geometry=geoms, crs=crs)


def _cantons(geoms, codes):
    return gpd.GeoDataFrame({"code_canton": codes, "nom": codes}, geometry=geoms, crs="EPSG:2154")


def _row(i):
    return box(X0 + i * 5000, Y0, X0 + (i + 1) * 5000, Y0 + 5000)


# ------------------------------------------------------------------ CRS
def test_lambert_coordinates_labelled_wgs84_are_refused():
    com = _communes([_row(0), _row(1)], crs="EPSG:4326")
    with pytest.raises(InputError, match=r"ae\.gpkg: layer COMMUNE: coordinates .* outside the area of use of EPSG:4326 .*projected metres \(Lambert-93\?\)"):
        boundarycheck.validate(com, None, "ae.gpkg", [])


def test_degrees_labelled_lambert93_are_refused():
    com = _communes([box(-0.5, 46.3, -0.4, 46.4)], crs="EPSG:2154")
    with pytest.raises(InputError, match="outside the area of use of EPSG:2154"):
        boundarycheck.validate(com, None, "ae.gpkg", [])


def test_overseas_commune_in_its_own_utm_zone_passes():
    com = _communes([box(-61.6, 16.0, -61.5, 16.1)], crs="EPSG:4326").to_crs("EPSG:5490")
    boundarycheck.validate(com, None, "ae.gpkg", [])


# ------------------------------------------------------------ geometries
def test_bow_tie_commune_is_repaired_and_named():
    notes = []
    com, _ = boundarycheck.validate(_communes([BOWTIE, _row(1)], ["79991", "79992"]), None, "ae.gpkg", notes)
    assert com.geometry.is_valid.all() and com.geometry.area.iloc[0] == pytest.approx(12_500_000)
    assert notes == ["1 commune geometry invalid, repaired (make_valid): 79991"]


def test_bow_tie_canton_is_repaired_and_named():
    notes = []
    _, can = boundarycheck.validate(_communes([_row(0)]), _cantons([BOWTIE], ["7901"]), "ae.gpkg", notes)
    assert can.geometry.is_valid.all() and notes == ["1 canton geometry invalid, repaired (make_valid): 7901"]


def test_bow_tie_in_an_admin_express_file_loads_with_a_report(tmp_path, monkeypatch):
    monkeypatch.setattr(tsettings, "cache_dir", tmp_path / "cache")
    gpkg = write_admin_express(tmp_path / "ae.gpkg")
    com = gpd.read_file(gpkg, layer="COMMUNE")
    com.loc[1, "geometry"] = Polygon([(X0 + 5000, Y0), (X0 + 10000, Y0 + 5000), (X0 + 10000, Y0), (X0 + 5000, Y0 + 5000)])
    com.to_file(gpkg, layer="COMMUNE", driver="GPKG")
    t = territoires.load_territory("79", source="admin-express", path=gpkg)
    assert len(t.communes) == 3 and t.communes.geometry.is_valid.all()
    assert "1 commune geometry invalid, repaired (make_valid): 79992" in str(t.report)


# --------------------------------------------------------- duplicated codes
def test_one_code_for_two_different_communes_is_refused():
    com = _communes([_row(0), _row(1)], ["79991", "79991"])
    with pytest.raises(InputError, match=r"layer COMMUNE: INSEE code\(s\) given to several different communes: 79991, column 'INSEE_COM'|column 'INSEE_COM': layer COMMUNE: INSEE code"):
        boundarycheck.validate(com, None, "ae.gpkg", [])


def test_commune_listed_twice_identically_is_kept_once():
    notes = []
    com, _ = boundarycheck.validate(_communes([_row(0), _row(0), _row(1)], ["79991", "79991", "79992"], names=["A", "A", "B"]), None, "ae.gpkg", notes)
    assert list(com["code_insee"]) == ["79991", "79992"]
    assert notes == ["1 commune(s) listed twice with identical data, kept once: 79991"]


def test_canton_in_two_features_is_one_canton():
    notes = []
    _, can = boundarycheck.validate(_communes([_row(0)]), _cantons([_row(0), _row(1), _row(2)], ["7901", "7901", "7902"]), "ae.gpkg", notes)
    assert list(can["code_canton"]) == ["7901", "7902"] and can.geometry.area.iloc[0] == pytest.approx(50_000_000)
    assert notes == ["1 canton code(s) given as several features, merged into one canton each: 7901"]


# --------------------------------------------------------------- overlaps
def test_overlapping_cantons_are_refused_by_code():
    can = _cantons([box(X0, Y0, X0 + 6000, Y0 + 5000), box(X0 + 4000, Y0, X0 + 10000, Y0 + 5000)], ["7901", "7902"])
    with pytest.raises(InputError, match=r"layer CANTON: 1 pair\(s\) of units overlap .*7901/7902 \(33 %\)"):
        boundarycheck.validate(_communes([_row(0)]), can, "ae.gpkg", [])


def test_overlapping_communes_are_refused_by_code():
    com = _communes([box(X0, Y0, X0 + 6000, Y0 + 5000), _row(1)], ["79991", "79992"])
    with pytest.raises(InputError, match=r"layer COMMUNE: .*79991/79992 \(20 %\)"):
        boundarycheck.validate(com, None, "ae.gpkg", [])


def test_touching_and_sliver_overlaps_pass():
    sliver = box(X0 + 5000 - 0.5, Y0, X0 + 10000, Y0 + 5000)  # 0.5 m of digitising noise
    com, _ = boundarycheck.validate(_communes([_row(0), sliver, _row(2)]), None, "ae.gpkg", [])
    assert len(com) == 3


# -------------------------------------------------------------- geo.api
def test_corrupt_cached_geoapi_answer_is_fetched_again(tmp_path, monkeypatch):
    monkeypatch.setattr(tsettings, "cache_dir", tmp_path)
    with json_server(lambda p: GEOAPI_COMMUNES if "/communes" in p else GEOAPI_EPCIS) as (url, requests):
        monkeypatch.setattr(tsettings, "geo_api_url", url)
        (path,) = geoapi.download(["79"])
        path.write_bytes(path.read_bytes()[:100])  # truncated on disk
        geoapi.download(["79"])
        assert len(requests) == 3 and json.loads(path.read_bytes()) == GEOAPI_COMMUNES


@pytest.mark.parametrize(
    ("case", "answer", "reason"),
    [
        ("not_a_collection", {"type": "Feature"}, "not a GeoJSON FeatureCollection"),
        ("no_commune", {"type": "FeatureCollection", "features": []}, "no commune in the answer"),
        ("feature_without_code", {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nom": "X"}, "geometry": None}]}, "feature 0 lacks code"),
        ("point_geometry", {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nom": "X", "code": "79005", "codeDepartement": "79"}, "geometry": {"type": "Point", "coordinates": [0, 46]}}]}, "feature 0 \\(79005\\): geometry is not a polygon"),
        ("error_page", ["<html>"], "not a GeoJSON FeatureCollection"),
    ],
)
def test_invalid_geoapi_answer_is_never_cached(tmp_path, monkeypatch, case, answer, reason):
    monkeypatch.setattr(tsettings, "cache_dir", tmp_path)
    with json_server(lambda p: answer if "/communes" in p else GEOAPI_EPCIS) as (url, _):
        monkeypatch.setattr(tsettings, "geo_api_url", url)
        with pytest.raises(InputError, match=f"unexpected answer from geo.api.gouv.fr: {reason}"):
            geoapi.download(["79"])
    assert not list((tmp_path / "geo-api").glob("communes-*"))


def test_invalid_epci_answer_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tsettings, "cache_dir", tmp_path)
    with json_server(lambda p: GEOAPI_COMMUNES if "/communes" in p else {"code": 1}) as (url, _):
        monkeypatch.setattr(tsettings, "geo_api_url", url)
        with pytest.raises(InputError, match="not a list of EPCI with 'code' and 'nom'"):
            geoapi.download(["79"])


# ------------------------------------------------- properties (boundary readers)
HYP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
coord = st.floats(min_value=0, max_value=20_000, allow_nan=False)
ring = st.lists(st.tuples(coord, coord), min_size=3, max_size=7)


@pytest.mark.slow
@HYP
@given(rings=st.lists(ring, min_size=1, max_size=6), codes=st.lists(st.sampled_from(["79001", "79002", "79003", "79004"]), min_size=6, max_size=6))
def test_any_polygons_validate_or_fail_with_the_file_named(rings, codes):
    """Random (often invalid, overlapping, duplicated) communes: a clean result or an InputError naming the file."""
    geoms = [Polygon([(X0 + x, Y0 + y) for x, y in r]) for r in rings]
    com = _communes(geoms, codes[: len(geoms)])
    notes = []
    try:
        out, _ = boundarycheck.validate(com, None, "hasard.gpkg", notes)
    except InputError as exc:
        assert str(exc).startswith("hasard.gpkg")
        return
    assert out["code_insee"].is_unique
    assert out.geometry.dropna().is_valid.all()
    assert set(out["code_insee"]) == set(com["code_insee"])
    if not com.geometry.is_valid.all():
        assert any("repaired (make_valid)" in n for n in notes)


@pytest.mark.slow
@HYP
@given(answer=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["type", "features", "properties", "geometry", "code", "nom", "codeDepartement"]), c, max_size=4),
                           max_leaves=12))
def test_any_json_answer_is_judged_without_crashing(answer):
    data = json.dumps(answer).encode()
    for kind in ("communes", "epcis"):
        why = geoapi._problem(kind, data)
        assert why is None or isinstance(why, str)


@pytest.mark.slow
@HYP
@given(data=st.binary(max_size=3000))
def test_any_bytes_as_an_admin_express_file_fail_cleanly(tmp_path, data):
    from territoires.sources import adminexpress

    p = tmp_path / "hasard.gpkg"
    p.write_bytes(data)
    with pytest.raises(InputError, match="hasard.gpkg"):
        adminexpress.read_all(p)
