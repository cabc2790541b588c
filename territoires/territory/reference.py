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
the :mod:`territoires.territory.nativegeom` layout (``outline.<column>``).
A SHA-256 of every data buffer is kept in the file's metadata and checked
on every read: a damaged file is made again, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from territoires.fileio import sha256_file
from territoires.territory import derived, nativegeom

__all__ = ["FORMAT", "KIND", "Reference", "decode", "encode", "key", "load_or_make"]

#: Bump when the layout changes (older copies are then simply not found).
FORMAT = 1
#: Folder of the kept reference tables under the derived tables.
KIND = "references-listes"
_DIGEST = b"territoires_sha256"
_FORMER_PANDAS = b"territoires_former_pandas"

#: (communes: Arrow table ``code_insee, nom``; former communes: DataFrame; (outlines, their codes): object arrays)
Reference = tuple[pa.Table, pd.DataFrame, tuple[np.ndarray, np.ndarray]]


def key(folder: Path, files: list[str]) -> str:
    """The key of the reference tables made from ``files`` of the cache ``folder`` (their SHA-256, from the manifest)."""
    try:
        recorded = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    digests = [recorded.get(f) if isinstance(recorded.get(f), str) else sha256_file(Path(folder) / f) for f in files]
    return derived.key_of(KIND, FORMAT, files, digests)


def _one(array: pa.Array) -> pa.Array:
    return pa.LargeListArray.from_arrays(pa.array([0, len(array)], pa.int64()), array)


def _buffers_digest(table: pa.Table) -> str:
    h = hashlib.sha256()
    for name in table.column_names:
        h.update(name.encode() + b"\0")
        for chunk in table.column(name).chunks:
            for b in chunk.buffers():  # the array's buffers and its children's, depth first
                h.update(b"-" if b is None else memoryview(b))
    return h.hexdigest()


def encode(ref: Reference) -> pa.Table | None:
    """The reference as a one-row Arrow table, or None when it cannot be kept exactly (then it is made each time).

    Examples
    --------
    >>> import shapely
    >>> com = pa.table({"code_insee": ["79191"], "nom": ["Niort"]})
    >>> former = pd.DataFrame({"code_insee": ["79999"], "parent_code": ["79191"]})
    >>> out = (np.array([shapely.box(0, 0, 1, 1)], dtype=object), np.array(["79"], dtype=object))
    >>> back = decode(encode((com, former, out)))
    >>> back[0]["nom"].to_pylist(), back[1]["parent_code"].tolist(), back[2][1].tolist()
    (['Niort'], ['79191'], ['79'])
    """
    communes, former, (geoms, codes) = ref
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
    return communes, former, (geoms, codes)


def load_or_make(folder: Path, files: list[str], make: Callable[[], Reference]) -> Reference:
    """The reference of the cache ``folder``: read when kept and intact, else made by ``make()`` and kept."""
    k = key(folder, files)
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
