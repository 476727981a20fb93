"""A run in three steps, free of any orchestration framework (the Prefect flow calls these):

1. `plan_run`     which input files are new or changed since the last run, cut into batches
                  with deterministic keys;
2. `stage_batch`  one batch through the pipeline, its result saved under `_staging/` (a batch
                  already staged by a killed run is reused, not redone);
3. `publish_run`  run-wide deduplication (within the run and against earlier runs), then the
                  final Parquet parts, the dedup index and the manifest, each written atomically.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import re
import shutil
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from cleaners import dedup
from cleaners.article import (
    ARTICLE_FILE_SCHEMA,
    ARTICLE_SCHEMA,
    PIPELINE_VERSION,
    REJECT_SCHEMA,
    Reject,
    RejectReason,
    host_of,
    record_id,
)
from cleaners.config import RunConfig
from cleaners.pipeline import BatchStats, InputUnit, process_files, too_little_text
from cleaners.readers import ByteRange, FileScan, discover, scan_file
from cleaners.site_templates import RULE as TEMPLATE_RULE
from cleaners.site_templates import RunTemplates, counted_keys, template_keys
from cleaners.storage import (
    GroupWrite,
    Layout,
    atomic_write_json,
    atomic_write_table,
    clear_outputs,
    load_manifest,
    load_manifest_templates,
    read_manifest_rows,
    read_table,
    remove_leftovers,
    save_manifest,
)

# Part of every batch key: a new layout of the staged candidates (2: `template_keys`) never
# reuses a batch a killed run of the previous code staged.
STAGING_FORMAT = 2

# The end of a run is cut into smaller batches (guided scheduling): a batch holds at most
# 1/TAPER_DIVISOR of the bytes still to plan, down to MIN_BATCH_BYTES (or `batch_mb`, if
# smaller). With equal batches the workers finish up to one whole batch apart, one core idle
# meanwhile; tapered, they finish close together. Large JSONL and WARC files are sharded at that finer
# grain so their tail can taper too; consecutive shards share a batch.
TAPER_DIVISOR = 4
MIN_BATCH_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BatchSpec:
    key: str  # hash of (inputs, content hashes, cleaning options, pipeline version, staging format)
    index: int
    units: tuple[InputUnit, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(unit.path for unit in self.units))

    @property
    def size(self) -> int:
        return sum(unit.nbytes for unit in self.units)


@dataclass(frozen=True, slots=True)
class RunPlan:
    run_key: str
    inputs: int  # files found under the input folder
    unchanged: int  # of which an earlier run already processed this exact content
    batches: tuple[BatchSpec, ...]
    # of the files to process, how many an earlier run processed with this exact content but
    # other cleaning settings (`cleaning_settings`): they are processed again, and replaced
    resettled: int = 0
    # unchanged files processed again because they hold duplicates of a changed file's articles
    rechecked: int = 0
    # inputs earlier runs processed that are gone from the input folder: what they published is
    # taken back (`retract_deleted`) ...
    deleted: tuple[str, ...] = ()
    # ... or, by default, kept: how many
    missing: int = 0
    # files left out because their names are not UTF-8 (escaped as in `printable_path`)
    unreadable: tuple[str, ...] = ()
    # the plan of a run killed after its parts commit, which this one finishes (`_pending_run`)
    resumed: bool = False

    @property
    def files_to_process(self) -> int:
        return len({path for b in self.batches for path in b.paths})


@dataclass(frozen=True, slots=True)
class StagedBatch:
    key: str
    candidates: Path
    rejects: Path
    stats: BatchStats


@dataclass(slots=True)
class RunSummary:
    run_key: str
    inputs: int
    unchanged: int
    processed_files: int
    resettled: int = 0  # processed again because the cleaning settings changed (RunPlan)
    deleted_inputs: int = 0  # inputs gone from the input folder whose documents were taken back
    missing_inputs: int = 0  # inputs gone from the input folder whose documents were kept
    batches: int = 0
    stats: BatchStats = field(default_factory=BatchStats)
    duplicates: int = 0
    near_duplicates: int = 0
    prior_duplicates: int = 0  # duplicates of articles published by an earlier run
    retracted: int = 0  # articles of changed inputs, published by an earlier run, taken back
    withdrawn: int = 0  # articles of deleted inputs (`retract_deleted`) taken back
    failed_batches: list[str] = field(default_factory=list)  # "batch N: error", not published
    articles_written: int = 0
    rejects_written: int = 0
    files_written: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "run": self.run_key,
            "inputs": self.inputs,
            "unchanged": self.unchanged,
            "processed_files": self.processed_files,
            "resettled": self.resettled,
            "deleted_inputs": self.deleted_inputs,
            "missing_inputs": self.missing_inputs,
            "batches": self.batches,
            "records": self.stats.records,
            "articles": self.articles_written,
            "rejects": self.rejects_written,
            "rejects_by_reason": dict(sorted(self.stats.rejects.items())),
            "duplicates": self.duplicates,
            "near_duplicates": self.near_duplicates,
            "prior_duplicates": self.prior_duplicates,
            "retracted": self.retracted,
            "withdrawn": self.withdrawn,
            "languages": dict(sorted(self.stats.languages.items())),
            "rules": {
                rule: {
                    "documents": self.stats.rule_docs[rule],
                    "chars": self.stats.rule_chars[rule],
                }
                for rule in sorted(self.stats.rule_docs)
            },
            "failed_batches": self.failed_batches,
            "files_written": self.files_written,
        }


def cleaning_settings(config: RunConfig) -> str:
    """What decides what a document becomes besides its input: the pipeline's version and the
    cleaning options. An input processed with other settings is processed again."""
    return f"{PIPELINE_VERSION}|{config.cleaning_fingerprint()}"


def plan_run(config: RunConfig) -> RunPlan:
    """Find new or changed inputs and cut them into batches of at most `batch_size` files and
    about `batch_mb` megabytes, smaller towards the end (`TAPER_DIVISOR`); a large uncompressed
    JSONL file or WARC archive is split into line- or record-aligned shards, so one big dump
    neither fills memory nor runs on a single core. The cut depends on the inputs and the config
    only (not on the workers)."""
    layout = Layout(config.output_dir)
    root = config.input_dir
    if not root.is_dir():
        raise FileNotFoundError(f"input folder {root} does not exist or is not a folder")
    if not config.full and (pending := _pending_run(layout)) is not None:
        return pending
    known = {} if config.full else load_manifest(layout)
    settings = cleaning_settings(config)
    budget = config.batch_mb * 1024 * 1024
    smallest = min(budget, MIN_BATCH_BYTES)
    unreadable: list[str] = []  # files whose names are not UTF-8
    paths = discover(root, unreadable)
    shard_bytes = max(smallest, budget // TAPER_DIVISOR)
    unchanged = resettled = 0
    planned: dict[str, list[InputUnit]] = {}
    skipped: list[str] = []  # unchanged files

    # files whose batch failed in an earlier run (their `error` reject promises a retry), even
    # when a file is back to the content the manifest has; one listing, not a stat per file
    failed = {p.name for p in layout.rejects.glob("failed-*.parquet")}

    def failed_before(rel: str) -> bool:
        return layout.failed_part(rel).name in failed

    for rel in paths:
        earlier_hash, earlier_settings = known.get(rel, (None, None))
        same_settings = earlier_settings == settings
        scan = scan_file(
            root / rel, shard_bytes, known_hash=earlier_hash if same_settings else None
        )
        if earlier_hash == scan.file_hash and same_settings and not failed_before(rel):
            unchanged += 1
            skipped.append(rel)
        else:
            planned[rel] = _units(rel, scan)
        if earlier_hash == scan.file_hash and not same_settings:
            resettled += 1
    gone = sorted(known.keys() - set(paths))  # processed by earlier runs, deleted since
    # An input folder holding none of the files earlier runs processed is more likely unmounted
    # or mistyped than emptied on purpose: nothing is taken back then (--full rebuilds from it).
    retract = config.retract_deleted and len(gone) < len(known)
    deleted = sorted({*gone, *_failed_and_gone(layout, failed, paths)}) if retract else []
    # Unchanged files holding duplicates of articles the changed or deleted files published:
    # their documents are judged again (the article they copied may be gone or different now).
    redone = [rel for rel in planned if rel in known]
    rechecked = _holding_duplicates_of(layout, redone + gone if deleted else redone, skipped)
    for rel in rechecked:
        planned[rel] = _units(rel, scan_file(root / rel, shard_bytes))
    unchanged -= len(rechecked)
    units = [unit for rel in paths for unit in planned.get(rel, ())]
    fingerprint = f"{PIPELINE_VERSION}|{STAGING_FORMAT}|{config.cleaning_fingerprint()}"
    batches: list[BatchSpec] = []
    current: list[InputUnit] = []

    def close() -> None:
        material = fingerprint + "".join(f"\n{u.path}\0{u.file_hash}\0{u.shard}" for u in current)
        key = xxhash.xxh3_64_hexdigest(material.encode())
        batches.append(BatchSpec(key=key, index=len(batches), units=tuple(current)))
        current.clear()

    remaining = sum(u.nbytes for u in units)  # bytes not yet in a closed batch
    for unit in units:
        limit = min(budget, max(smallest, remaining // TAPER_DIVISOR))
        size = sum(u.nbytes for u in current)
        if current and (len(current) >= config.batch_size or size + unit.nbytes > limit):
            close()
            remaining -= size
        current.append(unit)
    if current:
        close()
    material = "".join(b.key for b in batches) + "".join(f"\n-{rel}" for rel in deleted)
    return RunPlan(
        run_key=xxhash.xxh3_64_hexdigest(material.encode()),
        inputs=len(paths),
        unchanged=unchanged,
        batches=tuple(batches),
        resettled=resettled,
        rechecked=len(rechecked),
        deleted=tuple(deleted),
        missing=0 if deleted else len(gone),
        unreadable=tuple(unreadable),
    )


def _failed_and_gone(layout: Layout, failed: set[str], paths: list[str]) -> list[str]:
    """Inputs deleted after their batch failed: only their `error` reject (outside the
    manifest) says they were there."""
    orphans = failed - {layout.failed_part(rel).name for rel in paths}
    found: list[str] = []
    for name in sorted(orphans):
        found += read_table(layout.rejects / name, columns=["source_path"])[
            "source_path"
        ].to_pylist()
    return found


def _units(rel: str, scan: FileScan) -> list[InputUnit]:
    if scan.shards:
        return [InputUnit(rel, scan.file_hash, scan.size, shard) for shard in scan.shards]
    return [InputUnit(rel, scan.file_hash, scan.size)]


def _published_rows(
    layout: Layout,
    paths: Iterable[str],
    manifest_rows: dict[str, dict[str, Any]],
    columns: list[str] | None = None,
) -> Iterator[tuple[Path, bool, pa.Table, pa.ChunkedArray]]:
    """The parts holding what earlier runs published from `paths`, found through the batch keys
    the manifest records for them: (part, is an article part, its table (`columns` or all), a
    mask of the rows from `paths`), for each part with such rows."""
    wanted = sorted(set(paths))
    value_set = pa.array(wanted, pa.string())
    keys = {key for path in wanted for key in str(manifest_rows[path]["batch"]).split()}
    for key in sorted(keys):
        articles = sorted(layout.articles.glob(f"language=*/part-{key}.parquet"))
        for part in [*articles, layout.reject_part(key)]:
            if not part.exists():
                continue
            table = read_table(part, columns=columns)
            mine = pc.is_in(table["source_path"], value_set=value_set)
            if pc.any(mine).as_py():
                yield part, part in articles, table, mine


def _holding_duplicates_of(layout: Layout, changed: list[str], candidates: list[str]) -> list[str]:
    """Those of `candidates` with a `duplicate`/`near_duplicate` reject of an article that one of
    the `changed` files published (read from the published parts: only when files changed)."""
    if not changed or not candidates:
        return []
    rows = {str(r["source_path"]): r for r in read_manifest_rows(layout)}
    ids: set[str] = set()
    published = [path for path in changed if path in rows]
    for _, is_article, table, mine in _published_rows(
        layout, published, rows, ["id", "source_path"]
    ):
        if is_article:
            ids.update(table.filter(mine)["id"].to_pylist())
    if not ids:
        return []
    copied = pa.array(sorted(ids), pa.string())
    holders: set[str] = set()
    for part in sorted(layout.rejects.glob("part-*.parquet")):
        table = read_table(part, columns=["source_path", "duplicate_of"])
        hits = table.filter(pc.is_in(table["duplicate_of"], value_set=copied))
        holders.update(hits["source_path"].to_pylist())
    return sorted(holders.intersection(candidates))


def prepare_output(config: RunConfig) -> None:
    """Before a run: --full wipes earlier results; otherwise remove a killed run's temp files."""
    layout = Layout(config.output_dir)
    if config.full:
        clear_outputs(layout)
    elif layout.root.exists():
        remove_leftovers(layout.root)


