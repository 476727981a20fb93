"""The process pool that batch tasks hand their CPU work to (one worker per core).

Kept apart from the flow module so that task functions refer to it by module: Dask pickles task
functions by value, and a lock captured from the flow module's globals cannot be pickled.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

_pool_lock = threading.Lock()
_pool: Executor | None = None


def _init_worker() -> None:
    from cleaners.runner import init_worker

    init_worker()


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor | None]:
    """A process pool for the batch tasks; also for one worker, because the per-page time limit
    (SIGALRM) can only interrupt extraction on a process's main thread, never in a task thread.
    None (work runs in the task itself) only when there is nothing to do."""
    global _pool
    if workers < 1:
        yield None
        return
    # spawn, not fork: the flow process runs Prefect's threads and event loops, which a forked
    # child would inherit in an undefined state.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    )
    with _pool_lock:
        _pool = pool
    try:
        yield pool
    finally:
        with _pool_lock:
            _pool = None
        pool.shutdown(wait=True, cancel_futures=True)


def current_pool() -> Executor | None:
    with _pool_lock:
        return _pool
