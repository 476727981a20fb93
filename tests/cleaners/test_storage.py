from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaners.storage import (
    GroupWrite,
    Layout,
    LockTimeout,
    atomic_write_table,
    load_manifest,
    read_table,
    remove_leftovers,
    run_lock,
    save_manifest,
)


def test_atomic_write_leaves_only_the_final_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "part-1.parquet"
    atomic_write_table(target, pa.table({"x": [1, 2, 3]}))
    assert [p.name for p in target.parent.iterdir()] == ["part-1.parquet"]
    assert pq.read_table(target)["x"].to_pylist() == [1, 2, 3]


def test_parquet_output_is_byte_identical_for_the_same_table(tmp_path: Path) -> None:
    table = pa.table({"text": ["ä" * 100, "b"], "n": pa.array([1, 2], pa.int32())})
    atomic_write_table(tmp_path / "one.parquet", table)
    atomic_write_table(tmp_path / "two.parquet", table)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()


def test_group_write_shows_nothing_until_commit(tmp_path: Path) -> None:
    group = GroupWrite()
    targets = [tmp_path / "articles" / f"language={x}" / "part-1.parquet" for x in ("en", "de")]
    for i, target in enumerate(targets):
        group.write_table(target, pa.table({"x": [i]}))
    assert not any(t.exists() for t in targets)  # a crash here leaves only temporary files
    assert sorted(p.name for p in tmp_path.rglob("*.tmp")) == ["part-1.parquet.tmp"] * 2
    assert group.commit() == targets
    assert [read_table(t)["x"].to_pylist() for t in targets] == [[0], [1]]
    assert not list(tmp_path.rglob("*.tmp")) and group.commit() == []


def test_read_table_reads_some_columns_or_all(tmp_path: Path) -> None:
    table = pa.table({"a": [1, 2], "b": ["x", "y"]}).replace_schema_metadata({"k": "v"})
    atomic_write_table(tmp_path / "t.parquet", table)
    assert read_table(tmp_path / "t.parquet").equals(table)
    assert read_table(tmp_path / "t.parquet").schema.metadata == {b"k": b"v"}
    assert read_table(tmp_path / "t.parquet", ["b"]).column_names == ["b"]


def test_leftover_temp_files_are_removed_but_finished_files_kept(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "part-a.parquet.tmp").write_bytes(b"half")
    (tmp_path / "articles" / "part-b.parquet").write_bytes(b"done")
    removed = remove_leftovers(tmp_path)
    assert [p.name for p in removed] == ["part-a.parquet.tmp"]
    assert [p.name for p in (tmp_path / "articles").iterdir()] == ["part-b.parquet"]


def test_manifest_round_trip(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    rows: list[dict[str, object]] = [
        {"source_path": "b.txt", "file_hash": "h2", "size": 2, "batch": "k", "run": "r"},
        {"source_path": "a.txt", "file_hash": "h1", "size": 1, "batch": "k", "run": "r"},
    ]
    save_manifest(layout, rows)
    assert load_manifest(layout) == {"a.txt": ("h1", None), "b.txt": ("h2", None)}
    rows[0]["settings"] = "v1|min_chars=200"
    save_manifest(layout, rows)
    assert load_manifest(layout)["b.txt"] == ("h2", "v1|min_chars=200")


def test_a_manifest_from_before_the_settings_column_loads(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    layout = Layout(tmp_path)
    layout.manifest.parent.mkdir(parents=True)
    old = {"source_path": ["a.txt"], "file_hash": ["h1"], "size": [1], "batch": ["k"], "run": ["r"]}
    pq.write_table(pa.table(old), layout.manifest)
    assert load_manifest(layout) == {"a.txt": ("h1", None)}  # settings unknown: processed again


def test_second_holder_of_the_run_lock_times_out(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    holder = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from cleaners.storage import Layout, run_lock
        with run_lock(Layout(Path({str(tmp_path)!r}))):
            print("locked", flush=True)
            time.sleep(30)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with (
            pytest.raises(LockTimeout, match="another newsclean run"),
            run_lock(layout, timeout_seconds=0.5),
        ):
            pass
        assert time.monotonic() - started >= 0.5
    finally:
        proc.kill()
        proc.wait()
    # The OS releases the lock of a killed holder: the folder is usable at once.
    with run_lock(layout, timeout_seconds=5):
        pass
