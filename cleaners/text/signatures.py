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
A rule with `needs = [...]` (lower-case strings, one of which every match contains) is only tried
on lines holding one of them: for patterns that cannot be gated by their first character (a site
name before the phrase: "<Name> is registered in England ...").

The languages of ALWAYS_LANGUAGES are applied at once to every document: anchored whole-line
phrases of one language are not article text in another. Patterns of the other languages are
added for documents that may be in another language (see ALWAYS_LANGUAGES). Files are parsed
with `tomllib` and compiled once per process.

Speed (answers are exactly those of `SignatureRule.matches`): `line_hits(doc)` tests every line
once against all rules of all files and is shared by the concept modules, `tail` and
`author_box`. Each pattern carries necessary conditions derived from its parsed form (`_gates`,
`_required_of`): its length range, the characters it can start with and, for short lower-case
ASCII lines, strings one of which every match contains. A line is tested only against the
alternation of the patterns that pass them (memoised per first character and length class), and
short lines' answers are remembered per process (`MEMO_SIZE`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from re import _parser as _sre_parse  # type: ignore[attr-defined]  # (3.11+) pattern analysis
from typing import Any

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
    sources: tuple[str, ...]  # each pattern's source, as in the data file
    combined: re.Pattern[str]  # all patterns as one alternation: one regex call per line
    max_words: int
    block_lines: int
    block_words: int
    extractor: bool = True  # applies to `from_extractor` text too (False: scraped text only)
    needs: re.Pattern[str] | None = None  # one of the data file's `needs` strings is in every match
    # Necessary conditions derived from the patterns (see `_gates`), so most lines are ruled out
    # without running the regex: the norm's length must lie in [min_chars, max_chars] (`max_chars`
    # only for whole-line kinds) and, for anchored kinds, its first character must match `first`
    # (None: any character can start a match).
    # Per pattern: (min_chars, max_chars, first) as `_gates` defines them, and `_required`'s
    # strings (one of them is in every match) or None.
    gates: tuple[tuple[int, int, re.Pattern[str] | None], ...] = ()
    required: tuple[tuple[str, ...] | None, ...] = ()
    # Per pattern: whether it belongs to a language outside ALWAYS_LANGUAGES.
    regional: tuple[bool, ...] = ()

    @property
    def rule(self) -> str:
        return f"{self.concept}.{self.name}"

    @property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        """Each pattern compiled alone (tests, explanations). Compiled on demand: matching
        only ever uses `combined` and subsets of `sources`, and compiling all ~1,900 patterns
        one by one was a third of every worker's start-up."""
        return tuple(re.compile(p, re.IGNORECASE) for p in self.sources)

    def matches(self, norm: str, n_words: int) -> bool:
        if self.needs is not None and self.needs.search(norm) is None:
            return False
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
        if _registered(self):
            return self._first_hit(doc, line_hits(doc)[pos])
        line = doc.lines[pos]
        n = line.n_words
        for rule in self.rules:
            if rule.kind == "marker" or (doc.from_extractor and not rule.extractor):
                continue
            if rule.matches(line.norm, n):
                return rule
        return None

    def _first_hit(self, doc: Doc, hits: tuple[SignatureRule, ...]) -> SignatureRule | None:
        for rule in hits:  # in registry order: this concept's rules in file order
            if rule.concept != self.concept:
                continue
            if rule.kind == "marker" or (doc.from_extractor and not rule.extractor):
                continue
            return rule
        return None

    def detect(self, doc: Doc) -> list[Removal]:
        """Every line/prefix/block/tail-header hit of this concept in `doc`."""
        out: list[Removal] = []
        hits = line_hits(doc) if _registered(self) else None
        pos = 0
        n = len(doc)
        while pos < n:
            if hits is not None:
                rule = self._first_hit(doc, hits[pos]) if hits[pos] else None
            else:
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


_SENTENCE_END_CHARS = '.!?…:;"”»)'  # `[.!?…:;"”»)]$`


def _ends_sentence(text: str) -> bool:
    last = text[-1:]
    if last == "\n":  # `$` also matches before a final newline
        last = text[-2:-1]
    return last != "" and last in _SENTENCE_END_CHARS


