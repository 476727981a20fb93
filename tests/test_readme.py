"""The README stays true: its two commands are the ones CI and users run, every option is named."""

from __future__ import annotations

import re

from cleaners.config import RunConfig
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_every_option_is_documented() -> None:
    missing = [name for name in RunConfig.model_fields if f"`{name}`" not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"^(python3 bootstrap\.py \w+)", README, flags=re.MULTILINE)
    assert "python3 bootstrap.py run" in commands and "python3 bootstrap.py test" in commands
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert re.search(r"^python3 bootstrap\.py test$", ci, flags=re.MULTILINE)
