"""Boundary files checked like programme files: nothing wrong passes in silence.

:func:`validate` runs on what a file-based boundary source read (ADMIN
EXPRESS by path, geo.api.gouv.fr answers) before anything is joined:

- **CRS sanity**: coordinates must lie in the declared CRS's area of use
  (Lambert-93 metres labelled EPSG:4326 are refused, with the likely cause);
- **invalid geometries** (self-intersections, bow ties) are repaired with
  ``make_valid`` (polygonal parts kept) and listed by code in the notes;
- **duplicated codes**: two different communes with one INSEE code are
  refused; an exact duplicate row is dropped and noted; the parts of a canton
  given as several features are merged into one canton and noted;
- **overlapping units**: two communes or two cantons sharing more than
  :data:`OVERLAP_SHARE` of the smaller one's area are refused by code (a
  commune would be attached to a canton at random).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from territoires.errors import InputError

__all__ = ["MARGIN_DEG", "OVERLAP_SHARE", "check_crs", "check_overlaps", "dedupe_communes", "merge_cantons", "repair", "validate"]

#: Share of the smaller unit's area above which two units overlap.
OVERLAP_SHARE = 0.01
#: Margin around a CRS's area of use (degrees), for generalised coastlines.
MARGIN_DEG = 1.0


def _area_bounds(crs) -> tuple[float, float, float, float] | None:
    """The CRS's area of use in its own coordinates (None if unknown)."""
    crs = CRS.from_user_input(crs)
    aou = crs.area_of_use
    if aou is None:
        return None
    w, s, e, n = aou.west - MARGIN_DEG, aou.south - MARGIN_DEG, aou.east + MARGIN_DEG, aou.north + MARGIN_DEG
    if crs.is_geographic:
        return max(w, -180), max(s, -90), min(e, 180), min(n, 90)
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return t.transform_bounds(max(w, -180), max(s, -90), min(e, 180), min(n, 90))


def check_crs(gdf: gpd.GeoDataFrame, path, layer: str) -> None:
    """Refuse coordinates outside the area of use of the declared CRS."""
    geoms = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if geoms.empty or gdf.crs is None:
        return
    bounds = _area_bounds(gdf.crs)
    if bounds is None:
        return
    x0, y0, x1, y1 = geoms.total_bounds
    w, s, e, n = bounds
    if x0 >= w and y0 >= s and x1 <= e and y1 <= n:
        return
    name = gdf.crs.to_string()
    hint = ""
    if gdf.crs.is_geographic and max(abs(x0), abs(x1), abs(y0), abs(y1)) > 1000:
        hint = "; these look like projected metres (Lambert-93?) declared as degrees: fix the file's CRS"
    raise InputError(
        path,
        f"layer {layer}: coordinates ({x0:.6g}, {y0:.6g}) to ({x1:.6g}, {y1:.6g}) lie outside the area of use of "
        f"{name} ({w:.6g}, {s:.6g}) to ({e:.6g}, {n:.6g}){hint}",
    )


def repair(gdf: gpd.GeoDataFrame, code: str, label: str, notes: list[str]) -> gpd.GeoDataFrame:
    """Repair invalid polygons with ``make_valid``; note the codes repaired."""
    geoms = gdf.geometry.to_numpy()
    bad = ~shapely.is_missing(geoms) & ~shapely.is_valid(geoms)
    if not bad.any():
        return gdf
    fixed = shapely.make_valid(geoms[bad])
    polys = []
    for g in fixed:
        parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        polys.append(shapely.union_all(parts) if parts else None)
    geoms = geoms.copy()
    geoms[bad] = np.array(polys, dtype=object)
    gdf = gdf.copy()
    gdf.geometry = gpd.GeoSeries(geoms, crs=gdf.crs, index=gdf.index)
    codes = gdf.loc[bad, code].astype(str).tolist()
    notes.append(f"{len(codes)} {label} geometr{'y' if len(codes) == 1 else 'ies'} invalid, repaired (make_valid): {', '.join(codes[:20])}"
                 + (" …" if len(codes) > 20 else ""))
    return gdf