def block_end(doc: Doc, pos: int, max_lines: int, max_words: int) -> int:
    """End (exclusive) of the block a header at `pos` opens: following short non-prose lines."""
    end = pos + 1
    while end < len(doc) and end - pos <= max_lines:
        line = doc.lines[end]
        if line.n_words > max_words or (line.n_words >= 8 and _ends_sentence(line.text)):
            break
        end += 1
    return end


def _parse_all(patterns: list[str], where: str) -> tuple[list[Any], re.Pattern[str]]:
    """Each pattern parsed (for `_gates` and `_required_of`) and all of them compiled as one
    alternation. A broken data file fails loudly, naming the pattern: parsing catches syntax
    errors, and a pattern only the compiler rejects (a variable-width look-behind) is found by
    compiling the patterns one by one, which only happens then."""
    parsed = []
    for p in patterns:
        try:
            parsed.append(_sre_parse.parse(p, re.IGNORECASE))
        except re.error as exc:
            raise ValueError(f"{where}: bad pattern {p!r}: {exc}") from exc
    combined = "|".join(f"(?:{p})" for p in patterns) or "(?!)"
    try:
        return parsed, re.compile(combined, re.IGNORECASE)
    except re.error as exc:
        for p in patterns:
            try:
                re.compile(p, re.IGNORECASE)
            except re.error as one:
                raise ValueError(f"{where}: bad pattern {p!r}: {one}") from one
        raise ValueError(f"{where}: bad patterns: {exc}") from exc


def _needs(strings: list[str]) -> re.Pattern[str] | None:
    """One regex finding any of a rule's `needs` strings (None: the rule has none)."""
    if not strings:
        return None
    return re.compile("|".join(re.escape(n.lower()) for n in strings))


_SETTING_KEYS = ("name", "kind", "max_words", "block_lines", "block_words", "extractor", "needs")

# Patterns of these keys are tried on every document: English and the major Western European
# languages, whose boilerplate (share bars, cookie notices, comment forms) turns up on sites in
# any language. Those of the other languages (pl, cs, ru, sv, da, nb) only on documents that
# hold a letter of their alphabets that these lack (`REGIONAL_LETTERS`), or whose language hint
# is not one of these: tried on every line of every document they cost ~20% of the cleaning
# time of English pages, and would find nothing there.
ALWAYS_LANGUAGES = frozenset({"any", "en", "de", "fr", "es", "it", "pt", "nl"})
# Swedish, Danish and Norwegian text has å, æ or ø; Polish ł, ą, ę, ś, ź, ż, ć or ń; Czech č, ř,
# ě, ů, ď, ť or ň; Russian Cyrillic. One of them in a document (a name is enough) adds the
# regional patterns: a cheap test, and erring towards trying more patterns.
REGIONAL_LETTERS = re.compile(
    "[åæøłąęśźżćńčřěůďťňÅÆØŁĄĘŚŹŻĆŃČŘĚŮĎŤŇЀ-ӿ]"
)  # no IGNORECASE: 3x slower


def parse(concept: str, data: dict[str, object]) -> SignatureSet:
    settings = data.get("settings", {})
    assert isinstance(settings, dict)
    rules = []
    for raw in data.get("rule", []):  # type: ignore[attr-defined]
        kind = raw.get("kind", "line")
        if kind not in KINDS:
            raise ValueError(f"{concept}.{raw.get('name')}: unknown kind {kind!r}")
        pats: list[str] = []
        regional: list[bool] = []
        for key, value in raw.items():
            if key not in _SETTING_KEYS:
                pats.extend(value)
                regional += [key not in ALWAYS_LANGUAGES] * len(value)
        parsed, combined = _parse_all(pats, f"{concept}.{raw['name']}")
        rules.append(
            SignatureRule(
                concept=concept,
                name=raw["name"],
                kind=kind,
                sources=tuple(pats),
                combined=combined,
                gates=tuple(_gates(tree, kind) for tree in parsed),
                required=tuple(_required_of(tree) for tree in parsed),
                max_words=int(raw.get("max_words", settings.get("max_words", 12))),
                block_lines=int(raw.get("block_lines", settings.get("block_lines", 10))),
                block_words=int(raw.get("block_words", settings.get("block_words", 12))),
                extractor=bool(raw.get("extractor", True)),
                needs=_needs(raw.get("needs", ())),
                regional=tuple(regional),
            )
        )
    words_raw = data.get("words", {})
    assert isinstance(words_raw, dict)
    words = {name: frozenset(w.lower() for w in lst) for name, lst in words_raw.items()}
    return SignatureSet(concept, tuple(rules), words)


