"""Quality of the plain-text cleaner on the shared dev set (WCXB dev split).

    /work/venv/bin/python bench/text_quality.py [--dataset PATH] [--out PATH] [--worst N]
                                                [--no-templates] [--min-docs N] [--pipeline]

Runs `clean_text(scraped_text, host=<url host>)` on every page, with a `TemplateIndex` learnt
from the scraped texts of the same set (never from the truth), writes predictions
{"id", "text"} as JSONL, runs the set's own `score.py` on them and prints its figures plus the
worst pages and the rules that removed the most text.

`--pipeline` measures what issue 3 names instead: each scraped_text written as `<id>.txt` and
run through the whole pipeline as `newsclean run` does (plan -> batches in a spawned pool of
all cores -> deduplication, site templates -> publish; `cleaners.runner.run_local`, without
Prefect's server); the published article is the page's prediction, and a rejected or
deduplicated page counts as empty. The files carry no URL, so no site templates are learnt.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.text import clean_text  # noqa: E402
from cleaners.text.templates import TemplateIndex  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"


_TEMPLATES: TemplateIndex | None = None


def _init(templates: TemplateIndex | None) -> None:
    global _TEMPLATES
    _TEMPLATES = templates


def _clean(job: tuple[str, str | None]) -> tuple[str, list[tuple[str, int]]]:
    text, host = job
    res = clean_text(text, host=host, templates=_TEMPLATES)
    return res.text, [(r.rule, len(r.text)) for r in res.removed]


def _pipeline_predictions(pages: list[dict[str, str]]) -> tuple[list[str], Counter[str]]:
    """Published text per page (empty when rejected) and removed characters per rule."""
    import pyarrow.dataset as ds

    from cleaners.config import RunConfig
    from cleaners.runner import prepare_output, run_local

    with tempfile.TemporaryDirectory(prefix="text_quality-") as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "clean"
        raw.mkdir()
        for page in pages:
            (raw / f"{page['id']}.txt").write_text(page["scraped_text"], encoding="utf-8")
        config = RunConfig(input_dir=raw, output_dir=out, full=True)
        prepare_output(config)
        run_local(config)
        table = ds.dataset(out / "articles", partitioning="hive").to_table(
            columns=["source_path", "text", "removed"]
        )
    texts: dict[str, str] = {}
    rules: Counter[str] = Counter()
    for path, text, removed in zip(
        *(table[c].to_pylist() for c in ("source_path", "text", "removed")), strict=True
    ):
        texts[Path(path).stem] = text
        for removal in removed:
            rules[removal["rule"]] += len(removal["text"])
    return [texts.get(p["id"], "") for p in pages], rules


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dataset", type=Path, default=SHARED / "articles-dev.jsonl.gz")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "text_predictions.jsonl")
    ap.add_argument("--worst", type=int, default=15)
    ap.add_argument("--no-templates", action="store_true")
    ap.add_argument("--min-docs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--pipeline", action="store_true", help="through the whole pipeline (above)")
    args = ap.parse_args()
    if not args.dataset.exists():
        print(f"dataset not found: {args.dataset}", file=sys.stderr)
        return 2
    with gzip.open(args.dataset, "rt", encoding="utf-8") as f:
        pages = [json.loads(line) for line in f if line.strip()]
    hosts = [urlparse(p.get("url") or "").hostname for p in pages]
    templates = None
    if not args.no_templates:
        templates = TemplateIndex.fit(
            list(zip(hosts, (p["scraped_text"] for p in pages), strict=True)),
            min_docs=args.min_docs,
        )
    rules: Counter[str] = Counter()
    t0 = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.pipeline:
        texts, rules = _pipeline_predictions(pages)
        args.jobs = os.cpu_count() or 1
    else:
        jobs = [(p["scraped_text"], h) for p, h in zip(pages, hosts, strict=True)]
        with mp.Pool(args.jobs, initializer=_init, initargs=(templates,)) as pool:
            results = pool.map(_clean, jobs, chunksize=8)
        texts = [text for text, _ in results]
        for _, removed in results:
            for rule, chars in removed:
                rules[rule] += chars
    with args.out.open("w", encoding="utf-8") as out:
        for page, text in zip(pages, texts, strict=True):
            out.write(json.dumps({"id": page["id"], "text": text}, ensure_ascii=False) + "\n")
    elapsed = time.perf_counter() - t0
    proc = subprocess.run(
        [
            sys.executable,
            str(args.dataset.parent / "score.py"),
            str(args.dataset),
            str(args.out),
            "--per-page",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    print(
        f"pages={summary['pages']} time={elapsed:.1f}s on {args.jobs} processes "
        f"({1000 * elapsed * args.jobs / len(pages):.1f} ms/page/process)"
    )
    print(
        "removed chars by rule (top 20): " + ", ".join(f"{k}={v}" for k, v in rules.most_common(20))
    )
    print(f"worst {args.worst} pages:")
    urls = {p["id"]: p.get("url") for p in pages}
    for row in lines[: args.worst]:
        pid = row.split("\t", 1)[0]
        print(f"  {row}\t{urls.get(pid)}")
    print(
        f"F1={summary['f1']:.4f} P={summary['precision']:.4f} R={summary['recall']:.4f} "
        f"with={summary['with_rate']:.4f} without={summary['without_rate']:.4f}"
    )
    print(lines[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
