"""Load boilerplate signatures (data files `signatures/<concept>.toml`) and match them on lines.

A signature file holds named rules; each rule has a `kind` and regexes per language (`any`, `en`,
`de`, `fr`, `es`, `it`, `pt`, `nl`, ...). Regexes are matched against `Line.norm` (lower-cased,
whitespace collapsed, bullets and trailing punctuation trimmed) and are always anchored:

- `line`   the whole line is the signature (`fullmatch`).
- `prefix` the line starts with the signature and has at most `max_words` words.
- `suffix` the line ends with the signature (a pattern ending in `$`, searched in the last
           `SUFFIX_CHARS` characters only) and has at most `max_words` words: caption credits.
- `block`  the whole line is a section header; it and the short lines after it go (up to
           `block_lines` lines of at most `block_words` words, stopping at the first prose line).
- `tail`   a section header (comments, related list) that, once it follows the article body,
           ends the article: stage two removes everything after it (see `tail.py`).
- `marker` never removed alone; evidence other rules count (comment bylines in `tail.py`).

A rule with `extractor = false` (bare one-word menu/button lines) is skipped for text that is
already an extractor's main content (`from_extractor=True`): there a lone "Services" is a heading.

All languages are applied at once: anchored whole-line phrases of one language are not article
text in another. Files are parsed with `tomllib` and compiled once per process.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cleaners.article import Removal
from cleaners.text.doc import Doc

KINDS = ("line", "prefix", "suffix", "block", "tail", "marker")
SUFFIX_CHARS = 160  # suffix patterns (ending in `$`) only ever look at the end of a line
MAX_LINE_CHARS = 400  # signatures are short lines; longer lines are prose and never matched


@dataclass(frozen=True, slots=True)
class SignatureRule:
    concept: str
    name: str
    kind: str
    patterns: tuple[re.Pattern[str], ...]  # each pattern alone (tests, explanations)
    combined: re.Pattern[str]  # all patterns as one alternation: one regex call per line
    max_words: int
    block_lines: int
    block_words: int
    extractor: bool = True  # applies to `from_extractor` text too (False: scraped text only)

    @property
    def rule(self) -> str:
        return f"{self.concept}.{self.name}"

    def matches(self, norm: str, n_words: int) -> bool:
        if self.kind == "prefix":  # anchored at the start: safe on lines of any length
            return n_words <= self.max_words and self.combined.match(norm) is not None
        if self.kind == "suffix":
            end = norm[-SUFFIX_CHARS:]
            return n_words <= self.max_words and self.combined.search(end) is not None
        if len(norm) > MAX_LINE_CHARS:
            return False
        return self.combined.fullmatch(norm) is not None


@dataclass(frozen=True, slots=True)
class SignatureSet:
    concept: str
    rules: tuple[SignatureRule, ...]
    words: dict[str, frozenset[str]]  # named vocabularies for token-based rules of the concept

    def of_kind(self, kind: str) -> tuple[SignatureRule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)

    def match(self, doc: Doc, pos: int) -> SignatureRule | None:
        line = doc.lines[pos]
        n = line.n_words
        for rule in self.rules:
            if rule.kind == "marker" or (doc.from_extractor and not rule.extractor):
                continue
            if rule.matches(line.norm, n):
                return rule
        return None

    def detect(self, doc: Doc) -> list[Removal]:
        """Every line/prefix/block/tail-header hit of this concept in `doc`."""
        out: list[Removal] = []
        pos = 0
        while pos < len(doc):
            rule = self.match(doc, pos)
            if rule is None:
                pos += 1
                continue
            end = pos + 1
            if rule.kind == "block":
                end = block_end(doc, pos, rule.block_lines, rule.block_words)
            out.append(doc.block(rule.rule, pos, end))
            pos = end
        return out


_SENTENCE_END = re.compile(r"[.!?…:;\"”»)]$")


def block_end(doc: Doc, pos: int, max_lines: int, max_words: int) -> int:
    """End (exclusive) of the block a header at `pos` opens: following short non-prose lines."""
    end = pos + 1
    while end < len(doc) and end - pos <= max_lines:
        line = doc.lines[end]
        if line.n_words > max_words or (line.n_words >= 8 and _SENTENCE_END.search(line.text)):
            break
        end += 1
    return end


def _compile(patterns: list[str], where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:  # a broken data file must fail loudly, naming the pattern
            raise ValueError(f"{where}: bad pattern {p!r}: {exc}") from exc
    return tuple(out)


def parse(concept: str, data: dict[str, object]) -> SignatureSet:
    settings = data.get("settings", {})
    assert isinstance(settings, dict)
    rules = []
    for raw in data.get("rule", []):  # type: ignore[attr-defined]
        kind = raw.get("kind", "line")
        if kind not in KINDS:
            raise ValueError(f"{concept}.{raw.get('name')}: unknown kind {kind!r}")
        pats: list[str] = []
        for key, value in raw.items():
            if key not in ("name", "kind", "max_words", "block_lines", "block_words", "extractor"):
                pats.extend(value)
        compiled = _compile(pats, f"{concept}.{raw['name']}")
        rules.append(
            SignatureRule(
                concept=concept,
                name=raw["name"],
                kind=kind,
                patterns=compiled,
                combined=re.compile(
                    "|".join(f"(?:{p.pattern})" for p in compiled) or "(?!)", re.IGNORECASE
                ),
                max_words=int(raw.get("max_words", settings.get("max_words", 12))),
                block_lines=int(raw.get("block_lines", settings.get("block_lines", 10))),
                block_words=int(raw.get("block_words", settings.get("block_words", 12))),
                extractor=bool(raw.get("extractor", True)),
            )
        )
    words_raw = data.get("words", {})
    assert isinstance(words_raw, dict)
    words = {name: frozenset(w.lower() for w in lst) for name, lst in words_raw.items()}
    return SignatureSet(concept, tuple(rules), words)


@cache
def load(concept: str) -> SignatureSet:
    """The compiled signatures of `concept` (cached for the process)."""
    source = resources.files("cleaners.text").joinpath("signatures", f"{concept}.toml")
    return parse(concept, tomllib.loads(source.read_text(encoding="utf-8")))


def concepts() -> list[str]:
    """Names of all shipped signature files."""
    folder = resources.files("cleaners.text").joinpath("signatures")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))
