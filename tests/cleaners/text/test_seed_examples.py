"""The two seed articles the project was specified from (read from ../shared, never copied)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cleaners.text import clean_text

from .conftest import SHARED

EXAMPLES = SHARED / "examples"
pytestmark = pytest.mark.skipif(
    not (EXAMPLES / "cases.json").exists(),
    reason=f"shared seed examples not found at {EXAMPLES} (../shared is optional)",
)


def _cases() -> list[dict[str, Any]]:
    if not (EXAMPLES / "cases.json").exists():
        return []
    return json.loads((EXAMPLES / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["file"])
def test_seed_example(case: dict[str, Any]) -> None:
    text = (EXAMPLES / case["file"]).read_text(encoding="utf-8")
    res = clean_text(text, language=case.get("language"))
    for snippet in case["must_drop"]:
        assert snippet not in res.text, f"kept {snippet!r}"
    for snippet in case["must_keep"]:
        assert snippet in res.text, f"lost {snippet!r}"
    assert res.title == case["title"]
    if "author" in case:
        assert res.author == case["author"]
