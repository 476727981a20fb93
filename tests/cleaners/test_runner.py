"""Pool start-up of cleaners.runner (the pipeline steps themselves are tested through run_local in
tests/test_sample_data.py and the flow tests)."""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cleaners.config import RunConfig
from cleaners.runner import init_worker, plan_run, prepare_output, stage_batch

PAGE = (
    "<html><head><title>Harbour wall</title></head><body><article><h1>Harbour wall</h1>"
    + "<p>The committee met on Tuesday to discuss the harbour wall and its repair costs.</p>" * 8
    + "</article></body></html>"
)


def _stage_in_worker(config: RunConfig) -> tuple[bool, int]:
    plan = plan_run(config)
    staged = [stage_batch(config, plan.run_key, batch) for batch in plan.batches]
    blocked = "pandas" not in sys.modules
    return blocked, sum(batch.stats.articles for batch in staged)


def test_worker_start_up_keeps_pandas_out_and_staging_works(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.html").write_text(PAGE, encoding="utf-8")
    (raw / "b.txt").write_text(PAGE.replace("<p>", "\n").replace("</p>", ""), encoding="utf-8")
    config = RunConfig(input_dir=raw, output_dir=tmp_path / "clean", workers=1)
    prepare_output(config)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=init_worker) as pool:
        blocked, candidates = pool.submit(_stage_in_worker, config).result()
    assert blocked  # pyarrow's lazy `import pandas` fails fast in the worker
    assert candidates == 2  # and Arrow conversion and staging work without it
