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
    doc = Doc.from_text(case["text"])
    removals = module.detect(doc)
    rules = {r.rule for r in removals}
    if case["expect"]:
        assert rules == {case["expect"]}, f"{case['text']!r} removed by {rules}"
        assert all(r.line == 0 and r.text == case["text"].strip() for r in removals)
    else:
        assert not removals, f"near miss {case['text']!r} removed by {rules}"


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