def stage_batch(config: RunConfig, run_key: str, batch: BatchSpec) -> StagedBatch:
    """Process one batch into `_staging/<run>/`; reuse the result if a previous attempt finished it."""
    folder = Layout(config.output_dir).staging / run_key
    candidates = folder / f"{batch.key}.candidates.parquet"
    rejects = folder / f"{batch.key}.rejects.parquet"
    stats_path = folder / f"{batch.key}.stats.json"
    if not (candidates.exists() and rejects.exists() and stats_path.exists()):
        result = process_files(config.input_dir, batch.units, config)
        atomic_write_table(candidates, result.candidates)
        atomic_write_table(rejects, result.rejects)
        atomic_write_json(stats_path, result.stats.to_dict())  # last: marks the batch complete
    stats = BatchStats.from_dict(json.loads(stats_path.read_text()))
    return StagedBatch(key=batch.key, candidates=candidates, rejects=rejects, stats=stats)


_DEDUP_COLUMNS = ["id", "content_hash", "minhash", "date", "n_chars"]


def publish_run(
    config: RunConfig,
    plan: RunPlan,
    staged: list[StagedBatch],
    failed: list[tuple[BatchSpec, str]] | None = None,
) -> RunSummary:
    """Deduplicate across the run and against earlier runs, then write the final datasets.

    Batches in `failed` (they raised even after their retries) are isolated: each of their input
    files gets an `error` reject naming the failure, and stays out of the manifest so that the
    next run tries it again (and then replaces that reject)."""
    layout = Layout(config.output_dir)
    summary = RunSummary(
        run_key=plan.run_key,
        inputs=plan.inputs,
        unchanged=plan.unchanged,
        processed_files=plan.files_to_process,
        resettled=plan.resettled,
        deleted_inputs=len(plan.deleted),
        missing_inputs=plan.missing,
        batches=len(plan.batches),
    )
    staged, failures = _fail_shards_together(plan, staged, failed or [])
    for batch in staged:
        summary.stats = summary.stats + batch.stats
    reported: set[str] = set()  # a file in several failed batches gets one reject, the first's
    for spec, error, why in failures:
        summary.failed_batches.append(f"batch {spec.index}: {error}")
        for source_path in spec.paths:
            if source_path in reported:
                continue
            reported.add(source_path)
            row = Reject(
                id=record_id(source_path),
                source_path=source_path,
                reason=RejectReason.ERROR,
                detail=f"batch {spec.index} {why}; the next run retries this file",
            ).to_row()
            target = layout.failed_part(source_path)
            atomic_write_table(target, pa.Table.from_pylist([row], schema=REJECT_SCHEMA))
            summary.files_written.append(target.relative_to(layout.root).as_posix())
            summary.rejects_written += 1
            summary.stats.rejects[str(RejectReason.ERROR)] += 1
    _report_unreadable_names(layout, plan.unreadable, summary)
    if not staged and not plan.deleted:
        shutil.rmtree(layout.staging, ignore_errors=True)
        return summary

    manifest_rows = {str(r["source_path"]): r for r in read_manifest_rows(layout)}
    outputs = GroupWrite()  # made durable and visible together, before the metadata
    # Only the small columns of every candidate are held at once (a few hundred bytes per
    # document, in arrays), never the texts.
    docs = _dedup_columns(staged)
    renamed = _rename_repeated_ids(staged, docs)
    renamed_rejects = _rename_reject_ids(staged, set(docs.ids))
    index = (
        dedup.DedupIndex.load(layout.dedup_index)
        if layout.dedup_index.exists()
        else dedup.DedupIndex()
    )
    templates = RunTemplates(config.template_min_docs, load_manifest_templates(layout))
    plan_batches = {b.key: b for b in plan.batches}
    redone = {p for b in staged for p in plan_batches[b.key].paths if p in manifest_rows}
    deleted = set(plan.deleted)
    retracted = _retract_inputs(
        layout, plan.run_key, redone | (deleted & manifest_rows.keys()), manifest_rows, outputs
    )
    index.remove(taken.doc_id for taken in retracted.values())
    for taken in retracted.values():
        templates.unlearn_keys(taken.host, taken.template_keys)
        if taken.is_article:
            if taken.source_path in deleted:
                summary.withdrawn += 1
            else:
                summary.retracted += 1
    for rel in plan.deleted:
        manifest_rows.pop(rel, None)
        if layout.failed_part(rel).exists():
            outputs.remove(layout.failed_part(rel))
    duplicates = dedup.resolve_columns(docs, threshold=config.near_duplicate_threshold, index=index)
    run_ids = set(docs.ids)

    for batch in staged:
        table = _with_ids(
            read_table(batch.candidates, columns=["id", "host", "template_keys"]),
            renamed.get(batch.key),
        )
        for doc_id, host, keys in zip(
            *(table[c].to_pylist() for c in ("id", "host", "template_keys")), strict=True
        ):
            if doc_id not in duplicates:
                templates.learn_keys(host, keys)

    templates.freeze()  # the threads below share it

    def finish(batch: StagedBatch) -> _BatchOutcome:
        return _finish_batch(
            batch,
            duplicates,
            run_ids,
            templates,
            config,
            outputs,
            renamed.get(batch.key),
            renamed_rejects.get(batch.key),
        )

    # Batches are finished in threads: reading, filtering and writing Parquet run in Arrow's C++
    # with the GIL released. Outcomes are merged in batch order, so the summary is the same.
    with ThreadPoolExecutor(max_workers=max(1, config.effective_workers)) as pool:
        outcomes = list(pool.map(finish, staged))
    settings = cleaning_settings(config)
    holding: dict[str, list[str]] = {}  # input -> the batches holding its documents (shards)
    for batch, outcome in zip(staged, outcomes, strict=True):
        summary.files_written += outcome.files
        summary.articles_written += outcome.articles
        summary.rejects_written += outcome.rejects
        summary.duplicates += outcome.duplicates
        summary.near_duplicates += outcome.near_duplicates
        summary.prior_duplicates += outcome.prior_duplicates
        summary.stats = summary.stats + outcome.stats
        for unit in plan_batches[batch.key].units:
            rel, digest, size = unit.path, unit.file_hash, unit.size
            layout.failed_part(rel).unlink(missing_ok=True)  # an earlier run's failure, now redone
            keys = holding.setdefault(rel, [])
            if batch.key not in keys:
                keys.append(batch.key)
            manifest_rows[rel] = {
                "source_path": rel,
                "file_hash": digest,
                "size": size,
                "batch": " ".join(keys),  # every batch with a shard of it
                "run": plan.run_key,
                "settings": settings,
            }

    # Metadata after the data it describes. The parts commit changes what a fresh plan would
    # find (taken-back rows, duplicate rejects, error rejects): a run killed after it is finished
    # by the next one with this same plan (`_pending_run`), which republishes the same parts.
    atomic_write_json(layout.pending_run, _plan_to_json(plan))
    outputs.commit()
    index.add_rows(docs, (i for i, x in enumerate(docs.ids) if x not in duplicates))
    index.save(layout.dedup_index)
    save_manifest(layout, list(manifest_rows.values()), templates.to_bytes())
    atomic_write_json(layout.runs / f"{plan.run_key}.json", summary.to_dict())
    layout.pending_run.unlink(missing_ok=True)
    # Under the run lock no other run is staging: leftovers of killed runs over other inputs go too.
    shutil.rmtree(layout.staging, ignore_errors=True)
    return summary


