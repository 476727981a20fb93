from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cleaners.article import RawRecord, Reject, RejectReason
from cleaners.readers import (
    ReadLimits,
    decode_text,
    discover,
    looks_binary,
    read_records,
    scan_file,
    source_kind,
)


def read_all(root: Path, rel: str, limits: ReadLimits | None = None) -> list[RawRecord | Reject]:
    return list(read_records(root, rel, limits))


def write(root: Path, rel: str, data: bytes) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return rel


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.html", "html"),
        ("a.HTM", "html"),
        ("a.html.gz", "html"),
        ("a.txt", "text"),
        ("a.txt.gz", "text"),
        ("dump.jsonl", "jsonl"),
        ("dump.jsonl.gz", "jsonl"),
        ("a.pdf", None),
        ("a.gz", None),
        ("README", None),
    ],
)
def test_source_kind(name: str, kind: str | None) -> None:
    assert source_kind(name) == kind


def test_discover_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    for rel in ["b/z.txt", "a.html", "b/a.jsonl", ".hidden/x.txt", "c/.DS_Store", "notes.pdf"]:
        write(tmp_path, rel, b"x")
    assert discover(tmp_path) == ["a.html", "b/a.jsonl", "b/z.txt", "notes.pdf"]


def test_text_file_becomes_one_record_with_normalised_newlines(tmp_path: Path) -> None:
    rel = write(tmp_path, "t.txt", b"Headline\r\nBody line one.\rBody\x00 two.\n")
    [record] = read_all(tmp_path, rel)
    assert isinstance(record, RawRecord)
    assert record.kind == "text" and record.record_index == 0
    assert record.content == "Headline\nBody line one.\nBody two.\n"


def test_gzip_files_are_read_transparently(tmp_path: Path) -> None:
    rel = write(
        tmp_path, "p.html.gz", gzip.compress(b"<html><body><p>Hallo Welt</p></body></html>")
    )
    [record] = read_all(tmp_path, rel)
    assert (
        isinstance(record, RawRecord) and record.kind == "html" and "Hallo Welt" in record.content
    )


def test_jsonl_keeps_good_lines_around_bad_ones(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": "a1",
                "text": "First story text.",
                "url": "https://example.test/a",
                "title": "A",
                "date": "2025-03-01",
            }
        ),
        "{not json",
        json.dumps(["an", "array"]),
        json.dumps({"id": "a2", "title": "no body"}),
        "",
        json.dumps({"html": "<p>Second\u2028story</p>", "author": ["Ana", "Bo"]}),
    ]
    rel = write(tmp_path, "d.jsonl", "\n".join(lines).encode())
    items = read_all(tmp_path, rel)
    records = [i for i in items if isinstance(i, RawRecord)]
    rejects = [i for i in items if isinstance(i, Reject)]
    assert [r.source_id for r in records] == ["a1", None]
    assert records[0].url == "https://example.test/a" and records[0].date == "2025-03-01"
    # U+2028 inside a JSON string is not a line break.
    assert records[1].kind == "html" and "Second\u2028story" in records[1].content
    assert records[1].author == "Ana, Bo" and records[1].source_line == 6
    assert [(r.reason, r.source_line) for r in rejects] == [
        (RejectReason.MALFORMED, 2),
        (RejectReason.MALFORMED, 3),
        (RejectReason.NO_CONTENT, 4),
    ]
    assert len({i.id for i in items}) == len(items)


def test_ids_are_stable_and_prefer_the_records_own_id(tmp_path: Path) -> None:
    rel = write(tmp_path, "d.jsonl", b'{"id": "x", "text": "t"}\n{"text": "u"}\n')
    first = [i.id for i in read_all(tmp_path, rel)]
    assert first == [i.id for i in read_all(tmp_path, rel)]
    # Inserting a line before keeps the id of the record that has its own id; a record without
    # one is addressed by its line number, which moved.
    write(tmp_path, "d.jsonl", b'{"text": "new"}\n{"id": "x", "text": "t"}\n{"text": "u"}\n')
    second = [i.id for i in read_all(tmp_path, rel)]
    assert first[0] == second[1]
    assert first[1] != second[2]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", RejectReason.EMPTY),
        ("blank.txt", b" \n\t\n", RejectReason.EMPTY),
        ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, RejectReason.BINARY),
        ("zeros.html", b"\x00\x01\x02\x03" * 500, RejectReason.BINARY),
        ("nul-only.txt", b"\x00" * 10 + b" ", RejectReason.BINARY),
        ("notes.pdf", b"%PDF-1.4", RejectReason.UNSUPPORTED),
        ("truncated.txt.gz", gzip.compress(b"some text " * 1000)[:40], RejectReason.MALFORMED),
        ("fake.txt.gz", b"this is not gzip at all", RejectReason.MALFORMED),
    ],
)
def test_hostile_files_become_rejects_with_a_reason(
    tmp_path: Path, name: str, data: bytes, reason: RejectReason
) -> None:
    rel = write(tmp_path, name, data)
    [item] = read_all(tmp_path, rel)
    assert isinstance(item, Reject)
    assert item.reason is reason, item.detail
    assert item.detail


