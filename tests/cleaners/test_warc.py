"""WARC input: real archives written with warcio's WARCWriter, read back through the readers."""

from __future__ import annotations

import gzip
import zlib
from io import BytesIO
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaners.article import RawRecord, Reject, RejectReason
from cleaners.config import RunConfig
from cleaners.readers import ByteRange, ReadLimits, read_records, scan_file, source_kind
from cleaners.runner import run_local
from cleaners.warc import parse_content_type

ARTICLE_HTML = (
    b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
    b"<title>Millbrook opens a footbridge over the Ashwater</title></head><body><article>"
    b"<h1>Millbrook opens a footbridge over the Ashwater</h1>"
    b"<p>The new footbridge between the market square and the rail station opened on Friday "
    b"morning, eleven months after the old crossing was closed for safety reasons.</p>"
    b"<p>Engineers said the steel deck was lifted into place in a single night in March, which "
    b"kept the river open to rowing crews and the summer ferry.</p>"
    b"<p>Shopkeepers on Bridge Lane said trade had fallen by a third while walkers had to take "
    b"the long way round through the industrial estate.</p>"
    b"</article></body></html>"
)

Record = RawRecord | Reject


class Archive:
    """A WARC file under construction: records are appended with fixed ids, in order."""

    def __init__(self, compress: bool) -> None:
        self.buffer = BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=compress)
        self.count = 0

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        self.count += 1
        return {
            "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{self.count:012d}>",
            "WARC-Date": "2025-06-01T08:00:00Z",
            **(extra or {}),
        }

    def response(
        self,
        url: str,
        body: bytes,
        *,
        status: str = "200 OK",
        headers: list[tuple[str, str]] | None = None,
        warc_headers: dict[str, str] | None = None,
    ) -> None:
        http = StatusAndHeaders(
            status,
            headers if headers is not None else [("Content-Type", "text/html; charset=utf-8")],
            protocol="HTTP/1.1",
        )
        record = self.writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            http_headers=http,
            warc_headers_dict=self._headers(warc_headers),
        )
        self.writer.write_record(record)

    def resource(self, url: str, body: bytes, content_type: str) -> None:
        record = self.writer.create_warc_record(
            url,
            "resource",
            payload=BytesIO(body),
            warc_content_type=content_type,
            warc_headers_dict=self._headers(),
        )
        self.writer.write_record(record)

    def request(self, url: str) -> None:
        http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
        record = self.writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(b""),
            http_headers=http,
            warc_headers_dict=self._headers(),
        )
        self.writer.write_record(record)

    def warcinfo(self) -> None:
        record = self.writer.create_warcinfo_record(
            "test.warc", {"software": "newsclean tests", "format": "WARC File Format 1.1"}
        )
        record.rec_headers.replace_header("WARC-Record-ID", self._headers()["WARC-Record-ID"])
        self.writer.write_record(record)

    def revisit(self, url: str, refers_to_date: str) -> None:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = self.writer.create_revisit_record(
            url,
            digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri=url,
            refers_to_date=refers_to_date,
            http_headers=http,
        )
        record.rec_headers.replace_header("WARC-Record-ID", self._headers()["WARC-Record-ID"])
        self.writer.write_record(record)

    def save(self, folder: Path, name: str) -> str:
        (folder / name).write_bytes(self.buffer.getvalue())
        return name


