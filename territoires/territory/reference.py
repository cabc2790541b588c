"""The reference tables the list checks need, kept as one small derived table.

Checking a programme list (:mod:`territoires.territory.checks`) needs the
vintage's commune codes and names, the former communes and the département
outlines in WGS 84. Read from the boundary cache they cost four Parquet
reads, a WKB decode and the Parquet module's import in every new process.
They are made once per boundary cache and kept here as ONE Arrow IPC file
(:func:`territoires.territory.derived.save_arrow` layout, uncompressed,
memory-mapped when read), keyed by the SHA-256 of the cache files they are
made from (the cache's manifest holds them): a rebuilt cache makes them again.

The file holds one row of list columns (its parts have different lengths):
``code_insee``, ``nom`` (the communes), ``former.<column>`` (the former
communes table with its pandas metadata, so that it reads back as the very
frame ``pandas.read_parquet`` gives), ``outline_code`` and the outlines in
the :mod:`territoires.territory.nativegeom` layout (``outline.<column>``),
and ``interior``/``interior_code``: the cells of a grid of 1/:data:`GRID`
degree lying wholly inside a département's outline (:func:`interior_cells`).
A site point in such a cell of its own département lies in that
département: the checks then need no geometry test for it.
A CRC-32 of every data buffer is kept in the file's metadata and checked on
every read (under 1 ms for the 3 MB of France): a damaged file is made
again, never trusted.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from territoires.fileio import sha256_file
from territoires.territory import derived, nativegeom

__all__ = ["FORMAT", "GRID", "KIND", "Reference", "cell_keys", "decode", "encode", "interior_cells", "key", "load_or_make"]

#: Bump when the layout changes (older copies are then simply not found).
FORMAT = 3
#: Cells per degree of the interior grid (a power of two: a coordinate's cell is computed exactly).
GRID = 32
#: A margin added around each cell before testing it lies inside an outline (far above any rounding of a cell's bounds).
_MARGIN = 1e-9
_SHIFT = 21  # bits of a cell's column and row in its key (360 × GRID < 2**21)
#: Folder of the kept reference tables under the derived tables.
KIND = "references-listes"
_DIGEST = b"territoires_crc32"
_FORMER_PANDAS = b"territoires_former_pandas"

#: (communes: Arrow table ``code_insee, nom``; former communes: DataFrame; (outlines, their codes): object arrays;
#: (sorted keys of the interior cells, the département codes they index))
Reference = tuple[pa.Table, pd.DataFrame, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, list[str]]]


def cell_keys(x: np.ndarray, y: np.ndarray, code_index: np.ndarray) -> np.ndarray:
    """The key of the grid cell of each point (longitude ``x``, latitude ``y``) for a département index; −1 where none.

    Examples
    --------
    >>> cell_keys(np.array([0.001, 0.002, np.nan]), np.array([46.001, 46.002, 1.0]), np.array([1, 1, 1])).tolist()
    [4410126110976, 4410126110976, -1]
    """
    with np.errstate(invalid="ignore"):
        ix, iy = np.floor((x + 180.0) * GRID), np.floor((y + 90.0) * GRID)
        ok = (ix >= 0) & (ix < 2**_SHIFT) & (iy >= 0) & (iy < 2**_SHIFT) & (code_index >= 0)
    keys = np.full(len(x), -1, dtype=np.int64)
    keys[ok] = (code_index[ok].astype(np.int64) << (2 * _SHIFT)) | (ix[ok].astype(np.int64) << _SHIFT) | iy[ok].astype(np.int64)
    return keys


def interior_cells(geoms: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The sorted keys (:func:`cell_keys`) of the grid cells lying inside an outline of their département, and the codes.

    A cell, grown by a margin far above the rounding of its bounds and of a
    point's cell, is kept when its outline contains it: every point whose
    cell it is lies in the outline (distance 0 to it).

    Examples
    --------
    >>> import shapely
    >>> keys, names = interior_cells(np.array([shapely.box(0, 45, 1, 46)], dtype=object), np.array(["79"], dtype=object))
    >>> len(keys), names
    (900, ['79'])
    """
    import shapely

    names = sorted({c for c in codes.tolist() if type(c) is str})
    index = {c: i for i, c in enumerate(names)}
    keys = [np.empty(0, dtype=np.int64)]
    for o, c in zip(geoms.tolist(), codes.tolist(), strict=True):
        if type(c) is not str or o is None or shapely.is_empty(o):
            continue
        x0, y0, x1, y1 = o.bounds
        ix = np.arange(np.floor((x0 + 180.0) * GRID), np.floor((x1 + 180.0) * GRID) + 1)
        iy = np.arange(np.floor((y0 + 90.0) * GRID), np.floor((y1 + 90.0) * GRID) + 1)
        gx, gy = (a.ravel() for a in np.meshgrid(ix, iy))
        boxes = shapely.box(gx / GRID - 180.0 - _MARGIN, gy / GRID - 90.0 - _MARGIN,
                            (gx + 1) / GRID - 180.0 + _MARGIN, (gy + 1) / GRID - 90.0 + _MARGIN)
        shapely.prepare(o)
        inside = shapely.contains(o, boxes)
        keys.append(cell_keys((gx[inside] + 0.5) / GRID - 180.0, (gy[inside] + 0.5) / GRID - 90.0,
                              np.full(int(inside.sum()), index[c])))
    k = np.unique(np.concatenate(keys))
    return k[k >= 0], names