def _plan_to_json(plan: RunPlan) -> dict[str, Any]:
    data = asdict(plan)
    return {"format": STAGING_FORMAT, "version": PIPELINE_VERSION, "plan": data}


def _pending_run(layout: Layout) -> RunPlan | None:
    """The plan of a run killed between its parts commit and its metadata, whose staged batches
    are still there: the next run finishes that one (same batches, same retraction record)
    before anything new. Discarded when it is from another version or its staging is gone."""
    try:
        data = json.loads(layout.pending_run.read_text())
    except (OSError, ValueError):
        return None
    plan = data.get("plan", {})
    if (
        data.get("format") != STAGING_FORMAT
        or data.get("version") != PIPELINE_VERSION
        or not (layout.staging / str(plan.get("run_key"))).is_dir()
    ):
        layout.pending_run.unlink(missing_ok=True)
        return None
    batches = tuple(
        BatchSpec(
            key=b["key"],
            index=b["index"],
            units=tuple(
                InputUnit(
                    path=u["path"],
                    file_hash=u["file_hash"],
                    size=u["size"],
                    shard=ByteRange(**u["shard"]) if u["shard"] else None,
                )
                for u in b["units"]
            ),
        )
        for b in plan["batches"]
    )
    return RunPlan(
        run_key=str(plan["run_key"]),
        inputs=int(plan["inputs"]),
        unchanged=int(plan["unchanged"]),
        batches=batches,
        resettled=int(plan["resettled"]),
        rechecked=int(plan["rechecked"]),
        deleted=tuple(plan["deleted"]),
        missing=int(plan["missing"]),
        unreadable=tuple(plan["unreadable"]),
        resumed=True,
    )


