"""GeoParquet cache of the joined boundary layers, per source and vintage.

Layout, for one cache key ``<source>-<vintage>-<fingerprint>``::

    <cache_dir>/<key>.current          pointer: {"folder": ..., "manifest_sha256": ...}
    <cache_dir>/<key>@<version>/        one complete version: *.parquet + manifest.json
    <cache_dir>/.tmp-<key>-*/           a version being built (swept when stale)

A version is built under a temporary name, renamed to its own versioned
folder, and only then published by replacing the pointer file atomically
(:func:`territoires.fileio.write_text`). A reader follows the pointer once and
reads one folder that nobody writes to: it sees the old version or the new
one, never a half-built one. A replaced version is kept for
:data:`RETIRED_GRACE` seconds for readers that followed the old pointer, then
swept, as are temporary folders left by a killed build.

Checks. On every load (cheap): the pointer's manifest digest, the manifest's
schema (anything unexpected means rebuild), every file of the layout present
with the size and modification time the manifest recorded. The SHA-256 of
every file is computed when the cache is built and compared only when asked
(:func:`verify`, ``territoires cache --verify``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd

from territoires.fileio import sha256_file, write_text
from territoires.territory.geoparquet import crs_of, read

__all__ = [
    "SCHEMA_VERSION", "check", "clear", "crs_of", "current", "entries", "manifest", "pointer_path", "read",
    "schema_problem", "sweep", "verify", "write",
]

log = logging.getLogger(__name__)

#: Bump when the layout or the columns of cached layers change.
SCHEMA_VERSION = 15
#: Seconds a replaced version stays on disk for readers that still use it.
RETIRED_GRACE = 600
#: Seconds after which a temporary build folder is considered abandoned.
STALE_TMP = 3600

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FILE = re.compile(r"^[A-Za-z0-9_.-]+\.parquet$")


def pointer_path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / f"{key}.current"


def _read_pointer(cache_dir: Path, key: str) -> dict | None:
    try:
        data = json.loads(pointer_path(cache_dir, key).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    folder, digest = data.get("folder"), data.get("manifest_sha256")
    if not isinstance(folder, str) or not folder.startswith(f"{key}@") or "/" in folder or "\\" in folder:
        return None
    if not isinstance(digest, str) or not _HEX64.match(digest):
        return None
    return data


def schema_problem(meta: object, required: set[str] | frozenset[str] | None = None) -> str | None:
    """Why ``meta`` is not a manifest of the current schema (None if it is)."""
    if not isinstance(meta, dict):
        return f"manifest is a {type(meta).__name__}, not an object"
    if meta.get("schema_version") != SCHEMA_VERSION:
        return f"schema version {meta.get('schema_version')!r}, expected {SCHEMA_VERSION}"
    files, sizes, mtimes = meta.get("files"), meta.get("sizes"), meta.get("mtimes")
    if not (isinstance(files, dict) and isinstance(sizes, dict) and isinstance(mtimes, dict)):
        return "files, sizes and mtimes must be objects"
    if not files:
        return "no file listed"
    for name, digest in files.items():
        if not _FILE.match(name):
            return f"unexpected file name {name!r}"
        if not isinstance(digest, str) or not _HEX64.match(digest):
            return f"bad digest for {name}"
        if not isinstance(sizes.get(name), int) or isinstance(sizes.get(name), bool) or sizes[name] < 0:
            return f"bad size for {name}"
        if not isinstance(mtimes.get(name), int) or isinstance(mtimes.get(name), bool):
            return f"bad mtime for {name}"
    if set(sizes) != set(files) or set(mtimes) != set(files):
        return "files, sizes and mtimes list different files"
    deps = meta.get("departements")
    if not isinstance(deps, list) or not deps or not all(isinstance(d, str) for d in deps):
        return "departements must be a non-empty list of codes"
    for k in ("source", "vintage"):
        if not isinstance(meta.get(k), str):
            return f"{k} must be text"
    if not isinstance(meta.get("notes", []), list) or not all(isinstance(n, str) for n in meta.get("notes", [])):
        return "notes must be a list of text"
    if required is not None:
        wanted = {f"{n}.parquet" for n in required}
        if wanted - set(files):
            return f"layout incomplete: {', '.join(sorted(wanted - set(files))[:3])} missing"
    return None


def check(folder: Path, meta: dict, full: bool = False) -> str | None:
    """Why the files of ``folder`` do not match ``meta`` (None if they do).

    Cheap (default): every file exists with its recorded size; a file whose
    mtime differs from the recorded one (copied, or written over) has its
    SHA-256 compared. ``full``: the SHA-256 of every file.
    """
    for name, digest in meta["files"].items():
        p = folder / name
        try:
            st = p.stat()
        except OSError:
            return f"{name} missing"
        if st.st_size != meta["sizes"][name]:
            return f"{name}: size {st.st_size}, expected {meta['sizes'][name]}"
        touched = st.st_mtime_ns != meta["mtimes"][name]  # copied, or written over
        if (full or touched) and sha256_file(p) != digest:
            return f"{name}: SHA-256 does not match the manifest"
    return None


def current(cache_dir: Path, key: str, required: set[str] | frozenset[str] | None = None, full: bool = False) -> tuple[Path | None, str | None]:
    """The published version folder of ``key`` if it passes the checks.

    Returns ``(folder, None)`` or ``(None, reason)``; reason is None when
    there is simply no cache yet.
    """
    ptr = _read_pointer(cache_dir, key)
    if ptr is None:
        return None, ("pointer file unreadable" if pointer_path(cache_dir, key).exists() else None)
    folder = Path(cache_dir) / ptr["folder"]
    try:
        raw = (folder / "manifest.json").read_bytes()
    except OSError:
        return None, "manifest missing"
    if hashlib.sha256(raw).hexdigest() != ptr["manifest_sha256"]:
        return None, "manifest does not match its signature in the pointer file"
    try:
        meta = json.loads(raw)
    except ValueError:
        return None, "manifest is not JSON"
    why = schema_problem(meta, required) or check(folder, meta, full=full)
    return (None, why) if why else (folder, None)


def write(cache_dir: Path, key: str, layers: dict[str, pd.DataFrame], extra: dict | None = None) -> Path:
    """Write ``layers`` (name → frame) as a new version of ``key`` and publish it."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    sweep(cache_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=cache_dir))
    try:
        files, sizes = {}, {}
        for name, frame in layers.items():
            fname = f"{name}.parquet"
            frame.to_parquet(tmp / fname, index=False)  # GeoParquet for GeoDataFrames
            files[fname] = sha256_file(tmp / fname)
            sizes[fname] = (tmp / fname).stat().st_size
        mtimes = {f: (tmp / f).stat().st_mtime_ns for f in files}
        meta = {"schema_version": SCHEMA_VERSION, "files": files, "sizes": sizes, "mtimes": mtimes, **(extra or {})}
        raw = json.dumps(meta, indent=1, ensure_ascii=False).encode("utf-8")
        (tmp / "manifest.json").write_bytes(raw)
        version = f"{key}@{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        folder = cache_dir / version
        os.rename(tmp, folder)  # renames keep the files' mtimes
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = _read_pointer(cache_dir, key)
    pointer = {"folder": version, "manifest_sha256": hashlib.sha256(raw).hexdigest()}
    write_text(pointer_path(cache_dir, key), json.dumps(pointer))
    if old and old["folder"] != version:
        with contextlib.suppress(OSError):  # start the retired version's grace period
            os.utime(cache_dir / old["folder"])
    return folder


