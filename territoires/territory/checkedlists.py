"""Checked programme lists kept on disk: a national list costs a read after its first check.

Reading and checking a national list (2,800 France Services rows) costs
about 0.09 s in a new process (2-core development machine), a sixth of it
keeping the result here: every row normalised, every code and point checked
against the boundaries. The result depends only on the file's bytes, how it was
asked for (programme, mapping, source text, reader options), the boundary
cache it was checked against, the library's code that parses and checks it,
and today's date (dates far in the future are warned about). All of that
is the key (:func:`key`); the table and its whole report are kept as one
``listes-verifiees`` derived table of :mod:`territoires.territory.derived`
(an Arrow IPC file: no Parquet encoding to pay on the first check).

Nothing is lost silently: a result is kept only when reading it back gives
exactly the table and report just computed (same columns, dtypes, values
and value types, same report lines, same counts); otherwise it is simply
recomputed each time. The bytes are read back in memory, before the one
write: the file written is the one checked. Files smaller than :data:`DISK_FROM` bytes (curated
tables) are not kept: they are quick to read.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires.fileio import sha256_file
from territoires.sources.programmes.model import ProgrammeTable
from territoires.territory import derived

__all__ = ["DISK_FROM", "SCHEMA", "code_digest", "key", "load", "save"]

#: Bump when the stored layout changes (2: one file, the scalars and the report in its ``attrs``; 3: Arrow IPC).
SCHEMA = 3
#: Files of at least this many bytes (a national list) keep their checked table on disk.
DISK_FROM = 100_000
KIND = "listes-verifiees"
#: The one derived table of a checked list, and the ``attrs`` entry holding its fields and report.
NAME, _META = "liste", "territoires_liste"
_PACKAGE = Path(__file__).resolve().parent.parent
#: The code a checked table is made by: any change there makes the table again.
_CODE = ("sources", "naming.py", "dates.py", "settings.py", "territory/checks.py", "territory/codes.py", "territory/checkedlists.py",
         "territory/reference.py")
_SCALARS = ("programme", "kind", "path", "n_input", "layout", "source_columns", "encoding", "n_lookup")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the library's code that parses and checks a list (what a checked table, and its reference tables, are made by)."""
    h = hashlib.sha256()
    for name in _CODE:
        p = _PACKAGE / name
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(str(f.relative_to(_PACKAGE)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def key(path, programme: str, mapping, source, boundary_folder: Path, kw: dict, today: date | None = None) -> str | None:
    """The key of a checked table, or None when it is not kept (small file, unusual arguments, unreadable file)."""
    p = Path(path)
    try:
        if not p.is_file() or p.stat().st_size < DISK_FROM:
            return None
        file_digest = sha256_file(p)
    except OSError:
        return None
    try:
        asked = json.dumps([str(path), programme, mapping, source, kw], sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return None  # a mapping with functions, unusual options: not kept
    import pyarrow

    return derived.key_of(SCHEMA, file_digest, asked, Path(boundary_folder).name, code_digest(),
                          (today or date.today()).isoformat(), pd.__version__, pyarrow.__version__, gpd.__version__)


# ------------------------------------------------------------------ encoding
def _encode(table: ProgrammeTable) -> tuple[pd.DataFrame, dict]:
    """One frame to keep: the rows (geometry as WKB, or as x and y when every one is a 2D point or missing), and in its
    ``attrs`` the fields, the rows' attrs and the report as JSON."""
    data = pd.DataFrame(table.data)
    geo = isinstance(table.data, gpd.GeoDataFrame)
    layout = []
    if geo:
        g = table.data.geometry
        data = data.drop(columns=[g.name])
        arr = g.to_numpy()
        types = shapely.get_type_id(arr)
        points = arr[types == 0]
        if ((types == 0) | (types == -1)).all() and not (shapely.has_z(points) | shapely.is_empty(points)).any():
            xy = np.full((len(arr), 2), np.nan)
            xy[types == 0] = shapely.get_coordinates(points)
            data["__x"], data["__y"] = xy[:, 0], xy[:, 1]
            layout = ["xy"]
        else:
            data["__wkb"] = shapely.to_wkb(arr, output_dimension=2)
    meta = {k: getattr(table, k) for k in _SCALARS}
    meta |= {
        "attrs": table.data.attrs,
        "geometry": [g.name, g.crs.to_string() if g.crs else None, *layout] if geo else None,
        "report": [[str(c), str(table.report[c].dtype), [_cell(v) for v in table.report[c].tolist()]] for c in table.report.columns]
        if table.report.index.equals(pd.RangeIndex(len(table.report))) else None,
    }
    data.attrs = {_META: json.dumps(meta, ensure_ascii=False)}
    return data, meta


def _cell(v):
    """A report value as JSON: text, bool, int, float, None, or a numpy number tagged with its type."""
    if v is None or type(v) in (str, bool, int):
        return v
    if type(v) is float:
        return v if math.isfinite(v) else {"float": repr(v)}
    if isinstance(v, np.integer | np.floating | np.bool_):
        return {"np": type(v).__name__, "v": v.item()}
    raise TypeError(f"report value {v!r} of type {type(v).__name__}")


def _uncell(v):
    if not isinstance(v, dict):
        return v
    return float(v["float"]) if "float" in v else getattr(np, v["np"])(v["v"])


def _report_column(dtype: str, values: list) -> pd.Series:
    col = pd.Series([_uncell(v) for v in values], dtype=object)
    return col if dtype == "object" else col.astype(dtype)


def _decode(data: pd.DataFrame) -> ProgrammeTable:
    meta = json.loads(data.attrs.pop(_META))
    if meta["geometry"]:
        name, crs, *layout = meta["geometry"]
        if layout == ["xy"]:  # points (a missing one has no x)
            x, y = data.pop("__x").to_numpy(dtype=float), data.pop("__y").to_numpy(dtype=float)
            geoms = np.full(len(x), None, dtype=object)
            has = ~np.isnan(x)
            geoms[has] = shapely.points(x[has], y[has])
        else:
            wkb = data.pop("__wkb").to_numpy(dtype=object)
            geoms = np.full(len(wkb), None, dtype=object)
            has = pd.notna(wkb)
            geoms[has] = shapely.from_wkb(wkb[has])
        data = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, index=data.index, crs=crs, name=name), crs=crs)
        if name != "geometry":
            data = data.rename_geometry(name)
    data.attrs = meta["attrs"]
    report = pd.DataFrame({c: _report_column(dtype, values) for c, dtype, values in meta["report"]})
    return ProgrammeTable(data=data, report=report, **{k: meta[k] for k in _SCALARS})


# ------------------------------------------------------------------ comparison
def _same_values(a: pd.Series, b: pd.Series) -> bool:
    if str(a.dtype) != str(b.dtype) or len(a) != len(b):
        return False
    if isinstance(a.dtype, gpd.array.GeometryDtype):
        return bool(np.all(shapely.equals_identical(a.to_numpy(), b.to_numpy()) | (a.isna().to_numpy() & b.isna().to_numpy())))
    if a.dtype == object:
        xa, xb = a.tolist(), b.tolist()
        if xa == xb and list(map(type, xa)) == list(map(type, xb)):
            return True  # each pair the same object or equal, of one type
        for x, y in zip(xa, xb, strict=True):
            if type(x) is not type(y):
                return False
            if x != y and not (isinstance(x, float) and math.isnan(x) and math.isnan(y)):
                return False
        return True
    return bool(a.equals(b))


def same(a: ProgrammeTable, b: ProgrammeTable) -> bool:
    """Whether two checked tables are identical: fields, columns, dtypes, values and value types, report lines."""
    if any(getattr(a, k) != getattr(b, k) for k in _SCALARS) or type(a.data) is not type(b.data):
        return False
    if a.data.attrs != b.data.attrs:
        return False
    for x, y in ((a.data, b.data), (a.report, b.report)):
        if list(x.columns) != list(y.columns) or not x.index.equals(y.index):
            return False
        x, y = pd.DataFrame(x, copy=False), pd.DataFrame(y, copy=False)  # columns read without copying attrs (compared above)
        if not all(_same_values(x[c], y[c]) for c in x.columns):
            return False
    return True


# ------------------------------------------------------------------ store
def _to_bytes(data: pd.DataFrame):
    """The frame made by :func:`_encode` as the bytes of an Arrow IPC file (what ``to_parquet`` keeps of it, without Parquet)."""
    import pyarrow as pa

    return derived.arrow_bytes(pa.Table.from_pandas(data, preserve_index=False, nthreads=1))


def _from_arrow(table) -> ProgrammeTable | None:
    try:
        return _decode(table.to_pandas())
    except (KeyError, ValueError, TypeError, IndexError):
        return None


def load(k: str) -> ProgrammeTable | None:
    """The checked table kept under ``k``, or None."""
    table = derived.load_arrow(KIND, NAME, k)
    return None if table is None else _from_arrow(table)


def save(k: str, table: ProgrammeTable) -> bool:
    """Keep ``table`` under ``k`` if its bytes read back identical; True when kept.

    The bytes are read back in memory and compared with ``table`` before
    they are written: nothing that does not reproduce the table, every
    report line and the counts exactly is ever written.
    """
    import pyarrow as pa

    try:
        data, meta = _encode(table)
        if meta["report"] is None:
            return False
        raw = _to_bytes(data)
        back = _from_arrow(pa.ipc.open_file(raw).read_all())
    except (TypeError, ValueError, pa.ArrowException):
        return False
    if back is None or not same(back, table):
        return False
    return derived.save_bytes(KIND, NAME, k, raw)


def cache_folder() -> Path:
    """Where checked tables are kept."""
    return derived.path_of(KIND, "x", "x", derived.ARROW).parent