class _Taken(NamedTuple):
    """A document an earlier run published, taken back by this run."""

    is_article: bool
    host: str | None  # with `template_keys`: what the site-template counts hold for it
    template_keys: list[str]  # none: a reject that was never counted
    source_path: str | None  # None in a record written before it was kept
    doc_id: str


def _report_unreadable_names(layout: Layout, names: tuple[str, ...], summary: RunSummary) -> None:
    """One `undecodable` reject per input file whose name is not UTF-8, in a part every run
    rewrites (or removes, once none is left): such a file cannot be processed, but must not be
    silently skipped either."""
    target = layout.unreadable_names
    if not names:
        target.unlink(missing_ok=True)
        return
    rows = [
        Reject(
            id=record_id(name),
            source_path=name,
            reason=RejectReason.UNDECODABLE,
            detail="the file name is not valid UTF-8 (shown with \\x escapes): rename the file "
            "to have it processed",
        ).to_row()
        for name in names
    ]
    atomic_write_table(target, pa.Table.from_pylist(rows, schema=REJECT_SCHEMA))
    summary.files_written.append(target.relative_to(layout.root).as_posix())
    summary.rejects_written += len(rows)
    summary.stats.rejects[str(RejectReason.UNDECODABLE)] += len(rows)


def _fail_shards_together(
    plan: RunPlan, staged: list[StagedBatch], failed: list[tuple[BatchSpec, str]]
) -> tuple[list[StagedBatch], list[tuple[BatchSpec, str, str]]]:
    """A file split over several batches is published whole or not at all: a staged batch
    holding a shard of a file whose other batch failed counts as failed too (its files get an
    `error` reject and are retried whole by the next run). Publishing the other shards alone
    would record the file as done, and its failed shard's documents would never come.

    Returns the batches to publish and every failure as (batch, error, what its files' reject
    says happened)."""
    failures = [(spec, error, f"failed after its retries ({error})") for spec, error in failed]
    if not failures:
        return staged, failures
    specs = {b.key: b for b in plan.batches}
    failed_paths = {path for spec, _ in failed for path in spec.paths}
    kept = list(staged)
    grew = True
    while grew:  # a batch failed this way can share other files with further batches
        grew = False
        for batch in list(kept):
            spec = specs[batch.key]
            shared = failed_paths.intersection(spec.paths)
            if shared:
                kept.remove(batch)
                held = (
                    f"was not published: it holds part of {min(shared)}, whose other batch failed"
                )
                failures.append((spec, held, held))
                failed_paths.update(spec.paths)
                grew = True
    return kept, failures


