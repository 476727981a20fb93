"""Near-duplicate quality and speed of cleaners.dedup on a generated corpus (bench/synthetic.py).

Pairs: two documents are a true pair when they belong to the same planted cluster (a story and
its syndicated copies / exact copies); a predicted pair when `resolve_duplicates` puts them in the
same cluster. Precision and recall are over pairs; recall is also given per variant kind, and the
hard negatives (same event, shared quotes and names) merged by mistake are counted.

    python bench/dedup_quality.py [--n 5000] [--sweep] [--compare]

--sweep    true-Jaccard percentiles per pair kind for several shingle sizes, then P/R for
           shingle size × (bands, rows) × threshold;
--compare  signature throughput of the numpy MinHash against datasketch and rensa (if installed).
Prints one line of figures and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import Doc, generate_corpus
from cleaners import dedup


def entries_for(docs: list[Doc]) -> tuple[list[dedup.DedupEntry], float]:
    import datetime as dt

    t = time.perf_counter()
    out = [
        dedup.DedupEntry(
            d.id,
            dedup.content_hash(d.text),
            dedup.minhash_signature(d.text),
            dt.date.fromisoformat(d.date),
            len(d.text),
        )
        for d in docs
    ]
    return out, time.perf_counter() - t


def evaluate(
    docs: list[Doc], truth: list[dict[str, str]], result: dict[str, dedup.Duplicate]
) -> dict[str, object]:
    planted: dict[int, list[str]] = defaultdict(list)
    for d in docs:
        planted[d.cluster].append(d.id)
    true_pairs = {p for ids in planted.values() for p in combinations(sorted(ids), 2)}
    pred_cl: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        pred_cl[result[d.id].duplicate_of if d.id in result else d.id].append(d.id)
    pred_pairs = {p for ids in pred_cl.values() for p in combinations(sorted(ids), 2)}
    tp = len(true_pairs & pred_pairs)
    root = {x: r for r, ids in pred_cl.items() for x in ids}
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for t in truth:
        by_kind[t["kind"]].append(root[t["a"]] == root[t["b"]])
    return {
        "precision": round(tp / len(pred_pairs), 4) if pred_pairs else 1.0,
        "recall": round(tp / len(true_pairs), 4) if true_pairs else 1.0,
        "true_pairs": len(true_pairs),
        "predicted_pairs": len(pred_pairs),
        "recall_by_kind": {
            k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items()) if k != "hard_negative"
        },
        "hard_negatives_merged": sum(by_kind.get("hard_negative", [])),
        "hard_negatives": len(by_kind.get("hard_negative", [])),
    }


def _shingle_set(text: str, n: int) -> set[int]:
    return set(dedup.shingle_hashes(text, n).tolist())


def sweep(docs: list[Doc], truth: list[dict[str, str]]) -> None:
    byid = {d.id: d for d in docs}
    for n in (3, 4, 5, 6, 7):
        sims: dict[str, list[float]] = defaultdict(list)
        for t in truth:
            a, b = _shingle_set(byid[t["a"]].text, n), _shingle_set(byid[t["b"]].text, n)
            sims[t["kind"]].append(len(a & b) / len(a | b))
        line = "  ".join(
            f"{k}: min {min(v):.2f} p5 {np.percentile(v, 5):.2f} max {max(v):.2f}"
            for k, v in sorted(sims.items())
        )
        print(f"shingle={n} true Jaccard  {line}")
    saved = (dedup.SHINGLE_WORDS, dedup.BANDS, dedup.ROWS)
    for n in (4, 5, 7):
        dedup.SHINGLE_WORDS = n
        ents, _ = entries_for(docs)
        for bands, rows in ((32, 4), (42, 3), (64, 2)):
            dedup.BANDS, dedup.ROWS = bands, rows
            for th in (0.35, 0.4, 0.45, 0.5, 0.55):
                r = evaluate(docs, truth, dedup.resolve_duplicates(ents, threshold=th))
                low = min(r["recall_by_kind"].items(), key=lambda kv: kv[1])  # type: ignore[attr-defined]
                print(
                    f"shingle={n} bands={bands}x{rows} threshold={th}: P {r['precision']} "
                    f"R {r['recall']} worst {low} hard-neg merged {r['hard_negatives_merged']}"
                    f"/{r['hard_negatives']}"
                )
    dedup.SHINGLE_WORDS, dedup.BANDS, dedup.ROWS = saved


def cross_run(docs: list[Doc], ents: list[dedup.DedupEntry], tmp: Path) -> dict[str, object]:
    """Run 1 publishes every original story (variant "base"; saved index); run 2 queries all other
    documents (copies, variants, hard negatives) against the loaded index: recall = copies found,
    precision = found docs whose match is in their own cluster (a hard negative's never is)."""
    first = {d.cluster: d.id for d in docs if d.variant == "base"}
    published = set(first.values())
    cluster = {d.id: d.cluster for d in docs}
    idx = dedup.DedupIndex()
    idx.add(e for e in ents if e.id in published)
    path = tmp / "dedup-index.parquet"
    idx.save(path)
    size = path.stat().st_size
    t = time.perf_counter()
    loaded = dedup.DedupIndex.load(path)
    rest = [e for e in ents if e.id not in published]
    found = loaded.query(rest)
    tq = time.perf_counter() - t
    positives = [e.id for e in rest if cluster[e.id] in first]
    hard = {d.id for d in docs if d.variant == "hard_negative"}
    good = sum(cluster[m.duplicate_of] == cluster[i] for i, m in found.items())
    return {
        "index_docs": len(idx),
        "index_bytes_per_doc": round(size / len(idx), 1),
        "recall": round(good / len(positives), 4) if positives else 1.0,
        "precision": round(good / len(found), 4) if found else 1.0,
        "hard_negatives_matched": sum(1 for i in found if i in hard),
        "query_docs_s": round(len(rest) / tq, 1),
    }


EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "articles-dev.jsonl.gz"


def real_pages() -> dict[str, object] | None:
    """Merges among the distinct pages of ../shared/eval (truth texts >= 200 chars): each one is
    a false positive unless the two pages really carry the same article (listed for review)."""
    if not EVAL.exists():
        print(f"(skipped real pages: {EVAL} not found)")
        return None
    import gzip

    with gzip.open(EVAL, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    rows = [r for r in rows if len(r["truth"]) >= 200]
    res = dedup.resolve_duplicates(dedup.DedupEntry.from_text(r["id"], r["truth"]) for r in rows)
    url = {r["id"]: r["url"] for r in rows}
    return {
        "pages": len(rows),
        "merged": len(res),
        "merges": [[url[k], url[v.duplicate_of], v.similarity] for k, v in res.items()],
    }


def compare(docs: list[Doc]) -> dict[str, float]:
    texts = [d.text for d in docs]
    out: dict[str, float] = {}
    t = time.perf_counter()
    for x in texts:
        dedup.minhash_signature(x)
    out["numpy"] = len(texts) / (time.perf_counter() - t)

    def shingles(x: str) -> list[str]:
        w = dedup.tokens(x)
        n = dedup.SHINGLE_WORDS
        return [" ".join(w[i : i + n]) for i in range(max(1, len(w) - n + 1))]

    try:
        from datasketch import MinHash

        t = time.perf_counter()
        for x in texts:
            m = MinHash(num_perm=dedup.NUM_PERM, seed=1)
            m.update_batch([s.encode() for s in shingles(x)])
            m.digest()
        out["datasketch"] = len(texts) / (time.perf_counter() - t)
    except ImportError:
        pass
    try:
        from rensa import RMinHash

        t = time.perf_counter()
        for x in texts:
            r = RMinHash(num_perm=dedup.NUM_PERM, seed=1)
            r.update(shingles(x))
            r.digest()
        out["rensa"] = len(texts) / (time.perf_counter() - t)
    except ImportError:
        pass
    print("signature docs/s: " + ", ".join(f"{k} {v:.0f}" for k, v in out.items()))
    return {k: round(v, 1) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--compare", action="store_true")
    args = ap.parse_args()
    docs, truth = generate_corpus(args.n, args.seed)
    if args.sweep:
        sweep(docs, truth)
    ents, t_sig = entries_for(docs)
    t = time.perf_counter()
    result = dedup.resolve_duplicates(ents)
    t_res = time.perf_counter() - t
    r = evaluate(docs, truth, result)
    r.update(
        {
            "docs": len(docs),
            "mean_chars": round(sum(len(d.text) for d in docs) / len(docs)),
            "signature_docs_s": round(len(docs) / t_sig, 1),
            "resolve_docs_s": round(len(docs) / t_res, 1),
            "params": {
                "shingle_words": dedup.SHINGLE_WORDS,
                "num_perm": dedup.NUM_PERM,
                "bands": dedup.BANDS,
                "rows": dedup.ROWS,
                "threshold": dedup.THRESHOLD,
            },
        }
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        r["cross_run"] = cross_run(docs, ents, Path(tmp))
    r["real_pages"] = real_pages()
    if args.compare:
        r["compare_docs_s"] = compare(docs[:1000])
    print(
        f"dedup: {len(docs)} docs, precision {r['precision']} recall {r['recall']} "
        f"(pairs {r['true_pairs']} true / {r['predicted_pairs']} predicted), hard negatives "
        f"merged {r['hard_negatives_merged']}/{r['hard_negatives']}, hash+signature "
        f"{r['signature_docs_s']} docs/s, resolve {r['resolve_docs_s']} docs/s; "
        f"recall by kind {r['recall_by_kind']}; cross-run {r['cross_run']}; real pages "
        f"{r['real_pages']}"
    )
    print(json.dumps({"bench": "dedup_quality", **r}))


if __name__ == "__main__":
    main()
