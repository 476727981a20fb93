"""One validated configuration for a run, from CLI flags, a TOML file or flow parameters."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RunConfig(BaseModel):
    """Every option of a run. Field names are the TOML keys and (with `-` for `_`) the CLI flags."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_dir: Path = Field(
        Path("data/raw"), description="folder of raw articles, read recursively"
    )
    output_dir: Path = Field(
        Path("data/clean"), description="folder the Parquet datasets are written to"
    )
    workers: int = Field(0, ge=0, le=256, description="worker processes; 0 = all cores")
    batch_size: int = Field(
        500, ge=1, le=100_000, description="input files per batch (a batch is one Prefect task run)"
    )
    batch_mb: int = Field(
        16,
        ge=1,
        le=4096,
        description="input megabytes per batch; larger JSONL files are split into shards of this size",
    )
    dask_address: str | None = Field(
        None,
        description="run batch tasks on this Dask scheduler (e.g. tcp://10.0.0.5:8786) through prefect-dask; "
        "every worker must see the input and output folders at the same paths",
    )
    full: bool = Field(False, description="reprocess every input, ignoring what earlier runs did")
    retract_deleted: bool = Field(
        False,
        description="take out of the datasets what earlier runs published from input files that are "
        "no longer in the input folder (by default it is kept: the output is the corpus built so far)",
    )
    min_chars: int = Field(
        150, ge=0, description="cleaned articles shorter than this go to rejects as too_short"
    )
    min_letters: int = Field(
        50,
        ge=0,
        description="cleaned texts with fewer letters (emoji-, number-only) go to rejects as no_content",
    )
    template_min_docs: int = Field(
        3,
        ge=0,
        description="a short line found in this many distinct articles of one host (in this and earlier "
        "runs) is site template and removed; 0 turns template learning off",
    )
    language_min_letters: int = Field(
        40, ge=1, description="below this many letters the language is 'und', not a guess"
    )
    near_duplicate_threshold: float = Field(
        0.45,  # = cleaners.dedup.THRESHOLD: measured on syndicated copies vs same-event stories
        gt=0,
        le=1,
        description="estimated Jaccard similarity of 5-word shingles at which texts are near duplicates",
    )
    html_timeout_seconds: float = Field(
        30.0,
        gt=0,
        description="extraction time limit per HTML page; slower pages are rejected as timeout",
    )
    lock_timeout_seconds: float = Field(
        0.0,
        ge=0,
        description="how long to wait for another run on the same output folder to finish",
    )
    max_file_mb: int = Field(256, ge=1, description="cap on one input file's (decompressed) size")
    max_record_chars: int = Field(
        5_000_000, ge=1000, description="cap on one document's characters"
    )

    @field_validator("input_dir", "output_dir", mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        return Path(os.path.expanduser(str(value))) if value is not None else value

    @property
    def effective_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    @classmethod
    def from_toml(cls, path: Path, **overrides: Any) -> RunConfig:
        """Options from a TOML file (top level or a [newsclean] table), then `overrides` on top."""
        with path.open("rb") as stream:
            data = tomllib.load(stream)
        data = data.get("newsclean", data)
        base = path.parent
        for key in ("input_dir", "output_dir"):
            if key in data and not Path(str(data[key])).expanduser().is_absolute():
                data[key] = str(base / str(data[key]))
        return cls(**{**data, **overrides})

    def cleaning_fingerprint(self) -> str:
        """The options that change what a document becomes: part of the cache key of a batch."""
        fields = (
            "min_chars",
            "min_letters",
            "language_min_letters",
            "html_timeout_seconds",
            "max_record_chars",
            "max_file_mb",
        )
        return ";".join(f"{name}={getattr(self, name)}" for name in fields)
