"""Calls to action ("Learn more", "Get a demo", "Back to blog") and lead/contact form chrome
("Phone number", "Thank you! Your submission has been received"): `signatures/cta.toml`."""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "cta"


def detect(doc: Doc) -> list[Removal]:
    return signatures.load(CONCEPT).detect(doc)
