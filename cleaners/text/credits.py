"""Source, copyright and wire credit lines; image credits and caption labels.

All matching is data-driven: see `signatures/credits.toml`.
"""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "credits"


def detect(doc: Doc) -> list[Removal]:
    return signatures.load(CONCEPT).detect(doc)
