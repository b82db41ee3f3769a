"""The SQLite store: migrations, corrupt data handled with a message, settings, history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.options import Options, load_options, save_options
from app.store import JobState, JobStore, SegmentRecord, StoreError
from app.store.lock import DataDirLock
from app.store.schema import SCHEMA_VERSION


def test_fresh_database_is_migrated_and_in_wal(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path / "d" / "db.sqlite3")
    conn = sqlite3.connect(tmp_path / "d" / "db.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert store.integrity_check() == "ok"
    store.close()


def test_jobs_segments_round_trip(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path / "db.sqlite3")
    job = store.add_job("http://h/f", str(tmp_path), connections=4, sha256="ab" * 32)
    job.size = 1000
    job.file_name = "f"
    store.update_job(job, ["size", "file_name"])
    store.save_progress(job.id, [SegmentRecord(0, 500, 500), SegmentRecord(500, 1000, 20)], 520)
    store.close()
    store = JobStore.open(tmp_path / "db.sqlite3")
    jobs, problems = store.load_jobs()
    assert problems == []
    (loaded,) = jobs
    assert loaded.size == 1000 and loaded.done == 520 and loaded.connections == 4
    assert loaded.segments == [SegmentRecord(0, 500, 500), SegmentRecord(500, 1000, 20)]
    assert store.find_unfinished("http://h/f", str(tmp_path)) is not None
    store.close()


def test_corrupt_rows_are_skipped_with_a_note_and_the_rest_kept(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store = JobStore.open(db)
    good = store.add_job("http://h/good", str(tmp_path))
    bad = store.add_job("http://h/bad", str(tmp_path))
    worse = store.add_job("http://h/worse", str(tmp_path))
    segs = store.add_job("http://h/segs", str(tmp_path))
    store.close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE jobs SET state = 'exploded' WHERE id = ?", (bad.id,))
    conn.execute("UPDATE jobs SET file_name = '../../x', size = -5 WHERE id = ?", (worse.id,))
    conn.execute(
        'INSERT INTO segments (job_id, start, "end", done) VALUES (?, 10, 5, 99)', (segs.id,)
    )
    conn.commit()
    conn.close()
    store = JobStore.open(db)
    jobs, problems = store.load_jobs()
    assert {j.id for j in jobs} == {good.id, segs.id}
    assert len(problems) == 3
    assert all("\n" not in p for p in problems)
    assert next(j for j in jobs if j.id == segs.id).segments == []
    store.close()


def test_garbage_file_is_a_clear_store_error(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    db.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError) as info:
        JobStore.open(db)
    assert str(db) in str(info.value) and "\n" not in str(info.value)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    JobStore.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        JobStore.open(db)


def test_options_defaults_and_bad_values(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path / "db.sqlite3")
    opts = load_options(store)
    assert opts.max_concurrent == 3 and opts.connections == 8 and opts.speed_limit is None
    assert opts.download_dir
    save_options(store, Options(download_dir="/x", max_concurrent=5, connections=16))
    store.set_setting("notify", "yes please")  # a wrong type is ignored, not fatal
    opts = load_options(store)
    assert (opts.download_dir, opts.max_concurrent, opts.connections) == ("/x", 5, 16)
    assert opts.notify is True
    assert opts.engine_settings().connections == 16
    store.close()


def test_history_is_bounded(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path / "db.sqlite3")
    job = store.add_job("http://h/f", str(tmp_path))
    for i in range(250):
        store.add_log(job.id, f"line {i}", at=float(i))
    log = store.job_log(job.id)
    assert len(log) == 200 and log[-1][1] == "line 249"
    store.close()


def test_one_engine_per_data_dir(tmp_path: Path) -> None:
    a, b = DataDirLock(tmp_path), DataDirLock(tmp_path)
    assert a.acquire()
    # flock is per open file description: a second one in the same process conflicts too
    assert not b.acquire()
    a.release()
    assert b.acquire()
    b.release()


def test_states_are_strings() -> None:
    assert JobState("paused") is JobState.PAUSED


def test_writes_after_close_are_ignored_not_crashes(tmp_path: Path) -> None:
    """A download thread that outlives shutdown must not crash on the closed database."""
    store = JobStore.open(tmp_path / "db.sqlite3")
    job = store.add_job("http://h/f", str(tmp_path))
    store.save_progress(job.id, [SegmentRecord(0, 10, 5)], 5)
    store.close()
    store.save_progress(job.id, [SegmentRecord(0, 10, 9)], 9)
    store.update_job(job, ["state"])
    store.add_log(job.id, "late")
    store.close()
    store = JobStore.open(tmp_path / "db.sqlite3")
    assert store.get_job(job.id).done == 5  # type: ignore[union-attr]
    store.close()


def test_logs_go_to_platform_log_dir_unless_a_data_dir_is_chosen(tmp_path: Path) -> None:
    import platformdirs

    from app.paths import default_data_dir, log_dir

    assert log_dir(default_data_dir()) == Path(platformdirs.user_log_dir("tether"))
    assert log_dir(tmp_path) == tmp_path / "logs"


def test_version_1_database_gains_the_outage_clock(tmp_path: Path) -> None:
    """A queue written before `retrying` existed opens, keeps its jobs, and can hold the clock."""
    from app.store.schema import MIGRATIONS

    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute(
        "INSERT INTO jobs (url, dest_dir, state, added_at) VALUES ('http://h/f', '/tmp', "
        "'downloading', 1.0)"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = JobStore.open(path)
    (job,) = store.load_jobs()[0]
    assert job.state == JobState.DOWNLOADING and job.retry_at is None and job.retry_attempts == 0
    job.state = JobState.RETRYING
    job.retry_at, job.retry_since, job.retry_attempts, job.retry_best = 20.0, 10.0, 3, 500
    store.update_job(job)
    store.close()
    store = JobStore.open(path)
    (job,) = store.load_jobs()[0]
    assert (job.state, job.retry_at, job.retry_since, job.retry_attempts, job.retry_best) == (
        JobState.RETRYING,
        20.0,
        10.0,
        3,
        500,
    )
    store.close()


def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    """`tether list` may open the data folder while a first `tether get` is creating it: each
    migration step checks the version again inside its transaction."""
    import threading

    path = tmp_path / "fresh" / "db.sqlite3"
    n = 6
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            JobStore.open(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    store = JobStore.open(path)
    assert store.integrity_check() == "ok"
    store.close()


def test_named_state_sets() -> None:
    """One definition of 'active', 'unfinished', … (issue 10) instead of ad-hoc tuples."""
    s = JobState
    assert {s.QUEUED, s.DOWNLOADING, s.RETRYING} == s.ACTIVE
    assert set(s) - {s.COMPLETED} == s.UNFINISHED
    assert {s.QUEUED, s.PAUSED, s.FAILED, s.RETRYING, s.CANCELLED} == s.RESTARTABLE
    assert {s.QUEUED, s.DOWNLOADING, s.RETRYING, s.PAUSED} == s.CANCELLABLE
    assert len(list(s)) == 7  # the sets are not members