@pytest.fixture(params=[True, False], ids=["warc.gz", "warc"])
def compress(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def name_for(compress: bool, stem: str = "crawl") -> str:
    return f"{stem}.warc.gz" if compress else f"{stem}.warc"


def read_all(root: Path, rel: str, limits: ReadLimits | None = None) -> list[Record]:
    return list(read_records(root, rel, limits))


def test_source_kind_recognises_warc() -> None:
    assert source_kind("crawl.warc") == "warc"
    assert source_kind("CC-MAIN-0001.warc.gz") == "warc"
    assert source_kind("crawl.warc.gz.gz") is None


def test_content_type_parsing() -> None:
    assert parse_content_type('text/HTML; Charset="ISO-8859-1"') == ("text/html", "iso-8859-1")
    assert parse_content_type("text/plain") == ("text/plain", None)
    assert parse_content_type("html") == (None, None)
    assert parse_content_type(None) == (None, None)


def test_html_and_text_responses_become_documents(tmp_path: Path, compress: bool) -> None:
    archive = Archive(compress)
    archive.warcinfo()
    archive.request("https://news.example.org/footbridge")
    archive.response("https://news.example.org/footbridge", ARTICLE_HTML)
    archive.response(
        "https://news.example.org/notes.txt",
        b"Council notes\nThe footbridge opens on Friday.\n",
        headers=[("Content-Type", "text/plain")],
    )
    archive.resource("https://news.example.org/saved", ARTICLE_HTML, "text/html")
    rel = archive.save(tmp_path, name_for(compress))

    records = read_all(tmp_path, rel)

    assert all(isinstance(r, RawRecord) for r in records), records
    html, text, resource = (r for r in records if isinstance(r, RawRecord))
    assert (html.kind, html.url, html.record_index) == (
        "html",
        "https://news.example.org/footbridge",
        3,  # the warcinfo and request records count, though they are skipped
    )
    assert html.source_id == "<urn:uuid:00000000-0000-4000-8000-000000000003>"
    assert html.source_line == 3 and html.date is None
    assert "steel deck was lifted into place" in html.content
    assert (text.kind, text.record_index) == ("text", 4)
    assert text.content == "Council notes\nThe footbridge opens on Friday.\n"
    assert (resource.kind, resource.record_index) == ("html", 5)


WIDE_SENTENCE = "Z\u00fcrich: the caf\u00e9 on the new footbridge opened \u2013 \u201cat last\u201d"


@pytest.mark.parametrize(
    ("charset", "encoding", "sentence"),
    [
        # detection alone reads these bytes as cp1250 ("seńora") or cp932: the header decides
        (
            "ISO-8859-1",
            "ISO-8859-1",
            "La se\u00f1ora Pe\u00f1a abri\u00f3 el puente de A\u00f1orbe el s\u00e1bado",
        ),
        ("koi8-r", "koi8-r", "Новый мост через реку открыт в пятницу"),
        # UTF-16/32 (half NUL bytes) is decoded before the binary sniff would call it binary
        ("utf-16le", "utf-16-le", WIDE_SENTENCE),
        ("UTF-16BE", "utf-16-be", WIDE_SENTENCE),
        ("utf-16", "utf-16-le", WIDE_SENTENCE),  # no byte-order mark: little-endian, as browsers
        ("utf-16", "utf-16", WIDE_SENTENCE),  # with one
        ("utf-32le", "utf-32-le", WIDE_SENTENCE),
        ("utf-32", "utf-32-le", WIDE_SENTENCE),
        ("ucs-2", "utf-16-le", WIDE_SENTENCE),  # a WHATWG label Python does not know
    ],
)
def test_charset_from_the_http_header_decodes_the_page(
    tmp_path: Path, compress: bool, charset: str, encoding: str, sentence: str
) -> None:
    page = f"<html><body><article><p>{sentence}</p></article></body></html>"
    archive = Archive(compress)
    archive.response(
        "https://diario.example.es/puente",
        page.encode(encoding),
        headers=[("Content-Type", f"text/html; charset={charset}")],
    )
    [record] = read_all(tmp_path, archive.save(tmp_path, name_for(compress)))
    assert isinstance(record, RawRecord), record
    assert record.content == page


def test_gzip_content_encoding_and_chunked_transfer_are_undone(
    tmp_path: Path, compress: bool
) -> None:
    encoded = gzip.compress(ARTICLE_HTML, mtime=0)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(encoded), encoded)
    archive = Archive(compress)
    archive.response(
        "https://news.example.org/footbridge",
        chunked,
        headers=[
            ("Content-Type", "text/html"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
        ],
    )
    [record] = read_all(tmp_path, archive.save(tmp_path, name_for(compress)))
    assert isinstance(record, RawRecord)
    assert "Shopkeepers on Bridge Lane" in record.content


def test_failed_redirected_non_text_and_revisited_captures_are_rejects(
    tmp_path: Path, compress: bool
) -> None:
    archive = Archive(compress)
    archive.response(
        "https://news.example.org/gone", b"<html>Not found</html>", status="404 Not Found"
    )
    archive.response(
        "http://news.example.org/moved",
        b"",
        status="301 Moved Permanently",
        headers=[("Location", "https://news.example.org/moved")],
    )
    archive.response(
        "https://news.example.org/photo.jpg",
        b"\xff\xd8\xff\xe0" + bytes(200),
        headers=[("Content-Type", "image/jpeg")],
    )
    archive.revisit("https://news.example.org/footbridge", "2025-05-30T10:00:00Z")
    rel = archive.save(tmp_path, name_for(compress))

    missing, moved, photo, revisit = read_all(tmp_path, rel)

    assert isinstance(missing, Reject) and missing.reason == RejectReason.UNSUPPORTED
    assert missing.detail == "WARC response: HTTP 404"
    assert (missing.source_line, missing.url) == (1, "https://news.example.org/gone")
    assert isinstance(moved, Reject) and moved.reason == RejectReason.UNSUPPORTED
    assert moved.detail == "WARC response: HTTP 301 redirect to https://news.example.org/moved"
    assert isinstance(photo, Reject) and photo.reason == RejectReason.UNSUPPORTED
    assert photo.detail == "WARC response of type image/jpeg"
    assert isinstance(revisit, Reject) and revisit.reason == RejectReason.DUPLICATE
    assert "https://news.example.org/footbridge" in revisit.detail
    assert "2025-05-30T10:00:00Z" in revisit.detail
    assert len({r.id for r in (missing, moved, photo, revisit)}) == 4


def test_payload_over_the_cap_is_too_large(tmp_path: Path, compress: bool) -> None:
    archive = Archive(compress)
    archive.response("https://news.example.org/huge", b"<html><body>" + b"word " * 2000)
    archive.response("https://news.example.org/footbridge", ARTICLE_HTML)
    rel = archive.save(tmp_path, name_for(compress))

    huge, page = read_all(tmp_path, rel, ReadLimits(max_record_chars=1000))

    assert isinstance(huge, Reject) and huge.reason == RejectReason.TOO_LARGE
    assert isinstance(page, RawRecord) and page.record_index == 2


def test_nul_bytes_are_stripped_and_binary_or_empty_payloads_rejected(
    tmp_path: Path, compress: bool
) -> None:
    archive = Archive(compress)
    archive.response("https://a.example/nul", b"<html><body><p>Har\x00bour news</p></body></html>")
    archive.response("https://a.example/blank", b"  \n")
    archive.response("https://a.example/binary", b"\x89PNG\r\n\x1a\n" + bytes(64))
    archive.response(
        "https://a.example/untyped",
        b"  <!DOCTYPE html><html><p>Sniffed page</p></html>",
        headers=[],
    )
    rel = archive.save(tmp_path, name_for(compress))

    nul, blank, binary, untyped = read_all(tmp_path, rel)

    assert isinstance(nul, RawRecord) and "Harbour news" in nul.content
    assert isinstance(blank, Reject) and blank.reason == RejectReason.EMPTY
    assert isinstance(binary, Reject) and binary.reason == RejectReason.BINARY
    assert isinstance(untyped, RawRecord) and untyped.kind == "html"


def test_archive_without_documents_is_reported_empty(tmp_path: Path, compress: bool) -> None:
    archive = Archive(compress)
    archive.warcinfo()
    [reject] = read_all(tmp_path, archive.save(tmp_path, name_for(compress)))
    assert isinstance(reject, Reject) and reject.reason == RejectReason.EMPTY


def _truncated_archive(folder: Path, pages: int) -> None:
    """`cut.warc.gz`: `pages` responses, the last 150 bytes cut off (a download that broke)."""
    archive = Archive(compress=True)
    for number in range(pages):
        archive.response(f"https://news.example.org/{number}", ARTICLE_HTML)
    data = archive.buffer.getvalue()
    (folder / "cut.warc.gz").write_bytes(data[: len(data) - 150])


def test_truncated_archive_keeps_the_records_before_the_break(tmp_path: Path) -> None:
    _truncated_archive(tmp_path, pages=3)

    records = read_all(tmp_path, "cut.warc.gz")

    assert [type(r) for r in records] == [RawRecord, RawRecord, Reject]
    broken = records[-1]
    assert isinstance(broken, Reject) and broken.reason == RejectReason.MALFORMED
    assert broken.source_line == 3 and "from number 3 on" in broken.detail


def test_archive_gzipped_as_one_stream_is_read_whole(tmp_path: Path) -> None:
    archive = Archive(compress=False)  # `gzip crawl.warc` rather than one member per record
    for number in range(3):
        archive.response(f"https://news.example.org/{number}", ARTICLE_HTML)
    (tmp_path / "whole.warc.gz").write_bytes(gzip.compress(archive.buffer.getvalue(), mtime=0))

    records = read_all(tmp_path, "whole.warc.gz")

    assert [(type(r), r.source_line) for r in records] == [(RawRecord, n) for n in (1, 2, 3)]


def test_ids_are_stable_across_reads(tmp_path: Path, compress: bool) -> None:
    archive = Archive(compress)
    archive.response("https://news.example.org/footbridge", ARTICLE_HTML)
    archive.response("https://news.example.org/gone", b"", status="404 Not Found")
    rel = archive.save(tmp_path, name_for(compress))
    first, second = read_all(tmp_path, rel), read_all(tmp_path, rel)
    assert [r.id for r in first] == [r.id for r in second]
    assert first == second


def test_shards_cover_every_record_exactly_once(tmp_path: Path, compress: bool) -> None:
    archive = Archive(compress)
    for number in range(12):
        if number % 4 == 3:
            archive.request(f"https://news.example.org/{number}")
        archive.response(
            f"https://news.example.org/{number}",
            ARTICLE_HTML.replace(b"Friday", b"day %d" % number),
        )
    rel = archive.save(tmp_path, name_for(compress))
    whole = read_all(tmp_path, rel)

    scan = scan_file(tmp_path / rel, shard_bytes=1500)
    assert len(scan.shards) >= 3
    assert scan.file_hash == scan_file(tmp_path / rel).file_hash  # the same hash, sharded or not
    assert scan.shards[0].start == 0 and scan.shards[-1].end == (tmp_path / rel).stat().st_size
    assert all(a.end == b.start for a, b in zip(scan.shards, scan.shards[1:], strict=False))
    sharded = [
        record for shard in scan.shards for record in read_records(tmp_path, rel, byte_range=shard)
    ]
    assert sharded == whole
    assert len(whole) == 12
    # an archive an earlier run saw unchanged is hashed only: no parse, no shards (a rerun
    # over a crawl must not unpack every archive again); a changed one is cut again
    unchanged = scan_file(tmp_path / rel, shard_bytes=1500, known_hash=scan.file_hash)
    assert unchanged.file_hash == scan.file_hash and unchanged.shards == ()
    assert scan_file(tmp_path / rel, shard_bytes=1500, known_hash="0" * 32) == scan


def test_truncated_archive_read_in_shards_matches_the_whole(tmp_path: Path) -> None:
    _truncated_archive(tmp_path, pages=8)

    shards = scan_file(tmp_path / "cut.warc.gz", shard_bytes=1200).shards
    sharded = [
        r for shard in shards for r in read_records(tmp_path, "cut.warc.gz", byte_range=shard)
    ]

    assert len(shards) >= 2
    assert sharded == read_all(tmp_path, "cut.warc.gz")
    assert [r.reason for r in sharded if isinstance(r, Reject)] == [RejectReason.MALFORMED]


def test_run_publishes_warc_documents_and_rejects(tmp_path: Path) -> None:
    archive = Archive(compress=True)
    archive.warcinfo()
    archive.response("https://news.example.org/footbridge", ARTICLE_HTML)
    archive.response("https://news.example.org/gone", b"", status="404 Not Found")
    (tmp_path / "raw").mkdir()
    archive.save(tmp_path / "raw", "crawl.warc.gz")
    config = RunConfig(
        input_dir=tmp_path / "raw", output_dir=tmp_path / "clean", workers=1, min_chars=100
    )

    run_local(config)

    articles = ds.dataset(config.output_dir / "articles", partitioning="hive").to_table()
    [article] = articles.to_pylist()
    assert article["url"] == "https://news.example.org/footbridge"
    assert (article["source_path"], article["source_line"]) == ("crawl.warc.gz", 2)
    assert article["host"] == "news.example.org"
    assert "Shopkeepers on Bridge Lane" in article["text"]
    [reject] = ds.dataset(config.output_dir / "rejects").to_table().to_pylist()
    assert (reject["reason"], reject["source_line"]) == ("unsupported", 3)
    assert reject["url"] == "https://news.example.org/gone"


def test_a_record_warcio_cannot_handle_ends_the_file_in_a_reject_not_an_exception(
    tmp_path: Path,
) -> None:
    # a response without WARC-Target-URI: warcio itself fails on it (AttributeError)
    body = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>hello</p></body></html>"
    )
    header = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
        b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n"
        % len(body)
    )
    (tmp_path / "odd.warc").write_bytes((header + body + b"\r\n\r\n") * 3)
    records = read_all(tmp_path, "odd.warc")
    assert [(r.reason, r.source_line) for r in records if isinstance(r, Reject)] == [
        (RejectReason.MALFORMED, 1)
    ]
    scan = scan_file(tmp_path / "odd.warc", shard_bytes=10)  # planning goes on too
    assert scan.size == (tmp_path / "odd.warc").stat().st_size


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_compressed_body_cut_short_is_malformed_not_a_partial_article(
    tmp_path: Path, compress: bool, coding: str
) -> None:
    page = ARTICLE_HTML * 20  # compresses to a few hundred bytes: the cut loses most of it
    encoded = gzip.compress(page, mtime=0) if coding == "gzip" else zlib.compress(page)
    archive = Archive(compress)
    for url, body in [
        ("https://news.example.org/cut", encoded[: len(encoded) // 2]),
        ("https://news.example.org/whole", encoded),
    ]:
        archive.response(
            url, body, headers=[("Content-Type", "text/html"), ("Content-Encoding", coding)]
        )
    cut, whole = read_all(tmp_path, archive.save(tmp_path, name_for(compress)))

    assert isinstance(cut, Reject) and cut.reason == RejectReason.MALFORMED
    assert (cut.source_line, cut.url) == (1, "https://news.example.org/cut")
    assert cut.detail.startswith("WARC response body cut short")
    assert f"its {coding} Content-Encoding stream stops" in cut.detail
    assert isinstance(whole, RawRecord) and whole.content.count("Shopkeepers") == 20


def test_a_body_that_is_not_compressed_after_all_is_read_as_it_is(
    tmp_path: Path, compress: bool
) -> None:
    # a server that says gzip and sends the page as it is: warcio reads it plainly
    archive = Archive(compress)
    archive.response(
        "https://news.example.org/footbridge",
        ARTICLE_HTML,
        headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
    )
    [record] = read_all(tmp_path, archive.save(tmp_path, name_for(compress)))
    assert isinstance(record, RawRecord) and "Shopkeepers" in record.content


@pytest.mark.parametrize("why", ["length", "time", "disconnect", "unspecified"])
def test_a_record_the_crawler_truncated_is_malformed(
    tmp_path: Path, compress: bool, why: str
) -> None:
    archive = Archive(compress)
    archive.response(
        "https://news.example.org/long", ARTICLE_HTML[:400], warc_headers={"WARC-Truncated": why}
    )
    archive.response("https://news.example.org/footbridge", ARTICLE_HTML)
    truncated, page = read_all(tmp_path, archive.save(tmp_path, name_for(compress)))

    assert isinstance(truncated, Reject) and truncated.reason == RejectReason.MALFORMED
    assert f"(WARC-Truncated: {why})" in truncated.detail
    assert (truncated.source_line, truncated.url) == (1, "https://news.example.org/long")
    assert isinstance(page, RawRecord)


def test_a_truncated_record_that_is_no_page_keeps_its_reason(tmp_path: Path) -> None:
    archive = Archive(compress=True)
    archive.response(
        "https://news.example.org/photo.jpg",
        b"\xff\xd8\xff\xe0" + bytes(200),
        headers=[("Content-Type", "image/jpeg")],
        warc_headers={"WARC-Truncated": "length"},
    )
    [photo] = read_all(tmp_path, archive.save(tmp_path, "crawl.warc.gz"))
    assert isinstance(photo, Reject) and photo.reason == RejectReason.UNSUPPORTED


def test_a_declared_utf16_charset_that_does_not_fit_falls_back(tmp_path: Path) -> None:
    archive = Archive(compress=True)
    # UTF-8 with no NUL byte, mislabelled: decoded as what it is
    archive.response(
        "https://news.example.org/a",
        ARTICLE_HTML,
        headers=[("Content-Type", "text/html; charset=utf-16")],
    )
    # NULs, but an odd number of bytes: not UTF-16, and binary
    archive.response(
        "https://news.example.org/b",
        b"\x00\x01\x02" * 101,
        headers=[("Content-Type", "text/html; charset=utf-16le")],
    )
    page, binary = read_all(tmp_path, archive.save(tmp_path, "crawl.warc.gz"))
    assert isinstance(page, RawRecord) and "Shopkeepers" in page.content
    assert isinstance(binary, Reject) and binary.reason == RejectReason.BINARY


def _gzip_members(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("page.warc", b"<!DOCTYPE html><html><body><p>A page</p></body></html>", "an HTML page"),
        ("notes.warc", b"this is not a warc file\n" * 3, "text"),
        ("page.warc.gz", _gzip_members(b"<html><body><p>A page</p></body></html>"), "an HTML"),
        ("image.warc", b"\x89PNG\r\n\x1a\n" + bytes(64), "binary data"),
    ],
    ids=["html", "text", "gzipped-html", "png"],
)
def test_a_file_that_is_not_a_warc_is_one_malformed_reject(
    tmp_path: Path, name: str, content: bytes, what: str
) -> None:
    (tmp_path / name).write_bytes(content)
    [reject] = read_all(tmp_path, name)
    assert isinstance(reject, Reject) and reject.reason == RejectReason.MALFORMED
    assert reject.detail.startswith(f"not a WARC archive: it starts with {what}")
    assert reject.source_line is None


def test_an_archive_gzipped_twice_is_not_a_warc(tmp_path: Path) -> None:
    archive = Archive(compress=True)
    for number in range(3):
        archive.response(f"https://news.example.org/{number}", ARTICLE_HTML)
    (tmp_path / "twice.warc.gz").write_bytes(gzip.compress(archive.buffer.getvalue(), mtime=0))

    [reject] = read_all(tmp_path, "twice.warc.gz")

    assert isinstance(reject, Reject) and reject.reason == RejectReason.MALFORMED
    assert reject.detail == (
        "not a WARC archive: it is gzip-compressed twice (a gzip stream inside the gzip stream)"
    )


def test_a_large_file_that_is_not_a_warc_is_one_reject_whatever_its_shards(
    tmp_path: Path,
) -> None:
    lines = b"".join(b"line %d of a log file, not an archive\n" % n for n in range(2000))
    (tmp_path / "big.warc").write_bytes(lines)

    scan = scan_file(tmp_path / "big.warc", shard_bytes=1000)  # warcio would cut it as an ARC
    [reject] = read_all(tmp_path, "big.warc")

    assert scan.shards == () and scan.size == len(lines)
    assert scan.file_hash == scan_file(tmp_path / "big.warc").file_hash
    assert isinstance(reject, Reject) and reject.reason == RejectReason.MALFORMED
    assert reject.detail.startswith("not a WARC archive: it starts with text")
    # a shard of it (planned before this check, say) reports nothing: the first one reports
    later = ByteRange(start=1000, end=len(lines), first_line=2)
    assert list(read_records(tmp_path, "big.warc", byte_range=later)) == []
    first = ByteRange(start=0, end=1000, first_line=1)
    assert list(read_records(tmp_path, "big.warc", byte_range=first)) == [reject]
