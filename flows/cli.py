"""`newsclean` command line: run the flow, explain a document's cleaning.

Prefect is imported only by the commands that run a flow, so `--help` and `explain` stay fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cleaners.config import RunConfig
from flows import workers

# Quiet, faster Prefect defaults for a local ephemeral run; the user's own settings win.
PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}

DEFAULT_CRON = "0 3 * * *"

# Flags named as the issue and README use them, for fields whose names are longer.
FLAG_ALIASES = {"input_dir": "--input", "output_dir": "--output"}


class CliError(Exception):
    """A user mistake: printed as one line, exit status 2, no traceback."""


def _flag(name: str) -> str:
    return FLAG_ALIASES.get(name, "--" + name.replace("_", "-"))


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="TOML file with the same options (flags win)"
    )
    for name, info in RunConfig.model_fields.items():
        default = info.default
        help_text = f"{info.description} (default: {default})"
        if info.annotation is bool:
            parser.add_argument(
                _flag(name), dest=name, action="store_true", default=None, help=info.description
            )
        else:
            metavar = {int: "N", float: "X", Path: "DIR"}.get(info.annotation, "VALUE")  # type: ignore[arg-type]
            parser.add_argument(
                _flag(name), dest=name, default=None, metavar=metavar, help=help_text
            )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsclean",
        description="Turn scraped news articles (HTML, text, JSONL, gzip) into clean, "
        "language-tagged, deduplicated Parquet.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="clean a folder of raw articles into Parquet",
        description="Run the clean-articles flow (Prefect's local ephemeral mode unless PREFECT_API_URL "
        "points to a server) and print a summary.",
    )
    _add_config_options(run)
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    serve = commands.add_parser(
        "serve",
        help="serve the flow on a schedule (no work pool needed)",
        description="Create a deployment of the clean-articles flow with a cron schedule and run it "
        "from this process (Prefect's flow.serve) until interrupted. Needs PREFECT_API_URL pointing to "
        "a running Prefect server.",
    )
    _add_config_options(serve)
    serve.add_argument(
        "--cron", default=DEFAULT_CRON, help=f"cron schedule (default: '{DEFAULT_CRON}', daily)"
    )
    serve.add_argument(
        "--timezone", default="UTC", help="time zone of the cron schedule (default: UTC)"
    )
    serve.add_argument(
        "--name", default="newsclean-serve", help="deployment name (default: newsclean-serve)"
    )
    explain = commands.add_parser(
        "explain",
        help="show which lines of a document the cleaners keep and remove, and why",
        description="Clean one file without writing anything and print it with every line marked.",
    )
    explain.add_argument("file", type=Path, help="an .html, .txt or .jsonl file (optionally .gz)")
    explain.add_argument("--record", type=int, default=None, help="only this JSONL line number")
    return parser


def config_from_args(args: argparse.Namespace) -> RunConfig:
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in RunConfig.model_fields
        if getattr(args, name, None) is not None
    }
    try:
        if args.config is not None:
            if not args.config.is_file():
                raise CliError(f"config file {args.config} not found")
            return RunConfig.from_toml(args.config, **overrides)
        return RunConfig(**overrides)
    except ValidationError as exc:
        raise CliError("; ".join(_describe(err) for err in exc.errors())) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise CliError(f"cannot read config {args.config}: {exc}") from None


def _describe(error: Any) -> str:
    key = str(error["loc"][0]) if error["loc"] else "config"
    if error["type"] == "extra_forbidden":
        return f"unknown option '{key}'"
    return f"invalid value for {_flag(key)} ({key}): {error['msg']}"


def format_summary(summary: dict[str, Any], output_dir: Path, *, retracting: bool = False) -> str:
    lines = [
        f"newsclean: {summary['inputs']} input files ({summary['unchanged']} unchanged, skipped), "
        f"{summary['records']} documents read",
        f"  kept      {summary['articles']} articles -> {output_dir / 'articles'}",
        f"  rejected  {summary['rejects']} -> {output_dir / 'rejects'}",
    ]
    for reason, count in summary["rejects_by_reason"].items():
        lines.append(f"    {reason:<16}{count}")
    lines.append(
        f"  duplicates {summary['duplicates']} exact, {summary['near_duplicates']} near, "
        f"{summary['prior_duplicates']} already published by earlier runs"
    )
    if summary.get("resettled"):
        lines.append(
            f"  reprocessed {summary['resettled']} unchanged inputs: the cleaning settings changed"
        )
    if summary.get("retracted"):
        lines.append(
            f"  replaced  {summary['retracted']} articles of changed inputs that earlier runs "
            "published"
        )
    if summary.get("deleted_inputs"):
        lines.append(
            f"  withdrew  {summary['withdrawn']} articles of {summary['deleted_inputs']} input files "
            "deleted since earlier runs published them"
        )
    if summary.get("missing_inputs") and retracting:
        lines.append(
            f"  deleted   all {summary['missing_inputs']} input files earlier runs processed: "
            "nothing taken out (is the input folder mounted? --full rebuilds from it)"
        )
    elif summary.get("missing_inputs"):
        lines.append(
            f"  deleted   {summary['missing_inputs']} input files since earlier runs; what they "
            "published is kept (--retract-deleted takes it out)"
        )
    languages = ", ".join(f"{code} {n}" for code, n in summary["languages"].items()) or "none"
    lines.append(f"  languages {languages}")
    for failure in summary.get("failed_batches", []):
        lines.append(f"  FAILED    {failure} (its files are in rejects as 'error'; rerun to retry)")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if not config.input_dir.is_dir():
        raise CliError(f"input folder {config.input_dir} does not exist")
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from cleaners.storage import Layout, LockTimeout, run_lock

    try:
        # Ask for the output folder's lock before starting Prefect, to refuse (or wait) with a
        # clear message; the flow takes the lock again itself and is what guarantees exclusion.
        with run_lock(Layout(config.output_dir), timeout_seconds=config.lock_timeout_seconds):
            pass
        if not config.dask_address:
            # the worker processes start and warm up while Prefect is imported and its
            # temporary server starts: ~1 s less before the first batch runs
            workers.prestart(config.effective_workers)
        from flows.clean_articles import clean_articles

        state = clean_articles(config=config, return_state=True)
    except LockTimeout as exc:
        raise CliError(str(exc)) from None
    finally:
        workers.discard_spare()
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, LockTimeout):  # lost the race for the lock inside the flow
        raise CliError(str(summary))
    if isinstance(summary, BaseException):
        raise summary
    print(
        json.dumps(summary, indent=2)
        if args.json
        else format_summary(summary, config.output_dir, retracting=config.retract_deleted)
    )
    if state.is_failed():
        print(f"newsclean: error: {state.message}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from prefect.client.schemas.schedules import CronSchedule

    from flows.clean_articles import clean_articles

    try:
        schedule = CronSchedule(cron=args.cron, timezone=args.timezone)
    except ValueError as exc:
        raise CliError(f"invalid --cron/--timezone: {exc}") from None
    clean_articles.serve(
        name=args.name,
        schedules=[schedule],
        parameters={"config": config.model_dump(mode="json")},
        description="Clean newly scraped articles into Parquet (served by `newsclean serve`).",
        tags=["newsclean"],
    )
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from cleaners.explain import explain_file

    if not args.file.is_file():
        raise CliError(f"{args.file} is not a file")
    print(explain_file(args.file, record=args.record))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "explain":
            return cmd_explain(args)
        if args.command == "serve":
            return cmd_serve(args)
    except CliError as exc:
        print(f"newsclean: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("newsclean: interrupted; rerun to resume", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
