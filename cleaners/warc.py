"""Web archives (.warc, .warc.gz: Common Crawl, Heritrix, browsertrix, `wget --warc-file`) ->
RawRecord (or Reject), record by record, so memory stays bounded by one record whatever the
archive's size.

What becomes what:
- `response` records (HTTP) with status 2xx and an HTML type (text/html, application/xhtml+xml,
  or no type but a payload that looks like HTML) -> html documents; text/plain -> text documents.
  The payload is the HTTP body with chunked transfer and gzip/deflate content encoding undone.
- `resource` records (how browsertrix and wget store some pages) with those types: the same.
- Other HTTP statuses, other types (images, PDFs, scripts) -> `unsupported` rejects, so an audit
  sees what the crawl held; `revisit` records (the crawler saw the same payload again) ->
  `duplicate` rejects.
- `request`, `metadata`, `warcinfo` and `conversion` records describe a capture, they are not
  documents: skipped without a trace (they still count in the record numbers).

A document's `url` is its WARC-Target-URI, `source_id` its WARC-Record-ID (so ids are stable) and
`record_index`, which becomes `source_line`, the 1-based number of the record in the file,
counting every record. WARC-Date is when the page was crawled, not published: it is not a date.
A broken archive (truncated, bad gzip) keeps every record read before the break and ends in one
`malformed` reject for the rest. A file that does not start with a WARC record at all (an HTML
page or a text file named .warc, an archive gzipped twice) is one `malformed` reject, "not a WARC
archive: ...". A page that is only part of what was served is a `malformed` reject, never an
article: a record the crawler marked `WARC-Truncated` (it stopped at a size or time limit, or the
connection dropped), or a body whose compressed Content-Encoding stream stops short. A payload
whose HTTP charset is UTF-16 or UTF-32 (with or without a byte-order mark) is decoded with it
before the binary sniff, which would take its NUL bytes for binary data. The `max_file_mb` cap
does not apply: archives are routinely gigabytes, and each record is capped (`max_record_chars`)
instead.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import xxhash
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

from cleaners.article import RawRecord, Reject, RejectReason, record_id
from cleaners.readers import (
    ByteRange,
    FileScan,
    ReadLimits,
    decode_sanitized,
    looks_binary,
    sanitize,
)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
# Records that describe a capture (the request sent, crawler metadata, the archive's header)
# rather than hold a document.
NOT_DOCUMENTS = frozenset({"request", "metadata", "warcinfo", "conversion"})


class _TruncatedRecord(EOFError):
    """A record whose block or gzip member stops short: warcio passes those on silently."""


# A broken archive: truncated or corrupt gzip, a record header warcio cannot parse.
_BROKEN_ARCHIVE = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    EOFError,
    zlib.error,
    ValueError,
)
_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")
# How an archive's first record starts: a WARC header line, or an ARC file's version block
# (warcio reads both).
_ARCHIVE_STARTS = (b"WARC/", b"filedesc://")
_GZIP_MAGIC = b"\x1f\x8b"


def read_warc(
    path: Path,
    source_path: str,
    limits: ReadLimits | None = None,
    byte_range: ByteRange | None = None,
) -> Iterator[RawRecord | Reject]:
    """The documents of a WARC file, or of the records that start in `byte_range` (numbered from
    its `first_line`). Never raises: a broken archive ends in one `malformed` reject."""
    limits = limits or ReadLimits()
    try:
        not_warc = _not_a_warc(path)
    except OSError as exc:
        first_unread = byte_range.first_line if byte_range else 1
        yield _rest_reject(
            source_path, first_unread, f"cannot read file: {exc}", RejectReason.ERROR
        )
        return
    if not_warc is not None:
        if byte_range is None or byte_range.start == 0:  # one reject, from the first shard
            yield Reject(
                id=record_id(source_path),
                source_path=source_path,
                reason=RejectReason.MALFORMED,
                detail=f"not a WARC archive: {not_warc}",
            )
        return
    first = byte_range.first_line - 1 if byte_range else 0
    completed = first  # records fully read: a break hits record `completed + 1`
    produced = 0
    # A `gzip crawl.warc` archive is one gzip stream, not one member per record as WARC tools
    # write them; warcio refuses it after the first record, so it is read again through gzip
    # (unsharded: scan_warc finds no boundaries in it), going on after the records already read.
    whole_gzip = False
    while True:
        ordinal = first
        try:
            with gzip.open(path, "rb") if whole_gzip else path.open("rb") as stream:
                if byte_range is not None:
                    stream.seek(byte_range.start)
                # Created after the seek: warcio takes the stream's position as its first
                # offset, so the offsets it reports are positions in the file, as `scan_warc`
                # recorded them.
                archive = ArchiveIterator(stream)
                for record in archive:
                    ordinal += 1
                    if ordinal <= completed:
                        continue  # yielded before the gzip retry
                    outcome = _document(record, source_path, ordinal, limits)
                    offset = archive.get_record_offset()  # also reads the record to its end
                    if byte_range is not None and offset >= byte_range.end:
                        break  # the next shard's first record
                    if _ended_early(archive, record):
                        raise _TruncatedRecord(f"record {ordinal} ends before its Content-Length")
                    completed = ordinal
                    if outcome is not None:
                        produced += 1
                        yield outcome
        except ArchiveLoadFailed as exc:
            if not whole_gzip and byte_range is None and _starts_with_gzip(path):
                whole_gzip = True
                continue
            yield _rest_reject(source_path, completed + 1, f"broken WARC archive: {_brief(exc)}")
            return
        except _BROKEN_ARCHIVE as exc:
            yield _rest_reject(source_path, completed + 1, f"broken WARC archive: {_brief(exc)}")
            return
        except OSError as exc:
            yield _rest_reject(
                source_path, completed + 1, f"cannot read file: {exc}", RejectReason.ERROR
            )
            return
        except Exception as exc:  # warcio on a damaged record (a missing target URI...)
            yield _rest_reject(source_path, completed + 1, f"broken WARC archive: {_brief(exc)}")
            return
        break
    if byte_range is None and produced == 0:
        yield Reject(
            id=record_id(source_path),
            source_path=source_path,
            reason=RejectReason.EMPTY,
            detail=f"WARC file holds no documents ({completed} records, none a page or text)",
        )


def _starts_with_gzip(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(2) == _GZIP_MAGIC


def _not_a_warc(path: Path) -> str | None:
    """What the file starts with when that is not a WARC (or ARC) record, gzipped or not; None
    for an archive, an empty file, or a gzip stream too damaged to tell (the reader reports
    those). warcio would read such a file as a headerless ARC and find "records" with empty
    payloads in it."""
    with path.open("rb") as stream:
        head = stream.read(4096)
    compressed = head.startswith(_GZIP_MAGIC)
    if compressed:
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 1024)
        except zlib.error:
            return None
    start = head.lstrip(b" \t\r\n")
    if not start or start.startswith(_ARCHIVE_STARTS):
        return None
    if start.startswith(_GZIP_MAGIC):
        return "it is gzip-compressed twice (a gzip stream inside the gzip stream)"
    if _looks_like_html(start):
        what = "an HTML page"
    elif looks_binary(start):
        what = "binary data"
    else:
        what = "text"
    quoted = repr(start[:40])[2:-1]
    inside = " inside gzip" if compressed else ""
    return f"it starts with {what}{inside} ('{quoted}'), not a 'WARC/' record header"


def scan_warc(path: Path, shard_bytes: int) -> FileScan:
    """Hash a WARC file and cut it into shards of about `shard_bytes` at record boundaries, in
    one read of the file: warcio reads it through the hashing wrapper. A broken archive stops
    the cutting; the last shard then runs to the end of the file and its reader reports it. A
    file that is not a WARC at all is not cut."""
    digest = xxhash.xxh3_128()
    cuts, first_records = [0], [1]
    # a file that is no WARC is not cut: its reader reports it in one reject
    archive_file = _not_a_warc(path) is None
    with path.open("rb") as raw:
        stream = _HashingReader(raw, digest)
        try:
            archive = ArchiveIterator(stream)
            for ordinal, _record in enumerate(archive if archive_file else (), start=1):
                offset = archive.get_record_offset()  # reads the record to its end
                if offset >= cuts[-1] + shard_bytes:
                    cuts.append(offset)
                    first_records.append(ordinal)
        except Exception:  # a damaged archive: its reader reports it; stop cutting here
            pass
        stream.read_rest()
    size = stream.position
    shards: tuple[ByteRange, ...] = ()
    if len(cuts) > 1:
        ends = [*cuts[1:], size]
        shards = tuple(
            ByteRange(start, end, first)
            for start, end, first in zip(cuts, ends, first_records, strict=True)
        )
    return FileScan(file_hash=digest.hexdigest(), size=size, shards=shards)


class _HashingReader:
    """A read-only file wrapper that hashes every byte read through it, in order."""

    def __init__(self, raw: BinaryIO, digest: xxhash.xxh3_128) -> None:
        self._raw, self._digest, self.position = raw, digest, 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._digest.update(data)
        self.position += len(data)
        return data

    def tell(self) -> int:
        return self.position

    def read_rest(self) -> None:
        """Hash what warcio left unread (after a break), so the hash covers the whole file."""
        while self.read(1 << 20):
            pass


def _ended_early(archive: ArchiveIterator, record: ArcWarcRecord) -> bool:
    """Whether `record`, read to its end, stopped short: its block has bytes left to read (the
    file ended), or its gzip member never reached its end (a cut or corrupt stream, which warcio
    only logs). Needs the record read to its end (`get_record_offset` does it)."""
    block = record.raw_stream
    if isinstance(block, LimitReader) and block.limit > 0:
        return True
    decompressor = archive.reader.decompressor if archive.reader else None
    return decompressor is not None and not decompressor.eof


def _document(
    record: ArcWarcRecord, source_path: str, ordinal: int, limits: ReadLimits
) -> RawRecord | Reject | None:
    """One WARC record as a document, a reject, or None for records that are no documents."""
    record_type = record.rec_type
    if record_type in NOT_DOCUMENTS:
        return None
    headers = record.rec_headers
    warc_id = headers.get_header("WARC-Record-ID")
    url = headers.get_header("WARC-Target-URI")

    def reject(reason: RejectReason, detail: str) -> Reject:
        key = f"id={warc_id}" if warc_id else ordinal
        return Reject(
            id=record_id(source_path, key),
            source_path=source_path,
            source_line=ordinal,
            reason=reason,
            detail=detail,
            url=url,
        )

    if record_type == "revisit":
        original = headers.get_header("WARC-Refers-To-Target-URI") or url
        when = headers.get_header("WARC-Refers-To-Date")
        detail = f"WARC revisit: same payload as the capture of {original}"
        return reject(RejectReason.DUPLICATE, detail + (f" on {when}" if when else ""))
    if record_type not in ("response", "resource"):
        return reject(RejectReason.UNSUPPORTED, f"WARC {record_type} record")
    http = record.http_headers if record_type == "response" else None
    if http is not None:
        status = http.get_statuscode()
        if not status.startswith("2"):
            location = http.get_header("Location")
            if status.startswith("3") and location:
                return reject(
                    RejectReason.UNSUPPORTED, f"WARC response: HTTP {status} redirect to {location}"
                )
            return reject(RejectReason.UNSUPPORTED, f"WARC response: HTTP {status}")
        content_type = http.get_header("Content-Type")
    else:
        content_type = headers.get_header("Content-Type")
    mime, charset = parse_content_type(content_type)
    if mime is not None and mime not in HTML_TYPES | TEXT_TYPES:
        return reject(RejectReason.UNSUPPORTED, f"WARC {record_type} of type {mime}")

    truncated = headers.get_header("WARC-Truncated")
    if truncated is not None:  # the crawler kept only the start of the page
        return reject(
            RejectReason.MALFORMED,
            f"WARC {record_type} truncated by the crawler (WARC-Truncated: {truncated.strip()}):"
            " the payload is only part of the page",
        )

    cap = limits.max_record_chars * 4 + 1  # bytes: a UTF-8 character takes at most 4
    stream = record.content_stream()
    data = _read_at_most(stream, cap + 1)
    if len(data) > cap:
        return reject(RejectReason.TOO_LARGE, f"payload over the {cap:,}-byte limit")
    if (coding := _unfinished_coding(stream)) is not None:
        return reject(
            RejectReason.MALFORMED,
            f"WARC {record_type} body cut short: its {coding} Content-Encoding stream stops"
            " before the end of the compressed data (truncated or corrupt)",
        )
    if not data.strip():
        return reject(RejectReason.EMPTY, f"WARC {record_type} with an empty payload")
    # UTF-16/32 text is half NUL bytes (ASCII in UTF-16): decoded with its declared charset
    # before the binary sniff would call it binary. Without NULs the usual path decodes it too.
    wide = _decode_wide(data, charset) if charset and b"\x00" in data[:8192] else None
    if wide is None and looks_binary(data):
        return reject(RejectReason.BINARY, f"WARC {record_type} payload is binary, not text")
    if mime is None:
        if not _looks_like_html(data):
            return reject(
                RejectReason.UNSUPPORTED, f"WARC {record_type} without a Content-Type, not HTML"
            )
        mime = "text/html"
    is_html = mime in HTML_TYPES
    if wide is not None:
        text = sanitize(wide)
    else:
        decoded, encoding = decode_sanitized(data, is_html=is_html, declared=charset)
        if decoded is None:
            return reject(RejectReason.UNDECODABLE, encoding)
        text = decoded
    if not text.strip():
        return reject(RejectReason.EMPTY, "no text left after removing control characters")
    if len(text) > limits.max_record_chars:
        return reject(
            RejectReason.TOO_LARGE,
            f"{len(text):,} characters, over the {limits.max_record_chars:,} limit",
        )
    return RawRecord(
        source_path=source_path,
        record_index=ordinal,
        kind="html" if is_html else "text",
        content=text,
        source_id=warc_id,
        url=url,
    )


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header, lower-cased; (None, None) when absent or
    not of the form type/subtype."""
    if not value:
        return None, None
    media_type, *parameters = value.split(";")
    mime = media_type.strip().lower()
    if mime.count("/") != 1:
        return None, None
    charset = None
    for parameter in parameters:
        name, _, parameter_value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = parameter_value.strip().strip("\"'").lower() or None
    return mime, charset


