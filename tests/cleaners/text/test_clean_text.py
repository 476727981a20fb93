"""clean_text end to end on whole documents written for these tests (several languages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cleaners.text import TextResult, clean_text
from cleaners.text.doc import split_lines

from .conftest import FIXTURES, load_fixture

DOCS = load_fixture("docs.toml")["doc"]


def _run(case: dict[str, Any], **kw: Any) -> tuple[str, TextResult]:
    text = (FIXTURES / "docs" / case["file"]).read_text(encoding="utf-8")
    return text, clean_text(text, language=kw.pop("language", None), **kw)


@pytest.mark.parametrize("case", DOCS, ids=[d["file"] for d in DOCS])
@pytest.mark.parametrize("hint", [True, False], ids=["hint", "nohint"])
def test_document(case: dict[str, Any], hint: bool) -> None:
    _, res = _run(case, language=case["language"] if hint else None)
    for snippet in case["must_drop"]:
        assert snippet not in res.text, f"kept boilerplate {snippet!r}"
    for snippet in case["must_keep"]:
        assert snippet in res.text, f"lost article text {snippet!r}"
    assert res.title == case["title"]
    assert res.author == case.get("author")
    if "date" in case:
        assert res.date == dt.date.fromisoformat(case["date"])


@pytest.mark.parametrize("case", DOCS, ids=[d["file"] for d in DOCS])
def test_every_removed_line_is_explained(case: dict[str, Any]) -> None:
    text, res = _run(case)
    lines = split_lines(text)
    covered: list[int] = []
    for r in res.removed:
        assert r.rule.count(".") == 1 and all(r.rule.split(".")), r.rule
        assert r.line is not None
        parts = r.text.split("\n")
        assert lines[r.line].strip() == parts[0]
        idx = r.line
        for part in parts:  # consecutive non-blank input lines
            while not lines[idx].strip():
                idx += 1
            assert lines[idx].strip() == part
            covered.append(idx)
            idx += 1
    assert len(covered) == len(set(covered)), "a line removed twice"
    kept = [i for i, line in enumerate(lines) if line.strip() and i not in set(covered)]
    assert res.text.split("\n") == [lines[i].strip() for i in kept]


def test_title_removed_with_meta_rule() -> None:
    _, res = _run(DOCS[0])
    titles = [r for r in res.removed if r.rule == "meta.title"]
    assert len(titles) == 1 and titles[0].text.startswith("Floodgates Reopen")


def test_from_extractor_is_conservative() -> None:
    text = (
        "A Headline That Would Be Detected\n"
        "The council approved the budget on Monday after a long debate about the costs of the "
        "new library and the repairs to the old swimming pool in the north of the town.\n"
        "Advertisement\n"
        "Short line kept\n"
        "Another paragraph explains that the vote was close and that the opposition will ask "
        "for a review of the figures once the auditors have finished their work.\n"
    )
    res = clean_text(text, from_extractor=True)
    assert res.title is None and res.author is None
    assert [r.rule for r in res.removed] == ["ads.label"]
    assert "A Headline That Would Be Detected" in res.text and "Short line kept" in res.text


def test_short_line_between_paragraphs_is_kept() -> None:
    para = (
        "The committee met for the third time this month and agreed that the plan needs "
        "more work before it can be presented to the public in the autumn."
    )
    text = "\n".join(
        ["Menu", "Home", "About", para, "Why it matters", para, "Footer link", "Careers"]
    )
    res = clean_text(text)
    assert "Why it matters" in res.text
    assert "Careers" not in res.text


def test_empty_and_blank_input() -> None:
    assert clean_text("").text == ""
    assert clean_text("\n \n\t\n").removed == []


def test_templates_type_checked() -> None:
    with pytest.raises(TypeError):
        clean_text("text", templates=object())


def test_extractor_mode_keeps_one_word_headings() -> None:
    para = (
        "The agency listed its services in the annual report, which also describes the costs "
        "of the new offices and the plans for the coming year in some detail."
    )
    text = "\n".join([para, "Services", para, "Marketing", para])
    assert "Services" in clean_text(text, from_extractor=True).text
    assert "Marketing" in clean_text(text, from_extractor=True).text
    assert "Marketing" in clean_text(text).text  # a heading word, not a cookie category
