"""The main Prefect flow: plan -> one task per batch -> publish. Logic lives in `cleaners`.

Batch tasks run on Prefect's thread runner and hand their CPU work to a process pool (one worker
per core): a Prefect task run costs tens of milliseconds, a document a few, so tasks are batches.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from cleaners.config import RunConfig
from cleaners.runner import (
    BatchSpec,
    RunPlan,
    RunSummary,
    StagedBatch,
    plan_run,
    prepare_output,
    publish_run,
    stage_batch,
)
from cleaners.storage import Layout, run_lock
from flows import artifacts, workers


@task(name="plan-inputs", task_run_name="plan-inputs", cache_policy=NO_CACHE)
def plan_inputs(config: RunConfig) -> RunPlan:
    logger = get_run_logger()
    prepare_output(config)
    plan = plan_run(config)
    if plan.resumed:
        logger.warning(
            "run %s was killed after publishing its files and before its metadata: finishing it "
            "first (same batches, already staged); rerun for what changed since",
            plan.run_key,
        )
    logger.info(
        "found %d input files: %d new or changed in %d batches, %d unchanged since the last run",
        plan.inputs,
        plan.files_to_process,
        len(plan.batches),
        plan.unchanged,
    )
    if plan.rechecked:
        logger.info(
            "%d unchanged files processed again: they hold duplicates of articles of changed files",
            plan.rechecked,
        )
    if plan.deleted:
        logger.info(
            "%d input files were deleted since earlier runs processed them: what they published "
            "is taken out (retract_deleted)",
            len(plan.deleted),
        )
    if plan.missing and config.retract_deleted:
        logger.warning(
            "the input folder holds none of the %d files earlier runs processed: nothing is taken "
            "out (is it mounted? --full rebuilds the output from what it holds now)",
            plan.missing,
        )
    elif plan.missing:
        logger.info(
            "%d input files were deleted since earlier runs processed them: what they published "
            "is kept (retract_deleted takes it out)",
            plan.missing,
        )
    if plan.resettled:
        logger.info(
            "%d of them unchanged but processed with other cleaning settings before: processed "
            "again, their earlier documents replaced",
            plan.resettled,
        )
    return plan


@task(
    name="clean-batch",
    task_run_name="clean-batch-{batch.index:04d}",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
)
def clean_batch(config: RunConfig, run_key: str, batch: BatchSpec) -> StagedBatch:
    logger = get_run_logger()
    pool = workers.current_pool()
    if pool is None:
        staged = stage_batch(config, run_key, batch)
    else:
        staged = pool.submit(stage_batch, config, run_key, batch).result()
    s = staged.stats
    rejected = ", ".join(f"{k} {v}" for k, v in sorted(s.rejects.items())) or "none"
    logger.info(
        "batch %d: %d files, %d records -> %d candidate articles; rejected: %s (%.1f s)",
        batch.index,
        len(batch.paths),
        s.records,
        s.articles,
        rejected,
        s.seconds,
    )
    return staged


@task(
    name="deduplicate-and-publish", task_run_name="deduplicate-and-publish", cache_policy=NO_CACHE
)
def publish(
    config: RunConfig, plan: RunPlan, staged: list[StagedBatch], failed: list[tuple[BatchSpec, str]]
) -> RunSummary:
    logger = get_run_logger()
    summary = publish_run(config, plan, staged, failed)
    logger.info(
        "published %d articles and %d rejects (%d duplicates, %d near duplicates, %d seen in earlier runs)",
        summary.articles_written,
        summary.rejects_written,
        summary.duplicates,
        summary.near_duplicates,
        summary.prior_duplicates,
    )
    return summary


def run_batches(
    config: RunConfig, plan: RunPlan
) -> tuple[list[StagedBatch], list[tuple[BatchSpec, str]]]:
    """Submit one task per batch on the current flow's task runner and wait for all of them.
    A batch that still fails after its retries is isolated: the others go on to be published."""
    logger = get_run_logger()
    progress = artifacts.start_progress(len(plan.batches))
    futures = [clean_batch.submit(config, plan.run_key, batch) for batch in plan.batches]
    staged: list[StagedBatch] = []
    failed: list[tuple[BatchSpec, str]] = []
    for done, (batch, future) in enumerate(zip(plan.batches, futures, strict=True), start=1):
        try:
            staged.append(future.result())
        except Exception as exc:
            logger.error(
                "batch %d failed after its retries: %s: %s", batch.index, type(exc).__name__, exc
            )
            failed.append((batch, f"{type(exc).__name__}: {exc}"[:300]))
        artifacts.update_progress(progress, done, len(plan.batches))
    return staged, failed


@flow(name="clean-batches-on-dask")
def _dask_batches(
    config: RunConfig, plan: RunPlan
) -> tuple[list[StagedBatch], list[tuple[BatchSpec, str]]]:
    return run_batches(config, plan)


def run_batches_on_dask(
    config: RunConfig, plan: RunPlan
) -> tuple[list[StagedBatch], list[tuple[BatchSpec, str]]]:
    """The batches as a subflow on a DaskTaskRunner connected to the user's scheduler: the task
    runner is chosen at run time, so a deployment switches to a cluster by a parameter."""
    from prefect_dask import DaskTaskRunner  # optional dependency: newsclean[dask]

    subflow = _dask_batches.with_options(task_runner=DaskTaskRunner(address=config.dask_address))  # type: ignore[arg-type]
    return subflow(config, plan)


# Batch-task threads only wait on the process pool, so many are harmless: the pool's size is
# what bounds CPU use.
@flow(name="clean-articles", task_runner=ThreadPoolTaskRunner(max_workers=64))  # type: ignore[arg-type]
def clean_articles(config: RunConfig | None = None) -> dict[str, Any]:
    """Turn a folder of scraped articles into clean, language-tagged, deduplicated Parquet."""
    config = config or RunConfig()
    logger = get_run_logger()
    with run_lock(Layout(config.output_dir), timeout_seconds=config.lock_timeout_seconds):
        plan = plan_inputs(config)
        if config.dask_address:
            staged, failed = run_batches_on_dask(config, plan)
        else:
            with workers.worker_pool(min(config.effective_workers, len(plan.batches))):
                staged, failed = run_batches(config, plan)
        summary = publish(config, plan, staged, failed)
    artifacts.publish_run_artifacts(summary, config)
    logger.info("run %s done: %s", summary.run_key, artifacts.one_line(summary))
    result = {**summary.to_dict(), "flow_run_id": str(flow_run.id) if flow_run.id else None}
    if failed:
        # The run published what it could; its state says that some of it failed.
        return Failed(
            message=f"{len(failed)} of {len(plan.batches)} batches failed; rerun to retry them",
            data=result,
        )  # type: ignore[return-value]
    return result
