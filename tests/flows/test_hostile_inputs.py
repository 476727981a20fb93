"""A folder of hostile inputs next to good articles: the CLI run exits 0, every input record is in
exactly one dataset with a clear reason, and the good articles come out exactly as they do alone."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from tests.conftest import BIN, Server
from tests.flows.test_clean_articles import FRENCH, GERMAN, HARBOUR, MARKET, html_page, scraped

pytestmark = pytest.mark.integration

GOOD = {
    "good/harbour.txt": scraped("Harbour Dredging Plan Approved", HARBOUR).encode(),
    "good/bibliothek.html": html_page("Stadtbibliothek wird saniert", GERMAN, "de").encode(),
    "good/passerelle.txt": scraped("Une passerelle pour Saint-Aurèle", FRENCH).encode(),
}
LATIN1_TEXT = (
    "Neue Brücke über die Saale eröffnet\n"
    "Nach zwei Jahren Bauzeit ist die Fußgängerbrücke zwischen Altstadt und Bahnhof seit Samstag offen. "
    "Die Stadt rechnet damit, dass täglich mehrere tausend Menschen den Weg über den Fluss nehmen.\n"
    "Der Oberbürgermeister sprach bei der Eröffnung von einem großen Tag für die Stadt und dankte den "
    "Anwohnern für ihre Geduld während der lärmintensiven Arbeiten am Ufer.\n"
)

MOJIBAKE_SOURCE = (
    "Le conseil régional a voté jeudi un fonds d'urgence pour les éleveurs touchés par la sécheresse, "
    "après un été où certaines communes ont dû être ravitaillées en eau par camion.\n"
    "L'aide, plafonnée à huit mille euros par exploitation, sera versée avant la fin de l'année selon "
    "la présidente de la commission agricole, qui a évoqué une procédure « allégée ».\n"
)
NUL_SOURCE = (
    "Stromausfall legt Straßenbahn lahm\n"
    "Ein defektes Umspannwerk hat am Donnerstagmorgen den Straßenbahnverkehr im Süden der Stadt für "
    "knapp drei Stunden unterbrochen; Tausende Pendler mussten auf Busse ausweichen.\n"
    "Die Stadtwerke kündigten an, die Ursache bis Ende der Woche untersuchen zu lassen, und baten die "
    "Fahrgäste um Verständnis für die Verspätungen am Nachmittag.\n"
)


def hostile_files() -> dict[str, bytes]:
    rng = random.Random(7)
    words = (
        "the council said on monday that its plan for the river would go ahead next year".split()
    )
    long_line = " ".join(rng.choice(words) for _ in range(400_000))  # ~2 MB on one line
    nested = (
        "<html><body>"
        + "<div>" * 20_000
        + "<p>deep text</p>"
        + "</div>" * 20_000
        + "</body></html>"
    )
    jsonl = "\n".join(
        [
            json.dumps({"id": "fine", "text": "\n".join(MARKET)}),
            "{not json at all",
            json.dumps([1, 2, 3]),
            json.dumps({"id": "no-body", "title": "nothing here"}),
            json.dumps("just a string"),
        ]
    )
    return {
        "bad/empty.txt": b"",
        "bad/whitespace.txt": b"   \n\t  \n",
        "bad/picture.txt": b"\x89PNG\r\n\x1a\n" + rng.randbytes(4000),
        "bad/noise.html": rng.randbytes(20_000),
        "bad/nul-bytes.txt": NUL_SOURCE.encode().replace(b" ", b"\x00 ", 20),
        "bad/latin1.txt": LATIN1_TEXT.encode("cp1252"),
        "bad/mojibake.txt": MOJIBAKE_SOURCE.encode("utf-8").decode("cp1252").encode("utf-8"),
        "bad/one-line.txt": long_line.encode(),
        "bad/nested.html": nested.encode(),
        "bad/entities.html": (
            "<html><body><p>" + "&amp;&lt;&#x41;" * 200_000 + "</p></body></html>"
        ).encode(),
        "bad/truncated.txt.gz": gzip.compress(LATIN1_TEXT.encode() * 50)[:200],
        "bad/bomb.txt.gz": gzip.compress(b"\0" * (8 * 1024 * 1024), mtime=0),
        "bad/mixed.jsonl": jsonl.encode(),
        "bad/emoji.txt": ("🎉🔥👏 " * 50).encode(),
        "bad/numbers.txt": ("12 345 6789 " * 40).encode(),
        "bad/report.docx": b"PK\x03\x04 not really a document",
        "bad/README": b"no extension at all",
    }


def run_cli(server: Server, raw: Path, out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            *(str(BIN / "newsclean"), "run", "--input", str(raw), "--output", str(out), "--json"),
            *("--max-file-mb", "4", "--html-timeout-seconds", "20", "--workers", "2"),
        ],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def rows(out: Path, name: str) -> list[dict[str, Any]]:
    folder = out / name
    partitioning = "hive" if name == "articles" else None
    return (
        ds.dataset(folder, partitioning=partitioning).to_table().to_pylist()
        if folder.exists()
        else []
    )


@pytest.fixture(scope="module")
def hostile_run(
    server: Server, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("hostile")
    write(base / "raw", {**GOOD, **hostile_files()})
    return base / "clean", run_cli(server, base / "raw", base / "clean")


def test_every_record_is_accounted_for(hostile_run: tuple[Path, dict[str, Any]]) -> None:
    out, summary = hostile_run
    records = len(GOOD) + len(hostile_files()) - 1 + 5  # mixed.jsonl holds five records
    articles, rejects = rows(out, "articles"), rows(out, "rejects")
    assert summary["records"] == records
    assert len(articles) + len(rejects) == records
    assert len({r["id"] for r in articles + rejects}) == records


def test_each_hostile_file_gets_a_clear_reason(hostile_run: tuple[Path, dict[str, Any]]) -> None:
    out, _ = hostile_run
    reasons = {(r["source_path"], r["source_line"]): r for r in rows(out, "rejects")}

    def reason(path: str, line: int | None = None) -> str:
        return str(reasons[(path, line)]["reason"])

    assert reason("bad/empty.txt") == "empty"
    assert reason("bad/whitespace.txt") == "empty"
    assert reason("bad/picture.txt") == "binary"
    assert reason("bad/noise.html") in {"binary", "undecodable"}
    assert reason("bad/truncated.txt.gz") == "malformed"
    assert reason("bad/bomb.txt.gz") == "too_large"
    assert reason("bad/report.docx") == "unsupported" and reason("bad/README") == "unsupported"
    assert [reason("bad/mixed.jsonl", n) for n in (2, 3, 4, 5)] == [
        "malformed",
        "malformed",
        "no_content",
        "malformed",
    ]
    assert reason("bad/emoji.txt") in {"too_short", "no_content"}
    assert reason("bad/numbers.txt") in {"too_short", "no_content"}
    assert all(r["detail"] for r in reasons.values())


def test_damaged_but_readable_text_is_kept_and_repaired(
    hostile_run: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = hostile_run
    articles = {a["source_path"]: a for a in rows(out, "articles")}
    assert "Fußgängerbrücke zwischen Altstadt und Bahnhof" in articles["bad/latin1.txt"]["text"]
    assert "les éleveurs touchés par la sécheresse" in articles["bad/mojibake.txt"]["text"]
    assert "\x00" not in articles["bad/nul-bytes.txt"]["text"]
    # the 2 MB line and the deeply nested page are handled (kept or rejected), never fatal
    handled = set(articles) | {r["source_path"] for r in rows(out, "rejects")}
    assert {"bad/one-line.txt", "bad/nested.html", "bad/entities.html"} <= handled


def test_good_articles_are_unaffected_by_their_neighbours(
    server: Server, hostile_run: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, _ = hostile_run
    write(tmp_path / "raw", GOOD)
    run_cli(server, tmp_path / "raw", tmp_path / "clean")

    def good(folder: Path) -> dict[str, tuple[str, str, str]]:
        return {
            a["source_path"]: (a["id"], a["text"], a["language"])
            for a in rows(folder, "articles")
            if a["source_path"].startswith("good/")
        }

    alone = good(tmp_path / "clean")
    assert len(alone) == len(GOOD)
    assert good(out) == alone
