"""Fault catalogue, the boundary cache: manifests, layouts, swaps, sweeps, concurrent readers."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from territoires.territory import cache

KEY = "test-source-1-abcdef"
EXTRA = {"source": "test", "vintage": "1", "departements": ["79"]}


def _layers(n=3, tag="a"):
    return {"EPSG-2154__communes": pd.DataFrame({"code": [f"{tag}{i}" for i in range(n)], "x": range(n)}),
            "missing_geometry": pd.DataFrame({"code": ["x"]})}


@pytest.fixture
def built(tmp_path):
    folder = cache.write(tmp_path, KEY, _layers(), EXTRA)
    return tmp_path, folder


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def _rewrite_manifest(folder, meta):
    """Edit the manifest and re-sign the pointer, as a careless tool would."""
    import hashlib

    raw = json.dumps(meta).encode()
    (folder / "manifest.json").write_bytes(raw)
    ptr = folder.parent / f"{KEY}.current"
    ptr.write_text(json.dumps({"folder": folder.name, "manifest_sha256": hashlib.sha256(raw).hexdigest()}))


def test_fresh_cache_passes_cheap_and_full_checks(built):
    root, folder = built
    assert cache.current(root, KEY) == (folder, None)
    assert cache.current(root, KEY, full=True) == (folder, None)
    assert cache.verify(root) == [(KEY, None)]


@pytest.mark.parametrize(
    ("case", "meta", "reason"),
    [
        ("manifest_list", [], "manifest is a list"),
        ("manifest_null", None, "manifest is a NoneType"),
        ("manifest_empty_object", {}, "schema version None"),
        ("manifest_old_schema", {"schema_version": 10}, "schema version 10"),
        ("manifest_files_not_object", {"schema_version": cache.SCHEMA_VERSION, "files": [], "sizes": {}, "mtimes": {}}, "must be objects"),
        ("manifest_no_file", {"schema_version": cache.SCHEMA_VERSION, "files": {}, "sizes": {}, "mtimes": {}}, "no file listed"),
        ("manifest_traversal", {"schema_version": cache.SCHEMA_VERSION, "files": {"../x.parquet": "0" * 64}, "sizes": {"../x.parquet": 1}, "mtimes": {"../x.parquet": 1}}, "unexpected file name"),
    ],
)
def test_unexpected_manifest_means_rebuild(built, case, meta, reason):
    root, folder = built
    _rewrite_manifest(folder, meta)
    got, why = cache.current(root, KEY)
    assert got is None and reason in why


def test_manifest_listing_fewer_files_is_incomplete(built):
    root, folder = built
    meta = _manifest(folder)
    for k in ("files", "sizes", "mtimes"):
        meta[k].pop("EPSG-2154__communes.parquet")
    _rewrite_manifest(folder, meta)
    got, why = cache.current(root, KEY, required={"EPSG-2154__communes", "missing_geometry"})
    assert got is None and "layout incomplete: EPSG-2154__communes.parquet missing" in why


def test_manifest_edited_without_resigning_is_refused(built):
    root, folder = built
    meta = _manifest(folder)
    meta["vintage"] = "2099"
    (folder / "manifest.json").write_text(json.dumps(meta))
    assert cache.current(root, KEY) == (None, "manifest does not match its signature in the pointer file")


def test_substituted_parquet_of_another_size_is_refused(built):
    root, folder = built
    _layers(0)["EPSG-2154__communes"].to_parquet(folder / "EPSG-2154__communes.parquet")
    got, why = cache.current(root, KEY)
    assert got is None and why.startswith("EPSG-2154__communes.parquet: size")


def test_flipped_byte_same_size_is_found_by_its_mtime_then_hash(built):
    root, folder = built
    victim = folder / "EPSG-2154__communes.parquet"
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    victim.write_bytes(bytes(raw))
    assert cache.current(root, KEY)[1] == "EPSG-2154__communes.parquet: SHA-256 does not match the manifest"


def test_corruption_with_restored_mtime_is_found_by_verify(built):
    root, folder = built
    victim = folder / "EPSG-2154__communes.parquet"
    st = victim.stat()
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    victim.write_bytes(bytes(raw))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.current(root, KEY) == (folder, None)  # the cheap check cannot see it…
    assert cache.verify(root) == [(KEY, "EPSG-2154__communes.parquet: SHA-256 does not match the manifest")]  # …verify does


def test_copied_cache_with_new_mtimes_is_still_valid(built):
    root, folder = built
    for f in folder.glob("*.parquet"):
        os.utime(f, (time.time() + 5, time.time() + 5))
    assert cache.current(root, KEY) == (folder, None)


@pytest.mark.parametrize(
    ("case", "pointer"),
    [
        ("pointer_garbage", "{not json"),
        ("pointer_list", "[]"),
        ("pointer_traversal", json.dumps({"folder": "../elsewhere", "manifest_sha256": "0" * 64})),
        ("pointer_other_key", json.dumps({"folder": "other@1", "manifest_sha256": "0" * 64})),
    ],
)
def test_bad_pointer_means_rebuild(built, case, pointer):
    root, _ = built
    (root / f"{KEY}.current").write_text(pointer)
    assert cache.current(root, KEY) == (None, "pointer file unreadable")


def test_missing_file_of_the_layout_is_refused(built):
    root, folder = built
    (folder / "missing_geometry.parquet").unlink()
    assert cache.current(root, KEY) == (None, "missing_geometry.parquet missing")


def test_killed_build_leaves_a_temporary_folder_that_is_swept(tmp_path):
    old = tmp_path / f".tmp-{KEY}-dead"
    old.mkdir()
    (old / "x.parquet").write_bytes(b"x" * 1000)
    os.utime(old, (time.time() - cache.STALE_TMP - 10,) * 2)
    young = tmp_path / f".tmp-{KEY}-building"
    young.mkdir()
    cache.write(tmp_path, KEY, _layers(), EXTRA)
    assert not old.exists() and young.exists()


def test_replaced_version_kept_for_its_grace_then_swept(tmp_path):
    first = cache.write(tmp_path, KEY, _layers(tag="a"), EXTRA)
    second = cache.write(tmp_path, KEY, _layers(tag="b"), EXTRA)
    assert first.exists() and cache.current(tmp_path, KEY)[0] == second
    cache.sweep(tmp_path, now=time.time() + cache.RETIRED_GRACE + 5)
    assert not first.exists() and second.exists()


def test_clear_removes_everything_but_the_readme(tmp_path):
    (tmp_path / "README.md").write_text("x")
    cache.write(tmp_path, KEY, _layers(), EXTRA)
    assert cache.clear(tmp_path) > 0
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]


# ------------------------------------------------------- concurrent reader
WRITER = """
import sys, time
import pandas as pd
from pathlib import Path
from territoires.territory import cache
root, key, n = Path(sys.argv[1]), sys.argv[2], 0
extra = {"source": "test", "vintage": "1", "departements": ["79"]}
while not (root / "stop").exists():
    n += 1
    layers = {f"EPSG-2154__l{i}": pd.DataFrame({"v": [n] * 2000}) for i in range(4)}
    cache.write(root, key, layers, extra)
    (root / "count").write_text(str(n))
