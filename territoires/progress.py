"""A small progress bar for long work (national cache builds, many maps).

It writes to standard error only when that is a terminal and
``territoires.settings.progress`` is true: silent in notebooks' logs, CI,
pipes and cron jobs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from territoires import settings

__all__ = ["T", "enabled", "track"]

T = TypeVar("T")


def enabled(stream=None) -> bool:
    stream = stream or sys.stderr
    return bool(settings.progress) and hasattr(stream, "isatty") and stream.isatty()


def track(items: Iterable[T], label: str, total: int | None = None, stream=None) -> Iterator[T]:
    """Yield ``items``, drawing ``label [####....] k/n  12.3 s`` on a terminal."""
    stream = stream or sys.stderr
    if not enabled(stream):
        yield from items
        return
    items = list(items) if total is None else items
    n = total if total is not None else len(items)
    start = time.perf_counter()
    width = 24
    for i, item in enumerate(items):
        done = int(width * i / max(n, 1))
        stream.write(f"\r{label} [{'#' * done}{'.' * (width - done)}] {i}/{n}  {time.perf_counter() - start:.1f} s")
        stream.flush()
        yield item
    stream.write(f"\r{label} [{'#' * width}] {n}/{n}  {time.perf_counter() - start:.1f} s\n")
    stream.flush()
