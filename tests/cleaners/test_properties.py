"""Property tests (Hypothesis): any bytes in -> no exception, and the accounting holds."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners.article import RawRecord, Reject
from cleaners.readers import read_records, sanitize
from cleaners.text import clean_text

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text shaped like scraped pages: lines mixing words, boilerplate phrases, URLs and odd characters.
LINE = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "Facebook Twitter LinkedIn Pinterest Reddit Email Print",
            "Leave a Reply",
            "Your email address will not be published. Required fields are marked *",
            "— Someone (@someone) March 7, 2025",
            "Original Source: www.example.test",
            "Share this:",
            "About Jane Roe",
            "View all posts by Jane Roe →",
            "The council will share its findings on Twitter and in the comments section of its site.",
            "",
        ]
    ),
)
DOCUMENT = st.lists(LINE, max_size=40).map("\n".join)


@SETTINGS
@given(
    data=st.binary(max_size=3000),
    suffix=st.sampled_from([".txt", ".html", ".jsonl", ".txt.gz", ".bin"]),
)
def test_reader_never_raises_and_accounts_for_every_file(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        name = f"doc{suffix}"
        payload = gzip.compress(data) if suffix.endswith(".gz") and data[:1] != b"x" else data
        (Path(folder) / name).write_bytes(payload)
        items = list(read_records(Path(folder), name))
    assert all(isinstance(i, RawRecord | Reject) for i in items)
    if suffix != ".jsonl":
        assert len(items) == 1  # one file, one record or one reject
    else:  # one item per non-blank line; a file with none is one `empty` reject
        assert len(items) == max(1, sum(1 for line in data.split(b"\n") if line.strip()))
    for item in items:
        if isinstance(item, Reject):
            assert item.detail
        else:
            assert item.content.strip() and "\x00" not in item.content


@SETTINGS
@given(text=DOCUMENT)
def test_cleaner_keeps_a_subsequence_of_the_input_lines_and_explains_the_rest(text: str) -> None:
    clean_text(text)  # raw text, control characters and all: no exception
    text = sanitize(text)  # what the readers hand the cleaner
    result = clean_text(text)
    source_lines = [line.strip() for line in text.split("\n")]
    kept_lines = [line.strip() for line in result.text.split("\n") if line.strip()]
    # Kept lines appear in the input, in order.
    position = 0
    for line in kept_lines:
        while position < len(source_lines) and source_lines[position] != line:
            position += 1
        assert position < len(source_lines), f"kept line not in input: {line!r}"
        position += 1
    # Every non-empty input line is either kept or named by a removal.
    removed_lines = {
        r.line + i
        for r in result.removed
        if r.line is not None
        for i in range(r.text.count("\n") + 1)
    }
    kept_count = len(kept_lines)
    nonempty = [i for i, line in enumerate(source_lines) if line]
    assert kept_count + len([i for i in nonempty if i in removed_lines]) >= len(nonempty)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(max_codepoint=0x1F000), st.sampled_from("\x00\x07\x7f\r\n\ufffe\uffffÃ©")
        ),
        max_size=80,
    )
)
def test_sanitize_drops_exactly_the_unsafe_characters(text: str) -> None:
    from cleaners.readers import UNSAFE_CHARS, _fix_mojibake, decode_sanitized

    expected = UNSAFE_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    assert sanitize(text) == expected
    # the readers' byte-level path for UTF-8 files: the same text (then the mojibake repair)
    if not any("\ud800" <= c <= "\udfff" for c in text):  # lone surrogates: not in UTF-8 files
        assert decode_sanitized(text.encode("utf-8")) == (_fix_mojibake(expected), "utf-8")
