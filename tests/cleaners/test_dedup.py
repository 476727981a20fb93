"""cleaners.dedup: hashing, MinHash/LSH near duplicates on syndicated copies and same-event hard
negatives, union-find transitivity, the survivor rule, order independence, the cross-run index."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import dedup
from cleaners.dedup import (
    DedupEntry,
    DedupIndex,
    Duplicate,
    band_hashes,
    content_hash,
    estimated_similarity,
    minhash_signature,
    normalize_for_hash,
    resolve_duplicates,
)

ROOT = Path(__file__).resolve().parents[2]

# A wire story and its syndicated copies, written for these tests (fictional place and people).
STORY = [
    "Dock workers in Port Arvel walked out on Monday after talks over night-shift pay collapsed, "
    "leaving more than forty container ships waiting at anchor outside the harbour.",
    "The strike, the first at the port in eleven years, was called by the Harbour Workers Union "
    "after a final offer from the operating company was rejected by a large majority of members "
    "at a meeting that ran late into Sunday evening.",
    '"We have been patient for two years, and patience has not paid a single bill," union '
    "secretary Mirela Kostand told reporters outside the main gate, where several hundred pickets "
    "had gathered before dawn with banners and flasks of coffee.",
    "Arvel Terminals, which runs the four deep-water berths, said it regretted the decision and "
    "remained ready to return to the table at any time. A spokesman said the company had offered "
    "a rise of six percent spread over three years, together with a one-off bonus.",
    "Exporters warned that the stoppage could hardly have come at a worse moment. Fruit growers in "
    "the valley are in the middle of the harvest, and cold-storage space near the quays was "
    "already close to full by Monday afternoon, according to the regional chamber of commerce.",
    "Shipping lines began diverting some vessels to Brisko, a smaller port two hundred kilometres "
    "along the coast, but its managers said they could take only a fraction of the usual traffic "
    "because of limited cranes and a shortage of trucks.",
    "The transport ministry urged both sides to accept mediation. Officials said a mediator with "
    "experience of earlier disputes in the rail sector had been asked to stand by, and that the "
    "government would not intervene directly while talks were still possible.",
    "Local shopkeepers near the harbour said trade had slowed sharply. Several cafés that rely on "
    "dock workers for breakfast and lunch said they would close early for the rest of the week if "
    "the strike continued, and one owner said he had already sent staff home.",
    "The union said the walkout would last at least until Thursday, when members are due to vote "
    "again. A further protest march through the old town is planned for Wednesday morning.",
]
TITLE = "Port Arvel dock workers strike over night-shift pay"


def story(
    *,
    dateline: str = "PORT ARVEL (Wire) — ",
    byline: str = "",
    intro: str = "",
    tail: tuple[str, ...] = (),
    keep: int | None = None,
    paras: list[str] | None = None,
) -> str:
    body = list(paras if paras is not None else STORY)[:keep]
    body[0] = dateline + body[0]
    head = [TITLE, *(x for x in (byline, intro) if x)]
    return "\n\n".join([*head, *body, *tail])


BASE = story()
VARIANTS = {
    "dateline": story(dateline="PORT ARVEL, Oct 6 (Coastal Press) - "),
    "byline": story(byline="By Tomas Velder, Economics Correspondent"),
    "intro": story(
        intro="This article first appeared on our partner site and is republished with permission."
    ),
    "tail": story(
        tail=(
            "Sign up for our morning briefing to get the day's top stories.",
            "© 2026 Harbour Daily. All rights reserved.",
            "Share this article: Facebook Twitter Email",
        )
    ),
    "truncated": story(keep=6, tail=("Read the full story on our website.",)),
    "edited": story(
        paras=[
            p.replace("Monday", "Mon.").replace("percent", "per cent")
            for p in STORY[:4] + STORY[5:]
        ]
    ),
}
# Hard negatives: other articles about the same strike (same names, places, even a shared quote).
SAME_EVENT = "\n\n".join(
    [
        "Port Arvel strike enters third day as ships queue offshore",
        "PORT ARVEL (Wire) — The strike at Port Arvel entered its third day on Wednesday, with "
        "container ships still waiting at anchor and no date set for new talks between the Harbour "
        "Workers Union and Arvel Terminals.",
        '"We have been patient for two years, and patience has not paid a single bill," union '
        "secretary Mirela Kostand told reporters outside the main gate, where several hundred pickets "
        "had gathered before dawn with banners and flasks of coffee.",
        "Hundreds of people joined a march through the old town on Wednesday morning, many of them "
        "relatives of dock workers. Police said the protest passed off peacefully and the last "
        "marchers had left the square by noon.",
        "A mediator appointed by the transport ministry met union leaders for two hours on Tuesday "
        "evening. Neither side commented afterwards, but a person close to the talks said the gap "
        "between the two offers had narrowed slightly.",
        "Fruit exporters said losses were mounting. One grower estimated that a third of this week's "
        "harvest would spoil if it could not be loaded by the weekend, and called on the government "
        "to step in before the season was lost.",
        "At Brisko, further along the coast, the port manager said the diverted vessels had doubled "
        "waiting times there and that extra crane operators were being hired on short contracts.",
    ]
)
OTHER_PORT_STORY = "\n\n".join(
    [
        "Brisko port hires crane operators as diverted ships arrive",
        "BRISKO (Wire) — The port of Brisko is hiring dozens of crane operators on short contracts to "
        "cope with ships diverted from Port Arvel, where dock workers have been on strike since Monday.",
        "Managers said waiting times had doubled and that trucks were in short supply across the "
        "region. The chamber of commerce asked hauliers from neighbouring provinces to help.",
        "Union leaders in Port Arvel criticised the diversion, saying it weakened the strike, while "
        "Arvel Terminals said customers had the right to choose where to unload.",
    ]
)


def entry(id: str, text: str, *, date: dt.date | None = None, prior: bool = False) -> DedupEntry:
    return DedupEntry.from_text(id, text, date=date, prior=prior)


# --- hashing ---------------------------------------------------------------------------------


def test_normalize_and_content_hash() -> None:
    a = "  Hello,\u00a0WORLD!\r\n\r\nSecond   line.  "
    assert normalize_for_hash(a) == "hello, world!\n\nsecond line".replace("\n\n", " ")
    assert content_hash(a) == content_hash("hello, world! second line")
    assert content_hash("ﬁne Ｔext") == content_hash("fine text")  # NFKC
    assert content_hash("Hello world") != content_hash("Hello world again")
    h = content_hash(BASE)
    assert len(h) == 32 and int(h, 16) >= 0


def test_signature_shape_dtype_and_determinism(tmp_path: Path) -> None:
    s = minhash_signature(BASE)
    assert s.dtype == np.uint32 and s.shape == (dedup.NUM_PERM,)
    assert np.array_equal(s, minhash_signature(BASE))
    assert estimated_similarity(s, s) == 1.0
    b = band_hashes(s)
    assert b.dtype == np.uint64 and b.shape == (dedup.BANDS,)
    # same values in another interpreter (no per-process hash seed anywhere)
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from cleaners import dedup; "
        f"print(dedup.minhash_signature(open(sys.argv[1]).read()).tobytes().hex())"
    )
    f = tmp_path / "base.txt"
    f.write_text(BASE, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", code, str(f)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    ).stdout
    assert out.strip() == s.tobytes().hex()


def test_empty_text_never_near_matches() -> None:
    e1, e2 = minhash_signature(""), minhash_signature("!!! …")
    assert dedup.is_empty_signature(e1) and dedup.is_empty_signature(e2)
    assert estimated_similarity(e1, e2) == 0.0
    # no words: no near matching at all, only exact (same normalised text)
    assert resolve_duplicates([entry("a", "😀 😀"), entry("b", "🎉")]) == {}
    assert resolve_duplicates([entry("a", " !!! "), entry("b", "...")]) == {
        "b": Duplicate("a", "duplicate", 1.0)
    }


def test_cjk_text_is_shingled_by_character() -> None:
    zh = "港口工人星期一罢工，四十多艘集装箱船在港外等待。工会表示，罢工至少持续到星期四。" * 3
    assert len(dedup.tokens(zh)) > 60
    assert estimated_similarity(minhash_signature(zh), minhash_signature("新闻：" + zh)) > 0.8


# --- near duplicates -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(VARIANTS))
def test_syndicated_copy_is_near_duplicate(kind: str) -> None:
    res = resolve_duplicates(
        [
            entry("base", BASE, date=dt.date(2026, 10, 6)),
            entry("copy", VARIANTS[kind], date=dt.date(2026, 10, 7)),
        ]
    )
    assert set(res) == {"copy"}
    d = res["copy"]
    assert d.duplicate_of == "base" and d.kind == "near_duplicate"
    assert dedup.THRESHOLD <= d.similarity < 1.0


def test_exact_duplicate_after_normalisation() -> None:
    copy = "  " + BASE.replace("\n\n", "\r\n\r\n").upper() + "\n"
    res = resolve_duplicates(
        [entry("b", copy, date=dt.date(2026, 5, 2)), entry("a", BASE, date=dt.date(2026, 5, 1))]
    )
    assert res == {"b": Duplicate("a", "duplicate", 1.0)}


@pytest.mark.parametrize("other", [SAME_EVENT, OTHER_PORT_STORY])
def test_same_event_stories_are_not_merged(other: str) -> None:
    sim = estimated_similarity(minhash_signature(BASE), minhash_signature(other))
    assert sim < dedup.THRESHOLD
    assert resolve_duplicates([entry("a", BASE), entry("b", other)]) == {}


def test_mixed_set_clusters_exactly_the_copies() -> None:
    entries = [entry("base", BASE, date=dt.date(2026, 10, 6))]
    entries += [entry(f"v-{k}", t, date=dt.date(2026, 10, 7)) for k, t in VARIANTS.items()]
    entries += [entry("event", SAME_EVENT), entry("brisko", OTHER_PORT_STORY)]
    res = resolve_duplicates(entries)
    assert set(res) == {f"v-{k}" for k in VARIANTS}
    assert {d.duplicate_of for d in res.values()} == {"base"}


def test_union_find_is_transitive() -> None:
    """A = first 6 paragraphs, C = last 6, B = all 9: A~B and B~C but A and C are not similar."""
    a, b, c = story(keep=6), story(), story(paras=STORY[3:], dateline="")
    sa, sb, sc = (minhash_signature(x) for x in (a, b, c))
    assert estimated_similarity(sa, sc) < dedup.THRESHOLD
    assert estimated_similarity(sa, sb) >= dedup.THRESHOLD
    assert estimated_similarity(sb, sc) >= dedup.THRESHOLD
    res = resolve_duplicates(
        [entry("c", c, date=dt.date(2026, 1, 1)), entry("a", a), entry("b", b)]
    )
    assert set(res) == {"a", "b"}
    assert res["a"].duplicate_of == res["b"].duplicate_of == "c"  # earliest date survives
    assert res["a"].similarity < dedup.THRESHOLD  # reported against the survivor, honestly


# --- survivor rule ---------------------------------------------------------------------------


def _exact(
    id: str, *, date: dt.date | None = None, n: int = 100, prior: bool = False
) -> DedupEntry:
    return DedupEntry(id, content_hash(BASE), minhash_signature(BASE), date, n, prior)


def test_survivor_prior_wins_over_everything() -> None:
    es = [
        _exact("a", date=dt.date(2020, 1, 1), n=999),
        _exact("z", date=dt.date(2026, 1, 1), n=1, prior=True),
    ]
    res = resolve_duplicates(es)
    assert res == {"a": Duplicate("z", "duplicate", 1.0)}


def test_prior_documents_are_never_reported() -> None:
    es = [
        _exact("p1", prior=True, date=dt.date(2025, 1, 1)),
        _exact("p2", prior=True),
        _exact("new"),
    ]
    assert resolve_duplicates(es) == {"new": Duplicate("p1", "duplicate", 1.0)}


def test_survivor_earliest_date_then_longest_then_smallest_id() -> None:
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    assert resolve_duplicates([_exact("a", date=d2, n=500), _exact("b", date=d1, n=10)]) == {
        "a": Duplicate("b", "duplicate", 1.0)
    }
    assert resolve_duplicates([_exact("a", date=None, n=500), _exact("b", date=d2, n=10)]) == {
        "a": Duplicate("b", "duplicate", 1.0)
    }  # unknown dates last
    assert resolve_duplicates([_exact("a", date=d1, n=10), _exact("b", date=d1, n=20)]) == {
        "a": Duplicate("b", "duplicate", 1.0)
    }
    assert resolve_duplicates([_exact("b", n=10), _exact("a", n=10)]) == {
        "b": Duplicate("a", "duplicate", 1.0)
    }


def test_result_is_independent_of_input_order() -> None:
    entries = [entry("base", BASE, date=dt.date(2026, 10, 6))]
    entries += [entry(f"v-{k}", t, date=dt.date(2026, 10, 6)) for k, t in VARIANTS.items()]
    entries += [entry("event", SAME_EVENT), entry("x1", BASE + " "), entry("x2", BASE.lower())]
    expected = resolve_duplicates(entries)
    # survivor: earliest date (base and the variants share it), then the longest: the tail copy
    assert {d.duplicate_of for d in expected.values()} == {"v-tail"}
    assert expected["base"].kind == "near_duplicate"
    assert expected["x1"].kind == "near_duplicate" and len(expected) == len(entries) - 2
    rnd = random.Random(0)
    for _ in range(10):
        shuffled = entries[:]
        rnd.shuffle(shuffled)
        assert resolve_duplicates(iter(shuffled)) == expected


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["base", "event", *sorted(VARIANTS)]), st.integers(0, 3), st.booleans()
        ),
        min_size=1,
        max_size=12,
    ),
    st.randoms(use_true_random=False),
)
def test_any_entry_set_resolves_the_same_in_any_order(
    spec: list[tuple[str, int, bool]], rnd: random.Random
) -> None:
    texts = {"base": BASE, "event": SAME_EVENT, **VARIANTS}
    entries = [
        DedupEntry(
            f"id{i}",
            content_hash(texts[k]),
            _SIGS[k],
            dt.date(2026, 1, 1 + day) if day else None,
            len(texts[k]),
            prior,
        )
        for i, (k, day, prior) in enumerate(spec)
    ]
    expected = resolve_duplicates(entries)
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    assert resolve_duplicates(shuffled) == expected
    ids = {e.id for e in entries}
    survivors = {d.duplicate_of for d in expected.values()}
    assert survivors <= ids and not (survivors & set(expected))  # survivors are never duplicates
    assert not any(e.prior and e.id in expected for e in entries)


_SIGS = {
    k: minhash_signature(t) for k, t in {"base": BASE, "event": SAME_EVENT, **VARIANTS}.items()
}


def test_big_buckets_are_bounded_but_still_cluster() -> None:
    n = dedup.MAX_BUCKET + 6
    sig = minhash_signature(BASE)
    pairs = dedup.candidate_pairs([sig] * n)
    m = dedup.MAX_BUCKET
    assert len(pairs) == m * (m - 1) // 2 + 6 * m
    assert np.all(pairs[:, 0] < pairs[:, 1])
    es = [DedupEntry(f"d{i:03d}", f"h{i}", sig, None, 10) for i in range(n)]
    res = resolve_duplicates(es)
    assert len(res) == n - 1 and {d.duplicate_of for d in res.values()} == {"d000"}


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate id"):
        resolve_duplicates([entry("a", BASE), entry("a", SAME_EVENT)])


# --- across runs -----------------------------------------------------------------------------


def _published() -> list[DedupEntry]:
    return [
        entry("pub-base", BASE, date=dt.date(2026, 10, 6)),
        entry("pub-brisko", OTHER_PORT_STORY, date=dt.date(2026, 10, 8)),
    ]


def test_index_round_trip(tmp_path: Path) -> None:
    idx = DedupIndex()
    assert idx.add(_published()) == 2
    assert idx.add(_published()) == 0  # ids already present
    path = tmp_path / "state" / "dedup.parquet"
    idx.save(path)
    back = DedupIndex.load(path)
    assert len(back) == 2 and "pub-base" in back
    assert back.to_table().equals(idx.to_table())
    assert DedupIndex.load(tmp_path / "missing.parquet").query([entry("x", BASE)]) == {}


def test_index_forgets_removed_documents_as_if_never_added(tmp_path: Path) -> None:
    unsigned = DedupEntry("u-1", content_hash("unsigned text"), None, None, 13)
    kept = [entry("k-1", STORY[0]), unsigned, entry("k-2", STORY[1])]
    gone = [entry("pub-base", BASE), entry("g-2", STORY[2])]
    idx = DedupIndex()
    idx.add([gone[0], kept[0], unsigned, gone[1]])
    idx.save(tmp_path / "before.parquet")  # lookups built and flushed before the removal
    assert "pub-base" in idx and idx.query([entry("n", BASE)])
    idx.add([kept[2]])  # still pending when removing
    assert idx.remove(["pub-base", "g-2", "never-added"]) == 2
    assert len(idx) == 3 and "pub-base" not in idx and "k-2" in idx
    assert idx.query([entry("n", BASE)]) == {}  # no longer a copy of anything published
    assert idx.query([entry("n", STORY[0])])["n"].duplicate_of == "k-1"
    near = idx.query([entry("n", " ".join([STORY[1], STORY[1], "One line more at the end."]))])
    assert near["n"].duplicate_of == "k-2" and near["n"].kind == "near_duplicate"
    fresh = DedupIndex()
    fresh.add(kept)
    assert idx.to_table().sort_by("id").equals(fresh.to_table().sort_by("id"))
    assert idx.query([DedupEntry("m", content_hash("unsigned text"), None, None, 13)]) == {
        "m": Duplicate("u-1", "duplicate", 1.0)
    }
    assert idx.remove([]) == 0


def test_index_is_compact(tmp_path: Path) -> None:
    rnd = random.Random(1)
    idx = DedupIndex()
    docs = []
    for i in range(400):
        paras = rnd.sample(STORY, 5)
        docs.append(
            DedupEntry.from_text(
                f"doc-{i:06d}",
                " ".join(paras) + f" {i}",
                date=dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
            )
        )
    idx.add(docs)
    idx.save(tmp_path / "idx.parquet")
    assert (tmp_path / "idx.parquet").stat().st_size / len(idx) <= 200


def test_index_finds_exact_and_near_copies_of_published_documents(tmp_path: Path) -> None:
    idx = DedupIndex()
    idx.add(_published())
    idx.save(tmp_path / "idx.parquet")
    idx = DedupIndex.load(tmp_path / "idx.parquet")
    new = [
        entry("n-exact", BASE.upper()),
        entry("n-trunc", VARIANTS["truncated"]),
        entry("n-tail", VARIANTS["tail"]),
        entry("n-event", SAME_EVENT),
        entry(
            "n-fresh",
            "A completely different article about a choir festival in the hills, "
            "with singers from nine villages performing in the open air.",
        ),
    ]
    found = idx.query(new)
    assert found["n-exact"] == Duplicate("pub-base", "duplicate", 1.0)
    for k in ("n-trunc", "n-tail"):
        assert found[k].duplicate_of == "pub-base" and found[k].kind == "near_duplicate"
        assert found[k].similarity >= dedup.THRESHOLD
    assert set(found) == {"n-exact", "n-trunc", "n-tail"}
    # the published document itself (same id) is not its own duplicate
    assert idx.query([entry("pub-base", BASE)]) == {}


def test_resolve_with_index_links_chains_to_the_published_document() -> None:
    """new Y is a copy of new X, X a truncated copy of published P: both point to P."""
    idx = DedupIndex()
    idx.add(_published())
    x = entry("x", VARIANTS["truncated"], date=dt.date(2026, 10, 1))
    y = entry("y", VARIANTS["truncated"] + "\n\nComments are closed.", date=dt.date(2026, 10, 2))
    z = entry("z", SAME_EVENT)
    res = resolve_duplicates([y, z, x], index=idx)
    assert set(res) == {"x", "y"}
    assert res["x"].duplicate_of == res["y"].duplicate_of == "pub-base"
    assert res["x"].kind == "near_duplicate"


def test_index_rejects_other_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    idx = DedupIndex()
    idx.add(_published())
    idx.save(tmp_path / "idx.parquet")
    monkeypatch.setattr(dedup, "SHINGLE_WORDS", dedup.SHINGLE_WORDS + 1)
    with pytest.raises(ValueError, match="parameters"):
        DedupIndex.load(tmp_path / "idx.parquet")


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "idx.parquet"
    idx = DedupIndex()
    idx.add(_published()[:1])
    idx.save(path)
    before = path.read_bytes()
    idx.add(_published()[1:])

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", crash)  # the module the index is saved with
    with pytest.raises(OSError, match="disk full"):
        idx.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx.parquet"]  # no temp left behind
    monkeypatch.undo()

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        idx.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx.parquet"]
    monkeypatch.undo()

    fsynced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        fsynced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(dedup.os, "fsync", spy)
    idx.save(path)
    assert len(fsynced) >= 1
    assert len(DedupIndex.load(path)) == 2


def test_verified_pairs_are_the_candidates_above_threshold() -> None:
    rnd = random.Random(4)
    texts = [BASE, SAME_EVENT, *VARIANTS.values()]
    words = BASE.split()
    for _ in range(40):  # partial copies of every similarity
        start = rnd.randrange(len(words) // 2)
        texts.append(" ".join(words[start : start + rnd.randint(10, len(words))]))
    sigs = np.stack([minhash_signature(t) for t in texts])
    rank = np.arange(len(texts))
    candidates = dedup.candidate_pairs_matrix(sigs, rank)
    pairs, sims = dedup.verified_pairs(sigs, rank, dedup.THRESHOLD)
    expected = [
        [a, b]
        for a, b in candidates.tolist()
        if estimated_similarity(sigs[a], sigs[b]) >= dedup.THRESHOLD
    ]
    assert pairs.tolist() == expected and len(expected) > 10
    assert sims.tolist() == [estimated_similarity(sigs[a], sigs[b]) for a, b in expected]


def test_columns_resolve_like_entries_with_index(tmp_path: Path) -> None:
    """publish_run's columnar path gives what the entry API gives, cross-run matches included."""
    idx = DedupIndex()
    idx.add(_published())
    first = [entry("x", VARIANTS["truncated"], date=dt.date(2026, 10, 1)), entry("z", SAME_EVENT)]
    second = [
        entry("y", VARIANTS["truncated"] + "\n\nComments are closed.", date=dt.date(2026, 10, 2)),
        entry("w", BASE.upper()),
        entry("v", ""),
    ]
    by_entries = resolve_duplicates(first + second, index=idx)
    columns = dedup.DedupColumns.concat(
        [dedup.DedupColumns.from_entries(first), dedup.DedupColumns.from_entries(second)]
    )
    assert dedup.resolve_columns(columns, index=idx) == by_entries
    assert set(by_entries) == {"x", "y", "w"}
    idx.add_rows(columns, [1, 4])  # z and v
    assert "z" in idx and "v" in idx and "x" not in idx


def test_index_lookups_survive_key_collisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids and content hashes are found through 64-bit keys, always confirmed on the full value:
    even if every key collided, answers would stay right."""
    monkeypatch.setattr(dedup, "_id_keys", lambda ids: np.zeros(len(ids), dtype=np.uint64))
    idx = DedupIndex()
    idx.add(_published())
    idx.add([entry("other", SAME_EVENT)])
    assert "pub-base" in idx and "other" in idx and "missing" not in idx
    assert idx.add([entry("other", SAME_EVENT)]) == 0
    assert idx.entry("other").content_hash == content_hash(SAME_EVENT)
    with pytest.raises(KeyError):
        idx.entry("missing")
    idx.save(tmp_path / "idx.parquet")
    back = DedupIndex.load(tmp_path / "idx.parquet")
    assert back.query([entry("n", BASE.upper())]) == {"n": Duplicate("pub-base", "duplicate", 1.0)}
    assert back.query([entry("n", SAME_EVENT)]) == {"n": Duplicate("other", "duplicate", 1.0)}
