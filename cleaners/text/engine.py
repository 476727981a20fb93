"""The rule engine: runs every concept's `detect(doc)` (pure, returns `Removal`s), then applies
all removals at once. Each input line is removed by at most one rule, the first in `STAGE_ONE`
order that claims it; overlapping claims are split so every removed line is explained once.

Stages (each later stage sees the lines earlier stages removed, via `Doc.flagged`):
1. signatures of each concept (+ site templates when given);
2. scraped text only: `tail` (comment / related sections ending the article), then `meta`
   (title, byline, date lines), then `layout` (lines outside the main body region).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from cleaners.article import Removal
from cleaners.text import (
    ads,
    author_box,
    comments,
    cookie,
    credits,
    cta,
    layout,
    meta,
    navigation,
    newsletter,
    related,
    share,
    social_embed,
    tail,
)
from cleaners.text.doc import Doc
from cleaners.text.templates import TemplateIndex

Rule = Callable[[Doc], list[Removal]]

STAGE_ONE: tuple[tuple[str, Rule], ...] = (
    ("social_embed", social_embed.detect),
    ("share", share.detect),
    ("author_box", author_box.detect),
    ("comments", comments.detect),
    ("newsletter", newsletter.detect),
    ("cookie", cookie.detect),
    ("ads", ads.detect),
    ("credits", credits.detect),
    ("related", related.detect),
    ("cta", cta.detect),
    ("navigation", navigation.detect),
)


@dataclass(slots=True)
class Outcome:
    kept: list[str]
    removed: list[Removal]
    title: str | None = None
    author: str | None = None
    date: dt.date | None = None
    owners: dict[int, Removal] = field(default_factory=dict)


def _claim(
    doc: Doc,
    owners: dict[int, Removal],
    removals: list[Removal],
    pos_of: dict[int, int] | None = None,
) -> None:
    """Record which doc positions each removal covers; the first claim of a position wins."""
    if pos_of is None:
        pos_of = doc.pos_of
    n = len(doc)
    for r in removals:
        start = pos_of.get(r.line) if r.line is not None else None
        if start is None:
            continue
        for p in range(start, min(n, start + r.text.count("\n") + 1)):
            owners.setdefault(p, r)


def _flagged(owners: dict[int, Removal]) -> frozenset[int]:
    return frozenset(owners)


def run(
    doc: Doc,
    templates: TemplateIndex | None = None,
    stage_one: tuple[tuple[str, Rule], ...] = STAGE_ONE,
) -> Outcome:
    owners: dict[int, Removal] = {}
    pos_of = doc.pos_of
    for _, rule in stage_one:
        _claim(doc, owners, rule(doc), pos_of)
    if templates is not None:
        _claim(doc, owners, templates.detect(doc), pos_of)
    result = Outcome(kept=[], removed=[])
    if not doc.from_extractor:
        d1 = doc.with_flagged(_flagged(owners))
        _claim(doc, owners, tail.detect(d1), pos_of)
        d2 = doc.with_flagged(_flagged(owners))
        m = meta.detect(d2, author_hint=author_box.box_name(doc))
        result.title, result.author, result.date = m.title, m.author, m.date
        _claim(doc, owners, m.removed, pos_of)
        d3 = doc.with_flagged(_flagged(owners))
        _claim(doc, owners, layout.detect(d3), pos_of)
    # Re-emit removals as contiguous runs of positions owned by the same removal.
    removed: list[Removal] = []
    run_start: int | None = None
    for p in range(len(doc) + 1):
        owner = owners.get(p)
        prev = owners.get(p - 1) if p > 0 else None
        if run_start is not None and owner is not prev:
            assert prev is not None
            removed.append(doc.source_block(prev.rule, run_start, p))
            run_start = None
        if owner is not None and run_start is None:
            run_start = p
    result.removed = removed
    result.kept = [line.text for p, line in enumerate(doc.lines) if p not in owners]
    result.owners = owners
    return result
