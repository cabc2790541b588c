"""The store of national programme lists: downloaded or imported once, used offline after.

A list is a file kept byte for byte under ``<cache_dir>/listes-nationales/``
with one entry in ``index.json``: programme, file name, SHA-256, size, where
it came from (data.gouv.fr resource id, dataset, URL, licence, last-modified
date; or the local file given), the date of the list (``date_liste``: the
state it describes) and when it was registered. The last list registered for
a programme is the one in use; :func:`entries` lists them all.

The store holds files, not interpretations: reading and checking a list is
the programme readers' job, each time from these bytes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from territoires import settings
from territoires.errors import InputError
from territoires.fileio import sha256_file

__all__ = ["ListEntry", "current", "date_in_name", "entries", "folder", "register", "verify"]

FOLDER = "listes-nationales"


@dataclass
class ListEntry:
    """One stored list."""

    programme: str
    file: str
    sha256: str
    size: int
    date_liste: str  # ISO date: the state the list describes
    date_source: str  # how date_liste was found
    origin: str  # "data.gouv.fr" or "fichier"
    url: str = ""
    resource_id: str = ""
    dataset: str = ""
    licence: str = ""
    last_modified: str = ""
    title: str = ""
    registered_at: str = ""

    @property
    def path(self) -> Path:
        return folder() / self.file

    @property
    def list_date(self) -> date:
        return date.fromisoformat(self.date_liste)


def folder() -> Path:
    """Where the lists are kept: ``$TERRITOIRES_LISTS_DIR``, else ``<settings.cache_dir>/listes-nationales`` (read when used)."""
    env = os.environ.get("TERRITOIRES_LISTS_DIR")
    return Path(env) if env else Path(settings.cache_dir) / FOLDER


def _index_path() -> Path:
    return folder() / "index.json"


def entries(programme_key: str | None = None) -> list[ListEntry]:
    """Every stored list (of one programme if given), oldest registration first."""
    p = _index_path()
    if not p.exists():
        return []
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(p, f"index des listes nationales illisible ({exc}) ; supprimez le dossier et enregistrez de nouveau les listes") from exc
    out = [ListEntry(**e) for e in raw]
    return [e for e in out if programme_key is None or e.programme == programme_key]


def current(programme_key: str) -> ListEntry | None:
    """The list in use for ``programme_key``: the last registered; its SHA-256 is checked on each use."""
    es = entries(programme_key)
    if not es:
        return None
    e = es[-1]
    if not e.path.exists():
        raise InputError(e.path, f"liste enregistrée de {programme_key} absente ; enregistrez-la de nouveau")
    if not verify(e):
        raise InputError(e.path, f"liste enregistrée de {programme_key} modifiée (SHA-256 différent de {e.sha256[:16]}…) ; enregistrez-la de nouveau")
    return e


_DATE_IN_NAME = re.compile(r"(20\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in_name(name: str) -> date | None:
    """A ``YYYYMMDD`` (or ``YYYY-MM-DD``) date in a file name, as ANCT names its lists."""
    found = list(_DATE_IN_NAME.finditer(name))
    if not found:
        return None
    m = found[-1]  # the last date in the name: "liste-fs-com2024-20240910" gives 2024-09-10
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def register(path: Path, programme_key: str, list_date: date, date_source: str, **meta) -> ListEntry:
    """Copy ``path`` into the store and add its entry (atomic: a killed run leaves the index whole)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "fichier introuvable")
    digest = sha256_file(path)
    suffix = "".join(path.suffixes[-1:]) or ".csv"
    name = f"{programme_key}-{list_date.isoformat()}-{digest[:12]}{suffix}"
    dest = folder() / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)
    entry = ListEntry(
        programme=programme_key, file=name, sha256=digest, size=dest.stat().st_size,
        date_liste=list_date.isoformat(), date_source=date_source,
        registered_at=datetime.now(UTC).isoformat(timespec="seconds"), **meta,
    )
    kept = [e for e in entries() if not (e.programme == programme_key and e.sha256 == digest)]
    kept.append(entry)
    fd, tmp_index = tempfile.mkstemp(dir=folder(), prefix=".index-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump([asdict(e) for e in kept], fh, ensure_ascii=False, indent=1)
    os.replace(tmp_index, _index_path())
    return entry


def verify(entry: ListEntry) -> bool:
    """True if the stored file still has the SHA-256 recorded when it was registered."""
    return entry.path.exists() and sha256_file(entry.path) == entry.sha256
