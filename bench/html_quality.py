"""Quality and speed of cleaners.html.extract_html against plain trafilatura, same pages, one run.

    /work/venv/bin/python bench/html_quality.py [--limit N] [--dataset PATH] [--score PATH]
        [--fast] [--no-prune] [--no-clean] [--no-fallback] [--favor balanced|precision|recall]
        [--skip-plain] [--dump DIR]

Plain side: `trafilatura.extract(html, include_comments=False)`. Ours: `extract_html(html,
url=...)` with HtmlOptions built from the flags (a page it rejects counts as an empty text).
Scores with the evaluation set's own score.py (imported from --score): mean word-F1, the share of
must-keep snippets found (`with`, higher is better) and of must-drop snippets left (`without`,
lower is better). Prints one table and, last, a JSON line.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura

from cleaners.html import HtmlExtractionError, HtmlOptions, extract_html

DATASET = "/work/shared/eval/articles-dev.jsonl.gz"
SCORER = "/work/shared/eval/score.py"


def load_scorer(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("wcxb_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(path: str, limit: int | None) -> list[dict[str, Any]]:
    pages = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                pages.append(json.loads(line))
                if limit and len(pages) >= limit:
                    break
    return pages


def score_subset(scorer: Any, pages: list[dict[str, Any]], preds: dict[str, str]) -> dict[str, Any]:
    """score.py's metric restricted to `pages` (score.score() reads the whole dataset file)."""
    rows = []
    for page in pages:
        pred = preds.get(page["id"], "")
        _, _, f1 = scorer.word_prf(pred, page["truth"])
        rows.append(
            (f1, scorer.snippet_rate(pred, page.get("with") or []),
             scorer.snippet_rate(pred, page.get("without") or []))
        )  # fmt: skip

    def opt(i: int) -> float | None:
        vals = [r[i] for r in rows if r[i] is not None]
        return sum(vals) / len(vals) if vals else None

    return {"f1": sum(r[0] for r in rows) / len(rows), "with": opt(1), "without": opt(2)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--dataset", default=DATASET)
    ap.add_argument("--score", default=SCORER)
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--no-prune", action="store_true")
    ap.add_argument("--no-clean", action="store_true")
    ap.add_argument("--no-fallback", action="store_true")
    ap.add_argument("--no-metadata", action="store_true")
    ap.add_argument("--favor", default="balanced", choices=["balanced", "precision", "recall"])
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--dump", help="write plain.jsonl / ours.jsonl predictions into this folder")
    args = ap.parse_args(argv)

    scorer = load_scorer(args.score)
    pages = load_pages(args.dataset, args.limit)
    options = HtmlOptions(
        fast=args.fast, prune=not args.no_prune, clean=not args.no_clean,
        fallback=not args.no_fallback, favor=args.favor, with_metadata=not args.no_metadata,
    )  # fmt: skip

    results: dict[str, dict[str, Any]] = {}
    preds: dict[str, dict[str, str]] = {}
    if not args.skip_plain:
        plain: dict[str, str] = {}
        t0 = time.perf_counter()
        for page in pages:
            plain[page["id"]] = trafilatura.extract(page["html"], include_comments=False) or ""
        elapsed = time.perf_counter() - t0
        results["trafilatura"] = {**score_subset(scorer, pages, plain), "seconds": elapsed}
        preds["plain"] = plain

    ours: dict[str, str] = {}
    paths: collections.Counter[str] = collections.Counter()
    t0 = time.perf_counter()
    for page in pages:
        try:
            res = extract_html(page["html"], url=page.get("url"), options=options)
        except HtmlExtractionError as err:
            paths[f"reject:{err.reason}"] += 1
            ours[page["id"]] = ""
            continue
        paths[res.extractor] += 1
        ours[page["id"]] = res.text
    elapsed = time.perf_counter() - t0
    results["extract_html"] = {**score_subset(scorer, pages, ours), "seconds": elapsed}
    preds["ours"] = ours

    if args.dump:
        out = Path(args.dump)
        out.mkdir(parents=True, exist_ok=True)
        for name, texts in preds.items():
            with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for pid, text in texts.items():
                    f.write(json.dumps({"id": pid, "text": text}, ensure_ascii=False) + "\n")

    n = len(pages)
    print(f"pages: {n}   options: {options}")
    print(f"{'extractor':<14}{'F1':>8}{'with':>8}{'without':>9}{'seconds':>9}{'pages/s':>9}")
    for name, r in results.items():
        w = "-" if r["with"] is None else f"{r['with']:.4f}"
        wo = "-" if r["without"] is None else f"{r['without']:.4f}"
        print(f"{name:<14}{r['f1']:>8.4f}{w:>8}{wo:>9}{r['seconds']:>9.1f}{n / r['seconds']:>9.1f}")
    print("extract_html paths:", dict(paths))
    print(json.dumps({"pages": n, "results": results, "paths": dict(paths)}))


if __name__ == "__main__":
    main()
