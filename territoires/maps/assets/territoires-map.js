/* territoires: draws the map described by the JSON in #territoires-data with Leaflet.
   Text from data is only ever set with textContent (never parsed as HTML). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("territoires-data").textContent);
  var map = L.map("territoires-map", {zoomControl: false, preferCanvas: false});
  L.control.zoom({zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière"}).addTo(map);  /* Leaflet's own titles are English */
  window.territoiresMap = map;
  var canvas = null;

  /* ---- geometry: quantised, delta-encoded arrays -> Leaflet lat/lng arrays */
  function points(g) {
    var k = Math.pow(10, g.q), c = g.c, out = [], x = 0, y = 0;
    for (var i = 0; i < c.length; i += 2) { x += c[i]; y += c[i + 1]; out.push([y / k, x / k]); }
    return out;
  }
  function polygons(g) {
    var k = Math.pow(10, g.q), c = g.c, r = g.r, p = g.p, m = g.m;
    var rings = [], ci = 0, sx = 0, sy = 0;
    for (var ri = 0; ri < r.length; ri++) {
      var ring = [], n = r[ri];
      if (n > 0) {
        sx += c[ci]; sy += c[ci + 1];
        var x = sx, y = sy;
        ring.push([y / k, x / k]);
        for (var j = 1; j < n; j++) { x += c[ci + 2 * j]; y += c[ci + 2 * j + 1]; ring.push([y / k, x / k]); }
        ci += 2 * n;
      }
      rings.push(ring);
    }
    var polys = [], ri2 = 0;
    for (var pi = 0; pi < p.length; pi++) { polys.push(rings.slice(ri2, ri2 + p[pi])); ri2 += p[pi]; }
    var feats = [], pj = 0;
    for (var fi = 0; fi < m.length; fi++) { feats.push(m[fi] === 1 ? polys[pj] : polys.slice(pj, pj + m[fi])); pj += m[fi]; }
    return feats;
  }

  function lines(g) {
    var k = Math.pow(10, g.q), c = g.c, x = 0, y = 0, ci = 0, parts = [], feats = [], pj = 0;
    for (var li = 0; li < g.r.length; li++) {
      var part = [];
      for (var j = 0; j < g.r[li]; j++) { x += c[ci]; y += c[ci + 1]; ci += 2; part.push([y / k, x / k]); }
      parts.push(part);
    }
    for (var fi = 0; fi < g.m.length; fi++) { feats.push(g.m[fi] === 1 ? parts[pj] : parts.slice(pj, pj + g.m[fi])); pj += g.m[fi]; }
    return feats;
  }

  /* ---- tooltips and popups: rows of label + value, textContent only */
  function card(lyr, i, fields, cls) {
    var div = document.createElement("div");
    div.className = cls;
    fields.forEach(function (f) {
      var v = lyr.props[lyr.fields.indexOf(f[0])][i];
      if (v === "") { return; }
      var row = document.createElement("div"), b = document.createElement("b");
      b.textContent = f[1] + " : ";
      row.appendChild(b);
      row.appendChild(document.createTextNode(v));
      div.appendChild(row);
    });
    return div;
  }

  var overlays = {}, names = [];
  function addOverlay(group, name, show) {
    group.territoiresName = name;
    var shown = name.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    overlays[shown] = group;
    names.push(name);
    if (show) { group.addTo(map); }
  }

  if (D.basemap) {
    addOverlay(L.tileLayer(D.basemap.url, {attribution: D.basemap.attribution, maxZoom: D.basemap.maxZoom}), "Fond de carte", true);
  }

  D.layers.forEach(function (lyr) {
    var group = L.featureGroup(), g = lyr.geom;
    if (g) {
      var opts = {interactive: lyr.interactive};
      if (lyr.canvas) { canvas = canvas || L.canvas({padding: 0.2}); opts.renderer = canvas; }
      var geoms = g.t === "P" ? points(g) : (g.t === "L" ? lines(g) : polygons(g));
      for (var i = 0; i < geoms.length; i++) {
        var st = lyr.styles[lyr.s ? lyr.s[i] : 0], o = {};
        for (var key in st) { o[key] = st[key]; }
        for (var k2 in opts) { o[k2] = opts[k2]; }
        var shape = g.t === "P" ? L.circleMarker(geoms[i], o) : (g.t === "L" ? L.polyline(geoms[i], o) : L.polygon(geoms[i], o));
        if (lyr.interactive && lyr.tooltip.length) {
          shape.bindTooltip((function (j) { return function () { return card(lyr, j, lyr.tooltip, "territoires-tooltip"); }; })(i), {sticky: false});
        }
        if (lyr.interactive && lyr.popup.length) {
          shape.bindPopup((function (j) { return function () { return card(lyr, j, lyr.popup, "territoires-popup"); }; })(i));
        }
        group.addLayer(shape);
      }
    }
    addOverlay(group, lyr.name, lyr.show);
  });

  /* ---- names: one point layer; the most important ones that fit in view, more when zooming in */
  map.createPane("territoires-labels");
  map.getPane("territoires-labels").style.zIndex = 450;  /* above the fills: names are placed off the markers */
  map.getPane("territoires-labels").style.pointerEvents = "none";
  D.labels.forEach(function (lab) {
    var pts = points(lab.geom), group = L.layerGroup();
    /* offset (CSS px) of name i at zoom z: the placement computed for the largest zoom <= z */
    function offset(i, z) {
      var pos = lab.positions ? lab.positions[i] : null, best = null;
      if (!pos) { return [0, 0]; }
      Object.keys(pos).map(Number).sort(function (a, b) { return a - b; }).forEach(function (q) { if (q <= z || best === null) { best = q; } });
      return best === null ? [0, 0] : pos[best];
    }
    function add(i, z) {
      var el = document.createElement("div"), o = offset(i, z);
      el.className = "territoires-label";
      el.textContent = lab.text[i];
      el.setAttribute("data-priority", lab.priority[i]);
      el.style.marginLeft = o[0] + "px";
      el.style.marginTop = o[1] + "px";
      if (lab.keep && lab.keep[i]) { el.style.fontWeight = "bold"; }
      group.addLayer(L.marker(pts[i], {icon: L.divIcon({html: el, className: "", iconSize: [0, 0], iconAnchor: [0, 0]}),
        interactive: false, keyboard: false, pane: "territoires-labels"}));
    }
    function place() {
      group.clearLayers();
      if (!map.hasLayer(group)) { return; }
      var view = map.getBounds().pad(0.05), z = map.getZoom(), boxes = [], n = 0;
      for (var i = 0; i < pts.length; i++) {
        if (!view.contains(pts[i])) { continue; }
        if (lab.minzoom) {  /* placement computed with the static map's rule: shown from its zoom */
          if (lab.minzoom[i] <= z) { add(i, z); }
          continue;
        }
        if (n >= D.maxLabels) { break; }
        /* by priority, the names that fit in view without overlapping an earlier one */
        var c = map.latLngToContainerPoint(pts[i]), w = 3.5 * lab.text[i].length + 4, h = 8;
        var box = [c.x - w, c.y - h, c.x + w, c.y + h], hit = false;
        for (var b = 0; b < boxes.length && !hit; b++) {
          var o = boxes[b];
          hit = box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1];
        }
        if (hit) { continue; }
        boxes.push(box);
        add(i, z);
        n++;
      }
    }
    group.on("add", function () { setTimeout(place, 0); });
    map.on("zoomend moveend", place);
    addOverlay(group, lab.name, true);
  });

  /* a Leaflet control holding one div: class, ARIA role and label (clicks inside do not reach the map when labelled), filled by fill(div) */
  function panel(position, cls, role, label, fill) {
    var c = L.control({position: position});
    c.onAdd = function () {
      var div = L.DomUtil.create("div", cls);
      if (role) {
        div.setAttribute("role", role);
        div.setAttribute("aria-label", label);
        L.DomEvent.disableClickPropagation(div);
      }
      fill(div);
      return div;
    };
    c.addTo(map);
  }

  /* one-click views of the zones of a territory spanning several (métropole, each overseas département) */
  if (D.views && D.views.length > 1) {
    panel("topleft", "territoires-views leaflet-bar", "group", "Vues", function (div) {
      D.views.forEach(function (v) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = v.name;
        b.setAttribute("data-view", v.key);
        b.addEventListener("click", function () { map.fitBounds([[v.b[1], v.b[0]], [v.b[3], v.b[2]]]); });
        div.appendChild(b);
      });
    });
  }

  /* ---- view, controls */
  if (D.bounds) { map.fitBounds([[D.bounds[1], D.bounds[0]], [D.bounds[3], D.bounds[2]]]); } else { map.setView([46.5, 2.5], 6); }
  L.control.scale({metric: true, imperial: false, position: "bottomleft"}).addTo(map);
  L.control.layers(null, overlays, {collapsed: false, position: "topleft"}).addTo(map);

  panel("topright", "territoires-title", null, null, function (div) {
    var t = document.createElement("h1"); t.textContent = D.title; div.appendChild(t);
    var s = document.createElement("p"); s.textContent = D.subtitle; div.appendChild(s);
    D.notes.forEach(function (n) { var p = document.createElement("p"); p.className = "territoires-note"; p.textContent = n; div.appendChild(p); });
    var c = document.createElement("p"); c.className = "territoires-credit"; c.textContent = D.credit; div.appendChild(c);
  });

  panel("bottomright", "territoires-legend", "region", "Légende", function (div) {
    var group = null;
    D.legend.forEach(function (e) {
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
      div.appendChild(row);
    });
  });
  function toggle(name, visible) {
    document.querySelectorAll(".territoires-legend-entry").forEach(function (r) {
      if (r.getAttribute("data-layer") === name) { r.style.display = visible ? "" : "none"; }
    });
    document.querySelectorAll(".territoires-legend-group").forEach(function (h) {
      var n = h.nextElementSibling, any = false;
      while (n && n.classList.contains("territoires-legend-entry")) { if (n.style.display !== "none") { any = true; } n = n.nextElementSibling; }
      h.style.display = any ? "" : "none";
    });
  }
  map.on("overlayadd", function (e) { toggle(e.layer.territoiresName, true); });
  map.on("overlayremove", function (e) { toggle(e.layer.territoiresName, false); });
  D.layers.forEach(function (l) { if (!l.show) { toggle(l.name, false); } });
  window.territoiresReady = performance.now();  /* when the page's script has drawn every layer */
})();
