"""The vectorised label placement gives the placements of the plain candidate-by-candidate loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from territoires.maps import labels as L


def _reference_place(labels, to_display, size_of, obstacles=(), frame=None, from_display=None, rings=4):
    """The placement written one candidate at a time (the algorithm of the module docstring, as first written)."""
    labels = L.order(labels)
    if not labels:
        return []
    anchors = to_display(np.array([[lb.x, lb.y] for lb in labels], dtype=float))
    taken = [np.asarray(b, dtype=float) for b in obstacles]
    out = []
    fx0, fy0, fx1, fy1 = frame if frame is not None else (-math.inf, -math.inf, math.inf, math.inf)
    for lb, (cx, cy) in zip(labels, anchors, strict=True):
        w, h = size_of(lb)
        arr = np.array(taken) if taken else np.zeros((0, 4))
        best, best_cost, chosen, ring_used = None, math.inf, None, 1
        for ring in range(1, (rings if lb.keep else 2) + 1):
            cands = L._point_candidates(cx, cy, w, h, lb.radius, ring) if lb.kind == "point" else L._area_candidates(cx, cy, w, h, ring)
            for px, py in cands:
                box = np.array([px - w / 2, py - h / 2, px + w / 2, py + h / 2])
                if box[0] < fx0 or box[1] < fy0 or box[2] > fx1 or box[3] > fy1:
                    continue
                if lb.kind == "area" and (ring == 1 or not lb.keep) and from_display is not None and lb.geometry is not None:
                    dx, dy = from_display(np.array([[px, py]]))[0]
                    if not shapely.contains_xy(lb.geometry, dx, dy):
                        continue
                cost = float(L._overlap(box, arr).sum())
                if cost == 0:
                    chosen, ring_used = box, ring
                    break
                if cost < best_cost:
                    best, best_cost, ring_used = box, cost, ring
            if chosen is not None:
                break
        if chosen is None and not lb.keep:
            continue
        forced = chosen is None
        box = chosen if chosen is not None else best
        if box is None:
            box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
        taken.append(box)
        out.append(L.Placement(lb, tuple(float(v) for v in box), leader=lb.kind == "point" and ring_used > 1, forced=forced))
    return out


def _scene(seed: int, n: int):
    """``n`` names crowded in a 300×200 frame: towns beside markers and units inside random squares."""
    rng = np.random.default_rng(seed)
    labels = []
    for i in range(n):
        x, y = rng.uniform(0, 300), rng.uniform(0, 200)
        keep, weight = bool(rng.random() < 0.3), float(rng.integers(0, 5))  # equal weights: the text breaks ties
        if rng.random() < 0.5:
            labels.append(L.Label(f"ville{i}", x, y, "point", keep, weight, "sites", radius=float(rng.uniform(2, 5))))
        else:
            s = rng.uniform(10, 60)
            labels.append(L.Label(f"canton{i}", x, y, "area", keep, weight, "cantons", geometry=shapely.box(x - s, y - s, x + s, y + s)))
    markers = [(lb.x - lb.radius, lb.y - lb.radius, lb.x + lb.radius, lb.y + lb.radius) for lb in labels if lb.kind == "point"]
    return labels, markers + [(0.0, 0.0, 60.0, 15.0)]


def _double(a):
    return np.asarray(a, dtype=float) * 2.0


def _half(a):
    return np.asarray(a, dtype=float) / 2.0


def _size(lb):
    return (len(lb.text) * 5.5 + (3.0 if lb.keep else 0.0), 9.0)


@pytest.mark.parametrize("seed", range(6))
def test_place_matches_the_candidate_loop(seed):
    labels, obstacles = _scene(seed, 25 + 15 * seed)
    obstacles = [tuple(v * 2.0 for v in b) for b in obstacles]
    for frame in (None, (0.0, 0.0, 600.0, 400.0)):
        ours = L.place(labels, _double, _size, obstacles=obstacles, frame=frame, from_display=_half)
        ref = _reference_place(labels, _double, _size, obstacles=obstacles, frame=frame, from_display=_half)
        assert ours == ref
        assert any(p.forced for p in ref) or any(p.leader for p in ref) or seed < 3  # the crowded scenes reach the wider rings


def test_place_without_obstacles_or_labels():
    assert L.place([], _double, _size) == []
    one = [L.Label("Niort", 10.0, 10.0, "point", True, 1.0, "sites", radius=3.0)]
    assert L.place(one, _double, _size) == _reference_place(one, _double, _size)
