"""Interactive maps: one self-contained Leaflet page, its data written in one pass.

How a :class:`MapSpec` becomes a page:

- **data as arrays, not objects**: every layer's geometry goes through
  ``shapely.to_ragged_array`` once, is projected to WGS 84, quantised to
  ``decimals`` (5 ≈ 1 m, 3 ≈ 100 m) and delta-encoded per ring; properties
  are written column by column. One ``json.dumps`` per layer, no Python
  object per feature. The page's script (``assets/territoires-map.js``)
  decodes the arrays into Leaflet paths; layers of more than
  :data:`CANVAS_FROM` features are drawn on a canvas, smaller ones as SVG.
- **names as one layer of data**: the names written on a map are a list of
  points with their rank, the zoom from which each is shown and its offset
  per zoom (chosen as on the static map, :mod:`territoires.maps.webviews`);
  the client shows more of them as the user zooms in (no Python object per
  name). Without placements it writes, by rank, the names that fit in view;
- **offline by default**: no basemap (an optional one with ``basemap=``), and
  a *self-contained* mode that inlines Leaflet's JavaScript and CSS from the
  ``xstatic-leaflet`` package (a registry package); nothing else is loaded;
- **deterministic**: same map, same bytes (no random ids);
- **a legend that follows the layer switcher**, a title box and tooltips /
  popups, all built with ``textContent``: text from data is never parsed as
  HTML; in the page's JSON ``<`` is written ``\\u003c``, so no text can close
  the ``<script>`` element.
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from territoires import settings
from territoires.fileio import write_text
from territoires.maps.geometry import limits_once
from territoires.maps.style import Layer, MapSpec, Symbol
from territoires.maps.webviews import views
from territoires.territory.transforms import transformer

__all__ = [
    "CANVAS_FROM", "LEAFLET_CDN_CSS", "LEAFLET_CDN_JS", "MAX_LABELS", "encode_geometry", "label_layer_name", "labels_json",
    "layer_json", "leaflet_assets", "page_data", "render_html", "to_html",
]

LEAFLET_CDN_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CDN_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
ASSETS = Path(__file__).resolve().parent / "assets"
#: Layers with more features than this are drawn on a canvas (SVG below: one DOM path per feature).
CANVAS_FROM = 3000
#: Names written at most at once (the client picks by priority among those in view).
MAX_LABELS = 80


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS (images inlined as data URIs) from ``xstatic-leaflet``."""
    try:
        import xstatic.pkg.leaflet as xl
    except ImportError as exc:  # pragma: no cover - dependency
        from territoires.errors import TerritoiresError

        raise TerritoiresError("self-contained maps need the xstatic-leaflet package (pip install xstatic-leaflet)") from exc
    base = Path(xl.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(m):
        p = base / "images" / m.group(1)
        if not p.exists():
            return m.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()})"

    return js, re.sub(r"url\(images/([\w\-.]+)\)", inline, css)


