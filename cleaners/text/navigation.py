"""Navigation: skip links, menus, breadcrumbs ("Home » News » World"), pagination, footers, legal
and taxonomy lines. Phrases live in `signatures/navigation.toml`; three shapes are recognised by
structure:

- breadcrumbs: short parts separated by » › > | ;
- menu rows glued into one line: no sentence punctuation, at least `MENU_LINE_ITEMS` distinct
  footer/menu entries (`[words] menu_items`) and mostly capitalised words between them;
- table-of-contents widgets whose numbers are glued to the entries ("1Why ...", "1.1Costs",
  "1.2Taxes"): `TOC_MIN_LINES` such lines in a row, one of them numbered on a second level.
"""

from __future__ import annotations

import re
from functools import cache

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "navigation"
_CRUMB_SEP = re.compile(r"\s[»›>|]\s|[»›]")
MAX_CRUMB_CHARS = 200
_DIGIT = re.compile(r"\d")
MAX_PART_WORDS = 8

MENU_LINE_ITEMS = 3
MENU_LINE_WORDS = (5, 80)
MENU_LINE_LOWER = 0.25  # largest share of lower-case words left between the entries
_SENTENCE_PUNCT = re.compile(r"[.!?,;:]")

TOC_MIN_LINES = 3
TOC_MAX_WORDS = 15
_TOC_ENTRY = re.compile(r"\d{1,2}(?:\.\d{1,2}){0,3}[A-Z][a-z]")
_TOC_SUBLEVEL = re.compile(r"\d{1,2}\.\d{1,2}")


def is_breadcrumb(text: str) -> bool:
    """At least three short parts separated by » › > | (a trail or a footer link row). Not a
    table row: extractors write those as `| cell | cell |` (a leading bar), and a row whose
    parts are mostly numbers is data whatever its bars."""
    if len(text) > MAX_CRUMB_CHARS or text.lstrip().startswith("|"):
        return False
    parts = [p.strip() for p in _CRUMB_SEP.split(text)]
    if len(parts) < 3 or any(not p for p in parts[:-1]):
        return False
    if sum(1 for p in parts if _DIGIT.search(p)) * 2 > len(parts):
        return False
    return all(len(p.split()) <= MAX_PART_WORDS for p in parts) and not text.rstrip().endswith(".")


@cache
def _menu_items() -> re.Pattern[str] | None:
    alt = signatures.vocabulary_alternation(CONCEPT, "menu_items")
    return re.compile(rf"(?<![\w-])(?:{alt})(?![\w-])", re.IGNORECASE) if alt else None


@cache
def _menu_first_words() -> frozenset[str]:
    items = signatures.load(CONCEPT).words.get("menu_items", frozenset())
    return frozenset(item.split()[0] for item in items)


def is_menu_line(text: str, n_words: int) -> bool:
    """Menu entries run together on one line: no sentence punctuation, at least
    `MENU_LINE_ITEMS` distinct known entries (starting with two different words at least), and
    what is left once they are taken out is mostly capitalised words (more entries, not a
    sentence such as a headline about logging in)."""
    lo, hi = MENU_LINE_WORDS
    if not lo <= n_words <= hi or _SENTENCE_PUNCT.search(text):
        return False
    if len(_menu_first_words().intersection(text.lower().split())) < 2:
        return False  # cheap gate: the entries start with at least two different words
    pattern = _menu_items()
    if pattern is None:
        return False
    found = {m.group(0).lower() for m in pattern.finditer(text)}
    if len(found) < MENU_LINE_ITEMS:
        return False
    rest = pattern.sub(" ", text).split()
    lower = sum(1 for w in rest if w[:1].islower())
    return lower <= MENU_LINE_LOWER * len(rest)


def _toc_runs(doc: Doc) -> list[tuple[int, int]]:
    """[start, end) position ranges of glued-number table-of-contents entries."""
    out: list[tuple[int, int]] = []
    start = None
    n = len(doc)
    for pos in range(n + 1):
        line = doc.lines[pos] if pos < n else None
        entry = (
            line is not None
            and line.n_words <= TOC_MAX_WORDS
            and line.text[:1].isdigit()
            and _TOC_ENTRY.match(line.text) is not None
        )
        if entry and start is None:
            start = pos
        elif not entry and start is not None:
            if pos - start >= TOC_MIN_LINES and any(
                _TOC_SUBLEVEL.match(doc.lines[p].text) for p in range(start, pos)
            ):
                out.append((start, pos))
            start = None
    return out


def detect(doc: Doc) -> list[Removal]:
    out = signatures.load(CONCEPT).detect(doc)
    hit = {r.line for r in out}
    for pos, line in enumerate(doc.lines):
        if line.index in hit:
            continue
        if is_breadcrumb(line.text):
            out.append(doc.one(f"{CONCEPT}.breadcrumb", pos))
        elif is_menu_line(line.text, line.n_words):
            out.append(doc.one(f"{CONCEPT}.menu_line", pos))
    for start, end in _toc_runs(doc):
        out.append(doc.block(f"{CONCEPT}.toc", start, end))
    return out
