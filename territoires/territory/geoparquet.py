"""Reading one layer of the boundary cache: the frame ``geopandas.read_parquet`` gives, for less.

:func:`read` gives the same frame, dtypes and CRS as ``geopandas.read_parquet``
of a cache file, with each distinct CRS built once per process
(:func:`crs_of`), and, for a layer read whole whose file's SHA-256 is
known, the geometry taken from the copy kept in coordinate arrays
(:mod:`territoires.territory.nativegeom`) instead of decoded from WKB.
:mod:`territoires.territory.cache` re-exports both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires import settings

__all__ = ["crs_of", "read"]


#: PROJJSON text → the CRS it describes, built once per process (a WGS 84 PROJJSON costs ~35 ms to parse).
_CRS: dict[str, object] = {}


def _strip_member_ids(d: dict) -> None:
    """What ``geopandas.read_parquet`` does to a PROJJSON before parsing it (ids of datum-ensemble members)."""
    for key, value in d.items():
        if isinstance(value, dict):
            _strip_member_ids(value)
        elif key == "members" and isinstance(value, list):
            for member in value:
                member.pop("id", None)


def crs_of(meta: object):
    """The CRS of a GeoParquet column's ``crs`` metadata, built once per distinct text.

    A PROJJSON naming an EPSG code is built from the code (fast) when that
    CRS writes back the same PROJJSON, or the same once the ids of its
    datum-ensemble members are left out as ``geopandas`` writes it (WGS 84:
    parsing that PROJJSON looks every member up by name, ~25 ms); otherwise
    it is parsed as ``geopandas.read_parquet`` parses it. The same CRS
    either way (``==``, same WKT and PROJJSON; only ``srs``, the text it
    was made from, differs).
    """
    from pyproj import CRS

    text = json.dumps(meta, sort_keys=True)
    if text not in _CRS:
        crs = None
        ident = meta.get("id") if isinstance(meta, dict) else None
        if isinstance(ident, dict) and ident.get("authority") == "EPSG" and isinstance(ident.get("code"), int):
            try:
                candidate = CRS.from_epsg(ident["code"])
                written = candidate.to_json_dict()
                if written != meta:  # what geopandas writes: the ensemble members without their ids
                    _strip_member_ids(written)
                crs = candidate if written == meta else None
            except Exception:  # noqa: BLE001 - an unknown code: parse the PROJJSON instead
                crs = None
        if crs is None:
            if isinstance(meta, dict):
                parsed: dict = json.loads(text)
                _strip_member_ids(parsed)
                meta = parsed
            crs = CRS.from_user_input(meta)
        _CRS[text] = crs
    return _CRS[text]


def read(folder: Path, name: str, filters=None, digest: str | None = None) -> pd.DataFrame:
    """Read one cached layer (GeoParquet when it has geometry).

    A GeoParquet layer is read as ``geopandas.read_parquet`` reads it (same
    frame, dtypes and CRS), with each distinct CRS built once per process
    (:func:`crs_of`). A layer whose file's SHA-256 ``digest`` is given takes
    its geometry from the copy kept in coordinate arrays
    (:mod:`territoires.territory.nativegeom`) instead of decoding WKB; the
    copy is made from the whole file when there is none yet. ``filters``
    of the form ``[(column, "in", values)]`` are then applied to the rows
    as ``pyarrow`` applies them (same rows, same order); other filters read
    the WKB.
    """
    import pyarrow.parquet as pq

    path = Path(folder) / f"{name}.parquet"
    # a filtered read makes the copy from the whole file only where it can be kept (not in a read-only cache)
    simple = filters is None or (_in_filter(filters) is not None and os.access(settings.cache_dir, os.W_OK))
    if digest is not None and simple:
        frame = _read_native(path, name, digest, filters)
        if frame is not None:
            return frame
    table = pq.read_table(path, filters=None if digest is not None and simple else filters, use_pandas_metadata=True)
    meta = table.schema.metadata or {}
    if b"geo" not in meta:
        return pd.read_parquet(path, filters=filters)
    geo = json.loads(meta[b"geo"])
    geoms = [c for c in table.column_names if c in geo["columns"]]
    if not geoms or any(geo["columns"][c].get("encoding") != "WKB" for c in geoms):
        return gpd.read_parquet(path, filters=filters)
    decoded = {c: shapely.from_wkb(np.array(table[c])) for c in geoms}
    if digest is not None and simple:  # the whole file was read: keep its geometry, then take the rows asked for
        from territoires.territory import nativegeom

        for c, g in decoded.items():
            nativegeom.save(name, digest, c, g)
        if filters is not None:
            keep = _rows(table, filters)
            table = table.filter(keep)
            decoded = {c: g[keep] for c, g in decoded.items()}
    return _frame(table.drop(geoms), meta, geo, decoded, list(table.slice(0, 0).to_pandas().columns))


def _in_filter(filters) -> tuple[str, list] | None:
    """``(column, values)`` of a filter ``[(column, "in", values)]``; None for any other filter."""
    if isinstance(filters, list) and len(filters) == 1 and isinstance(filters[0], tuple) and len(filters[0]) == 3:
        column, op, values = filters[0]
        if op == "in" and isinstance(column, str) and isinstance(values, list | tuple | set):
            return column, list(values)
    return None


def _rows(table, filters) -> np.ndarray:
    """The rows of ``table`` an ``in`` filter keeps (a missing value is never kept, as in pyarrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column, values = _in_filter(filters)  # type: ignore[misc]
    col = table.column(column)
    return pc.is_in(col, value_set=pa.array(values, type=col.type)).fill_null(False).to_numpy(zero_copy_only=False)


def _read_native(path: Path, name: str, digest: str, filters=None) -> pd.DataFrame | None:
    """The layer with its geometry from the kept coordinate arrays, or None (no copy for some column)."""
    import pyarrow.parquet as pq

    from territoires.territory import nativegeom

    pf = pq.ParquetFile(path, memory_map=True)  # one file: no dataset machinery (pyarrow.dataset not imported)
    schema = pf.schema_arrow
    meta = schema.metadata or {}
    if b"geo" not in meta:
        return None
    geo = json.loads(meta[b"geo"])
    geoms = [c for c in schema.names if c in geo["columns"]]
    if not geoms or any(geo["columns"][c].get("encoding") != "WKB" for c in geoms):
        return None
    table = pf.read(columns=[c for c in schema.names if c not in geoms], use_pandas_metadata=True)
    keep = None if filters is None else _rows(table, filters)
    decoded = {}
    for c in geoms:
        g = nativegeom.load(name, digest, c, table.num_rows, keep)
        if g is None:
            return None
        decoded[c] = g
    if keep is not None:
        table = table.filter(keep)
    order = list(schema.empty_table().to_pandas().columns)
    frame = _frame(table, meta, geo, decoded, order)
    for c in geoms:  # the frame's geometry is that file's: a fingerprint can say so without reading coordinates
        nativegeom.remember(frame[c].array, nativegeom.token(digest, c, pf.metadata.num_rows, keep))
    return frame


def _frame(table, meta: dict, geo: dict, decoded: dict[str, np.ndarray], order: list[str]) -> gpd.GeoDataFrame:
    """The GeoDataFrame ``geopandas.read_parquet`` makes of ``table`` (no geometry) and its ``decoded`` geometry columns."""
    df = table.to_pandas()
    for col, g in decoded.items():
        m = geo["columns"][col]
        crs = crs_of(m["crs"]) if "crs" in m and m["crs"] is not None else (None if "crs" in m else "OGC:CRS84")
        df.insert(order.index(col), col, gpd.array.GeometryArray(g, crs=crs))
    if b"PANDAS_ATTRS" in meta:
        df.attrs = json.loads(meta[b"PANDAS_ATTRS"])
    primary = geo["primary_column"] if geo["primary_column"] in decoded else next(iter(decoded))
    return gpd.GeoDataFrame(df, geometry=primary)
