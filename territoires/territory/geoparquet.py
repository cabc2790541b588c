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
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

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
    (:func:`crs_of`). A layer read whole (no ``filters``) whose file's
    SHA-256 ``digest`` is given takes its geometry from the copy kept in
    coordinate arrays (:mod:`territoires.territory.nativegeom`) instead of
    decoding WKB, and keeps that copy when there is none yet.
    """
    import pyarrow.parquet as pq

    path = Path(folder) / f"{name}.parquet"
    if filters is None and digest is not None:
        frame = _read_native(path, name, digest)
        if frame is not None:
            return frame
    table = pq.read_table(path, filters=filters, use_pandas_metadata=True)
    meta = table.schema.metadata or {}
    if b"geo" not in meta:
        return pd.read_parquet(path, filters=filters)
    geo = json.loads(meta[b"geo"])
    geoms = [c for c in table.column_names if c in geo["columns"]]
    if not geoms or any(geo["columns"][c].get("encoding") != "WKB" for c in geoms):
        return gpd.read_parquet(path, filters=filters)
    decoded = {c: shapely.from_wkb(np.array(table[c])) for c in geoms}
    if filters is None and digest is not None:
        from territoires.territory import nativegeom

        for c, g in decoded.items():
            nativegeom.save(name, digest, c, g)
    return _frame(table.drop(geoms), meta, geo, decoded, list(table.slice(0, 0).to_pandas().columns))


def _read_native(path: Path, name: str, digest: str) -> pd.DataFrame | None:
    """The layer with its geometry from the kept coordinate arrays, or None (no copy for some column)."""
    import pyarrow.parquet as pq

    from territoires.territory import nativegeom

    pf = pq.ParquetFile(path, memory_map=True)  # one file read whole: no dataset machinery (pyarrow.dataset not imported)
    schema = pf.schema_arrow
    meta = schema.metadata or {}
    if b"geo" not in meta:
        return None
    geo = json.loads(meta[b"geo"])
    geoms = [c for c in schema.names if c in geo["columns"]]
    if not geoms or any(geo["columns"][c].get("encoding") != "WKB" for c in geoms):
        return None
    decoded = {}
    for c in geoms:
        g = nativegeom.load(name, digest, c, pf.metadata.num_rows)
        if g is None:
            return None
        decoded[c] = g
    table = pf.read(columns=[c for c in schema.names if c not in geoms], use_pandas_metadata=True)
    order = list(schema.empty_table().to_pandas().columns)
    return _frame(table, meta, geo, decoded, order)


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
