"""Which names a map writes, and where: one choice shared by the static and the interactive maps.

A name is a :class:`Label`: its text, an anchor (a site's marker, or a point
inside a polygon), whether it *must* be written and a weight. Names that carry
the map's answer (the highlighted cantons, the sites' towns, the programme's
towns) are ``keep`` labels: they are never dropped. Other names are written
when they find room, heaviest first (population, else area).

:func:`place` is a greedy candidate-position placement, in the spirit of
Imhof's rules and of the "candidate positions" algorithms of automated
cartography: every label tries a fixed, ordered list of positions (beside
its marker, or around its polygon's representative point), and takes the
first one that overlaps no marker, no other name, no reserved box (scale bar,
north arrow) and stays in the frame. ``keep`` labels that find no free
position try wider rings, then take the least-overlapping one and are
flagged ``forced`` (the tests require none). Everything is plain arithmetic on
boxes in display units, in a fixed order: the same input gives the same
placement, byte for byte.

We evaluated ``textalloc`` (PyPI), which places matplotlib texts off
scatter points with NumPy broadcasting. It draws the texts itself, has no
notion of a name that must not be dropped nor of a polygon a name must stay
in, and works on a matplotlib axes only, while the interactive map needs the
same choice without matplotlib: we kept this small placement of our own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

__all__ = ["FONT_SIZE", "WEB_FONT_PX", "WEB_ZOOMS", "Label", "Placement", "collect", "labels_of", "order", "overlaps", "place", "web_choice", "web_size"]

#: Font size of names on the static maps (points).
FONT_SIZE = 6.5


@dataclass(frozen=True)
class Label:
    """One name to write. ``kind``: ``"point"`` (beside a marker) or ``"area"`` (inside a polygon)."""

    text: str
    x: float
    y: float
    kind: str
    keep: bool
    weight: float
    layer: str
    geometry: object = None  # area labels: the polygon the name must stay in
    radius: float = 0.0  # point labels: marker radius (display units)


@dataclass(frozen=True)
class Placement:
    """Where a label went: its box ``(x0, y0, x1, y1)`` in display units."""

    label: Label
    box: tuple[float, float, float, float]
    leader: bool  # far from its marker: draw a thin line to it
    forced: bool  # a keep label that found no free position

    @property
    def center(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


def labels_of(layer, marker_radius: float = 0.0) -> list[Label]:
    """The :class:`Label` list of a map layer (``layer.label`` names, ``layer.keep`` choice).

    ``layer.keep`` is ``True`` (every name must be written), ``None``/``False``
    (names written when there is room) or the name of a boolean column.
    Point layers give one label per distinct name (the first site of a town
    anchors it); polygon layers one per feature, at its representative point.
    """
    if not layer.label or layer.data is None or layer.data.empty:
        return []
    data = layer.data[layer.data.geometry.notna() & ~layer.data.geometry.is_empty]
    if data.empty:
        return []
    keep = layer.keep
    if isinstance(keep, str):
        keeps = data[keep].fillna(False).astype(bool).to_numpy()
    else:
        keeps = np.full(len(data), bool(keep))
    geoms = data.geometry.to_numpy()
    if "population" in data:
        weight = pd.to_numeric(data["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    elif layer.symbol.kind == "point":
        weight = np.zeros(len(data))
    else:
        weight = shapely.area(geoms)
    texts = data[layer.label].astype(str).to_numpy()
    if layer.symbol.kind == "point":
        xy = shapely.get_coordinates(shapely.centroid(geoms))
        out, seen = [], set()
        for i, text in enumerate(texts):
            if text in seen or not text.strip():
                continue
            seen.add(text)
            out.append(Label(text, float(xy[i, 0]), float(xy[i, 1]), "point", bool(keeps[i]), float(weight[i]), layer.name, radius=marker_radius))
        return out
    pts = shapely.get_coordinates(shapely.point_on_surface(geoms))
    return [
        Label(text, float(pts[i, 0]), float(pts[i, 1]), "area", bool(keeps[i]), float(weight[i]), layer.name, geometry=geoms[i])
        for i, text in enumerate(texts)
        if text.strip()
    ]


def collect(layers, marker_radius=lambda layer: 0.0) -> list[Label]:
    """Every layer's labels; a town named by several point layers (Niort: a site and a project) is named once."""
    out, towns = [], set()
    for layer in layers:
        for lb in labels_of(layer, marker_radius(layer)):
            if lb.kind == "point":
                if lb.text in towns:
                    continue
                towns.add(lb.text)
            out.append(lb)
    return out


def order(labels: Sequence[Label]) -> list[Label]:
    """Placement order: keep labels first, then point labels, heavier first, then by text (stable)."""
    return sorted(labels, key=lambda lb: (not lb.keep, lb.kind != "point", -lb.weight, lb.text))


