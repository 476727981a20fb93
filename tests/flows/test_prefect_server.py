"""Against a real Prefect server on 127.0.0.1 (a free port): run the CLI, then check through the
server's REST API what an operator would see — the flow run, its task runs, artifacts and logs —
and deploy `prefect.yaml`, checking its schedule without waiting for it to fire."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN, REPO_ROOT, Server
from tests.flows.test_clean_articles import build_corpus

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cli_run(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("served-run")
    build_corpus(base / "raw")
    done = subprocess.run(
        [str(BIN / "newsclean"), "run", "--input", str(base / "raw"), "--output", str(base / "clean"),
         "--batch-size", "3", "--json"],
        env=server.env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary: dict[str, Any] = json.loads(done.stdout)
    flow_run = server.get(f"/flow_runs/{summary['flow_run_id']}")
    return {"summary": summary, "flow_run": flow_run}


def test_flow_run_completed(cli_run: dict[str, Any]) -> None:
    assert cli_run["flow_run"]["state"]["type"] == "COMPLETED"


def test_task_runs_per_stage(server: Server, cli_run: dict[str, Any]) -> None:
    runs = server.post(
        "/task_runs/filter", {"flow_runs": {"id": {"any_": [cli_run["flow_run"]["id"]]}}}
    )
    names = sorted(r["name"] for r in runs)
    # 6 input files in batches of 3: two batch tasks.
    assert names == [
        "clean-batch-0000",
        "clean-batch-0001",
        "deduplicate-and-publish",
        "plan-inputs",
    ]
    assert {r["state"]["type"] for r in runs} == {"COMPLETED"}


def test_artifacts_carry_the_runs_numbers(server: Server, cli_run: dict[str, Any]) -> None:
    summary = cli_run["summary"]
    artifacts = server.post(
        "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [cli_run["flow_run"]["id"]]}}}
    )
    by_key = {a["key"]: a for a in artifacts}
    assert {
        "newsclean-counts",
        "newsclean-rules",
        "newsclean-samples",
        "newsclean-progress",
    } <= set(by_key)
    counts = json.loads(by_key["newsclean-counts"]["data"])
    measured = {(row["stage"], row["measure"]): row["count"] for row in counts}
    assert measured[("read", "records")] == summary["records"] == 9
    assert measured[("publish", "articles kept")] == summary["articles"]
    assert measured[("reject", "duplicate")] == summary["duplicates"] == 1
    assert measured[("language", "en")] == summary["languages"]["en"]
    assert by_key["newsclean-progress"]["data"] == 100.0
    samples = by_key["newsclean-samples"]["data"]
    assert (
        "Harbour Dredging Plan Approved" in samples and "| `" in samples
    )  # a removal with its rule


def test_logs_say_what_happened_per_batch(server: Server, cli_run: dict[str, Any]) -> None:
    logs = server.post(
        "/logs/filter", {"logs": {"flow_run_id": {"any_": [cli_run["flow_run"]["id"]]}}}
    )
    messages = [entry["message"] for entry in logs]
    assert any(m.startswith("batch 0:") for m in messages) and any(
        m.startswith("batch 1:") for m in messages
    )
    assert any("published" in m for m in messages)


def test_prefect_yaml_deploys_with_its_schedule(server: Server) -> None:
    subprocess.run(
        [str(BIN / "prefect"), "work-pool", "create", "newsclean", "--type", "process"],
        env=server.env, cwd=REPO_ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    done = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", "deploy", "--all"],
        env=server.env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [deployment] = server.post(
        "/deployments/filter", {"deployments": {"name": {"any_": ["daily"]}}}
    )
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "0 3 * * *" and schedule["active"] is True
    assert deployment["parameters"]["config"]["output_dir"] == "data/clean"
    assert deployment["work_pool_name"] == "newsclean"


def test_serve_creates_a_scheduled_deployment(server: Server, tmp_path: Path) -> None:
    serve = subprocess.Popen(
        [
            *(str(BIN / "newsclean"), "serve", "--cron", "15 4 * * *", "--name", "nightly-test"),
            *("--input", str(tmp_path), "--output", str(tmp_path / "out")),
        ],
        env=server.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        found: list[dict[str, Any]] = []
        while not found and time.monotonic() < deadline:
            assert serve.poll() is None, "newsclean serve exited"
            found = server.post(
                "/deployments/filter", {"deployments": {"name": {"any_": ["nightly-test"]}}}
            )
            time.sleep(0.5)
        [deployment] = found
        [schedule] = deployment["schedules"]
        assert schedule["schedule"]["cron"] == "15 4 * * *"
        assert deployment["parameters"]["config"]["input_dir"] == str(tmp_path)
    finally:
        serve.terminate()
        serve.wait(timeout=60)
