"""Every signature regex is linear-time: by structure (no repeated group that itself contains a
repeat, the classic catastrophic-backtracking shape) and by running it on long adversarial lines
with a generous time bound."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from cleaners.text import clean_text, signatures
from cleaners.text.classify import line_features
from cleaners.text.meta import byline_name, find_date, split_trailing_date
from cleaners.text.navigation import is_breadcrumb
from cleaners.text.share import is_share_bar
from cleaners.text.social_embed import ATTRIBUTION, POST_LINK, SHORT_LINK

try:  # Python 3.11+: the regex parser lives in re._parser
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

LONG = 200_000
ADVERSARIAL = [
    "a" * LONG,
    "a " * (LONG // 2),
    "share " * (LONG // 6),
    "-" * LONG + "x",
    "— " + "x" * LONG + " (@" + "a" * LONG,
    "photo: " + "b" * LONG,
    "home » " * (LONG // 7),
    "1" * LONG,
    ("facebook twitter " * (LONG // 17)) + "!",
    "by " + "Ab " * (LONG // 3),
    " " * LONG + "x",
    "march 7, 2025 " * (LONG // 14),
]
BOUND_SECONDS = 10.0  # generous: a linear regex takes milliseconds; a catastrophic one never ends

_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT}
if hasattr(sre_parse, "POSSESSIVE_REPEAT"):  # Python 3.11+
    _REPEATS.add(sre_parse.POSSESSIVE_REPEAT)


def _all_rules() -> Iterator[signatures.SignatureRule]:
    for concept in signatures.concepts():
        if concept == "meta":
            continue
        yield from signatures.load(concept).rules


def _nested_repeat(items: object, inside_repeat: bool = False) -> bool:
    """True when a repeat that can match many times sits inside another such repeat."""
    for op, av in items:  # type: ignore[attr-defined]
        if op in _REPEATS:
            _lo, hi, sub = av
            many = hi is sre_parse.MAXREPEAT or hi > 1
            children, inside = [sub], inside_repeat or many
            if inside_repeat and many:
                return True
        elif op is sre_parse.SUBPATTERN:
            children, inside = [av[-1]], inside_repeat
        elif op is sre_parse.BRANCH:
            children, inside = list(av[1]), inside_repeat
        else:
            continue
        if any(_nested_repeat(child, inside) for child in children):
            return True
    return False


PATTERNS = [(r.rule, p.pattern) for r in _all_rules() for p in r.patterns]


@pytest.mark.parametrize("rule,pattern", PATTERNS, ids=[f"{r}:{p[:30]}" for r, p in PATTERNS])
def test_no_nested_quantifiers(rule: str, pattern: str) -> None:
    assert not _nested_repeat(sre_parse.parse(pattern)), f"{rule}: nested repeat in {pattern!r}"


def test_structure_check_can_fail() -> None:
    assert _nested_repeat(sre_parse.parse(r"(a+)+b"))
    assert _nested_repeat(sre_parse.parse(r"(?:\w+ ?)*x"))
    assert not _nested_repeat(sre_parse.parse(r"(?:ab)?c+"))


def test_all_patterns_on_adversarial_lines() -> None:
    start = time.perf_counter()
    for rule in _all_rules():
        for line in ADVERSARIAL:
            rule.matches(line, len(line.split()))
            for p in rule.patterns:  # each pattern raw, without the engine's length guards
                p.match(line)
                p.search(line[-signatures.SUFFIX_CHARS :])
    assert time.perf_counter() - start < BOUND_SECONDS * 6


def test_python_level_matchers_on_adversarial_lines() -> None:
    start = time.perf_counter()
    for line in ADVERSARIAL:
        line_features(line, "en")
        find_date(line)
        split_trailing_date(line)
        byline_name(line)
        is_breadcrumb(line)
        is_share_bar(line, frozenset({"facebook"}), frozenset({"share"}))
        ATTRIBUTION.match(line)
        POST_LINK.search(line[-60:])
        SHORT_LINK.search(line[-300:])
        re.compile(r"\s+").sub(" ", line)
    assert time.perf_counter() - start < BOUND_SECONDS


def test_clean_text_on_adversarial_document() -> None:
    text = "\n".join([*ADVERSARIAL, "An ordinary closing sentence of the article stays in place."])
    start = time.perf_counter()
    result = clean_text(text)
    assert time.perf_counter() - start < BOUND_SECONDS * 3
    assert isinstance(result.text, str)


def test_large_document_with_many_prose_islands() -> None:
    """Thousands of prose islands between menu lines: the region search must stay near-linear."""
    para = "The committee met again and agreed that the plan needs more work before it is shown."
    lines: list[str] = []
    for i in range(2500):
        lines += [f"{para} ({i})", "Home", "Privacy Policy", "Contact"]
    start = time.perf_counter()
    result = clean_text("\n".join(lines))
    assert time.perf_counter() - start < BOUND_SECONDS * 3
    assert result.text.count("The committee met again") >= 1
