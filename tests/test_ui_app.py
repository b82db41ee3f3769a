"""The window process end to end: `python -m app` (a client of the service it starts) against
a real local HTTP server.

kill -9 of the window in the middle of a download: the service goes on, and the file finishes
with the right SHA-256 without starting over; SIGTERM quits within 2 s and stops the service the
window started (final checkpoints); its downloads resume by themselves on the next start.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
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


def _window_up(log: Path, n: int = 1) -> Callable[[], bool]:
    """The n-th window of this test has painted its queue (tether.log says so)."""

    def up() -> bool:
        path = log.parent / "data" / "logs" / "tether.log"
        return path.exists() and path.read_text(errors="replace").count("window shown") >= n

    return up


def _stop_service(data: Path) -> None:
    """A service a window left running (downloads go on without it) ends with the test."""
    subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "service", "stop"],
        cwd=REPO,
        capture_output=True,
        timeout=30,
    )


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
    # no window now: the service the window started goes on downloading
    wait_until(
        lambda: _row(data)[1] > done_at_kill, 30, "downloads to go on without the window", log
    )

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
            _stop_service(data)
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
        wait_until(_window_up(log, 2), 30, "the second window", log)
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
        wait_until(_window_up(log), 30, "the window", log)
        # the service started its engine before the window came up, and starting is when
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


def test_two_windows_started_at_once_make_one_service_and_one_window(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "app.log"
    first, second = _launch(data, log), _launch(data, log)
    try:
        wait_until(_window_up(log), 40, "a window", log)
        # the other one handed its (empty) URL list to the window and left
        wait_until(
            lambda: (first.poll() is None) != (second.poll() is None), 30, "one to leave", log
        )
        assert [p.returncode for p in (first, second) if p.poll() is not None] == [0]
        services = [
            pid for pid in os.listdir("/proc") if pid.isdigit() and _is_service_for(int(pid), data)
        ]
        assert len(services) == 1
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(10)
            _stop(proc)


def _is_service_for(pid: int, data: Path) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"service" in argv and str(data).encode() in argv
