"""Static maps with matplotlib: PNG (300 dpi), PDF and SVG, A4 or A3.

Layout follows the usual map-making conventions (as R's mapsf composes
title, credits, scale bar and north arrow): title and date on top, the map,
the legend beside or below it (:mod:`~territoires.maps.layout` chooses the
orientation and arrangement from the territory's extent), a scale bar and a
north arrow in the map's emptiest corners, the source lines at the bottom.
A territory spanning several CRS zones gets one panel per zone, each in its
own projected CRS, overseas départements in titled insets with their own
scale bars (:mod:`~territoires.maps.panels`). Names are chosen and placed by
:mod:`~territoires.maps.labels`. Every text from data is drawn as plain text,
never parsed as mathtext. Output is deterministic: the same inputs give the
same SVG, PDF and PNG bytes (no creation date, fixed SVG ids). Layers are
drawn as collections built in one pass (:mod:`~territoires.maps.artists`),
PNG files written from the rendered pixels by :mod:`~territoires.maps.png`.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, Rectangle

from territoires.fileio import atomic_path
from territoires.maps import labels as L
from territoires.maps import layout
from territoires.maps import style as S
from territoires.maps.artists import dash, draw_layer
from territoires.maps.layout import Box
from territoires.maps.panels import in_panel
from territoires.maps.png import write_png
from territoires.maps.style import Layer, MapSpec, Panel, Symbol

__all__ = ["RC", "figure", "north_arrow", "render_static", "scale_bar"]

RC = {
    "svg.fonttype": "none",  # keep text as text in SVG (searchable, testable)
    "svg.hashsalt": "territoires",  # deterministic SVG ids
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",
}


def _handle(symbol: Symbol):
    if symbol.kind == "point":
        return Line2D([], [], linestyle="none", marker="o", markersize=symbol.size * 0.8,
                      markerfacecolor="none" if symbol.hollow else symbol.color,
                      markeredgecolor=symbol.edgecolor, markeredgewidth=symbol.linewidth)
    if symbol.kind == "line":
        return Line2D([], [], color=symbol.color, linewidth=max(symbol.linewidth, 0.6) * 1.2, linestyle=dash(symbol))
    return Patch(facecolor=symbol.color, edgecolor=symbol.edgecolor, linewidth=0.5, alpha=symbol.opacity)


def _nice_length(width_m: float) -> float:
    target = width_m / 5
    exp = 10 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * exp <= target:
            return m * exp
    return exp


def scale_bar(ax, corner: str = "bl") -> tuple[float, float, float, float]:
    """Draw a metric scale bar (projected CRS in metres) in ``corner`` of ``ax``; return its display box.

    A small panel (an inset) gets a bar a third of its width, labelled once.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    small = ax.get_window_extent().width / ax.figure.dpi < 2.6
    length = _nice_length((x1 - x0) * (5 / 3 if small else 1))
    h = (y1 - y0) * (0.012 if small else 0.008)
    mx, my = (x1 - x0) * 0.05, (y1 - y0) * 0.04
    bx = x0 + mx if corner[1] == "l" else x1 - mx - length
    by = y0 + my if corner[0] == "b" else y1 - my - 5 * h
    ax.add_patch(Polygon([[bx, by], [bx + length / 2, by], [bx + length / 2, by + h], [bx, by + h]], closed=True, facecolor="#161616", zorder=8))
    ax.add_patch(Polygon([[bx + length / 2, by], [bx + length, by], [bx + length, by + h], [bx + length / 2, by + h]], closed=True, facecolor="white", edgecolor="#161616", linewidth=0.6, zorder=8))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    if small:
        ax.text(bx + length / 2, by + 1.8 * h, label, fontsize=6, ha="center", zorder=8, gid="territoires-scale")
    else:
        ax.text(bx, by + 2.2 * h, "0", fontsize=7, ha="center", zorder=8)
        ax.text(bx + length, by + 2.2 * h, label, fontsize=7, ha="center", zorder=8, gid="territoires-scale")
    ax.scale_length = length
    (a, b), (c, d) = ax.transData.transform([[bx - 0.05 * length, by - h], [bx + length * 1.12, by + 5 * h]])
    return (a, b, c, d)


