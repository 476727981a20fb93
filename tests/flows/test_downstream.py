"""The published dataset is read as-is by the tools downstream jobs use (test dependencies only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cleaners.config import RunConfig
from cleaners.runner import run_local
from tests.flows.test_clean_articles import build_corpus


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("downstream")
    build_corpus(base / "raw")
    config = RunConfig(input_dir=base / "raw", output_dir=base / "clean", workers=1)
    run_local(config)
    return base / "clean"


EXPECTED_LANGUAGES = {"de": 1, "en": 1, "fr": 1}


def test_pyarrow_dataset(published: Path) -> None:
    import pyarrow.dataset as ds

    table = ds.dataset(published / "articles", format="parquet", partitioning="hive").to_table()
    counts = table.group_by("language").aggregate([("id", "count")]).to_pylist()
    assert {r["language"]: r["id_count"] for r in counts} == EXPECTED_LANGUAGES
    assert str(table.schema.field("date").type) == "date32[day]"


def test_pandas(published: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(published / "articles")
    assert frame["language"].astype(str).value_counts().to_dict() == EXPECTED_LANGUAGES
    rejects = pd.read_parquet(published / "rejects")
    assert "reason" in rejects.columns and len(rejects) == 6


def test_polars(published: Path) -> None:
    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(
        str(published / "articles" / "**" / "*.parquet"), hive_partitioning=True
    )
    assert dict(frame.group_by("language").len().iter_rows()) == EXPECTED_LANGUAGES
    assert frame.schema["removed"].inner.fields[0].name == "rule"  # type: ignore[attr-defined]


def test_duckdb(published: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    pattern = (published / "articles" / "**" / "*.parquet").as_posix()
    rows = duckdb.sql(
        f"select language, count(*) from read_parquet('{pattern}', hive_partitioning=true) group by 1"
    ).fetchall()
    assert dict(rows) == EXPECTED_LANGUAGES


def test_huggingface_datasets_one_split_per_language(published: Path, tmp_path: Path) -> None:
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    files = {
        folder.name.split("=", 1)[1]: str(folder / "*.parquet")
        for folder in sorted((published / "articles").iterdir())
    }
    loaded = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "hf"))
    assert {split: loaded[split].num_rows for split in loaded} == EXPECTED_LANGUAGES
    assert "text" in loaded["en"].column_names
