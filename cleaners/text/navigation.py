"""Navigation: skip links, menus, breadcrumbs ("Home » News » World"), pagination, footers, legal
and taxonomy lines. Phrases live in `signatures/navigation.toml`; breadcrumbs are recognised by
structure (short parts joined by » › > |)."""

from __future__ import annotations

import re

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "navigation"
_CRUMB_SEP = re.compile(r"\s[»›>|]\s|[»›]")
MAX_CRUMB_CHARS = 200
MAX_PART_WORDS = 8


def is_breadcrumb(text: str) -> bool:
    """At least three short parts separated by » › > | (a trail or a footer link row)."""
    if len(text) > MAX_CRUMB_CHARS:
        return False
    parts = [p.strip() for p in _CRUMB_SEP.split(text)]
    if len(parts) < 3 or any(not p for p in parts[:-1]):
        return False
    return all(len(p.split()) <= MAX_PART_WORDS for p in parts) and not text.rstrip().endswith(".")


def detect(doc: Doc) -> list[Removal]:
    out = signatures.load(CONCEPT).detect(doc)
    hit = {r.line for r in out}
    for pos, line in enumerate(doc.lines):
        if line.index not in hit and is_breadcrumb(line.text):
            out.append(doc.one(f"{CONCEPT}.breadcrumb", pos))
    return out
