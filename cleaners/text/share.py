"""Share bars and share/follow buttons ("Facebook Twitter LinkedIn ... Email Print", "Share this:")."""

from __future__ import annotations

import re

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "share"
_SPLIT = re.compile(r"[\s,;:|/·•()\[\]]+")
MAX_BAR_TOKENS = 20


def is_share_bar(norm: str, services: frozenset[str], fillers: frozenset[str]) -> bool:
    """All tokens are service names or share words, and at least one is a service."""
    # Tokens are read one by one (the pieces `_SPLIT.split` leaves): prose fails at its first word.
    has_service = False
    for count, m in enumerate(_TOKEN.finditer(norm), 1):
        if count > MAX_BAR_TOKENS:
            return False
        t = m.group()
        if t in services:
            has_service = True
        elif t not in fillers and not t.isdigit():
            return False
    return has_service


_TOKEN = re.compile(r"[^\s,;:|/·•()\[\]]+")  # the non-empty pieces between `_SPLIT` matches


def detect(doc: Doc) -> list[Removal]:
    sigs = signatures.load(CONCEPT)
    out = sigs.detect(doc)
    hit = {r.line for r in out}
    services = sigs.words.get("services", frozenset())
    fillers = sigs.words.get("fillers", frozenset())
    for pos, line in enumerate(doc.lines):
        if line.index not in hit and is_share_bar(line.norm, services, fillers):
            out.append(doc.one(f"{CONCEPT}.bar", pos))
    return out
