"""The document model every text rule reads: the non-blank lines of the input, normalised once.

Rules never mutate a `Doc`; they return `Removal`s naming lines by their 0-based index in the
input (`Line.index`). A block removal's text is its lines joined with newlines (`Doc.block`), which
is how the engine maps a removal back onto the lines it covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from unicodedata import category

from cleaners.article import Removal

if TYPE_CHECKING:
    from cleaners.text.classify import Features, Region

# Leading list bullets / arrows and trailing decoration that do not change what a line *is*
# (str.strip with a character set: linear, whatever the line).
_LEAD = " -–—•·*›»>|#+~"
_TRAIL = " :.,!…›»→>|*+~-–—"
_SPACE = re.compile(r"\s+")
# Pictographs and their joiners/selectors opening a line ("🚀 Sign up", "✉️ Reply by email"):
# decoration like the bullets above, trimmed by a character test (no regex scan of the line).
# Symbols below U+2000 (© ® ° ¶ ...) say something and stay.
_PICTO_CATEGORIES = frozenset(("So", "Sk", "Cf", "Mn", "Co", "Cs"))
_PICTO_FROM = "\u2000"


def _trim_pictographs(low: str) -> str:
    """`low` without leading pictographs (and the bullets/space after them)."""
    i = 0
    while i < len(low) and low[i] >= _PICTO_FROM and category(low[i]) in _PICTO_CATEGORIES:
        i += 1
    return low[i:].lstrip(_LEAD) if i else low


def normalise(text: str) -> str:
    """Lower-case, collapse whitespace, trim bullets and trailing punctuation: `norm` of a line."""
    return _trim_ends(_SPACE.sub(" ", text).strip().lower())


def _normalise_stripped(text: str) -> str:
    """`normalise` of an already stripped line; skips the whitespace regex when the only
    whitespace is single ASCII spaces (every other whitespace character is unprintable)."""
    if text.isprintable() and "  " not in text:
        return _trim_ends(text.lower())
    return normalise(text)


def _trim_ends(low: str) -> str:
    """A lower-cased, collapsed line without its leading bullets and pictographs and its
    trailing punctuation."""
    low = low.lstrip(_LEAD)
    if low and low[0] >= _PICTO_FROM:
        low = _trim_pictographs(low)
    return low.rstrip(_TRAIL)


@dataclass(frozen=True, slots=True)
class Line:
    index: int  # 0-based index of the line in the input text
    text: str  # the line without surrounding whitespace
    norm: str  # `normalise(text)`
    n_words: int = -1  # `len(text.split())`, computed when not given

    def __post_init__(self) -> None:
        if self.n_words < 0:
            object.__setattr__(self, "n_words", len(self.text.split()))


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@dataclass(eq=False)
class Doc:
    """Non-blank lines of one document plus what the engine has learnt about them so far."""

    lines: tuple[Line, ...]
    language: str | None = None  # caller's hint (ISO code) or the cheap stop-word guess
    host: str | None = None
    from_extractor: bool = False
    flagged: frozenset[int] = field(default_factory=frozenset)  # positions removed by signatures
    raw: tuple[str, ...] = ()  # every input line as given, blank ones included
    # Flag-independent derived data (language, line features, signature hits, author boxes),
    # computed once and shared by every `with_flagged` copy.
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    _region: Region | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        language: str | None = None,
        host: str | None = None,
        from_extractor: bool = False,
    ) -> Doc:
        raw_lines = tuple(split_lines(text))
        lines = []
        for i, raw in enumerate(raw_lines):
            stripped = raw.strip()
            if stripped:
                lines.append(
                    Line(i, stripped, _normalise_stripped(stripped), len(stripped.split()))
                )
        return cls(tuple(lines), language, host, from_extractor, raw=raw_lines)

    def with_flagged(self, flagged: frozenset[int]) -> Doc:
        """A copy that knows which positions stage-one rules removed (for layout decisions);
        flag-independent caches (`cache`) are shared with it."""
        return Doc(
            self.lines, self.language, self.host, self.from_extractor, flagged, self.raw, self.cache
        )

    @property
    def pos_of(self) -> dict[int, int]:
        """Position in `lines` of each non-blank input line index."""
        try:
            return self.cache["pos_of"]
        except KeyError:
            pass
        pos_of = {line.index: p for p, line in enumerate(self.lines)}
        self.cache["pos_of"] = pos_of
        return pos_of

    def __len__(self) -> int:
        return len(self.lines)

    def block(self, rule: str, start: int, end: int) -> Removal:
        """Removal of positions [start, end) (positions in `lines`, not input indices)."""
        text = "\n".join(line.text for line in self.lines[start:end])
        return Removal(rule=rule, text=text, line=self.lines[start].index)

    def source_block(self, rule: str, start: int, end: int) -> Removal:
        """Removal of positions [start, end) as reported to callers: the input lines from the first
        to the last of them, blank lines between included (`cleaners.article.Removal`'s contract)."""
        first, last = self.lines[start].index, self.lines[end - 1].index
        if not self.raw:
            return self.block(rule, start, end)
        return Removal(rule=rule, text="\n".join(self.raw[first : last + 1]), line=first)

    def one(self, rule: str, pos: int) -> Removal:
        return self.block(rule, pos, pos + 1)

    @property
    def words(self) -> list[tuple[list[str], list[str]]]:
        """Per position: the line's words (`classify.line_words`) and their lower-cased forms."""
        try:
            return self.cache["words"]
        except KeyError:
            pass
        from cleaners.text.classify import line_words

        out = []
        for line in self.lines:
            ws = line_words(line.text)
            out.append((ws, list(map(str.lower, ws))))
        self.cache["words"] = out
        return out

    @property
    def lang(self) -> str | None:
        """Language used for stop-word features: the hint when we have a list for it, else a guess."""
        try:
            return self.cache["lang"]
        except KeyError:
            pass
        from cleaners.text.classify import guess_from_words, has_stopwords

        if self.language and has_stopwords(self.language.lower()[:2]):
            lang: str | None = self.language.lower()[:2]
        else:
            words = self.words
            lang = guess_from_words(
                (line.text, partial(itemgetter(1), w))
                for line, w in zip(self.lines, words, strict=True)
            )
        self.cache["lang"] = lang
        return lang

    @property
    def features(self) -> list[Features]:
        try:
            return self.cache["features"]
        except KeyError:
            pass
        from cleaners.text.classify import features_of

        lang = self.lang
        feats = [
            features_of(line.text, lang, line.n_words, ws, lower)
            for line, (ws, lower) in zip(self.lines, self.words, strict=True)
        ]
        self.cache["features"] = feats
        return feats

    @property
    def region(self) -> Region:
        if self._region is None:
            from cleaners.text.classify import body_region

            self._region = body_region(self)
        return self._region
