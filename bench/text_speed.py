"""Speed of `cleaners.text.clean_text`, and where its time goes.

    /work/venv/bin/python bench/text_speed.py [--n 1000] [--eval-pages N] [--baseline REV]
                                              [--no-baseline] [--no-breakdown] [--repeat K]
    /work/venv/bin/python bench/text_speed.py --dump-outputs PATH     # outputs, no timing

`--dump-outputs` writes what `clean_text` returns (kept text, removals, title, author, date) for
every eval page (plain, with a TemplateIndex learnt from the pages, and as extractor output) and
the synthetic documents, one JSON line each, and the same for `--baseline` (PATH.<rev>; skipped
with `--no-baseline`), and says whether the two are byte-identical (exit status 1 if not): a
speed change must not change them.

Corpora:
- synthetic: bench/synthetic.py's `generate_corpus` (~4 KB stories, several languages), each
  wrapped like bench/pipeline_speed.py's `write_corpus` does (share bar, headline, body, comment
  form): what a scraper keeps around an article;
- eval: the `scraped_text` of ../shared/eval/articles-dev.jsonl.gz when present (~17 KB pages).

For each corpus: docs/s (documents / total time), ms/doc (mean, p95), one process, after a warm-up.
`--repeat K` times every corpus K times and keeps each document's fastest run (the machine is
shared; the minimum is the least disturbed figure). Memos of line results that the cleaner keeps
per process (`cleaners.text.clear_caches`) are emptied before each pass: within a pass they help
as they would in a crawl (template lines recur across pages); across passes they would not.

Baseline: the same measurement of `cleaners/text` as committed at `--baseline` (default HEAD), run
in this same invocation in a subprocess on a temporary copy of the package, so the ratio compares
figures taken under the same machine load. `--no-baseline` skips it.

Breakdown (current code only): each document is cleaned once more with every stage timed
separately: building the `Doc`, language guess, line features, the signature hit table, each
stage-one concept, templates, `tail`, `meta`, `layout` and the output assembly. Lazily computed
data (features, hit table) is computed up front so it is charged to its own line.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import generate_corpus  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval" / "articles-dev.jsonl.gz"
SHARE = "Facebook Twitter LinkedIn Pinterest Reddit Email Print"  # as bench/pipeline_speed.py
FORM = "Leave a Reply\nYour email address will not be published. Required fields are marked *"
WARMUP = 20


def synthetic_texts(n: int, seed: int = 0) -> list[str]:
    docs, _ = generate_corpus(n, seed=seed)
    out = []
    for doc in docs[:n]:
        headline = doc.text.split(".")[0][:90].strip()
        out.append(f"{SHARE}\n{headline}\n{doc.text}\n{FORM}")
    return out


def eval_texts(limit: int | None) -> list[str]:
    if not SHARED.exists():
        return []
    with gzip.open(SHARED, "rt", encoding="utf-8") as f:
        pages = [json.loads(line) for line in f if line.strip()]
    texts = [p["scraped_text"] for p in pages if p.get("scraped_text")]
    return texts[:limit] if limit else texts


def corpora(args: argparse.Namespace) -> dict[str, list[str]]:
    out = {"synthetic": synthetic_texts(args.n)}
    ev = eval_texts(args.eval_pages)
    if ev:
        out["eval"] = ev
    return out


def time_corpus(
    clean: Callable[[str], object],
    texts: list[str],
    repeat: int,
    reset: Callable[[], None] | None = None,
) -> dict[str, float]:
    for text in texts[:WARMUP]:
        clean(text)
    best = [float("inf")] * len(texts)
    for _ in range(repeat):
        if reset is not None:  # every pass meets the documents for the first time
            reset()
        for i, text in enumerate(texts):
            t0 = time.perf_counter()
            clean(text)
            best[i] = min(best[i], time.perf_counter() - t0)
    total = sum(best)
    ms = sorted(1000 * t for t in best)
    return {
        "docs": len(texts),
        "kb_per_doc": sum(map(len, texts)) / len(texts) / 1000,
        "docs_per_s": len(texts) / total if total else float("inf"),
        "ms_mean": statistics.fmean(ms),
        "ms_p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
    }


def measure(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    import cleaners.text
    from cleaners.text import clean_text

    # Per-process memos of line results (current code) are emptied before every pass, so a
    # repeated pass does not profit from having seen the same documents.
    reset = getattr(cleaners.text, "clear_caches", None)
    return {
        name: time_corpus(clean_text, texts, args.repeat, reset)
        for name, texts in corpora(args).items()
    }


# --- breakdown ----------------------------------------------------------------------------------


def breakdown(texts: list[str]) -> dict[str, float]:
    """Seconds per stage over `texts` (current code; stages as in `cleaners.text.engine.run`)."""
    from cleaners.text import engine, signatures
    from cleaners.text.doc import Doc

    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - t0

        return wrapper

    stage_one = tuple((name, timed(f"rule {name}", fn)) for name, fn in engine.STAGE_ONE)
    originals = {m: getattr(engine, m) for m in ("tail", "meta", "layout", "author_box")}

    class _Timed:
        def __init__(self, module: Any, label: str, names: tuple[str, ...]) -> None:
            self._module = module
            for n in names:
                setattr(self, n, timed(label, getattr(module, n)))

        def __getattr__(self, item: str) -> Any:
            return getattr(self._module, item)

    engine.tail = _Timed(originals["tail"], "stage tail", ("detect",))  # type: ignore[assignment]
    engine.meta = _Timed(originals["meta"], "stage meta", ("detect",))  # type: ignore[assignment]
    engine.layout = _Timed(originals["layout"], "stage layout", ("detect",))  # type: ignore[assignment]
    engine.author_box = _Timed(  # type: ignore[assignment]
        originals["author_box"], "stage meta", ("box_name",)
    )
    line_hits = getattr(signatures, "line_hits", None)
    try:
        for text in texts:
            t0 = time.perf_counter()
            doc = Doc.from_text(text)
            t1 = time.perf_counter()
            _ = doc.lang
            t2 = time.perf_counter()
            _ = doc.features
            t3 = time.perf_counter()
            if line_hits is not None:
                line_hits(doc)
            t4 = time.perf_counter()
            out = engine.run(doc, None, stage_one)
            t5 = time.perf_counter()
            "\n".join(out.kept)
            t6 = time.perf_counter()
            spent["doc build (split, normalise)"] += t1 - t0
            spent["line words + language guess"] += t2 - t1
            spent["line features"] += t3 - t2
            spent["signature hit table"] += t4 - t3
            spent["engine (claims, output runs)"] += (t5 - t4) - 0.0  # minus timed parts below
            spent["join kept text"] += t6 - t5
    finally:
        for m, mod in originals.items():
            setattr(engine, m, mod)
    inner = sum(v for k, v in spent.items() if k.startswith(("rule ", "stage ")))
    spent["engine (claims, output runs)"] -= inner
    return dict(spent)


def print_breakdown(name: str, spent: dict[str, float], n_docs: int) -> None:
    total = sum(spent.values())
    print(f"  time shares, {name} ({1000 * total / n_docs:.2f} ms/doc instrumented):")
    for key, value in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"    {100 * value / total:5.1f}%  {1000 * value / n_docs:7.3f} ms/doc  {key}")


# --- outputs ------------------------------------------------------------------------------------


def dump_outputs(path: Path, n: int) -> str:
    import hashlib
    from urllib.parse import urlparse

    from cleaners.text import clean_text
    from cleaners.text.templates import TemplateIndex

    jobs: list[tuple[str, str, str | None, bool, bool]] = []
    templates = None
    if SHARED.exists():
        with gzip.open(SHARED, "rt", encoding="utf-8") as f:
            pages = [json.loads(line) for line in f if line.strip()]
        hosts = [urlparse(p.get("url") or "").hostname for p in pages]
        texts = [p["scraped_text"] for p in pages]
        templates = TemplateIndex.fit(list(zip(hosts, texts, strict=True)), min_docs=3)
        for i, (text, host) in enumerate(zip(texts, hosts, strict=True)):
            jobs.append((f"eval{i}", text, host, False, False))
            jobs.append((f"eval-templates{i}", text, host, False, True))
            jobs.append((f"eval-extractor{i}", text, host, True, False))
    for i, text in enumerate(synthetic_texts(n)):
        jobs.append((f"synthetic{i}", text, None, False, False))
    with path.open("w", encoding="utf-8") as out:
        for key, text, host, extractor, use_templates in jobs:
            res = clean_text(
                text,
                host=host,
                from_extractor=extractor,
                templates=templates if use_templates else None,
            )
            record = {
                "k": key,
                "text": res.text,
                "removed": [(r.rule, r.text, r.line) for r in res.removed],
                "title": res.title,
                "author": res.author,
                "date": res.date.isoformat() if res.date else None,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- baseline -----------------------------------------------------------------------------------


def run_at(rev: str, argv: list[str]) -> subprocess.CompletedProcess[str] | None:
    """Run this script with `argv` on `cleaners/text` as of git `rev` (a temporary copy of the
    package), in a subprocess."""
    tmp = Path(tempfile.mkdtemp(prefix="text_speed_"))
    try:
        shutil.copytree(ROOT / "cleaners", tmp / "cleaners", ignore=shutil.ignore_patterns("text"))
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "cleaners/text"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": str(tmp), "TEXT_SPEED_ROOT": str(tmp)}
        proc = subprocess.run(
            [sys.executable, __file__, *argv], capture_output=True, text=True, env=env, check=False
        )
        if proc.returncode != 0:
            print(f"{rev} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            return None
        return proc
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"{rev} unavailable: {exc}", file=sys.stderr)
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def baseline(rev: str, argv: list[str]) -> dict[str, dict[str, float]] | None:
    """This script's measurement of `cleaners/text` as of git `rev`."""
    proc = run_at(rev, [*argv, "--no-baseline", "--no-breakdown", "--json-only"])
    if proc is None:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=1000, help="synthetic documents")
    ap.add_argument("--eval-pages", type=int, default=None, help="first N eval pages (all)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--baseline", default="HEAD", help="git revision of the baseline")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-breakdown", action="store_true")
    ap.add_argument("--dump-outputs", type=Path, help="write clean_text outputs, no timing")
    ap.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if os.environ.get("TEXT_SPEED_ROOT"):  # baseline subprocess: import the copied package
        sys.path.insert(0, os.environ["TEXT_SPEED_ROOT"])
    if args.dump_outputs:
        digest = dump_outputs(args.dump_outputs, args.n)
        print(f"{args.dump_outputs}: sha256 {digest}")
        if not args.no_baseline and not os.environ.get("TEXT_SPEED_ROOT"):
            other = args.dump_outputs.with_name(args.dump_outputs.name + f".{args.baseline}")
            proc = run_at(args.baseline, ["--n", str(args.n), "--dump-outputs", str(other)])
            if proc is None:
                return 2
            base_digest = proc.stdout.split()[-1]
            same = base_digest == digest
            print(f"{other}: sha256 {base_digest}")
            print("outputs identical to " + args.baseline if same else "OUTPUTS DIFFER: cmp them")
            return 0 if same else 1
        return 0
    current = measure(args)
    if args.json_only:
        print(json.dumps(current))
        return 0
    passed = [a for a in sys.argv[1:] if not a.startswith("--baseline")]
    if "--baseline" in sys.argv[1:]:  # drop the value that followed --baseline
        i = sys.argv.index("--baseline")
        passed = sys.argv[1:i] + sys.argv[i + 2 :]
    base = None if args.no_baseline else baseline(args.baseline, passed)

    for name, cur in current.items():
        line = (
            f"{name:9s} {cur['docs']:5.0f} docs x {cur['kb_per_doc']:.1f} KB: "
            f"{cur['docs_per_s']:7.1f} docs/s  mean {cur['ms_mean']:.2f} ms  "
            f"p95 {cur['ms_p95']:.2f} ms"
        )
        if base and name in base:
            b = base[name]
            line += (
                f"   | baseline {args.baseline}: {b['docs_per_s']:.1f} docs/s  "
                f"mean {b['ms_mean']:.2f} ms  p95 {b['ms_p95']:.2f} ms  "
                f"-> x{cur['docs_per_s'] / b['docs_per_s']:.2f}"
            )
        print(line)
    if not args.no_breakdown:
        for name, texts in corpora(args).items():
            print_breakdown(name, breakdown(texts), len(texts))
    print(json.dumps({"current": current, "baseline": base}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
