"""Zones of a map page: the métropole large, each overseas département in its own inset.

A territory spanning several CRS zones (metropolitan France and overseas)
is drawn one panel per zone, each in its own projected CRS (Lambert-93,
UTM 20N for the Antilles, 22N for Guyane, 40S for La Réunion, 38S for
Mayotte); Corsica stays with the métropole. Guadeloupe and Martinique share
a CRS but are two insets, as on INSEE's and ANCT's maps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from territoires import settings
from territoires.maps.style import Panel

__all__ = ["in_panel", "panels_of"]


def panels_of(territory) -> list[Panel]:
    """The panels of ``territory``, main one (most communes) first, then overseas by code; ``[]`` for one zone.

    Read from the territory's WGS 84 outline and communes (the zones' CRS from
    :func:`territoires.settings.crs_for_departement`): no zone layer is loaded.
    """
    if not territory.is_multizone:
        return []
    found = []
    wgs_all = territory.outline.to_crs(settings.WEB_CRS)
    counts = territory.communes["code_departement"].value_counts()
    zone_of = wgs_all["code_departement"].astype(str).map(settings.crs_for_departement)
    for crs in dict.fromkeys(settings.crs_for_departement(d) for d in territory.departements):
        wgs = wgs_all[(zone_of == crs).to_numpy()]
        deps = [d for d in territory.departements if settings.crs_for_departement(d) == crs]
        if crs == settings.METROPOLE_CRS:
            n = len(deps)
            name = "France métropolitaine" if n > 20 else (f"{wgs.iloc[0]['nom']} ({wgs.iloc[0]['code_departement']})" if n == 1 else ", ".join(deps))
            found.append((int(counts.reindex(deps).fillna(0).sum()), Panel("metropole", name, crs, tuple(float(v) for v in wgs.total_bounds))))
            continue
        for _, row in wgs.sort_values("code_departement").iterrows():
            code = str(row["code_departement"])
            found.append((int(counts.get(code, 0)), Panel(code, f"{row['nom']} ({code})", crs, tuple(float(v) for v in row.geometry.bounds))))
    main = max(range(len(found)), key=lambda i: (found[i][0], -i))
    rest = [p for i, (_, p) in enumerate(found) if i != main]
    return [found[main][1], *sorted(rest, key=lambda p: p.key)]


def in_panel(data: gpd.GeoDataFrame, panel: Panel, margin: float = 0.5) -> gpd.GeoDataFrame:
    """The features of ``data`` (any CRS) whose bounding-box centre falls in ``panel``, in the panel's CRS."""
    if data is None or data.empty:
        return data.to_crs(panel.crs) if data is not None and data.crs is not None else data
    geoms = data.geometry.to_numpy()
    wgs = data.geometry.to_crs(settings.WEB_CRS).to_numpy() if str(data.crs) != settings.WEB_CRS else geoms
    b = shapely.bounds(wgs)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    x0, y0, x1, y1 = panel.bounds
    ok = np.isfinite(cx) & (cx >= x0 - margin) & (cx <= x1 + margin) & (cy >= y0 - margin) & (cy <= y1 + margin)
    return data[ok].to_crs(panel.crs)
