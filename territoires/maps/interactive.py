"""Interactive maps with folium: one toggleable layer per programme and boundary level.

What this adds to folium's defaults:

- **offline by default**: no basemap (an optional one with ``basemap=``), and
  a *self-contained* mode that inlines Leaflet's JavaScript and CSS from the
  ``xstatic-leaflet`` package (a registry package, same Leaflet version as
  folium's CDN links); jQuery, Bootstrap and Font Awesome, which these maps
  do not use, are not loaded at all;
- **deterministic**: element ids are numbered, not random, so the same map
  gives the same bytes;
- **a legend that follows the layer switcher**: a small Leaflet control,
  without jQuery, built with ``textContent`` (no HTML from data), that hides
  the entries of a layer switched off;
- **escaped text**: every property shown in a tooltip or popup is
  HTML-escaped before it reaches folium (whose tooltips use ``innerHTML``);
- **small files**: geometry simplified as a coverage (shared borders kept)
  and coordinates rounded to 5 decimals (about 1 m).
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template

from territoires import settings
from territoires.fileio import write_text
from territoires.maps.geometry import round_coordinates
from territoires.maps.style import Layer, MapSpec, Symbol

__all__ = [
    "CSS",
    "LEAFLET_CDN_CSS",
    "LEAFLET_CDN_JS",
    "build_map",
    "leaflet_assets",
    "render_html",
    "to_html",
]

LEAFLET_CDN_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CDN_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
_JS_PLACEHOLDER = "territoires-leaflet.js"
_CSS_PLACEHOLDER = "territoires-leaflet.css"


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
        name = m.group(1)
        p = base / "images" / name
        if not p.exists():
            return m.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()})"

    css = re.sub(r"url\(images/([\w\-.]+)\)", inline, css)
    return js, css


def _js_string(text: str) -> str:
    """A JS string literal safe inside a <script> element."""
    return json.dumps(text, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def _geojson(layer: Layer, decimals: int, style_index: dict | None = None) -> dict:
    keep = {c for c, _ in layer.tooltip + layer.popup}
    cols = [c for c in layer.data.columns if c in keep or c == layer.by]
    gdf = layer.data[[*cols, layer.data.geometry.name]]
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    gdf = gdf.to_crs(settings.WEB_CRS)
    gdf = gdf.set_geometry(gpd.GeoSeries(round_coordinates(gdf.geometry.to_numpy(), decimals), crs=settings.WEB_CRS, index=gdf.index))
    props = gdf.drop(columns=gdf.geometry.name).astype(object).where(gdf.drop(columns=gdf.geometry.name).notna(), "")
    classes = layer.data.loc[gdf.index, layer.by].astype(str).tolist() if layer.by else None
    feats = []
    for i, (geom, (_, row)) in enumerate(zip(gdf.geometry, props.iterrows(), strict=True)):
        p = {k: html.escape(str(v), quote=True) for k, v in row.items() if k in keep}
        if style_index is not None:
            p["_s"] = style_index.get(classes[i], 0)
        feats.append({"type": "Feature", "properties": p, "geometry": geom.__geo_interface__})
    return {"type": "FeatureCollection", "features": feats}


def _style(symbol: Symbol, fill: str | None = None) -> dict:
    if symbol.kind == "line":
        s = {"color": symbol.color, "weight": max(symbol.linewidth * 1.6, 0.6), "fill": False, "opacity": 1}
        if symbol.dash:
            s["dashArray"] = symbol.dash.replace(" ", ",")
        return s
    if symbol.kind == "fill":
        return {"fillColor": fill or symbol.color, "color": symbol.edgecolor, "weight": max(symbol.linewidth, 0.3), "fillOpacity": symbol.opacity * 0.85}
    return {
        "radius": symbol.size * 0.6,
        "fillColor": "#ffffff" if symbol.hollow else symbol.color,
        "color": symbol.edgecolor,
        "weight": symbol.linewidth * 1.5 if symbol.hollow else max(symbol.linewidth, 1),
        "fill": True,
        "fillOpacity": 1,
        "opacity": 1,
    }


class _Legend(MacroElement):
    """A legend control that hides the entries of layers switched off."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var entries = {{ this.entries_js }};
  var hidden = {{ this.hidden_js }};
  var ctl = L.control({position: "bottomright"});
  ctl.onAdd = function () {
    var div = L.DomUtil.create("div", "territoires-legend");
    div.setAttribute("role", "region");
    div.setAttribute("aria-label", "Légende");
    L.DomEvent.disableClickPropagation(div);
    var group = null;
    entries.forEach(function (e) {
      if (e.group !== group) {
        group = e.group;
        var h = document.createElement("div");
        h.className = "territoires-legend-group";
        h.setAttribute("data-group", group);
        h.textContent = group;
        div.appendChild(h);
      }
      var row = document.createElement("div");
      row.className = "territoires-legend-entry";
      row.setAttribute("data-layer", e.layer);
      var sw = document.createElement("span");
      sw.className = "territoires-legend-swatch territoires-legend-" + e.kind;
      if (e.kind === "point") {
        sw.style.background = e.hollow ? "#ffffff" : e.color;
        sw.style.border = (e.hollow ? "3px" : "1px") + " solid " + e.edge;
      } else if (e.kind === "line") {
        sw.style.borderTop = Math.max(1, e.width) + "px " + (e.dash ? "dashed " : "solid ") + e.color;
      } else {
        sw.style.background = e.color;
        sw.style.border = "1px solid " + e.edge;
      }
      row.appendChild(sw);
      var t = document.createElement("span");
      t.textContent = e.label;
      row.appendChild(t);
      if (hidden.indexOf(e.layer) >= 0) { row.style.display = "none"; }
      div.appendChild(row);
    });
    return div;
  };
  ctl.addTo(map);
  function toggle(name, visible) {
    var rows = document.querySelectorAll(".territoires-legend-entry");
    rows.forEach(function (r) { if (r.getAttribute("data-layer") === name) { r.style.display = visible ? "" : "none"; } });
    document.querySelectorAll(".territoires-legend-group").forEach(function (h) {
      var n = h.nextElementSibling, any = false;
      while (n && n.classList.contains("territoires-legend-entry")) { if (n.style.display !== "none") { any = true; } n = n.nextElementSibling; }
      h.style.display = any ? "" : "none";
    });
  }
  map.on("overlayadd", function (e) { toggle(e.name, true); });
  map.on("overlayremove", function (e) { toggle(e.name, false); });
  hidden.forEach(function (n) { toggle(n, false); });
})();
{% endmacro %}
"""
    )

    def __init__(self, spec: MapSpec):
        super().__init__()
        self._name = "Legend"
        entries = [
            {
                "label": e.label, "layer": e.layer, "group": e.group, "kind": e.symbol.kind,
                "color": e.symbol.color, "edge": e.symbol.edgecolor, "hollow": e.symbol.hollow,
                "width": e.symbol.linewidth * 1.6, "dash": bool(e.symbol.dash),
            }
            for e in spec.legend
        ]
        self.entries_js = _js_string_obj(entries)
        self.hidden_js = _js_string_obj([lyr.name for lyr in spec.layers if not lyr.show])


class _Restyle(MacroElement):
    """Per-class styles looked up by index (``_s``) rather than a switch over every feature."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var styles = {{ this.styles_js }};
  {{ this._parent.get_name() }}.setStyle(function (f) { return styles[f.properties._s]; });
})();
{% endmacro %}
"""
    )

    def __init__(self, styles: list[dict]):
        super().__init__()
        self._name = "Restyle"
        self.styles_js = _js_string_obj(styles)


class _Title(MacroElement):
    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var ctl = L.control({position: "topright"});
  ctl.onAdd = function () {
    var div = L.DomUtil.create("div", "territoires-title");
    var t = document.createElement("h1"); t.textContent = {{ this.title_js }}; div.appendChild(t);
    var s = document.createElement("p"); s.textContent = {{ this.subtitle_js }}; div.appendChild(s);
    {{ this.notes_js }}.forEach(function (n) { var p = document.createElement("p"); p.className = "territoires-note"; p.textContent = n; div.appendChild(p); });
    var c = document.createElement("p"); c.className = "territoires-credit"; c.textContent = {{ this.credit_js }}; div.appendChild(c);
    return div;
  };
  ctl.addTo(map);
})();
{% endmacro %}
"""
    )

    def __init__(self, spec: MapSpec):
        super().__init__()
        self._name = "Title"
        self.title_js = _js_string(spec.title)
        self.subtitle_js = _js_string(spec.subtitle)
        self.credit_js = _js_string(spec.credit)
        self.notes_js = _js_string_obj(spec.notes)


