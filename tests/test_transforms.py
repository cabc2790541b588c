"""PROJ pipelines kept on disk (territory/transforms.py): the same coordinates as ``Transformer.from_crs``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from pyproj import CRS, Transformer

from territoires import settings
from territoires.territory import derived, transforms

#: The CRS the library projects into (the five CRS zones and the web maps' CRS), from WGS 84 and back.
PAIRS = [("EPSG:4326", z) for z in ("EPSG:2154", "EPSG:2972", "EPSG:2975", "EPSG:4471", "EPSG:5490", "EPSG:3857")]
PAIRS += [(b, a) for a, b in PAIRS]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    transforms.transformer.cache_clear()
    yield tmp_path
    transforms.transformer.cache_clear()


def _points(zone: str, src: str, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Random points over the area of use of ``zone``, in ``src`` coordinates."""
    rng = np.random.default_rng(0)
    area = CRS.from_user_input(zone).area_of_use
    lon, lat = rng.uniform(area.west, area.east, n), rng.uniform(area.south, min(area.north, 84), n)
    if src == "EPSG:4326":
        return lon, lat
    x, y = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(src), always_xy=True).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _files(cache_dir):
    return sorted((cache_dir / "derived" / transforms.KIND).glob("*.arrow"))


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_kept_pipeline_gives_the_same_coordinates_as_from_crs(cache, src, dst):
    x, y = _points(dst if src == "EPSG:4326" else src, src)
    expected = Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True).transform(x, y)
    first = transforms.transformer(src, dst).transform(x, y)  # searched, then kept
    assert len(_files(cache)) == 1
    transforms.transformer.cache_clear()
    again = transforms.transformer(src, dst).transform(x, y)  # rebuilt from the kept pipeline
    for e, a, b in zip(expected, first, again, strict=True):
        assert np.array_equal(e, a, equal_nan=True)
        assert np.array_equal(e, b, equal_nan=True)


def test_kept_pipeline_is_used_without_searching(cache, monkeypatch):
    transforms.transformer("EPSG:4326", "EPSG:2154")
    transforms.transformer.cache_clear()

    def no_search(*a, **k):
        raise AssertionError("from_crs called although the pipeline is kept")

    monkeypatch.setattr(transforms.Transformer, "from_crs", no_search)
    t = transforms.transformer("EPSG:4326", "EPSG:2154")
    assert [round(v) for v in t.transform(-0.4594, 46.3239)] == [433928, 6586273]


def test_pair_with_several_operations_is_never_kept(cache):
    # PROJ picks WGS 84 -> ETRS89-LAEA point by point among several operations: nothing to keep
    t = transforms.transformer("EPSG:4326", "EPSG:3035")
    assert t.definition.startswith("unavailable")
    assert _files(cache) == []
    x, y = t.transform(2.35, 48.85)
    assert (round(x), round(y)) == tuple(round(v) for v in Transformer.from_crs(4326, 3035, always_xy=True).transform(2.35, 48.85))


@pytest.mark.parametrize("damage", ["not a pipeline", "proj=nonexistentprojection"])
def test_damaged_pipeline_is_searched_again_and_replaced(cache, damage):
    transforms.transformer("EPSG:4326", "EPSG:2154")
    (path,) = _files(cache)
    key = path.stem.rsplit("-", 1)[1]
    derived.save_arrow(transforms.KIND, path.stem.rsplit("-", 1)[0], key,
                       pa.table({"source": ["EPSG:4326"], "target": ["EPSG:2154"], "definition": [damage]}))
    transforms.transformer.cache_clear()
    t = transforms.transformer("EPSG:4326", "EPSG:2154")
    assert [round(v) for v in t.transform(-0.4594, 46.3239)] == [433928, 6586273]
    (again,) = _files(cache)
    kept = pa.ipc.open_file(pa.memory_map(str(again))).read_all().column("definition")[0].as_py()
    assert kept.startswith("proj=pipeline")


def test_a_pipeline_that_differs_on_the_control_grid_is_not_kept(cache, monkeypatch):
    # the check before writing: a rebuilt transformer that does not reproduce the searched one is refused
    real = transforms.Transformer.from_pipeline

    def shifted(definition):
        return real(definition.replace("x_0=700000", "x_0=700001"))

    monkeypatch.setattr(transforms.Transformer, "from_pipeline", shifted)
    transforms.transformer("EPSG:4326", "EPSG:2154")
    assert _files(cache) == []


def test_key_changes_with_proj(cache, monkeypatch):
    k = transforms._key("EPSG:4326", "EPSG:2154")
    monkeypatch.setattr(transforms.pyproj, "proj_version_str", "0.0.0")
    assert transforms._key("EPSG:4326", "EPSG:2154") != k


def test_read_only_cache_is_not_an_error(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setattr(settings, "cache_dir", blocked)
    transforms.transformer.cache_clear()
    try:
        t = transforms.transformer("EPSG:4326", "EPSG:2154")
        assert [round(v) for v in t.transform(-0.4594, 46.3239)] == [433928, 6586273]
    finally:
        transforms.transformer.cache_clear()
