"""The `tether` command line, run as a real process against a real local server."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine_helpers import KIB, MIB, RefusedPort, file_sha, payload, sha
from tests.support.faultserver import FaultServer

ROOT = Path(__file__).resolve().parents[1]


def tether(
    *args: str, data: Path, timeout: float = 60, **kw: object
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=kw.get("cwd", ROOT),
        check=False,
    )


def start_tether(*args: str, data: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def test_get_downloads_and_list_json(server: FaultServer, tmp_path: Path) -> None:
    data = payload(1 * MIB)
    server.add_file("/a.bin", data)
    out = tmp_path / "out"
    r = tether("get", server.url("/a.bin"), "-o", str(out), data=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""  # quiet when not a terminal
    assert file_sha(out / "a.bin") == sha(data)
    r = tether("list", "--json", data=tmp_path / "d")
    assert r.returncode == 0
    (row,) = json.loads(r.stdout)
    assert row["state"] == "completed" and row["size"] == len(data) and row["done"] == len(data)
    assert row["path"] == str(out / "a.bin") and row["error"] is None
    assert set(row) >= {"id", "url", "state", "path", "size", "done", "error"}


def test_get_reports_each_failed_url_and_exits_nonzero(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/ok.bin", b"fine")
    r = tether(
        "get",
        server.url("/ok.bin"),
        server.url("/missing"),
        "-o",
        str(tmp_path / "o"),
        data=tmp_path / "d",
    )
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "/missing" in lines[0] and "404" in lines[0]
    assert "Traceback" not in r.stderr
    assert (tmp_path / "o" / "ok.bin").read_bytes() == b"fine"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["get", "not-a-url"], "not a URL"),
        (["get", "ftp://host/file"], "unsupported scheme"),
        (["get", "http://127.0.0.1:1/x", "-o", "/proc/version/sub"], "cannot create folder"),
        (["get", "http://127.0.0.1:1/x", "--sha256", "xyz"], "SHA-256"),
        (["resume", "999"], "no job with id 999"),
        (["remove", "42"], "no job with id 42"),
        (["get", "http://127.0.0.1:1/x", "--connections", "99"], "between 1 and 32"),
        (["get", "http://127.0.0.1:1/x", "--limit", "fast"], "not a rate"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    r = tether(*args, data=tmp_path / "d")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "tether.sqlite3").write_bytes(b"garbage" * 1000)
    r = tether("list", data=data)
    assert r.returncode == 2
    assert "damaged" in r.stderr and "Traceback" not in r.stderr


def test_add_then_resume(server: FaultServer, tmp_path: Path) -> None:
    """`add` starts the service on demand (it downloads); `resume` waits for the job."""
    data = payload(300 * KIB)
    server.add_file("/q.bin", data)
    d = tmp_path / "d"
    try:
        r = tether("add", server.url("/q.bin"), "-o", str(tmp_path / "o"), data=d)
        assert r.returncode == 0, r.stderr
        assert json.loads(tether("list", "--json", data=d).stdout)[0]["state"] in (
            "queued",
            "downloading",
            "completed",
        )
        r = tether("resume", data=d)
        assert r.returncode == 0, r.stderr
        assert file_sha(tmp_path / "o" / "q.bin") == sha(data)
    finally:
        assert tether("service", "stop", data=d).returncode == 0


def test_second_engine_on_same_data_dir_is_refused(server: FaultServer, tmp_path: Path) -> None:
    spec = server.add_file("/slow.bin", payload(2 * MIB))
    spec.rate = 24 * KIB  # ~10 s: longer than a second `get` waits for a service to appear
    d = tmp_path / "d"
    proc = start_tether("get", server.url("/slow.bin"), "-o", str(tmp_path / "o"), data=d)
    try:
        deadline = time.monotonic() + 10
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        r = tether("get", server.url("/slow.bin"), "-o", str(tmp_path / "o"), data=d)
        assert r.returncode == 2 and "already running" in r.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert proc.returncode == 130
    # interrupted cleanly: the job is kept as downloading and resumable
    rows = json.loads(tether("list", "--json", data=d).stdout)
    assert rows[0]["state"] == "downloading" and rows[0]["done"] > 0


def test_sigkill_several_times_then_resume_exact(server: FaultServer, tmp_path: Path) -> None:
    """kill -9 mid-download, again and again; the same `get` resumes the same job each time."""
    data = payload(8 * MIB)
    spec = server.add_file("/big.bin", data)
    spec.rate = 256 * KIB  # per connection; 4 connections ≈ 1 MiB/s: kills land mid-transfer
    d, out = tmp_path / "d", tmp_path / "out"
    rng = random.Random(7)
    args = ("get", server.url("/big.bin"), "-o", str(out), "--connections", "4")
    kills = 0
    for _ in range(4):
        proc = start_tether(*args, data=d)
        time.sleep(rng.uniform(0.8, 1.5))
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        kills += 1
    assert kills >= 3
    spec.rate = 2 * MIB
    r = tether(*args, data=d, timeout=120)
    assert r.returncode == 0, r.stderr
    assert file_sha(out / "big.bin") == sha(data)
    assert sorted(p.name for p in out.iterdir()) == ["big.bin"]  # one file, no .part
    rows = json.loads(tether("list", "--json", data=d).stdout)
    assert len(rows) == 1 and rows[0]["state"] == "completed"  # resumed, never duplicated
    served = server.bytes_served("/big.bin")
    print(f"kills={kills} served={served} ratio={served / len(data):.3f}")
    # Each kill loses at most what arrived since the last checkpoint (0.5 s here).
    assert served <= len(data) * 1.3, f"served {served} for {len(data)}"


def test_get_again_is_idempotent(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/x.bin", b"x" * 1000)
    args = ("get", server.url("/x.bin"), "-o", str(tmp_path / "o"))
    assert tether(*args, data=tmp_path / "d").returncode == 0
    assert tether(*args, data=tmp_path / "d").returncode == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["x.bin"]
    assert tether(*args, "--again", data=tmp_path / "d").returncode == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["x (1).bin", "x.bin"]


def test_get_keeps_trying_for_retry_for_then_fails_with_one_line(
    tmp_path: Path, refused: RefusedPort
) -> None:
    url = refused.url
    t0 = time.monotonic()
    r = tether("get", url, "-o", str(tmp_path / "o"), "--retry-for", "1", data=tmp_path / "d")
    assert time.monotonic() - t0 >= 1
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"tether: {url}: connection refused by the server (kept trying")
    r = tether("get", url, "--retry-for", "86401", data=tmp_path / "d")
    assert r.returncode == 2 and "86400" in r.stderr


def test_list_shows_a_retrying_job(tmp_path: Path, refused: RefusedPort) -> None:
    url = refused.url
    data = tmp_path / "d"
    # `list` may run while `get` is still creating the database: both must cope
    proc = start_tether("get", url, "-o", str(tmp_path / "o"), "--retry-for", "120", data=data)
    try:
        deadline = time.monotonic() + 30
        row: dict[str, object] = {}
        while time.monotonic() < deadline:
            r = tether("list", "--json", data=data)
            rows = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else []
            if rows and rows[0]["state"] == "retrying":
                row = rows[0]
                break
            time.sleep(0.1)  # polling another process's database, with a deadline
        assert row, "the job never showed as retrying"
        assert row["error"] == "connection refused by the server"
        assert isinstance(row["retry_attempts"], int) and row["retry_attempts"] >= 1
        assert isinstance(row["retry_at"], float)
        text = tether("list", data=data).stdout
        assert "retrying" in text and "connection refused by the server (attempt" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def test_list_tells_a_running_download_from_an_interrupted_one(
    server: FaultServer, tmp_path: Path
) -> None:
    """While a Tether runs the job it is "downloading"; once that process is killed, the
    store still says downloading but nothing runs: the listing says "interrupted"."""
    server.add_file("/slow.bin", payload(256 * KIB), stall_after=16 * KIB, stall_seconds=60)
    data = tmp_path / "d"
    proc = start_tether("get", server.url("/slow.bin"), "-o", str(tmp_path / "o"), data=data)
    try:
        deadline = time.monotonic() + 30
        rows: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            r = tether("list", "--json", data=data)
            rows = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else []
            if rows and rows[0]["state"] == "downloading":
                break
            time.sleep(0.1)  # polling another process's database, with a deadline
        assert rows and rows[0]["state"] == "downloading", rows
        assert rows[0]["interrupted"] is False  # its owner is alive: it really runs
        for _ in range(2):
            text = tether("list", data=data).stdout
            assert " downloading " in text and "interrupted" not in text, text
    finally:
        proc.kill()  # no clean stop: the row stays "downloading" in the store
        proc.wait(timeout=20)
    for _ in range(2):
        (row,) = json.loads(tether("list", "--json", data=data).stdout)
        assert row["state"] == "downloading" and row["interrupted"] is True
        text = tether("list", data=data).stdout
        assert " interrupted " in text and "downloading" not in text, text


def test_interrupted_ids_look_at_the_lock_only_when_a_job_says_downloading() -> None:
    from app.cli.queue import interrupted_ids
    from app.store.models import Job, JobState

    def job(job_id: int, state: JobState) -> Job:
        return Job(id=job_id, url="http://x/f", dest_dir="/tmp", state=state, added_at=0.0)

    def never() -> bool:
        raise AssertionError("the lock was looked at")

    jobs = [job(1, JobState.DOWNLOADING), job(2, JobState.QUEUED), job(3, JobState.DOWNLOADING)]
    assert interrupted_ids(jobs, lambda: True) == {1, 3}
    assert interrupted_ids(jobs, lambda: False) == set()
    assert interrupted_ids(jobs[1:2], never) == set()


def test_retry_text_for_the_progress_line() -> None:
    from app.cli import retry_text
    from app.store.models import Job, JobState

    job = Job(
        id=1,
        url="http://x/f",
        dest_dir="/tmp",
        state=JobState.RETRYING,
        added_at=0.0,
        error="connection refused by the server",
        retry_at=1017.2,
        retry_attempts=3,
    )
    assert retry_text(job, 1000.0) == (
        "retrying in 17 s — connection refused by the server (attempt 3)"
    )


def test_resume_all_leaves_cancelled_jobs_alone(server: FaultServer, tmp_path: Path) -> None:
    from app.store import JobState, JobStore

    server.add_file("/a.bin", payload(10 * KIB))
    data = tmp_path / "d"
    store = JobStore.open(data / "tether.sqlite3")
    job = store.add_job(server.url("/a.bin"), str(tmp_path / "o"), state=JobState.CANCELLED)
    store.close()
    r = tether("resume", data=data)
    assert r.returncode == 0, r.stderr
    assert json.loads(tether("list", "--json", data=data).stdout)[0]["state"] == "cancelled"
    r = tether("resume", str(job.id), data=data)  # named: it starts again
    assert r.returncode == 0, r.stderr
    assert json.loads(tether("list", "--json", data=data).stdout)[0]["state"] == "completed"


def test_get_progress_line_shows_a_retrying_job() -> None:
    import io

    from app.cli import ProgressPrinter
    from app.store.models import Job, JobState

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    job = Job(
        id=7,
        url="http://x/f.bin",
        dest_dir="/tmp",
        state=JobState.RETRYING,
        added_at=0.0,
        file_name="f.bin",
        error="connection refused by the server",
        retry_at=time.time() + 30,
        retry_attempts=2,
    )

    class Engine:
        def progress(self) -> dict[int, object]:
            return {}  # a retrying job is not running

        def job(self, job_id: int) -> Job:
            return job

    out = Tty()
    ProgressPrinter(Engine(), {7}, out, io.StringIO()).refresh()  # type: ignore[arg-type]
    line = out.getvalue().strip().splitlines()[-1]
    assert line.startswith("f.bin  retrying in ")
    assert line.endswith("s — connection refused by the server (attempt 2)")


def test_progress_lines_say_verifying_while_the_file_is_read_back() -> None:
    import io

    from app.cli import ProgressPrinter
    from app.engine.events import Progress
    from app.service.remote import progress_line
    from app.store.models import Job, JobState

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    job = Job(
        id=7,
        url="http://x/f.bin",
        dest_dir="/tmp",
        state=JobState.DOWNLOADING,
        added_at=0.0,
        file_name="f.bin",
    )
    mib = 1 << 20

    class Engine:
        verifying = False

        def progress(self) -> dict[int, Progress]:
            return {7: Progress(7, 4 * mib, 4 * mib, 0.0, 1, (), 0, self.verifying)}

        def job(self, job_id: int) -> Job:
            return job

    engine = Engine()
    for verifying in (False, True, True):
        engine.verifying = verifying
        out = Tty()
        ProgressPrinter(engine, {7}, out, io.StringIO()).refresh()  # type: ignore[arg-type]
        line = out.getvalue().strip().splitlines()[-1]
        assert line.endswith("verifying checksum…") is verifying, line
        entry = {"done": 4 * mib, "size": 4 * mib, "speed": 0, "verifying": verifying}
        assert progress_line("f.bin", entry, 100).endswith("verifying checksum…") is verifying
