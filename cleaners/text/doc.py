"""The document model every text rule reads: the non-blank lines of the input, normalised once.

Rules never mutate a `Doc`; they return `Removal`s naming lines by their 0-based index in the
input (`Line.index`). A block removal's text is its lines joined with newlines (`Doc.block`), which
is how the engine maps a removal back onto the lines it covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from cleaners.article import Removal

if TYPE_CHECKING:
    from cleaners.text.classify import Features, Region

# Leading list bullets / arrows and trailing decoration that do not change what a line *is*
# (str.strip with a character set: linear, whatever the line).
_LEAD = " -–—•·*›»>|#+~"
_TRAIL = " :.,!…›»→>|*+~-–—"
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, collapse whitespace, trim bullets and trailing punctuation: `norm` of a line."""
    low = _SPACE.sub(" ", text).strip().lower()
    return low.lstrip(_LEAD).rstrip(_TRAIL)


@dataclass(frozen=True, slots=True)
class Line:
    index: int  # 0-based index of the line in the input text
    text: str  # the line without surrounding whitespace
    norm: str  # `normalise(text)`

    @property
    def n_words(self) -> int:
        return len(self.text.split())


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
        lines = tuple(
            Line(i, raw.strip(), normalise(raw)) for i, raw in enumerate(raw_lines) if raw.strip()
        )
        return cls(lines, language, host, from_extractor, raw=raw_lines)

    def with_flagged(self, flagged: frozenset[int]) -> Doc:
        """A copy that knows which positions stage-one rules removed (for layout decisions)."""
        copy = Doc(self.lines, self.language, self.host, self.from_extractor, flagged, self.raw)
        for name in ("lang", "features"):  # flag-independent caches carry over
            if name in self.__dict__:
                copy.__dict__[name] = self.__dict__[name]
        return copy

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

    @cached_property
    def lang(self) -> str | None:
        """Language used for stop-word features: the hint when we have a list for it, else a guess."""
        from cleaners.text.classify import guess_language, has_stopwords

        if self.language and has_stopwords(self.language.lower()[:2]):
            return self.language.lower()[:2]
        return guess_language(line.text for line in self.lines)

    @cached_property
    def features(self) -> list[Features]:
        from cleaners.text.classify import line_features

        return [line_features(line.text, self.lang) for line in self.lines]

    @cached_property
    def region(self) -> Region:
        from cleaners.text.classify import body_region

        return body_region(self)
