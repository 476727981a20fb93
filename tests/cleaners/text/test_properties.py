"""Invariants on arbitrary input: never raises, every input line is either kept or explained by
exactly one removal, kept lines keep their order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.text import clean_text
from cleaners.text.doc import split_lines

PIECES = [
    "Home",
    "Share this:",
    "Facebook Twitter Email",
    "Leave a Reply",
    "Advertisement",
    "By Jane Doe",
    "March 7, 2025",
    "Related Posts",
    "© 2024 Example",
    "Read more: a story",
    "The council met on Monday and agreed to fund the repairs of the old bridge this summer.",
    "Residents said on Twitter that the cookies at the fair were the best part of the day.",
    "Why it matters",
    "— Name (@handle) May 1, 2024",
    "About Jane Doe",
    "",
]
line = st.one_of(st.sampled_from(PIECES), st.text(max_size=80).map(lambda s: s.replace("\r", "")))


@settings(max_examples=150, deadline=None)
@given(st.lists(line, max_size=30), st.booleans())
def test_partition(lines: list[str], from_extractor: bool) -> None:
    text = "\n".join(lines)
    res = clean_text(text, from_extractor=from_extractor)
    all_lines = split_lines(text)
    removed: set[int] = set()
    for r in res.removed:
        assert r.line is not None and "." in r.rule
        # A removal is the exact run of input lines it covers (cleaners.article.Removal).
        parts = r.text.split("\n")
        assert all_lines[r.line : r.line + len(parts)] == parts
        assert all_lines[r.line].strip() and all_lines[r.line + len(parts) - 1].strip()
        for idx in range(r.line, r.line + len(parts)):
            if all_lines[idx].strip():
                assert idx not in removed
                removed.add(idx)
    kept = [ln.strip() for i, ln in enumerate(all_lines) if ln.strip() and i not in removed]
    assert (res.text.split("\n") if res.text else []) == kept
