"""The sample data shipped in data/raw comes out as tests/fixtures/sample_expectations.json says.

The run goes through the same three steps the flow calls (plan, stage, publish) without Prefect."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pyarrow.dataset as ds
import pytest

from cleaners.config import RunConfig
from cleaners.runner import RunSummary, run_local
from tests.conftest import REPO_ROOT

RAW = REPO_ROOT / "data" / "raw"
CASES: list[dict[str, Any]] = json.loads(
    (REPO_ROOT / "tests" / "fixtures" / "sample_expectations.json").read_text()
)


def case_id(case: dict[str, Any]) -> str:
    return case["path"].removeprefix("data/raw/") + (f":{case['line']}" if case.get("line") else "")


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[tuple[str, int | None], dict[str, Any]], RunSummary]:
    config = RunConfig(
        input_dir=RAW, output_dir=tmp_path_factory.mktemp("sample") / "clean", workers=1
    )
    summary = run_local(config)
    found: dict[tuple[str, int | None], dict[str, Any]] = {}
    for name in ("articles", "rejects"):
        table = ds.dataset(
            config.output_dir / name, partitioning="hive" if name == "articles" else None
        ).to_table()
        for row in table.to_pylist():
            key = (f"data/raw/{row['source_path']}", row["source_line"])
            assert key not in found, f"{key} is in the output twice"
            found[key] = {**row, "dataset": name}
    return found, summary


def test_every_input_record_is_in_exactly_one_dataset(
    published: tuple[dict[tuple[str, int | None], dict[str, Any]], RunSummary],
) -> None:
    found, summary = published
    assert len(found) == summary.stats.records == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_sample_case(
    case: dict[str, Any], published: tuple[dict[tuple[str, int | None], dict[str, Any]], RunSummary]
) -> None:
    found, _ = published
    row = found[(case["path"], case.get("line"))]
    expect = case["expect"]
    if expect.startswith("reject:"):
        assert row["dataset"] == "rejects" and row["reason"] == expect.split(":", 1)[1], row.get(
            "detail"
        )
        return
    if row["dataset"] == "rejects":
        assert expect == "article_or_duplicate", f"rejected: {row['reason']}: {row['detail']}"
        assert row["reason"] == (
            "duplicate" if case["duplicate_kind"] == "exact" else "near_duplicate"
        )
        return
    text = row["text"]
    for snippet in case.get("must_keep", []):
        assert snippet in text, f"lost article text: {snippet!r}"
    for snippet in case.get("must_drop", []):
        assert snippet not in text, f"boilerplate left in: {snippet!r}"
    assert row["language"] == case["language"]
    if case.get("title"):
        assert row["title"] == case["title"]
    if case.get("author"):
        assert row["author"] == case["author"]


def test_each_duplicate_group_keeps_exactly_one_and_names_it(
    published: tuple[dict[tuple[str, int | None], dict[str, Any]], RunSummary],
) -> None:
    found, _ = published
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in CASES:
        if case.get("duplicate_group"):
            groups[case["duplicate_group"]].append(found[(case["path"], case.get("line"))])
    assert len(groups) == 5
    for name, members in groups.items():
        kept = [m for m in members if m["dataset"] == "articles"]
        dropped = [m for m in members if m["dataset"] == "rejects"]
        assert len(kept) == 1 and len(dropped) == len(members) - 1, name
        assert all(d["duplicate_of"] == kept[0]["id"] for d in dropped), name
