"""Derived tables kept on disk: computed once per boundary vintage (or input file), then read.

Some results cost seconds nationally and depend only on things that change
rarely: the simplified map layers (``maps.geometry``), the population origin
points of the access model, a national list checked against the boundaries.
They are kept under ``<cache_dir>/<kind>/`` in Parquet files whose name is a
hash of everything they were made from (:func:`key_of`), so a changed
boundary cache, tolerance or input file never reuses a stale table: it just
misses and the table is made again.

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

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from territoires import settings
from territoires.fileio import atomic_path

__all__ = ["key_of", "path_of", "load", "save", "territory_key"]


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


def path_of(kind: str, name: str, key: str) -> Path:
    """The file of one derived table: ``<cache_dir>/<kind>/<name>-<key>.parquet``."""
    return Path(settings.cache_dir) / kind / f"{name}-{key}.parquet"


def load(kind: str, name: str, key: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The table kept under this key, or ``None`` when there is none (or it cannot be read)."""
    path = path_of(kind, name, key)
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, KeyError):
        return None


def save(kind: str, name: str, key: str, table: pd.DataFrame) -> None:
    """Keep ``table`` under this key; a cache folder that cannot be written is skipped quietly."""
    path = path_of(kind, name, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            table.to_parquet(tmp, index=False)
    except OSError:
        pass
