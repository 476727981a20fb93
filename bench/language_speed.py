"""Speed of `detect_language` and its agreement with full-text langdetect, in the same run.

Baseline: `langdetect.detect(text)` on the whole text with `DetectorFactory.seed = 0`.
Corpora: a generated multilingual set (bench/synthetic.py) and, when present, the `truth` texts of
../shared/eval/articles-dev.jsonl.gz (mostly English). Agreement counts documents of >= 200 chars.

    python bench/language_speed.py [--n 600] [--sweep]

Prints one line of figures per corpus, then a JSON line. `--sweep` also tries other sampling
settings against the same (cached) baseline.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

import langdetect
from langdetect import DetectorFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import LEX, generate_corpus, make_event, make_story
from cleaners import language as lang

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval" / "articles-dev.jsonl.gz"


def baseline(texts: list[str]) -> tuple[list[str], float]:
    DetectorFactory.seed = 0
    langdetect.detect("warm up the profiles")
    out = []
    t = time.perf_counter()
    for x in texts:
        try:
            code = langdetect.detect(x)
        except langdetect.LangDetectException:
            code = "und"
        out.append(lang.CODE_MAP.get(code, code))
    return out, time.perf_counter() - t


def ours(texts: list[str]) -> tuple[list[str], float]:
    lang.init_detector()
    t = time.perf_counter()
    out = [lang.detect_language(x).code for x in texts]
    return out, time.perf_counter() - t


def run(name: str, texts: list[str], sweep: bool) -> dict[str, object]:
    texts = [x for x in texts if len(x) >= 200]
    base, tb = baseline(texts)
    mine, tm = ours(texts)
    agree = sum(a == b for a, b in zip(base, mine, strict=True)) / len(texts)
    res: dict[str, object] = {
        "corpus": name,
        "docs": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "baseline_docs_s": round(len(texts) / tb, 1),
        "docs_s": round(len(texts) / tm, 1),
        "speedup": round(tb / tm, 1),
        "agreement": round(agree, 4),
        "settings": {
            "windows": lang.SAMPLE_WINDOWS,
            "window_chars": lang.WINDOW_CHARS,
            "n_trial": lang.N_TRIAL,
            "full_text_below": lang.FULL_TEXT_BELOW,
        },
    }
    print(
        f"{name}: {len(texts)} docs (mean {res['mean_chars']} chars) baseline "
        f"{res['baseline_docs_s']} docs/s, detect_language {res['docs_s']} docs/s "
        f"(x{res['speedup']}), agreement {agree:.4f}"
    )
    if sweep:
        saved = (lang.SAMPLE_WINDOWS, lang.WINDOW_CHARS, lang.N_TRIAL, lang.FULL_TEXT_BELOW)
        for w, c, nt, fb in [
            (1, 10**6, 7, 0),
            (3, 500, 7, 0.9),
            (6, 250, 7, 0),
            (6, 250, 7, 0.9),
            (6, 250, 5, 0.9),
            (4, 200, 7, 0.9),
            (6, 150, 7, 0.9),
            (8, 100, 7, 0.9),
            (5, 120, 7, 0.9),
            (6, 150, 7, 0.95),
        ]:
            lang.SAMPLE_WINDOWS, lang.WINDOW_CHARS, lang.N_TRIAL, lang.FULL_TEXT_BELOW = (
                w,
                c,
                nt,
                fb,
            )
            m, t = ours(texts)
            a = sum(x == y for x, y in zip(base, m, strict=True)) / len(texts)
            diff = [(x, y) for x, y in zip(base, m, strict=True) if x != y][:6]
            print(
                f"  sweep windows={w} chars={c} n_trial={nt} full<{fb}: {len(texts) / t:.1f} docs/s "
                f"x{tb / t:.1f} agreement {a:.4f} {diff}"
            )
        lang.SAMPLE_WINDOWS, lang.WINDOW_CHARS, lang.N_TRIAL, lang.FULL_TEXT_BELOW = saved
    return res


def mixed_corpus(n: int, seed: int) -> list[str]:
    """Harder inputs: short texts (200–1200 chars), texts with 10–45 % of their paragraphs in a
    second language, and social-media debris (URLs, @handles, #tags, numbers)."""
    rng = random.Random(seed)
    codes = list(LEX)
    out = []
    for i in range(n):
        a, b = rng.sample(codes, 2)
        pa = make_story(make_event(a, rng), rng, rng.choice([300, 800, 1500, 4000]))
        text = "\n\n".join(pa)
        if i % 2:
            pb = make_story(make_event(b, rng), rng, int(len(text) * rng.uniform(0.1, 0.45)))
            paras = pa + pb
            rng.shuffle(paras)
            text = "\n\n".join(paras)
        if i % 3 == 0:
            text += f" https://t.co/{rng.randint(10**6, 10**7)} @news_{i} #{b}story {rng.randint(1, 99)}"
        cut = rng.randint(200, max(201, len(text)))
        out.append(text[:cut] if i % 4 == 0 else text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600, help="generated documents")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()
    docs, _ = generate_corpus(
        args.n,
        args.seed,
        p_near=0,
        p_exact=0,
        p_hard=0,
        langs={k: 1.0 for k in ("en", "de", "fr", "es", "it", "nl", "pt", "ru")},
    )
    results = [
        run("synthetic", [d.text for d in docs], args.sweep),
        run("mixed", mixed_corpus(args.n, args.seed), args.sweep),
    ]
    if EVAL.exists():
        with gzip.open(EVAL, "rt", encoding="utf-8") as fh:
            truth = [json.loads(line)["truth"] for line in fh]
        results.append(run("eval-truth", truth, args.sweep))
    else:
        print(f"(skipped eval-truth: {EVAL} not found)")
    print(json.dumps({"bench": "language_speed", "results": results}))


if __name__ == "__main__":
    main()
