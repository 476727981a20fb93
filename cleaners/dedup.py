"""Exact and near-duplicate detection: normalised content hash, MinHash + LSH, union-find.

Exact duplicates
    `normalize_for_hash` (NFKC, casefold, whitespace collapsed, punctuation and spaces trimmed at
    both ends) then xxh3-128 → `content_hash` (32 hex characters).

Near duplicates
    Words (NFKC + casefold; `\\w+` runs, each CJK/kana character a word of its own) are hashed
    once with xxh3-64, `SHINGLE_WORDS`-word shingles are rolled numerically, and `NUM_PERM` MinHash
    values come from vectorised multiply-add-shift hashing (numpy, uint32 signature; as fast as
    rensa and ~3× datasketch here, with no shingle strings built). LSH cuts the signature into
    `BANDS` bands of `ROWS` rows; documents sharing a band are candidates, kept when the estimated
    Jaccard similarity (share of equal signature values) is ≥ `THRESHOLD`. Parameters were chosen
    on syndicated copies and same-event hard negatives (bench/dedup_quality.py).

Clusters and survivors
    Exact groups and verified near pairs are merged with union-find (so duplicates are transitive).
    Each cluster keeps one survivor, by this rule, in order:
      1. a document from an earlier run (`prior`) wins over a new one;
      2. then the earliest `date` (unknown dates last);
      3. then the longest text (`n_chars`);
      4. then the smallest `id`.
    Every other new member is reported as `Duplicate(duplicate_of=<survivor id>, kind,
    similarity)` with kind "duplicate" when its content hash equals the survivor's, else
    "near_duplicate", and the estimated similarity to the survivor (below THRESHOLD when the
    member joined the cluster only through another copy). Prior documents are never reported
    (already published).
    The result depends only on the set of entries, not on their order.

Memory
    A run resolves `DedupColumns`: ids and hashes as lists, signatures as one (n, NUM_PERM)
    matrix, dates and lengths as arrays, no object per document; LSH candidates are found and
    verified BANDS_PER_GROUP bands at a time, so only one group's candidate pairs and the verified
    pairs are held (bench/pipeline_speed.py: the publishing process peaks at 252 MB for 10k
    documents, 430 MB for 100k).

Across runs
    `DedupIndex` keeps, per published document, its id, its 16-byte content hash, its date and a
    *b-bit* signature: the low 8 bits of each of the 128 MinHash values (128 bytes; 145–155 bytes
    per document on disk with a 12–14 character id, zstd Parquet). Candidates are found with the
    same banding applied to those bytes (a band of 3 rows is a 24-bit key) and verified with the
    b-bit estimate of Jaccard ((share equal − 1/256) / (1 − 1/256)) against the same `THRESHOLD`,
    so cross-run decisions follow the same rule as in-run ones (a random pair collides on a band
    key with p ≈ 42 / 2^24; such candidates fail verification). In memory the index is arrays
    (~200 bytes per published document: ids in one Arrow array, 64-bit id keys, content hashes,
    dates, b-bit signatures), so loading it for a run stays cheap as the corpus grows. Saved as
    Parquet, atomically (temp file, fsync, rename, fsync of the folder); parameters are stored in
    the file's metadata and `load` refuses an index written with other ones.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from cleaners.storage import atomic_write_table, read_table

# Measured on bench/dedup_quality.py (6000 docs, seed 11): syndicated copies have true Jaccard
# ≥ 0.45 (5-word shingles; truncated to 55 %: 0.45–0.55, others ≥ 0.56), same-event hard
# negatives ≤ 0.26. 42 bands × 3 rows find a J = 0.45 pair with p ≈ 0.98 (J = 0.5: 0.996) and a
# J = 0.1 pair with p ≈ 0.04; THRESHOLD sits between the two populations.
SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS = 42  # bands × rows ≤ NUM_PERM: the last 2 values only serve verification
ROWS = 3  # ≤ 4: the index's band keys are ROWS bytes of the b-bit signature
THRESHOLD = 0.45
SEED = 1
MAX_BUCKET = 64  # a bucket with more members compares them to its first MAX_BUCKET members only
BANDS_PER_GROUP = 2  # bands whose candidate pairs are verified together (bounded memory)
SIG_DTYPE = np.uint32
_MAXV = np.iinfo(SIG_DTYPE).max
INDEX_FORMAT = 1

DuplicateKind = Literal["duplicate", "near_duplicate"]

# ---------------------------------------------------------------------------------------------
# exact


_EDGE_PUNCT = (
    "".join(chr(c) for c in range(0x3100) if unicodedata.category(chr(c)).startswith(("P", "Z")))
    + " \t\r\n\f\v"
)


def normalize_for_hash(text: str) -> str:
    """NFKC, casefold, every whitespace run → one space, punctuation/spaces trimmed at both ends."""
    t = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(t.split()).strip(_EDGE_PUNCT)


def content_hash(text: str) -> str:
    """xxh3-128 of `normalize_for_hash(text)`, 32 lowercase hex characters."""
    return xxhash.xxh3_128_hexdigest(normalize_for_hash(text).encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# MinHash

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_CJK_RE = re.compile(rf"[{_CJK}]")
_WORD_RE = re.compile(r"\w+")

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ROLL = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (uint64 → uint64)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def _perm_params(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a.reshape(-1, 1), b.reshape(-1, 1)


_A, _B = _perm_params(NUM_PERM, SEED)


def tokens(text: str) -> list[str]:
    """The words shingles are made of: NFKC + casefold, then maximal runs of word characters
    other than '_' and CJK/kana, and each CJK/kana character on its own."""
    t = unicodedata.normalize("NFKC", text).casefold()
    if _CJK_RE.search(t):
        return _TOKEN_RE.findall(t)
    return _WORD_RE.findall(t.replace("_", " ") if "_" in t else t)  # same tokens, faster


def shingle_hashes(text: str, n: int | None = None) -> np.ndarray:
    """uint32 hashes of the `n`-word shingles of `text` (one shingle of all words when fewer
    than `n`; empty when the text has no word)."""
    words = tokens(text)
    if not words:
        return np.empty(0, dtype=np.uint64)
    n = SHINGLE_WORDS if n is None else n
    h = xxhash.xxh3_64_intdigest
    w = np.fromiter((h(x.encode()) for x in words), dtype=np.uint64, count=len(words))
    n = min(n, len(w))
    m = len(w) - n + 1
    with np.errstate(over="ignore"):
        s = w[:m].copy()
        for j in range(1, n):
            s = s * _ROLL + w[j : j + m]
        return _mix(s) >> np.uint64(32)


def minhash_signature(text: str) -> np.ndarray:
    """`NUM_PERM` uint32 MinHash values of the word shingles of `text`. A text without words gets
    all values at the maximum (see `is_empty_signature`), which nothing near-matches."""
    s = shingle_hashes(text)
    if s.size == 0:
        return np.full(NUM_PERM, _MAXV, dtype=SIG_DTYPE)
    with np.errstate(over="ignore"):
        hv = (_A * s + _B) >> np.uint64(32)  # (NUM_PERM, n_shingles), multiply-add-shift
    return hv.min(axis=1).astype(SIG_DTYPE)


def is_empty_signature(signature: np.ndarray) -> bool:
    return bool(np.all(signature == _MAXV))


def _signed_rows(signatures: np.ndarray) -> np.ndarray:
    """Per row of a signature matrix: not empty (`is_empty_signature`), i.e. the text had words."""
    return ~np.all(signatures == _MAXV, axis=1)


def band_hashes(signature: np.ndarray, first_band: int = 0) -> np.ndarray:
    """`BANDS` uint64 LSH keys of a signature, or an (n, BANDS) matrix of keys for an
    (n, NUM_PERM) matrix of signatures. The band's index is mixed in: bands never meet.
    With `first_band`, the columns given start at that band's first row (keys of the bands
    they cover)."""
    sig = np.atleast_2d(np.asarray(signature, dtype=np.uint64))
    one = np.ndim(signature) == 1
    n_bands = min(BANDS - first_band, sig.shape[1] // ROWS)
    sig = sig[:, : n_bands * ROWS].reshape(-1, n_bands, ROWS)
    with np.errstate(over="ignore"):
        bands = np.arange(first_band, first_band + n_bands, dtype=np.uint64)
        k = np.broadcast_to(bands + np.uint64(0x51ED27), sig.shape[:2])
        for r in range(ROWS):
            k = _mix(k * _ROLL + sig[:, :, r])
    return k[0] if one else k


def estimated_similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal MinHash values."""
    if sig_a.shape != sig_b.shape:
        raise ValueError(f"signature shapes differ: {sig_a.shape} vs {sig_b.shape}")
    if is_empty_signature(sig_a) or is_empty_signature(sig_b):
        return 0.0
    return float(np.count_nonzero(sig_a == sig_b)) / sig_a.size


