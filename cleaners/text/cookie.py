"""Cookie and consent notices, banners and their buttons.

All matching is data-driven: see `signatures/cookie.toml`.
"""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "cookie"


def detect(doc: Doc) -> list[Removal]:
    return signatures.load(CONCEPT).detect(doc)
