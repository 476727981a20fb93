"""Crashes and concurrent runs lose nothing: the real CLI, killed with SIGKILL at several points of
a run, then rerun, gives exactly the output of an uninterrupted run; two runs on one output folder
neither lose nor double rows. Runs go against the session's Prefect server (faster than ephemeral)."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cleaners.storage import Layout, run_lock
from tests.conftest import BIN, Server

pytestmark = pytest.mark.integration

WORDS = (
    "council harbour river bridge school market budget mayor station weather storm railway museum "
    "village festival library hospital farmers election court police tourism factory water energy "
    "residents project plan report workers students teachers road traffic winter summer autumn spring "
    "announced approved rejected delayed opened closed expected reported criticised welcomed"
).split()


def article(seed: int) -> str:
    rng = random.Random(seed)
    title = " ".join(rng.choice(WORDS).capitalize() for _ in range(6))
    paragraphs = []
    for _ in range(5):
        sentences = []
        for _ in range(4):
            words = [rng.choice(WORDS) for _ in range(rng.randint(10, 18))]
            sentences.append(f"The {' '.join(words)}.")
        paragraphs.append(" ".join(sentences))
    share = "Facebook Twitter LinkedIn Pinterest Reddit Email Print"
    return "\n".join([share, title, *paragraphs, "Leave a Reply"]) + "\n"


def build(root: Path, count: int = 60) -> None:
    for i in range(count):
        folder = root / f"day{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story-{i:03d}.txt").write_text(article(i))
    (root / "day0" / "copy-of-story-001.txt").write_text(article(1))  # one exact duplicate
    (root / "day1" / "broken.jsonl").write_text('{"text": "ok but short"}\n{nope\n')


def cli(server: Server, raw: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    args = [str(BIN / "newsclean"), "run", "--input", str(raw), "--output", str(out)]
    args += ["--workers", "1", "--batch-size", "8", *extra]
    return subprocess.Popen(
        args, env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def dataset_files(out: Path) -> dict[str, bytes]:
    """The published data and the manifest: what a downstream job or the next run reads."""
    files = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and (
            rel.startswith(("articles/", "rejects/")) or rel == "_state/manifest.parquet"
        ):
            files[rel] = path.read_bytes()
    return files


def stray_files(out: Path) -> list[str]:
    stray = [p.relative_to(out).as_posix() for p in out.rglob("*.tmp")]
    staging = out / "_staging"
    if staging.exists():
        stray += [p.relative_to(out).as_posix() for p in staging.rglob("*") if p.is_file()]
    return stray


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("reliability") / "raw"
    build(raw)
    return raw


@pytest.fixture(scope="module")
def reference(
    server: Server, corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "clean"
    code, _, err = finish(cli(server, corpus, out))
    assert code == 0, err[-3000:]
    files = dataset_files(out)
    assert any(k.startswith("articles/") for k in files) and any(
        k.startswith("rejects/") for k in files
    )
    return files


def staged_batch_exists(out: Path) -> bool:
    return any((out / "_staging").rglob("*.stats.json")) if (out / "_staging").exists() else False


def article_part_exists(out: Path) -> bool:
    return any((out / "articles").rglob("*.parquet")) if (out / "articles").exists() else False


def lock_taken(out: Path) -> bool:
    return (out / ".newsclean.lock").exists()


KILL_POINTS: dict[str, Callable[[Path], bool]] = {
    "after-taking-the-lock": lock_taken,
    "after-first-staged-batch": staged_batch_exists,
    "while-publishing": article_part_exists,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_then_rerun_equals_a_clean_run(
    server: Server, corpus: Path, reference: dict[str, bytes], tmp_path: Path, point: str
) -> None:
    out = tmp_path / "clean"
    process = cli(server, corpus, out)
    deadline = time.monotonic() + 240
    while not KILL_POINTS[point](out):
        assert process.poll() is None or KILL_POINTS[point](out), "run ended before the kill point"
        assert time.monotonic() < deadline, "kill point never reached"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    code, _, err = finish(cli(server, corpus, out))
    assert code == 0, err[-3000:]
    assert dataset_files(out) == reference
    assert stray_files(out) == []


def test_two_concurrent_runs_neither_lose_nor_double_rows(
    server: Server, corpus: Path, reference: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "clean"
    first = cli(server, corpus, out, "--lock-timeout-seconds", "300")
    second = cli(server, corpus, out, "--lock-timeout-seconds", "300")
    results = [finish(first), finish(second)]
    assert [code for code, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    assert dataset_files(out) == reference  # the later run found everything done: no doubles
    assert stray_files(out) == []


def test_a_run_refuses_a_locked_folder_with_a_clear_message(
    server: Server, corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "clean"
    with run_lock(Layout(out)):
        code, _, err = finish(cli(server, corpus, out, "--lock-timeout-seconds", "0"))
    assert code == 2
    assert "another newsclean run holds" in err and "Traceback" not in err
    assert not (out / "articles").exists()