# WHATWG Encoding labels of UTF-16 that Python's codecs do not know
_UTF16_LABELS = {
    "unicode": "utf-16-le", "ucs-2": "utf-16-le", "csunicode": "utf-16-le",
    "iso-10646-ucs-2": "utf-16-le", "unicodefeff": "utf-16-le", "unicodefffe": "utf-16-be",
}  # fmt: skip
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _decode_wide(data: bytes, charset: str) -> str | None:
    """`data` decoded with `charset` when that is UTF-16 or UTF-32 and decodes it, else None.
    Without a byte-order mark, plain `utf-16`/`utf-32` mean little-endian (as browsers read
    `utf-16`), whatever the machine's order."""
    label = charset.strip().strip("\"'").lower()
    try:
        name = _UTF16_LABELS.get(label) or codecs.lookup(label).name
    except LookupError:
        return None
    if name == "utf-16" and not data.startswith(_UTF16_BOMS):
        name = "utf-16-le"
    elif name == "utf-32" and not data.startswith(_UTF32_BOMS):
        name = "utf-32-le"
    elif not name.startswith(("utf-16", "utf-32")):
        return None
    try:
        return data.decode(name).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None


def _unfinished_coding(stream: object) -> str | None:
    """The Content-Encoding (gzip, deflate; br with brotli installed) of a body, read to its end,
    whose compressed stream never reached its end: the body was cut short (or is corrupt past
    its start, which warcio only logs). None when the body is not compressed or is complete.
    warcio takes a body that does not decompress from its first byte for an uncompressed one:
    no decompressor is left then, and nothing is reported."""
    decompressor = getattr(stream, "decompressor", None)
    if decompressor is None:
        return None
    finished = getattr(decompressor, "eof", None)  # zlib (gzip, deflate)
    if finished is None and callable(getattr(decompressor, "is_finished", None)):
        finished = decompressor.is_finished()  # brotli
    if finished is None or finished:
        return None
    return str(getattr(stream, "decomp_type", None) or "compressed")


def _looks_like_html(data: bytes) -> bool:
    """Browsers' sniffing rule (WHATWG MIME Sniffing): after a BOM and whitespace, the payload
    opens with one of the tags HTML documents start with."""
    head = data[:512].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    return head.startswith(_HTML_SNIFF)


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to `limit` bytes: warcio's readers may return less than asked before the end."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _rest_reject(
    source_path: str, first_unread: int, detail: str, reason: RejectReason = RejectReason.MALFORMED
) -> Reject:
    return Reject(
        id=record_id(source_path, f"rest@{first_unread}"),
        source_path=source_path,
        source_line=first_unread,
        reason=reason,
        detail=f"{detail}; records from number {first_unread} on were not read",
    )


def _brief(exc: Exception) -> str:
    """The first line of an exception's message (warcio's run to a page of advice)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]