def _retract_inputs(
    layout: Layout,
    run_key: str,
    paths: set[str],
    manifest_rows: dict[str, dict[str, Any]],
    outputs: GroupWrite,
) -> dict[str, _Taken]:
    """Take what earlier runs published from `paths` out of their parts: each part is rewritten
    without those rows, or removed when none are left, in `outputs`. The paths are inputs that
    changed since and that this run has processed again (a JSONL dump or a WARC archive that
    grew, an edited page: their documents are then published anew, not twice), or inputs
    deleted since, under `retract_deleted`.

    Returns each document taken out, keyed by its part and row (outputs of earlier versions may
    hold an article and a reject with one id); the caller removes the ids from the dedup index
    and takes the template counts back. The answer is also kept in the run's staging folder
    before `outputs` commit: a rerun after a crash between that commit and the metadata finds
    the parts already rewritten, and still takes the same documents back."""
    record = layout.staging / run_key / "retracted.json"
    found: dict[str, _Taken] = {}
    if record.exists():
        for key, v in json.loads(record.read_text()).items():
            source_path = v[3] if len(v) > 3 else None
            doc_id = v[4] if len(v) > 4 else key  # records of older versions: keyed by id
            found[key] = _Taken(v[0], v[1], v[2], source_path, doc_id)
    for part, is_article, table, gone in _published_rows(layout, paths, manifest_rows):
        taken = table.filter(gone).to_pylist()
        for n, row in enumerate(taken):
            at = f"{part.relative_to(layout.root).as_posix()}#{n}"  # parts share file names
            if is_article:
                stripped = [r["text"] for r in row["removed"] if r["rule"] == TEMPLATE_RULE]
                keys = counted_keys(row["text"], stripped)
                found[at] = _Taken(True, row["host"], keys, row["source_path"], row["id"])
            else:  # articles the template lines left too short were counted
                counted = _TEMPLATE_REJECT.search(row["detail"] or "") is not None
                host = host_of(row["url"]) if counted else None
                keys = template_keys(row["text"] or "") if counted else []
                found[at] = _Taken(False, host, keys, row["source_path"], row["id"])
        kept = table.filter(pc.invert(gone))
        if kept.num_rows:
            outputs.write_table(part, kept)
        else:
            outputs.remove(part)
    if found:
        atomic_write_json(record, {k: list(v) for k, v in sorted(found.items())})
    return found


