"""Newsletter and subscription prompts with their sign-up form labels.

All matching is data-driven: see `signatures/newsletter.toml`.
"""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "newsletter"


def detect(doc: Doc) -> list[Removal]:
    return signatures.load(CONCEPT).detect(doc)