def _json(obj) -> str:
    """Compact JSON safe inside a ``<script>`` element (``<`` → ``\\u003c``)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


@cache
def _to_web(crs: str) -> Transformer | None:
    """The transformer to WGS 84 (None when ``crs`` is already WGS 84)."""
    if CRS.from_user_input(crs) == CRS.from_user_input(settings.WEB_CRS):
        return None
    return transformer(crs, settings.WEB_CRS)


def _ints(a: np.ndarray) -> str:
    return json.dumps(a.tolist(), separators=(",", ":"))  # C encoder: faster than str() per int


def encode_geometry(geoms: np.ndarray, crs, decimals: int) -> tuple[str, np.ndarray]:
    """Quantised, delta-encoded arrays of ``geoms`` (no missing or empty ones) as JSON text.

    Returns the JSON object text and the WGS 84 bounds ``minx, miny, maxx, maxy``.
    Points: ``{"t":"P","c":[x0,y0,dx,dy,...]}`` (deltas from the previous point);
    lines: ``{"t":"L","c":[...],"r":[points per line],"m":[lines per feature]}``
    (deltas from the previous point);
    polygons: ``{"t":"A","c":[...],"r":[points per ring],"p":[rings per polygon],
    "m":[polygons per feature]}`` with coordinates as deltas within each ring
    (first point from the previous ring's first one), the closing point
    dropped and repeated points removed once quantised. ``"q"`` is the
    quantisation step (``10**-decimals`` degree).
    """
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    tr = _to_web(crs.to_string() if hasattr(crs, "to_string") else str(crs))
    x, y = tr.transform(coords[:, 0], coords[:, 1]) if tr is not None else (coords[:, 0], coords[:, 1])
    bounds = np.array([x.min(), y.min(), x.max(), y.max()]) if len(x) else None
    q = np.column_stack([np.round(np.asarray(x) * 10**decimals), np.round(np.asarray(y) * 10**decimals)]).astype(np.int64)
    head = f'{{"q":{decimals}'
    if kind == shapely.GeometryType.POINT:
        d = q.copy()
        d[1:] -= q[:-1]
        return f'{head},"t":"P","c":{_ints(d.ravel())}}}', bounds
    if kind in (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING):
        multi = np.ones(len(offsets[0]) - 1, dtype=np.int64) if kind == shapely.GeometryType.LINESTRING else np.diff(offsets[1])
        d = q.copy()
        d[1:] -= q[:-1]
        return f'{head},"t":"L","c":{_ints(d.ravel())},"r":{_ints(np.diff(offsets[0]))},"m":{_ints(multi)}}}', bounds
    if kind == shapely.GeometryType.POLYGON:  # one polygon per feature
        ring_off, poly_off = offsets
        multi = np.ones(len(poly_off) - 1, dtype=np.int64)
    elif kind == shapely.GeometryType.MULTIPOLYGON:
        ring_off, poly_off, multi_off = offsets
        multi = np.diff(multi_off)
    else:
        raise ValueError(f"interactive layers hold points, lines or polygons, not {kind.name}")
    ring_len = np.diff(ring_off)
    ring_id = np.repeat(np.arange(len(ring_len)), ring_len)
    pos = np.arange(len(q)) - np.repeat(ring_off[:-1], ring_len)
    keep = pos < np.repeat(ring_len - 1, ring_len)  # drop each ring's closing point
    same = np.zeros(len(q), dtype=bool)
    same[1:] = (q[1:] == q[:-1]).all(axis=1) & (ring_id[1:] == ring_id[:-1])
    keep &= ~same | (pos == 0)
    q, ring_id = q[keep], ring_id[keep]
    new_len = np.bincount(ring_id, minlength=len(ring_len))
    d = q.copy()
    d[1:] -= q[:-1]
    starts = np.concatenate([[0], np.cumsum(new_len)[:-1]])
    starts = starts[new_len > 0]
    d[starts[1:]] = q[starts[1:]] - q[starts[:-1]]  # each ring starts from the previous ring's start
    rings = np.diff(poly_off)
    return (f'{head},"t":"A","c":{_ints(d.ravel())},"r":{_ints(new_len)},"p":{_ints(rings)},"m":{_ints(multi)}}}', bounds)


#: Width (CSS pixels) of the outline in a fill's own colour drawn around each polygon of a layer without outline.
HAIRLINE = 0.6


def _over_white(color: str, alpha: float) -> str:
    """``color`` (``#rrggbb``) at opacity ``alpha`` over white, as one opaque ``#rrggbb``."""
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(alpha * c + (1 - alpha) * 255):02x}" for c in rgb)


def _style(symbol: Symbol, fill: str | None = None) -> dict:
    if symbol.kind == "line":
        s = {"color": symbol.color, "weight": max(symbol.linewidth * 1.6, 0.6), "fill": False, "opacity": 1}
        if symbol.dash:
            s["dashArray"] = symbol.dash.replace(" ", ",")
        return s
    if symbol.kind == "fill":
        s = {"fillColor": fill or symbol.color, "color": symbol.edgecolor, "weight": max(symbol.linewidth, 0.3), "fillOpacity": symbol.opacity * 0.85}
        if symbol.linewidth <= 0:
            # no outline (national choropleth): a hairline of the fill's own colour closes the anti-aliasing seams
            # between neighbours, which left small communes' fills lighter; both opaque, the colour blended over the
            # white map background as the translucent fill was, so the classes look the same
            c = _over_white(fill or symbol.color, s["fillOpacity"])
            s.update(fillColor=c, color=c, weight=HAIRLINE, opacity=1, fillOpacity=1)
        return s
    return {
        "radius": symbol.size * 0.6,
        "fillColor": "#ffffff" if symbol.hollow else symbol.color,
        "color": symbol.edgecolor,
        "weight": symbol.linewidth * 1.5 if symbol.hollow else max(symbol.linewidth, 1),
        "fill": True, "fillOpacity": 1, "opacity": 1,
    }


def _text_column(s: pd.Series) -> list[str]:
    return s.astype(object).where(s.notna(), "").astype(str).tolist()


def _present(layer: Layer):
    data = layer.data
    geoms = data.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return data[ok], geoms[ok]


def layer_json(layer: Layer, decimals: int) -> tuple[str, np.ndarray | None]:
    """One layer of the page: geometry arrays, properties by column, styles, interactions."""
    data, geoms = _present(layer)
    if layer.symbol.kind == "line" and layer.symbol.dash and not layer.interactive and len(geoms):
        geoms = limits_once(shapely.boundary(geoms))  # open lines: a dashed border shared by two units drawn once
    fields = list(dict.fromkeys(c for c, _ in layer.tooltip + layer.popup if c in data.columns)) if layer.interactive else []
    meta = {
        "name": layer.name, "kind": layer.symbol.kind, "show": layer.show, "interactive": layer.interactive,
        "canvas": len(data) > CANVAS_FROM, "fields": fields,
        "props": [_text_column(data[c]) for c in fields],
        "tooltip": [[c, a] for c, a in layer.tooltip if c in fields],
        "popup": [[c, a] for c, a in layer.popup if c in fields],
    }
    if layer.by and layer.classes:
        index = {k: i for i, k in enumerate(layer.classes)}
        meta["styles"] = [_style(layer.symbol, c) for c in layer.classes.values()]
        meta["s"] = data[layer.by].astype(str).map(index).fillna(0).astype(int).tolist()
    else:
        meta["styles"] = [_style(layer.symbol)]
    if not len(geoms):
        return _json(meta)[:-1] + ',"geom":null}', None
    gtext, bounds = encode_geometry(geoms, layer.data.crs, decimals)
    return _json(meta)[:-1] + f',"geom":{gtext}}}', bounds


def label_layer_name(layer: Layer) -> str:
    return "Noms des cantons" if layer.name == "Limites cantonales" else f"Noms : {layer.name}"


def labels_json(spec: MapSpec, decimals: int) -> list[str]:
    """One point layer of names per named layer: text, rank, the zoom from which each is shown and its offset per zoom.

    Which names and where come from :func:`territoires.maps.webviews.web_labels`
    (the static map's choice, placed in Web Mercator pixels at each zoom).
    """
    from territoires.maps.webviews import web_labels

    table = web_labels(spec)
    out = []
    for layer in spec.layers:
        rows = table[table["layer"] == layer.name] if len(table) else table
        if rows.empty:
            continue
        rows = rows.sort_values("rank", kind="stable")
        meta = {
            "name": label_layer_name(layer), "text": rows["text"].astype(str).tolist(),
            "priority": rows["rank"].astype(int).tolist(), "minzoom": rows["minzoom"].astype(int).tolist(),
            "keep": rows["keep"].astype(bool).tolist(),
            "positions": [{str(z): list(v) for z, v in p.items()} for p in rows["positions"]],
        }
        pts = shapely.points(rows["lon"].to_numpy(dtype=float), rows["lat"].to_numpy(dtype=float))
        gtext, _ = encode_geometry(pts, settings.WEB_CRS, decimals)
        out.append(_json(meta)[:-1] + f',"geom":{gtext}}}')
    return out


def _legend(spec: MapSpec) -> list[dict]:
    return [
        {"label": e.label, "layer": e.layer, "group": e.group, "kind": e.symbol.kind, "color": e.symbol.color,
         "edge": e.symbol.edgecolor, "hollow": e.symbol.hollow, "width": e.symbol.linewidth * 1.6, "dash": bool(e.symbol.dash)}
        for e in spec.legend
    ]


def _basemap(name: str) -> dict:
    import xyzservices

    try:
        tp = xyzservices.providers.query_name(name)
        return {"url": tp.build_url(scale_factor="{r}"), "attribution": tp.get("attribution", ""), "maxZoom": tp.get("max_zoom", 19)}
    except ValueError:
        if not all(k in name for k in ("{z}", "{x}", "{y}")):  # neither a provider nor a tile address: no tile would load
            raise ValueError(f"unknown basemap {name!r}: give an xyzservices name (e.g. OpenStreetMap) "
                             "or a tile URL with {z}, {x} and {y}") from None
        return {"url": name, "attribution": "", "maxZoom": 19}


def page_data(spec: MapSpec, basemap: str | None = None, decimals: int | None = None) -> str:
    """The page's data: one JSON object, written layer by layer."""
    decimals = spec.decimals if decimals is None else decimals
    layers, bounds = [], None
    for layer in spec.layers:
        text, b = layer_json(layer, decimals)
        layers.append(text)
        if b is not None and layer.symbol.kind != "point":
            bounds = b if bounds is None else np.concatenate([np.minimum(bounds[:2], b[:2]), np.maximum(bounds[2:], b[2:])])
    if spec.bounds is not None:
        bounds = np.asarray(spec.bounds, dtype=float)
    head = {
        "title": spec.title, "subtitle": spec.subtitle, "credit": spec.credit, "notes": list(spec.notes),
        "legend": _legend(spec), "bounds": None if bounds is None else [round(float(v), 5) for v in bounds],
        "basemap": _basemap(basemap) if basemap else None, "maxLabels": MAX_LABELS, "views": views(spec),
    }
    return (_json(head)[:-1] + ',"layers":[' + ",".join(layers) + '],"labels":[' + ",".join(labels_json(spec, decimals)) + "]}")


def to_html(spec: MapSpec, self_contained: bool = True, basemap: str | None = None, decimals: int | None = None) -> str:
    """The HTML page of ``spec``; self-contained (no network) by default.

    ``decimals``: coordinate quantisation in degrees (default: the spec's, 5
    for a département, about 1 m; 3 for national maps, about 100 m, below
    their 500 m simplification).

    Examples
    --------
    >>> from territoires.maps.style import demo_spec
    >>> spec = demo_spec()
    >>> page = to_html(spec)
    >>> page.startswith("<!DOCTYPE html>"), "cdn.jsdelivr.net" in page
    (True, False)
    """
    data = page_data(spec, basemap=basemap, decimals=decimals)
    script = (ASSETS / "territoires-map.js").read_text(encoding="utf-8")
    css = (ASSETS / "territoires-map.css").read_text(encoding="utf-8")
    if self_contained:
        js, lcss = leaflet_assets()
        leaflet = f"<style>{lcss}</style>\n<script>{js}</script>"
    else:
        leaflet = f'<link rel="stylesheet" href="{LEAFLET_CDN_CSS}"/>\n<script src="{LEAFLET_CDN_JS}"></script>'
    title = f"{html.escape(spec.title)} — {html.escape(spec.subtitle)}"
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0"/>\n'
        f"<title>{title}</title>\n{leaflet}\n<style>{css}</style>\n</head>\n<body>\n"
        '<div id="territoires-map" class="territoires-map"></div>\n'
        f'<script type="application/json" id="territoires-data">{data}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def render_html(spec: MapSpec, path: str | Path, self_contained: bool = True, basemap: str | None = None, decimals: int | None = None) -> Path:
    """Write the interactive map of ``spec`` to ``path`` atomically.

    Examples
    --------
    >>> from territoires.maps.style import demo_spec
    >>> spec = demo_spec()
    >>> import tempfile, pathlib
    >>> out = render_html(spec, pathlib.Path(tempfile.mkdtemp()) / "demo.html")
    >>> "Démo" in out.read_text(encoding="utf-8")
    True
    """
    return write_text(path, to_html(spec, self_contained=self_contained, basemap=basemap, decimals=decimals))
