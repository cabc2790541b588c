"""GeoParquet cache of the joined boundary layers, per source and vintage.

Layout: ``<cache_dir>/<source>-<vintage>-<fingerprint>/`` holding one
GeoParquet file per zone and layer, and ``manifest.json`` with the schema
version and the SHA-256 of every file. A file whose checksum does not match
is treated as corrupt: the cache is rebuilt, never trusted. The folder is
written under a temporary name and renamed, so a killed build leaves no
half-written cache behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

__all__ = ["SCHEMA_VERSION", "entry_dir", "is_valid", "manifest", "read", "write"]

#: Bump when the layout or the columns of cached layers change.
SCHEMA_VERSION = 14


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def entry_dir(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / key


def is_valid(folder: Path, verify: bool = True) -> bool:
    """True if ``folder`` holds a complete cache of the current schema."""
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return False
    try:
        meta = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return False
    if meta.get("schema_version") != SCHEMA_VERSION:
        return False
    for name, digest in meta.get("files", {}).items():
        p = folder / name
        if not p.exists():
            return False
        if verify and p.stat().st_size != meta.get("sizes", {}).get(name):
            return False
        if verify == "full" and _sha256(p) != digest:
            return False
    return True


def write(folder: Path, layers: dict[str, pd.DataFrame], extra: dict | None = None) -> None:
    """Write ``layers`` (name → frame) atomically into ``folder``."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        files, sizes = {}, {}
        for name, frame in layers.items():
            fname = f"{name}.parquet"
            frame.to_parquet(tmp / fname, index=False)  # GeoParquet for GeoDataFrames
            files[fname] = _sha256(tmp / fname)
            sizes[fname] = (tmp / fname).stat().st_size
        meta = {"schema_version": SCHEMA_VERSION, "files": files, "sizes": sizes, **(extra or {})}
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read(folder: Path, name: str, filters=None) -> pd.DataFrame:
    """Read one cached layer (GeoParquet when it has geometry)."""
    path = Path(folder) / f"{name}.parquet"
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if b"geo" in meta:
        return gpd.read_parquet(path, filters=filters)
    return pd.read_parquet(path, filters=filters)


def manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / "manifest.json").read_text())
