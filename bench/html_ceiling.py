"""How far F1 and `without` on the shared dev set could go: oracles that read the answer.

    /work/venv/bin/python bench/html_ceiling.py [--limit N] [--dataset PATH] [--score PATH]

Not a measurement of the pipeline but of the room left above it. For each page it computes
`extract_html` (default options) and five plain trafilatura configurations (default,
favor_precision, favor_recall, no tables, its `baseline`), then scores, with the set's own
score.py metric:

- each extractor on its own;
- `oracle: best per page`: for every page the best F1 of the six texts, chosen with the truth
  in hand (what a perfect selector between these extractors would get);
- `oracle: drop lines >= T`: our text minus every line of which less than T of the words occur
  in the truth (what a perfect line filter behind our extractor would get; T = 0.5 and 0.8);
- `truth itself`: the `without` snippets the truth contains (no output can go below that).

A target above these figures cannot be reached by choosing between extractors or by filtering
lines; it would need text the extractors do not produce, or a filter as good as the oracle.
Prints one table and, last, a JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura
from html_quality import DATASET, SCORER, load_pages, load_scorer, score_subset

from cleaners.html import HtmlExtractionError, extract_html

TRAFILATURA_MODES: dict[str, dict[str, Any]] = {
    "trafilatura": {},
    "trafilatura precision": {"favor_precision": True},
    "trafilatura recall": {"favor_recall": True},
    "trafilatura no tables": {"include_tables": False},
}


def ours(html: str) -> str:
    try:
        return extract_html(html).text
    except HtmlExtractionError:
        return ""


def _plain(options: dict[str, Any]) -> Callable[[str], str]:
    def extract(html: str) -> str:
        return trafilatura.extract(html, include_comments=False, **options) or ""

    return extract


def _baseline(html: str) -> str:
    return trafilatura.baseline(html)[1] or ""


def texts_by_extractor(pages: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    extractors: dict[str, Callable[[str], str]] = {"extract_html": ours}
    for name, options in TRAFILATURA_MODES.items():
        extractors[name] = _plain(options)
    extractors["trafilatura baseline"] = _baseline
    return {
        name: {page["id"]: extract(page["html"]) for page in pages}
        for name, extract in extractors.items()
    }


def line_oracle(scorer: Any, text: str, truth: str, share: float) -> str:
    """`text` without its lines of which less than `share` of the words occur in `truth`."""
    vocabulary = set(scorer.tokens(truth))
    kept = []
    for line in text.split("\n"):
        words = scorer.tokens(line)
        if not words or sum(w in vocabulary for w in words) >= share * len(words):
            kept.append(line)
    return "\n".join(kept)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int)
    parser.add_argument("--dataset", default=DATASET)
    parser.add_argument("--score", default=SCORER)
    args = parser.parse_args(argv)
    if not Path(args.dataset).exists():
        raise SystemExit(f"{args.dataset} not found: this benchmark needs ../shared/eval")
    scorer = load_scorer(args.score)
    pages = load_pages(args.dataset, args.limit)
    texts = texts_by_extractor(pages)

    rows: dict[str, dict[str, Any]] = {
        name: score_subset(scorer, pages, preds) for name, preds in texts.items()
    }
    best: dict[str, str] = {}
    for page in pages:
        candidates = [preds[page["id"]] for preds in texts.values()]
        best[page["id"]] = max(candidates, key=lambda text: scorer.word_prf(text, page["truth"])[2])
    rows["oracle: best per page"] = score_subset(scorer, pages, best)
    for share in (0.5, 0.8):
        filtered = {
            page["id"]: line_oracle(scorer, texts["extract_html"][page["id"]], page["truth"], share)
            for page in pages
        }
        rows[f"oracle: drop lines < {share:.0%} truth words"] = score_subset(
            scorer, pages, filtered
        )
    rows["truth itself"] = score_subset(scorer, pages, {p["id"]: p["truth"] for p in pages})

    print(f"pages: {len(pages)}")
    print(f"{'text':42} {'F1':>7} {'with':>7} {'without':>8}")
    for name, row in rows.items():
        print(f"{name:42} {row['f1']:7.4f} {row['with']:7.4f} {row['without']:8.4f}")
    print(json.dumps({"pages": len(pages), "results": rows}))


if __name__ == "__main__":
    main()
