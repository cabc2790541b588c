"""The reference tables of the list checks, kept as one derived table: read back as made, a damaged copy made again."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from territoires import settings
from territoires.territory import checks, derived, reference


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A small boundary cache (WGS 84 copy) and an empty derived store; ``_reference`` reads it as the cache."""
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    f = tmp_path / "bornes"
    f.mkdir()
    pq.write_table(pa.table({"code_insee": pa.array(["79191", "79001", "97411"], pa.large_string()),
                             "nom": pa.array(["Niort", "L'Absie", None], pa.large_string()), "x": [1, 2, 3]}),
                   f / "wgs84__communes.parquet")
    outlines = [shapely.box(-0.9, 46.0, 0.2, 47.1), shapely.Polygon([(55.2, -21.4), (55.9, -21.3), (55.6, -20.8)]), None]
    gpd.GeoDataFrame({"code_departement": ["79", "974", None]}, geometry=outlines, crs=4326).to_parquet(f / "wgs84__departements.parquet")
    pd.DataFrame({"code_insee": ["79999", "75112", None], "nom": ["Ancienne", None, "x"], "type": ["COMD", "ARM", "COMA"],
                  "parent_code": ["79191", "75056", None]}).to_parquet(f / "former_communes.parquet")
    monkeypatch.setattr(checks, "ensure_cache", lambda source, deps: f)
    checks._reference.cache_clear()
    yield f
    checks._reference.cache_clear()


def _same(a, b) -> bool:
    (ca, fa, (ga, oa), (ka, na)), (cb, fb, (gb, ob), (kb, nb)) = a, b
    pd.testing.assert_frame_equal(fa, fb)
    return (ca.equals(cb) and ca.schema == cb.schema and list(fa.dtypes) == list(fb.dtypes) and fa.index.equals(fb.index)
            and bool(np.all(shapely.equals_identical(ga, gb) | (shapely.is_missing(ga) & shapely.is_missing(gb))))
            and [str(x) for x in oa.tolist()] == [str(x) for x in ob.tolist()] and ka.tolist() == kb.tolist() and na == nb)


def _kept(folder):
    return list((settings.cache_dir / derived.FOLDER / reference.KIND).glob("*.arrow"))


def test_kept_reference_reads_back_as_made_from_the_cache(folder, monkeypatch):
    plain = checks._make_reference(folder)
    first = checks._reference("x")
    assert _same(first, plain) and len(_kept(folder)) == 1
    checks._reference.cache_clear()
    monkeypatch.setattr(checks, "_make_reference", lambda f: pytest.fail("made again"))
    second = checks._reference("x")
    assert _same(second, plain)
    assert np.isnan(second[2][1][2]) and second[1]["nom"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_a_damaged_reference_is_made_again_never_trusted(folder, damage, monkeypatch):
    plain = checks._reference("x")
    (path,) = _kept(folder)
    raw = bytearray(path.read_bytes())
    if damage == "flip":  # a name's bytes changed in place: the file still opens
        at = raw.find(b"L'Absie")
        assert at > 0
        raw[at] = ord("X")
    elif damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        raw = bytearray()
    path.write_bytes(bytes(raw))
    checks._reference.cache_clear()
    made = []
    real = checks._make_reference
    monkeypatch.setattr(checks, "_make_reference", lambda f: made.append(f) or real(f))
    back = checks._reference("x")
    assert made and _same(back, plain)
    assert "X'Absie" not in back[0]["nom"].to_pylist()
    checks._reference.cache_clear()
    assert _same(checks._reference("x"), plain)  # kept again, intact


def test_a_changed_cache_file_makes_another_reference(folder):
    first = checks._reference("x")
    pd.DataFrame({"code_insee": ["79998"], "nom": ["Autre"], "type": ["COMD"], "parent_code": ["79001"]}).to_parquet(
        folder / "former_communes.parquet")
    checks._reference.cache_clear()
    second = checks._reference("x")
    assert second[1]["code_insee"].tolist() == ["79998"] != first[1]["code_insee"].tolist() and len(_kept(folder)) == 2


def test_interior_cells_lie_inside_their_outline():
    """Every cell kept lies inside its outline; a cell crossing an edge is not kept."""
    tri = shapely.Polygon([(0.1013, 45.1007), (1.9021, 45.1309), (1.0037, 45.9011)])
    keys, names = reference.interior_cells(np.array([tri, None], dtype=object), np.array(["06", np.nan], dtype=object))
    assert names == ["06"] and len(keys) > 100
    ix, iy = (keys >> 21) & (2**21 - 1), keys & (2**21 - 1)
    boxes = shapely.box(ix / reference.GRID - 180, iy / reference.GRID - 90, (ix + 1) / reference.GRID - 180, (iy + 1) / reference.GRID - 90)
    assert shapely.contains(tri, boxes).all()
    rng = np.random.default_rng(1)
    xy = rng.uniform([0.0, 45.0], [2.0, 46.0], size=(5000, 2))
    k = reference.cell_keys(xy[:, 0], xy[:, 1], np.zeros(len(xy), dtype=np.int64))
    hit = np.isin(k, keys)
    assert shapely.intersects_xy(tri, xy[hit, 0], xy[hit, 1]).all() and 0 < hit.sum() < shapely.intersects_xy(tri, xy[:, 0], xy[:, 1]).sum()


def test_changed_code_makes_another_reference(folder, monkeypatch):
    """The reference is keyed by the code that makes it too: another code digest does not read the kept one."""
    from territoires.territory import checkedlists

    checks._reference("x")
    checks._reference.cache_clear()
    made = []
    real = checks._make_reference
    monkeypatch.setattr(checks, "_make_reference", lambda f: made.append(f) or real(f))
    monkeypatch.setattr(checkedlists, "code_digest", lambda: "un autre code")
    checks._reference("x")
    assert made and len(_kept(folder)) == 2
