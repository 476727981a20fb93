"""Author boxes: "About Jane Doe" + a bio paragraph + "View all posts by Jane Doe →".

Shapes recognised (positions in `Doc.lines`):
- header phrase ("About the author", "Über den Autor") + up to `MAX_BOX_LINES` lines to a
  closer ("View all posts by …"), else + the bio line right after it;
- "About <Name>" where <Name> looks like a person's name, confirmed by a closer or by a next
  line starting with the name (or a pronoun): "About Syria" followed by prose is not a box;
- role label ("Author", "Written by", "Editor") + a name line (+ the name's bio line);
- a closer alone, with the bio line above it when that line starts with the closer's name.
Article text that merely mentions an author is never removed.
"""

from __future__ import annotations

import re

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "author_box"
MAX_BOX_LINES = 6
MAX_BIO_WORDS = 120
MAX_NAME_WORDS = 5

# A capital letter of the Latin, Greek and Cyrillic blocks (Ł, Š, Ř, Ж ... too): names start with one.
_CAPITAL = "[" + "".join(re.escape(c) for c in map(chr, range(0x41, 0x530)) if c.isupper()) + "]"
_NAME_WORD = _CAPITAL + r"[\w'’.-]{0,30}"
_ABOUT = re.compile(
    r"^(?i:about|über|à propos de|sobre|acerca de|su|over|om) "
    rf"({_NAME_WORD}(?: {_NAME_WORD}){{1,3}})$"
)
_CLOSER_NAME = re.compile(
    rf"\b(?:by|from|von|de|di|van|av|af) ({_NAME_WORD}(?: {_NAME_WORD}){{0,3}})"
)
_BIO_START = re.compile(
    r"^(?:he|she|they|er|sie|il|elle|él|ella|lui|lei|ele|ela|hij|zij|han|hon|hen|hun|он|она)\b",
    re.IGNORECASE,
)


def _is(doc: Doc, pos: int, name: str) -> bool:
    if not signatures.line_hits(doc)[pos]:
        return False  # no signature matches this line at all
    return any(
        r.name == name and signatures.has_hit(doc, pos, r) for r in signatures.load(CONCEPT).rules
    )


def _bio_of(text: str, name: str | None) -> bool:
    if len(text.split()) > MAX_BIO_WORDS:
        return False
    if name and (text.startswith(name) or text.startswith(name.split()[0] + " ")):
        return True
    return bool(_BIO_START.match(text))


def _person(text: str) -> str | None:
    """`text` when it is only a person-like name (2–5 capitalised words)."""
    words = text.split()
    if not 2 <= len(words) <= MAX_NAME_WORDS or len(text) > 60:
        return None
    if all(w[:1].isupper() and not any(c.isdigit() for c in w) for w in words):
        return text.rstrip(",")
    return None


def _to_closer(doc: Doc, pos: int) -> tuple[int, str | None] | None:
    for j in range(pos + 1, min(len(doc), pos + 1 + MAX_BOX_LINES)):
        if _is(doc, j, "closer"):
            m = _CLOSER_NAME.search(doc.lines[j].text)
            return j + 1, (m.group(1) if m else None)
    return None


def find_boxes(doc: Doc) -> list[tuple[int, int, str | None]]:
    """(start, end, name) of every author box, positions in `doc.lines` (computed once per
    document: boxes depend on its lines only)."""
    try:
        return list(doc.cache["author_boxes"])
    except KeyError:
        pass
    boxes = _find_boxes(doc)
    doc.cache["author_boxes"] = tuple(boxes)
    return boxes


def _find_boxes(doc: Doc) -> list[tuple[int, int, str | None]]:
    boxes: list[tuple[int, int, str | None]] = []
    n = len(doc)
    pos = 0
    while pos < n:
        text = doc.lines[pos].text
        about = _ABOUT.match(text) if len(text) < 120 else None
        name = about.group(1) if about else None
        end: int | None = None
        explicit = _is(doc, pos, "header")
        if about or explicit:
            closer = _to_closer(doc, pos)
            if closer:
                end, name = closer[0], name or closer[1]
            elif pos + 1 < n and (explicit or _bio_of(doc.lines[pos + 1].text, name)):
                if len(doc.lines[pos + 1].text.split()) <= MAX_BIO_WORDS:
                    end = pos + 2
                    nxt = _person(doc.lines[pos + 1].text)
                    name = name or nxt
                    if nxt and pos + 2 < n and _bio_of(doc.lines[pos + 2].text, nxt):
                        end = pos + 3
            elif explicit:
                end = pos + 1
        elif _is(doc, pos, "role"):
            end = pos + 1
            if pos + 1 < n and (person := _person(doc.lines[pos + 1].text)):
                end, name = pos + 2, person
                if pos + 2 < n and _bio_of(doc.lines[pos + 2].text, person):
                    end = pos + 3
        elif _is(doc, pos, "closer"):
            m = _CLOSER_NAME.search(text)
            name = m.group(1) if m else None
            start = pos - 1 if pos > 0 and name and _bio_of(doc.lines[pos - 1].text, name) else pos
            if not boxes or boxes[-1][1] <= start:
                boxes.append((start, pos + 1, name))
            pos += 1
            continue
        if end is not None:
            boxes.append((pos, end, name))
            pos = end
            continue
        pos += 1
    return boxes


def box_name(doc: Doc) -> str | None:
    """The person an author box in `doc` is about, if any (used as the article's author)."""
    return next((name for _, _, name in find_boxes(doc) if name), None)


def detect(doc: Doc) -> list[Removal]:
    return [doc.block(f"{CONCEPT}.box", start, end) for start, end, _ in find_boxes(doc)]