def vocabulary_alternation(concept: str, name: str) -> str | None:
    """The word list `name` of `concept`'s signature file as a regex alternation of escaped
    entries, longest first (a longer entry wins over its prefix); None when the list is empty."""
    entries = load(concept).words.get(name, frozenset())
    if not entries:
        return None
    return "|".join(re.escape(e) for e in sorted(entries, key=len, reverse=True))


@cache
def load(concept: str) -> SignatureSet:
    """The compiled signatures of `concept` (cached for the process)."""
    source = resources.files("cleaners.text").joinpath("signatures", f"{concept}.toml")
    return parse(concept, tomllib.loads(source.read_text(encoding="utf-8")))


def concepts() -> list[str]:
    """Names of all shipped signature files."""
    folder = resources.files("cleaners.text").joinpath("signatures")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


# --- Cheap necessary conditions and the per-document hit table -----------------------------------

_ANY = "any"  # a first position that can be any character


def _class_of(items: list[tuple[Any, Any]]) -> str | None:
    """A character-class regex equivalent to a parsed `[...]` (None when not expressible)."""
    out: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            out.insert(0, "^")
        elif name == "LITERAL":
            out.append(re.escape(chr(av)))
        elif name == "RANGE":
            out.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif name == "CATEGORY":
            cat = {
                "CATEGORY_DIGIT": r"\d",
                "CATEGORY_NOT_DIGIT": r"\D",
                "CATEGORY_SPACE": r"\s",
                "CATEGORY_NOT_SPACE": r"\S",
                "CATEGORY_WORD": r"\w",
                "CATEGORY_NOT_WORD": r"\W",
            }.get(str(av))
            if cat is None:
                return None
            out.append(cat)
        else:
            return None
    return "[" + "".join(out) + "]"


def _first_seq(seq: Any) -> tuple[list[str] | str, bool]:
    """(classes that can match the first character, whether the sequence can match empty)."""
    out: list[str] = []
    for op, av in seq:
        first, nullable = _first_item(str(op), av)
        if first == _ANY:
            return _ANY, False
        assert isinstance(first, list)
        out.extend(first)
        if not nullable:
            return out, False
    return out, True


def _first_item(name: str, av: Any) -> tuple[list[str] | str, bool]:
    if name == "LITERAL":
        return [re.escape(chr(av))], False
    if name == "NOT_LITERAL":
        return [f"[^{re.escape(chr(av))}]"], False
    if name == "IN":
        cls = _class_of(av)
        return ([cls] if cls else _ANY), False
    if name in ("AT", "ASSERT", "ASSERT_NOT"):  # zero-width: the next item decides
        return [], True
    if name == "SUBPATTERN":
        return _first_seq(av[-1])
    if name == "ATOMIC_GROUP":
        return _first_seq(av)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, _hi, sub = av
        first, nullable = _first_seq(sub)
        return first, nullable or lo == 0
    if name == "BRANCH":
        out: list[str] = []
        any_nullable = False
        for alt in av[1]:
            first, nullable = _first_seq(alt)
            if first == _ANY:
                return _ANY, False
            assert isinstance(first, list)
            out.extend(first)
            any_nullable = any_nullable or nullable
        return out, any_nullable
    return _ANY, False  # anything else (ANY, group references...): no condition


