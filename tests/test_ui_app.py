"""The window process end to end: `python -m app` against a real local HTTP server.

kill -9 in the middle of a download, start again, and the file finishes with the right
SHA-256 without starting over; SIGTERM pauses cleanly and exits within 2 s; a stopped window's
downloads resume by themselves on the next start.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app.paths import database_path
from app.service.client import Client, connect
from app.store import JobStore
from tests.support.e2e import wait_until
from tests.support.faultserver import FaultServer

REPO = Path(__file__).resolve().parents[1]
SIZE = 6 << 20


def _launch(data: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("TETHER_DATA_DIR", None)
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "app", "--data-dir", str(data)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _row(data: Path) -> tuple[str, int, int | None]:
    """(state, done, size) of the only job, read straight from SQLite (WAL: safe while the
    window process writes)."""
    conn = sqlite3.connect(f"file:{database_path(data)}?mode=ro", uri=True, timeout=5)
    try:
        state, done, size = conn.execute("SELECT state, done, size FROM jobs").fetchone()
        return state, done, size
    finally:
        conn.close()


def _queue(data: Path, url: str, dest: Path, sha: str) -> None:
    data.mkdir(parents=True, exist_ok=True)
    dest.mkdir(parents=True, exist_ok=True)
    store = JobStore.open(database_path(data))
    try:
        store.add_job(url, str(dest), connections=4, sha256=sha)
    finally:
        store.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_kill9_mid_download_then_restart_finishes_with_right_sha256(
    server: FaultServer, tmp_path: Path
) -> None:
    payload = os.urandom(SIZE)
    sha = hashlib.sha256(payload).hexdigest()
    server.add_file("/big.bin", payload)
    server.files["/big.bin"].rate = 250_000  # per connection: ~6 s with 4 connections
    data, dest, log = tmp_path / "data", tmp_path / "dl", tmp_path / "app.log"
    _queue(data, server.url("/big.bin"), dest, sha)

    first = _launch(data, log)
    try:
        # Queued jobs start by themselves; wait for a checkpoint with real progress.
        wait_until(lambda: _row(data)[1] >= 1 << 20, 40, "a checkpoint past 1 MiB", log)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        _stop(first)
    state, done_at_kill, _ = _row(data)
    assert state == "downloading" and 0 < done_at_kill < SIZE

    server.files["/big.bin"].rate = None
    second = _launch(data, log)
    try:
        wait_until(lambda: _row(data)[0] == "completed", 60, "the download to complete", log)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(10)
        finally:
            _stop(second)
    final = dest / "big.bin"
    assert hashlib.sha256(final.read_bytes()).hexdigest() == sha
    assert not (dest / "big.bin.part").exists()
    # It continued: the server sent far less than two whole copies.
    assert server.bytes_served("/big.bin") < 2 * SIZE


def test_sigterm_pauses_cleanly_within_2s_and_next_start_resumes(
    server: FaultServer, tmp_path: Path
) -> None:
    payload = os.urandom(SIZE)
    sha = hashlib.sha256(payload).hexdigest()
    server.add_file("/term.bin", payload)
    server.files["/term.bin"].rate = 200_000
    data, dest, log = tmp_path / "data", tmp_path / "dl", tmp_path / "app.log"
    _queue(data, server.url("/term.bin"), dest, sha)

    proc = _launch(data, log)
    try:
        wait_until(lambda: _row(data)[1] > 0, 40, "progress", log)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
        elapsed = time.monotonic() - started
    finally:
        _stop(proc)
    assert code == 0, log.read_text()
    assert elapsed < 2.0, f"quit took {elapsed:.2f} s"
    state, done, _ = _row(data)
    assert state == "downloading"  # so that the next start resumes it by itself
    assert done > 0

    server.files["/term.bin"].rate = None
    again = _launch(data, log)
    try:
        wait_until(lambda: _row(data)[0] == "completed", 60, "the resumed download", log)
    finally:
        again.send_signal(signal.SIGINT)
        try:
            assert again.wait(10) == 0
        finally:
            _stop(again)
    assert hashlib.sha256((dest / "term.bin").read_bytes()).hexdigest() == sha


def test_paused_jobs_stay_paused_across_restarts(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/p.bin", b"x" * 1000)
    data, dest, log = tmp_path / "data", tmp_path / "dl", tmp_path / "app.log"
    data.mkdir()
    dest.mkdir()
    store = JobStore.open(database_path(data))
    from app.store.models import JobState

    store.add_job(server.url("/p.bin"), str(dest), state=JobState.PAUSED)
    store.close()
    proc = _launch(data, log)
    try:
        name = _socket_for(data)
        wait_until(lambda: os.path.exists(name), 30, "the window", log)
        # the window serves the protocol once its engine has started, and starting is when
        # queued jobs are picked: from then on a job that was to start would say so
        with _served(data, log) as client:
            assert client.call("jobs.get", id=1)["job"]["state"] == "paused"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert _row(data)[0] == "paused"
    assert server.requests_for("/p.bin") == []


def _served(data: Path, log: Path) -> Client:
    """A client of the window's service, once it answers."""
    found: list[Client | None] = [None]

    def answers() -> bool:
        found[0] = connect(data)
        return found[0] is not None

    wait_until(answers, 30, "the window's service", log)
    assert found[0] is not None
    return found[0]


def _socket_for(data: Path) -> str:
    from app.ui.single_instance import server_name

    return server_name(data.resolve())


def test_unusable_database_is_reported_not_a_crash(tmp_path: Path) -> None:
    """A damaged database: a one-line message on stderr and an error box (which stays up
    until the user closes it; here the test ends the process once the message is out)."""
    data = tmp_path / "data"
    data.mkdir()
    database_path(data).write_bytes(b"this is not sqlite" * 100)
    log = tmp_path / "stderr.log"
    proc = _launch(data, log)
    try:
        wait_until(lambda: "is damaged" in log.read_text(errors="replace"), 30, "the message", log)
        assert proc.poll() is None  # showing the error, not crashed
    finally:
        _stop(proc)
    assert "tether: the database" in log.read_text()
