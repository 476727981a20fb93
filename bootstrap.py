#!/usr/bin/env python3
"""One command for a fresh clone, needing nothing but Python >= 3.11:

    python3 bootstrap.py run [newsclean run options]   # clean data/raw into data/clean
    python3 bootstrap.py test [pytest options]         # lint, type-check and run the tests
    python3 bootstrap.py install                       # only create/update .venv

It creates `.venv` next to this file, installs the project into it (again only when
pyproject.toml changed), then runs the command inside it. Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("NEWSCLEAN_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def _stamp(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    return digest[:16]


def ensure_venv(extras: str = "") -> None:
    """Create the virtual environment and install the project (with extras) if not yet done."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older python3
        sys.exit(f"newsclean needs Python >= 3.11, this is {sys.version.split()[0]}")
    stamp_file = VENV / ".newsclean-installed"
    wanted = _stamp(extras)
    if stamp_file.exists() and wanted in stamp_file.read_text().split():
        return
    if not PYTHON.exists():
        print(f"bootstrap: creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    print(
        f"bootstrap: installing newsclean{f'[{extras}]' if extras else ''} into {VENV}", flush=True
    )
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            target,
        ],
        cwd=ROOT,
        check=True,
    )
    previous = stamp_file.read_text().split() if stamp_file.exists() else []
    stamp_file.write_text(" ".join([*previous, wanted]) + "\n")


def run(argv: list[str]) -> int:
    ensure_venv()
    return subprocess.call([str(BIN / "newsclean"), "run", *argv], cwd=ROOT)


def test(argv: list[str]) -> int:
    ensure_venv("test")
    steps = [
        [str(BIN / "ruff"), "check", "cleaners", "flows", "tests", "bench", "bootstrap.py"],
        [
            str(BIN / "ruff"),
            "format",
            "--check",
            "cleaners",
            "flows",
            "tests",
            "bench",
            "bootstrap.py",
        ],
        [str(BIN / "mypy")],
        [str(PYTHON), "-m", "pytest", *argv],
    ]
    for step in steps:
        print(
            "bootstrap: "
            + " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)),
            flush=True,
        )
        code = subprocess.call(step, cwd=ROOT)
        if code:
            return code
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "install"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "install":
        ensure_venv("test" if "--test" in rest else "")
        return 0
    return run(rest) if command == "run" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
