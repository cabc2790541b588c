"""Atomic file writes shared by every room (a killed run never leaves half a file), and file digests."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

__all__ = ["STALE_SECONDS", "atomic_path", "safe_name", "sha256_file", "write_bytes", "write_text"]


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    The rename is atomic on POSIX: readers see the old file or the new one,
    never a partial one; two writers racing leave one complete file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


#: A temporary file older than this was left by a killed writer and is removed.
STALE_SECONDS = 600


def _sweep_stale(path: Path) -> None:
    now = time.time()
    for p in path.parent.glob(f".{path.name}.*"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > STALE_SECONDS:
                p.unlink()


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def safe_name(text: str) -> str:
    """A file-name-safe slug: no separators, no dots at the start, no traversal.

    >>> safe_name("../../etc/passwd")
    'etc-passwd'
    >>> safe_name("France Services 79")
    'france-services-79'
    """
    import re
    import unicodedata

    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = re.sub(r"[^a-z0-9_]+", "-", t).strip("-_")
    return t or "sans-nom"


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read 1 MiB at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