def _js_string_obj(obj) -> str:
    return json.dumps(obj, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


CSS = """
<style>
.territoires-legend, .territoires-title { background: rgba(255,255,255,0.95); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.4 "Marianne", Arial, sans-serif; color: #3a3a3a; max-width: 340px; }
.territoires-title h1 { font-size: 15px; margin: 0 0 4px; color: #000091; }
.territoires-title p { margin: 0 0 2px; }
.territoires-note { font-style: italic; }
.territoires-credit { font-size: 10px; color: #666; }
.territoires-legend-group { font-weight: bold; color: #000091; margin-top: 4px; }
.territoires-legend-entry { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.territoires-legend-swatch { display: inline-block; width: 14px; height: 10px; box-sizing: border-box; flex: none; }
.territoires-legend-point { width: 12px; height: 12px; border-radius: 50%; }
.territoires-legend-line { height: 0; width: 18px; }
.leaflet-container { background: #ffffff !important; }
.territoires-label { transform: translate(-50%, -50%); white-space: nowrap; font: 11px/1.2 Arial, sans-serif; color: #3a3a3a;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; pointer-events: none; }
</style>
"""


def _deterministic_ids(root) -> None:
    """Replace folium's random element ids by a counter (same map, same bytes)."""
    counter = 0

    def walk(el):
        nonlocal counter
        if hasattr(el, "_id"):
            el._id = f"{counter:08x}"
            counter += 1
        for child in list(getattr(el, "_children", {}).values()):
            walk(child)
        # re-key children so their names follow the new ids
        if hasattr(el, "_children"):
            el._children = type(el._children)((c.get_name(), c) for c in el._children.values())

    walk(root)


def _label_layer_name(layer: Layer) -> str:
    return "Noms des cantons" if layer.name == "Limites cantonales" else f"Noms : {layer.name}"


def _add_labels(m: folium.Map, spec: MapSpec) -> None:
    """Names written on the map (as on the static one), each set in its own toggleable layer.

    They sit in a pane below the vector layers, so no name hides a site.
    """
    pane_added = False
    for layer in spec.layers:
        if not layer.label or layer.symbol.kind == "point" or layer.data.empty or not layer.show:
            continue
        data = layer.data[layer.data.geometry.notna()]
        pts = data.geometry.representative_point().to_crs(settings.WEB_CRS)
        if not pane_added:
            folium.map.CustomPane("territoires-labels", z_index=390, pointer_events=False).add_to(m)
            pane_added = True
        fg = folium.FeatureGroup(name=_label_layer_name(layer), show=True)
        for p, text in zip(pts, data[layer.label].astype(str), strict=True):
            icon = folium.DivIcon(
                html=f'<div class="territoires-label">{html.escape(text)}</div>', icon_size=(0, 0), icon_anchor=(0, 0)
            )
            folium.Marker([round(p.y, 5), round(p.x, 5)], icon=icon, interactive=False, pane="territoires-labels").add_to(fg)
        fg.add_to(m)


def build_map(spec: MapSpec, basemap: str | None = None, decimals: int = 5) -> folium.Map:
    """The folium map of ``spec`` (not yet saved)."""
    m = folium.Map(location=[46.5, 2.5], zoom_start=8, tiles=None, control_scale=True, prefer_canvas=False)
    m.default_js = [("leaflet", LEAFLET_CDN_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CDN_CSS)]
    if basemap:
        folium.TileLayer(basemap, name="Fond de carte", control=True).add_to(m)
    bounds = None
    for layer in spec.layers:
        fg = folium.FeatureGroup(name=layer.name, show=layer.show)
        sym = layer.symbol
        style_index = {k: i for i, k in enumerate(layer.classes)} if layer.by and layer.classes else None
        gj = _geojson(layer, decimals, style_index)
        base = _style(sym)

        def style_fn(feature, base=base):
            return base

        kwargs = {}
        has_features = bool(gj["features"])
        if layer.tooltip and layer.interactive and has_features:
            kwargs["tooltip"] = folium.GeoJsonTooltip(
                fields=[c for c, _ in layer.tooltip], aliases=[html.escape(a) for _, a in layer.tooltip], sticky=False
            )
        if layer.popup and layer.interactive and has_features:
            kwargs["popup"] = folium.GeoJsonPopup(fields=[c for c, _ in layer.popup], aliases=[html.escape(a) for _, a in layer.popup])
        if sym.kind == "point":
            kwargs["marker"] = folium.CircleMarker(radius=sym.size * 0.6, fill=True)
        if not layer.interactive:
            kwargs["interactive"] = False
        g = folium.GeoJson(gj, name=layer.name, style_function=style_fn, highlight_function=None, zoom_on_click=False, **kwargs)
        if style_index is not None:
            _Restyle([_style(sym, c) for c in layer.classes.values()]).add_to(g)
        g.add_to(fg)
        fg.add_to(m)
        if len(layer.data) and sym.kind != "point":
            b = layer.data.to_crs(settings.WEB_CRS).total_bounds
            bounds = b if bounds is None else np.array([min(bounds[0], b[0]), min(bounds[1], b[1]), max(bounds[2], b[2]), max(bounds[3], b[3])])
    if spec.bounds is not None:
        bounds = spec.bounds
    if bounds is not None:
        m.fit_bounds([[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]])
    _add_labels(m, spec)
    folium.LayerControl(collapsed=False, position="topleft").add_to(m)
    _Legend(spec).add_to(m)
    _Title(spec).add_to(m)
    m.get_root().header.add_child(Element(CSS), name="territoires_css")
    title = f"<title>{html.escape(spec.title)} — {html.escape(spec.subtitle)}</title>"
    m.get_root().header.add_child(Element(title), name="territoires_title")
    _deterministic_ids(m.get_root())
    return m


def to_html(spec: MapSpec, self_contained: bool = True, basemap: str | None = None, decimals: int | None = None) -> str:
    """The HTML page of ``spec``; self-contained (no network) by default.

    ``decimals``: coordinate rounding in degrees (default: the spec's, 5 for a
    département, about 1 m; 3 for national maps, about 100 m, below their 500 m
    simplification).

    Examples
    --------
    >>> from datetime import date
    >>> import geopandas as gpd, shapely
    >>> from territoires.maps.style import Layer, LegendEntry, MapSpec, Symbol
    >>> fill = Symbol("fill", "#dee5fd")
    >>> square = gpd.GeoDataFrame({"nom": ["A"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=2154)
    >>> spec = MapSpec("demo", "Démo", "Un carré", [Layer("Carré", square, fill)],
    ...                [LegendEntry("Carré", fill, "Carré")], "aucune", date(2021, 9, 14), "EPSG:2154", "0.1")
    >>> page = to_html(spec)
    >>> page.startswith("<!DOCTYPE html>"), "unpkg.com" in page
    (True, False)
    """
    m = build_map(spec, basemap=basemap, decimals=decimals if decimals is not None else spec.decimals)
    if self_contained:
        m.default_js = [("leaflet", _JS_PLACEHOLDER)]
        m.default_css = [("leaflet_css", _CSS_PLACEHOLDER)]
    page = _render_compact(m)
    if self_contained:
        js, css = leaflet_assets()
        page = re.sub(r'<script src="' + re.escape(_JS_PLACEHOLDER) + r'"></script>', lambda _: f"<script>{js}</script>", page)
        page = re.sub(r'<link rel="stylesheet" href="' + re.escape(_CSS_PLACEHOLDER) + r'"/>', lambda _: f"<style>{css}</style>", page)
        if _JS_PLACEHOLDER in page or _CSS_PLACEHOLDER in page:
            raise RuntimeError("could not inline Leaflet: folium's page layout changed")
    return page


def _render_compact(m: folium.Map) -> str:
    """Render with compact JSON (no spaces after separators) for the embedded data.

    folium writes GeoJSON through Jinja's ``tojson`` filter; its environment's
    ``json.dumps_kwargs`` policy is switched to compact separators for the
    duration of this render only.
    """
    env = folium.GeoJson._template.environment
    old = env.policies.get("json.dumps_kwargs")
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    try:
        return m.get_root().render()
    finally:
        env.policies["json.dumps_kwargs"] = old


def render_html(spec: MapSpec, path: str | Path, self_contained: bool = True, basemap: str | None = None, decimals: int | None = None) -> Path:
    """Write the interactive map of ``spec`` to ``path`` atomically.

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
    >>> out = render_html(spec, pathlib.Path(tempfile.mkdtemp()) / "demo.html")
    >>> "Démo" in out.read_text(encoding="utf-8")
    True
    """
    return write_text(path, to_html(spec, self_contained=self_contained, basemap=basemap, decimals=decimals))