def dedupe_communes(com: gpd.GeoDataFrame, path, notes: list[str]) -> gpd.GeoDataFrame:
    dup = com["code_insee"].duplicated(keep=False) & com["code_insee"].notna()
    if not dup.any():
        return com
    rows = com[dup]
    wkb = shapely.to_wkb(rows.geometry.to_numpy())
    key = rows.drop(columns="geometry").astype(str).agg("|".join, axis=1) + "|" + pd.Series([w.hex() if w else "" for w in wkb], index=rows.index)
    differing = sorted(set(rows.loc[~key.duplicated(keep=False), "code_insee"]))
    if differing:
        raise InputError(path, f"layer COMMUNE: INSEE code(s) given to several different communes: {', '.join(differing[:20])}",
                         column="INSEE_COM")
    exact = sorted(set(rows["code_insee"]))
    notes.append(f"{len(exact)} commune(s) listed twice with identical data, kept once: {', '.join(exact[:20])}")
    return com[~com["code_insee"].duplicated()].reset_index(drop=True)


def merge_cantons(can: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    dup = can["code_canton"].duplicated(keep=False)
    if not dup.any():
        return can
    codes = sorted(set(can.loc[dup, "code_canton"]))
    geoms = can.groupby("code_canton", sort=False).geometry.agg(lambda s: shapely.union_all(s.to_numpy()))
    first = can.drop_duplicates("code_canton").set_index("code_canton")
    first = first.assign(geometry=geoms.reindex(first.index).to_numpy())
    notes.append(f"{len(codes)} canton code(s) given as several features, merged into one canton each: {', '.join(codes[:20])}")
    return gpd.GeoDataFrame(first.reset_index(), geometry="geometry", crs=can.crs)


def check_overlaps(gdf: gpd.GeoDataFrame, code: str, path, layer: str) -> None:
    """Refuse units overlapping by more than OVERLAP_SHARE of the smaller one."""
    g = gdf.geometry.to_numpy()
    ok = ~shapely.is_missing(g) & ~shapely.is_empty(g)
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return
    geoms = g[idx]
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="overlaps")
    keep = a < b
    a, b = a[keep], b[keep]
    if not len(a):
        return
    inter = shapely.area(shapely.intersection(geoms[a], geoms[b]))
    smaller = np.minimum(shapely.area(geoms[a]), shapely.area(geoms[b]))
    big = inter > OVERLAP_SHARE * smaller
    if not big.any():
        return
    codes = gdf[code].astype(str).to_numpy()[idx]
    pairs = [f"{codes[i]}/{codes[j]} ({100 * s:.0f} %)" for i, j, s in zip(a[big], b[big], inter[big] / smaller[big], strict=True)]
    raise InputError(
        path,
        f"layer {layer}: {len(pairs)} pair(s) of units overlap (share of the smaller one): {', '.join(pairs[:10])}"
        + (" …" if len(pairs) > 10 else "") + "; a commune's canton would be ambiguous",
    )


def validate(communes: gpd.GeoDataFrame, cantons: gpd.GeoDataFrame | None, path, notes: list[str]):
    """All checks on a source's communes (and cantons, when the file has them)."""
    check_crs(communes, path, "COMMUNE")
    communes = dedupe_communes(communes, path, notes)
    communes = repair(communes, "code_insee", "commune", notes)
    check_overlaps(communes, "code_insee", path, "COMMUNE")
    if cantons is not None:
        check_crs(cantons, path, "CANTON")
        cantons = repair(cantons, "code_canton", "canton", notes)
        cantons = merge_cantons(cantons, notes)
        check_overlaps(cantons, "code_canton", path, "CANTON")
    return communes, cantons
