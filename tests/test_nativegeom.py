"""Geometry kept in coordinate arrays (territory/nativegeom.py) decodes to exactly what WKB decodes to."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon

from territoires import settings
from territoires.territory import cache, derived, geoparquet, nativegeom

SQUARE = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
HOLE = [(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)]
HOLE2 = [(6, 6), (8, 6), (8, 8.5), (6, 6)]
WITH_HOLES = Polygon(SQUARE, [HOLE, HOLE2])
MULTI = MultiPolygon([WITH_HOLES, Polygon([(20, 0), (21.5, 0), (21, 1e-9), (20, 0)])])


def _wkb_roundtrip(geoms: np.ndarray) -> np.ndarray:
    """The plain path: what the cache's WKB column decodes to."""
    return shapely.from_wkb(shapely.to_wkb(geoms))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Same missing values, geometry types and coordinates, in the same order (WKB bytes equal)."""
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    return len(a) == len(b) and bool((shapely.to_wkb(a) == shapely.to_wkb(b)).all()) \
        and (shapely.get_type_id(a) == shapely.get_type_id(b)).all()


CASES = {
    "polygons with holes, multipolygons, a lone polygon among multipolygons, missing": [
        MULTI, WITH_HOLES, None, MultiPolygon([Polygon(SQUARE)]), Polygon(HOLE), MULTI],
    "empty polygon and multipolygon next to full ones": [Polygon(), WITH_HOLES, MultiPolygon(), MULTI, None],
    "points, an empty point, missing": [Point(1.5, -2.25), None, Point(), Point(3e6, 7e6)],
    "lines and multi-lines, multipoints": [LineString([(0, 0), (1, 1)]), MultiLineString([[(0, 0), (1, 0)], [(2, 2), (3, 3)]]),
                                           MultiPoint([(0, 0), (5, 5)]), None],
    "only missing": [None, None],
    "nothing": [],
}


@pytest.mark.parametrize("name", list(CASES))
def test_decode_gives_what_wkb_gives(name):
    geoms = np.array(CASES[name] + [None], dtype=object)[:-1]  # an object array even for an empty list
    table = nativegeom.encode(geoms)
    assert table is not None
    assert _same(nativegeom.decode(table), _wkb_roundtrip(geoms))


def test_random_polygons_keep_every_coordinate_bit():
    rng = np.random.default_rng(3)
    geoms = []
    for k in range(300):
        ring = rng.uniform(-1e6, 1e6, size=(int(rng.integers(3, 30)), 2))
        p = shapely.convex_hull(MultiPoint(ring))
        geoms.append(None if k % 37 == 0 else (MultiPolygon([p, shapely.affinity.translate(p, 3e6)]) if k % 3 else p))
    geoms = np.array(geoms, dtype=object)
    assert _same(nativegeom.decode(nativegeom.encode(geoms)), _wkb_roundtrip(geoms))


@pytest.mark.parametrize("geom", [shapely.GeometryCollection([Point(0, 0)]), Point(1, 2, 3), shapely.LinearRing(SQUARE)])
def test_what_the_layout_cannot_hold_is_not_encoded(geom):
    assert nativegeom.encode(np.array([Point(0, 0), geom], dtype=object)) is None


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    return tmp_path


def _layer(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code": ["a", "b", "c", "d", "e"], "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
         "origin": gpd.GeoSeries([Point(1, 1), None, Point(), Point(12, 3), Point(0.5, 0.25)], crs="EPSG:2154"),
         "code_departement": ["79", "79", "86", "86", "79"]},
        geometry=gpd.GeoSeries([WITH_HOLES, MULTI, None, Polygon(), MultiPolygon([Polygon(HOLE)])], crs="EPSG:2154"),
    )
    frame.to_parquet(tmp_path / "layer.parquet", index=False)
    return frame


def test_a_cache_layer_read_whole_is_the_same_frame_from_the_kept_arrays(cache_dir, tmp_path, monkeypatch):
    _layer(tmp_path)
    digest = "ab" * 32
    plain = cache.read(tmp_path, "layer")
    first = cache.read(tmp_path, "layer", digest=digest)  # WKB, then the arrays kept
    assert derived.path_of(nativegeom.KIND, "layer-geometry", nativegeom.key(digest, "geometry"), derived.ARROW).is_file()
    monkeypatch.setattr(geoparquet.shapely, "from_wkb", lambda *a, **k: pytest.fail("WKB decoded again"))
    second = cache.read(tmp_path, "layer", digest=digest)
    monkeypatch.undo()
    for frame in (first, second):
        pd.testing.assert_frame_equal(frame, plain)
        assert frame.crs == plain.crs and frame.geometry.name == "geometry" and frame["origin"].crs == plain["origin"].crs
        assert _same(frame.geometry.to_numpy(), plain.geometry.to_numpy()) and _same(frame["origin"].to_numpy(), plain["origin"].to_numpy())
    assert list(second.columns) == list(gpd.read_parquet(tmp_path / "layer.parquet").columns)


@pytest.mark.parametrize("deps", [["86"], ["79", "86"], ["2A"]])
def test_a_filtered_read_from_the_kept_arrays_keeps_the_rows_pyarrow_keeps(cache_dir, tmp_path, deps):
    _layer(tmp_path)
    digest = "12" * 32
    flt = [("code_departement", "in", deps)]
    plain = gpd.read_parquet(tmp_path / "layer.parquet", filters=flt)
    first = cache.read(tmp_path, "layer", filters=flt, digest=digest)  # the copy made from the whole file
    assert nativegeom.load("layer", digest, "geometry", 5) is not None
    second = cache.read(tmp_path, "layer", filters=flt, digest=digest)  # from the copy
    for frame in (first, second):
        pd.testing.assert_frame_equal(frame, plain)
        assert _same(frame.geometry.to_numpy(), plain.geometry.to_numpy()) and _same(frame["origin"].to_numpy(), plain["origin"].to_numpy())


def test_a_missing_filter_value_is_never_kept_and_other_filters_read_wkb(cache_dir, tmp_path):
    frame = _layer(tmp_path)
    frame.loc[1, "code_departement"] = None
    frame.to_parquet(tmp_path / "layer.parquet", index=False)
    digest = "34" * 32
    for flt in ([("code_departement", "in", ["79"])], [("code_departement", "==", "86")], [("n", ">", 2)]):
        plain = gpd.read_parquet(tmp_path / "layer.parquet", filters=flt)
        for _ in range(2):
            got = cache.read(tmp_path, "layer", filters=flt, digest=digest)
            pd.testing.assert_frame_equal(got, plain)
            assert _same(got.geometry.to_numpy(), plain.geometry.to_numpy())


def test_subsets_of_the_kept_arrays_are_the_geometries_of_those_rows():
    rng = np.random.default_rng(5)
    geoms = np.array(CASES["polygons with holes, multipolygons, a lone polygon among multipolygons, missing"] * 7
                     + CASES["empty polygon and multipolygon next to full ones"] * 3, dtype=object)
    table = nativegeom.encode(geoms)
    for _ in range(20):
        keep = rng.random(len(geoms)) < 0.4
        assert _same(nativegeom.decode(table, keep), _wkb_roundtrip(geoms[keep]))
    assert len(nativegeom.decode(table, np.zeros(len(geoms), dtype=bool))) == 0
    points = np.array(CASES["points, an empty point, missing"], dtype=object)
    keep = np.array([True, True, False, True])
    assert _same(nativegeom.decode(nativegeom.encode(points), keep), _wkb_roundtrip(points[keep]))


def test_a_short_or_damaged_copy_is_a_miss(cache_dir, tmp_path):
    _layer(tmp_path)
    digest = "cd" * 32
    # a copy of another length (another file under the same key) is not used
    nativegeom.save("layer", digest, "geometry", np.array([Point(0, 0)], dtype=object))
    assert nativegeom.load("layer", digest, "geometry", 5) is None
    pd.testing.assert_frame_equal(cache.read(tmp_path, "layer", digest=digest), cache.read(tmp_path, "layer"))
    # a damaged file is a miss
    path = derived.path_of(nativegeom.KIND, "layer-geometry", nativegeom.key(digest, "geometry"), derived.ARROW)
    path.write_bytes(b"not arrow")
    assert derived.load_arrow(nativegeom.KIND, "layer-geometry", nativegeom.key(digest, "geometry")) is None
    pd.testing.assert_frame_equal(cache.read(tmp_path, "layer", digest=digest), cache.read(tmp_path, "layer"))
    assert nativegeom.load("layer", digest, "geometry", 5) is not None  # made again from WKB


def test_an_arrow_table_is_kept_and_read_back_memory_mapped(cache_dir):
    import pyarrow as pa

    k = derived.key_of("colonnes")
    table = pa.Table.from_pandas(pd.DataFrame({"x": [1.5, np.nan], "z": np.array([1, 2], dtype=np.int16), "s": ["a", "b"]}),
                                 preserve_index=False)
    derived.save_arrow("essais", "t", k, table)
    back = derived.load_arrow("essais", "t", k)
    assert back.equals(table)
    x = back.column("x").to_numpy()
    assert x[0] == 1.5 and np.isnan(x[1]) and back.column("z").to_numpy().dtype == np.int16
    assert derived.load_arrow("essais", "t", derived.key_of("autre")) is None
    assert derived.entries()[0]["files"] == 1  # listed by ``territoires cache``


def test_verify_removes_a_kept_copy_that_differs_from_the_file(cache_dir, tmp_path):
    _layer(tmp_path)
    digest = "ef" * 32
    cache.read(tmp_path, "layer", digest=digest)  # copies kept
    assert nativegeom.verify(tmp_path, {"layer.parquet": digest}) == []
    # a copy that decodes, with the right length, to other geometries
    wrong = np.array([Point(0, 0), None, None, Polygon(), Polygon(HOLE)], dtype=object)
    derived.save_arrow(nativegeom.KIND, "layer-geometry", nativegeom.key(digest, "geometry"), nativegeom.encode(wrong))
    assert nativegeom.verify(tmp_path, {"layer.parquet": digest}) == ["layer-geometry"]
    assert nativegeom.load("layer", digest, "geometry", 5) is None
    assert _same(cache.read(tmp_path, "layer", digest=digest).geometry.to_numpy(), cache.read(tmp_path, "layer").geometry.to_numpy())


def test_offsets_that_do_not_index_their_parts_are_refused_before_geos():
    table = nativegeom.encode(np.array([WITH_HOLES, MULTI], dtype=object))
    assert len(nativegeom.decode(table)) == 2
    for col, bad in (("6_o0", [0, 5, 3, 14, 18, 22]), ("6_o2", [0, 3]), ("3_o0", [0, 5, 10, 15, 99]), ("3_o1", [0, 2, 3])):
        broken = table.set_column(table.column_names.index(col), col, nativegeom._one(np.array(bad, dtype=np.int64)))
        with pytest.raises(ValueError):
            nativegeom.decode(broken)


def test_a_frame_read_from_the_kept_arrays_is_known_until_its_geometry_changes(cache_dir, tmp_path):
    _layer(tmp_path)
    digest = "56" * 32
    cache.read(tmp_path, "layer", digest=digest)  # copies made
    frame = cache.read(tmp_path, "layer", digest=digest)
    made = nativegeom.made_from(frame.geometry.array)
    assert made == nativegeom.token(digest, "geometry", 5) and made != nativegeom.token(digest, "origin", 5)
    part = cache.read(tmp_path, "layer", filters=[("code_departement", "in", ["86"])], digest=digest)
    assert nativegeom.made_from(part.geometry.array) == nativegeom.token(digest, "geometry", 5, np.array([0, 0, 1, 1, 0], bool))
    assert nativegeom.made_from(cache.read(tmp_path, "layer").geometry.array) is None  # read from WKB: not known
    frame.loc[1, "geometry"] = Point(0, 0)  # changed in place: no longer the file's
    assert nativegeom.made_from(frame.geometry.array) is None


def test_the_origin_fingerprint_of_cached_polygons_changes_with_them(cache_dir, tmp_path):
    from territoires.analysis.originstore import _fingerprint

    _layer(tmp_path)
    digest = "78" * 32
    cache.read(tmp_path, "layer", digest=digest)
    a = cache.read(tmp_path, "layer", digest=digest).rename(columns={"n": "population"})
    b = cache.read(tmp_path, "layer", digest=digest).rename(columns={"n": "population"})
    assert _fingerprint(a) == _fingerprint(b)
    b.loc[0, "geometry"] = shapely.affinity.translate(b.geometry.iloc[0], 1.0)
    assert _fingerprint(a) != _fingerprint(b)


def test_a_known_geometry_array_is_forgotten_with_its_frame(cache_dir, tmp_path):
    import gc

    _layer(tmp_path)
    digest = "9a" * 32
    cache.read(tmp_path, "layer", digest=digest)
    gc.collect()
    before = len(nativegeom._MADE)
    frame = cache.read(tmp_path, "layer", digest=digest)
    assert len(nativegeom._MADE) == before + 2  # geometry and origin
    del frame
    gc.collect()
    assert len(nativegeom._MADE) == before  # the geometries are not kept alive by the registry


def test_a_cache_build_keeps_the_geometry_of_every_layer_as_its_file_decodes(tmp_path, monkeypatch):
    import json

    import pyarrow.parquet as pq

    from .test_fast_paths import _tiny

    t, folder = _tiny(tmp_path, monkeypatch)  # a new cache, nothing read yet
    files = cache.manifest(folder)["files"]
    columns = {f: [c for c, m in json.loads(pq.read_schema(folder / f).metadata[b"geo"])["columns"].items()]
               for f in files if b"geo" in (pq.read_schema(folder / f).metadata or {})}
    assert sum(len(c) for c in columns.values()) > 10 and any("origin" in c for c in columns.values())
    for f, cols in columns.items():
        for c in cols:
            assert derived.path_of(nativegeom.KIND, f"{f[:-8]}-{c}", nativegeom.key(files[f], c), derived.ARROW).is_file(), (f, c)
    assert nativegeom.verify(folder, files) == []  # every copy gives exactly its file's geometries
    monkeypatch.setattr(geoparquet.shapely, "from_wkb", lambda *a, **k: pytest.fail("WKB decoded"))
    assert len(t.communes) and len(t.cantons) and len(t.epcis) and len(t.outline)  # first reads: from the copies
