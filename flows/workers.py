"""The process pool that batch tasks hand their CPU work to (one worker per core).

Kept apart from the flow module so that task functions refer to it by module: Dask pickles task
functions by value, and a lock captured from the flow module's globals cannot be pickled.
Importing it costs nothing (no Prefect): the CLI starts the pool's processes through `prestart`
before it imports Prefect.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

_pool_lock = threading.Lock()
_pool: Executor | None = None
_spare: ProcessPoolExecutor | None = (
    None  # started by `prestart`, adopted by the next `worker_pool`
)


def _new_pool(workers: int, *, warm: bool) -> ProcessPoolExecutor:
    from cleaners.runner import staging_pool  # not at import: the CLI imports this module early

    return staging_pool(workers, warm=warm)


def prestart(workers: int) -> None:
    """Start `workers` pool processes now and let them load and compile everything they need,
    while the caller does something slow: the CLI imports Prefect and starts its temporary
    server (several seconds) meanwhile, so the first batch starts on warm processes. The next
    `worker_pool` adopts them; `discard_spare` stops them if none does."""
    global _spare
    with _pool_lock:
        if workers < 1 or _spare is not None:
            return
        pool = _new_pool(workers, warm=True)
        for _ in range(workers):
            pool.submit(int)  # a no-op: the executor starts a process per waiting task
        _spare = pool


def discard_spare() -> None:
    """Stop prestarted processes that no run adopted (a Dask run, a failed start, nothing to do)."""
    global _spare
    with _pool_lock:
        spare, _spare = _spare, None
    if spare is not None:
        spare.shutdown(wait=True, cancel_futures=True)


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor | None]:
    """A process pool for the batch tasks; also for one worker, because the per-page time limit
    (SIGALRM) can only interrupt extraction on a process's main thread, never in a task thread.
    None (work runs in the task itself) only when there is nothing to do. Prestarted processes
    are adopted (there are as many as cores; a run with fewer batches leaves some idle)."""
    global _pool, _spare
    if workers < 1:
        yield None
        return
    with _pool_lock:
        pool = _spare or _new_pool(workers, warm=False)
        _spare = None
        _pool = pool
    try:
        yield pool
    finally:
        with _pool_lock:
            _pool = None
        from cleaners.runner import stop_in_background

        stop_in_background(pool)  # the processes exit while the flow goes on to publish


def current_pool() -> Executor | None:
    with _pool_lock:
        return _pool