def north_arrow(ax, corner: str = "tr") -> tuple[float, float, float, float]:
    """A north arrow in ``corner`` of the map (projected CRS: north is up); return its display box."""
    x = 0.95 if corner[1] == "r" else 0.05
    y = 0.86 if corner[0] == "t" else 0.04
    ax.annotate("", xy=(x, y + 0.06), xytext=(x, y), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>", "color": "#161616", "lw": 1.5, "mutation_scale": 14}, zorder=8)
    ax.text(x, y + 0.075, "N", transform=ax.transAxes, ha="center", va="bottom", fontsize=10, fontweight="bold", zorder=8)
    (a, b), (c, d) = ax.transAxes.transform([[x - 0.03, y - 0.01], [x + 0.03, y + 0.13]])
    return (a, b, c, d)


def _panel_layers(spec: MapSpec, panel: Panel | None) -> list[tuple[Layer, object]]:
    """``(layer, data in the panel's CRS)`` for the layers shown."""
    shown = [lyr for lyr in spec.layers if lyr.show]
    if panel is None:
        return [(lyr, lyr.data) for lyr in shown]
    return [(lyr, in_panel(lyr.data, panel)) for lyr in shown]


def _extent(pairs) -> tuple[float, float, float, float] | None:
    bounds = [d.total_bounds for lyr, d in pairs if d is not None and len(d) and lyr.symbol.kind != "point"]
    if not bounds:
        bounds = [d.total_bounds for _, d in pairs if d is not None and len(d)]
    if not bounds:
        return None
    b = np.array(bounds)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _corner_boxes(ax, frac=(0.3, 0.12)):
    """The four corners of ``ax`` in data units: bottom-left, bottom-right, top-left, top-right."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = (x1 - x0) * frac[0], (y1 - y0) * frac[1]
    return {"bl": (x0, y0, x0 + w, y0 + h), "br": (x1 - w, y0, x1, y0 + h), "tl": (x0, y1 - h, x0 + w, y1), "tr": (x1 - w, y1 - h, x1, y1)}


def _emptiest(ax, pairs) -> list[str]:
    """Corners ordered from the emptiest (least territory drawn) to the fullest; ties in a fixed order."""
    geoms = np.concatenate([d.geometry.to_numpy() for lyr, d in pairs if d is not None and len(d) and lyr.symbol.kind == "fill"] or
                           [d.geometry.to_numpy() for lyr, d in pairs if d is not None and len(d) and lyr.symbol.kind == "line"][-1:] or [np.array([])])
    geoms = shapely.polygons(shapely.get_exterior_ring(shapely.get_parts(geoms))) if len(geoms) else geoms
    cost = {}
    for k, (a, b, c, d) in _corner_boxes(ax).items():
        cost[k] = float(shapely.area(shapely.intersection(geoms, shapely.box(a, b, c, d))).sum()) if len(geoms) else 0.0
    return sorted(cost, key=lambda k: (round(cost[k], 3), ["bl", "br", "tr", "tl"].index(k)))


def _draw_labels(ax, pairs, reserved: list) -> list:
    """Choose and write the panel's names (see :mod:`~territoires.maps.labels`); return the placements."""
    ax.apply_aspect()
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72
    markers = []
    for lyr, d in pairs:
        if lyr.symbol.kind == "point" and d is not None and len(d):
            r = (lyr.symbol.size / 2 + lyr.symbol.linewidth / 2) * px
            xy = ax.transData.transform(shapely.get_coordinates(d.geometry.to_numpy()))
            markers += [(x - r, y - r, x + r, y + r) for x, y in xy]
    wanted = L.collect([Layer(lyr.name, d, lyr.symbol, label=lyr.label, keep=lyr.keep) for lyr, d in pairs if d is not None],
                       lambda lyr: (lyr.symbol.size / 2 + lyr.symbol.linewidth / 2) * px if lyr.symbol.kind == "point" else 0.0)
    if not wanted:
        return []
    pad = 0.12 * L.FONT_SIZE * px
    probe = ax.text(0, 0, "", fontsize=L.FONT_SIZE, parse_math=False)
    sizes: dict = {}

    def size_of(lb):
        key = (lb.text, lb.kind, lb.keep)
        if key not in sizes:
            probe.set_text(lb.text)
            probe.set_style("italic" if lb.kind == "area" else "normal")
            probe.set_fontweight("bold" if lb.keep else "normal")
            bb = probe.get_window_extent(renderer)
            sizes[key] = (bb.width + 2 * pad, bb.height + 2 * pad)
        return sizes[key]

    bb = ax.get_window_extent(renderer)
    inv = ax.transData.inverted()
    placements = L.place(wanted, ax.transData.transform, size_of, obstacles=markers + reserved,
                         frame=(bb.x0, bb.y0, bb.x1, bb.y1), from_display=inv.transform)
    probe.remove()
    box = {"boxstyle": f"square,pad={0.12}", "fc": "white", "ec": "none", "alpha": 0.8}
    for p in placements:
        (x, y), = inv.transform([p.center])
        area = p.label.kind == "area"  # unit names in italics, towns upright; the map's answer in bold
        ax.text(x, y, p.label.text, ha="center", va="center", fontsize=L.FONT_SIZE, color=S.BLEU_ECUME if area else S.GRIS_TEXTE,
                style="italic" if area else "normal", fontweight="bold" if p.label.keep else "normal",
                bbox=box, zorder=7, parse_math=False, gid="territoires-label")
        if p.leader:  # from the marker to the nearest point of the name's box, not through other names to its centre
            (mx, my), = ax.transData.transform([(p.label.x, p.label.y)])
            (ex, ey), = inv.transform([(min(max(mx, p.box[0]), p.box[2]), min(max(my, p.box[1]), p.box[3]))])
            ax.plot([p.label.x, ex], [p.label.y, ey], color=S.GRIS_TEXTE, linewidth=0.4, zorder=6)
    ax.figure.__dict__.setdefault("_territoires_labels", []).append((ax, placements, markers))
    return placements


def _printed_credit(spec: MapSpec) -> str:
    """``spec.credit`` without the lines of layers off at opening: the page neither draws nor lists them."""
    hidden = tuple(f"{lyr.name} : " for lyr in spec.layers if not lyr.show)
    return "\n".join(line for line in spec.credit.split("\n") if not (hidden and line.startswith(hidden)))


def _legend_parts(spec: MapSpec):
    hidden = {lyr.name for lyr in spec.layers if not lyr.show}
    handles, labels, headers, group = [], [], [], None
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
    return handles, labels, headers


def _legend(fig, spec: MapSpec, anchor=(0.0, 1.0), width_in: float = 3.0):
    """Legend and notes, top-left corner at ``anchor`` (figure fraction); return their size in inches."""
    handles, labels, headers = _legend_parts(spec)
    leg = fig.legend(handles, labels, loc="upper left", bbox_to_anchor=anchor, frameon=False, fontsize=8.5,
                     handlelength=2.2, borderaxespad=0, labelspacing=0.6)
    for i, t in enumerate(leg.get_texts()):
        t.set_parse_math(False)
        if i in headers:
            t.set_fontweight("bold")
            t.set_color(S.BLEU_FRANCE)
    r = fig.canvas.get_renderer()
    bb = leg.get_window_extent(r)
    w, h = bb.width / fig.dpi, bb.height / fig.dpi
    fw, fh = fig.get_size_inches()
    y = anchor[1] * fh - h - 0.12
    width = max(w, width_in)
    for note in spec.notes:
        text = "\n".join(_wrap(note, max(int(width * 72 / (7 * 0.55)), 20)))
        t = fig.text(anchor[0], y / fh, text, fontsize=7, color=S.GRIS_TEXTE, va="top", parse_math=False)
        nh = t.get_window_extent(r).height / fig.dpi
        y -= nh + 0.08
    return width, anchor[1] * fh - y


def _measure(spec: MapSpec, width_in: float) -> tuple[float, float]:
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(20, 20))
        FigureCanvasAgg(fig)
        return _legend(fig, spec, (0, 1), width_in)


