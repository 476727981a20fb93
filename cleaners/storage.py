"""Output folder layout, atomic writes, the run lock and the manifest of processed inputs.

    OUTPUT/articles/language=<code>/part-<batch>.parquet   kept articles (hive-partitioned)
    OUTPUT/rejects/part-<batch>.parquet                     everything else, with a reason
    OUTPUT/_state/manifest.parquet                          processed inputs by content hash
    OUTPUT/_state/dedup_index.parquet                       fingerprints of published articles
    OUTPUT/_state/runs/<run>.json                           what each run added
    OUTPUT/_staging/<run>/                                  batch results of a run in progress

Every file appears under its final name by an atomic rename, so readers never see half a file,
and a killed run leaves only `_staging/` and `*.tmp` leftovers that the next run reuses or removes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

TMP_SUFFIX = ".tmp"
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3

MANIFEST_SCHEMA = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("file_hash", pa.string(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        # the batch keys of the parts holding its documents, space-separated (a large dump is
        # split over several batches)
        pa.field("batch", pa.string(), nullable=False),
        pa.field("run", pa.string(), nullable=False),
        # the cleaning settings the file was processed with (`runner.cleaning_settings`); null in
        # manifests written before the column existed
        pa.field("settings", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class Layout:
    root: Path

    @property
    def articles(self) -> Path:
        return self.root / "articles"

    @property
    def rejects(self) -> Path:
        return self.root / "rejects"

    @property
    def state(self) -> Path:
        return self.root / "_state"

    @property
    def staging(self) -> Path:
        return self.root / "_staging"

    @property
    def manifest(self) -> Path:
        return self.state / "manifest.parquet"

    @property
    def dedup_index(self) -> Path:
        return self.state / "dedup_index.parquet"

    @property
    def runs(self) -> Path:
        return self.state / "runs"

    @property
    def lock(self) -> Path:
        return self.root / ".newsclean.lock"

    def article_part(self, language: str, batch: str) -> Path:
        return self.articles / f"language={language}" / f"part-{batch}.parquet"

    def reject_part(self, batch: str) -> Path:
        return self.rejects / f"part-{batch}.parquet"

    @property
    def pending_run(self) -> Path:
        """The plan of a run between its parts commit and its metadata (`runner.publish_run`)."""
        return self.state / "pending_run.json"

    @property
    def unreadable_names(self) -> Path:
        """Rejects for the input files whose names are not UTF-8, rewritten by every run."""
        return self.rejects / "unreadable-names.parquet"

    def failed_part(self, source_path: str) -> Path:
        """Rejects for an input whose batch failed; removed when a later run processes it."""
        return self.rejects / f"failed-{xxhash.xxh3_64_hexdigest(source_path.encode())}.parquet"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with tmp.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def atomic_write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file under a temporary name, fsync it, then rename it into place."""
    tmp = _write_temp(path, table)
    try:
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _write_temp(path: Path, table: pa.Table) -> Path:
    """`table` as Parquet under `path`'s temporary name (removed again if writing fails)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    try:
        pq.write_table(
            table, tmp, compression=PARQUET_COMPRESSION, compression_level=PARQUET_COMPRESSION_LEVEL
        )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def fsync_dirs(paths: Iterable[Path]) -> None:
    """Make the renames of these files durable: each of their folders fsynced once."""
    for folder in sorted({p.parent for p in paths}):
        _fsync_dir(folder)


class GroupWrite:
    """Atomic writes of many Parquet files as one group: each is written under a temporary name;
    `commit()` fsyncs them all concurrently (the filesystem then commits them in a few journal
    transactions instead of one each), renames them into place and fsyncs each folder once.
    A crash before `commit` leaves only temporary files (`remove_leftovers` deletes them)."""

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []
        self.removals: list[Path] = []

    def write_table(self, path: Path, table: pa.Table) -> None:
        self.pending.append((_write_temp(path, table), path))

    def remove(self, path: Path) -> None:
        """Delete `path` at commit, after the group's files are in place (unless the group
        writes that path too: a new file of the same name replaces it)."""
        self.removals.append(path)

    def commit(self) -> list[Path]:
        """Make every file of the group durable and visible, then delete the files `remove`
        named; returns the paths written."""
        if self.pending:
            with ThreadPoolExecutor(max_workers=min(16, len(self.pending))) as pool:
                list(pool.map(_fsync_file, [tmp for tmp, _ in self.pending]))
        for tmp, path in self.pending:
            os.replace(tmp, path)
        done = [path for _, path in self.pending]
        written = set(done)
        removed = [path for path in self.removals if path not in written]
        for path in removed:
            path.unlink(missing_ok=True)
        fsync_dirs([*done, *removed])
        self.pending, self.removals = [], []
        return done


def _fsync_file(path: Path) -> None:
    with path.open("rb") as stream:
        os.fsync(stream.fileno())


def read_table(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """One Parquet file, whole or some columns. (pq.read_table goes through the dataset layer:
    ~10x slower on a small file, and its first call imports pandas.)"""
    with pq.ParquetFile(path) as parquet:
        return parquet.read(columns=columns)


def atomic_write_json(path: Path, data: object) -> None:
    atomic_write_bytes(
        path, (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode()
    )


def remove_leftovers(root: Path) -> list[Path]:
    """Delete `*.tmp` files a killed run left behind (never a finished file)."""
    removed = []
    for tmp in root.rglob(f"*{TMP_SUFFIX}"):
        if tmp.is_file():
            tmp.unlink()
            removed.append(tmp)
    return removed


def load_manifest(layout: Layout) -> dict[str, tuple[str, str | None]]:
    """source_path -> (file_hash, settings) of every input an earlier run finished."""
    if not layout.manifest.exists():
        return {}
    table = read_table(layout.manifest)
    paths, hashes = table["source_path"].to_pylist(), table["file_hash"].to_pylist()
    settings = (
        table["settings"].to_pylist() if "settings" in table.column_names else [None] * len(paths)
    )
    return {
        path: (digest, kind) for path, digest, kind in zip(paths, hashes, settings, strict=True)
    }


MANIFEST_TEMPLATES_KEY = b"newsclean.site_templates"


def save_manifest(
    layout: Layout, rows: list[dict[str, object]], templates: bytes | None = None
) -> None:
    """The manifest, carrying the site-template counts as file metadata: one atomic rename
    updates both, so a crash can never count a run's documents into the templates twice."""
    rows = sorted(rows, key=lambda r: str(r["source_path"]))
    schema = (
        MANIFEST_SCHEMA.with_metadata({MANIFEST_TEMPLATES_KEY: templates})
        if templates
        else MANIFEST_SCHEMA
    )
    atomic_write_table(layout.manifest, pa.Table.from_pylist(rows, schema=schema))


def load_manifest_templates(layout: Layout) -> bytes | None:
    if not layout.manifest.exists():
        return None
    metadata = pq.read_schema(layout.manifest).metadata or {}
    return metadata.get(MANIFEST_TEMPLATES_KEY)


def read_manifest_rows(layout: Layout) -> list[dict[str, object]]:
    if not layout.manifest.exists():
        return []
    return read_table(layout.manifest).to_pylist()


def clear_outputs(layout: Layout) -> None:
    """For --full: forget everything earlier runs published."""
    for folder in (layout.articles, layout.rejects, layout.state, layout.staging):
        if folder.exists():
            shutil.rmtree(folder)


class LockTimeout(RuntimeError):
    pass


@contextlib.contextmanager
def run_lock(layout: Layout, timeout_seconds: float = 0.0) -> Iterator[None]:
    """An exclusive lock on the output folder so two runs never interleave their writes. Waits up
    to `timeout_seconds` for another run to finish, then raises LockTimeout. The OS drops the lock
    when its holder dies, so a killed run never leaves the folder locked."""
    layout.root.mkdir(parents=True, exist_ok=True)
    with layout.lock.open("a+") as handle:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"another newsclean run holds {layout.lock}; waited {timeout_seconds:g} s"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
