"""The per-batch pipeline: files -> records -> extracted, cleaned, language-tagged, fingerprinted
candidate articles, plus rejects. A pure function of (files, config): the same batch always gives
the same rows, which is what makes retries and resumption safe.

Cross-document work (deduplication, publishing) happens once per run in `cleaners.publish`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa

from cleaners import dedup, language
from cleaners.article import (
    ARTICLE_SCHEMA,
    REJECT_SCHEMA,
    Article,
    RawRecord,
    Reject,
    RejectReason,
    host_of,
    parse_date,
)
from cleaners.config import RunConfig
from cleaners.readers import ByteRange, ReadLimits, read_records
from cleaners.site_templates import template_keys
from cleaners.text import clean_text

# Candidates carry their MinHash signature to the run-wide dedup step and the keys of their
# lines to the run-wide site-template count (computed here, in the parallel workers, so that
# publishing only adds counts); both are dropped on publish.
SIGNATURE_FIELD = pa.field("minhash", pa.list_(pa.uint32()), nullable=False)
TEMPLATE_KEYS_FIELD = pa.field("template_keys", pa.list_(pa.string()), nullable=False)
CANDIDATE_SCHEMA = ARTICLE_SCHEMA.append(SIGNATURE_FIELD).append(TEMPLATE_KEYS_FIELD)


@dataclass(slots=True)
class BatchStats:
    """Counts for the run summary and the Prefect artifacts; merged across batches by `+`."""

    records: int = 0
    articles: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    rule_docs: Counter[str] = field(default_factory=Counter)
    rule_chars: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def __add__(self, other: BatchStats) -> BatchStats:
        return BatchStats(
            records=self.records + other.records,
            articles=self.articles + other.articles,
            rejects=self.rejects + other.rejects,
            languages=self.languages + other.languages,
            rule_docs=self.rule_docs + other.rule_docs,
            rule_chars=self.rule_chars + other.rule_chars,
            seconds=self.seconds + other.seconds,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "records": self.records,
            "articles": self.articles,
            "rejects": dict(sorted(self.rejects.items())),
            "languages": dict(sorted(self.languages.items())),
            "rule_docs": dict(sorted(self.rule_docs.items())),
            "rule_chars": dict(sorted(self.rule_chars.items())),
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> BatchStats:
        def counter(key: str) -> Counter[str]:
            value = data.get(key) or {}
            assert isinstance(value, dict)
            return Counter({str(k): int(v) for k, v in value.items()})

        return cls(
            records=int(data.get("records", 0)),  # type: ignore[call-overload]
            articles=int(data.get("articles", 0)),  # type: ignore[call-overload]
            rejects=counter("rejects"),
            languages=counter("languages"),
            rule_docs=counter("rule_docs"),
            rule_chars=counter("rule_chars"),
            seconds=float(data.get("seconds", 0.0)),  # type: ignore[arg-type]
        )


@dataclass(slots=True)
class BatchResult:
    candidates: pa.Table  # CANDIDATE_SCHEMA: articles before run-wide dedup
    rejects: pa.Table  # REJECT_SCHEMA
    stats: BatchStats


@dataclass(frozen=True, slots=True)
class InputUnit:
    """One unit of input work: a whole file, or one shard of a large JSONL or WARC file."""

    path: str
    file_hash: str
    size: int  # of the whole file
    shard: ByteRange | None = None

    @property
    def nbytes(self) -> int:
        return self.shard.end - self.shard.start if self.shard else self.size


def process_files(root: Path, units: Sequence[InputUnit | str], config: RunConfig) -> BatchResult:
    """Read, extract, clean, detect language and fingerprint every record of the given inputs
    (units, or plain paths relative to `root` for whole files)."""
    started = time.perf_counter()
    limits = ReadLimits(
        max_file_bytes=config.max_file_mb * 1024 * 1024, max_record_chars=config.max_record_chars
    )
    articles: list[Article] = []
    signatures: list[list[int]] = []
    rejects: list[Reject] = []
    stats = BatchStats()
    for unit in units:
        path, shard = (unit, None) if isinstance(unit, str) else (unit.path, unit.shard)
        for item in read_records(root, path, limits, byte_range=shard):
            stats.records += 1
            if isinstance(item, Reject):
                rejects.append(item)
                continue
            outcome = _process_record(item, config)
            if isinstance(outcome, Reject):
                rejects.append(outcome)
            else:
                article, signature = outcome
                articles.append(article)
                signatures.append(signature)
    for article in articles:
        for rule in {r.rule for r in article.removed}:
            stats.rule_docs[rule] += 1
        for removal in article.removed:
            stats.rule_chars[removal.rule] += removal.chars
    stats.articles = len(articles)
    stats.languages.update(a.language for a in articles)
    stats.rejects.update(str(r.reason) for r in rejects)
    rows = [
        {
            **a.to_row(),
            "minhash": sig,
            "template_keys": template_keys(a.text) if a.host and config.template_min_docs else [],
        }
        for a, sig in zip(articles, signatures, strict=True)
    ]
    stats.seconds = time.perf_counter() - started
    return BatchResult(
        candidates=pa.Table.from_pylist(rows, schema=CANDIDATE_SCHEMA),
        rejects=pa.Table.from_pylist([r.to_row() for r in rejects], schema=REJECT_SCHEMA),
        stats=stats,
    )


def _process_record(record: RawRecord, config: RunConfig) -> tuple[Article, list[int]] | Reject:
    """One record through extraction, cleaning, language and fingerprinting; never raises."""
    try:
        return _clean_record(record, config)
    except Exception as exc:  # one bad document must not lose the rest of its batch
        return _reject(record, RejectReason.ERROR, f"{type(exc).__name__}: {exc}"[:500])


# What a JSONL record's `html` may end in for its `text` to be cleaned instead.
_HTML_GAVE_NOTHING = frozenset(
    {RejectReason.MALFORMED, RejectReason.NO_CONTENT, RejectReason.TOO_SHORT}
)


def _clean_record(record: RawRecord, config: RunConfig) -> tuple[Article, list[int]] | Reject:
    outcome = _clean_content(record, config)
    alternative = record.text_alternative
    if isinstance(outcome, Reject) and alternative and outcome.reason in _HTML_GAVE_NOTHING:
        as_text = replace(record, kind="text", content=alternative, text_alternative=None)
        fallback = _clean_content(as_text, config)
        if isinstance(fallback, Reject):
            fallback.detail = f"{fallback.detail}; its 'html' field: {outcome.detail}"
        return fallback
    return outcome


def _clean_content(record: RawRecord, config: RunConfig) -> tuple[Article, list[int]] | Reject:
    url = record.url
    title, author, date = record.title, record.author, parse_date(record.date)
    language_html = sitename = description = None
    if record.kind == "html":
        from cleaners import html  # lazy: trafilatura's import is slow and text-only runs skip it

        try:
            extracted = html.extract_html(
                record.content,
                url=url,
                options=html.HtmlOptions(timeout=config.html_timeout_seconds),
                sanitized=True,  # the readers' `sanitize` did it
            )
        except html.HtmlExtractionError as exc:
            return _reject(record, RejectReason(exc.reason), exc.detail)
        text, removed, extractor = extracted.text, list(extracted.removed), extracted.extractor
        url = url or extracted.url
        title = title or extracted.title
        author = author or (", ".join(extracted.authors) if extracted.authors else None)
        date = date or extracted.date
        language_html, sitename, description = (
            extracted.language_html,
            extracted.sitename,
            extracted.description,
        )
    else:
        result = clean_text(record.content, host=host_of(url))
        text, removed, extractor = result.text, result.removed, "text"
        title = title or result.title
        author = author or result.author
        date = date or result.date
    if not text.strip():
        return _reject(
            record, RejectReason.NO_CONTENT, "no article text left after extraction and cleaning"
        )
    if problem := too_little_text(text, config):
        return _reject(record, problem[0], f"{problem[1]} after cleaning", text)
    guess = language.detect_language(text, min_letters=config.language_min_letters)
    article = Article(
        id=record.id,
        source_path=record.source_path,
        source_line=record.source_line,
        source_id=record.source_id,
        url=url,
        host=host_of(url),
        title=title,
        author=author,
        date=date,
        language=guess.code,
        language_score=guess.score,
        language_html=language_html,
        text=text,
        removed=removed,
        content_hash=dedup.content_hash(text),
        extractor=extractor,
        sitename=sitename,
        description=description,
    )
    return article, [int(v) for v in dedup.minhash_signature(text)]


def too_little_text(text: str, config: RunConfig) -> tuple[RejectReason, str] | None:
    """Why a cleaned text is no article (too short; too few letters: emoji, numbers), or None."""
    if len(text) < config.min_chars:
        return RejectReason.TOO_SHORT, f"{len(text)} characters (minimum {config.min_chars})"
    if language.has_letters(text, config.min_letters):  # a prefix settles long texts
        return None
    letters = language.count_letters(text)
    return RejectReason.NO_CONTENT, f"only {letters} letters (minimum {config.min_letters})"


def _reject(
    record: RawRecord, reason: RejectReason, detail: str, text: str | None = None
) -> Reject:
    return Reject(
        id=record.id,
        source_path=record.source_path,
        source_line=record.source_line,
        reason=reason,
        detail=detail,
        text=text if text is not None else record.content[:100_000],
        url=record.url,
    )
