"""The whole flow under Prefect's test harness on a small folder built here."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from cleaners.config import RunConfig

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

HARBOUR = [
    "The harbour authority of Port Ellery approved a plan on Tuesday to dredge the northern channel, "
    "ending a two-year dispute with the fishing cooperative over the depth of the approach.",
    "Under the plan, contractors will remove about 40,000 cubic metres of silt before the autumn "
    "storms, and the cooperative will be paid for the weeks its boats cannot use the inner quay.",
    "Marta Quill, who chairs the cooperative, said the members would share the compensation equally "
    "and that the agreement was the first in years to take the smaller boats into account.",
    "The authority expects the work to cost 2.3 million and says it will publish monthly progress "
    "reports so that residents can follow the noise and traffic on the harbour road.",
]
GERMAN = [
    "Der Gemeinderat von Lindenau hat am Montagabend beschlossen, die alte Stadtbibliothek zu sanieren "
    "und im Erdgeschoss einen Lesesaal für Schülerinnen und Schüler einzurichten.",
    "Die Kosten von rund vier Millionen Euro sollen zur Hälfte aus Fördermitteln des Landes kommen, "
    "den Rest trägt die Stadt über die nächsten drei Haushaltsjahre.",
    "Bürgermeisterin Ilse Drach sagte, das Gebäude sei seit Jahren ein Sorgenkind gewesen und die "
    "Entscheidung sei nach langer Diskussion mit großer Mehrheit gefallen.",
]
FRENCH = [
    "La municipalité de Saint-Aurèle a inauguré samedi une nouvelle passerelle piétonne au-dessus de la "
    "rivière, après dix-huit mois de travaux et plusieurs retards liés aux crues du printemps.",
    "L'ouvrage, long de soixante mètres, relie désormais le quartier de la gare au marché couvert, ce "
    "qui devrait réduire le trafic automobile dans le centre selon les services techniques.",
    "Les habitants présents ont salué un projet attendu depuis longtemps, même si certains regrettent "
    "que les pistes cyclables prévues au départ aient été abandonnées faute de budget.",
]

MARKET = [
    "Après huit mois de fermeture, le marché couvert de Saint-Aurèle rouvrira ses portes mardi prochain "
    "avec une toiture neuve, un éclairage moins gourmand et une trentaine d'étals rénovés.",
    "Les commerçants, installés pendant les travaux sur le parking de la gare, disent avoir perdu près "
    "d'un tiers de leur clientèle et espèrent la retrouver dès les premières semaines.",
    "La mairie prévoit une matinée d'animations pour la réouverture et promet de réduire les droits de "
    "place pendant trois mois afin d'aider les plus petits producteurs.",
]


def scraped(title: str, paragraphs: list[str], *, share: bool = True, comments: bool = True) -> str:
    lines = ["Facebook Twitter LinkedIn Pinterest Reddit Email Print"] if share else []
    lines += [f"{title} – April 2, 2025", *paragraphs]
    if comments:
        lines += [
            "Leave a Reply",
            "Your email address will not be published. Required fields are marked *",
        ]
    return "\n".join(lines) + "\n"


def html_page(title: str, paragraphs: list[str], lang: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><title>{title}</title>'
        f'<link rel="canonical" href="https://lindenau.example/bibliothek"></head><body>'
        '<nav><a href="/">Start</a> <a href="/politik">Politik</a></nav>'
        f"<article><h1>{title}</h1>{body}"
        '<div class="sharedaddy"><h3>Teilen mit:</h3><a>Facebook</a><a>X</a></div></article>'
        "<footer>Impressum Datenschutz</footer></body></html>"
    )


def build_corpus(root: Path) -> None:
    (root / "text").mkdir(parents=True)
    (root / "text" / "harbour.txt").write_text(scraped("Harbour Dredging Plan Approved", HARBOUR))
    # The same story through another scraper: different boilerplate, same text -> exact duplicate.
    (root / "text" / "harbour-copy.txt.gz").write_bytes(
        gzip.compress(
            scraped("Harbour Dredging Plan Approved", HARBOUR, share=False).encode(), mtime=0
        )
    )
    (root / "bibliothek.html").write_text(html_page("Stadtbibliothek wird saniert", GERMAN, "de"))
    records = [
        {"id": "fr-1", "url": "https://aurele.example/passerelle", "title": "Une passerelle", "date": "2025-05-03",
         "text": "\n".join(FRENCH)},
        "{broken json",
        {"id": "fr-2", "title": "Sans texte"},
        {"id": "short", "text": "Trop court."},
    ]  # fmt: skip
    (root / "dump.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
        + "\n"
    )
    (root / "empty.txt").write_text("")
    (root / "scan.pdf").write_bytes(b"%PDF-1.4 binary")


def run(input_dir: Path, output_dir: Path, **options: Any) -> dict[str, Any]:
    from flows.clean_articles import clean_articles

    config = RunConfig(
        input_dir=input_dir, output_dir=output_dir, workers=options.pop("workers", 1), **options
    )
    return clean_articles(config=config)


def read(output: Path, name: str) -> list[dict[str, Any]]:
    folder = output / name
    if not folder.exists():
        return []
    dataset = ds.dataset(
        folder, format="parquet", partitioning="hive" if name == "articles" else None
    )
    return sorted(dataset.to_table().to_pylist(), key=lambda r: r["id"])


def all_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("flow")
    build_corpus(base / "raw")
    summary = run(base / "raw", base / "clean")
    return base / "raw", base / "clean", summary


def test_every_record_lands_in_exactly_one_dataset(
    first_run: tuple[Path, Path, dict[str, Any]],
) -> None:
    _, output, summary = first_run
    articles, rejects = read(output, "articles"), read(output, "rejects")
    # 6 files, of which dump.jsonl holds 4 records: 9 records in all.
    assert summary["records"] == 9
    assert len(articles) + len(rejects) == 9
    assert not {a["id"] for a in articles} & {r["id"] for r in rejects}
    reasons = sorted(r["reason"] for r in rejects)
    assert reasons == ["duplicate", "empty", "malformed", "no_content", "too_short", "unsupported"]
    assert summary["articles"] == 3 and summary["duplicates"] == 1


def test_articles_are_cleaned_tagged_and_partitioned(
    first_run: tuple[Path, Path, dict[str, Any]],
) -> None:
    _, output, _ = first_run
    assert sorted(p.name for p in (output / "articles").iterdir()) == [
        "language=de",
        "language=en",
        "language=fr",
    ]
    by_language = {a["language"]: a for a in read(output, "articles")}
    english = by_language["en"]
    assert english["title"] == "Harbour Dredging Plan Approved"
    assert (
        "Facebook Twitter LinkedIn" not in english["text"]
        and "Leave a Reply" not in english["text"]
    )
    assert HARBOUR[0] in english["text"] and HARBOUR[-1] in english["text"]
    assert english["n_chars"] == len(english["text"]) and english["n_words"] == len(
        english["text"].split()
    )
    removed = {(r["rule"].split(".")[0], r["text"]) for r in english["removed"]}
    assert ("share", "Facebook Twitter LinkedIn Pinterest Reddit Email Print") in removed
    assert ("comments", "Leave a Reply") in removed
    german = by_language["de"]
    assert (
        german["language_html"] == "de" and german["url"] == "https://lindenau.example/bibliothek"
    )
    assert german["host"] == "lindenau.example" and GERMAN[1] in german["text"]
    assert "Teilen mit" not in german["text"]
    french = by_language["fr"]
    assert (
        french["source_id"] == "fr-1"
        and str(french["date"]) == "2025-05-03"
        and french["source_line"] == 1
    )


def test_duplicate_names_the_kept_copy(first_run: tuple[Path, Path, dict[str, Any]]) -> None:
    _, output, _ = first_run
    kept = {a["id"]: a for a in read(output, "articles")}
    [duplicate] = [r for r in read(output, "rejects") if r["reason"] == "duplicate"]
    assert duplicate["duplicate_of"] in kept
    assert {duplicate["source_path"], kept[duplicate["duplicate_of"]]["source_path"]} == {
        "text/harbour.txt",
        "text/harbour-copy.txt.gz",
    }


def test_rerun_on_unchanged_input_changes_nothing(
    first_run: tuple[Path, Path, dict[str, Any]],
) -> None:
    raw, output, _ = first_run
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in output.rglob("*") if p.is_file()}
    summary = run(raw, output)
    assert summary["processed_files"] == 0 and summary["unchanged"] == 6 and summary["batches"] == 0
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in output.rglob("*") if p.is_file()}
    assert after == before  # not one file written, touched or added


def test_same_input_gives_byte_identical_parquet(
    tmp_path: Path, first_run: tuple[Path, Path, dict[str, Any]]
) -> None:
    raw, output, _ = first_run
    run(
        raw, tmp_path / "again", workers=2
    )  # also: a process pool gives the same rows as one worker
    first = {
        k: v
        for k, v in all_files(output).items()
        if k.endswith(".parquet") and not k.startswith("_state")
    }
    second = {
        k: v
        for k, v in all_files(tmp_path / "again").items()
        if k.endswith(".parquet") and not k.startswith("_state")
    }
    assert first.keys() == second.keys() and first == second


def test_new_file_is_processed_alone_and_deduplicated_against_earlier_runs(tmp_path: Path) -> None:
    raw, output = tmp_path / "raw", tmp_path / "clean"
    build_corpus(raw)
    run(raw, output)
    (raw / "later").mkdir()
    (raw / "later" / "harbour-again.txt").write_text(
        scraped("Harbour Dredging Plan Approved", HARBOUR, comments=False)
    )
    (raw / "later" / "marche-fr.txt").write_text(scraped("Le marché couvert rouvre", MARKET))
    summary = run(raw, output)
    assert summary["processed_files"] == 2 and summary["records"] == 2
    assert summary["prior_duplicates"] == 1
    rejects = {r["source_path"]: r for r in read(output, "rejects")}
    assert rejects["later/harbour-again.txt"]["reason"] == "duplicate"
    assert len(read(output, "articles")) == 4
    full = run(raw, output, full=True)
    assert full["processed_files"] == 8 and full["prior_duplicates"] == 0
    assert len(read(output, "articles")) == 4


def test_no_half_written_files_are_left(first_run: tuple[Path, Path, dict[str, Any]]) -> None:
    _, output, _ = first_run
    assert [p for p in output.rglob("*") if p.name.endswith(".tmp")] == []
    staging = output / "_staging"
    assert not staging.exists() or not any(staging.iterdir())
    for part in (output / "articles").rglob("*.parquet"):
        assert "language" not in pq.read_schema(part).names  # the partition key lives in the path


def test_a_batch_that_keeps_failing_is_isolated_and_retried_by_the_next_run(tmp_path: Path) -> None:
    from cleaners.runner import plan_run
    from cleaners.storage import Layout
    from flows.clean_articles import clean_articles

    raw, output = tmp_path / "raw", tmp_path / "clean"
    build_corpus(raw)
    config = RunConfig(input_dir=raw, output_dir=output, workers=1, batch_size=2)
    plan = plan_run(config)
    [failing] = [b for b in plan.batches if "dump.jsonl" in b.paths]
    # A real, lasting I/O failure for that batch only: a directory where its staged result goes.
    blocker = Layout(output).staging / plan.run_key / f"{failing.key}.candidates.parquet.tmp"
    blocker.mkdir(parents=True)
    state = clean_articles(config=config, return_state=True)
    assert state.is_failed() and "1 of 3 batches failed" in (state.message or "")
    summary = state.result(raise_on_failure=False)
    assert summary["articles"] == 1 and len(summary["failed_batches"]) == 1
    rejects = {(r["source_path"], r["reason"]) for r in read(output, "rejects")}
    # the failed batch's two files are visible as errors; the other batches published normally
    assert {p for p, reason in rejects if reason == "error"} == set(failing.paths)
    assert not blocker.exists()  # publishing cleared the staging area
    again = run(raw, output, batch_size=2)
    assert again["processed_files"] == 2
    reasons = {r["source_path"]: r["reason"] for r in read(output, "rejects")}
    assert "error" not in reasons.values()
    assert len(read(output, "articles")) == 3 and len(read(output, "rejects")) == 6


def test_batches_on_a_dask_cluster_give_the_same_rows(
    tmp_path: Path, first_run: tuple[Path, Path, dict[str, Any]]
) -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    raw, output, _ = first_run
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        summary = run(raw, tmp_path / "dask", dask_address=cluster.scheduler_address, batch_size=2)
    assert summary["records"] == 9 and summary["processed_files"] == 6
    for name in ("articles", "rejects"):
        assert read(tmp_path / "dask", name) == read(output, name)