def _template_reject_detail(problem: str, lines: int) -> str:
    """The detail of an article the site-template lines left too short (`_strip_templates`)."""
    return f"{problem} left after removing {lines} site-template lines"


# ... and how retraction recognises it
_TEMPLATE_REJECT = re.compile(r" left after removing \d+ site-template lines$")


@dataclass
class _BatchOutcome:
    """What finishing one staged batch wrote and counted (merged into the run summary)."""

    files: list[str] = field(default_factory=list)
    articles: int = 0
    rejects: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    prior_duplicates: int = 0
    stats: BatchStats = field(default_factory=BatchStats)  # rejects and rule counts added here


def _finish_batch(
    batch: StagedBatch,
    duplicates: dict[str, dedup.Duplicate],
    run_ids: set[str],
    templates: RunTemplates,
    config: RunConfig,
    outputs: GroupWrite,
    renamed: dict[int, str] | None = None,
    renamed_rejects: dict[int, str] | None = None,
) -> _BatchOutcome:
    """Write one staged batch's articles (per language, without duplicates and site-template
    lines) and its rejects (the staged ones, duplicates, articles the templates left too short).
    `renamed`: new ids of some rows (`_rename_repeated_ids`)."""
    layout = Layout(config.output_dir)
    outcome = _BatchOutcome()
    # the article columns only: the signatures and template keys were read by the run-wide steps
    candidates = _with_ids(read_table(batch.candidates, columns=ARTICLE_SCHEMA.names), renamed)
    ids = candidates["id"].to_pylist()
    is_duplicate = pa.array([i in duplicates for i in ids], type=pa.bool_())
    kept, template_rejects = _strip_templates(
        candidates.filter(pc.invert(is_duplicate)), templates, config, outcome.stats
    )
    dropped = candidates.filter(is_duplicate)
    for language in sorted(set(kept["language"].to_pylist())):
        part = kept.filter(pc.equal(kept["language"], language))
        part = part.select(ARTICLE_FILE_SCHEMA.names).cast(ARTICLE_FILE_SCHEMA)
        path = layout.article_part(language, batch.key)
        outputs.write_table(path, part)
        outcome.files.append(path.relative_to(layout.root).as_posix())
        outcome.articles += part.num_rows
    duplicate_rejects = []
    for row in dropped.select(["id", "source_path", "source_line", "url", "text"]).to_pylist():
        match = duplicates[row["id"]]
        reason = (
            RejectReason.DUPLICATE if match.kind == "duplicate" else RejectReason.NEAR_DUPLICATE
        )
        prior = match.duplicate_of not in run_ids
        if prior:
            outcome.prior_duplicates += 1
        elif reason is RejectReason.DUPLICATE:
            outcome.duplicates += 1
        else:
            outcome.near_duplicates += 1
        where = "an article published by an earlier run" if prior else "an article of this run"
        detail = (
            f"{reason.value} of {match.duplicate_of} ({where}; similarity {match.similarity:.2f})"
        )
        duplicate_rejects.append(_reject_row(row, reason, detail, duplicate_of=match.duplicate_of))
    rejects = pa.concat_tables(
        [
            _with_ids(read_table(batch.rejects), renamed_rejects),
            pa.Table.from_pylist(duplicate_rejects + template_rejects, schema=REJECT_SCHEMA),
        ]
    )
    outcome.stats.rejects.update(
        Counter(str(r["reason"]) for r in duplicate_rejects + template_rejects)
    )
    if rejects.num_rows:
        path = layout.reject_part(batch.key)
        outputs.write_table(path, rejects)
        outcome.files.append(path.relative_to(layout.root).as_posix())
        outcome.rejects += rejects.num_rows
    return outcome


