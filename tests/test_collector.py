"""The cycle collector paused during the library's bulk work, and always given back as it was."""

from __future__ import annotations

import gc

import pytest

import territoires
from territoires import collector
from territoires.analysis import access, coverage
from territoires.sources.programmes import curated_path
from territoires.territory import cache, checks


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_paused_gives_back_the_previous_state_even_on_error():
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # nested: still off, and the outer block decides
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector.paused():
        raise ZeroDivisionError
    assert gc.isenabled()


def test_a_caller_who_switched_it_off_keeps_it_off():
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()

    @collector.pausing
    def fails():
        raise ValueError("x")

    with pytest.raises(ValueError):
        fails()
    assert not gc.isenabled()


def test_pausing_keeps_the_function_s_name_and_doc():
    assert access.access_by_commune.__name__ == "access_by_commune"
    assert access.access_by_commune.__wrapped__.__doc__ == access.access_by_commune.__doc__


def _spy(monkeypatch, module, name, seen):
    real = getattr(module, name)

    def spy(*a, **k):
        seen.append(gc.isenabled())
        return real(*a, **k)

    monkeypatch.setattr(module, name, spy)


def test_access_and_gaps_run_with_the_collector_paused(t79, monkeypatch):
    seen = []
    _spy(monkeypatch, access, "by_commune", seen)
    _spy(monkeypatch, coverage, "site_status", seen)
    acc = access.access_by_commune(t79, as_of="2021-09-14")
    gaps = coverage.cantons_without_site(t79, as_of="2021-09-14")
    assert len(acc) == len(t79.communes) and len(gaps) > 0
    assert seen and not any(seen), seen
    assert gc.isenabled()


def test_a_layer_and_a_list_are_read_with_the_collector_paused(monkeypatch):
    seen = []
    _spy(monkeypatch, cache, "read", seen)
    _spy(monkeypatch, checks, "validate", seen)
    t = territoires.load_territory("79")  # its own: its layers not read yet
    assert len(t.communes) == 252
    table = checks.read_programme(curated_path("79", "france_services"), "france_services")
    assert len(table.data) > 0
    assert len(seen) >= 2 and not any(seen), seen
    assert gc.isenabled()
