"""The store of derived tables: keyed by what they were made from, swept when unused, cleared with the cache."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from territoires import settings
from territoires.territory import cache, derived


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    return tmp_path


def test_a_table_is_found_only_under_the_key_it_was_made_from(cache_dir):
    k1 = derived.key_of("src", 2025, ["79001", "79002"])
    k2 = derived.key_of("src", 2025, ["79001", "79003"])
    assert k1 != k2 and k1 == derived.key_of("src", 2025, ["79001", "79002"])
    # an iterable is not the same as its joined text
    assert derived.key_of(["a", "b"]) != derived.key_of("ab")
    derived.save("essais", "t", k1, pd.DataFrame({"x": [1.5, 2.5]}))
    assert derived.load("essais", "t", k1)["x"].tolist() == [1.5, 2.5]
    assert derived.load("essais", "t", k2) is None
    assert derived.path_of("essais", "t", k1).parent == cache_dir / "derived" / "essais"


def test_an_unreadable_table_is_a_miss_and_an_unwritable_folder_is_not_an_error(cache_dir, monkeypatch):
    k = derived.key_of("x")
    p = derived.path_of("essais", "t", k)
    p.parent.mkdir(parents=True)
    p.write_bytes(b"not parquet")
    assert derived.load("essais", "t", k) is None
    blocker = cache_dir / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(settings, "cache_dir", blocker)  # a cache folder that cannot be made (even as root)
    derived.save("essais", "t", derived.key_of("y"), pd.DataFrame({"x": [1]}))  # no exception
    assert derived.load("essais", "t", derived.key_of("y")) is None


def test_sweep_removes_tables_nobody_read_and_reading_keeps_them(cache_dir):
    old, read = derived.key_of("old"), derived.key_of("read")
    for k in (old, read):
        derived.save("essais", "t", k, pd.DataFrame({"x": [1]}))
    past = time.time() - (derived.UNUSED_DAYS + 1) * 86400
    for k in (old, read):
        os.utime(derived.path_of("essais", "t", k), (past, past))
    assert derived.load("essais", "t", read) is not None  # a read touches the file
    removed = derived.sweep()
    assert removed == [derived.path_of("essais", "t", old)]
    assert derived.load("essais", "t", read) is not None


def test_cache_clear_and_sweep_take_the_derived_tables_and_the_former_folder(cache_dir):
    derived.save("essais", "t", derived.key_of("a"), pd.DataFrame({"x": range(100)}))
    (cache_dir / "cartes").mkdir()
    (cache_dir / "cartes" / "communes-500m-abc.parquet").write_bytes(b"x" * 10)
    [e] = derived.entries()
    assert e["kind"] == "essais" and e["files"] == 1 and e["bytes"] > 0
    assert cache_dir / "cartes" in cache.sweep(cache_dir)
    freed = cache.clear(cache_dir)
    assert freed >= e["bytes"] and not (cache_dir / "derived").exists() and derived.entries() == []


def test_the_cache_command_lists_derived_tables(cache_dir, capsys):
    from territoires.cli import main

    derived.save("origines", "zone", derived.key_of("a"), pd.DataFrame({"x": range(10)}))
    assert main(["cache"]) == 0
    assert "tables dérivées « origines » : 1 fichier(s)" in capsys.readouterr().out
