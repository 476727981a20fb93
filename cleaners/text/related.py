"""Related / recommended / read-more lists and inline teaser links ("Read more: ...").

Section headers (`kind = "tail"`) are removed here as single lines; whether they also end the
article is decided in `tail.py`, which knows where the body is.
"""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "related"


def detect(doc: Doc) -> list[Removal]:
    return signatures.load(CONCEPT).detect(doc)
