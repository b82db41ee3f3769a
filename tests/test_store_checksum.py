"""The checksum column: its migration carries SHA-256 values over; any algorithm round-trips."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from app.store import JobState, JobStore
from app.store.schema import MIGRATIONS, SCHEMA_VERSION


def _old_database(path: Path, sha: str | None) -> None:
    """A database as the first schema left it (before the checksum column)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO jobs (url, dest_dir, state, sha256, added_at) VALUES (?, ?, ?, ?, ?)",
        ("http://h/f", "/tmp", "queued", sha, time.time()),
    )
    conn.close()


def test_migration_carries_sha256_over(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    _old_database(db, "AB" * 32)
    store = JobStore.open(db)
    (job,), problems = store.load_jobs()
    assert problems == []
    assert job.checksum == "sha256:" + "ab" * 32
    store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # the old column is still there and still readable
    assert conn.execute("SELECT sha256 FROM jobs").fetchone()[0] == "AB" * 32
    conn.close()


def test_any_algorithm_round_trips_and_sha256_stays_in_step(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path / "db.sqlite3")
    a = store.add_job("http://h/a", str(tmp_path), checksum="md5:" + "0" * 32)
    b = store.add_job("http://h/b", str(tmp_path), checksum="sha256:" + "1" * 64)
    c = store.add_job("http://h/c", str(tmp_path), sha256="2" * 64)
    assert b.sha256 == "1" * 64 and c.checksum == "sha256:" + "2" * 64 and a.sha256 is None
    a.checksum = "sha512:" + "3" * 128
    a.state = JobState.COMPLETED
    store.update_job(a, ["checksum", "state"])
    store.close()
    store = JobStore.open(tmp_path / "db.sqlite3")
    jobs, _ = store.load_jobs()
    by_url = {j.url: j for j in jobs}
    assert by_url["http://h/a"].checksum == "sha512:" + "3" * 128
    assert by_url["http://h/a"].verified == "sha512"
    assert by_url["http://h/b"].verified is None  # not completed: nothing verified yet
    assert by_url["http://h/c"].sha256 == "2" * 64
    store.close()


def test_auto_checksum_option_reaches_the_engine_settings(tmp_path: Path) -> None:
    import dataclasses

    from app.options import load_options, save_options

    store = JobStore.open(tmp_path / "db.sqlite3")
    options = load_options(store)
    assert options.auto_checksum and options.engine_settings().auto_checksum
    save_options(store, dataclasses.replace(options, auto_checksum=False))
    assert not load_options(store).engine_settings().auto_checksum
    store.close()
