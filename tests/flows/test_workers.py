"""The batch tasks' process pool (flows/workers.py), without Prefect."""

from __future__ import annotations

import os
import sys

import pytest

from flows import workers


def _warm_state() -> tuple[bool, bool]:
    from cleaners.text import signatures

    return "trafilatura" in sys.modules, signatures.registry.cache_info().currsize == 1


def test_prestarted_processes_are_warm_and_adopted_by_the_next_pool() -> None:
    workers.prestart(1)
    try:
        spare = workers._spare
        assert spare is not None
        with workers.worker_pool(1) as pool:
            assert pool is spare  # adopted, not a second pool
            assert workers._spare is None and workers.current_pool() is pool
            # the extractor was imported and the rules compiled before any batch
            assert pool.submit(_warm_state).result() == (True, True)
        assert workers.current_pool() is None
    finally:
        workers.discard_spare()


def test_a_cold_pool_loads_the_extractor_on_first_use_only() -> None:
    with workers.worker_pool(1) as pool:
        assert pool is not None
        assert pool.submit(_warm_state).result() == (False, False)


def test_unused_prestarted_processes_are_stopped() -> None:
    workers.prestart(1)
    spare = workers._spare
    assert spare is not None
    pid = spare.submit(os.getpid).result()
    workers.discard_spare()
    assert workers._spare is None
    with pytest.raises(ProcessLookupError):  # exited and reaped
        os.kill(pid, 0)
