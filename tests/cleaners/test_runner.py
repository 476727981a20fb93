"""Pool start-up of cleaners.runner (the pipeline steps themselves are tested through run_local in
tests/test_sample_data.py and the flow tests)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from cleaners.config import RunConfig
from cleaners.runner import MIN_BATCH_BYTES, init_worker, plan_run, prepare_output, stage_batch
from tests.conftest import REPO_ROOT

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


_PARENT = r"""
import multiprocessing, os, signal, sys, time
sys.path.insert(0, {root!r})
from concurrent.futures import ProcessPoolExecutor
from cleaners.runner import MIN_BATCH_BYTES, init_worker

def slow_init():
    time.sleep(1.0)  # the parent is gone before the worker's start-up runs
    init_worker()

if __name__ == "__main__":
    early = sys.argv[1] == "early"
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=slow_init if early else init_worker)
    future = pool.submit(os.getpid)
    if early:
        print(next(iter(pool._processes)), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    print(future.result(), flush=True)
    time.sleep(600)  # killed by the test long before
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:  # a zombie is gone too
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux) to inspect processes")
@pytest.mark.parametrize("when", ["working", "early"])
def test_pool_processes_exit_when_their_parent_is_killed(tmp_path: Path, when: str) -> None:
    """`working`: the parent dies while its worker waits for tasks; `early`: before the worker
    has even run its start-up (a run killed just after it started its pool)."""
    script = tmp_path / "parent.py"
    script.write_text(_PARENT.format(root=str(REPO_ROOT)), encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(script), when], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        if when == "working":
            parent.send_signal(signal.SIGKILL)  # as a killed run: no clean-up code runs
        parent.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the orphaned pool process is still running"
    finally:
        parent.kill()


# --- the plan: batches ----------------------------------------------------------------------


