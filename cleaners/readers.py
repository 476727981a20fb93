"""Files on disk -> RawRecord (or Reject). Never raises for bad input: every problem becomes a
Reject with a reason, so one bad file or JSONL line never loses its neighbours.

Supported: .html/.htm pages, .txt scraped plain text, .jsonl dumps (`text` or `html`, optional
`id`, `url`, `title`, `author`, `date`), each optionally gzip-compressed (`.gz`), and web
archives (.warc, .warc.gz), which `cleaners.warc` reads.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import xxhash

from cleaners.article import RawRecord, Reject, RejectReason, record_id

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
TEXT_SUFFIXES = frozenset({".txt"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
WARC_SUFFIXES = frozenset({".warc"})
UTF8_BOM = codecs.BOM_UTF8
SUPPORTED_SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES | JSONL_SUFFIXES | WARC_SUFFIXES

# C0 controls (but tab/newline/carriage return) and DEL: they crash lxml-based tools.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ... and the noncharacters U+FFFE/U+FFFF, which XML parsers reject: what `sanitize` removes, so
# that the text of every record is safe to parse (cleaners.html relies on it)
UNSAFE_CHARS = re.compile(CONTROL_CHARS.pattern.removesuffix("]") + "\ufffe\uffff]")
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])  # what CONTROL_CHARS matches
_NONCHARACTERS_UTF8 = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF
_BINARY_CONTROLS = bytes([*range(0, 9), *range(14, 32)])  # C0 controls other than \t\n\v\f\r
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:]{2,40})""", re.I
)
_BINARY_MAGIC = (
    b"\x89PNG",
    b"%PDF",
    b"PK\x03\x04",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x7fELF",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"RIFF",
    b"OggS",
    b"ID3",
)


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Caps that keep one hostile file from exhausting memory (gzip bombs, giant dumps)."""

    max_file_bytes: int = 256 * 1024 * 1024  # decompressed size of one file
    max_record_chars: int = 5_000_000  # one document's text/HTML


def source_kind(path: str | PurePosixPath) -> str | None:
    """`html`, `text`, `jsonl`, `warc`, or None for an unsupported file; looks through one
    `.gz`."""
    suffixes = [s.lower() for s in PurePosixPath(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    last = suffixes[-1]
    if last in HTML_SUFFIXES:
        return "html"
    if last in TEXT_SUFFIXES:
        return "text"
    if last in JSONL_SUFFIXES:
        return "jsonl"
    if last in WARC_SUFFIXES:
        return "warc"
    return None


def discover(root: Path, unreadable: list[str] | None = None) -> list[str]:
    """Every regular file under `root`, as sorted POSIX paths relative to it. Hidden files and
    folders (`.gitkeep`, `.DS_Store`, `.git/`) are skipped; unsupported types are *not*: the
    reader turns them into `unsupported` rejects so the user sees them. A path that is not
    UTF-8 cannot be a `source_path` (Parquet strings are UTF-8): it is left out and, escaped
    (`printable_path`), appended to `unreadable`."""
    found: list[str] = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file():
            posix = rel.as_posix()
            if posix.isascii() or _is_utf8(posix):
                found.append(posix)
            elif unreadable is not None:
                unreadable.append(printable_path(posix))
    if unreadable:
        unreadable.sort()
    return sorted(found)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, surrogate-escaped by the file system codec
        return False
    return True


def printable_path(name: str) -> str:
    """A file name whose bytes are not UTF-8, with those bytes as \\xNN escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class _TooLarge(Exception):
    pass


def _read_bytes(path: Path, limits: ReadLimits) -> bytes:
    """The file's bytes, gunzipped when it ends in .gz, never more than `max_file_bytes`."""
    cap = limits.max_file_bytes
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rb") as stream:
            data = stream.read(cap + 1)
    else:
        with path.open("rb") as stream:
            data = stream.read(cap + 1)
    if len(data) > cap:
        raise _TooLarge(f"over the {cap:,}-byte limit (decompressed)")
    return data


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False  # a BOM: UTF-16/UTF-8 text, decoded below
    if head.startswith(_BINARY_MAGIC):
        return True
    if not head:
        return False
    # Text has almost no NULs or other C0 controls; binary formats are full of them, and so is
    # UTF-16 text without a byte-order mark (every other byte NUL), told apart only then.
    controls = len(head) - len(head.translate(None, _BINARY_CONTROLS))
    return controls / len(head) > 0.10 and _utf16_without_bom(head) is None


