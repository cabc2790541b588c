"""What the interactive map takes from the page layout: zone views and the names' choice, as data.

- for a territory spanning several CRS zones, **one-click views**: a button
  per panel (métropole, each overseas département) that fits the map to it,
  from bounds written in the page (nothing fetched): :func:`views`;
- the **names' zoom rule**: :func:`web_labels` gives each name its
  ``minzoom`` and its offset per zoom (:func:`territoires.maps.labels.web_choice`);
  the page's script shows a name from its zoom on, so the map shows the
  static map's choice at first and more names as one zooms in.

The page itself (metric scale bar, buttons, names) is drawn by
``assets/territoires-map.js`` from these data (see :mod:`territoires.maps.interactive`).
"""

from __future__ import annotations

import pandas as pd

from territoires import settings
from territoires.maps import labels as L
from territoires.maps.style import MapSpec

__all__ = ["views", "web_labels"]


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


def views(spec: MapSpec) -> list[dict]:
    """One view per panel of ``spec``: ``key``, ``name``, WGS 84 bounds ``b``."""
    return [{"key": p.key, "name": p.name, "b": [round(float(v), 4) for v in p.bounds]} for p in spec.panels]
