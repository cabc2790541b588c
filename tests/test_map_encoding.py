"""The quantised, delta-encoded geometry of interactive maps decodes back to the input (tiny synthetic shapes)."""

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from territoires.maps.interactive import encode_geometry


def decode(text: str):
    """What the page's script does, in Python: rings of (x, y) per polygon per feature."""
    g = json.loads(text)
    k = 10 ** g["q"]
    c = np.array(g["c"]).reshape(-1, 2)
    if g["t"] == "P":
        return [tuple(p) for p in np.cumsum(c, axis=0) / k]
    rings, i, start = [], 0, np.zeros(2)
    for n in g["r"]:
        if n == 0:
            rings.append([])
            continue
        start = start + c[i]
        pts = np.cumsum(np.vstack([start, c[i + 1:i + n]]), axis=0) / k
        rings.append([tuple(p) for p in pts])
        i += n
    polys, j = [], 0
    for n in g["p"]:
        polys.append(rings[j:j + n])
        j += n
    feats, j = [], 0
    for n in g["m"]:
        feats.append(polys[j:j + n])
        j += n
    return feats


def test_polygons_with_holes_and_multiparts_round_trip():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], holes=[[(0.2, 0.2), (0.2, 0.4), (0.4, 0.4), (0.4, 0.2)]])
    multi = MultiPolygon([Polygon([(2, 2), (3, 2), (3, 3)]), Polygon([(-1.123456, -1), (-0.5, -1), (-0.5, -0.5)])])
    text, bounds = encode_geometry(np.array([square, multi]), "EPSG:4326", 3)
    feats = decode(text)
    assert len(feats) == 2 and len(feats[0]) == 1 and len(feats[1]) == 2
    outer, hole = feats[0][0]
    assert outer == [(0, 0), (1, 0), (1, 1), (0, 1)]  # closing point dropped
    assert hole == [(0.2, 0.2), (0.2, 0.4), (0.4, 0.4), (0.4, 0.2)]
    assert feats[1][1][0][0] == (-1.123, -1)  # quantised to 3 decimals
    assert list(bounds) == [-1.123456, -1, 3, 3]


def test_points_that_collapse_once_quantised_are_written_once():
    tri = Polygon([(0, 0), (0.00001, 0), (1, 0), (1, 1)])  # the first two points are one at 3 decimals
    ((rings,),) = decode(encode_geometry(np.array([tri]), "EPSG:4326", 3)[0])
    assert rings[0] == [(0, 0), (1, 0), (1, 1)]


def test_points_round_trip_from_a_projected_crs():
    pts = shapely.points([(430000, 6600000), (440000, 6610000)])  # Lambert-93, Deux-Sèvres
    text, _ = encode_geometry(pts, "EPSG:2154", 5)
    got = decode(text)
    from pyproj import Transformer

    x, y = Transformer.from_crs(2154, 4326, always_xy=True).transform([430000, 440000], [6600000, 6610000])
    assert np.allclose(np.array(got), np.column_stack([x, y]), atol=1e-5)


def test_a_dashed_limit_shared_by_two_units_is_written_once():
    """As on the static map: two dashed outlines over one border, out of phase, read as a solid line."""
    import geopandas as gpd

    from territoires.maps.interactive import layer_json
    from territoires.maps.style import Layer, Symbol

    d = gpd.GeoDataFrame({"nom": ["CC Ouest", "CC Est"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326)
    text, _ = layer_json(Layer("Limites des EPCI", d, Symbol("line", "#555555", linewidth=1.0, dash="4 2"), interactive=False), 5)
    g = json.loads(text)["geom"]
    assert g["t"] == "L" and sum(g["m"]) == len(g["r"])  # open lines: the page draws polylines, not closed polygons
    k = 10 ** g["q"]
    pts = np.cumsum(np.array(g["c"]).reshape(-1, 2), axis=0) / k  # every point from the previous one
    parts = np.split(pts, np.cumsum(g["r"])[:-1])
    assert sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in parts) == pytest.approx(7.0)  # 6 outer + the shared 1 once


def test_a_fill_without_outline_gets_a_hairline_of_its_own_opaque_colour():
    """The national choropleth draws no outline: each fill's own colour closes the seams between neighbours.

    Without it the anti-aliased edges of small communes let the white background through and the
    densest areas read lighter than their class. The colours are the translucent fills' over white.
    """
    import geopandas as gpd

    from territoires.maps.interactive import layer_json
    from territoires.maps.style import Layer, Symbol

    squares = gpd.GeoDataFrame({"c": ["a", "b"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326)
    layer = Layer("densite", squares, Symbol("fill", "#000000", linewidth=0.0), by="c", classes={"a": "#000000", "b": "#dee5fd"})
    styles = json.loads(layer_json(layer, 5)[0])["styles"]
    # 0.85 of each colour over white: #000000 -> 0.15 × 255 = 38 (#26); #dee5fd -> e3e9fd
    assert [(s["fillColor"], s["color"]) for s in styles] == [("#262626", "#262626"), ("#e3e9fd", "#e3e9fd")]
    assert all(s["fillOpacity"] == 1 and s["opacity"] == 1 and s["weight"] > 0 and s.get("stroke", True) for s in styles)
    # a fill with an outline keeps its own edge colour and translucency
    outlined = json.loads(layer_json(Layer("x", squares, Symbol("fill", "#000000", edgecolor="#3a3a3a", linewidth=0.5)), 5)[0])["styles"][0]
    assert (outlined["color"], outlined["fillOpacity"]) == ("#3a3a3a", 0.85)
