"""Calls to action ("Learn more", "Get a demo", "Back to blog") and lead/contact form chrome
("Phone number", "Thank you! Your submission has been received"): `signatures/cta.toml`.

Shop buttons ("Shop Harbour Linen") must name something: a capitalised word after the verb, so a
short sentence such as "Shop owners were worried." stays."""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "cta"
NAMED_RULES = frozenset({f"{CONCEPT}.shop"})


def _names_something(text: str) -> bool:
    """Some word after the first starts with a capital letter (a brand or shop name)."""
    return any(w[:1].isupper() for w in text.split()[1:])


def detect(doc: Doc) -> list[Removal]:
    out = signatures.load(CONCEPT).detect(doc)
    return [r for r in out if r.rule not in NAMED_RULES or _names_something(r.text)]