_GLUE = "\x1f"  # a space no line may break at, while wrapping


def _wrap(text: str, n: int) -> list[str]:
    """Lines of at most ``n`` characters, broken as French text is: never before « : », « ; », « ? », « ! », « » »
    nor after « « », never inside a hyphenated name (« Sauzé-Vaussais »)."""
    for mark in ":;?!»":
        text = text.replace(" " + mark, _GLUE + mark)
    text = text.replace("« ", "«" + _GLUE)
    return [line.replace(_GLUE, " ") for line in textwrap.wrap(text, n, break_on_hyphens=False)]


def _wrap_lines(text: str, width_in: float, fontsize: float) -> str:
    n = max(int(width_in * 72 / (fontsize * 0.53)), 30)
    return "\n".join(line for para in text.split("\n") for line in (_wrap(para, n) or [""]))


def _frame(ax, ext, margin=0.03) -> None:
    x0, y0, x1, y1 = ext
    mx, my = max((x1 - x0) * margin, 1.0), max((y1 - y0) * margin, 1.0)
    ax.set_xlim(x0 - mx, x1 + mx)
    ax.set_ylim(y0 - my, y1 + my)
    ax.apply_aspect()


def _draw_panel(fig, box: Box, page, pairs, ext, spec, north: bool, title: str | None) -> None:
    ax = fig.add_axes(box.fraction(page))
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable="box")
    ax.set_anchor("C")
    for lyr, d in pairs:
        draw_layer(ax, Layer(lyr.name, d, lyr.symbol, by=lyr.by, classes=lyr.classes))
    _frame(ax, ext)
    corners = _emptiest(ax, pairs)
    reserved = []
    if spec.crs and ("4326" not in str(spec.crs) or spec.panels):
        reserved.append(scale_bar(ax, corners[0]))
    if north:
        reserved.append(north_arrow(ax, corners[1] if len(corners) > 1 else "tr"))
    if title:
        pos = ax.get_position()
        fig.text(pos.x0, pos.y1 + 0.04 / page[1], title, fontsize=8.5, fontweight="bold",
                 color=S.BLEU_FRANCE, va="bottom", parse_math=False, gid="territoires-inset-title")
        fig.patches.append(Rectangle((pos.x0, pos.y0), pos.width, pos.height, transform=fig.transFigure,
                                     fill=False, edgecolor=S.GRIS_LIMITE, linewidth=0.6))
    _draw_labels(ax, pairs, reserved)


