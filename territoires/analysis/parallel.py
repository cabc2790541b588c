"""A small thread pool for the large numpy and GEOS steps of an access computation.

numpy and shapely release the GIL on large arrays: cutting the origins of a
large zone in two runs the two halves on two cores. Small work, or a machine
with one core, runs on the calling thread (no pool is made).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

__all__ = ["MIN_PER_THREAD", "cores", "halves", "run", "threads_for"]

#: Fewest origins worth a thread of their own (below, a thread costs more than it saves).
MIN_PER_THREAD = 40_000
#: Most threads used (the steps are memory-bound: more do not help on common machines).
MAX_THREADS = 2

_POOL: ThreadPoolExecutor | None = None
_LOCAL = threading.local()  # ``in_pool``: this thread runs a job of the pool (a job's own run() stays on it)


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: make a new pool when one is needed."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _in_pool(job: Callable[[Any], Any], x: Any) -> Any:
    _LOCAL.in_pool = True
    return job(x)


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


def run(job: Callable[[Any], Any], items: Iterable[Any], threads: int | None = None) -> list[Any]:
    """``[job(x) for x in items]``, the items after the first on the pool (``MAX_THREADS`` − 1 threads) while the first runs here.

    With ``threads`` 1 (or one item, or when called from a job of the pool) every item runs here, in
    order. An exception in any job is raised here, after every job has ended.

    Examples
    --------
    >>> run(lambda x: x * x, [1, 2, 3])
    [1, 4, 9]
    """
    items = list(items)
    if len(items) <= 1 or threads == 1 or getattr(_LOCAL, "in_pool", False):
        return [job(x) for x in items]
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=max(MAX_THREADS - 1, 1), thread_name_prefix="territoires")
    futures = [_POOL.submit(_in_pool, job, x) for x in items[1:]]
    try:
        first = job(items[0])
    finally:
        wait(futures)
    return [first, *(f.result() for f in futures)]


def halves(n: int) -> list[slice]:
    """``[0, n)`` cut in :func:`threads_for` ``n`` runs of about equal length.

    Examples
    --------
    >>> halves(10)
    [slice(0, 10, None)]
    """
    k = threads_for(n)
    cuts = [n * i // k for i in range(k + 1)]
    return [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
