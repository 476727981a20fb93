"""Quality of the plain-text cleaner on the shared dev set (WCXB dev split).

    /work/venv/bin/python bench/text_quality.py [--dataset PATH] [--out PATH] [--worst N]
                                                [--no-templates] [--min-docs N]

Runs `clean_text(scraped_text, host=<url host>)` on every page, with a `TemplateIndex` learnt
from the scraped texts of the same set (never from the truth), writes predictions
{"id", "text"} as JSONL, runs the set's own `score.py` on them and prints its figures plus the
worst pages and the rules that removed the most text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import subprocess
import sys
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
    jobs = [(p["scraped_text"], h) for p, h in zip(pages, hosts, strict=True)]
    with mp.Pool(args.jobs, initializer=_init, initargs=(templates,)) as pool:
        results = pool.map(_clean, jobs, chunksize=8)
    with args.out.open("w", encoding="utf-8") as out:
        for page, (text, removed) in zip(pages, results, strict=True):
            for rule, chars in removed:
                rules[rule] += chars
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
