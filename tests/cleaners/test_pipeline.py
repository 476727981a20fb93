"""The per-batch pipeline (no Prefect): records in, candidate articles and rejects out."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cleaners.config import RunConfig
from cleaners.pipeline import CANDIDATE_SCHEMA, host_of, parse_date, process_files
from tests.conftest import shared_path


def rows(
    root: Path, *paths: str, **options: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    result = process_files(root, list(paths), RunConfig(input_dir=root, **options))
    assert result.candidates.schema == CANDIDATE_SCHEMA
    return result.candidates.to_pylist(), result.rejects.to_pylist()


@pytest.fixture(scope="module")
def seed_cases() -> list[dict[str, Any]]:
    return json.loads(shared_path("examples", "cases.json").read_text())


def test_seed_examples_come_out_as_specified(
    tmp_path: Path, seed_cases: list[dict[str, Any]]
) -> None:
    for case in seed_cases:
        shutil.copy(shared_path("examples", case["file"]), tmp_path / case["file"])
    articles, rejects = rows(tmp_path, *(c["file"] for c in seed_cases))
    assert rejects == []
    by_path = {a["source_path"]: a for a in articles}
    for case in seed_cases:
        article = by_path[case["file"]]
        for snippet in case["must_drop"]:
            assert snippet not in article["text"], (case["file"], snippet)
        for snippet in case["must_keep"]:
            assert snippet in article["text"], (case["file"], snippet)
        assert article["title"] == case["title"]
        assert article["language"] == case["language"]
        if "author" in case:
            assert article["author"] == case["author"]
        removed_text = "\n".join(r["text"] for r in article["removed"])
        for snippet in case["must_drop"]:
            assert snippet in removed_text or snippet in (article["title"] or ""), (
                case["file"],
                snippet,
            )


def test_short_and_empty_results_are_rejected_with_their_text(tmp_path: Path) -> None:
    (tmp_path / "short.txt").write_text("A headline\nJust a few words here.\n")
    articles, rejects = rows(tmp_path, "short.txt", min_chars=100)
    assert articles == []
    [reject] = rejects
    assert reject["reason"] == "too_short" and "minimum 100" in reject["detail"] and reject["text"]


def test_language_is_und_for_text_too_short_to_judge(tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_text(
        "Scores\n" + "\n".join(f"{i} - {i + 3}, {i * 7} : {i * 2}" for i in range(30))
    )
    articles, _ = rows(tmp_path, "n.txt", min_chars=10, min_letters=0)
    assert [a["language"] for a in articles] == ["und"]
    assert articles[0]["language_score"] is None


@pytest.mark.parametrize("body", ["🎉🔥👏 " * 60, "12 345 6789\n" * 40, "— · — · —\n" * 30])
def test_text_without_letters_is_no_content(tmp_path: Path, body: str) -> None:
    (tmp_path / "x.txt").write_text(body)
    articles, rejects = rows(tmp_path, "x.txt")
    assert articles == [] and [r["reason"] for r in rejects] == ["no_content"]
    assert rejects[0]["detail"].startswith("only 0 letters (minimum ")


def test_letters_far_into_a_long_text_count(tmp_path: Path) -> None:
    # the letters test looks at a prefix first; letters only after it must still count
    (tmp_path / "late.txt").write_text("12 345 6789\n" * 200 + "Harbour wall repairs begin.\n" * 5)
    _, rejects = rows(tmp_path, "late.txt", min_chars=10, min_letters=100)
    assert rejects == []
    (tmp_path / "late.txt").write_text("12 345 6789\n" * 200 + "Harbour wall.\n")
    _, rejects = rows(tmp_path, "late.txt", min_chars=10, min_letters=100)
    assert [r["detail"] for r in rejects] == ["only 11 letters (minimum 100) after cleaning"]


def test_failure_inside_one_record_does_not_lose_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cleaners.pipeline as pipeline

    real = pipeline.clean_text

    def flaky(text: str, **kwargs: Any) -> Any:
        if "EXPLODE" in text:
            raise ValueError("boom")
        return real(text, **kwargs)

    monkeypatch.setattr(pipeline, "clean_text", flaky)
    body = "A sentence about the weather that is long enough to count as an article body. " * 5
    (tmp_path / "a.txt").write_text("Title A\n" + body)
    (tmp_path / "b.txt").write_text("Title B\nEXPLODE " + body)
    articles, rejects = rows(tmp_path, "a.txt", "b.txt")
    assert [a["source_path"] for a in articles] == ["a.txt"]
    assert [(r["source_path"], r["reason"]) for r in rejects] == [("b.txt", "error")]
    assert "ValueError: boom" in rejects[0]["detail"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-07", dt.date(2025, 3, 7)),
        ("2025-03-07T10:00:00+01:00", dt.date(2025, 3, 7)),
        ("2025-02-30", None),
        ("March 2025", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.Example.test/a?b=1", "www.example.test"),
        ("www.example.test/path", "www.example.test"),
        ("", None),
        (None, None),
        ("http://[broken", None),
    ],
)
def test_host_of(url: str | None, host: str | None) -> None:
    assert host_of(url) == host


_STORY = (
    "The ferry service to the northern islands resumed on Monday after a week of storms. "
    "Crews checked the landing ramps at every harbour before the first crossing left at dawn. "
) * 3


@pytest.mark.parametrize(
    "html",
    ["<p></p>", "<html><body><script>var x = 1;</script></body></html>", "<div>Menu</div>"],
)
def test_a_jsonl_record_whose_html_gives_nothing_is_cleaned_from_its_text(
    tmp_path: Path, html: str
) -> None:
    (tmp_path / "d.jsonl").write_text(json.dumps({"id": "a", "html": html, "text": _STORY}))
    [article], rejects = rows(tmp_path, "d.jsonl")
    assert rejects == [] and article["extractor"] == "text"
    assert article["text"].startswith("The ferry service")


def test_a_jsonl_record_with_usable_html_keeps_its_html_and_both_failing_say_why(
    tmp_path: Path,
) -> None:
    page = f"<html><body><article><h1>Ferries</h1><p>{_STORY}</p></article></body></html>"
    lines = [{"html": page, "text": "a teaser"}, {"html": "<p></p>", "text": "Too short."}]
    (tmp_path / "d.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    [article], [reject] = rows(tmp_path, "d.jsonl")
    assert article["extractor"] != "text" and "Crews checked" in article["text"]
    assert reject["reason"] == "too_short" and "its 'html' field" in reject["detail"]
