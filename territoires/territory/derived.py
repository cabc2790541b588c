"""Derived tables kept on disk: computed once per boundary vintage (or input file), then read.

Some results cost seconds nationally and depend only on things that change
rarely: the simplified map layers (``maps.geometry``), the population origin
points of the access model, a national list checked against the boundaries.
They are kept under ``<cache_dir>/derived/<kind>/`` in Parquet files whose name is a
hash of everything they were made from (:func:`key_of`), so a changed
boundary cache, tolerance or input file never reuses a stale table: it just
misses and the table is made again. Reading a table touches its file;
:func:`sweep` (run when the boundary cache is rebuilt) removes tables
nobody read for :data:`UNUSED_DAYS` days, which is how tables of an older
boundary vintage go; ``territoires cache`` lists them and ``--clear``
removes them with the rest.

Writes are atomic (:func:`territoires.fileio.atomic_path`); a read-only or
full cache folder is not an error (the table is recomputed next time); an
unreadable file is treated as missing.

Examples
--------
>>> import pandas as pd, tempfile
>>> from territoires import settings
>>> old, settings.cache_dir = settings.cache_dir, tempfile.mkdtemp()
>>> k = key_of("exemple", 1, ["a", "b"])
>>> load("exemples", "t", k) is None
True
>>> save("exemples", "t", k, pd.DataFrame({"x": [1, 2]}))
>>> load("exemples", "t", k)["x"].tolist()
[1, 2]
>>> settings.cache_dir = old
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from territoires import settings
from territoires.fileio import atomic_path

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["UNUSED_DAYS", "arrow_bytes", "clear", "entries", "key_of", "load", "load_arrow", "path_of", "save", "save_arrow",
           "save_bytes", "sweep", "territory_key"]

#: A derived table nobody read for this many days is removed by :func:`sweep`.
UNUSED_DAYS = 30

#: Folder of the derived tables under the cache folder.
FOLDER = "derived"


def key_of(*parts: object) -> str:
    """A short stable hash of ``parts`` (strings, numbers, or iterables of them)."""
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, str | bytes | int | float) or p is None:
            items: Iterable[object] = (p,)
        else:
            items = p  # type: ignore[assignment]
        for x in items:
            h.update(x if isinstance(x, bytes) else str(x).encode())
            h.update(b"\0")
        h.update(b"\1")
    return h.hexdigest()[:20]


def territory_key(territory, *parts: object) -> str:
    """:func:`key_of` the territory's boundaries (source, COG year, CRS, commune codes) and ``parts``."""
    codes = territory.communes["code_insee"].astype(str).to_numpy()
    return key_of(territory.source, territory.vintage, getattr(territory, "geometry_vintage", ""), str(territory.crs),
                  len(codes), "\0".join(codes), *parts)


def path_of(kind: str, name: str, key: str, suffix: str = ".parquet") -> Path:
    """The file of one derived table: ``<cache_dir>/<kind>/<name>-<key>.parquet`` (or another ``suffix``)."""
    return Path(settings.cache_dir) / FOLDER / kind / f"{name}-{key}{suffix}"


def load(kind: str, name: str, key: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The table kept under this key, or ``None`` when there is none (or it cannot be read)."""
    path = path_of(kind, name, key)
    if not path.is_file():
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:  # one file: read without the dataset machinery pd.read_parquet imports (~15 ms per process)
        table = pq.ParquetFile(path).read(columns=columns, use_pandas_metadata=True).to_pandas()
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # read: kept by sweep()
    return table


def save(kind: str, name: str, key: str, table: pd.DataFrame) -> None:
    """Keep ``table`` under this key; a cache folder that cannot be written is skipped quietly."""
    path = path_of(kind, name, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            table.to_parquet(tmp, index=False)
    except OSError:
        pass


#: Suffix of the tables kept as Arrow IPC files (:func:`save_arrow`).
ARROW = ".arrow"


def load_arrow(kind: str, name: str, key: str) -> pa.Table | None:
    """The Arrow table kept under this key (memory-mapped), or ``None`` when there is none or it cannot be read."""
    import pyarrow as pa

    path = path_of(kind, name, key, ARROW)
    try:
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # read: kept by sweep()
    return table


def save_arrow(kind: str, name: str, key: str, table: pa.Table, compression: str | None = None) -> None:
    """Keep an Arrow ``table`` under this key (Arrow IPC file); a cache folder that cannot be written is skipped.

    Uncompressed (default), the file is read back memory-mapped without a copy.
    """
    import pyarrow as pa

    path = path_of(kind, name, key, ARROW)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, pa.OSFile(str(tmp), "wb") as sink, \
                pa.ipc.new_file(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression=compression)) as writer:
            writer.write_table(table)
    except OSError:
        pass


def arrow_bytes(table: pa.Table, compression: str | None = None) -> pa.Buffer:
    """``table`` as the bytes of an Arrow IPC file (what :func:`save_arrow` writes), in memory.

    Read back with ``pyarrow.ipc.open_file(buffer)`` to check them before
    keeping them with :func:`save_bytes`.
    """
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression=compression)) as writer:
        writer.write_table(table)
    return sink.getvalue()


def save_bytes(kind: str, name: str, key: str, data, suffix: str = ARROW) -> bool:
    """Keep ready-made bytes (e.g. :func:`arrow_bytes`) under this key, atomically; False when the folder cannot be written."""
    path = path_of(kind, name, key, suffix)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            fh.write(memoryview(data))
    except OSError:
        return False
    return True


def _root(cache_dir: Path | None) -> Path:
    return Path(settings.cache_dir if cache_dir is None else cache_dir) / FOLDER


def entries(cache_dir: Path | None = None) -> list[dict]:
    """One row per kind of derived table: ``kind``, ``files``, ``bytes``."""
    root = _root(cache_dir)
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        files = [f for f in d.iterdir() if f.is_file() and f.suffix in (".parquet", ARROW)]
        out.append({"kind": d.name, "files": len(files), "bytes": sum(f.stat().st_size for f in files)})
    return out


def sweep(cache_dir: Path | None = None, now: float | None = None, days: float = UNUSED_DAYS) -> list[Path]:
    """Remove derived tables not read for ``days`` days (and abandoned temporary files); the paths removed."""
    root = _root(cache_dir)
    now = time.time() if now is None else now
    removed = []
    for f in root.glob("*/*") if root.is_dir() else []:
        try:
            if f.is_file() and now - f.stat().st_mtime > days * 86400:
                f.unlink()
                removed.append(f)
        except OSError:
            continue
    return removed


def clear(cache_dir: Path | None = None) -> int:
    """Remove every derived table; bytes freed."""
    root = _root(cache_dir)
    if not root.is_dir():
        return 0
    freed = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    shutil.rmtree(root, ignore_errors=True)
    return freed
