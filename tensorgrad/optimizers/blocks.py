"""Large element-wise updates, shared among the cores.

Updating a big weight matrix is memory-bound: RMSprop makes about nine element-wise passes
over the book's 784x512 kernel each step, which take longer than the matrix products. NumPy
runs each pass on one core but releases the GIL inside it, so cutting the arrays into one
contiguous part per core and updating the parts in threads uses every core. The update rule
is unchanged and, being element-wise, gives bitwise the same numbers as one whole pass.
(Smaller parts, to stay in cache, measured slower: the threads then wait on each other for
the GIL between NumPy calls.)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

MIN_SIZE = 1 << 16
"""Variables smaller than this are updated in one go: threads would cost more than they save."""

Job = tuple[np.ndarray, np.ndarray, list[np.ndarray]]
Update = Callable[[np.ndarray, np.ndarray, list[np.ndarray]], None]
_executor: ThreadPoolExecutor | None = None


def worker_count() -> int:
    """Threads for updates: TENSORGRAD_NUM_THREADS if set, else the cores this process may use."""
    configured = os.environ.get("TENSORGRAD_NUM_THREADS")
    if configured:
        return max(1, int(configured))
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def splittable(grad: np.ndarray, variable: np.ndarray, slots: list[np.ndarray]) -> bool:
    """Whether an update may be split: large, and every array contiguous (so parts are views)."""
    return variable.size >= MIN_SIZE and all(a.flags.c_contiguous for a in (grad, variable, *slots))


def run_split(update: Update, jobs: list[Job]) -> None:
    """Apply `update(grad, variable, slots)` to every job, each cut into one part per core."""
    workers = worker_count()
    if workers == 1:
        for job in jobs:
            update(*job)
        return
    shares: list[list[Job]] = [[] for _ in range(workers)]
    for grad, variable, slots in jobs:
        flat = [grad.reshape(-1), variable.reshape(-1)] + [s.reshape(-1) for s in slots]
        bounds = np.linspace(0, variable.size, workers + 1).astype(int)
        for share, start, end in zip(shares, bounds[:-1], bounds[1:]):
            g, v, *s = (a[start:end] for a in flat)
            share.append((g, v, s))
    pool = _pool(workers - 1)
    others = [pool.submit(_run, update, share) for share in shares[1:]]
    _run(update, shares[0])  # this thread takes the first part itself
    for future in others:
        future.result()


def _run(update: Update, share: list[Job]) -> None:
    for job in share:
        update(*job)


def _pool(workers: int) -> ThreadPoolExecutor:
    global _executor
    if _executor is None or _executor._max_workers != workers:
        _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tensorgrad")
    return _executor
