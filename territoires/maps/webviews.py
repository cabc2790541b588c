"""Controls of the interactive map that come from the page layout: metric scale, zone views, name choice.

- a **metric-only scale bar** (Leaflet's default also shows miles);
- for a territory spanning several CRS zones, **one-click views**: a button
  per panel (métropole, each overseas département) that fits the map to it,
  from bounds written in the page (nothing fetched);
- the **names' zoom rule**: a name computed by :func:`territoires.maps.labels.web_choice`
  carries ``data-minzoom``; names whose zoom is not reached are hidden, so
  the map shows the static map's choice at first and more names as one
  zooms in.
"""

from __future__ import annotations

import html
import json

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from territoires import settings
from territoires.maps import labels as L
from territoires.maps.style import MapSpec

__all__ = ["CSS", "ZoneViews", "add_labels", "web_labels"]


def _js(obj) -> str:
    return json.dumps(obj, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def web_labels(spec: MapSpec) -> pd.DataFrame:
    """The names of ``spec`` with their anchor (WGS 84), ``keep``, ``rank``, ``minzoom`` and offset (see :func:`~territoires.maps.labels.web_choice`)."""
    layers = []
    for lyr in spec.layers:
        if not lyr.label or not lyr.show or lyr.data is None or lyr.data.empty:
            continue
        d = lyr.data[lyr.data.geometry.notna()]
        d = d.to_crs(settings.WEB_CRS) if d.crs is not None and str(d.crs) != settings.WEB_CRS else d
        layers.append(type(lyr)(lyr.name, d, lyr.symbol, label=lyr.label, keep=lyr.keep))
    # marker radius as drawn by the interactive renderer (CircleMarker radius + stroke), in CSS pixels
    found = L.collect(layers, lambda lyr: lyr.symbol.size * 0.6 + lyr.symbol.linewidth * 1.5 if lyr.symbol.kind == "point" else 0.0)
    return L.web_choice(found, marker_radius=8.0)


def add_labels(m: folium.Map, spec: MapSpec, layer_name) -> None:
    """Names written on the map, each set in its own toggleable layer, chosen as on the static map.

    ``layer_name(layer)`` names each layer of names in the switcher.
    Each name carries its offsets per zoom (``data-pos``), computed off the
    markers and off the other names; the zoom rule moves and shows them.
    Which names and where: :func:`territoires.maps.webviews.web_labels`
    (names that carry the map's answer always shown, the others from the
    zoom at which they find room, offset off the markers).
    """
    table = web_labels(spec)
    if table.empty:
        return
    # above the fills (names are placed off the markers), clicks go through
    folium.map.CustomPane("territoires-labels", z_index=450, pointer_events=False).add_to(m)
    for layer in spec.layers:
        rows = table[table["layer"] == layer.name]
        if rows.empty:
            continue
        fg = folium.FeatureGroup(name=layer_name(layer), show=True)
        for r in rows.itertuples():
            pos = html.escape(json.dumps({str(z): v for z, v in r.positions.items()}, separators=(",", ":")), quote=True)
            style = "font-weight:bold;" if r.keep else ""
            icon = folium.DivIcon(
                html=f'<div class="territoires-label" data-minzoom="{int(r.minzoom)}" data-pos="{pos}" style="{style}">{html.escape(r.text)}</div>',
                icon_size=(0, 0), icon_anchor=(0, 0),
            )
            folium.Marker([round(r.lat, 5), round(r.lon, 5)], icon=icon, interactive=False, pane="territoires-labels").add_to(fg)
        fg.add_to(m)


class ZoneViews(MacroElement):
    """Metric scale bar, one-click zone views and the names' zoom rule."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  L.control.scale({metric: true, imperial: false}).addTo(map);
  var views = {{ this.views_js }};
  if (views.length > 1) {
    var ctl = L.control({position: "topleft"});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "territoires-views leaflet-bar");
      div.setAttribute("role", "group");
      div.setAttribute("aria-label", "Vues");
      L.DomEvent.disableClickPropagation(div);
      views.forEach(function (v) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = v.name;
        b.setAttribute("data-view", v.key);
        b.addEventListener("click", function () { map.fitBounds([[v.b[1], v.b[0]], [v.b[3], v.b[2]]]); });
        div.appendChild(b);
      });
      return div;
    };
    ctl.addTo(map);
  }
  function names() {
    var z = map.getZoom();
    document.querySelectorAll(".territoires-label[data-minzoom]").forEach(function (el) {
      var pos = JSON.parse(el.getAttribute("data-pos") || "{}");
      var zs = Object.keys(pos).map(Number).sort(function (a, b) { return a - b; });
      var show = Number(el.getAttribute("data-minzoom")) <= z && zs.length > 0;
      el.style.display = show ? "" : "none";
      if (!show) { return; }
      var k = zs[0];
      zs.forEach(function (q) { if (q <= z) { k = q; } });
      el.style.marginLeft = pos[k][0] + "px";
      el.style.marginTop = pos[k][1] + "px";
    });
  }
  map.on("zoomend", names);
  map.whenReady(names);
})();
{% endmacro %}
"""
    )

    def __init__(self, spec: MapSpec):
        super().__init__()
        self._name = "ZoneViews"
        self.views_js = _js([{"key": p.key, "name": p.name, "b": [round(float(v), 4) for v in p.bounds]} for p in spec.panels])


CSS = """
<style>
.territoires-views { background: #fff; display: flex; flex-direction: column; }
.territoires-credit { white-space: pre-line; }
.territoires-views button { border: 0; border-bottom: 1px solid #ccc; background: #fff; padding: 4px 8px; text-align: left;
  font: 12px/1.3 Arial, sans-serif; color: #000091; cursor: pointer; }
.territoires-views button:hover { background: #f0f0ff; }
</style>
"""