def _write_inputs(raw: Path, sizes_kb: list[int]) -> None:
    raw.mkdir()
    for i, kb in enumerate(sizes_kb):
        (raw / f"page-{i:03d}.txt").write_text("word " * (kb * 1024 // 5), encoding="utf-8")


def test_plan_tapers_the_last_batches_and_covers_every_input_once(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _write_inputs(raw, [100] * 200)  # ~19.5 MB in 100 KB files
    config = RunConfig(input_dir=raw, output_dir=tmp_path / "clean", batch_mb=4)
    plan = plan_run(config)
    sizes = [batch.size for batch in plan.batches]
    paths = [path for batch in plan.batches for path in batch.paths]
    assert sorted(paths) == paths and len(set(paths)) == 200  # each file once, in order
    assert max(sizes) <= 4 * 1024 * 1024
    # full batches while a quarter of the rest is more; the end in smaller steps down to about
    # MIN_BATCH_BYTES, never growing again (the workers finish together, not a batch apart)
    assert sizes[0] > 3.9 * 1024 * 1024
    assert 0.9 * MIN_BATCH_BYTES <= sizes[-2] <= MIN_BATCH_BYTES
    assert sizes[-1] < sizes[0] / 2
    assert sizes == sorted(sizes, reverse=True)
    assert plan == plan_run(config)  # the same inputs and config: the same batches and keys


def test_plan_taper_depends_on_the_inputs_not_the_workers(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _write_inputs(raw, [300] * 20)
    out = tmp_path / "clean"
    one = plan_run(RunConfig(input_dir=raw, output_dir=out, workers=1, batch_mb=2))
    many = plan_run(RunConfig(input_dir=raw, output_dir=out, workers=8, batch_mb=2))
    assert [b.key for b in one.batches] == [b.key for b in many.batches]


def test_large_jsonl_is_sharded_finely_and_its_shards_grouped_into_batches(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    line = '{"id": "%d", "text": "%s"}\n'
    with (raw / "dump.jsonl").open("w", encoding="utf-8") as f:
        for i in range(12_000):
            f.write(line % (i, "lorem ipsum dolor " * 50))  # ~11 MB
    config = RunConfig(input_dir=raw, output_dir=tmp_path / "clean", batch_mb=4)
    plan = plan_run(config)
    units = [unit for batch in plan.batches for unit in batch.units]
    shards = [unit.shard for unit in units]
    assert all(shard is not None for shard in shards)
    starts = [s.start for s in shards if s is not None]
    ends = [s.end for s in shards if s is not None]
    assert starts[0] == 0 and starts[1:] == ends[:-1]  # contiguous, nothing skipped
    assert ends[-1] == (raw / "dump.jsonl").stat().st_size
    assert any(len(batch.units) > 1 for batch in plan.batches)  # shards share batches
    assert max(batch.size for batch in plan.batches) <= 4 * 1024 * 1024
    assert plan.batches[-1].size < plan.batches[0].size


# --- changed inputs: their earlier documents are replaced, not published twice --------------

_HARBOUR = (
    "The council voted late on Tuesday to approve the new harbour budget after a long debate "
    "about dredging costs, the ferry timetable and the repairs to the old sea wall. "
)
_SCHOOL = (
    "The school board adopted a new reading programme for the autumn term, with extra hours "
    "for pupils who fell behind and a small grant for the town library to stay open longer. "
)
_BRIDGE = (
    "The river bridge closes for three weeks of repairs from Monday; lorries are sent through "
    "the industrial estate while buses keep their usual route over the temporary crossing. "
)


def _published(output: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    import pyarrow.dataset as ds

    def rows(folder: Path, partitioning: str | None) -> list[dict[str, object]]:
        if not folder.exists():
            return []
        return ds.dataset(folder, partitioning=partitioning).to_table().to_pylist()

    return rows(output / "articles", "hive"), rows(output / "rejects", None)


def _run(raw: Path, output: Path) -> dict[str, object]:
    from cleaners.runner import run_local

    return run_local(RunConfig(input_dir=raw, output_dir=output, workers=1)).to_dict()


def test_a_grown_jsonl_dump_replaces_its_earlier_articles(tmp_path: Path) -> None:
    import json

    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    dump = raw / "dump.jsonl"
    lines = [
        json.dumps({"id": key, "text": text * 4}) for key, text in (("a", _HARBOUR), ("b", _SCHOOL))
    ]
    dump.write_text("\n".join(lines) + "\n")
    _run(raw, output)
    with dump.open("a") as stream:
        stream.write(json.dumps({"id": "c", "text": _BRIDGE * 4}) + "\n")
    summary = _run(raw, output)
    articles, rejects = _published(output)
    assert sorted(a["source_id"] for a in articles) == ["a", "b", "c"]  # each once
    assert len({a["id"] for a in articles}) == 3 and rejects == []
    assert summary["retracted"] == 2 and summary["prior_duplicates"] == 0


def test_an_edited_file_is_replaced_and_its_batch_neighbours_stay(tmp_path: Path) -> None:
    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "harbour.txt").write_text(_HARBOUR * 4)
    (raw / "school.txt").write_text(_SCHOOL * 4)  # shares the first run's batch
    _run(raw, output)
    (raw / "harbour.txt").write_text(_BRIDGE * 4)
    _run(raw, output)
    articles, _ = _published(output)
    by_path = {a["source_path"]: a["text"] for a in articles}
    assert len(articles) == 2 and by_path["school.txt"].startswith("The school board")
    assert by_path["harbour.txt"].startswith("The river bridge")
    # the old harbour text is no longer published: a new file with it is news, not a duplicate
    (raw / "later.txt").write_text(_HARBOUR * 4)
    summary = _run(raw, output)
    articles, _ = _published(output)
    assert summary["prior_duplicates"] == 0 and len(articles) == 3


def test_a_changed_file_that_now_fails_leaves_no_article_and_no_empty_part(tmp_path: Path) -> None:
    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "harbour.txt").write_text(_HARBOUR * 4)
    _run(raw, output)
    (raw / "harbour.txt").write_text("   \n")
    _run(raw, output)
    articles, rejects = _published(output)
    assert articles == [] and [r["reason"] for r in rejects] == ["empty"]
    assert not list((output / "articles").rglob("*.parquet"))  # the emptied part is gone


def test_a_growing_dump_counts_each_article_once_for_the_site_templates(tmp_path: Path) -> None:
    import json
    import random

    from cleaners.site_templates import RULE
    from cleaners.storage import Layout, load_manifest_templates
    from cleaners.text.templates import TemplateIndex

    words = (
        "harbour ferry council budget market mayor school bridge river library festival "
        "orchard railway station museum garden bakery hospital stadium theatre lighthouse"
    ).split()

    def story(seed: int) -> str:
        pick = random.Random(seed).choice
        body = [" ".join(pick(words) for _ in range(18)).capitalize() + "." for _ in range(4)]
        return "\n".join([*body, "The Harbour Gazette goes to print on Quay Street each Thursday."])

    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    for n in range(1, 6):  # the dump grows by one story per run, and is read whole each time
        (raw / "dump.jsonl").write_text(
            "".join(
                json.dumps({"id": f"s{k}", "url": f"https://gazette.example/{k}", "text": story(k)})
                + "\n"
                for k in range(n)
            )
        )
        summary = _run(raw, output)
        assert summary["rejects"] == 0, summary["rejects_by_reason"]
    articles, _ = _published(output)
    assert len(articles) == 5
    for article in articles:  # the footer is the site's template; the stories' own lines are not
        assert (
            "Quay Street" not in str(article["text"]) and len(str(article["text"]).split("\n")) == 4
        )
        assert [r["rule"] for r in article["removed"]] == [RULE]  # type: ignore[union-attr]
    blob = load_manifest_templates(Layout(output))
    assert blob is not None and TemplateIndex.from_bytes(blob).docs["gazette.example"] == 5


def test_changed_cleaning_settings_reprocess_and_replace_unchanged_inputs(tmp_path: Path) -> None:
    from cleaners.runner import run_local

    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "harbour.txt").write_text(_HARBOUR * 2)  # ~330 characters
    (raw / "school.txt").write_text(_SCHOOL * 4)

    def run(**options: object) -> dict[str, object]:
        config = RunConfig(input_dir=raw, output_dir=output, workers=1, **options)  # type: ignore[arg-type]
        return run_local(config).to_dict()

    first = run(min_chars=100)
    assert first["articles"] == 2
    again = run(min_chars=100)
    assert again["unchanged"] == 2 and again["processed_files"] == 0  # same settings: skipped
    stricter = run(min_chars=400)  # what a document becomes changed: every input again
    assert stricter["resettled"] == 2 and stricter["processed_files"] == 2
    articles, rejects = _published(output)
    assert [a["source_path"] for a in articles] == ["school.txt"]  # replaced, not kept twice
    assert [(r["source_path"], r["reason"]) for r in rejects] == [("harbour.txt", "too_short")]
    # options that do not change a document (workers, batches) do not reprocess anything
    assert run(min_chars=400, batch_size=1)["unchanged"] == 2


def _dump(raw: Path, texts: list[str], host: str = "gazette.example") -> None:
    import json

    (raw / "dump.jsonl").write_text(
        "".join(
            json.dumps({"id": f"s{k}", "url": f"https://{host}/{k}", "text": text}) + "\n"
            for k, text in enumerate(texts)
        )
    )


def _template_docs(output: Path, host: str = "gazette.example") -> int:
    from cleaners.storage import Layout, load_manifest_templates
    from cleaners.text.templates import TemplateIndex

    blob = load_manifest_templates(Layout(output))
    return TemplateIndex.from_bytes(blob).docs[host] if blob else 0


def _two_files_published(tmp_path: Path) -> tuple[Path, Path]:
    """An input folder with two articles (one batch) and the output of a first run on it."""
    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "harbour.txt").write_text(_HARBOUR * 4)
    (raw / "school.txt").write_text(_SCHOOL * 4)
    _run(raw, output)
    return raw, output


def test_upgrading_from_a_manifest_without_settings_keeps_every_article(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from cleaners.storage import Layout

    raw, output = _two_files_published(tmp_path)
    manifest = Layout(output).manifest
    table = pq.read_table(manifest)
    pq.write_table(table.drop_columns(["settings"]), manifest)  # as an older version wrote it
    summary = _run(raw, output)  # same batch keys as the parts on disk: replaced, not deleted
    articles, _ = _published(output)
    assert summary["resettled"] == 2 and sorted(a["source_path"] for a in articles) == [
        "harbour.txt",
        "school.txt",
    ]
    assert _run(raw, output)["unchanged"] == 2


def _run_with_failing_batch(raw: Path, output: Path, failing_path: str) -> None:
    """A run, one file per batch, in which the batch of `failing_path` fails after its retries."""
    from cleaners.runner import plan_run, publish_run, stage_batch

    config = RunConfig(input_dir=raw, output_dir=output, workers=1, batch_size=1)
    plan = plan_run(config)
    failing = next(b for b in plan.batches if failing_path in b.paths)
    staged = [stage_batch(config, plan.run_key, b) for b in plan.batches if b is not failing]
    publish_run(config, plan, staged, failed=[(failing, "RuntimeError: boom")])


def test_a_file_whose_batch_failed_is_retried_even_when_reverted(tmp_path: Path) -> None:
    raw, output = _two_files_published(tmp_path)
    (raw / "harbour.txt").write_text(_BRIDGE * 4)
    (raw / "school.txt").write_text(_SCHOOL * 5)
    _run_with_failing_batch(raw, output, "harbour.txt")
    articles, rejects = _published(output)  # the failed file keeps what it had published
    assert sorted(a["source_path"] for a in articles) == ["harbour.txt", "school.txt"]
    assert [(r["source_path"], r["reason"]) for r in rejects] == [("harbour.txt", "error")]
    (raw / "harbour.txt").write_text(_HARBOUR * 4)  # back to what the manifest has
    summary = _run(raw, output)
    assert summary["processed_files"] == 1  # retried, as its error reject says
    articles, rejects = _published(output)
    assert sorted(a["source_path"] for a in articles) == ["harbour.txt", "school.txt"]
    assert rejects == []


def test_a_crash_after_the_parts_commit_and_a_rerun_equal_an_uninterrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaners import dedup
    from cleaners.storage import Layout

    texts = [_HARBOUR * 3, _SCHOOL * 3, _BRIDGE * 3]
    outputs = {}
    for name in ("crashed", "clean"):
        raw, output = tmp_path / name / "raw", tmp_path / name / "clean"
        raw.mkdir(parents=True)
        _dump(raw, texts[:2])
        _run(raw, output)
        _dump(raw, texts)
        if name == "crashed":
            with monkeypatch.context() as patch:  # killed between the parts and the metadata
                patch.setattr(dedup.DedupIndex, "save", _raise_killed)
                with pytest.raises(_Killed):
                    _run(raw, output)
        summary = _run(raw, output)
        articles, rejects = _published(output)
        index = dedup.DedupIndex.load(Layout(output).dedup_index)
        outputs[name] = (
            summary["retracted"],
            sorted((a["source_id"], a["text"]) for a in articles),
            rejects,
            _template_docs(output),
            index.to_table().sort_by("id"),
        )
    assert outputs["crashed"][:4] == outputs["clean"][:4]
    assert outputs["crashed"][3] == 3  # each article counted once
    assert outputs["crashed"][4].equals(outputs["clean"][4])


class _Killed(BaseException):
    pass


def _raise_killed(*_: object) -> None:
    raise _Killed


def test_articles_template_lines_left_too_short_are_taken_back_too(tmp_path: Path) -> None:
    import random

    from cleaners.storage import Layout, load_manifest_templates
    from cleaners.text.templates import TemplateIndex, line_keys

    footer = "The Harbour Gazette goes to print on Quay Street each Thursday."
    words = "harbour ferry council budget market mayor school bridge river library".split()

    def story(seed: int) -> str:
        pick = random.Random(seed).choice
        return "\n".join(
            [
                *(" ".join(pick(words) for _ in range(18)).capitalize() + "." for _ in range(4)),
                footer,
            ]
        )

    notice = "Ferry notice: the Friday crossing leaves an hour later this week."
    brief = "\n".join(
        [notice, "Tickets remain valid as booked.", footer]
    )  # the footer is most of it
    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    for n in range(4, 8):  # a growing dump: the brief is rejected (too short) every run
        _dump(raw, [brief, *(story(k) for k in range(n - 1))])
        summary = _run(raw, output)
        assert summary["rejects_by_reason"] == {"too_short": 1}
        index = TemplateIndex.from_bytes(load_manifest_templates(Layout(output)) or b"")
        assert index.docs["gazette.example"] == n  # each document counted once
        assert index.lines["gazette.example"][line_keys([notice])[0]] == 1


def test_a_copy_rejected_as_duplicate_is_judged_again_when_its_original_changes(
    tmp_path: Path,
) -> None:
    from cleaners.runner import plan_run

    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "one.txt").write_text(_HARBOUR * 4)
    (raw / "two.txt").write_text(_HARBOUR * 4)  # the same story: one of them is a duplicate
    (raw / "other.txt").write_text(_SCHOOL * 4)
    _run(raw, output)
    articles, [copy] = _published(output)
    assert copy["reason"] == "duplicate"
    [original] = [a["source_path"] for a in articles if a["id"] == copy["duplicate_of"]]
    (raw / original).write_text(_BRIDGE * 4)  # the original now tells another story
    plan = plan_run(RunConfig(input_dir=raw, output_dir=output, workers=1))
    assert plan.rechecked == 1 and plan.unchanged == 1  # the copy again, the other file not
    _run(raw, output)
    articles, rejects = _published(output)
    assert sorted(a["source_path"] for a in articles) == ["one.txt", "other.txt", "two.txt"]
    assert rejects == []  # the copy is unique now: published


def _run_retracting(raw: Path, output: Path) -> dict[str, object]:
    from cleaners.runner import run_local

    config = RunConfig(input_dir=raw, output_dir=output, workers=1, retract_deleted=True)
    return run_local(config).to_dict()


def test_a_deleted_input_is_kept_by_default_and_counted(tmp_path: Path) -> None:
    raw, output = _two_files_published(tmp_path)
    (raw / "harbour.txt").unlink()
    summary = _run(raw, output)
    articles, _ = _published(output)
    assert sorted(a["source_path"] for a in articles) == ["harbour.txt", "school.txt"]
    assert summary["missing_inputs"] == 1 and summary["deleted_inputs"] == 0
    assert summary["withdrawn"] == 0


def test_retract_deleted_takes_a_deleted_inputs_documents_out_everywhere(tmp_path: Path) -> None:
    from cleaners import dedup
    from cleaners.storage import Layout, load_manifest

    raw, output = _two_files_published(tmp_path)
    (raw / "harbour.txt").unlink()
    summary = _run_retracting(raw, output)
    articles, rejects = _published(output)
    assert [a["source_path"] for a in articles] == ["school.txt"] and rejects == []
    assert summary["withdrawn"] == 1 and summary["deleted_inputs"] == 1
    assert summary["missing_inputs"] == 0 and summary["processed_files"] == 0
    layout = Layout(output)
    assert set(load_manifest(layout)) == {"school.txt"}
    assert len(dedup.DedupIndex.load(layout.dedup_index)) == 1
    # gone from the index too: the same story filed again later is news, not a duplicate
    (raw / "again.txt").write_text(_HARBOUR * 4)
    summary = _run_retracting(raw, output)
    articles, _ = _published(output)
    assert summary["prior_duplicates"] == 0 and summary["deleted_inputs"] == 0
    assert sorted(a["source_path"] for a in articles) == ["again.txt", "school.txt"]


def test_retract_deleted_takes_site_template_counts_back(tmp_path: Path) -> None:
    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    _dump(raw, [_HARBOUR * 3, _SCHOOL * 3, _BRIDGE * 3])
    other = "Volunteers counted forty-one swifts over the old mill on the first warm evening. "
    (raw / "other.txt").write_text(other * 5)  # no host: no template counts
    _run_retracting(raw, output)
    assert _template_docs(output) == 3
    (raw / "dump.jsonl").unlink()
    summary = _run_retracting(raw, output)
    articles, rejects = _published(output)
    assert summary["withdrawn"] == 3 and [a["source_path"] for a in articles] == ["other.txt"]
    assert rejects == [] and _template_docs(output) == 0


def test_retract_deleted_takes_nothing_back_when_every_input_is_gone(tmp_path: Path) -> None:
    raw, output = _two_files_published(tmp_path)
    for path in raw.iterdir():  # an unmounted share looks like this
        path.unlink()
    summary = _run_retracting(raw, output)
    articles, _ = _published(output)
    assert len(articles) == 2 and summary["withdrawn"] == 0
    assert summary["missing_inputs"] == 2 and summary["deleted_inputs"] == 0


def test_retract_deleted_publishes_a_copy_whose_original_was_deleted(tmp_path: Path) -> None:
    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "one.txt").write_text(_HARBOUR * 4)
    (raw / "two.txt").write_text(_HARBOUR * 4)
    _run_retracting(raw, output)
    articles, [copy] = _published(output)
    [original] = [a["source_path"] for a in articles if a["id"] == copy["duplicate_of"]]
    (raw / original).unlink()
    summary = _run_retracting(raw, output)
    articles, rejects = _published(output)
    assert [a["source_path"] for a in articles] == [copy["source_path"]] and rejects == []
    assert summary["withdrawn"] == 1 and summary["processed_files"] == 1


def test_retract_deleted_removes_the_error_reject_of_a_deleted_failed_file(tmp_path: Path) -> None:
    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "harbour.txt").write_text(_HARBOUR * 4)
    (raw / "school.txt").write_text(_SCHOOL * 4)
    _run_with_failing_batch(raw, output, "harbour.txt")
    assert [r["reason"] for r in _published(output)[1]] == ["error"]
    (raw / "harbour.txt").unlink()  # never published an article: only its error reject is left
    summary = _run_retracting(raw, output)
    articles, rejects = _published(output)
    assert [a["source_path"] for a in articles] == ["school.txt"] and rejects == []
    assert summary["deleted_inputs"] == 1 and summary["withdrawn"] == 0