def _utf16_without_bom(head: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when `head` reads as UTF-16 text without a byte-order mark:
    mostly Latin-script text, every other byte NUL and the others hardly ever (binary data has
    NULs everywhere). None otherwise."""
    pairs = len(head) // 2
    if pairs < 8:
        return None
    low, high = head[0 : 2 * pairs : 2], head[1 : 2 * pairs : 2]  # for little-endian
    if high.count(0) >= 0.4 * pairs and low.count(0) <= 0.02 * pairs:
        order = "utf-16-le"
    elif low.count(0) >= 0.4 * pairs and high.count(0) <= 0.02 * pairs:
        order = "utf-16-be"
    else:
        return None
    # and decoded, text: hardly any control characters (binary data with NULs every other byte)
    sample = head[: 2 * pairs].decode(order, "replace")
    return order if len(CONTROL_CHARS.findall(sample)) <= 0.02 * pairs else None


def decode_text(
    data: bytes, *, is_html: bool = False, declared: str | None = None
) -> tuple[str | None, str]:
    """Decode bytes of unknown encoding. Returns (text, encoding) or (None, why).

    Order: BOM, strict UTF-8, `declared` (a charset the transport named, e.g. an HTTP header's),
    the page's declared charset (HTML), charset detection. Mojibake (UTF-8 read as cp1252
    somewhere upstream) is repaired with ftfy when it is installed."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _fix_mojibake(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            return None, "invalid UTF-16 after a byte-order mark"
    elif (wide := _utf16_without_bom(data[:8192])) is not None:
        try:  # before UTF-8, which accepts the NUL bytes of UTF-16 ASCII text
            return _fix_mojibake(data.decode(wide)), wide
        except UnicodeDecodeError:
            pass
    try:
        return _fix_mojibake(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        decoded = _decode_declared(data, declared)
        if decoded is not None:
            return decoded
    if is_html:
        match = _META_CHARSET.search(data[:4096])
        if match:
            declared = match.group(1).decode("ascii", "replace").lower()
            try:
                return data.decode(declared), declared
            except (LookupError, UnicodeDecodeError):
                pass
    import charset_normalizer  # trafilatura's own dependency; imported late (slow import)

    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (LookupError, UnicodeDecodeError):
            pass
    # Last resort: cp1252 with replacements, accepted only if the damage is small.
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") <= max(3, len(text) // 1000):
        return text, "cp1252"
    return None, "no encoding decodes these bytes (not UTF-8, cp1252 or a detectable charset)"


def _fix_mojibake(text: str) -> str:
    try:
        import ftfy
    except ImportError:  # optional: without it, mojibake passes through unchanged
        return text
    # Only the encoding repair: ftfy's other fixes (quotes, HTML entities) would alter real text.
    suspect = "Ã" in text or "Â" in text or "â" in text  # fast scans before the regex
    return ftfy.fix_encoding(text) if suspect and _MOJIBAKE_HINT.search(text) else text


# Sequences that UTF-8 text read as cp1252/latin-1 produces (Ã©, â€™, Â ...).
_MOJIBAKE_HINT = re.compile(
    "[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc]"
)


def _decode_declared(data: bytes, declared: str) -> tuple[str, str] | None:
    """`data` decoded with a declared charset, or None when the label is unknown or wrong.
    Like browsers (WHATWG Encoding), latin-1 and ASCII labels mean windows-1252: servers say
    iso-8859-1 for pages full of cp1252 curly quotes."""
    try:
        name = codecs.lookup(declared.strip().strip("\"'")).name
    except LookupError:
        return None
    for encoding in ("cp1252", name) if name in ("iso8859-1", "latin-1", "ascii") else (name,):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def sanitize(text: str) -> str:
    """Normalise newlines and drop what `UNSAFE_CHARS` matches (NUL, other controls, U+FFFE/F)."""
    raw = text.encode("utf-8", "surrogatepass")
    kept = _sanitize_utf8(raw)
    return text if kept is raw else kept.decode("utf-8", "surrogatepass")


def _sanitize_utf8(data: bytes) -> bytes:
    """`sanitize` on UTF-8 bytes (`data` itself when nothing changes). Exact on bytes: control
    characters are ASCII bytes, and the noncharacters' 3-byte sequences start with a lead byte;
    UTF-8 never has either inside another character. ~5x faster than a regex on the str."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:  # lone carriage returns (old Mac files): rare, spare the copy
            data = data.replace(b"\r", b"\n")
    kept = data.translate(None, _CONTROL_BYTES)
    if len(kept) != len(data):
        data = kept
    if b"\xef\xbf" in data:
        for sequence in _NONCHARACTERS_UTF8:
            data = data.replace(sequence, b"")
    return data


def decode_sanitized(
    data: bytes, *, is_html: bool = False, declared: str | None = None
) -> tuple[str | None, str]:
    """`decode_text` followed by `sanitize`. UTF-8 input, the usual case, is sanitised as bytes
    before its one decoding (a str round trip costs ~0.6 ms per 180 KB page)."""
    utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not utf8.startswith((b"\xff\xfe", b"\xfe\xff")) and (
        b"\x00" not in utf8[:8192] or _utf16_without_bom(utf8[:8192]) is None
    ):
        try:
            clean = _sanitize_utf8(utf8).decode("utf-8")
            repaired = _fix_mojibake(clean)
            # ftfy can turn mojibake of a noncharacter back into one: clean its output again
            return (repaired if repaired is clean else sanitize(repaired)), "utf-8"
        except UnicodeDecodeError:
            pass
    text, encoding = decode_text(data, is_html=is_html, declared=declared)
    return (None if text is None else sanitize(text)), encoding


@dataclass(frozen=True, slots=True)
class ByteRange:
    """A shard of a large uncompressed JSONL file: the lines that start in [start, end), or of
    a large WARC file: the records that start in [start, end) (offsets in the file as stored).
    `first_line` is the 1-based number of the line (WARC: the record) at `start`."""

    start: int
    end: int
    first_line: int


@dataclass(frozen=True, slots=True)
class FileScan:
    file_hash: str  # xxh3-128 of the file's bytes as stored (compressed or not)
    size: int
    shards: tuple[ByteRange, ...]  # empty: read the file whole


def scan_file(
    path: Path, shard_bytes: int | None = None, known_hash: str | None = None
) -> FileScan:
    """Hash a file in one streaming pass and, for an uncompressed JSONL file larger than
    `shard_bytes`, cut it into line-aligned byte ranges so big dumps become several batches
    (WARC files: record-aligned ranges, `cleaners.warc.scan_warc`). `known_hash`: the hash an
    earlier run recorded; a WARC file that still has it is only hashed, not parsed (its shards
    are not needed, and parsing a crawl's archives on every run would cost minutes)."""
    if shard_bytes and source_kind(path.name) == "warc" and path.stat().st_size > shard_bytes:
        from cleaners import warc  # late: warc imports this module

        if known_hash is not None:
            unsharded = scan_file(path)
            if unsharded.file_hash == known_hash:
                return unsharded
        return warc.scan_warc(path, shard_bytes)
    digest = xxhash.xxh3_128()
    shardable = (
        bool(shard_bytes) and source_kind(path.name) == "jsonl" and path.suffix.lower() != ".gz"
    )
    cuts, first_lines = [0], [1]
    next_cut = shard_bytes if shardable else None
    offset = newlines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            while next_cut is not None and next_cut < offset + len(chunk):
                newline = chunk.find(b"\n", max(next_cut - offset, 0))
                if newline < 0:
                    break  # the cut falls after this chunk's last newline: look in the next one
                cut = offset + newline + 1
                cuts.append(cut)
                first_lines.append(newlines + chunk.count(b"\n", 0, newline + 1) + 1)
                next_cut = cut + (shard_bytes or 0)
            newlines += chunk.count(b"\n")
            offset += len(chunk)
    while len(cuts) > 1 and cuts[-1] >= offset:  # a cut at the very end leaves an empty shard
        cuts.pop()
        first_lines.pop()
    shards: tuple[ByteRange, ...] = ()
    if len(cuts) > 1:
        ends = [*cuts[1:], offset]
        shards = tuple(
            ByteRange(a, b, line) for a, b, line in zip(cuts, ends, first_lines, strict=True)
        )
    return FileScan(file_hash=digest.hexdigest(), size=offset, shards=shards)


def read_records(
    root: Path,
    source_path: str,
    limits: ReadLimits | None = None,
    byte_range: ByteRange | None = None,
) -> Iterator[RawRecord | Reject]:
    """All records of one input file (or of one shard of a JSONL file): RawRecords for the good
    ones, Rejects for the rest."""
    limits = limits or ReadLimits()
    kind = source_kind(source_path)

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(
            id=record_id(source_path), source_path=source_path, reason=reason, detail=detail
        )

    if kind is None:
        suffix = "".join(PurePosixPath(source_path).suffixes) or "(no extension)"
        yield reject(
            RejectReason.UNSUPPORTED,
            f"unsupported file type {suffix}; expected .html, .htm, .txt, .jsonl, .warc"
            " (optionally .gz)",
        )
        return
    if kind == "jsonl":
        yield from _read_jsonl(root / source_path, source_path, limits, byte_range)
        return
    if kind == "warc":
        from cleaners import warc  # late: warc imports this module (and warcio is only needed here)

        yield from warc.read_warc(root / source_path, source_path, limits, byte_range)
        return
    try:
        data = _read_bytes(root / source_path, limits)
    except _TooLarge as exc:
        yield reject(RejectReason.TOO_LARGE, str(exc))
        return
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield reject(RejectReason.MALFORMED, f"broken gzip stream: {exc}")
        return
    except OSError as exc:
        yield reject(RejectReason.ERROR, f"cannot read file: {exc}")
        return

    if not data.strip():
        yield reject(RejectReason.EMPTY, "file is empty or whitespace only")
        return
    if looks_binary(data):
        yield reject(RejectReason.BINARY, "file content is binary, not text")
        return
    text, encoding = decode_sanitized(data, is_html=kind == "html")
    if text is None:
        yield reject(RejectReason.UNDECODABLE, encoding)
        return
    if not text.strip():
        yield reject(RejectReason.EMPTY, "no text left after removing control characters")
        return
    if len(text) > limits.max_record_chars:
        yield reject(
            RejectReason.TOO_LARGE,
            f"{len(text):,} characters, over the {limits.max_record_chars:,} limit",
        )
        return
    yield RawRecord(
        source_path=source_path,
        record_index=0,
        kind="html" if kind == "html" else "text",
        content=text,
    )


def _read_jsonl(
    path: Path, source_path: str, limits: ReadLimits, byte_range: ByteRange | None
) -> Iterator[RawRecord | Reject]:
    """Stream a JSONL file (or one shard of it) line by line: memory stays bounded by one line,
    a broken line costs only itself, and a broken gzip stream costs only what follows it."""
    file_reject = Reject(
        id=record_id(source_path), source_path=source_path, reason=RejectReason.EMPTY, detail=""
    )
    line_number = byte_range.first_line - 1 if byte_range else 0
    records = 0
    read_bytes = 0
    try:
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        with opener(path, "rb") as stream:
            if byte_range is not None:
                stream.seek(byte_range.start)
            # Binary iteration splits on b"\n" only: str.splitlines() would also split on
            # U+2028 inside JSON strings.
            # A line is read up to the bytes the size cap has left, never whole: one huge line
            # (a gzip bomb) must not fill memory before the cap sees it.
            while raw_line := stream.readline(limits.max_file_bytes - read_bytes + 1):
                line_number += 1
                read_bytes += len(raw_line)
                if line_number == 1 and raw_line.startswith(UTF8_BOM):
                    raw_line = raw_line[len(UTF8_BOM) :]
                if read_bytes > limits.max_file_bytes:
                    file_reject.reason = RejectReason.TOO_LARGE
                    file_reject.detail = (
                        f"over the {limits.max_file_bytes:,}-byte limit (decompressed) at line "
                        f"{line_number}; the rest of the file was not read"
                    )
                    file_reject.id = record_id(source_path, f"rest@{line_number}")
                    file_reject.source_line = line_number
                    yield file_reject
                    return
                if raw_line.strip():
                    records += 1
                    yield _read_jsonl_line(
                        source_path, line_number, raw_line.rstrip(b"\r\n"), limits
                    )
                if byte_range is not None and stream.tell() >= byte_range.end:
                    break
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        file_reject.reason = RejectReason.MALFORMED
        file_reject.detail = (
            f"broken gzip stream after line {line_number}: {exc}; the rest was not read"
        )
        file_reject.id = record_id(source_path, f"rest@{line_number}")
        file_reject.source_line = line_number + 1 if records else None
        yield file_reject
        return
    except OSError as exc:
        file_reject.reason, file_reject.detail = RejectReason.ERROR, f"cannot read file: {exc}"
        yield file_reject
        return
    if records == 0 and (byte_range is None or byte_range.start == 0):
        file_reject.detail = "JSONL file holds no records"
        yield file_reject


def _not_text(obj: dict[str, object], key: str) -> bool:
    value = obj.get(key)
    return value is not None and not isinstance(value, str | int | float)


def _without_lone_surrogates(value: str) -> str:
    """JSON may escape half a surrogate pair ("\\ud800"), which no UTF-8 writer accepts: each
    becomes U+FFFD. Whole pairs were already joined by the JSON decoder."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def _read_jsonl_line(
    source_path: str, line_number: int, raw_line: bytes, limits: ReadLimits
) -> RawRecord | Reject:
    def reject(reason: RejectReason, detail: str, rid: str | None = None) -> Reject:
        return Reject(
            id=rid or record_id(source_path, line_number),
            source_path=source_path,
            source_line=line_number,
            reason=reason,
            detail=detail,
        )

    try:
        decoded = raw_line.decode("utf-8")
    except UnicodeDecodeError:
        text, _ = decode_text(raw_line)
        if text is None:
            return reject(RejectReason.UNDECODABLE, "JSONL line is not valid UTF-8")
        decoded = text
    try:
        obj = json.loads(decoded)
    except (ValueError, RecursionError) as exc:  # ValueError: also integers over 4,300 digits
        return reject(RejectReason.MALFORMED, f"invalid JSON: {exc}"[:300])
    if not isinstance(obj, dict):
        return reject(
            RejectReason.MALFORMED, f"JSONL line is a {type(obj).__name__}, not an object"
        )
    source_id = _str_field(obj, "id")
    rid = record_id(source_path, f"id={source_id}") if source_id else None
    html, text = _str_field(obj, "html"), _str_field(obj, "text")
    content, kind = (html, "html") if html and html.strip() else (text, "text")
    if not content or not content.strip():
        wrong = [
            f"'{k}' is a {type(obj[k]).__name__}" for k in ("html", "text") if _not_text(obj, k)
        ]
        detail = "; ".join(wrong) or "record has neither a non-empty 'text' nor 'html' field"
        return reject(RejectReason.NO_CONTENT, detail, rid)
    content = sanitize(content)
    alternative = sanitize(text) if kind == "html" and text and text.strip() else None
    if alternative is not None and len(alternative) > limits.max_record_chars:
        alternative = None
    if len(content) > limits.max_record_chars:
        detail = f"{len(content):,} characters, over the {limits.max_record_chars:,} limit"
        return reject(RejectReason.TOO_LARGE, detail, rid)
    return RawRecord(
        source_path=source_path,
        record_index=line_number,
        kind="html" if kind == "html" else "text",
        content=content,
        source_id=source_id,
        url=_str_field(obj, "url"),
        title=_str_field(obj, "title"),
        author=_str_field(obj, "author"),
        date=_str_field(obj, "date"),
        text_alternative=alternative,
    )


def _str_field(obj: dict[str, object], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.isascii() else _without_lone_surrogates(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and key == "author":
        return _without_lone_surrogates(", ".join(str(v) for v in value if v))
    return None
