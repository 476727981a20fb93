"""Site-template learning over a run and across runs (through the runner, without Prefect)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from cleaners.config import RunConfig
from cleaners.runner import run_local
from cleaners.site_templates import RunTemplates

# Reads like a sentence and sits inside the body: no signature or layout rule can know it is
# furniture; only its recurrence across the host's articles shows it.
FOOTER = "The Quayside Courier is an independent paper funded by its readers in the harbour towns."
TOPICS = [
    (
        "ferry",
        [
            "The morning ferry to Skellan Island was cancelled after a steering fault was found during checks.",
            "Passengers were offered seats on a chartered fishing boat, though most chose to wait for the noon sailing.",
            "The operator said spare parts were flown in overnight and the vessel should be back in service by Friday.",
        ],
    ),
    (
        "market",
        [
            "Stallholders at the Saturday fish market voted to move the opening time back by an hour.",
            "Several traders argued that early buyers had dwindled since the supermarket on Mill Lane began selling fresh catch.",
            "A trial of the later hours will run until the end of October before the association decides for good.",
        ],
    ),
    (
        "school",
        [
            "The primary school on Rope Walk will get a new roof over the summer holidays, the council said.",
            "Leaks in two classrooms forced pupils into the assembly hall for most of the spring term.",
            "Contractors have promised to finish before September, with scaffolding going up the day after term ends.",
        ],
    ),
    (
        "lighthouse",
        [
            "Volunteers repainted the old lighthouse at Carrick Point over three weekends in a row.",
            "The trust that owns the tower hopes to open its gallery to visitors again next spring after a long closure.",
            "Paint and brushes were donated by a hardware shop in the village, and a local café fed the crews.",
        ],
    ),
    (
        "museum",
        [
            "The maritime museum has borrowed a collection of ship models from a private owner in the north.",
            "Curators say the models, some more than a century old, show vessels that once filled the inner basin.",
            "The exhibition opens in May and entry will be free for residents of the borough on Sundays.",
        ],
    ),
]


def story(topic: str, paragraphs: list[str], footer: bool = True) -> str:
    del topic  # the story is its paragraphs; the topic only names it
    return "\n".join([paragraphs[0], *([FOOTER] if footer else []), *paragraphs[1:]])


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")


def run(raw: Path, out: Path, **options: Any) -> dict[str, Any]:
    config = RunConfig(input_dir=raw, output_dir=out, workers=1, **options)
    return run_local(config).to_dict()


def articles(out: Path) -> dict[str, dict[str, Any]]:
    table = ds.dataset(out / "articles", partitioning="hive").to_table()
    return {r["source_id"]: r for r in table.to_pylist()}


def test_repeated_short_line_of_one_host_is_removed_and_recorded(tmp_path: Path) -> None:
    records = [
        {"id": t, "url": f"https://quayside.example/{t}", "text": story(t, lead)}
        for t, lead in TOPICS[:4]
    ]
    records.append({"id": "elsewhere", "url": "https://other.example/x", "text": story(*TOPICS[4])})
    write_jsonl(tmp_path / "raw" / "dump.jsonl", records)
    summary = run(tmp_path / "raw", tmp_path / "out")
    found = articles(tmp_path / "out")
    for topic, _ in TOPICS[:4]:
        assert FOOTER not in found[topic]["text"]
        assert {"rule": "template.repeated_line", "text": FOOTER, "line": None} in found[topic][
            "removed"
        ]
        assert found[topic]["n_chars"] == len(found[topic]["text"])
    assert FOOTER in found["elsewhere"]["text"]  # another host: not its template
    assert summary["rules"]["template.repeated_line"]["documents"] == 4


def test_syndicated_copies_do_not_turn_a_story_into_template(tmp_path: Path) -> None:
    topic, paragraphs = TOPICS[0]
    lead = paragraphs[0]
    copies = [
        {
            "id": f"copy{i}",
            "url": f"https://quayside.example/c{i}",
            "text": story(topic, paragraphs),
        }
        for i in range(4)
    ]
    write_jsonl(tmp_path / "raw" / "dump.jsonl", copies)
    summary = run(tmp_path / "raw", tmp_path / "out")
    [kept] = articles(tmp_path / "out").values()
    # one survivor: nothing repeats across distinct articles, so nothing is template
    assert lead in kept["text"] and FOOTER in kept["text"]
    assert summary["duplicates"] == 3


def test_templates_accumulate_across_runs(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    first = [
        {"id": t, "url": f"https://quayside.example/{t}", "text": story(t, lead)}
        for t, lead in TOPICS[:2]
    ]
    write_jsonl(raw / "day1.jsonl", first)
    run(raw, out)
    assert all(FOOTER in a["text"] for a in articles(out).values())  # seen twice: not yet template
    topic, lead = TOPICS[2]
    write_jsonl(
        raw / "day2.jsonl",
        [{"id": topic, "url": f"https://quayside.example/{topic}", "text": story(topic, lead)}],
    )
    run(raw, out)
    found = articles(out)
    assert FOOTER not in found[topic]["text"]  # the third article of the host, in a later run
    assert FOOTER in found[TOPICS[0][0]]["text"]  # published articles are not rewritten


def test_template_learning_can_be_switched_off(tmp_path: Path) -> None:
    records = [
        {"id": t, "url": f"https://quayside.example/{t}", "text": story(t, lead)}
        for t, lead in TOPICS
    ]
    write_jsonl(tmp_path / "raw" / "dump.jsonl", records)
    run(tmp_path / "raw", tmp_path / "out", template_min_docs=0)
    assert all(FOOTER in a["text"] for a in articles(tmp_path / "out").values())


def test_long_lines_are_never_template() -> None:
    templates = RunTemplates(min_docs=2)
    long_line = "A long paragraph of prose that happens to repeat. " * 5
    for _ in range(3):
        templates.learn("a.example", f"{long_line}\nShort repeated line")
    text, removed = templates.strip("a.example", f"{long_line}\nShort repeated line\nOther")
    assert removed == ["Short repeated line"] and text == f"{long_line}\nOther"


def test_persisted_counts_are_capped_per_host(monkeypatch: Any) -> None:
    import cleaners.site_templates as site_templates

    monkeypatch.setattr(site_templates, "MAX_LINES_PER_HOST", 3)
    templates = RunTemplates(min_docs=2)
    for i in range(4):
        templates.learn("a.example", f"Frequent line\nSecond frequent\nOne-off line {i}")
    restored = RunTemplates(min_docs=2, blob=templates.to_bytes())
    assert len(restored.index.lines["a.example"]) == 3
    assert restored.strip("a.example", "Frequent line\nSecond frequent\nNew")[1] == [
        "Frequent line",
        "Second frequent",
    ]


def test_counts_stay_bounded_while_learning_a_big_host(monkeypatch: Any) -> None:
    """However many documents one host has, its counts are cut back while learning, and the
    lines that recur in most documents (the template) survive every cut."""
    import cleaners.site_templates as site_templates

    monkeypatch.setattr(site_templates, "PRUNE_ABOVE", 40)
    monkeypatch.setattr(site_templates, "KEEP_AFTER_PRUNE", 20)
    templates = RunTemplates(min_docs=3)
    sizes = []
    for i in range(500):
        extra = "\nShare this story" if i % 2 else ""
        templates.learn(
            "big.example",
            f"Headline number {i} of the day\nCaption of photo {i}\nSite footer line{extra}",
        )
        sizes.append(len(templates.index.lines["big.example"]))
    assert max(sizes) <= 41
    removed = templates.strip("big.example", "Site footer line\nShare this story\nNew text")[1]
    assert removed == ["Site footer line", "Share this story"]


def test_template_keys_are_what_strip_compares() -> None:
    from cleaners.site_templates import MAX_LINE_CHARS, template_keys
    from cleaners.text.doc import normalise
    from cleaners.text.templates import line_key

    long_line = "word " * (MAX_LINE_CHARS // 5 + 1)
    text = f"Follow us\n  follow   US  \n{long_line}\nx\n\n{FOOTER}"
    keys = template_keys(text)
    assert keys == sorted(set(keys))  # sorted and distinct: staged batches are reproducible
    assert line_key(normalise("Follow us")) in keys  # the two spellings are one key
    assert line_key(normalise(FOOTER)) in keys
    assert line_key(normalise(long_line)) not in keys  # prose-length lines never count
    assert len(keys) == 2  # nor does a one-character line
    # learning from the keys (as publishing does) makes strip() remove the lines they came from
    templates = RunTemplates(min_docs=2)
    for _ in range(2):
        templates.learn_keys("quay.example", keys)
    kept, removed = templates.strip("www.quay.example", text)
    assert removed == ["Follow us", "  follow   US  ", FOOTER]
    assert long_line in kept