def sweep(cache_dir: Path, now: float | None = None) -> list[Path]:
    """Remove abandoned temporary folders and retired versions past their grace."""
    cache_dir = Path(cache_dir)
    now = time.time() if now is None else now
    live = set()
    for ptr in cache_dir.glob("*.current"):
        data = _read_pointer(cache_dir, ptr.name[: -len(".current")])
        if data:
            live.add(data["folder"])
    removed = []
    for p in cache_dir.iterdir() if cache_dir.is_dir() else []:
        try:
            age = now - p.stat().st_mtime
        except OSError:
            continue
        stale = (
            (p.name.startswith(".tmp-") and age > STALE_TMP)
            or ("@" in p.name and p.is_dir() and p.name not in live and age > RETIRED_GRACE)
            # layout of schema <= 10: one folder per key, no pointer
            or (p.is_dir() and "@" not in p.name and (p / "manifest.json").exists())
            # simplified map layers before territory/derived.py (now under derived/cartes)
            or (p.is_dir() and p.name == "cartes")
        )
        if stale:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    from territoires.territory import derived

    return removed + derived.sweep(cache_dir, now)


def manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------- show / verify / clear
def entries(cache_dir: Path) -> list[dict]:
    """One row per cache key: its version folder, size, source and vintage."""
    cache_dir = Path(cache_dir)
    out = []
    for ptr in sorted(cache_dir.glob("*.current")) if cache_dir.is_dir() else []:
        key = ptr.name[: -len(".current")]
        data = _read_pointer(cache_dir, key)
        folder = cache_dir / data["folder"] if data else None
        size = sum(f.stat().st_size for f in folder.iterdir()) if folder and folder.is_dir() else 0
        try:
            meta = manifest(folder) if folder else {}
        except (OSError, ValueError):
            meta = {}
        out.append({"key": key, "folder": folder, "bytes": size, "source": meta.get("source", "?") if isinstance(meta, dict) else "?",
                    "vintage": meta.get("vintage", "?") if isinstance(meta, dict) else "?"})
    return out


def verify(cache_dir: Path) -> list[tuple[str, str | None]]:
    """Full check (SHA-256 of every file) of every published version: (key, problem or None).

    The geometry kept from the files of an intact version is compared with
    them too (:func:`territoires.territory.nativegeom.verify`); a copy that
    differs is removed, with a warning.
    """
    from territoires.territory import nativegeom

    out = []
    for e in entries(cache_dir):
        folder, why = current(cache_dir, e["key"], full=True)
        if folder is not None:  # the files are intact: so must be the geometry kept from them (nativegeom)
            for name in nativegeom.verify(folder, manifest(folder)["files"]):
                log.warning("copie de la géométrie %s différente du cache : supprimée (refaite à la prochaine lecture)", name)
        out.append((e["key"], why or (None if e["folder"] else "pointer file unreadable")))
    return out


def clear(cache_dir: Path) -> int:
    """Remove every cached version, pointer and temporary folder; bytes freed."""
    cache_dir = Path(cache_dir)
    freed = 0
    if not cache_dir.is_dir():
        return 0
    for p in cache_dir.iterdir():
        if p.name == "README.md":
            continue
        # derived tables (territory/derived.py) and their former folder ``cartes`` go too
        if p.is_dir() and (p.name.startswith(".tmp-") or "@" in p.name or (p / "manifest.json").exists()
                           or p.name in ("geo-api", "derived", "cartes")):
            freed += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and p.name.endswith(".current"):
            freed += p.stat().st_size
            p.unlink()
    return freed