def _rename_repeated_ids(
    staged: list[StagedBatch], docs: dedup.DedupColumns
) -> dict[str, dict[int, str]]:
    """Give every candidate that repeats an earlier candidate's id its own id, in `docs` too.

    Ids come from a record's own id (JSONL "id", WARC-Record-ID) where it has one, and dumps
    repeat them: a scraper that writes one id for every page, a record saved twice. The first
    in input order (batches in plan order, rows in file order) keeps the id; a later one is
    keyed by its id and line, and judged like any other document (a true copy still goes as a
    duplicate). Returns, per batch key, row -> new id."""
    seen: set[str] = set()
    repeated: list[int] = []
    for position, doc_id in enumerate(docs.ids):
        if doc_id in seen:
            repeated.append(position)
        seen.add(doc_id)
    if not repeated:
        return {}
    renamed: dict[str, dict[int, str]] = {}
    start = 0
    for batch in staged:
        with pq.ParquetFile(batch.candidates) as parquet:
            count = parquet.metadata.num_rows
        rows = [p - start for p in repeated if start <= p < start + count]
        if rows:
            table = read_table(
                batch.candidates, columns=["source_path", "source_line", "source_id"]
            )
            for row in rows:
                path, line, own = (table[c][row].as_py() for c in table.column_names)
                new_id = _unused_id(path, f"id={own}@{line}", line, seen)
                renamed.setdefault(batch.key, {})[row] = new_id
                docs.ids[start + row] = new_id
        start += count
    return renamed


def _rename_reject_ids(staged: list[StagedBatch], taken: set[str]) -> dict[str, dict[int, str]]:
    """The staged rejects' counterpart of `_rename_repeated_ids`: a reject whose id an article
    candidate of this run (after its renaming) or an earlier reject (batches in plan order, rows
    in file order) already has is keyed by that id and its line, so that no two published
    documents share an id. Returns, per batch key, row -> new id."""
    renamed: dict[str, dict[int, str]] = {}
    for batch in staged:
        table = read_table(batch.rejects, columns=["id", "source_path", "source_line"])
        ids = table["id"].to_pylist()
        for row, doc_id in enumerate(ids):
            if doc_id in taken:
                path, line = table["source_path"][row].as_py(), table["source_line"][row].as_py()
                doc_id = _unused_id(path, f"{doc_id}@{line}", line, taken)
                renamed.setdefault(batch.key, {})[row] = doc_id
            taken.add(doc_id)
    return renamed


def _unused_id(path: str, key: str, line: int | None, taken: set[str]) -> str:
    """`record_id(path, key)`, keyed again with the line while `taken` has it (a record whose
    own id looks like "<id>@<line>"); added to `taken`."""
    new_id = record_id(path, key)
    while new_id in taken:
        new_id = record_id(path, f"{new_id}@{line}")
    taken.add(new_id)
    return new_id


def _with_ids(table: pa.Table, renamed: dict[int, str] | None) -> pa.Table:
    if not renamed:
        return table
    ids = table["id"].to_pylist()
    for row, new_id in renamed.items():
        ids[row] = new_id
    field = table.schema.field("id")  # its nullability too: the concat with other rows checks
    return table.set_column(table.column_names.index("id"), field, pa.array(ids, field.type))


def _dedup_columns(staged: list[StagedBatch]) -> dedup.DedupColumns:
    """The deduplication columns of every staged candidate, read batch by batch into arrays
    allocated once (the signature matrix is the largest: 512 bytes per document)."""
    counts = []
    for batch in staged:
        with pq.ParquetFile(batch.candidates) as parquet:
            counts.append(parquet.metadata.num_rows)
    total = sum(counts)
    signatures = np.empty((total, dedup.NUM_PERM), dtype=dedup.SIG_DTYPE)
    dates = np.empty(total, dtype=np.int64)
    n_chars = np.empty(total, dtype=np.int64)
    ids: list[str] = []
    hashes: list[str] = []
    at = 0
    for batch, n in zip(staged, counts, strict=True):
        table = read_table(batch.candidates, columns=_DEDUP_COLUMNS)
        ids += table["id"].to_pylist()
        hashes += table["content_hash"].to_pylist()
        values = table["minhash"].combine_chunks().flatten().to_numpy()
        signatures[at : at + n] = values.reshape(n, dedup.NUM_PERM)
        dates[at : at + n] = dedup.date_ordinals(table["date"])
        n_chars[at : at + n] = table["n_chars"].to_numpy()
        at += n
    return dedup.DedupColumns(
        ids=ids,
        content_hashes=hashes,
        signatures=signatures,
        dates=dates,
        n_chars=n_chars,
        prior=np.zeros(total, dtype=bool),
    )


def _reject_row(
    candidate: dict[str, Any], reason: RejectReason, detail: str, duplicate_of: str | None = None
) -> dict[str, object]:
    """A rejects row for a candidate article that publishing turned down."""
    return Reject(
        id=candidate["id"],
        source_path=candidate["source_path"],
        source_line=candidate["source_line"],
        reason=reason,
        detail=detail,
        duplicate_of=duplicate_of,
        url=candidate["url"],
        text=candidate["text"],
    ).to_row()


