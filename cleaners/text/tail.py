"""Sections that end the article: once a comment section, related-articles list, author box,
disclaimer or republishing widget starts after the body, everything from it to the end goes.

A header only ends the article when it follows a real body (at least `MIN_BODY_CHARS` of prose
before it) and the prose after it is small next to the prose before it (`AFTER_RATIO`), so a
"Related" box in the middle of a long article removes only itself. A comment thread without a
header is found by its markers ("Jane says:", "March 3, 2024 at 8:12 pm"): `MIN_MARKERS` of them
after the body start the thread at the first one (with the commenter's name line above it).
"""

from __future__ import annotations

from collections import deque
from itertools import accumulate

from cleaners.article import Removal
from cleaners.text import author_box, signatures
from cleaners.text.doc import Doc

MIN_BODY_CHARS = 300
MIN_MARKERS = 2
AUTHOR_BOX_RATIO = 0.5  # an author box ("About Jane Doe" + bio) after the body ends it too
NAME_LINE_WORDS = 5
# Largest allowed (prose after the header) / (prose of the body before it), per concept and rule.
AFTER_RATIO: dict[tuple[str, str], float] = {
    ("comments", "section"): 1.5,
    ("related", "list"): 0.5,
    ("author_box", "header"): 0.5,
    ("author_box", "bio"): 0.3,
    ("navigation", "disclaimer"): 0.5,
    ("navigation", "backmatter"): 0.5,
    ("credits", "republish"): 2.0,
}
# Rule name of what follows each header: `<concept>.<name>` in the Removal.
TAIL_NAMES: dict[tuple[str, str], str] = {
    ("comments", "section"): "thread",
    ("related", "list"): "items",
    ("author_box", "header"): "after",
    ("author_box", "bio"): "after",
    ("author_box", "box"): "after",
    ("navigation", "disclaimer"): "after_disclaimer",
    ("navigation", "backmatter"): "backmatter",
    ("credits", "republish"): "republish_widget",
}


def _header(doc: Doc, pos: int) -> tuple[tuple[str, str], float] | None:
    if not signatures.line_hits(doc)[pos]:
        return None  # no signature matches this line at all
    for (concept, name), ratio in AFTER_RATIO.items():
        for rule in signatures.load(concept).rules:
            if rule.name == name and signatures.has_hit(doc, pos, rule):
                return (concept, name), ratio
    return None


def _marker(doc: Doc, pos: int) -> bool:
    if not signatures.line_hits(doc)[pos]:
        return False
    return any(
        signatures.has_hit(doc, pos, r) for r in signatures.load("comments").of_kind("marker")
    )


def _name_line(doc: Doc, pos: int) -> bool:
    line = doc.lines[pos]
    words = line.text.split()
    return 2 <= len(words) <= NAME_LINE_WORDS and all(w[:1].isupper() for w in words)


def detect(doc: Doc) -> list[Removal]:
    region = doc.region
    if region.empty or doc.from_extractor:
        return []
    good = [f.n_chars if f.kind == "good" else 0 for f in doc.features]
    cum = [0, *accumulate(good)]
    total = cum[-1]
    start = region.start
    markers = deque(p for p in range(start + 1, len(doc)) if _marker(doc, p))
    boxes = {b[0] for b in author_box.find_boxes(doc)}
    for pos in range(start + 1, len(doc)):
        while markers and markers[0] < pos:
            markers.popleft()
        before = cum[pos] - cum[start]
        if before < MIN_BODY_CHARS:
            continue
        after = total - cum[pos + 1]
        found = _header(doc, pos)
        if found is None and pos in boxes:
            found = ("author_box", "box"), AUTHOR_BOX_RATIO
        if found is not None:
            (concept, name), ratio = found
            if after <= ratio * before:
                if pos - 1 > start and _name_line(doc, pos - 1):
                    pos -= 1  # the person's name above an author bio belongs to it
                out = [doc.one(f"{concept}.tail_header", pos)]
                if pos + 1 < len(doc):
                    tail_rule = f"{concept}.{TAIL_NAMES[(concept, name)]}"
                    out.append(doc.block(tail_rule, pos + 1, len(doc)))
                return out
        if markers and pos == markers[0] and len(markers) >= MIN_MARKERS and after <= 3 * before:
            first = pos
            if pos - 1 > start and doc.lines[pos - 1].n_words <= NAME_LINE_WORDS:
                first = pos - 1
            return [doc.block("comments.thread", first, len(doc))]
    return []
