"""Settings are read when used, not copied at import (as in osmnx)."""

from __future__ import annotations

import io
import json
import urllib.request

import numpy as np

from territoires import settings
from territoires.analysis import access


def test_osrm_router_reads_the_timeout_at_request_time(monkeypatch):
    seen = []

    def fake_urlopen(url, timeout):
        seen.append(timeout)
        return io.BytesIO(json.dumps({"code": "Ok", "durations": [[60.0]], "distances": [[1000.0]]}).encode())

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    router = access.OSRMRouter("http://osrm.invalid")  # made before the setting changes
    monkeypatch.setattr(settings, "http_timeout", 5)
    router._table(np.array([[0.0, 45.0]]), np.array([[0.1, 45.0]]))
    monkeypatch.setattr(settings, "http_timeout", 7.5)
    router._table(np.array([[0.0, 45.0]]), np.array([[0.1, 45.0]]))
    assert seen == [5, 7.5]
    access.OSRMRouter("http://osrm.invalid", timeout=2)._table(np.array([[0.0, 45.0]]), np.array([[0.1, 45.0]]))
    assert seen[-1] == 2  # an explicit timeout wins


def test_straight_line_defaults_follow_the_settings(monkeypatch):
    monkeypatch.setattr(settings, "DEFAULT_CIRCUITY", 1.0)
    monkeypatch.setattr(settings, "DEFAULT_SPEED_KMH", 60.0)
    assert access.StraightLineRouter().minutes(np.array([1000.0]))[0] == 1.0
    monkeypatch.setattr(settings, "DEFAULT_SPEED_KMH", 30.0)
    assert access.StraightLineRouter().minutes(np.array([1000.0]))[0] == 2.0
