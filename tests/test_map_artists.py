"""The static maps' layers drawn without GeoPandas' ``plot`` give the same pixels as with it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from territoires.maps.artists import draw_layer, line_segments, polygon_paths
from territoires.maps.style import Layer, Symbol


def _shapes(crs=2154, scale=1000.0):
    """A polygon with a hole, a two-part multipolygon, rings given clockwise and counter-clockwise."""
    hole = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 2, 2))
    multi = shapely.MultiPolygon([shapely.box(5, 0, 6, 1), shapely.Polygon([(7, 0), (7, 2), (9, 1)])])
    cw = shapely.Polygon([(0, 5), (0, 8), (3, 8), (3, 5)])  # clockwise, not normalised
    geoms = [shapely.affinity.scale(g, scale, scale, origin=(0, 0)) for g in (hole, multi, cw)]
    return gpd.GeoDataFrame({"etat": ["a", "b", "c"]}, geometry=geoms, crs=crs)


def _pixels(draw, crs=2154) -> np.ndarray:
    fig = Figure(figsize=(3, 3), dpi=60)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable="box")
    draw(ax)
    scale = 1000.0 if crs == 2154 else 0.1
    ax.set_xlim(-0.5 * scale, 9.5 * scale)
    ax.set_ylim(-0.5 * scale, 8.5 * scale)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_polygon_paths_are_geopandas_patches():
    from geopandas.plotting import _PolygonPatch

    d = _shapes()
    ours = polygon_paths(d.geometry.to_numpy())
    theirs = [_PolygonPatch(g).get_path() for g in d.geometry.normalize()]
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs, strict=True):
        assert np.array_equal(a.vertices, b.vertices)
        assert np.array_equal(a.codes, b.codes)


def test_line_segments_are_the_normalised_parts():
    d = _shapes()
    parts = shapely.get_parts(d.boundary.normalize().to_numpy())
    ours = line_segments(d.boundary.to_numpy())
    assert len(ours) == len(parts) == 5
    for seg, part in zip(ours, parts, strict=True):
        assert np.array_equal(seg, np.asarray(part.coords)[:, :2])


@pytest.mark.parametrize("crs", [2154, 4326])
def test_fills_and_lines_have_geopandas_pixels(crs):
    d = _shapes(crs, 1000.0 if crs == 2154 else 0.1)
    classes = {"a": "#dee5fd", "b": "#f8a39a"}
    fill = Symbol("fill", "#cccccc", edgecolor="#333333", linewidth=0.8, opacity=0.9)
    line = Symbol("line", "#161616", linewidth=1.5, dash="4 2")
    colors = d["etat"].map(classes).fillna(fill.color).to_numpy()

    def ours(ax):
        draw_layer(ax, Layer("Fond", d, fill, by="etat", classes=classes))
        draw_layer(ax, Layer("Limites", d, line))

    def by_geopandas(ax):
        d.plot(ax=ax, color=colors, edgecolor=fill.edgecolor, linewidth=fill.linewidth, alpha=fill.opacity, zorder=1)
        d.boundary.plot(ax=ax, color=line.color, linewidth=line.linewidth, linestyle=(0, (4.0, 2.0)), zorder=3)

    a, b = _pixels(ours, crs), _pixels(by_geopandas, crs)
    assert (a != 255).any()  # something was drawn
    assert np.array_equal(a, b)


def test_empty_layer_draws_nothing():
    fig = Figure()
    ax = fig.add_subplot()
    draw_layer(ax, Layer("Vide", _shapes().iloc[:0], Symbol("fill", "#dee5fd")))
    assert not ax.collections


def _drawn_length(ax) -> float:
    return sum(float(np.hypot(*np.diff(s, axis=0).T).sum()) for c in ax.collections for s in c.get_segments())


def test_a_dashed_limit_shared_by_two_units_is_drawn_once():
    """Two dashed outlines over one border, out of phase, read as a solid line: the legend's dashes are then false."""
    d = gpd.GeoDataFrame({"nom": ["CC Ouest", "CC Est"]}, geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)], crs=2154)
    fig = Figure()
    ax = fig.add_subplot()
    draw_layer(ax, Layer("Limites des EPCI", d, Symbol("line", "#555555", linewidth=1.0, dash="4 2")))
    assert _drawn_length(ax) == pytest.approx(7000.0)  # outer 6 km + the shared 1 km once (not 8 km)
    solid = Figure().add_subplot()
    draw_layer(solid, Layer("Limites cantonales", d, Symbol("line", "#555555", linewidth=1.0)))
    assert _drawn_length(solid) == pytest.approx(8000.0)  # a solid line is the same drawn once or twice: left as GeoPandas draws it