def test_records_repeating_an_id_get_their_own_and_are_judged_by_content(tmp_path: Path) -> None:
    import json

    from cleaners.article import record_id

    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    lines = [
        {"id": "7", "text": _HARBOUR * 4},
        {"id": 7, "text": _SCHOOL * 4},  # a scraper writing one id for every page
        {"id": "7", "text": _HARBOUR * 4},  # and a record saved twice
    ]
    (raw / "dump.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    summary = _run(raw, output)
    articles, rejects = _published(output)
    expected = {
        1: record_id("dump.jsonl", "id=7"),  # the first keeps the id
        2: record_id("dump.jsonl", "id=7@2"),
        3: record_id("dump.jsonl", "id=7@3"),
    }
    published = {a["source_line"]: a["id"] for a in articles}
    [copy] = rejects  # one of the two saved copies, whichever dedup keeps
    assert copy["reason"] == "duplicate" and {copy["source_line"], *published} == {1, 2, 3}
    assert {**published, copy["source_line"]: copy["id"]} == expected
    assert copy["duplicate_of"] == expected[4 - copy["source_line"]]
    assert summary["failed_batches"] == [] and _run(raw, output)["unchanged"] == 1


def _distinct_stories(count: int, first: int = 0) -> list[str]:
    """`count` stories of ~1.6 KB, no two of them near duplicates (a dump that shards)."""
    import random

    who = ["The council", "A ferry crew", "Two nurses", "The mayor", "Local farmers", "A teacher"]
    did = ["repaired", "inspected", "painted", "measured", "closed", "reopened", "counted"]
    what = ["the old pier", "a school roof", "the tram depot", "forty benches", "the canal lock"]
    stories = []
    for k in range(first, first + count):
        rng = random.Random(k)
        stories.append(
            " ".join(
                f"{rng.choice(who)} {rng.choice(did)} {rng.choice(what)} on day {k}, hour {n}."
                for n in range(30)
            )
        )
    return stories


def _sharded_dump(raw: Path, stories: list[str], ids: list[str] | None = None) -> None:
    import json

    ids = ids or [f"r{k}" for k in range(len(stories))]
    lines = (json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(ids, stories, strict=True))
    (raw / "dump.jsonl").write_text("".join(lines))


def test_an_id_repeated_in_another_shard_of_a_dump_is_renamed_the_same_way(
    tmp_path: Path,
) -> None:
    from cleaners.runner import run_local

    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    ids = [f"r{k}" for k in range(800)]
    ids[-1] = "r0"  # in the last shard, repeating the first shard's first id
    _sharded_dump(raw, _distinct_stories(800), ids)
    config = RunConfig(input_dir=raw, output_dir=output, workers=1, batch_mb=1)
    assert len(plan_run(config).batches) > 1
    sharded = run_local(config).to_dict()
    articles, _ = _published(output)
    assert sharded["failed_batches"] == [] and len({a["id"] for a in articles}) == 800
    whole = tmp_path / "whole"
    run_local(RunConfig(input_dir=raw, output_dir=whole, workers=1, batch_mb=64))
    assert sorted(a["id"] for a in articles) == sorted(a["id"] for a in _published(whole)[0])


def test_a_grown_dump_split_over_batches_replaces_every_earlier_article(tmp_path: Path) -> None:
    from cleaners.runner import run_local

    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    stories = _distinct_stories(800)
    _sharded_dump(raw, stories)
    config = RunConfig(input_dir=raw, output_dir=output, workers=1, batch_mb=1)
    assert len(plan_run(config).batches) > 1
    run_local(config)
    _sharded_dump(raw, stories + _distinct_stories(1, first=5000))
    summary = run_local(config).to_dict()
    articles, _ = _published(output)
    assert len(articles) == len({a["id"] for a in articles}) == 801  # none published twice
    assert summary["retracted"] == 800


def test_a_file_whose_name_is_not_utf8_is_a_reject_until_renamed(tmp_path: Path) -> None:
    raw, output = _two_files_published(tmp_path)
    bad = os.path.join(os.fsencode(raw), b"caf\xe9.txt")
    with open(bad, "wb") as stream:
        stream.write((_BRIDGE * 4).encode())
    for _ in range(2):  # reported by every run while it is there, once
        summary = _run(raw, output)
        articles, rejects = _published(output)
        assert summary["failed_batches"] == [] and len(articles) == 2
        assert [(r["source_path"], r["reason"]) for r in rejects] == [
            ("caf\\xe9.txt", "undecodable")
        ]
    os.rename(bad, raw / "cafe.txt")
    _run(raw, output)
    articles, rejects = _published(output)
    assert "cafe.txt" in {a["source_path"] for a in articles} and rejects == []


def test_a_dump_whose_shard_failed_is_published_whole_by_the_next_run(tmp_path: Path) -> None:
    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    _sharded_dump(raw, _distinct_stories(800))
    (raw / "other.txt").write_text(_SCHOOL * 4)
    from cleaners.runner import run_local

    config = RunConfig(input_dir=raw, output_dir=output, workers=1, batch_mb=1)
    plan = plan_run(config)
    assert sum("dump.jsonl" in b.paths for b in plan.batches) > 1
    from cleaners.runner import publish_run, stage_batch

    failing = next(b for b in plan.batches if "dump.jsonl" in b.paths)
    staged = [stage_batch(config, plan.run_key, b) for b in plan.batches if b is not failing]
    summary = publish_run(config, plan, staged, failed=[(failing, "RuntimeError: boom")])
    articles, rejects = _published(output)
    assert "dump.jsonl" not in {a["source_path"] for a in articles}  # none of its shards
    assert {r["reason"] for r in rejects} == {"error"} and len(summary.failed_batches) > 1
    assert "dump.jsonl" in {r["source_path"] for r in rejects}  # once, with the first failure
    assert len(rejects) == len({r["source_path"] for r in rejects})
    again = run_local(config).to_dict()
    articles, rejects = _published(output)
    assert again["failed_batches"] == [] and rejects == []
    assert sum(a["source_path"] == "dump.jsonl" for a in articles) == 800  # every one of them
    assert "other.txt" in {a["source_path"] for a in articles}


def test_a_rejected_record_sharing_an_articles_id_does_not_hide_its_template_counts(
    tmp_path: Path,
) -> None:
    import json

    raw, output = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    texts = [_HARBOUR * 3, _SCHOOL * 3]
    seen = []
    for run in range(3):  # the dump grows; its last line repeats s0's id and is too short
        stories = texts + [_BRIDGE * (3 + k) for k in range(run)]  # the bridge ones: near copies
        rows = [
            {"id": f"s{k}", "url": f"https://gazette.example/{k}", "text": text}
            for k, text in enumerate(stories)
        ] + [{"id": "s0", "url": "https://gazette.example/0", "text": "tiny"}]
        (raw / "dump.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        summary = _run(raw, output)
        articles, rejects = _published(output)
        seen.append((len(articles), _template_docs(output), summary["retracted"]))
        assert not {a["id"] for a in articles} & {r["id"] for r in rejects}  # ids are unique
    # (articles, documents the template counts hold, articles taken back): each counted once
    assert seen == [(2, 2, 0), (3, 3, 2), (3, 3, 3)]


def test_a_run_killed_after_taking_a_deleted_input_back_is_finished_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaners import dedup
    from cleaners.storage import Layout, read_manifest_rows

    outcomes = {}
    for name in ("crashed", "clean"):
        raw, output = tmp_path / name / "raw", tmp_path / name / "clean"
        raw.mkdir(parents=True)
        (raw / "one.txt").write_text(_HARBOUR * 4)
        (raw / "two.txt").write_text(_HARBOUR * 4)  # a copy: its reject is judged again below
        (raw / "other.txt").write_text(_SCHOOL * 4)
        _run_retracting(raw, output)
        articles, [copy] = _published(output)
        [original] = [a["source_path"] for a in articles if a["id"] == copy["duplicate_of"]]
        (raw / original).unlink()
        if name == "crashed":  # killed between the parts commit and the metadata
            with monkeypatch.context() as patch:
                patch.setattr(dedup.DedupIndex, "save", _raise_killed)
                with pytest.raises(_Killed):
                    _run_retracting(raw, output)
        summary = _run_retracting(raw, output)
        articles, rejects = _published(output)
        layout = Layout(output)
        outcomes[name] = (
            summary["withdrawn"],
            sorted((a["source_path"], a["id"]) for a in articles),
            rejects,
            sorted((r["source_path"], r["batch"]) for r in read_manifest_rows(layout)),
            dedup.DedupIndex.load(layout.dedup_index).to_table().sort_by("id"),
        )
        assert not layout.pending_run.exists()
    assert outcomes["crashed"][:4] == outcomes["clean"][:4]
    assert outcomes["crashed"][0] == 1 and len(outcomes["crashed"][1]) == 2
    assert outcomes["crashed"][4].equals(outcomes["clean"][4])
