"""The command line's edge: what happens around the commands.

One-line errors for a full disk, a quiet end on a broken pipe, the
library's warnings sanitised on stderr, and the ``cache`` command.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from territoires.clitext import french_number
from territoires.terminal import clean

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2

__all__ = ["cmd_cache", "disk_full", "log_to_stderr_cleaned", "megabytes", "quiet_after_broken_pipe"]


def megabytes(n_bytes: float) -> str:
    """A size in French megabytes, one decimal (decimal comma, thin space between thousands); under 0,05 Mo in kilobytes.

    A folder of small files is not « 0 Mo »: it reads ``"12 ko"``, and
    ``"< 1 ko"`` below a kilobyte (``"0 Mo"`` only when empty).

    Examples
    --------
    >>> megabytes(22_200_000), megabytes(1_234_567_890), megabytes(12_345), megabytes(300), megabytes(0)
    ('22,2 Mo', '1\u202f234,6 Mo', '12 ko', '< 1 ko', '0 Mo')
    """
    if 0 < n_bytes < 50_000:
        return f"{french_number(round(n_bytes / 1e3))} ko" if n_bytes >= 500 else "< 1 ko"
    return f"{french_number(round(n_bytes / 1e6, 1), 1)} Mo"


def cmd_cache(args) -> int:
    from territoires import settings
    from territoires.territory import cache

    folder = Path(settings.cache_dir)
    if args.clear:
        freed = cache.clear(folder)
        print(f"cache effacé : {folder} ({megabytes(freed)} libérés)")
        return EXIT_OK
    entries = cache.entries(folder)
    print(f"cache : {folder}")
    if not entries:
        print("(vide : il sera construit au premier chargement)")
    problems = dict(cache.verify(folder)) if args.verify else {}
    for e in entries:
        line = f"- {e['key']} : {e['source']} {e['vintage']}, {megabytes(e['bytes'])}"
        if args.verify:
            why = problems.get(e["key"])
            line += " — intact (SHA-256 vérifiés)" if why is None else f" — ABÎMÉ : {clean(why)} (reconstruit au prochain chargement)"
        print(line)
    from territoires.territory import derived

    for d in derived.entries(folder):
        print(f"- tables dérivées « {d['kind']} » : {french_number(d['files'])} fichier(s), {megabytes(d['bytes'])}")
    raw = folder / "geo-api"
    if raw.is_dir():
        n = len(list(raw.glob("*.json*")))
        print(f"- réponses geo.api.gouv.fr : {french_number(n)} fichier(s)")
    if args.verify and any(w is not None for w in problems.values()):
        return EXIT_FOUND
    return EXIT_OK


class _CleanFormatter(logging.Formatter):
    """Log lines quote codes and names from data files: strip escapes before the terminal."""

    def format(self, record):
        return clean(super().format(record))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def log_to_stderr_cleaned() -> None:
    """Warnings of the library (cache rebuilt, geometries repaired…) on stderr, sanitised."""
    log = logging.getLogger("territoires")
    if not any(isinstance(h.formatter, _CleanFormatter) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_CleanFormatter("territoires : %(message)s"))
        handler.setLevel(logging.WARNING)
        log.addHandler(handler)


def disk_full(exc: BaseException) -> bool:
    import errno

    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def quiet_after_broken_pipe() -> int:
    """The reader (``| head``) left: stop quietly, as ``cat`` does."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_OK
