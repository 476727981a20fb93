"""Whole text pipeline on a synthetic corpus: speed per stage and end to end, 1 vs 2 workers,
peak memory as the corpus grows, language agreement with full-text langdetect, dedup quality.

    python bench/pipeline_speed.py                      # 4,000 docs, memory at 10k
    python bench/pipeline_speed.py --n 4000 --memory 10000,100000

The corpus is bench/synthetic.py's (planted exact/near duplicates and hard negatives), wrapped in
the boilerplate a scraper keeps (share bar, headline, comment form) and written as JSONL files of
200 records. Every figure is measured in this run; ratios are against baselines of this run.
Per-stage rates are documents per CPU second of one process; whole runs (1 and 2 workers) are
wall time of a fresh interpreter from its first import to the published output; peak memory is
the high-water RSS of each process of a whole run with one worker process (`peak_memory_mb`).
Prefect is not involved here: the flow calls the same plan/stage/publish functions (its start-up
and per-task costs are measured in bench/flow_overhead.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate_corpus

from cleaners import dedup, language
from cleaners.config import RunConfig
from cleaners.pipeline import process_files
from cleaners.readers import read_records
from cleaners.runner import run_local
from cleaners.text import clean_text

SHARE = "Facebook Twitter LinkedIn Pinterest Reddit Email Print"
DOCS_PER_FILE = 200  # one file per batch below: several batches even for small corpora
FORM = "Leave a Reply\nYour email address will not be published. Required fields are marked *"


def write_corpus(folder: Path, n: int, seed: int = 0) -> list[dict[str, str]]:
    docs, truth = generate_corpus(n, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(docs), DOCS_PER_FILE):
        with (folder / f"dump-{start // DOCS_PER_FILE:04d}.jsonl").open("w") as out:
            for doc in docs[start : start + DOCS_PER_FILE]:
                headline = doc.text.split(".")[0][:90].strip()
                text = f"{SHARE}\n{headline}\n{doc.text}\n{FORM}"
                out.write(
                    json.dumps({"id": doc.id, "text": text, "date": doc.date}, ensure_ascii=False)
                    + "\n"
                )
    return truth


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def stage_speeds(folder: Path) -> dict[str, float]:
    """docs/s of each stage, one process, on the same documents: documents per CPU second of
    this process (per core, and unaffected by whatever else the machine runs)."""
    files = sorted(p.name for p in folder.glob("*.jsonl"))
    started = time.process_time()
    records = [r for name in files for r in read_records(folder, name)]
    t_read = time.process_time() - started
    texts = [r.content for r in records if hasattr(r, "content")]
    started = time.process_time()
    cleaned = [clean_text(t).text for t in texts]
    t_clean = time.process_time() - started
    language.init_detector()
    started = time.process_time()
    for t in cleaned:
        language.detect_language(t)
    t_lang = time.process_time() - started
    started = time.process_time()
    for t in cleaned:
        dedup.content_hash(t)
        dedup.minhash_signature(t)
    t_sig = time.process_time() - started
    config = RunConfig(input_dir=folder, workers=1)
    started = time.process_time()
    result = process_files(folder, files, config)
    t_all = time.process_time() - started
    with tempfile.TemporaryDirectory() as tmp:
        import pyarrow.parquet as pq

        started = time.process_time()
        pq.write_table(result.candidates, Path(tmp) / "x.parquet", compression="zstd")
        t_write = time.process_time() - started
    n = len(texts)
    return {
        "docs": n,
        "mean_chars": round(sum(map(len, texts)) / max(n, 1)),
        "read": rate(n, t_read),
        "clean": rate(n, t_clean),
        "language": rate(n, t_lang),
        "fingerprint": rate(n, t_sig),
        "write": rate(n, t_write),
        "batch_pipeline": rate(n, t_all),
    }


def whole_run(
    folder: Path, output: Path, workers: int, pool: bool | None = None
) -> tuple[float, dict[str, Any]]:
    """plan -> stage (in a process pool when workers > 1 or `pool`, as the flow does) -> publish."""
    config = RunConfig(
        input_dir=folder, output_dir=output, workers=workers, full=True, batch_size=1
    )
    started = time.perf_counter()
    summary = run_local(config, pool=pool)
    return time.perf_counter() - started, summary.to_dict()


def fresh_whole_run(folder: Path, output: Path, workers: int) -> tuple[float, dict[str, Any]]:
    """`whole_run` in a new interpreter, staged in a spawned pool as the flow does (for one worker
    too), timed from before the pipeline's imports: what a user's run costs."""
    code = (
        "import json, sys, time; started = time.perf_counter()\n"
        "sys.path[:0] = [sys.argv[1], sys.argv[1] + '/bench']\n"
        "from pathlib import Path\n"
        "from pipeline_speed import whole_run\n"
        "_, summary = whole_run(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), True)\n"
        "print(json.dumps([time.perf_counter() - started, summary]))\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", code, root, str(folder), str(output), str(workers)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds, summary = json.loads(out.stdout.strip().splitlines()[-1])
    return float(seconds), summary


def dedup_quality(output: Path, truth: list[dict[str, str]]) -> dict[str, float]:
    import pyarrow.dataset as ds

    from cleaners.article import record_id

    rejects = ds.dataset(output / "rejects").to_table(columns=["id", "duplicate_of"]).to_pylist()
    # Our ids derive from (file, record id): map them back to the generator's ids.
    by_rid = {}
    for path in sorted((output.parent / "corpus").glob("*.jsonl")):
        for line in path.open():
            doc_id = json.loads(line)["id"]
            by_rid[record_id(path.name, f"id={doc_id}")] = doc_id
    parent = {by_rid[r["id"]]: by_rid[r["duplicate_of"]] for r in rejects if r["duplicate_of"]}

    def root(doc: str) -> str:
        while doc in parent:
            doc = parent[doc]
        return doc

    tp = fn = fp = 0
    for pair in truth:
        same = root(pair["a"]) == root(pair["b"])
        if pair["kind"] == "hard_negative":
            fp += same
        else:
            tp += same
            fn += not same
    return {
        "recall": tp / max(tp + fn, 1),
        "precision": tp / max(tp + fp, 1),
        "hard_negatives_merged": fp,
    }


def language_agreement(folder: Path, sample: int = 600) -> dict[str, float]:
    import langdetect

    langdetect.DetectorFactory.seed = 0
    texts = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.open():
            texts.append(clean_text(json.loads(line)["text"]).text)
            if len(texts) >= sample:
                break
    texts = [t for t in texts if len(t) >= 200]
    started = time.perf_counter()
    full = []
    for t in texts:
        try:
            full.append(langdetect.detect(t))
        except langdetect.LangDetectException:
            full.append("und")
    t_full = time.perf_counter() - started
    started = time.perf_counter()
    ours = [language.detect_language(t).code for t in texts]
    t_ours = time.perf_counter() - started
    full = ["zh" if c.startswith("zh") else c for c in full]
    agree = sum(a == b for a, b in zip(full, ours, strict=True)) / len(texts)
    return {
        "agreement": agree,
        "ours_docs_s": rate(len(texts), t_ours),
        "full_docs_s": rate(len(texts), t_full),
    }


def peak_memory_mb(n: int, base: Path) -> dict[str, float]:
    """Peak RSS (MB) of a whole run on n documents in a fresh interpreter, staged as the flow
    stages (one spawned worker process): `publish` is the main process (planning, then the
    run-wide deduplication and the writing of the final files), `worker` the process that read,
    cleaned and fingerprinted every batch. (Linux: each process's own high-water mark; VmHWM,
    not ru_maxrss, which Linux carries over exec from the parent.)"""
    code = (
        "import resource, sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/bench']\n"
        "from pathlib import Path\n"
        "from pipeline_speed import whole_run\n"
        "whole_run(Path(sys.argv[2]), Path(sys.argv[3]), 1, pool=True)\n"
        "own = next(int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM'))\n"
        "print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    corpus = base / f"mem-{n}" / "corpus"
    write_corpus(corpus, n, seed=1)
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", code, root, str(corpus), str(corpus.parent / "clean")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    publish_kb, worker_kb = map(int, out.stdout.strip().splitlines()[-1].split())
    return {"publish": publish_kb / 1024, "worker": worker_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=4000, help="documents for the speed figures")
    parser.add_argument(
        "--memory",
        default="10000",
        help="corpus sizes for peak memory, comma-separated ('' = skip)",
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        truth = write_corpus(base / "corpus", args.n)
        stages = stage_speeds(base / "corpus")
        t1, summary = fresh_whole_run(base / "corpus", base / "clean", workers=1)
        t2, _ = fresh_whole_run(base / "corpus", base / "clean2", workers=min(2, cores))
        quality = dedup_quality(base / "clean", truth)
        lang = language_agreement(base / "corpus")
        memory = {int(n): peak_memory_mb(int(n), base) for n in args.memory.split(",") if n.strip()}
    result = {
        "stages_docs_per_s_per_core": {k: round(v, 1) for k, v in stages.items()},
        "whole_1_worker_docs_s": round(rate(stages["docs"], t1), 1),
        "whole_2_workers_docs_s": round(rate(stages["docs"], t2), 1),
        "speedup_2_over_1": round(t1 / t2, 2),
        "dedup": {k: round(v, 4) for k, v in quality.items()},
        "language": {k: round(v, 4) for k, v in lang.items()},
        "peak_memory_mb": {n: {k: round(v) for k, v in m.items()} for n, m in memory.items()},
        "articles": summary["articles"],
        "rejects": summary["rejects_by_reason"],
    }
    s = result["stages_docs_per_s_per_core"]
    print(
        f"pipeline: {stages['docs']} docs ~{stages['mean_chars']} chars | per core docs/s: read {s['read']:.0f}, "
        f"clean {s['clean']:.0f}, language {s['language']:.0f}, fingerprint {s['fingerprint']:.0f}, "
        f"write {s['write']:.0f}, batch pipeline {s['batch_pipeline']:.0f} | whole run 1 worker "
        f"{result['whole_1_worker_docs_s']} docs/s, 2 workers {result['whole_2_workers_docs_s']} "
        f"(x{result['speedup_2_over_1']}) | dedup P {quality['precision']:.3f} R {quality['recall']:.3f} | "
        f"language agreement {lang['agreement']:.4f} at x{lang['ours_docs_s'] / lang['full_docs_s']:.1f} the "
        f"speed of full-text langdetect | peak MB {result['peak_memory_mb']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