# ---------------------------------------------------------------------------------------------
# resolution


class DedupEntryLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def signature(self) -> np.ndarray | None: ...
    @property
    def date(self) -> dt.date | None: ...
    @property
    def n_chars(self) -> int: ...
    @property
    def prior(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class DedupEntry:
    """What deduplication needs to know of a document. `prior`: published by an earlier run."""

    id: str
    content_hash: str
    signature: np.ndarray | None
    date: dt.date | None = None
    n_chars: int = 0
    prior: bool = False

    @classmethod
    def from_text(
        cls, id: str, text: str, date: dt.date | None = None, prior: bool = False
    ) -> DedupEntry:
        return cls(id, content_hash(text), minhash_signature(text), date, len(text), prior)


class Duplicate(NamedTuple):
    duplicate_of: str  # the survivor's id
    kind: DuplicateKind
    similarity: float  # 1.0 for exact duplicates, else estimated Jaccard with the survivor


class _UnionFind:
    """Union-find over the rows that have a link at all (most documents have none)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        p = self.parent
        root = x
        while p.get(root, root) != root:
            root = p[root]
        while p.get(x, x) != root:
            p[x], x = root, p[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent.setdefault(ra, ra)
            self.parent.setdefault(rb, rb)
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        """Every set of more than one row, rows ascending."""
        found: dict[int, list[int]] = defaultdict(list)
        for x in sorted(self.parent):
            found[self.find(x)].append(x)
        return [m for m in found.values() if len(m) > 1]


def survivor_key(e: DedupEntryLike) -> tuple[int, int, int, str]:
    """Sort key of the survivor rule: prior first, earliest date, longest text, smallest id."""
    return (0 if e.prior else 1, e.date.toordinal() if e.date else 10**8, -e.n_chars, e.id)


def _bucket_pairs(keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(m, 2) pairs of `rows` whose `keys` (one band's column) are equal: all pairs of a bucket
    of up to MAX_BUCKET members (vectorised per bucket size); in a bigger bucket each further
    member is paired with the first MAX_BUCKET only, which bounds the work on pathological keys."""
    order = np.argsort(keys, kind="stable")
    k, r = keys[order], rows[order]
    if len(k) < 2:
        return np.empty((0, 2), dtype=np.int64)
    edges = np.flatnonzero(k[1:] != k[:-1]) + 1
    starts = np.concatenate(([0], edges))
    sizes = np.diff(np.concatenate((starts, [len(k)])))
    out = [np.empty((0, 2), dtype=np.int64)]
    for size in np.unique(sizes[sizes >= 2]).tolist():
        st = starts[sizes == size]
        if size <= MAX_BUCKET:  # all buckets of this size at once
            members = np.sort(r[st[:, None] + np.arange(size)], axis=1)
            ii, jj = np.triu_indices(size, 1)
            out.append(np.stack([members[:, ii].ravel(), members[:, jj].ravel()], axis=1))
            continue
        for s0 in st.tolist():
            members = np.sort(r[s0 : s0 + size])
            head, tail = members[:MAX_BUCKET], members[MAX_BUCKET:]
            ii, jj = np.triu_indices(len(head), 1)
            out.append(np.stack([head[ii], head[jj]], axis=1))
            out.append(np.stack([np.repeat(head, len(tail)), np.tile(tail, len(head))], axis=1))
    return np.concatenate(out).astype(np.int64)


def candidate_pairs(signatures: Sequence[np.ndarray | None]) -> np.ndarray:
    """Sorted unique index pairs (i < j), as an (m, 2) int64 array, of signatures sharing at
    least one LSH band. None and empty signatures take no part."""
    n = len(signatures)
    matrix = np.full((n, NUM_PERM), _MAXV, dtype=SIG_DTYPE)
    for i, sig in enumerate(signatures):
        if sig is not None:
            matrix[i] = sig
    return candidate_pairs_matrix(matrix, np.arange(n, dtype=np.int64))


def candidate_pairs_matrix(signatures: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """`candidate_pairs` of the rows of an (n, NUM_PERM) matrix (empty rows take no part), where
    `rank` orders the rows when a big bucket is cut at MAX_BUCKET members (lower rank first)."""
    found = list(_candidate_groups(signatures, rank))
    return _unique_pairs(np.concatenate(found), len(signatures)) if found else _NO_PAIRS


def verified_pairs(
    signatures: np.ndarray, rank: np.ndarray, threshold: float = THRESHOLD
) -> tuple[np.ndarray, np.ndarray]:
    """The LSH candidate pairs of `candidate_pairs_matrix` whose estimated similarity is at least
    `threshold`, and those similarities. Candidates are verified a few bands at a time, so memory
    holds one group's candidates and the verified pairs, never all candidates at once (a corpus
    of similar stories can have dozens of candidates per document)."""
    n = len(signatures)
    kept: list[np.ndarray] = []
    for pairs in _candidate_groups(signatures, rank):
        sims = _similarities(signatures, pairs)
        ok = sims >= threshold
        kept.append(pairs[ok])
    if not kept:
        return _NO_PAIRS, np.empty(0)
    pairs = _unique_pairs(np.concatenate(kept), n)
    return pairs, _similarities(signatures, pairs)


_NO_PAIRS = np.empty((0, 2), dtype=np.int64)


def _candidate_groups(signatures: np.ndarray, rank: np.ndarray) -> Iterator[np.ndarray]:
    """Row pairs (i < j, unique) sharing a band key, BANDS_PER_GROUP bands at a time (a pair
    may come again in a later group)."""
    n = len(signatures)
    valid = np.flatnonzero(_signed_rows(signatures))
    if len(valid) < 2:
        return
    by_rank = np.empty(n, dtype=np.int64)
    by_rank[rank] = np.arange(n, dtype=np.int64)  # rank -> row
    valid_rank = rank[valid]
    for start in range(0, BANDS, BANDS_PER_GROUP):
        stop = min(start + BANDS_PER_GROUP, BANDS)
        keys = band_hashes(signatures[valid, start * ROWS : stop * ROWS], start)
        found = [_bucket_pairs(keys[:, b], valid_rank) for b in range(keys.shape[1])]
        del keys
        pairs = np.concatenate(found)
        del found
        yield _unique_pairs(by_rank[pairs], n)


def _unique_pairs(pairs: np.ndarray, n: int) -> np.ndarray:
    if not len(pairs):
        return _NO_PAIRS
    lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    code = np.unique(lo * np.int64(n) + hi)
    del lo, hi
    return np.stack([code // n, code % n], axis=1)


def _similarities(signatures: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Share of equal signature values of each pair (small chunks: bounded temporaries)."""
    sims = np.empty(len(pairs))
    for c in range(0, len(pairs), 8192):
        a, b = pairs[c : c + 8192, 0], pairs[c : c + 8192, 1]
        sims[c : c + 8192] = np.count_nonzero(signatures[a] == signatures[b], axis=1)
    return sims / signatures.shape[1]


NO_DATE = 10**8  # ordinal standing for an unknown date: after every real one


@dataclass(frozen=True)
class DedupColumns:
    """What deduplication needs of many documents, a column each (no object per document):
    ids, content hashes, an (n, NUM_PERM) uint32 signature matrix (an empty row — all values at
    the maximum — for a document without words or without a full signature), date ordinals
    (NO_DATE when unknown), text lengths and the `prior` flags. `sig8` holds the b-bit
    signatures of rows that only have one (published documents from the index)."""

    ids: list[str]
    content_hashes: list[str]
    signatures: np.ndarray
    dates: np.ndarray
    n_chars: np.ndarray
    prior: np.ndarray
    sig8: dict[int, np.ndarray] = field(default_factory=dict)
    unsigned: frozenset[int] = frozenset()  # rows that came without any signature

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_entries(cls, entries: Iterable[DedupEntryLike]) -> DedupColumns:
        items = list(entries)
        matrix = np.full((len(items), NUM_PERM), _MAXV, dtype=SIG_DTYPE)
        sig8: dict[int, np.ndarray] = {}
        unsigned = set()
        for i, e in enumerate(items):
            if e.signature is None:
                unsigned.add(i)
            elif e.signature.dtype == SIG_DTYPE:
                matrix[i] = e.signature
            else:  # a b-bit signature: good for a similarity report, not for LSH
                sig8[i] = e.signature
        return cls(
            ids=[e.id for e in items],
            content_hashes=[e.content_hash for e in items],
            signatures=matrix,
            dates=np.array([e.date.toordinal() if e.date else NO_DATE for e in items], np.int64),
            n_chars=np.array([e.n_chars for e in items], dtype=np.int64),
            prior=np.array([e.prior for e in items], dtype=bool),
            sig8=sig8,
            unsigned=frozenset(unsigned),
        )

    @classmethod
    def concat(cls, parts: Sequence[DedupColumns]) -> DedupColumns:
        offsets = np.cumsum([0, *map(len, parts)])
        return cls(
            ids=[x for part in parts for x in part.ids],
            content_hashes=[x for part in parts for x in part.content_hashes],
            signatures=np.concatenate([p.signatures for p in parts])
            if parts
            else np.empty((0, NUM_PERM), dtype=SIG_DTYPE),
            dates=np.concatenate([p.dates for p in parts]) if parts else np.empty(0, np.int64),
            n_chars=np.concatenate([p.n_chars for p in parts]) if parts else np.empty(0, np.int64),
            prior=np.concatenate([p.prior for p in parts]) if parts else np.empty(0, bool),
            sig8={
                int(o) + i: v
                for o, p in zip(offsets[:-1], parts, strict=True)
                for i, v in p.sig8.items()
            },
            unsigned=frozenset(
                int(o) + i for o, p in zip(offsets[:-1], parts, strict=True) for i in p.unsigned
            ),
        )

    def survivor_key(self, row: int) -> tuple[int, int, int, str]:
        """`survivor_key` of one row."""
        return (
            0 if self.prior[row] else 1,
            int(self.dates[row]),
            -int(self.n_chars[row]),
            self.ids[row],
        )

    def similarity(self, a: int, b: int) -> float | None:
        """Estimated similarity of two rows, None when one of them has no signature."""
        if a in self.unsigned or b in self.unsigned:
            return None
        return _similarity_any(
            self.sig8.get(a, self.signatures[a]), self.sig8.get(b, self.signatures[b])
        )


def resolve_duplicates(
    entries: Iterable[DedupEntryLike],
    *,
    threshold: float = THRESHOLD,
    index: DedupIndex | None = None,
) -> dict[str, Duplicate]:
    """Duplicates among `entries` (and, with `index`, of documents published by earlier runs),
    keyed by the id of each new non-survivor. See the module docstring for the survivor rule."""
    return resolve_columns(DedupColumns.from_entries(entries), threshold=threshold, index=index)


def resolve_columns(
    docs: DedupColumns, *, threshold: float = THRESHOLD, index: DedupIndex | None = None
) -> dict[str, Duplicate]:
    """`resolve_duplicates` on columns: memory is a few hundred bytes per document (the
    signature matrix and LSH keys), no Python object per document beyond its id and hash."""
    n = len(docs)
    order = sorted(range(n), key=docs.ids.__getitem__)
    for x, y in itertools.pairwise(order):
        if docs.ids[x] == docs.ids[y]:
            raise ValueError(f"duplicate id in entries: {docs.ids[x]!r}")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    del order

    # Documents published by earlier runs that new ones copy join as extra `prior` rows.
    links: list[tuple[int, str, float]] = []
    if index is not None and len(index) and n:
        new_rows = np.flatnonzero(~docs.prior)
        for row, match in index.query_rows(docs, new_rows, threshold=threshold).items():
            links.append((row, match.duplicate_of, match.similarity))
    if links:
        wanted = {old_id for _, old_id, _ in links}
        row_of = {x: i for i, x in enumerate(docs.ids) if x in wanted}
        extra = [index.entry(x) for x in sorted(wanted - row_of.keys())]  # type: ignore[union-attr]
        if extra:
            base = n
            docs = DedupColumns.concat([docs, DedupColumns.from_entries(extra)])
            rank = np.concatenate([rank, np.arange(base, len(docs), dtype=np.int64)])
            row_of.update({e.id: base + k for k, e in enumerate(extra)})
    else:
        row_of = {}

    uf = _UnionFind()
    edge_sim: dict[int, float] = {}
    # exact: equal content hashes
    first_of_hash: dict[str, int] = {}
    for i, h in enumerate(docs.content_hashes):
        j = first_of_hash.setdefault(h, i)
        if j != i:
            uf.union(i, j)
    del first_of_hash
    # near: LSH candidates verified by estimated similarity
    pairs, sims = verified_pairs(docs.signatures, rank, threshold)
    for a, b, sim in zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), sims.tolist(), strict=True):
        uf.union(a, b)
        edge_sim[a] = max(edge_sim.get(a, 0.0), sim)
        edge_sim[b] = max(edge_sim.get(b, 0.0), sim)
    for row, old_id, sim in links:
        old = row_of[old_id]
        uf.union(row, old)
        edge_sim[row] = max(edge_sim.get(row, 0.0), sim)

    out: dict[str, Duplicate] = {}
    for members in uf.groups():
        surv = min(members, key=docs.survivor_key)
        for i in members:
            if i == surv or docs.prior[i]:
                continue
            if docs.content_hashes[i] == docs.content_hashes[surv]:
                out[docs.ids[i]] = Duplicate(docs.ids[surv], "duplicate", 1.0)
                continue
            sim = docs.similarity(i, surv)
            if sim is None:
                sim = edge_sim.get(i, 0.0)
            out[docs.ids[i]] = Duplicate(docs.ids[surv], "near_duplicate", round(sim, 4))
    return dict(sorted(out.items()))


def _similarity_any(a: np.ndarray, b: np.ndarray) -> float:
    """Full or b-bit signatures (from the index) alike."""
    if a.dtype == np.uint8 or b.dtype == np.uint8:
        return _bbit_similarity(_low_byte(a), _low_byte(b))
    return estimated_similarity(a, b)


# ---------------------------------------------------------------------------------------------
# across runs


def _low_byte(sig: np.ndarray) -> np.ndarray:
    return (np.asarray(sig) & 0xFF).astype(np.uint8)


def _bbit_similarity(a8: np.ndarray, b8: np.ndarray) -> float:
    m = float(np.count_nonzero(a8 == b8)) / a8.size
    return max(0.0, (m - 1 / 256) / (1 - 1 / 256))


def _bbit_band_keys(sig8: np.ndarray) -> np.ndarray:
    """(n, BANDS) uint32 keys: a band's ROWS bytes side by side (ROWS ≤ 4, so 8·ROWS bits)."""
    s = np.ascontiguousarray(np.atleast_2d(sig8)[:, : BANDS * ROWS], dtype=np.uint8).reshape(
        -1, BANDS, ROWS
    )
    k = np.zeros(s.shape[:2], dtype=np.uint32)
    for r in range(ROWS):
        k = (k << np.uint32(8)) | s[:, :, r].astype(np.uint32)
    return k


_INDEX_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("content_hash", pa.binary(16), nullable=False),
        pa.field("sig8", pa.binary(NUM_PERM), nullable=False),
        pa.field("date", pa.date32()),
    ]
)


class DedupIndex:
    """Compact record of published documents for cross-run deduplication (see module docstring).

    >>> idx = DedupIndex(); idx.add(entries); idx.save(path)
    >>> DedupIndex.load(path).query(new_entries)   # {new id: Duplicate(published id, ...)}

    Held as arrays, about 200 bytes per document in memory: the ids (one Arrow string array)
    with a 64-bit hash of each, the 16-byte content hashes, date ordinals and b-bit signatures;
    sorted lookups over the id and content hashes are built when first needed."""

    def __init__(self) -> None:
        self._ids = pa.array([], pa.string())
        self._id_keys = np.empty(0, dtype=np.uint64)  # xxh3-64 of each id
        self._hash = np.empty((0, 16), dtype=np.uint8)
        self._dates = np.empty(0, dtype=np.int32)  # ordinals, NO_DATE when unknown
        self._sig8 = np.empty((0, NUM_PERM), dtype=np.uint8)
        self._nosig: set[int] = set()  # rows added without a signature: exact matching only
        self._pending: list[tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._id_lookup: tuple[np.ndarray, np.ndarray] | None = None
        self._hash_lookup: tuple[np.ndarray, np.ndarray] | None = None
        self._lookup: list[tuple[np.ndarray, np.ndarray]] | None = None

    def __len__(self) -> int:
        return len(self._id_keys) + sum(len(part[1]) for part in self._pending)

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._row_of(doc_id) is not None

    def add(self, entries: Iterable[DedupEntryLike]) -> int:
        """Record published documents; ids already present are ignored. Returns how many were added.
        Entries without a signature are kept for exact matching only."""
        docs = DedupColumns.from_entries(entries)
        return self.add_rows(docs, range(len(docs)))

    def remove(self, ids: Iterable[str]) -> int:
        """Forget published documents (their input changed, and they are published anew or
        not at all). Returns how many of `ids` were in the index."""
        self._flush()
        rows = sorted({r for r in map(self._row_of, set(ids)) if r is not None})
        if not rows:
            return 0
        keep = np.ones(len(self._id_keys), dtype=bool)
        keep[rows] = False
        self._ids = self._ids.filter(pa.array(keep))
        self._id_keys, self._hash = self._id_keys[keep], self._hash[keep]
        self._dates, self._sig8 = self._dates[keep], self._sig8[keep]
        self._nosig = {r - int(np.count_nonzero(~keep[:r])) for r in self._nosig if keep[r]}
        self._id_lookup = self._hash_lookup = self._lookup = None
        return len(rows)

    def add_rows(self, docs: DedupColumns, rows: Iterable[int]) -> int:
        """`add` for some rows of `docs`."""
        fresh: list[tuple[str, int]] = []
        for doc_id, r in sorted((docs.ids[r], r) for r in rows):
            if (fresh and fresh[-1][0] == doc_id) or self._row_of(doc_id) is not None:
                continue
            fresh.append((doc_id, r))
        if not fresh:
            return 0
        taken = [r for _, r in fresh]
        sig8 = _low_byte(docs.signatures[taken])
        base = len(self)
        for k, r in enumerate(taken):
            if r in docs.unsigned:
                sig8[k] = 0  # matches nothing: see _bands
                self._nosig.add(base + k)
            elif r in docs.sig8:
                sig8[k] = _low_byte(docs.sig8[r])
        ids = [doc_id for doc_id, _ in fresh]
        hashes = np.frombuffer(
            b"".join(bytes.fromhex(docs.content_hashes[r]) for r in taken), dtype=np.uint8
        ).reshape(-1, 16)
        self._pending.append(
            (
                pa.array(ids, pa.string()),
                _id_keys(ids),
                hashes,
                docs.dates[taken].astype(np.int32),
                sig8,
            )
        )
        self._id_lookup = self._hash_lookup = self._lookup = None
        return len(fresh)

    def _flush(self) -> None:
        if self._pending:
            ids, keys, hashes, dates, sig8 = zip(*self._pending, strict=True)
            self._ids = pa.concat_arrays([self._ids, *ids])
            self._id_keys = np.concatenate([self._id_keys, *keys])
            self._hash = np.concatenate([self._hash, *hashes])
            self._dates = np.concatenate([self._dates, *dates])
            self._sig8 = np.concatenate([self._sig8, *sig8])
            self._pending = []

    def _matrix(self) -> np.ndarray:
        self._flush()
        return self._sig8

    def _id(self, row: int) -> str:
        return str(self._ids[row].as_py())

    def _date(self, row: int) -> dt.date | None:
        day = int(self._dates[row])
        return None if day == NO_DATE else dt.date.fromordinal(day)

    def _row_of(self, doc_id: str) -> int | None:
        """The row of a published id, or None."""
        if not len(self):
            return None
        self._flush()
        if self._id_lookup is None:
            order = np.argsort(self._id_keys, kind="stable")
            self._id_lookup = (self._id_keys[order], order)
        keys, order = self._id_lookup
        key = _id_keys([doc_id])[0]
        lo, hi = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
        for row in order[lo:hi].tolist():  # almost always one; more only on a 64-bit collision
            if self._id(row) == doc_id:
                return int(row)
        return None

    def _row_of_hash(self, digest: bytes) -> int | None:
        """The first row whose content hash is `digest`, or None."""
        if not len(self):
            return None
        self._flush()
        if self._hash_lookup is None:
            first8 = np.ascontiguousarray(self._hash[:, :8]).view("<u8").ravel()
            order = np.argsort(first8, kind="stable")  # rows in order within equal keys
            self._hash_lookup = (first8[order], order)
        keys, order = self._hash_lookup
        key = np.frombuffer(digest[:8], dtype="<u8")[0]
        lo, hi = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
        for row in order[lo:hi].tolist():
            if self._hash[row].tobytes() == digest:
                return int(row)
        return None

    def _bands(self) -> list[tuple[np.ndarray, np.ndarray]]:
        if self._lookup is None:
            sig8 = self._matrix()
            keys = _bbit_band_keys(sig8)
            valid = np.ones(len(sig8), dtype=bool)
            if self._nosig:
                valid[list(self._nosig)] = False
            rows = np.flatnonzero(valid).astype(np.int32 if len(valid) < 2**31 else np.int64)
            self._lookup = []
            for b in range(BANDS):
                k = keys[rows, b]
                order = np.argsort(k, kind="stable")
                self._lookup.append((k[order], rows[order]))
        return self._lookup

    def entry(self, doc_id: str) -> DedupEntry:
        """A published document as a `prior` entry (signature is the 8-bit one)."""
        i = self._row_of(doc_id)
        if i is None:
            raise KeyError(doc_id)
        return DedupEntry(
            doc_id,
            self._hash[i].tobytes().hex(),
            None if i in self._nosig else self._sig8[i],
            self._date(i),
            0,
            prior=True,
        )

    def query_one(self, e: DedupEntryLike, *, threshold: float = THRESHOLD) -> Duplicate | None:
        """The published document `e` duplicates, or None (see `query`)."""
        return self.query([e], threshold=threshold).get(e.id)

    def query(
        self, entries: Iterable[DedupEntryLike], *, threshold: float = THRESHOLD
    ) -> dict[str, Duplicate]:
        """For each entry duplicating a published document: that document. An exact content-hash
        match wins; else the near match (shared band, b-bit estimate ≥ `threshold`) with the
        highest estimate, ties to the earliest date, then the smallest id. A published document
        with the entry's own id is the entry itself, never its duplicate."""
        docs = DedupColumns.from_entries(entries)
        found = self.query_rows(docs, np.arange(len(docs)), threshold=threshold)
        return dict(sorted((docs.ids[r], d) for r, d in found.items()))

    def query_rows(
        self, docs: DedupColumns, rows: np.ndarray, *, threshold: float = THRESHOLD
    ) -> dict[int, Duplicate]:
        """`query` for some rows of `docs`, keyed by row."""
        out: dict[int, Duplicate] = {}
        if not len(self):
            return out
        todo: list[int] = []
        for r in rows.tolist():
            i = self._row_of_hash(bytes.fromhex(docs.content_hashes[r]))
            if i is not None and self._id(i) != docs.ids[r]:
                out[r] = Duplicate(self._id(i), "duplicate", 1.0)
            elif i is None and r not in docs.unsigned and r not in docs.sig8:
                todo.append(r)
        if todo:
            q8 = _low_byte(docs.signatures[todo])
            signed = _signed_rows(docs.signatures[todo])  # empty: no near match
            todo = [r for r, ok in zip(todo, signed.tolist(), strict=True) if ok]
            q8 = q8[signed]
            qi, hits, sims = self._near(q8)
            best: dict[int, tuple[float, int, str]] = {}
            for q, row, sim in zip(qi.tolist(), hits.tolist(), sims.tolist(), strict=True):
                if sim < threshold:
                    continue
                doc_id = self._id(row)
                if doc_id == docs.ids[todo[q]]:
                    continue
                key = (-sim, int(self._dates[row]), doc_id)
                if q not in best or key < best[q]:
                    best[q] = key
            for q, (neg, _, doc_id) in best.items():
                out[todo[q]] = Duplicate(doc_id, "near_duplicate", round(-neg, 4))
        return out

    def _near(self, q8: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate (query, row) pairs sharing a band key, with their b-bit estimates."""
        keys = _bbit_band_keys(q8)
        n_q = len(q8)
        found: list[np.ndarray] = []
        for b, (k, rows) in enumerate(self._bands()):
            lo = np.searchsorted(k, keys[:, b], "left")
            cnt = np.searchsorted(k, keys[:, b], "right") - lo
            total = int(cnt.sum())
            if not total:
                continue
            qi = np.repeat(np.arange(n_q), cnt)
            offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            found.append(qi * len(self) + rows[np.repeat(lo, cnt) + offs].astype(np.int64))
        if not found:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0)
        code = np.unique(np.concatenate(found))
        qi, rows = code // len(self), code % len(self)
        mat = self._matrix()
        sims = np.empty(len(code))
        for c in range(0, len(code), 65536):
            sl = slice(c, c + 65536)
            m = np.count_nonzero(mat[rows[sl]] == q8[qi[sl]], axis=1) / NUM_PERM
            sims[sl] = np.maximum(0.0, (m - 1 / 256) / (1 - 1 / 256))
        return qi, rows, sims

    # persistence -------------------------------------------------------------------------------

    def to_table(self) -> pa.Table:
        self._flush()
        unknown = self._dates == NO_DATE
        days = np.where(unknown, 0, self._dates - _EPOCH_ORDINAL).astype(np.int32)
        return pa.table(
            {
                "id": self._ids,
                "content_hash": _fixed_binary(self._hash, 16),
                "sig8": _fixed_binary(self._sig8, NUM_PERM),
                "date": pa.array(days, pa.int32(), mask=unknown).cast(pa.date32()),
            },
            schema=_INDEX_SCHEMA.with_metadata(_params_metadata()),
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index atomically (`storage.atomic_write_table`)."""
        atomic_write_table(Path(path), self.to_table())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DedupIndex:
        """Read an index written by `save`; a missing file gives an empty index. Raises ValueError
        if the file was written with other MinHash/LSH parameters."""
        path = Path(path)
        idx = cls()
        if not path.exists():
            return idx
        table = read_table(path)
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        expected = {k.decode(): v.decode() for k, v in _params_metadata().items()}
        if {k: meta.get(k) for k in expected} != expected:
            raise ValueError(f"{path}: dedup index parameters {meta} differ from {expected}")
        n = table.num_rows
        ids = table.column("id").combine_chunks()
        idx._ids = ids.cast(pa.string()) if n else pa.array([], pa.string())
        idx._id_keys = np.concatenate(
            [np.empty(0, np.uint64)]
            + [_id_keys(ids.slice(i, 65536).to_pylist()) for i in range(0, n, 65536)]
        )
        idx._hash = _fixed_binary_numpy(table.column("content_hash").combine_chunks(), 16)
        idx._sig8 = _fixed_binary_numpy(table.column("sig8").combine_chunks(), NUM_PERM)
        if n:
            idx._dates = date_ordinals(table.column("date")).astype(np.int32)
        idx._nosig = set(np.flatnonzero(~idx._sig8.any(axis=1)).tolist())
        return idx


def _id_keys(ids: Sequence[str]) -> np.ndarray:
    """64-bit hashes of ids (the index's lookup keys; an equal key is confirmed on the id)."""
    return np.fromiter(
        (xxhash.xxh3_64_intdigest(x.encode("utf-8")) for x in ids), dtype=np.uint64, count=len(ids)
    )


def _fixed_binary(rows: np.ndarray, width: int) -> pa.Array:
    """An (n, width) uint8 matrix as a fixed-size binary Arrow array (no copy per row)."""
    data = np.ascontiguousarray(rows, dtype=np.uint8)
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(data), [None, pa.py_buffer(data.tobytes())]
    )


def _fixed_binary_numpy(array: pa.Array, width: int) -> np.ndarray:
    """A fixed-size binary Arrow array (no nulls) as an (n, width) uint8 matrix."""
    n = len(array)
    data = array.buffers()[1] if n else None
    if data is None:
        return np.empty((0, width), dtype=np.uint8)
    flat = np.frombuffer(data, dtype=np.uint8, count=n * width, offset=array.offset * width)
    return flat.reshape(n, width).copy()


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()  # date32 counts days from 1970-01-01


def date_ordinals(dates: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A date32 column as int64 ordinals (`date.toordinal()`), NO_DATE where it is null."""
    days = pc.fill_null(dates.cast(pa.int32()), NO_DATE - _EPOCH_ORDINAL)
    return days.to_numpy().astype(np.int64) + _EPOCH_ORDINAL


def _params_metadata() -> dict[bytes, bytes]:
    p = {
        "format": INDEX_FORMAT,
        "shingle_words": SHINGLE_WORDS,
        "num_perm": NUM_PERM,
        "bands": BANDS,
        "rows": ROWS,
        "seed": SEED,
    }
    return {f"newsclean.dedup.{k}".encode(): str(v).encode() for k, v in p.items()}