"""


def test_concurrent_reader_never_sees_a_half_written_cache(tmp_path):
    cache.write(tmp_path, KEY, {f"EPSG-2154__l{i}": pd.DataFrame({"v": [0] * 2000}) for i in range(4)}, EXTRA)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), KEY], env=env)
    reads, failures, versions = 0, [], set()
    try:
        deadline = time.time() + 120
        while (reads < 250 or len(versions) < 10) and time.time() < deadline:
            try:
                folder, why = cache.current(tmp_path, KEY)
                assert folder is not None, why
                values = {int(cache.read(folder, f"EPSG-2154__l{i}")["v"].iloc[0]) for i in range(4)}
                assert len(values) == 1, f"layers of different versions: {values}"  # one version, whole
                versions |= values
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                failures.append(repr(exc))
            reads += 1
    finally:
        (tmp_path / "stop").write_text("")
        writer.wait(timeout=60)
    assert reads >= 200 and failures == [], failures[:3]
    assert len(versions) >= 10  # the cache was really rewritten under the reader


# ------------------------------------------------- through load_territory
@pytest.mark.parametrize("case", ["manifest_list", "manifest_null", "substituted_empty_parquet"])
def test_load_rebuilds_a_damaged_cache(tmp_path, monkeypatch, caplog, case):
    import territoires
    from territoires import settings

    from .test_sources_boundaries import write_admin_express

    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    gpkg = write_admin_express(tmp_path / "ae.gpkg")
    territoires.load_territory("79", source="admin-express", path=gpkg)
    (folder,) = [p for p in (tmp_path / "cache").iterdir() if "@" in p.name]
    if case == "substituted_empty_parquet":
        victim = next(folder.glob("EPSG-2154__communes.parquet"))
        gpd_empty = territoires.load_territory("79", source="admin-express", path=gpkg).communes.iloc[:0]
        gpd_empty.to_parquet(victim)
    else:
        _rewrite_manifest_for(folder, [] if case == "manifest_list" else None)
    with caplog.at_level("WARNING"):
        t = territoires.load_territory("79", source="admin-express", path=gpkg)
    assert len(t.communes) == 3 and "rebuilding" in caplog.text


def _rewrite_manifest_for(folder, meta):
    import hashlib

    raw = json.dumps(meta).encode()
    (folder / "manifest.json").write_bytes(raw)
    key = folder.name.split("@")[0]
    (folder.parent / f"{key}.current").write_text(json.dumps({"folder": folder.name, "manifest_sha256": hashlib.sha256(raw).hexdigest()}))