def _gates(parsed: Any, kind: str) -> tuple[int, int, re.Pattern[str] | None]:
    """(min_chars, max_chars, first) for one pattern of a rule: a line whose norm is shorter
    than min_chars (longer than max_chars for whole-line kinds), or, for anchored kinds, whose
    first character cannot start the pattern, never matches. Character classes are compiled with
    the rule's own IGNORECASE, so case folding is the regex engine's."""
    lo, hi = parsed.getwidth()
    max_chars = MAX_LINE_CHARS if kind in ("prefix", "suffix") else min(hi, MAX_LINE_CHARS)
    if kind == "suffix":
        return 0, max_chars, None  # searched, not anchored at the start; lengths vary
    first, nullable = _first_seq(parsed.data)
    if first == _ANY or (nullable and kind == "prefix"):
        return lo, max_chars, None
    return lo, max_chars, re.compile("|".join(first) or "(?!)", re.IGNORECASE)


_LITERAL_CAP = 64


def _literals(seq: Any) -> list[str] | None:
    """Every string `seq` matches when it is made of literals only (groups, alternations)."""
    out = [""]
    for op, av in seq:
        name = str(op)
        alts: list[str] | None
        if name == "LITERAL":
            alts = [chr(av)]
        elif name == "SUBPATTERN":
            alts = _literals(av[-1])
        elif name == "BRANCH":
            alts = []
            for alt in av[1]:
                found = _literals(alt)
                if found is None:
                    return None
                alts.extend(found)
        else:
            return None
        if alts is None:
            return None
        out = [x + y for x in out for y in alts]
        if len(out) > _LITERAL_CAP:
            return None
    return out


def _required(seq: Any) -> list[str] | None:
    """Non-empty strings one of which every match of `seq` contains (None: none found)."""
    best: list[str] | None = None

    def consider(found: list[str] | None) -> None:
        nonlocal best
        if not found or not all(found):
            return
        if best is None or min(map(len, found)) > min(map(len, best)):
            best = found

    run = [""]  # strings matched by the current run of consecutive literal-only items
    for op, av in seq:
        name = str(op)
        lits = _literals([(op, av)]) if name in ("LITERAL", "SUBPATTERN", "BRANCH") else None
        if lits is not None:
            joined = [x + y for x in run for y in lits]
            if len(joined) <= _LITERAL_CAP:
                run = joined
            else:
                consider(run)
                run = lits
            continue
        consider(run)
        run = [""]
        if name == "SUBPATTERN":
            consider(_required(av[-1]))
        elif name == "ATOMIC_GROUP":
            consider(_required(av))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            consider(_required(av[2]))
        elif name == "BRANCH":
            parts = [_required(alt) for alt in av[1]]
            if all(p is not None for p in parts):
                consider(sorted({x for p in parts if p is not None for x in p}))
    consider(run)
    return best


@cache
def _folds_to_ascii(char: str) -> bool:
    """Whether a non-ASCII pattern character matches some ASCII character case-insensitively
    (the regex engine's own folding: "ſ" ~ "s", "K" (Kelvin) ~ "k", "İ" ~ "i"...)."""
    pattern = re.compile(re.escape(char), re.IGNORECASE)
    return any(pattern.fullmatch(chr(c)) for c in range(128))


def _required_of(parsed: Any) -> tuple[str, ...] | None:
    """What a lower-case ASCII line must contain for `pattern` to match it: one of these
    lower-cased ASCII strings; () when the pattern can never match ASCII text; None when no
    such condition is known. Only ever applied to lower-case ASCII lines, where case-insensitive
    matching of ASCII literals is plain comparison."""
    found = _required(parsed.data)
    if found is None:
        return None
    out = set()
    for lit in found:
        if lit.isascii():
            out.add(lit.lower())
        elif any(not c.isascii() and _folds_to_ascii(c) for c in lit):
            return None  # could match ASCII text through case folding: no condition
        # else: a character no ASCII text has; this alternative never occurs in an ASCII line
    return tuple(sorted(out))


@cache
def registry() -> tuple[SignatureRule, ...]:
    """Every rule of every shipped signature file, in file order (concepts sorted)."""
    return tuple(rule for concept in concepts() for rule in load(concept).rules)


def _registered(sigs: SignatureSet) -> bool:
    return load(sigs.concept) is sigs


