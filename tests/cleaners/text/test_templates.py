from __future__ import annotations

import pytest

from cleaners.text import clean_text
from cleaners.text.templates import TemplateIndex

BODY = [
    "The harbour board met on {day} to discuss the dredging of the eastern channel, which has "
    "silted up faster than expected since the storms of the winter.",
    "Fishermen said the shallow water had forced them to wait for high tide on {day} before "
    "they could bring their boats back to the quay with the catch.",
]
TEMPLATE = ["Harbour Gazette", "Tide tables for the week ahead at the quay office", "Our Team"]


def _doc(day: str) -> str:
    return "\n".join([*TEMPLATE[:1], *(b.format(day=day) for b in BODY), *TEMPLATE[1:]])


def _index(n: int, min_docs: int = 3) -> TemplateIndex:
    index = TemplateIndex(min_docs=min_docs)
    for day in ["Monday", "Tuesday", "Wednesday", "Thursday"][:n]:
        index.add("www.gazette.example", _doc(day))
    return index


def test_repeated_lines_are_template() -> None:
    index = _index(3)
    assert index.is_template("gazette.example", "harbour gazette")
    assert not index.is_template("gazette.example", BODY[0].format(day="Monday").lower())
    res = clean_text(_doc("Friday"), host="www.gazette.example", templates=index)
    rules = {r.text: r.rule for r in res.removed}
    assert rules["Tide tables for the week ahead at the quay office"] == "template.repeated_line"
    assert "dredging of the eastern channel" in res.text


def test_below_min_docs_and_other_hosts_untouched() -> None:
    index = _index(2)
    assert not index.is_template("gazette.example", "harbour gazette")
    other = clean_text(_doc("Friday"), host="other.example", templates=_index(3))
    assert not any(r.rule == "template.repeated_line" for r in other.removed)


@pytest.mark.parametrize("pruned", [False, True])
def test_roundtrip_bytes(pruned: bool) -> None:
    index = _index(4)
    if pruned:
        index = index.pruned()
    again = TemplateIndex.from_bytes(index.to_bytes())
    assert again.min_docs == index.min_docs
    assert again.is_template("www.gazette.example", "our team")
    assert again.docs["gazette.example"] == 4


def test_bad_version_rejected() -> None:
    import json
    import zlib

    blob = zlib.compress(json.dumps({"version": 99}).encode())
    with pytest.raises(ValueError):
        TemplateIndex.from_bytes(blob)
