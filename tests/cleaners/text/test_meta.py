from __future__ import annotations

import datetime as dt

import pytest

from cleaners.text import clean_text
from cleaners.text.meta import byline_name, byline_with_stamp, find_date, split_trailing_date

from .conftest import load_fixture

FIX = load_fixture("meta.toml")


@pytest.mark.parametrize("case", FIX["date"], ids=[c["text"] for c in FIX["date"]])
def test_find_date(case: dict[str, str]) -> None:
    found = find_date(case["text"])
    if case["iso"]:
        assert found is not None and found[0] == dt.date.fromisoformat(case["iso"])
    else:
        assert found is None


@pytest.mark.parametrize("case", FIX["title"], ids=[c["text"] for c in FIX["title"]])
def test_split_trailing_date(case: dict[str, str]) -> None:
    title, date = split_trailing_date(case["text"])
    assert title == case["title"]
    assert date == (dt.date.fromisoformat(case["iso"]) if case["iso"] else None)


@pytest.mark.parametrize("case", FIX["byline"], ids=[c["text"] for c in FIX["byline"]])
def test_byline_name(case: dict[str, str]) -> None:
    assert byline_name(case["text"]) == (case["name"] or None)


@pytest.mark.parametrize("case", FIX["byline_stamp"], ids=[c["text"] for c in FIX["byline_stamp"]])
def test_byline_with_stamp(case: dict[str, str]) -> None:
    assert byline_with_stamp(case["text"]) == (case["name"] or None)


PARA = (
    "The council approved the budget on Monday after a long debate about the costs of the new "
    "library and the repairs to the old swimming pool in the north of the town."
)


def test_title_is_headline_above_body_and_repeated_headline_preferred() -> None:
    text = "\n".join(
        [
            "Menu",
            "Town Budget Passes After Long Debate",
            "Sections",
            "Local news from the valley",
            "Town Budget Passes After Long Debate",
            "May 2, 2025",
            PARA,
            PARA,
        ]
    )
    res = clean_text(text)
    assert res.title == "Town Budget Passes After Long Debate"
    assert res.date == dt.date(2025, 5, 2)
    assert PARA in res.text and "May 2, 2025" not in res.text


def test_no_title_when_no_candidate() -> None:
    res = clean_text(PARA + "\n" + PARA)
    assert res.title is None
    assert res.text.count(PARA) == 2


def test_byline_with_stamp_goes_anywhere_in_the_text() -> None:
    text = "\n".join(
        [
            "Town Budget Passes After Long Debate",
            "May 2, 2025",
            PARA,
            PARA,
            "By Marta Quill 12 min read",
            PARA,
        ]
    )
    res = clean_text(text)
    assert "By Marta Quill" not in res.text
    assert res.text.count(PARA) == 3
