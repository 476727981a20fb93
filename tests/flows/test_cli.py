"""The command line's parsing and error handling (no flow is run here; see test_clean_articles)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cleaners.config import RunConfig
from flows.cli import build_parser, config_from_args, format_summary, main


def parse(*argv: str) -> RunConfig:
    return config_from_args(build_parser().parse_args(["run", *argv]))


def test_defaults_are_the_sample_folders() -> None:
    config = parse()
    assert config.input_dir == Path("data/raw") and config.output_dir == Path("data/clean")
    assert config.effective_workers >= 1


def test_flags_override_config_file_which_overrides_defaults(tmp_path: Path) -> None:
    toml = tmp_path / "newsclean.toml"
    toml.write_text('input_dir = "in"\nmin_chars = 80\nbatch_size = 7\n')
    config = parse("--config", str(toml), "--batch-size", "3")
    assert config.input_dir == tmp_path / "in"  # relative to the config file
    assert config.min_chars == 80 and config.batch_size == 3


def test_config_file_may_use_a_newsclean_table(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text("[newsclean]\nworkers = 1\nfull = true\n")
    config = parse("--config", str(toml))
    assert config.workers == 1 and config.full is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "-1"], "--workers"),
        (["--batch-size", "lots"], "--batch-size"),
        (["--near-duplicate-threshold", "1.5"], "--near-duplicate-threshold"),
        (["--input", "/definitely/not/here"], "does not exist"),
    ],
)
def test_bad_values_get_one_clear_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_unknown_key_in_config_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("min_charz = 3\n")
    assert main(["run", "--config", str(toml)]) == 2
    assert "min_charz" in capsys.readouterr().err


def test_broken_toml_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("min_chars = = 3\n")
    assert main(["run", "--config", str(toml)]) == 2
    assert "cannot read config" in capsys.readouterr().err


def test_help_lists_every_option_without_importing_prefect() -> None:
    code = (
        "import sys\n"
        "from flows.cli import main\n"
        "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('PREFECT' if 'prefect' in sys.modules else 'NO-PREFECT')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().endswith("NO-PREFECT")
    for name in RunConfig.model_fields:
        flag = {"input_dir": "--input", "output_dir": "--output"}.get(
            name, "--" + name.replace("_", "-")
        )
        assert flag in out, flag


def test_summary_names_every_count() -> None:
    summary = {
        "inputs": 5, "unchanged": 1, "records": 7, "articles": 4, "rejects": 3,
        "rejects_by_reason": {"duplicate": 2, "empty": 1}, "duplicates": 2, "near_duplicates": 0,
        "prior_duplicates": 0, "languages": {"de": 1, "en": 3},
    }  # fmt: skip
    text = format_summary(summary, Path("out"))
    for fragment in [
        "5 input files",
        "7 documents",
        "4 articles",
        "duplicate",
        "empty",
        "en 3",
        "de 1",
    ]:
        assert fragment in text


def test_default_near_duplicate_threshold_is_the_measured_one() -> None:
    from cleaners import dedup

    assert RunConfig().near_duplicate_threshold == dedup.THRESHOLD


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"resettled": 2}, "reprocessed 2 unchanged inputs"),
        ({"retracted": 3}, "replaced  3 articles of changed inputs"),
        ({"deleted_inputs": 2, "withdrawn": 5}, "withdrew  5 articles of 2 input files deleted"),
        ({"missing_inputs": 4}, "deleted   4 input files since earlier runs"),
    ],
)
def test_summary_reports_what_happened_to_earlier_output(
    counts: dict[str, int], expected: str
) -> None:
    summary = {
        "inputs": 5, "unchanged": 5, "records": 0, "articles": 0, "rejects": 0,
        "rejects_by_reason": {}, "duplicates": 0, "near_duplicates": 0, "prior_duplicates": 0,
        "languages": {}, **counts,
    }  # fmt: skip
    assert expected in format_summary(summary, Path("out"))
    quiet = {**summary, **dict.fromkeys(counts, 0)}
    assert expected.split()[0] not in format_summary(quiet, Path("out"))
