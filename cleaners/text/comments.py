"""Comment sections: headers and counts ("12 Comments", "Leave a Reply"), form lines (WordPress,
Disqus, Akismet) in several languages. Section headers end the article in `tail.py`."""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "comments"


def detect(doc: Doc) -> list[Removal]:
    return signatures.load(CONCEPT).detect(doc)
