"""Related / recommended / read-more lists and inline teaser links ("Read more: ...").

Section headers (`kind = "tail"`) are removed here as single lines; whether they also end the
article is decided in `tail.py`, which knows where the body is. A teaser card whose link text
repeats its title ("Spring Planting Tips Read More about Spring Planting Tips") is recognised by
that repetition (`[words] teaser_links`): `related.teaser`.
"""

from __future__ import annotations

import re
from functools import cache

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "related"
TEASER_MIN_TITLE_WORDS = 2
TEASER_MAX_CHARS = 400
TEASER_PROBE_CHARS = 8  # a repeated title repeats at least its first characters


@cache
def _teaser_link() -> re.Pattern[str] | None:
    alt = signatures.vocabulary_alternation(CONCEPT, "teaser_links")
    return re.compile(rf" (?:{alt}) ") if alt else None


def is_teaser_card(norm: str) -> bool:
    """`norm` is "<title> <link phrase> <title>" with the same title twice."""
    if len(norm) > TEASER_MAX_CHARS:
        return False
    if norm.find(norm[:TEASER_PROBE_CHARS], TEASER_PROBE_CHARS) < 0:
        return False  # the line's opening never comes back: no repeated title
    pattern = _teaser_link()
    if pattern is None:
        return False
    for m in pattern.finditer(norm):
        title = norm[: m.start()].strip()
        if len(title.split()) >= TEASER_MIN_TITLE_WORDS and norm[m.end() :].strip() == title:
            return True
    return False


def detect(doc: Doc) -> list[Removal]:
    out = signatures.load(CONCEPT).detect(doc)
    hit = {r.line for r in out}
    for pos, line in enumerate(doc.lines):
        if line.index not in hit and line.n_words >= 5 and is_teaser_card(line.norm):
            out.append(doc.one(f"{CONCEPT}.teaser", pos))
    return out