_FULL, _PREFIX, _SUFFIX = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Probe:
    """How to test one rule on lines starting with a given character: the alternation of only
    those of its patterns that can start with it, and the lengths those patterns allow."""

    rule: SignatureRule
    mode: int  # _FULL (fullmatch), _PREFIX (match) or _SUFFIX (search in the line's end)
    regex: re.Pattern[str]
    min_chars: int
    max_chars: int  # whole-line kinds only
    max_words: int  # prefix / suffix kinds only
    # One of these strings is in every match: derived from the patterns (ASCII lines, see
    # `_required_of`) or the rule's `needs` (every line).
    required: re.Pattern[str] | None = None


# Lines are dispatched by first character and by length class: (upper bounds of the classes)
LENGTH_CLASSES = (8, 16, 32, 64, 128, 256, MAX_LINE_CHARS)
# Required-strings tests only pay on lines up to this long: on longer ones, scanning the whole
# line costs more than the anchored regexes they would spare (measured on the eval pages).
REQUIRED_MAX_CHARS = 256
_PROBES: dict[tuple[str, int, bool, bool], tuple[_Probe, ...]] = {}
_SUBSETS: dict[tuple[int, tuple[int, ...]], re.Pattern[str]] = {}


def _length_class(n_chars: int) -> int:
    for i, hi in enumerate(LENGTH_CLASSES):
        if n_chars <= hi:
            return i
    return len(LENGTH_CLASSES)


def _probes(
    char: str, length_class: int, ascii_line: bool, regional: bool = True
) -> tuple[_Probe, ...]:
    """Probes of every registry rule that can match a line starting with `char` whose norm
    length falls in `length_class` (memoised). For ASCII lines, patterns whose first character
    is not fixed also get a required-strings test (`_required_of`). Without `regional`, only
    the patterns of ALWAYS_LANGUAGES."""
    try:
        return _PROBES[char, length_class, ascii_line, regional]
    except KeyError:
        pass
    lo_len = LENGTH_CLASSES[length_class - 1] + 1 if length_class else 0
    hi_len = (
        LENGTH_CLASSES[length_class] if length_class < len(LENGTH_CLASSES) else 1 << 62
    )  # lines in the class have lo_len <= length <= hi_len
    out = []
    for rule, can_start in zip(registry(), _starting_with(char, regional), strict=True):
        whole_line = rule.kind not in ("prefix", "suffix")
        keep = tuple(
            i
            for i in can_start
            if rule.gates[i][0] <= hi_len
            and (not whole_line or rule.gates[i][1] >= lo_len)
            and not (ascii_line and rule.required[i] == ())
        )
        if not keep:
            continue
        required = None
        if ascii_line and any(_weak_first(rule, i) for i in keep):
            lits = [rule.required[i] for i in keep]
            if all(lit is not None for lit in lits):
                union = sorted({x for lit in lits if lit is not None for x in lit})
                required = re.compile("|".join(re.escape(x) for x in union))
        if rule.needs is not None:
            required = rule.needs  # the data file's own condition, on every line
        # The regex tests every pattern that can start with `char`, also those the line's
        # length (or ASCII) rules out: they cannot match, and one alternation per rule and first
        # character halves the compiling (each worker does it on its first pages).
        if len(can_start) == len(rule.sources):
            regex = rule.combined
        else:
            key = (id(rule), can_start)
            if key not in _SUBSETS:
                _SUBSETS[key] = re.compile(
                    "|".join(f"(?:{rule.sources[i]})" for i in can_start), re.IGNORECASE
                )
            regex = _SUBSETS[key]
        lo = min(rule.gates[i][0] for i in keep)
        hi = max(rule.gates[i][1] for i in keep)
        mode = {"prefix": _PREFIX, "suffix": _SUFFIX}.get(rule.kind, _FULL)
        out.append(_Probe(rule, mode, regex, lo, hi, rule.max_words, required))
    found = tuple(out)
    _PROBES[char, length_class, ascii_line, regional] = found
    return found


@cache
def _starting_with(char: str, regional: bool = True) -> tuple[tuple[int, ...], ...]:
    """Per registry rule, the patterns that can match a line starting with `char` (without
    `regional`: of ALWAYS_LANGUAGES only)."""
    return tuple(
        tuple(
            i
            for i, (_lo, _hi, first) in enumerate(rule.gates)
            if (regional or not rule.regional[i])
            and (rule.kind == "suffix" or first is None or first.fullmatch(char) is not None)
        )
        for rule in registry()
    )


