"""Each concept's detect() on one-line documents: drops what it should (with the right rule
name), keeps near misses (article sentences mentioning Twitter, cookies, comments, authors...)."""

from __future__ import annotations

import importlib

import pytest

from cleaners.text.doc import Doc

from .conftest import load_fixture

CASES = load_fixture("concepts.toml")["case"]


def _id(case: dict[str, str]) -> str:
    verdict = case["expect"] or "keep"
    return f"{case['concept']}:{verdict}:{case['text'][:40]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_concept_line(case: dict[str, str]) -> None:
    module = importlib.import_module(f"cleaners.text.{case['concept']}")
    doc = Doc.from_text(case["text"], language=case.get("language"))
    removals = module.detect(doc)
    rules = {r.rule for r in removals}
    if case["expect"]:
        assert rules == {case["expect"]}, f"{case['text']!r} removed by {rules}"
        assert all(r.line == 0 and r.text == case["text"].strip() for r in removals)
    else:
        assert not removals, f"near miss {case['text']!r} removed by {rules}"


BLOCKS = load_fixture("concepts.toml").get("block", [])


@pytest.mark.parametrize(
    "case", BLOCKS, ids=[f"{c['expect']}:{c['lines'][0][:30]}" for c in BLOCKS]
)
def test_concept_block(case: dict[str, object]) -> None:
    lines = case["lines"]
    assert isinstance(lines, list)
    module = importlib.import_module(f"cleaners.text.{case['concept']}")
    doc = Doc.from_text("\n".join(lines))
    dropped: set[int] = set()
    for r in module.detect(doc):
        if r.rule == case["expect"]:
            assert r.line is not None
            dropped.update(range(r.line, r.line + r.text.count("\n") + 1))
    assert sorted(dropped) == case["drop"]


def test_every_concept_has_cases() -> None:
    concepts = {c["concept"] for c in CASES}
    for name in (
        "share",
        "social_embed",
        "comments",
        "newsletter",
        "cookie",
        "author_box",
        "related",
        "navigation",
        "credits",
        "ads",
        "cta",
    ):
        assert name in concepts
        assert any(c["concept"] == name and not c["expect"] for c in CASES), f"{name}: no near miss"


def test_detect_does_not_mutate() -> None:
    doc = Doc.from_text("Share this:\nFacebook Twitter\nA sentence of the article that stays here.")
    before = (doc.lines, doc.flagged)
    importlib.import_module("cleaners.text.share").detect(doc)
    assert (doc.lines, doc.flagged) == before


def test_needs_gates_a_rule_on_its_strings() -> None:
    from cleaners.text import signatures

    sigs = signatures.parse(
        "toy",
        {
            "rule": [
                {
                    "name": "named",
                    "kind": "prefix",
                    "needs": ["regist"],
                    "en": ["[^\\n]{1,40} is registered"],
                }
            ]
        },
    )
    rule = sigs.rules[0]
    assert rule.matches("harbour press is registered in wales", 6)
    assert not rule.matches("harbour press is based in wales", 6)
    # every shipped rule with `needs` finds one of them in each of its fixture lines (checked by
    # the line cases above); and the hit table gives the same answers as `matches`
    line = "harbour press is registered in england and wales as a company"
    doc = Doc.from_text(line)
    reg = signatures.load("navigation")
    named = next(r for r in reg.rules if r.name == "registration")
    assert signatures.has_hit(doc, 0, named) == named.matches(
        doc.lines[0].norm, doc.lines[0].n_words
    )


@pytest.mark.parametrize(
    "bad",
    [
        r"^share this(\b",  # a syntax error: the parser rejects it
        r"^(?<=a+)share$",  # only the compiler rejects it (variable-width look-behind)
    ],
)
def test_a_broken_pattern_fails_loudly_naming_it(bad: str) -> None:
    from cleaners.text import signatures

    data = {"rule": [{"name": "fine_and_broken", "en": [r"^print$", bad]}]}
    with pytest.raises(ValueError, match=r"share\.fine_and_broken: bad pattern") as err:
        signatures.parse("share", data)
    assert repr(bad) in str(err.value)


def test_rules_keep_their_pattern_sources_and_compile_them_on_demand() -> None:
    from cleaners.text import signatures

    (rule,) = signatures.parse("share", {"rule": [{"name": "x", "en": ["^a$", "^b+$"]}]}).rules
    assert rule.sources == ("^a$", "^b+$")
    assert [p.pattern for p in rule.patterns] == ["^a$", "^b+$"]
    assert rule.matches("bbb", 1) and not rule.matches("ab", 1)


@pytest.mark.parametrize(
    ("text", "language", "regional"),
    [
        (
            "Share this article\nThe council met on Tuesday to discuss the harbour wall.",
            None,
            False,
        ),
        ("Dodaj komentarz\nRada miasta zebrała się we wtorek.", None, True),  # ł, ę
        ("Dodaj komentarz", "pl", True),  # no letter of its own: the hint says it
        ("Läs mer\nFärjan till Vinga går som vanligt på måndag.", None, True),  # å
        ("Читать далее", None, True),
        ("Leave a Reply", "en", False),
        # an English page: the Polish patterns are not even tried
        ("Dodaj komentarz\nThe council met on Tuesday to discuss the harbour wall.", None, False),
    ],
)
def test_regional_patterns_are_tried_where_their_languages_may_be(
    text: str, language: str | None, regional: bool
) -> None:
    from cleaners.text import signatures

    doc = Doc.from_text(text, language=language)
    assert signatures._regional(doc) is regional
    removed = {r.text for r in signatures.load("comments").detect(doc)}
    assert ("Dodaj komentarz" in removed) is (regional and text.startswith("Dodaj"))