def _point_candidates(cx: float, cy: float, w: float, h: float, r: float, ring: int) -> list[tuple[float, float]]:
    """Box centres beside a marker of radius ``r``: right, left, above, below, then the diagonals."""
    g = r + 1.5 + (ring - 1) * max(h, 4.0)
    dx, dy = g + w / 2, g + h / 2
    d = (dx - w / 2) * 0.7 + w / 2
    e = (dy - h / 2) * 0.7 + h / 2
    return [(cx + dx, cy), (cx - dx, cy), (cx, cy + dy), (cx, cy - dy), (cx + d, cy + e), (cx - d, cy + e), (cx + d, cy - e), (cx - d, cy - e)]


def _area_candidates(cx: float, cy: float, w: float, h: float, ring: int) -> list[tuple[float, float]]:
    if ring == 1:
        steps = [(0, 0), (0, 1), (0, -1), (0.5, 0), (-0.5, 0), (0, 2), (0, -2), (0.5, 1), (-0.5, 1), (0.5, -1), (-0.5, -1)]
    else:
        k = ring
        steps = [(0, k + 1), (0, -k - 1), (k * 0.5, 0), (-k * 0.5, 0), (k * 0.5, k), (-k * 0.5, k), (k * 0.5, -k), (-k * 0.5, -k)]
    return [(cx + sx * w, cy + sy * h) for sx, sy in steps]


