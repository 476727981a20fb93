from __future__ import annotations

import pytest

from cleaners.text import clean_text
from cleaners.text.classify import best_run, guess_language, line_features, runs
from cleaners.text.doc import Doc, normalise

EN = (
    "The council approved the budget on Monday after a long debate about the costs of the new "
    "library and the repairs to the old swimming pool."
)
DE = (
    "Der Rat hat den Haushalt am Montag nach einer langen Debatte über die Kosten der neuen "
    "Bibliothek und die Reparatur des alten Schwimmbads beschlossen."
)
FR = (
    "Le conseil a adopté le budget lundi après un long débat sur le coût de la nouvelle "
    "bibliothèque et les travaux de la vieille piscine."
)


def test_guess_language() -> None:
    assert guess_language([EN, EN]) == "en"
    assert guess_language([DE, DE]) == "de"
    assert guess_language([FR, FR]) == "fr"
    assert guess_language(["短い行"]) is None


def test_line_kinds() -> None:
    assert line_features(EN, "en").kind == "good"
    assert line_features("Home", "en").kind == "short"
    assert line_features("https://example.org/a https://example.org/b", "en").kind == "link"
    glued = "Stock NewsMarket MoversTech NewsCrypto NewsMarket Trends Retirement NewsRetirement Planning"
    assert line_features(glued, "en").kind == "link"
    assert line_features("It was a short sentence, but a sentence.", "en").kind in ("near", "good")


def test_best_run_and_runs() -> None:
    assert best_run([-1, 5, -2, 6, -10, 3]) == (1, 4, 9)
    assert best_run([-1, -2]) == (0, 0, 0.0)
    found = sorted(runs([5, -20, 7]))
    assert [(s, e) for s, e, _ in found] == [(0, 1), (2, 3)]


def test_region_skips_menus_keeps_heading_between_paragraphs() -> None:
    lines = [
        "Home",
        "News",
        "Sport",
        "Weather",
        EN,
        "What comes next",
        EN,
        "Privacy",
        "Contact",
        "Jobs",
    ]
    doc = Doc.from_text("\n".join(lines))
    region = doc.region
    assert region.segments == ((4, 7),)
    assert 5 in region and 0 not in region and 8 not in region


def test_region_keeps_short_sentences_between_paragraphs() -> None:
    intro = "The ferry to the island runs on a simple promise: that the harbour is always open."
    lines = [
        "Home",
        "Timetables",
        "Tickets",
        intro,
        "It is not.",
        "Storms close it.",
        "Tides close it.",
        "Strikes close it too.",
        "Ice closes it.",
        EN,
        "Privacy",
        "Contact",
        "Jobs",
    ]
    doc = Doc.from_text("\n".join(lines))
    assert doc.region.segments == ((3, 10),)


@pytest.mark.parametrize(
    "text,norm",
    [
        ("🚀 Sign up for the Tideline letter", "sign up for the tideline letter"),
        ("✉️ Reply by email", "reply by email"),
        ("• 👉 Save this story!", "save this story"),
        ("© 2024 Harbour Gazette", "© 2024 harbour gazette"),  # a symbol that says something
        ("® Registered mark", "® registered mark"),
        ("→ Next page", "→ next page"),
        ("Émile walked to the quay.", "émile walked to the quay"),
        ("🌊🌊", ""),
    ],
)
def test_normalise_trims_leading_pictographs(text: str, norm: str) -> None:
    assert normalise(text) == norm
    assert Doc.from_text(text).lines[0].norm == norm


def test_pictograph_lines_match_signatures() -> None:
    res = clean_text(
        "🔥 Recommended Posts\n💬 Reply by email\nThe quay reopened on Monday.", from_extractor=True
    )
    assert {r.rule for r in res.removed} == {"related.list", "comments.form"}
    assert res.text == "The quay reopened on Monday."


# A long review whose own intro and conclusion are cut off from its body by a comparison table:
# short cells, none of them boilerplate a signature knows. Each prose run alone is under a tenth
# of the body, the share a run separated from it by widgets needs.
_REVIEW = [
    f"Round {i}: the kettle we tested that week boiled a full litre of water in about four "
    "minutes, and the handle stayed cool enough to hold while we poured it slowly over the "
    "grounds in the filter."
    for i in range(1, 31)
]
_TABLE = ["Model", "Capacity", "Price", "Rating"] + [
    cell
    for name in ("Alder", "Birch", "Cedar", "Dogwood")
    for cell in (name, "1.0 L", "$80", "4.5 / 5")
]
_OWN_PROSE = [
    "Whichever of these kettles you pick, it is worth measuring how much water you really heat "
    "each morning before you buy one.",
    "A smaller kettle that you fill to the top wastes less energy than a large one that you "
    "only ever fill halfway.",
    "If you brew for two people or more, a kettle with a litre of capacity and a thin spout is "
    "the one we would choose again.",
]
_MENU = ["Home", "Reviews", "Kitchen"]
_FOOTER = ["Privacy", "Contact", "Jobs"]


def test_region_joins_conclusion_across_a_table() -> None:
    text = "\n".join([*_MENU, *_REVIEW, *_TABLE, *_OWN_PROSE, *_FOOTER])
    res = clean_text(text)
    assert all(line in res.text for line in _OWN_PROSE)
    assert "Jobs" not in res.text


def test_region_joins_intro_across_a_contents_list() -> None:
    contents = [f"{i}. Round {i} Results" for i in range(1, 21)]
    text = "\n".join([*_MENU, *_OWN_PROSE, *contents, *_REVIEW, *_FOOTER])
    res = clean_text(text)
    assert all(line in res.text for line in _OWN_PROSE)
    assert "Kitchen" not in res.text


def test_region_does_not_join_prose_across_boilerplate() -> None:
    # Near miss: the same shape, but an ad label (a signature hit) sits between the table and
    # the prose below it, which is a promo, not the article's conclusion.
    promo = [
        "Our partners pay us when you buy through the links on this page, and this helps us keep "
        "the reviews free for everyone.",
        "Shop the winter sale now and save up to forty percent on the whole range of kitchen "
        "appliances that we sell online.",
    ]
    text = "\n".join([*_MENU, *_REVIEW, *_TABLE, "Advertisement", *promo, *_FOOTER])
    res = clean_text(text)
    assert not any(line in res.text for line in promo)
    assert _REVIEW[-1] in res.text