def key(folder: Path, files: list[str], code: str = "") -> str:
    """The key of the reference tables made from ``files`` of the cache ``folder`` (their SHA-256, from the manifest)
    by the code whose digest is ``code``."""
    try:
        recorded = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    digests = [recorded.get(f) if isinstance(recorded.get(f), str) else sha256_file(Path(folder) / f) for f in files]
    return derived.key_of(KIND, FORMAT, files, digests, code)


def _one(array: pa.Array) -> pa.Array:
    return pa.LargeListArray.from_arrays(pa.array([0, len(array)], pa.int64()), array)


def _buffers_digest(table: pa.Table) -> str:
    """A CRC-32 of every buffer of ``table`` (the array's and its children's, depth first), with the column names."""
    crc = 0
    for name in table.column_names:
        crc = zlib.crc32(name.encode() + b"\0", crc)
        for chunk in table.column(name).chunks:
            for b in chunk.buffers():
                crc = zlib.crc32(b"-" if b is None else memoryview(b), crc)
    return f"{crc:08x}"


def encode(ref: Reference) -> pa.Table | None:
    """The reference as a one-row Arrow table, or None when it cannot be kept exactly (then it is made each time).

    Examples
    --------
    >>> import shapely
    >>> com = pa.table({"code_insee": ["79191"], "nom": ["Niort"]})
    >>> former = pd.DataFrame({"code_insee": ["79999"], "parent_code": ["79191"]})
    >>> out = (np.array([shapely.box(0, 0, 1, 1)], dtype=object), np.array(["79"], dtype=object))
    >>> back = decode(encode((com, former, out, interior_cells(*out))))
    >>> back[0]["nom"].to_pylist(), back[1]["parent_code"].tolist(), back[2][1].tolist()
    (['Niort'], ['79191'], ['79'])
    """
    communes, former, (geoms, codes), (cells, cell_codes) = ref
    if type(former) is not pd.DataFrame or not all(type(c) is str or (type(c) is float and np.isnan(c)) for c in codes.tolist()):
        return None
    outlines = nativegeom.encode(geoms)
    if outlines is None:
        return None
    try:
        f = pa.Table.from_pandas(former)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    cols = {"code_insee": _one(communes.column("code_insee").combine_chunks()), "nom": _one(communes.column("nom").combine_chunks())}
    cols |= {f"former.{c}": _one(f.column(c).combine_chunks()) for c in f.column_names}
    cols["outline_code"] = _one(pa.array([c if type(c) is str else None for c in codes.tolist()], pa.string()))
    cols |= {f"outline.{c}": outlines.column(c).combine_chunks() for c in outlines.column_names}
    cols["interior"] = _one(pa.array(cells, pa.int64()))
    cols["interior_code"] = _one(pa.array(cell_codes, pa.string()))
    table = pa.table(cols)
    # the digest of the buffers as they read back from the file's bytes (what load sees)
    back = pa.ipc.open_file(derived.arrow_bytes(table)).read_all()
    return table.replace_schema_metadata({_DIGEST: _buffers_digest(back).encode(), _FORMER_PANDAS: f.schema.metadata[b"pandas"]})


def _values(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    if column.num_chunks != 1 or len(column) != 1:
        raise ValueError(f"{name}: not one row")
    return column.chunk(0).values


def decode(table: pa.Table) -> Reference:
    """The reference kept by :func:`encode`; ValueError (or KeyError) when the table is not one :func:`encode` made."""
    meta = table.schema.metadata or {}
    if meta.get(_DIGEST, b"").decode() != _buffers_digest(table):
        raise ValueError("the reference table's data do not match their digest")
    communes = pa.table({"code_insee": _values(table, "code_insee"), "nom": _values(table, "nom")})
    names = [c for c in table.column_names if c.startswith("former.")]
    former = pa.table({c[len("former."):]: _values(table, c) for c in names}, metadata={b"pandas": meta[_FORMER_PANDAS]}).to_pandas()
    outlines = pa.table({c[len("outline."):]: table.column(c) for c in table.column_names if c.startswith("outline.")})
    geoms = nativegeom.decode(outlines)
    codes = np.array([np.nan if c is None else c for c in _values(table, "outline_code").to_pylist()], dtype=object)
    if len(codes) != len(geoms) or len(communes) == 0:
        raise ValueError("outlines and codes differ in length")
    cells = _values(table, "interior").to_numpy()
    if len(cells) > 1 and not (np.diff(cells) > 0).all():
        raise ValueError("interior cells not sorted")
    return communes, former, (geoms, codes), (cells, _values(table, "interior_code").to_pylist())


def load_or_make(folder: Path, files: list[str], make: Callable[[], Reference], code: str = "") -> Reference:
    """The reference of the cache ``folder``: read when kept and intact, else made by ``make()`` and kept.

    ``code``: a digest of the code that makes it (a change makes it again).
    """
    try:
        k = key(folder, files, code)
    except OSError:  # a file of the cache cannot be read: made (and failing) as without the store
        return make()
    table = derived.load_arrow(KIND, "reference", k)
    if table is not None:
        try:
            return decode(table)
        except (KeyError, ValueError, TypeError, IndexError, pa.ArrowException):
            pass  # damaged or foreign: made again below
    ref = make()
    table = encode(ref)
    if table is not None:
        derived.save_arrow(KIND, "reference", k, table)
    return ref