def _overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Overlap area of ``box`` with each of ``boxes`` (N×4)."""
    if not len(boxes):
        return np.zeros(0)
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def _overlaps(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Overlap areas, one row per box of ``boxes`` (K×4) and one column per box of ``others`` (N×4)."""
    w = np.minimum(boxes[:, 2:3], others[:, 2]) - np.maximum(boxes[:, 0:1], others[:, 0])
    h = np.minimum(boxes[:, 3:4], others[:, 3]) - np.maximum(boxes[:, 1:2], others[:, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def place(
    labels: Sequence[Label],
    to_display: Callable[[np.ndarray], np.ndarray],
    size_of: Callable[[Label], tuple[float, float]],
    obstacles: Sequence[Sequence[float]] = (),
    frame: Sequence[float] | None = None,
    from_display: Callable[[np.ndarray], np.ndarray] | None = None,
    rings: int = 4,
) -> list[Placement]:
    """Place ``labels`` (see the module docstring); return the placements, in placement order.

    ``to_display`` maps an N×2 array of anchor coordinates to display units
    (y up), ``size_of`` gives a label's box ``(width, height)`` in the same
    units, ``obstacles`` are boxes no name may cover (markers, scale bar…),
    ``frame`` the box every name must stay in, ``from_display`` the inverse of
    ``to_display`` (area names then stay inside their polygon; a kept one leaves it only when nothing fits inside).
    Labels that are not ``keep`` and find no room are left out.
    """
    labels = order(labels)
    if not labels:
        return []
    anchors = to_display(np.array([[lb.x, lb.y] for lb in labels], dtype=float))
    # every box taken so far, in order: the obstacles, then each name placed
    taken = np.zeros((len(obstacles) + len(labels), 4))
    n = len(obstacles)
    if n:
        taken[:n] = np.asarray(obstacles, dtype=float).reshape(-1, 4)
    out: list[Placement] = []
    fx0, fy0, fx1, fy1 = frame if frame is not None else (-math.inf, -math.inf, math.inf, math.inf)
    for lb, (cx, cy) in zip(labels, anchors, strict=True):
        w, h = size_of(lb)
        best, best_cost, chosen, ring_used = None, math.inf, None, 1
        for ring in range(1, (rings if lb.keep else 2) + 1):
            c = np.array(_point_candidates(cx, cy, w, h, lb.radius, ring) if lb.kind == "point" else _area_candidates(cx, cy, w, h, ring))
            boxes = np.column_stack([c[:, 0] - w / 2, c[:, 1] - h / 2, c[:, 0] + w / 2, c[:, 1] + h / 2])
            ok = ~((boxes[:, 0] < fx0) | (boxes[:, 1] < fy0) | (boxes[:, 2] > fx1) | (boxes[:, 3] > fy1))
            # an area name stays in its polygon: kept names may leave it (wider rings) rather than be dropped
            if lb.kind == "area" and (ring == 1 or not lb.keep) and from_display is not None and lb.geometry is not None and ok.any():
                inside = np.flatnonzero(ok)
                d = from_display(c[inside])
                ok[inside] = shapely.contains_xy(lb.geometry, d[:, 0], d[:, 1])
            idx = np.flatnonzero(ok)
            if not len(idx):
                continue
            # each candidate's overlap with every box taken (a contiguous row: summed as a row alone would be)
            costs = _overlaps(boxes[idx], taken[:n]).sum(axis=1)
            free = np.flatnonzero(costs == 0)
            if len(free):  # the first free candidate, in the fixed order
                chosen, ring_used = boxes[idx[free[0]]], ring
                break
            k = int(np.argmin(costs))  # the first of the least overlapping
            if costs[k] < best_cost:
                best, best_cost, ring_used = boxes[idx[k]], float(costs[k]), ring
        if chosen is None and not lb.keep:
            continue
        forced = chosen is None
        box = chosen if chosen is not None else best
        if box is None:  # keep label with no candidate in the frame: at its anchor
            box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
        taken[n] = box
        n += 1
        out.append(Placement(lb, tuple(float(v) for v in box), leader=lb.kind == "point" and ring_used > 1, forced=forced))
    return out


def overlaps(boxes: Sequence[Sequence[float]], others: Sequence[Sequence[float]] | None = None, tol: float = 0.01) -> list[tuple[int, int]]:
    """Pairs of overlapping boxes (within ``boxes``, or between ``boxes`` and ``others``); used by tests."""
    a = np.asarray(boxes, dtype=float).reshape(-1, 4)
    b = a if others is None else np.asarray(others, dtype=float).reshape(-1, 4)
    pairs = []
    for i, box in enumerate(a):
        ov = _overlap(box, b)
        for j in np.flatnonzero(ov > tol):
            if others is None and j <= i:
                continue
            pairs.append((i, int(j)))
    return pairs


# --- the interactive map's share of the choice ------------------------------------

#: Zoom levels at which the interactive map's choice is computed (Web Mercator).
WEB_ZOOMS = tuple(range(6, 15))
WEB_FONT_PX = 11.0


def web_size(label: Label) -> tuple[float, float]:
    """Estimated box (CSS pixels) of a name in the interactive map's 11 px font (bold: wider)."""
    return (len(label.text) * WEB_FONT_PX * (0.68 if label.keep else 0.6) + 6.0, WEB_FONT_PX * 1.4)


def web_choice(labels: Sequence[Label], zooms: Sequence[int] = WEB_ZOOMS, marker_radius: float = 6.0) -> pd.DataFrame:
    """For each label (anchors in WGS 84), where the interactive map writes it at each zoom.

    The same :func:`place` runs in Web Mercator pixels at each zoom of
    ``zooms``: ``positions`` maps a zoom to the offset (CSS pixels, y down)
    from the anchor to the name's centre, for the zooms where the name found
    room; ``minzoom`` is the first of them. ``keep`` names are placed at every
    zoom (``minzoom`` 0): they are always shown, as on the static map.
    Columns: ``layer, text, lon, lat, keep, rank, minzoom, positions``.
    """
    labels = order(labels)
    rows = [{"layer": lb.layer, "text": lb.text, "lon": lb.x, "lat": lb.y, "keep": lb.keep, "rank": i, "positions": {}}
            for i, lb in enumerate(labels)]
    if not labels:
        return pd.DataFrame(rows, columns=["layer", "text", "lon", "lat", "keep", "rank", "minzoom", "positions"])
    markers = np.array([[lb.x, lb.y] for lb in labels if lb.kind == "point"]).reshape(-1, 2)
    web = [Label(lb.text, lb.x, lb.y, lb.kind, lb.keep, lb.weight, lb.layer, lb.geometry, marker_radius if lb.kind == "point" else 0.0) for lb in labels]
    index = {(lb.layer, lb.text): i for i, lb in enumerate(labels)}
    for z in sorted(zooms):
        scale = 256 * 2**z

        def to_px(a, scale=scale):
            lon, lat = np.radians(a[:, 0]), np.radians(np.clip(a[:, 1], -85, 85))
            return np.column_stack([(lon + math.pi) / (2 * math.pi) * scale, -(math.pi - np.log(np.tan(math.pi / 4 + lat / 2))) / (2 * math.pi) * scale])

        def to_lonlat(p, scale=scale):
            lon = p[:, 0] / scale * 2 * math.pi - math.pi
            lat = 2 * np.arctan(np.exp(math.pi + p[:, 1] / scale * 2 * math.pi)) - math.pi / 2
            return np.degrees(np.column_stack([lon, lat]))

        mk = to_px(markers)
        obstacles = [(x - marker_radius, y - marker_radius, x + marker_radius, y + marker_radius) for x, y in mk]
        anchors = to_px(np.array([[lb.x, lb.y] for lb in labels]))
        for p in place(web, to_px, web_size, obstacles, from_display=to_lonlat):
            i = index[(p.label.layer, p.label.text)]
            cx, cy = p.center
            rows[i]["positions"][z] = (round(cx - anchors[i, 0], 1), round(-(cy - anchors[i, 1]), 1))
    out = pd.DataFrame(rows, columns=["layer", "text", "lon", "lat", "keep", "rank", "positions"])
    out["minzoom"] = [0 if r["keep"] else min(r["positions"], default=max(zooms) + 1) for r in rows]
    return out
