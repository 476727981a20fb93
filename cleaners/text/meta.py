"""Headline metadata of scraped text: title, byline/author, date.

The title is the headline line just above the body region: a 3–30 word line that is not a
sentence, preferring lines close to the body, repeated on the page (headlines often appear twice)
and written like a headline. A trailing date ("… – March 7, 2025") is cut off and becomes the
date. Bylines ("By Jane Doe", "Von …", "Par …") and date/reading-time lines between headline and
body are recorded and removed. Words and month names are data (`signatures/meta.toml`).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from cleaners.article import Removal
from cleaners.text.doc import Doc

CONCEPT = "meta"
TITLE_WINDOW = 40  # lines above the body searched for the headline
TOPIC_WEIGHT = 3.0  # weight of the share of title words found in the body
DISTANCE_SCALE = 12.0  # lines above the body that cost one point
BODY_SAMPLE = 4000  # characters of the body used for the topic words
TITLE_MIN_WORDS, TITLE_MAX_WORDS, TITLE_MAX_CHARS = 3, 30, 250
BYLINE_MAX_WORDS = 24
STAMP_MIN_WORDS = 4  # "By" + a two-word name + a date or reading time
NAME_MAX_TOKENS = 6
_PARTICLES = frozenset(
    "van von de da del der den di du la le dos das y e et und and & bin ibn al el".split()
)
_DATE_SEPARATORS = "–—-|,·:([/"
_NUMBERED = re.compile(r"^\(?\d{1,3}[.)]\s")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class MetaWords:
    byline: re.Pattern[str]
    dateline: tuple[re.Pattern[str], ...]
    months: dict[str, int]
    dates: tuple[re.Pattern[str], ...]


@cache
def words() -> MetaWords:
    src = resources.files("cleaners.text").joinpath("signatures", "meta.toml")
    data = tomllib.loads(src.read_text(encoding="utf-8"))
    prefixes = sorted({p for lst in data["byline"].values() for p in lst}, key=len, reverse=True)
    byline = re.compile(
        r"^(?:" + "|".join(re.escape(p) for p in prefixes) + r")\s?:?\s+", re.IGNORECASE
    )
    months: dict[str, int] = {}
    for lst in data["months"].values():
        for i, name in enumerate(lst):
            months.setdefault(name, i + 1)
    alt = "|".join(re.escape(m) for m in sorted(months, key=len, reverse=True))
    dates = (
        re.compile(rf"\b({alt})\.?\s(\d{{1,2}})(?:st|nd|rd|th)?,?\s(\d{{4}})\b", re.IGNORECASE),
        re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s(?:de\s)?({alt})\.?,?\s(?:de\s)?(\d{{4}})\b",
            re.IGNORECASE,
        ),
        re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
        re.compile(r"\b(\d{1,2})([./])(\d{1,2})\2(\d{4})\b"),
    )
    dateline = tuple(re.compile(p, re.IGNORECASE) for p in data["dateline"]["any"])
    return MetaWords(byline, dateline, months, dates)


def _mk(year: str, month: int | str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


@lru_cache(maxsize=8192)  # pure: lines repeat across candidates and pages
def find_date(text: str, *, us_order: bool = True) -> tuple[dt.date, int, int] | None:
    """First date in `text` as (date, start, end); month names in en/de/fr/es/it/pt/nl."""
    if _DIGIT.search(text) is None:
        return None  # every date pattern has digits
    w = words()
    found: list[tuple[int, int, dt.date]] = []
    for kind, pat in enumerate(w.dates):
        m = pat.search(text)
        if not m:
            continue
        if kind == 0:
            d = _mk(m.group(3), w.months[m.group(1).lower()], m.group(2))
        elif kind == 1:
            d = _mk(m.group(3), w.months[m.group(2).lower()], m.group(1))
        elif kind == 2:
            d = _mk(m.group(1), m.group(2), m.group(3))
        else:
            a, b = m.group(1), m.group(3)
            first_is_month = us_order and m.group(2) == "/"
            d = _mk(m.group(4), a, b) if first_is_month else _mk(m.group(4), b, a)
        if d is not None:
            found.append((m.start(), m.end(), d))
    if not found:
        return None
    start, end, date = min(found)
    return date, start, end


@lru_cache(maxsize=8192)  # pure: lines repeat across candidates and pages
def split_trailing_date(title: str) -> tuple[str, dt.date | None]:
    """'Headline – March 7, 2025' -> ('Headline', date(2025, 3, 7))."""
    if len(title) > 400:
        return title, None
    stripped = title.rstrip(" )]")
    if not stripped[-1:].isdigit():
        return title, None  # every date pattern ends with digits (then `\b`)
    for pat in words().dates:
        for m in pat.finditer(stripped):
            if m.end() == len(stripped) and m.start() > 0:
                before = stripped[: m.start()].rstrip()
                if not before or before[-1] not in _DATE_SEPARATORS:
                    continue  # "What Happened on March 7, 2025" is a headline, not a date suffix
                found = find_date(m.group(0))
                head = before.rstrip(_DATE_SEPARATORS + " ")
                if found and head:
                    return head, found[0]
    return title, None


@lru_cache(maxsize=8192)  # pure: lines repeat across candidates and pages
def byline_name(text: str) -> str | None:
    """'By Jane Doe, Reuters | May 2, 2025' -> 'Jane Doe'."""
    if len(text.split()) > BYLINE_MAX_WORDS:
        return None
    m = words().byline.match(text)
    if not m:
        return None
    return _name(text[m.end() :])


def _name(rest: str) -> str | None:
    out: list[str] = []
    for raw in rest.split():
        tok = raw.rstrip(",;|")
        if not tok or any(c.isdigit() for c in tok) or tok in {"|", "-", "–", "—", "·", "•"}:
            break
        if tok[0].isupper() or (out and tok.lower() in _PARTICLES):
            out.append(tok)
        else:
            break
        if tok != raw or len(out) >= NAME_MAX_TOKENS:
            break
    while out and out[-1].lower() in _PARTICLES:
        out.pop()
    return " ".join(out) if out else None


_BYLINE_PARTS = re.compile(r"\s[|·•–—-]\s")


def _bare_byline(text: str) -> str | None:
    """A name-only byline under the headline: 'Jane Doe' or 'Jane Doe | Town | 18/05/2025'."""
    if len(text.split()) > BYLINE_MAX_WORDS or len(text) > 160:
        return None
    first = _BYLINE_PARTS.split(text, maxsplit=1)[0].strip()
    words = first.split()
    if not 2 <= len(words) <= 4 or any(c.isdigit() for c in first):
        return None
    caps = [w for w in words if w.lower() not in _PARTICLES]
    if len(caps) < 2 or not all(w[:1].isupper() and w[1:2].islower() for w in caps):
        return None
    return first


_STAMP_SEPARATORS = " |·•–—-,:"


@lru_cache(maxsize=8192)  # pure: lines repeat across candidates and pages
def byline_with_stamp(text: str) -> str | None:
    """A byline followed by nothing but a date or reading time, wherever it stands (a teaser's
    or a post's metadata line): 'By Jane Doe · 6 min read', 'Posted by Jane Doe on May 2, 2025'.
    Returns the name; the name must have two or more words."""
    name = byline_name(text)
    if name is None or len(name.split()) < 2:
        return None
    at = text.find(name)
    rest = text[at + len(name) :].strip(_STAMP_SEPARATORS)
    return name if rest and _is_dateline(rest) else None


@lru_cache(maxsize=8192)  # pure: lines repeat across candidates and pages
def _is_dateline(text: str) -> bool:
    if len(text) > 120:
        return False
    norm = text.strip().lower()
    if any(p.fullmatch(norm) for p in words().dateline):
        return True
    found = find_date(text)
    return bool(found and len(text) - (found[2] - found[1]) <= 14)


@dataclass(slots=True)
class Meta:
    title: str | None = None
    author: str | None = None
    date: dt.date | None = None
    removed: list[Removal] = field(default_factory=list)


_CONTENT = re.compile(r"[^\W\d_]{3,}")


def _content_words(text: str) -> set[str]:
    if text.isascii():  # lower-casing ASCII first changes no word boundary
        return set(_ASCII_CONTENT.findall(text.lower()))
    return set(map(str.lower, _CONTENT.findall(text)))


_ASCII_CONTENT = re.compile(r"[a-z]{3,}")  # `_CONTENT` on lower-cased ASCII text


def _title_score(
    doc: Doc, pos: int, body: int, counts: dict[str, int], body_words: set[str]
) -> float | None:
    """How headline-like the line at `pos` is (None: cannot be the headline).

    Features: word count, no sentence-final period, capitalisation, repeated on the page,
    share of its content words that recur in the body (a headline names the article's topic;
    a promo line or menu does not), distance above the body, a byline/date right below it.
    """
    line, f = doc.lines[pos], doc.features[pos]
    text, date = split_trailing_date(line.text)
    n_words = len(text.split())
    if not (TITLE_MIN_WORDS <= n_words <= TITLE_MAX_WORDS) or len(text) > TITLE_MAX_CHARS:
        return None
    if text.endswith((".", ",", ";", ":")) and not text.endswith("..."):
        return None
    if f.link_ratio > 0 or _NUMBERED.match(text) or byline_name(text) or _is_dateline(text):
        return None
    if pos >= body and f.kind == "good" and f.sentence_end:
        return None
    words = _content_words(text)
    overlap = len(words & body_words) / len(words) if words else 0.0
    score = TOPIC_WEIGHT * overlap
    if counts.get(line.norm, 0) >= 2:
        score += 1.0
    if f.title_case >= 0.6 or text[:1].isupper():
        score += 0.5
    if 5 <= n_words <= 20:
        score += 0.5
    if date is not None:
        score += 1.0
    for nxt in range(pos + 1, min(len(doc), pos + 4)):
        t = doc.lines[nxt].text
        if byline_name(t) or _is_dateline(t):
            score += 1.0
            break
    score -= (body - pos) / DISTANCE_SCALE if pos < body else 0.5
    return score


def detect(doc: Doc, author_hint: str | None = None) -> Meta:
    meta = Meta(author=author_hint)
    if doc.from_extractor or not len(doc):
        return meta
    region = doc.region
    body = region.main[0] if not region.empty else 0
    counts: dict[str, int] = {}
    for line in doc.lines:
        counts[line.norm] = counts.get(line.norm, 0) + 1
    sample: list[str] = []
    for pos in range(body, region.main[1]):
        sample.append(doc.lines[pos].text)
        if sum(map(len, sample)) > BODY_SAMPLE:
            break
    body_words = _content_words(" ".join(sample))
    best: tuple[float, int] | None = None
    for pos in range(max(0, body - TITLE_WINDOW), min(len(doc), body + 1)):
        if pos in doc.flagged:
            continue
        s = _title_score(doc, pos, body, counts, body_words)
        if s is not None and (best is None or s >= best[0]):
            best = (s, pos)
    title_pos = best[1] if best else None
    taken: set[int] = set()
    us = doc.lang in (None, "en")  # 03/04/2025 is March 4 in English, 3 April elsewhere
    if title_pos is not None:
        meta.title, meta.date = split_trailing_date(doc.lines[title_pos].text)
        meta.removed.append(doc.one(f"{CONCEPT}.title", title_pos))
        taken.add(title_pos)
    # Byline and date lines between headline and body (and just around them).
    lo = max(0, (title_pos if title_pos is not None else body) - 3)
    for pos in range(lo, min(len(doc), body + 3)):
        if pos in taken:
            continue
        line = doc.lines[pos]
        if pos in doc.flagged:  # already removed (e.g. as a breadcrumb): still read the byline
            if meta.author is None and title_pos is not None and title_pos < pos <= title_pos + 3:
                meta.author = byline_name(line.text) or _bare_byline(line.text)
                if (
                    meta.author
                    and meta.date is None
                    and (found := find_date(line.text, us_order=us))
                ):
                    meta.date = found[0]
            continue
        if pos >= body and doc.features[pos].kind == "good":
            continue
        name = byline_name(line.text)
        if (
            name is None
            and line.norm in ("by", "von", "par", "por", "di", "door", "av", "af")
            and pos + 1 < len(doc)
        ):
            nxt = _name(doc.lines[pos + 1].text)
            if nxt and len(doc.lines[pos + 1].text.split()) <= 5:
                meta.author = meta.author or nxt
                meta.removed.append(doc.block(f"{CONCEPT}.byline", pos, pos + 2))
                taken.update((pos, pos + 1))
                continue
        if (
            name is None
            and title_pos is not None
            and title_pos < pos <= title_pos + 3
            and pos < body
        ):
            name = _bare_byline(line.text)
        if name:
            meta.author = meta.author or name
            meta.removed.append(doc.one(f"{CONCEPT}.byline", pos))
            taken.add(pos)
            if meta.date is None and (found := find_date(line.text, us_order=us)):
                meta.date = found[0]
        elif _is_dateline(line.text):
            if meta.date is None and (found := find_date(line.text, us_order=us)):
                meta.date = found[0]
            meta.removed.append(doc.one(f"{CONCEPT}.dateline", pos))
            taken.add(pos)
    # Byline + date/reading-time lines elsewhere (below the body's first lines, teaser cards).
    for pos, line in enumerate(doc.lines):
        if not STAMP_MIN_WORDS <= line.n_words <= BYLINE_MAX_WORDS or pos in taken:
            continue
        if pos in doc.flagged:
            continue
        if words().byline.match(line.text) and byline_with_stamp(line.text):
            meta.removed.append(doc.one(f"{CONCEPT}.byline", pos))
    return meta


def clear_caches() -> None:
    """Forget remembered parses of lines (dates, bylines, datelines, trailing dates)."""
    for fn in (find_date, split_trailing_date, byline_name, byline_with_stamp, _is_dateline):
        fn.cache_clear()
