"""Where the fixed cost of a run goes: imports, Prefect's ephemeral server, a running server.

    python bench/flow_overhead.py [--repeat 3]

Each figure is the best of --repeat fresh processes, measured in this run:
  import prefect / import our pipeline   the interpreter's import cost
  newsclean --help                        the CLI without Prefect (lazy imports)
  run, ephemeral                          `newsclean run` on one small file, no server running
  run, against a server                   the same with PREFECT_API_URL pointing to a local server
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
}


def best_of(repeat: int, argv: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = {**os.environ, **QUIET, "PREFECT_HOME": str(base / "home")}
        env.pop("PREFECT_API_URL", None)
        raw = base / "raw"
        raw.mkdir()
        (raw / "a.txt").write_text(
            "A headline\n" + "A sentence of a small article about the harbour. " * 10
        )
        py = [sys.executable, "-c"]
        figures = {
            "import_prefect_s": best_of(args.repeat, [*py, "import prefect"], env),
            "import_pipeline_s": best_of(
                args.repeat, [*py, "import cleaners.pipeline, cleaners.html"], env
            ),
            "cli_help_s": best_of(args.repeat, [str(BIN / "newsclean"), "run", "--help"], env),
        }
        run = [
            str(BIN / "newsclean"),
            "run",
            "--input",
            str(raw),
            "--output",
            str(base / "out"),
            "--full",
        ]
        subprocess.run(
            run, env=env, check=True, capture_output=True
        )  # first run: database migrations
        figures["run_ephemeral_s"] = best_of(args.repeat, run, env)
        port = free_port()
        server_env = {
            **env,
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(port),
        }
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/api"
            for _ in range(360):
                try:
                    urllib.request.urlopen(f"{url}/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            figures["run_against_server_s"] = best_of(
                args.repeat, run, {**env, "PREFECT_API_URL": url}
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    ratio = figures["run_ephemeral_s"] / figures["run_against_server_s"]
    print(
        f"overhead: import prefect {figures['import_prefect_s']:.2f} s, import pipeline "
        f"{figures['import_pipeline_s']:.2f} s, `newsclean run --help` {figures['cli_help_s']:.2f} s | "
        f"one-file run: ephemeral {figures['run_ephemeral_s']:.1f} s, against a running server "
        f"{figures['run_against_server_s']:.1f} s (x{ratio:.1f})"
    )
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