def _weak_first(rule: SignatureRule, i: int) -> bool:
    """Whether pattern `i` of `rule` can start with many characters (a class, or anything)."""
    first = rule.gates[i][2]
    return rule.kind == "suffix" or first is None or "[" in first.pattern


def rules_matching(norm: str, n_words: int, regional: bool = True) -> tuple[SignatureRule, ...]:
    """Every registry rule that matches a line: the same answer as `rule.matches` on each rule,
    testing only the patterns that can start with the line's first character and match a line
    of its length, and (short lower-case ASCII lines) only when the line holds one of the
    strings every match contains. Without `regional`: only patterns of ALWAYS_LANGUAGES."""
    if not norm:
        return tuple(r for r in registry() if r.matches(norm, n_words))
    n_chars = len(norm)
    out = []
    # Required strings are lower-case ASCII: tested on lower-case ASCII lines only (every norm
    # with a letter is; `islower` is False without any cased character, which only skips tests),
    # and only up to REQUIRED_MAX_CHARS.
    ascii_line = n_chars <= REQUIRED_MAX_CHARS and norm.isascii() and norm.islower()
    for probe in _probes(norm[0], _length_class(n_chars), ascii_line, regional):
        if n_chars < probe.min_chars:
            continue
        mode = probe.mode
        if mode == _FULL:
            if n_chars > probe.max_chars:
                continue
        elif n_words > probe.max_words:
            continue
        if probe.required is not None and probe.required.search(norm) is None:
            continue
        if mode == _FULL:
            if probe.regex.fullmatch(norm) is not None:
                out.append(probe.rule)
        elif mode == _PREFIX:
            if probe.regex.match(norm) is not None:
                out.append(probe.rule)
        elif probe.regex.search(norm[-SUFFIX_CHARS:]) is not None:
            out.append(probe.rule)
    return tuple(out)


def line_hits(doc: Doc) -> list[tuple[SignatureRule, ...]]:
    """For each position of `doc`, the registry rules its line matches (computed once per
    document, shared by `with_flagged` copies)."""
    try:
        return doc.cache["hits"]
    except KeyError:
        pass
    memo = _MEMO
    hits = []
    regional = _regional(doc)
    for line in doc.lines:
        norm = line.norm
        if len(norm) > MEMO_MAX_CHARS:  # prose: rarely seen twice
            hits.append(rules_matching(norm, line.n_words, regional))
            continue
        key = (norm, line.n_words, regional)
        found = memo.get(key)
        if found is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            found = memo[key] = rules_matching(norm, line.n_words, regional)
        hits.append(found)
    doc.cache["hits"] = hits
    return hits


# Short lines (menus, buttons, footers, a site's template) recur across the pages of a crawl:
# their hits are remembered per process (bounded; the answer depends on the line only).
MEMO_MAX_CHARS = 160
MEMO_SIZE = 20_000  # a few MB at most
_MEMO: dict[tuple[str, int, bool], tuple[SignatureRule, ...]] = {}


def _regional(doc: Doc) -> bool:
    """Whether the patterns of languages outside ALWAYS_LANGUAGES are tried on `doc`."""
    hint = (doc.language or "")[:2].lower()
    if hint and hint not in ALWAYS_LANGUAGES:
        return True
    return REGIONAL_LETTERS.search("\n".join(line.text for line in doc.lines)) is not None


def has_hit(doc: Doc, pos: int, rule: SignatureRule) -> bool:
    """`rule.matches` on the line at `pos`, from the hit table when `rule` is a registry rule."""
    if id(rule) in _registry_ids():
        return any(h is rule for h in line_hits(doc)[pos])
    line = doc.lines[pos]
    return rule.matches(line.norm, line.n_words)


@cache
def _registry_ids() -> frozenset[int]:
    return frozenset(id(r) for r in registry())


def clear_memo() -> None:
    """Forget the remembered hits of short lines (`line_hits`)."""
    _MEMO.clear()