def test_gzip_bomb_is_capped(tmp_path: Path) -> None:
    rel = write(tmp_path, "bomb.txt.gz", gzip.compress(b"a" * 5_000_000))
    [item] = read_all(tmp_path, rel, ReadLimits(max_file_bytes=1_000_000))
    assert isinstance(item, Reject) and item.reason is RejectReason.TOO_LARGE


def test_record_over_the_character_limit_is_rejected(tmp_path: Path) -> None:
    rel = write(
        tmp_path, "d.jsonl", json.dumps({"text": "word " * 3000}).encode() + b'\n{"text": "fine"}\n'
    )
    items = read_all(tmp_path, rel, ReadLimits(max_record_chars=10_000))
    assert isinstance(items[0], Reject) and items[0].reason is RejectReason.TOO_LARGE
    assert isinstance(items[1], RawRecord)


def test_truncated_jsonl_gzip_keeps_the_lines_before_the_break(tmp_path: Path) -> None:
    body = b"\n".join(json.dumps({"text": f"story {i} " * 50}).encode() for i in range(200))
    rel = write(tmp_path, "d.jsonl.gz", gzip.compress(body)[:300])
    items = read_all(tmp_path, rel)
    records = [i for i in items if isinstance(i, RawRecord)]
    assert records and [r.source_line for r in records] == list(range(1, len(records) + 1))
    assert all(r.content == f"story {r.source_line - 1} " * 50 for r in records)
    last = items[-1]
    assert isinstance(last, Reject) and last.reason is RejectReason.MALFORMED
    assert "broken gzip stream" in last.detail and "rest was not read" in last.detail


def test_empty_jsonl_file_is_reported(tmp_path: Path) -> None:
    rel = write(tmp_path, "d.jsonl", b"\n\n  \n")
    [item] = read_all(tmp_path, rel)
    assert isinstance(item, Reject) and item.reason is RejectReason.EMPTY


def test_jsonl_over_the_size_cap_keeps_what_came_before(tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"record {i} " * 100}).encode() for i in range(50)]
    rel = write(tmp_path, "d.jsonl.gz", gzip.compress(b"\n".join(lines)))
    items = read_all(tmp_path, rel, ReadLimits(max_file_bytes=(len(lines[0]) + 1) * 10 + 5))
    assert [type(i).__name__ for i in items] == ["RawRecord"] * 10 + ["Reject"]
    assert isinstance(items[-1], Reject) and items[-1].reason is RejectReason.TOO_LARGE


def test_byte_range_shards_cover_every_line_exactly_once(tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"record {i} " + "x" * (i % 7)}).encode() for i in range(100)]
    data = b"\n".join(lines) + b"\n"
    rel = write(tmp_path, "d.jsonl", data)
    whole = [
        (r.source_line, r.content) for r in read_all(tmp_path, rel) if isinstance(r, RawRecord)
    ]
    shards = scan_file(tmp_path / rel, shard_bytes=300).shards
    assert len(shards) > 5
    sharded = [
        (r.source_line, r.content)
        for shard in shards
        for r in read_records(tmp_path, rel, byte_range=shard)
        if isinstance(r, RawRecord)
    ]
    assert sharded == whole and len(whole) == 100


def test_decode_falls_back_to_declared_and_detected_charsets() -> None:
    page = '<html><head><meta charset="iso-8859-1"></head><body>Café crème</body></html>'.encode(
        "latin-1"
    )
    text, encoding = decode_text(page, is_html=True)
    assert text is not None and "Café crème" in text and encoding == "iso-8859-1"
    german = ("Die Brücke über den Fluß wurde für Fußgänger geöffnet. " * 20).encode("cp1252")
    text, _ = decode_text(german)
    assert text is not None and "Brücke" in text and "Fußgänger" in text


def test_mojibake_is_repaired() -> None:
    broken = "Le café était fermé à cause de la grève.".encode().decode("cp1252").encode()
    text, _ = decode_text(broken)
    assert text == "Le café était fermé à cause de la grève."


