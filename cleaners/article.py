"""The records that flow through the pipeline and the one explicit Parquet schema for each output.

RawRecord  -- one input document as read from disk (HTML or plain text), before any cleaning.
Removal    -- one piece of boilerplate a cleaner removed, with the rule that removed it.
Article    -- one cleaned document, a row of the `articles` dataset.
Reject     -- one input record that did not become an article, with the reason, a row of `rejects`.

Schemas are written out field by field and never inferred, so every part file of a dataset has
the same types whatever the batch happened to contain. `host_of` and `parse_date` derive the
`host` and `date` fields, whichever reader or extractor supplied the URL or date string.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

import pyarrow as pa
import xxhash

PIPELINE_VERSION = "0.1.0"

InputKind = Literal["html", "text"]


def record_id(source_path: str, record_key: str | int = 0) -> str:
    """Stable 128-bit id of an input record, from where it came from: the path relative to the
    input folder and, inside a JSONL or WARC file, the record's own id if it has one, else its
    line (record number)."""
    return xxhash.xxh3_128_hexdigest(f"{source_path}\x00{record_key}".encode())


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One input document. `source_path` is relative to the input folder (POSIX separators);
    `record_index` is the 1-based line number inside a JSONL file, the 1-based record number inside
    a WARC file, and 0 for single-document files.
    `content` is sanitised text (`cleaners.readers.sanitize`: no control characters), which the
    pipeline hands the HTML parser without scanning it again. `text_alternative`: a JSONL
    record's sanitised `text` when its `html` is the content, cleaned instead when that HTML
    gives no article."""

    source_path: str
    record_index: int
    kind: InputKind
    content: str
    source_id: str | None = None
    url: str | None = None
    title: str | None = None
    author: str | None = None
    date: str | None = None
    text_alternative: str | None = None

    @property
    def id(self) -> str:
        if self.source_id:
            return record_id(self.source_path, f"id={self.source_id}")
        return record_id(self.source_path, self.record_index)

    @property
    def source_line(self) -> int | None:
        return self.record_index or None


@dataclass(frozen=True, slots=True)
class Removal:
    """One removed piece of a document. `rule` is `<concept>.<name>` (e.g. `share_bar.services`,
    `tweet.attribution`, `html.prune.author_box`); `line` is the 0-based index of the first removed
    line in the text the cleaner was given (None for DOM removals); `text` is what was removed.

    A text removal covers consecutive input lines: `text == "\n".join(lines[line : line + k])`,
    blank lines inside the block included, so `explain` and audits can map it back exactly."""

    rule: str
    text: str
    line: int | None = None

    @property
    def chars(self) -> int:
        return len(self.text)


class RejectReason(StrEnum):
    """Why an input record is not in the articles dataset. Values are stable: users filter on them."""

    EMPTY = "empty"  # nothing but whitespace in the input
    BINARY = "binary"  # the bytes are not text
    UNDECODABLE = "undecodable"  # text we could not decode even leniently
    MALFORMED = "malformed"  # broken container: bad JSON line, truncated gzip, unparsable HTML
    UNSUPPORTED = "unsupported"  # a file type we do not read
    TOO_LARGE = "too_large"  # over the configured size cap (also gzip bombs)
    TIMEOUT = "timeout"  # extraction ran past the configured time limit
    NO_CONTENT = "no_content"  # extraction and cleaning left no article text
    TOO_SHORT = "too_short"  # cleaned text shorter than the configured minimum
    DUPLICATE = "duplicate"  # same normalised text as a kept article
    NEAR_DUPLICATE = "near_duplicate"  # near-identical text to a kept article (MinHash)
    ERROR = "error"  # an unexpected failure, with the exception in `detail`