def figure(spec: MapSpec, page: str = "A4", orientation: str | None = None) -> Figure:
    """Build the matplotlib figure of ``spec`` (not saved) on an A4 or A3 ``page``.

    The orientation (``"portrait"``, ``"paysage"``) is chosen from the
    territory's extent unless given; see :mod:`~territoires.maps.layout`.
    The figure is made without pyplot: no global backend is chosen.

    Examples
    --------
    >>> from territoires.maps.style import demo_spec
    >>> spec = demo_spec(tall=True)
    >>> [round(float(v), 2) for v in figure(spec).get_size_inches()]  # a tall territory: portrait
    [8.27, 11.69]
    >>> [round(float(v), 2) for v in figure(spec, page="A3", orientation="paysage").get_size_inches()]
    [16.54, 11.69]
    """
    panels = spec.panels or [None]
    per_panel = [_panel_layers(spec, p) for p in panels]
    extents = [_extent(pairs) for pairs in per_panel]
    keep = [i for i, e in enumerate(extents) if e is not None]
    if not keep:
        keep, extents = [0], [(0.0, 0.0, 1.0, 1.0)]
    main_i, inset_i = keep[0], keep[1:]
    size = lambda e: (e[2] - e[0], e[3] - e[1])  # noqa: E731
    lw, lh = _measure(spec, 2.6)
    pw = min(layout.PAGES[page])
    credit = _wrap_lines(_printed_credit(spec), pw - 2 * layout.MARGIN, 6.5)
    bottom = 0.14 * (credit.count("\n") + 1) + 0.05
    # wrapped here, not by matplotlib: its wrapping measures text as mathtext (a "$" in a name breaks it)
    title = _wrap_lines(spec.title, pw - 2 * layout.MARGIN, 15 * 1.12)
    subtitle = _wrap_lines(spec.subtitle, pw - 2 * layout.MARGIN, 10.5 * 1.1)
    n_title, n_sub = title.count("\n") + 1, subtitle.count("\n") + 1
    top = 0.75 + 0.27 * (n_title - 1) + 0.19 * (n_sub - 1)
    lay = layout.choose(size(extents[main_i]), (lw, lh), top=top, bottom=bottom,
                        insets=[size(extents[i]) for i in inset_i], page=page, orientation=orientation)
    if lay.page[0] > pw:  # landscape: the credit may use the longer width
        credit = _wrap_lines(_printed_credit(spec), lay.page[0] - 2 * layout.MARGIN, 6.5)
    W, H = lay.page
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=lay.page)  # no pyplot: no global backend chosen, nothing to close
        FigureCanvasAgg(fig)  # a canvas to measure names and to save
        _draw_panel(fig, lay.main, lay.page, per_panel[main_i], extents[main_i], spec, north=True,
                    title=panels[main_i].name if len(keep) > 1 else None)
        for box, i in zip(lay.insets, inset_i, strict=True):
            _draw_panel(fig, box, lay.page, per_panel[i], extents[i], spec, north=False, title=panels[i].name)
        fig.text(layout.MARGIN / W, 1 - layout.MARGIN / H, title, fontsize=15, fontweight="bold",
                 color=S.BLEU_FRANCE, va="top", parse_math=False)
        fig.text(layout.MARGIN / W, 1 - (layout.MARGIN + 0.38 + 0.27 * (n_title - 1)) / H, subtitle, fontsize=10.5,
                 color=S.GRIS_TEXTE, va="top", parse_math=False)
        _legend(fig, spec, (lay.legend.x / W, (lay.legend.y + lay.legend.h) / H), lay.legend.w)
        fig.text(layout.MARGIN / W, layout.MARGIN / H, credit, fontsize=6.5, color=S.GRIS_TEXTE, va="bottom",
                 parse_math=False, linespacing=1.3)
        fig._territoires_layout = lay
    return fig


def render_static(spec: MapSpec, path: str | Path, dpi: int = 300, page: str = "A4", orientation: str | None = None) -> Path:
    """Write ``spec`` to ``path`` (PNG, PDF or SVG by suffix) on an A4 or A3 page, atomically and deterministically.

    Examples
    --------
    >>> from territoires.maps.style import demo_spec
    >>> spec = demo_spec(tall=True)
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
        fig = figure(spec, page=page, orientation=orientation)
        if fmt == "png":  # the rendered pixels, deflated by maps/png.py (Pillow filters every row: 4× slower)
            pixels = _Pixels()
            fig.savefig(pixels, format="rgba", dpi=dpi)
            return write_png(path, pixels.rgba, dpi)  # atomic
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=72, metadata=metadata)
    return path


class _Pixels:
    """A file for ``savefig(format="rgba")`` that keeps the renderer's ``(height, width, 4)`` buffer, uncopied."""

    rgba = None

    def write(self, data) -> None:
        self.rgba = np.asarray(data)

    def seek(self, *args) -> None:  # savefig wants a file handle (something with seek)
        raise OSError("not seekable")
