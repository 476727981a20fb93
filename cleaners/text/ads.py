"""Advertisement labels and sponsored-content markers.

All matching is data-driven: see `signatures/ads.toml`.
"""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "ads"


def detect(doc: Doc) -> list[Removal]:
    return signatures.load(CONCEPT).detect(doc)