@dataclass(slots=True)
class Article:
    id: str
    source_path: str
    source_line: int | None
    source_id: str | None
    url: str | None
    host: str | None
    title: str | None
    author: str | None
    date: dt.date | None
    language: str
    language_score: float | None
    language_html: str | None
    text: str
    removed: list[Removal] = field(default_factory=list)
    content_hash: str = ""
    extractor: str = "text"
    sitename: str | None = None
    description: str | None = None
    pipeline_version: str = PIPELINE_VERSION

    @property
    def n_chars(self) -> int:
        return len(self.text)

    @property
    def n_words(self) -> int:
        return len(self.text.split())

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source_path": self.source_path,
            "source_line": self.source_line,
            "source_id": self.source_id,
            "url": self.url,
            "host": self.host,
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "language": self.language,
            "language_score": self.language_score,
            "language_html": self.language_html,
            "sitename": self.sitename,
            "description": self.description,
            "text": self.text,
            "n_chars": self.n_chars,
            "n_words": self.n_words,
            "removed": [{"rule": r.rule, "text": r.text, "line": r.line} for r in self.removed],
            "extractor": self.extractor,
            "content_hash": self.content_hash,
            "pipeline_version": self.pipeline_version,
        }


@dataclass(slots=True)
class Reject:
    id: str
    source_path: str
    reason: RejectReason
    detail: str
    source_line: int | None = None
    text: str | None = None
    duplicate_of: str | None = None
    url: str | None = None
    pipeline_version: str = PIPELINE_VERSION

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source_path": self.source_path,
            "source_line": self.source_line,
            "reason": str(self.reason),
            "detail": self.detail,
            "duplicate_of": self.duplicate_of,
            "url": self.url,
            "text": self.text,
            "pipeline_version": self.pipeline_version,
        }


REMOVAL_TYPE = pa.struct(
    [
        pa.field("rule", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("line", pa.int32()),
    ]
)

# `language` is the hive partition key: it lives in the folder name (language=xx), not in the
# files, which is what pyarrow, DuckDB, polars and Spark expect of a hive-partitioned dataset.
ARTICLE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("source_line", pa.int32()),  # JSONL line / WARC record number; null for files
        pa.field("source_id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("host", pa.string()),
        pa.field("title", pa.string()),
        pa.field("author", pa.string()),
        pa.field("date", pa.date32()),
        pa.field("language", pa.string(), nullable=False),
        pa.field("language_score", pa.float32()),
        pa.field("language_html", pa.string()),
        pa.field("sitename", pa.string()),
        pa.field("description", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("n_chars", pa.int32(), nullable=False),
        pa.field("n_words", pa.int32(), nullable=False),
        pa.field("removed", pa.list_(REMOVAL_TYPE), nullable=False),
        pa.field("extractor", pa.string(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
    ]
)
ARTICLE_FILE_SCHEMA = ARTICLE_SCHEMA.remove(ARTICLE_SCHEMA.get_field_index("language"))

REJECT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("source_line", pa.int32()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("duplicate_of", pa.string()),
        pa.field("url", pa.string()),
        pa.field("text", pa.string()),
        pa.field("pipeline_version", pa.string(), nullable=False),
    ]
)


def articles_to_table(articles: list[Article]) -> pa.Table:
    return pa.Table.from_pylist([a.to_row() for a in articles], schema=ARTICLE_SCHEMA)


def rejects_to_table(rejects: list[Reject]) -> pa.Table:
    return pa.Table.from_pylist([r.to_row() for r in rejects], schema=REJECT_SCHEMA)


def host_of(url: str | None) -> str | None:
    """The lower-cased host name of a URL (`www.` kept: it is part of the name); a bare
    `example.com/path` counts as a URL. None when there is none."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    return host.lower() if host else None


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(value: str | dt.date | None) -> dt.date | None:
    """A date from an ISO-like string (`2025-03-07`, `2025-03-07T10:00:00Z`); None if unparsable."""
    if value is None or isinstance(value, dt.date):
        return value
    match = _ISO_DATE.search(value)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