def test_utf16_with_bom_is_text_not_binary() -> None:
    data = "\ufeffSome article text here.".encode("utf-16")
    assert not looks_binary(data)
    text, encoding = decode_text(data)
    assert (
        text is not None
        and text.strip("\ufeff") == "Some article text here."
        and encoding == "utf-16"
    )


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("<p>Caf\u00e9\x00 au\r\nlait\ufffe \x07cr\u00e8me\uffff</p>\r", "utf-8"),
        ("\ufeff<p>Caf\u00e9\x00 au\r\nlait\ufffe \x07cr\u00e8me\uffff</p>\r", "utf-8"),  # BOM
        ("<p>Caf\u00e9\x00 au\r\nlait\ufffe \x07cr\u00e8me\uffff</p>\r", "utf-16"),
    ],
)
def test_records_are_free_of_characters_parsers_reject(
    tmp_path: Path, data: str, encoding: str
) -> None:
    rel = write(tmp_path, "page.html", data.encode(encoding))
    [record] = read_all(tmp_path, rel)
    assert isinstance(record, RawRecord)
    assert record.content.lstrip("\ufeff") == "<p>Caf\u00e9 au\nlait cr\u00e8me</p>\n"


def test_mojibake_repair_cannot_bring_back_a_noncharacter(tmp_path: Path) -> None:
    text = "Caf\u00e9 \u2019news\u2019 about the harbour \ufffe budget and the ferry timetable.\n"
    mojibake = text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    rel = write(tmp_path, "p.txt", mojibake * 3)
    [record] = read_all(tmp_path, rel)
    assert isinstance(record, RawRecord)
    assert "Caf\u00e9 \u2019news\u2019" in record.content  # repaired
    assert "\ufffe" not in record.content  # and still safe for the parsers


def test_one_huge_jsonl_line_is_capped_without_reading_it_whole(tmp_path: Path) -> None:
    import tracemalloc

    line = json.dumps({"text": "a" * 40_000_000}).encode()
    rel = write(tmp_path, "bomb.jsonl.gz", gzip.compress(line, compresslevel=1))
    tracemalloc.start()
    [item] = read_all(tmp_path, rel, ReadLimits(max_file_bytes=1_000_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert isinstance(item, Reject) and item.reason is RejectReason.TOO_LARGE
    assert peak < 10_000_000  # the 40 MB line was never held


def test_jsonl_lines_json_itself_refuses_are_malformed_not_fatal(tmp_path: Path) -> None:
    lines = [
        b'{"id": 1, "n": ' + b"9" * 5000 + b', "text": "x"}',  # over Python's int-digit limit
        json.dumps({"text": "a fine story " * 20}).encode(),
    ]
    rel = write(tmp_path, "d.jsonl", b"\n".join(lines))
    first, second = read_all(tmp_path, rel)
    assert isinstance(first, Reject) and first.reason is RejectReason.MALFORMED
    assert "digits" in first.detail and isinstance(second, RawRecord)


def test_lone_surrogate_escapes_become_replacement_characters(tmp_path: Path) -> None:
    line = r'{"id": "a\ud800", "title": "T\udfff", "author": ["Ann\ud800"], "url": "https://x.example/\ud800", "text": "Story \ud800 text \ud83d\ude00"}'
    rel = write(tmp_path, "d.jsonl", line.encode())
    [record] = read_all(tmp_path, rel)
    assert isinstance(record, RawRecord)
    assert record.content == "Story \ufffd text \U0001f600"  # a whole escaped pair is kept
    for value in (record.source_id, record.title, record.author, record.url):
        assert value is not None and "\ufffd" in value
        value.encode("utf-8")  # what Arrow needs


def test_a_byte_order_mark_does_not_cost_the_first_jsonl_line(tmp_path: Path) -> None:
    lines = [json.dumps({"id": k, "text": f"story {k} " * 20}) for k in (1, 2)]
    rel = write(tmp_path, "d.jsonl", b"\xef\xbb\xbf" + "\n".join(lines).encode())
    items = read_all(tmp_path, rel)
    assert [type(i).__name__ for i in items] == ["RawRecord", "RawRecord"]


def test_a_text_field_of_the_wrong_type_is_named_in_the_reject(tmp_path: Path) -> None:
    rel = write(tmp_path, "d.jsonl", json.dumps({"text": ["para one", "para two"]}).encode())
    [item] = read_all(tmp_path, rel)
    assert isinstance(item, Reject) and item.reason is RejectReason.NO_CONTENT
    assert item.detail == "'text' is a list"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_text_not_binary(tmp_path: Path, codec: str) -> None:
    story = "Le café du port rouvre après l'été. Zaż\u00f3łć gęślą jaźń.\n" * 20
    rel = write(tmp_path, "story.txt", story.encode(codec))
    [record] = read_all(tmp_path, rel)
    assert isinstance(record, RawRecord) and record.content.strip() == story.strip()


def test_binary_with_many_nuls_is_still_binary(tmp_path: Path) -> None:
    rel = write(tmp_path, "blob.txt", bytes(range(256)) * 40)
    [item] = read_all(tmp_path, rel)
    assert isinstance(item, Reject) and item.reason is RejectReason.BINARY
