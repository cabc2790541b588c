"""Static maps with matplotlib: PNG (300 dpi), PDF and SVG, A4 landscape.

Layout follows the usual map-making conventions (as R's mapsf composes
title, credits, scale bar and north arrow): title and date on top, the map,
a legend panel on the right, a scale bar and a north arrow on the map, the
source line at the bottom. Output is deterministic: the same inputs give
the same SVG and PDF bytes (no creation date, fixed SVG ids).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from territoires.fileio import atomic_path
from territoires.maps import style as S
from territoires.maps.style import Layer, MapSpec, Symbol

__all__ = ["A4_LANDSCAPE", "RC", "figure", "north_arrow", "png_bytes", "render_static", "scale_bar"]

A4_LANDSCAPE = (11.69, 8.27)
RC = {
    "svg.fonttype": "none",  # keep text as text in SVG (searchable, testable)
    "svg.hashsalt": "territoires",  # deterministic SVG ids
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",
}


def _dash(symbol: Symbol):
    if not symbol.dash:
        return "solid"
    parts = [float(x) for x in symbol.dash.split()]
    return (0, tuple(parts))


def _handle(symbol: Symbol):
    if symbol.kind == "point":
        return Line2D([], [], linestyle="none", marker="o", markersize=symbol.size * 0.8,
                      markerfacecolor="none" if symbol.hollow else symbol.color,
                      markeredgecolor=symbol.edgecolor, markeredgewidth=symbol.linewidth)
    if symbol.kind == "line":
        return Line2D([], [], color=symbol.color, linewidth=max(symbol.linewidth, 0.6) * 1.2, linestyle=_dash(symbol))
    return Patch(facecolor=symbol.color, edgecolor=symbol.edgecolor, linewidth=0.5, alpha=symbol.opacity)


def _draw_layer(ax, layer: Layer) -> None:
    data = layer.data
    if data is None or data.empty:
        return
    data = data[data.geometry.notna() & ~data.geometry.is_empty]
    sym = layer.symbol
    if sym.kind == "point":
        xy = shapely.get_coordinates(data.geometry.to_numpy())
        ax.scatter(xy[:, 0], xy[:, 1], s=sym.size**2, marker="o",
                   facecolors="none" if sym.hollow else sym.color, edgecolors=sym.edgecolor,
                   linewidths=sym.linewidth, zorder=5, label=layer.name)
        return
    if sym.kind == "line":
        data.boundary.plot(ax=ax, color=sym.color, linewidth=sym.linewidth, linestyle=_dash(sym), zorder=3)
        return
    if layer.by and layer.classes:
        colors = data[layer.by].map(layer.classes).fillna(sym.color).to_numpy()
    else:
        colors = sym.color
    data.plot(ax=ax, color=colors, edgecolor=sym.edgecolor, linewidth=sym.linewidth, alpha=sym.opacity, zorder=1)


def _labels(ax, layer: Layer, placed: list) -> None:
    """Write the layer's names; a name that would overlap one already written is left out.

    Names are placed by decreasing population (or area), so the larger
    places keep theirs (Niort before the cantons around it).
    """
    data = layer.data[layer.data.geometry.notna()]
    if layer.label is None or data.empty:
        return
    if "population" in data:
        order = pd.to_numeric(data["population"], errors="coerce").fillna(0).to_numpy()
    else:
        order = data.geometry.area.to_numpy()
    data = data.iloc[np.argsort(-order, kind="stable")]
    pts = data.geometry.representative_point()
    # A light box rather than a stroked halo: path effects would turn the text
    # into outlines in SVG and PDF, where it must stay searchable text.
    box = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.75}
    renderer = ax.figure.canvas.get_renderer()
    for p, text in zip(pts, data[layer.label].astype(str), strict=True):
        t = ax.annotate(text, (p.x, p.y), ha="center", va="center", fontsize=6.5, color=S.GRIS_TEXTE, bbox=box, zorder=4)
        bb = t.get_window_extent(renderer).expanded(1.05, 1.15)
        if any(bb.overlaps(other) for other in placed):
            t.remove()
        else:
            placed.append(bb)


def _nice_length(width_m: float) -> float:
    target = width_m / 5
    exp = 10 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * exp <= target:
            return m * exp
    return exp


def scale_bar(ax) -> float:
    """Draw a scale bar (projected CRS in metres) at the map's bottom left; return its length (m)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.008
    ax.add_patch(Polygon([[bx, by], [bx + length / 2, by], [bx + length / 2, by + h], [bx, by + h]], closed=True, facecolor="#161616", zorder=8))
    ax.add_patch(Polygon([[bx + length / 2, by], [bx + length, by], [bx + length, by + h], [bx + length / 2, by + h]], closed=True, facecolor="white", edgecolor="#161616", linewidth=0.6, zorder=8))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx, by + 2.2 * h, "0", fontsize=7, ha="center", zorder=8)
    ax.text(bx + length, by + 2.2 * h, label, fontsize=7, ha="center", zorder=8)
    return length


