"""A small thread pool for the large numpy and GEOS steps of an access computation.

numpy and shapely release the GIL on large arrays: cutting the origins of a
large zone in two runs the two halves on two cores. Small work, or a machine
with one core, runs on the calling thread (no pool is made).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

__all__ = ["MIN_PER_THREAD", "cores", "run", "threads_for"]

#: Fewest origins worth a thread of their own (below, a thread costs more than it saves).
MIN_PER_THREAD = 100_000
#: Most threads used (the steps are memory-bound: more do not help on common machines).
MAX_THREADS = 2

_POOL: ThreadPoolExecutor | None = None


def cores() -> int:
    """Cores this process may run on.

    Examples
    --------
    >>> cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def threads_for(n: int) -> int:
    """How many threads to share ``n`` origins: one per :data:`MIN_PER_THREAD`, at most the cores and :data:`MAX_THREADS`.

    Examples
    --------
    >>> threads_for(1_000)
    1
    """
    return max(1, min(n // MIN_PER_THREAD, cores(), MAX_THREADS))


def run(job: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """``[job(x) for x in items]``, the items after the first on the pool while the first runs here.

    An exception in any job is raised here, after every job has ended.

    Examples
    --------
    >>> run(lambda x: x * x, [1, 2, 3])
    [1, 4, 9]
    """
    items = list(items)
    if len(items) <= 1:
        return [job(x) for x in items]
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="territoires")
    futures = [_POOL.submit(job, x) for x in items[1:]]
    try:
        first = job(items[0])
    finally:
        wait(futures)
    return [first, *(f.result() for f in futures)]