def _strip_templates(
    kept: pa.Table, templates: RunTemplates, config: RunConfig, stats: BatchStats
) -> tuple[pa.Table, list[dict[str, object]]]:
    """Remove learnt site-template lines from surviving articles; an article left too short by
    that goes to rejects. Returns the articles (ARTICLE_SCHEMA) and those reject rows."""
    if not any(templates.has_templates(host) for host in kept["host"].to_pylist()):
        return kept, []
    rows, rejects = [], []
    for row in kept.to_pylist():
        text, removed = templates.strip(row["host"], row["text"])
        if not removed:
            rows.append(row)
            continue
        stats.rule_docs[TEMPLATE_RULE] += 1
        stats.rule_chars[TEMPLATE_RULE] += sum(len(line) for line in removed)
        if problem := too_little_text(text, config):
            detail = _template_reject_detail(problem[1], len(removed))
            rejects.append(_reject_row(row, problem[0], detail))
            continue
        row["text"] = text
        row["removed"] = row["removed"] + [
            {"rule": TEMPLATE_RULE, "text": line, "line": None} for line in removed
        ]
        row["n_chars"], row["n_words"] = len(text), len(text.split())
        row["content_hash"] = dedup.content_hash(text)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=kept.schema), rejects


def staging_pool(workers: int, *, warm: bool = False) -> ProcessPoolExecutor:
    """The process pool batches are staged in (`run_local`'s and the flow's), its processes
    started by `init_worker`. Spawned, not forked: the flow process runs Prefect's threads and
    event loops, which a forked child would inherit in an undefined state."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=functools.partial(init_worker, warm=warm),
    )


def stop_in_background(pool: ProcessPoolExecutor) -> threading.Thread:
    """Shut `pool` down in a (started, non-daemon) thread: its processes exit, ~0.1 s, while the
    caller publishes; join the thread, or let the interpreter wait for it at exit."""
    stopper = threading.Thread(
        target=pool.shutdown, kwargs={"cancel_futures": True}, name="newsclean-pool-shutdown"
    )
    stopper.start()
    return stopper


def init_worker(*, warm: bool = False) -> None:
    """Start-up of a pool process that stages batches (the flow's pool and `run_local`'s):

    - it exits when its parent dies (`_exit_with_parent`);
    - pandas is kept out: pyarrow imports it, when installed, on its first conversion of Python
      values to Arrow (~0.15 s and ~40 MB per process), though staging never hands it a pandas
      object (only done when nothing imported pandas yet);
    - langdetect's model is loaded before any work;
    - with `warm` (pools started ahead of the work, `flows.workers.prestart`), the HTML
      extractor is imported and the signature rules and selectors compiled too, which a cold
      process does on its first pages (~0.5 s).
    """
    from cleaners import language

    _exit_with_parent()
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas())
    language.init_detector()
    if warm:
        from cleaners import html
        from cleaners.text import signatures

        signatures.registry()
        html.load_selectors()


def _exit_with_parent() -> None:
    """End this pool process when its parent is gone (a run killed with SIGKILL, an OOM kill).
    It would otherwise wait for tasks forever: a spawned worker holds both ends of its task
    queue's pipe, so the parent's death never reaches it as end-of-file. multiprocessing gives
    each child a sentinel of its parent that becomes ready when the parent exits, also when that
    happened before this line ran; a daemon thread waits on it."""
    parent = multiprocessing.parent_process()
    if parent is None:  # not started by multiprocessing: nothing to watch
        return

    def watch() -> None:
        parent.join()  # for the parent process object: wait until its sentinel is ready
        os._exit(1)

    threading.Thread(target=watch, name="newsclean-parent-watch", daemon=True).start()


class _NoPandas:
    """A meta-path finder that makes `import pandas` fail as if it were not installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"pandas is kept out of staging workers: {name}", name=name)


def run_local(config: RunConfig, *, pool: bool | None = None) -> RunSummary:
    """A whole run without Prefect (notebooks, benchmarks, tests): plan, stage every batch,
    publish. Batches are staged in a spawned process pool of `config.effective_workers`, as the
    flow does, when that is above one or `pool` is True (`pool=False`: in this process). No lock
    and no --full wipe: the flow adds those around the same steps."""
    plan = plan_run(config)
    workers = max(1, min(config.effective_workers, len(plan.batches)))
    if not (pool if pool is not None else workers > 1):
        staged = [stage_batch(config, plan.run_key, batch) for batch in plan.batches]
        return publish_run(config, plan, staged)
    executor = staging_pool(workers)
    stopper: threading.Thread | None = None
    try:
        count = len(plan.batches)
        staged = list(
            executor.map(stage_batch, [config] * count, [plan.run_key] * count, plan.batches)
        )
        stopper = stop_in_background(executor)  # the processes exit while this one publishes
        return publish_run(config, plan, staged)
    finally:
        if stopper is not None:
            stopper.join()
        else:
            executor.shutdown(cancel_futures=True)