def north_arrow(ax) -> None:
    """A north arrow in the map's top right corner (Lambert-93 north is up)."""
    x, y = 0.95, 0.9
    ax.annotate("", xy=(x, y + 0.06), xytext=(x, y), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>", "color": "#161616", "lw": 1.5, "mutation_scale": 14}, zorder=8)
    ax.text(x, y + 0.075, "N", transform=ax.transAxes, ha="center", va="bottom", fontsize=10, fontweight="bold", zorder=8)


def figure(spec: MapSpec, size: tuple[float, float] = A4_LANDSCAPE) -> Figure:
    """Build the :class:`matplotlib.figure.Figure` of ``spec`` (not saved); ``size`` in inches.

    The figure is made without pyplot: no global backend is chosen or
    changed (a notebook keeps its inline backend) and nothing needs closing.

    Examples
    --------
    >>> from datetime import date
    >>> import geopandas as gpd, shapely
    >>> from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol
    >>> fill = Symbol("fill", "#dee5fd")
    >>> square = gpd.GeoDataFrame({"nom": ["A"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=2154)
    >>> spec = MapSpec("demo", "Démo", "Un carré", [Layer("Carré", square, fill)],
    ...                [LegendEntry("Carré", fill, "Carré")], "aucune", date(2021, 9, 14), "EPSG:2154", "0.1")
    >>> fig = figure(spec)
    >>> [round(float(v), 2) for v in fig.get_size_inches()]
    [11.69, 8.27]
    """
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=size)
        FigureCanvasAgg(fig)  # a canvas to measure label extents and to save
        ax = fig.add_axes((0.02, 0.07, 0.68, 0.80))
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.set_anchor("E")
        shown = [lyr for lyr in spec.layers if lyr.show]
        hidden = {lyr.name for lyr in spec.layers if not lyr.show}
        for layer in shown:
            _draw_layer(ax, layer)
        # frame the territory with a small margin
        bounds = [lyr.data.total_bounds for lyr in spec.layers if len(lyr.data) and lyr.symbol.kind != "point"]
        if bounds:
            b = np.array(bounds)
            x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
            mx, my = (x1 - x0) * 0.03, (y1 - y0) * 0.03
            ax.set_xlim(x0 - mx, x1 + mx)
            ax.set_ylim(y0 - my, y1 + my)
        ax.apply_aspect()  # final position, so label extents are measured where they will be drawn
        placed: list = []
        for layer in shown:
            if layer.label and layer.symbol.kind in ("line", "fill"):
                _labels(ax, layer, placed)
        if spec.crs and "4326" not in str(spec.crs):
            scale_bar(ax)
        north_arrow(ax)
        fig.text(0.02, 0.955, spec.title, fontsize=15, fontweight="bold", color=S.BLEU_FRANCE, va="top")
        fig.text(0.02, 0.912, spec.subtitle, fontsize=10.5, color=S.GRIS_TEXTE, va="top")
        # legend panel, grouped
        handles, labels, headers = [], [], []
        group = None
        for e in spec.legend:
            if e.layer in hidden:
                continue
            if e.group != group:
                group = e.group
                handles.append(Line2D([], [], linestyle="none"))
                labels.append(group)
                headers.append(len(labels) - 1)
            handles.append(_handle(e.symbol))
            labels.append(e.label)
        leg = fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.715, 0.87), frameon=False, fontsize=8.5,
                         handlelength=2.2, borderaxespad=0, labelspacing=0.7)
        for i, t in enumerate(leg.get_texts()):
            if i in headers:
                t.set_fontweight("bold")
                t.set_color(S.BLEU_FRANCE)
        y = 0.2
        for note in spec.notes:
            fig.text(0.715, y, note, fontsize=7, color=S.GRIS_TEXTE, wrap=True, va="top")
            y -= 0.045
        fig.text(0.02, 0.025, spec.credit, fontsize=7, color=S.GRIS_TEXTE)
    return fig


def render_static(spec: MapSpec, path: str | Path, dpi: int = 300) -> Path:
    """Write ``spec`` to ``path`` (PNG, PDF or SVG by suffix), atomically and deterministically.

    Examples
    --------
    >>> from datetime import date
    >>> import geopandas as gpd, shapely
    >>> from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol
    >>> fill = Symbol("fill", "#dee5fd")
    >>> square = gpd.GeoDataFrame({"nom": ["A"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=2154)
    >>> spec = MapSpec("demo", "Démo", "Un carré", [Layer("Carré", square, fill)],
    ...                [LegendEntry("Carré", fill, "Carré")], "aucune", date(2021, 9, 14), "EPSG:2154", "0.1")
    >>> import tempfile, pathlib
    >>> out = render_static(spec, pathlib.Path(tempfile.mkdtemp()) / "demo.png", dpi=20)
    >>> out.name, out.read_bytes()[:4]
    ('demo.png', b'\\x89PNG')
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    metadata = {
        "png": {"Software": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": f"territoires {spec.version}", "Title": spec.title},
        "svg": {"Date": None, "Creator": f"territoires {spec.version}", "Title": spec.title},
    }.get(fmt)
    if metadata is None:
        raise ValueError(f"unknown static format {fmt!r}: use png, pdf or svg")
    with matplotlib.rc_context(RC):
        fig = figure(spec)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi if fmt == "png" else 72, metadata=metadata)
    return path


def png_bytes(spec: MapSpec, dpi: int = 100) -> bytes:
    """The PNG of ``spec`` in memory (notebook display)."""
    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        figure(spec).savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
