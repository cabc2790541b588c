"""Map geometries: simplified once per territory and tolerance, borders shared.

Communes are simplified as a coverage (``shapely.coverage_simplify``): a
border shared by two communes is simplified once, so no gap or sliver opens
between neighbours. Cantons, EPCI and département outlines are then
dissolved from the simplified communes, so every level's lines fall exactly
on the communes' ones. Results are kept on the territory object.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires.territory.geometry import union_by

__all__ = ["TOLERANCE_DEPARTEMENT", "TOLERANCE_NATIONAL", "round_coordinates", "simplified"]

#: Default simplification tolerance in metres, per use.
TOLERANCE_DEPARTEMENT = 40.0
TOLERANCE_NATIONAL = 500.0


def simplified(territory, tolerance: float = TOLERANCE_DEPARTEMENT) -> dict[str, gpd.GeoDataFrame]:
    """``communes, canton_units, epcis, outline`` with simplified geometry (territory CRS).

    A multi-zone territory is simplified zone by zone and returned in WGS 84.
    """
    cache = territory.__dict__.setdefault("_simplified", {})
    if tolerance in cache:
        return cache[tolerance]
    if territory.is_multizone:
        parts = [simplified(z, tolerance) for z in territory.zones()]
        out = {
            k: gpd.GeoDataFrame(pd.concat([p[k].to_crs(territory.crs) for p in parts], ignore_index=True), crs=territory.crs)
            for k in parts[0]
        }
        cache[tolerance] = out
        return out
    com = territory.communes.drop(columns=[c for c in ("origin",) if c in territory.communes]).copy()
    geoms = com.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    simple = geoms.copy()
    if tolerance > 0 and ok.any():
        simple[ok] = shapely.coverage_simplify(geoms[ok], tolerance)
    com = com.set_geometry(gpd.GeoSeries(simple, crs=territory.crs, index=com.index))

    def dissolve(frame, key, keys_frame):
        k, g, _ = union_by(com.geometry.to_numpy()[ok], com[key].to_numpy()[ok])
        gm = dict(zip(k, g, strict=True))
        out = keys_frame.copy()
        keycol = "siren" if key == "siren_epci" else key
        out = out.set_geometry(gpd.GeoSeries([gm.get(v) for v in out[keycol]], crs=territory.crs, index=out.index))
        return out

    units = dissolve(com, "code_canton", territory.canton_units)
    epcis = dissolve(com, "siren_epci", territory.epcis)
    outline = dissolve(com, "code_departement", territory.outline)
    out = {"communes": com, "canton_units": units, "epcis": epcis, "outline": outline}
    cache[tolerance] = out
    return out


def round_coordinates(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Round every coordinate (WGS 84 degrees: 5 decimals ≈ 1 m, 4 ≈ 10 m)."""
    return shapely.transform(geoms, lambda c: np.round(c, decimals))
