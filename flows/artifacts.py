"""What an operator sees in the Prefect UI for a run: counts, languages, rules, samples, progress."""

from __future__ import annotations

from uuid import UUID

import pyarrow.parquet as pq
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from cleaners.config import RunConfig
from cleaners.runner import RunSummary

SAMPLE_COUNT = 3
SAMPLE_REMOVALS = 8


def start_progress(total_batches: int) -> UUID:
    artifact_id = create_progress_artifact(
        progress=0.0 if total_batches else 100.0,
        key="newsclean-progress",
        description=f"Batches cleaned (of {total_batches})",
    )
    assert isinstance(artifact_id, UUID)  # the sync call: a coroutine only inside async code
    return artifact_id


def update_progress(artifact_id: UUID, done: int, total: int) -> None:
    update_progress_artifact(artifact_id=artifact_id, progress=100.0 * done / max(total, 1))


def one_line(summary: RunSummary) -> str:
    data = summary.to_dict()
    return (
        f"{data['records']} records in, {data['articles']} articles kept, {data['rejects']} rejected "
        f"({data['duplicates']} duplicates, {data['near_duplicates']} near, {data['prior_duplicates']} from earlier runs)"
    )


def counts_table(summary: RunSummary) -> list[dict[str, object]]:
    data = summary.to_dict()
    rows: list[dict[str, object]] = [
        {"stage": "discover", "measure": "input files", "count": data["inputs"]},
        {
            "stage": "discover",
            "measure": "unchanged since an earlier run (skipped)",
            "count": data["unchanged"],
        },
        {
            "stage": "discover",
            "measure": "deleted since an earlier run",
            "count": data["deleted_inputs"] + data["missing_inputs"],  # type: ignore[operator]
        },
        {"stage": "read", "measure": "records", "count": data["records"]},
        {"stage": "publish", "measure": "articles kept", "count": data["articles"]},
        {"stage": "publish", "measure": "rejected (all reasons)", "count": data["rejects"]},
        {
            "stage": "publish",
            "measure": "earlier articles of changed inputs, replaced",
            "count": data["retracted"],
        },
        {
            "stage": "publish",
            "measure": "earlier articles of deleted inputs, withdrawn",
            "count": data["withdrawn"],
        },
    ]
    reasons = data["rejects_by_reason"]
    assert isinstance(reasons, dict)
    rows += [{"stage": "reject", "measure": reason, "count": n} for reason, n in reasons.items()]
    languages = data["languages"]
    assert isinstance(languages, dict)
    rows += [{"stage": "language", "measure": code, "count": n} for code, n in languages.items()]
    return rows


def rules_table(summary: RunSummary) -> list[dict[str, object]]:
    stats = summary.stats
    return [
        {"rule": rule, "documents": stats.rule_docs[rule], "chars_removed": stats.rule_chars[rule]}
        for rule in sorted(stats.rule_docs, key=lambda r: (-stats.rule_chars[r], r))
    ]


def samples_markdown(summary: RunSummary, config: RunConfig) -> str:
    """A few cleaned articles with what was removed from them, most-cleaned first."""
    lines = [f"# Cleaning samples from run `{summary.run_key}`", ""]
    samples: list[dict[str, object]] = []
    for rel in summary.files_written:
        if not rel.startswith("articles/"):
            continue
        table = pq.read_table(
            config.output_dir / rel, columns=["id", "title", "text", "removed", "source_path"]
        )
        samples.extend(table.to_pylist())
    samples.sort(key=lambda r: (-len(r["removed"]), str(r["id"])))  # type: ignore[arg-type]
    if not samples:
        return "\n".join([*lines, "No articles were written by this run."])
    for row in samples[:SAMPLE_COUNT]:
        text = str(row["text"])
        removed = row["removed"]
        assert isinstance(removed, list)
        lines += [
            f"## {row['title'] or '(untitled)'}",
            f"`{row['source_path']}` — {len(text):,} characters kept, {len(removed)} pieces removed",
            "",
            "| rule | removed text |",
            "|---|---|",
        ]
        for removal in removed[:SAMPLE_REMOVALS]:
            snippet = " ".join(str(removal["text"]).split())
            snippet = (snippet[:97] + "…") if len(snippet) > 100 else snippet
            snippet = snippet.replace("|", "\\|")
            lines.append(f"| `{removal['rule']}` | {snippet} |")
        if len(removed) > SAMPLE_REMOVALS:
            lines.append(f"| … | {len(removed) - SAMPLE_REMOVALS} more |")
        excerpt = text[:600] + ("…" if len(text) > 600 else "")
        lines += [
            "",
            "**Kept text (start):**",
            "",
            *(f"> {p}" for p in excerpt.split("\n") if p.strip()),
            "",
        ]
    return "\n".join(lines)


def publish_run_artifacts(summary: RunSummary, config: RunConfig) -> None:
    create_table_artifact(
        table=counts_table(summary),
        key="newsclean-counts",
        description=f"Documents per stage, reject reason and language — {one_line(summary)}",
    )
    create_table_artifact(
        table=rules_table(summary) or [{"rule": "(none)", "documents": 0, "chars_removed": 0}],
        key="newsclean-rules",
        description="Boilerplate removed per cleaning rule (kept articles)",
    )
    create_markdown_artifact(
        markdown=samples_markdown(summary, config),
        key="newsclean-samples",
        description="Before/after samples: what the cleaners removed",
    )
