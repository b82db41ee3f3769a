"""`tether service` and the CLI as its client, as real processes against a real local server:
two CLIs on one queue, stop/start, kill -9 and resume, the service started on demand (once,
however many start it), `tether get` while the window owns the data folder, Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.paths import database_path
from app.service.client import connect
from app.service.ondemand import lock_holder_pid
from app.store.lock import DataDirLock
from tests.engine_helpers import KIB, MIB, file_sha, payload, sha
from tests.support.e2e import ROOT, service_pids, wait_until
from tests.support.faultserver import FaultServer


def env() -> dict[str, str]:
    e = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    e.pop("TETHER_DATA_DIR", None)
    return e


def tether(*args: str, data: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env(),
        cwd=ROOT,
        check=False,
    )


def rows(data: Path) -> list[dict[str, Any]]:
    r = tether("list", "--json", data=data)
    assert r.returncode == 0, r.stderr
    result: list[dict[str, Any]] = json.loads(r.stdout)
    return result


def db_row(data: Path, job_id: int) -> tuple[str, int]:
    """(state, checkpointed done) straight from SQLite, as a crash leaves it."""
    conn = sqlite3.connect(f"file:{database_path(data)}?mode=ro", uri=True, timeout=5)
    try:
        state, done = conn.execute("SELECT state, done FROM jobs WHERE id=?", (job_id,)).fetchone()
        return str(state), int(done)
    finally:
        conn.close()


def role(data: Path) -> str | None:
    client = connect(data)
    if client is None:
        return None
    with client:
        return str(client.info["role"])


class Processes:
    """Every process a test starts, killed at teardown, and any service left on its data."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[str]] = []
        self.data_dirs: list[Path] = []

    def start(self, *args: str, data: Path, log: Path) -> subprocess.Popen[str]:
        self.data_dirs.append(data)
        with log.open("a") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "app", "--data-dir", str(data), *args],
                stdout=subprocess.DEVNULL,
                stderr=err,
                text=True,
                env=env(),
                cwd=ROOT,
            )
        self.procs.append(proc)
        return proc

    def service(self, data: Path, log: Path) -> subprocess.Popen[str]:
        proc = self.start("service", data=data, log=log)
        wait_until(lambda: role(data) == "service" or proc.poll() is not None, 30, "service", log)
        assert proc.poll() is None, log.read_text()
        return proc

    def cleanup(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
        for data in self.data_dirs:
            for pid in service_pids(data):  # started on demand, detached
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def procs() -> Iterator[Processes]:
    p = Processes()
    try:
        yield p
    finally:
        p.cleanup()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return (tmp_path / "data").resolve()


# ---------------------------------------------------------------------------- tests
def test_two_clis_share_the_service_queue_stop_and_start_twice(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    out, log = tmp_path / "out", tmp_path / "svc.log"
    pids = []
    for round_ in range(2):
        a, b = payload(2 * MIB, seed=round_ * 2 + 1), payload(1 * MIB, seed=round_ * 2 + 2)
        server.add_file(f"/a{round_}.bin", a).rate = 512 * KIB
        server.add_file(f"/b{round_}.bin", b)
        svc = procs.service(data, log)
        pids.append(svc.pid)
        status = tether("service", "status", data=data)
        assert status.returncode == 0 and f"pid {svc.pid}" in status.stdout
        r = tether("add", server.url(f"/a{round_}.bin"), "-o", str(out), data=data)
        assert r.returncode == 0, r.stderr
        r = tether("get", server.url(f"/b{round_}.bin"), "-o", str(out), data=data)
        assert r.returncode == 0, r.stderr
        assert r.stdout == ""  # quiet when not a terminal, as without a service
        assert file_sha(out / f"b{round_}.bin") == sha(b)
        wait_until(
            lambda: all(row["state"] == "completed" for row in rows(data)), 30, "the add", log
        )
        assert file_sha(out / f"a{round_}.bin") == sha(a)
        assert len(rows(data)) == round_ + 2  # one queue, every job once (b0 removed)
        b_id = next(row["id"] for row in rows(data) if row["path"] == str(out / f"b{round_}.bin"))
        r = tether("remove", str(b_id), "--delete-file", data=data)
        assert r.returncode == 0, r.stderr
        assert not (out / f"b{round_}.bin").exists()
        r = tether("remove", str(b_id), data=data)
        assert r.returncode == 2 and f"no job with id {b_id}" in r.stderr
        assert len(rows(data)) == round_ + 1
        r = tether("service", "stop", data=data)
        assert r.returncode == 0, r.stderr
        assert svc.wait(10) == 0
        assert tether("service", "status", data=data).returncode == 3
    assert pids[0] != pids[1]
    assert sorted(p.name for p in out.iterdir()) == ["a0.bin", "a1.bin"]


def test_kill9_of_the_service_mid_transfer_then_a_new_one_resumes_exactly(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    size = 6 * MIB
    body = payload(size, seed=9)
    spec = server.add_file("/big.bin", body)
    spec.rate = 256 * KIB  # per connection; 4 connections: ~6 s
    out, log = tmp_path / "out", tmp_path / "svc.log"
    svc = procs.service(data, log)
    r = tether("add", server.url("/big.bin"), "-o", str(out), "-c", "4", data=data)
    assert r.returncode == 0, r.stderr
    wait_until(lambda: db_row(data, 1)[1] >= 1 * MIB, 40, "a checkpoint past 1 MiB", log)
    svc.send_signal(signal.SIGKILL)
    svc.wait(10)
    state, done_at_kill = db_row(data, 1)
    assert state == "downloading" and 0 < done_at_kill < size
    assert role(data) is None  # the socket left behind answers nobody

    spec.rate = None
    again = procs.service(data, log)  # takes over the stale socket, resumes by itself
    wait_until(lambda: rows(data)[0]["state"] == "completed", 60, "the resumed job", log)
    assert file_sha(out / "big.bin") == sha(body)
    assert server.bytes_served("/big.bin") < 2 * size  # continued, not started over
    assert tether("service", "stop", data=data).returncode == 0
    assert again.wait(10) == 0


def test_add_starts_one_service_on_demand_however_many_start_it(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    files = {f"/o{i}.bin": payload(256 * KIB, seed=20 + i) for i in range(3)}
    for path, body in files.items():
        server.add_file(path, body)
    out, log = tmp_path / "out", tmp_path / "cli.log"
    procs.data_dirs.append(data)
    adders = [
        procs.start("add", server.url(path), "-o", str(out), data=data, log=log) for path in files
    ]
    assert [p.wait(60) for p in adders] == [0, 0, 0], log.read_text()
    wait_until(lambda: len(service_pids(data)) == 1, 20, "the losers to exit", log)
    (pid,) = service_pids(data)
    assert role(data) == "service" and lock_holder_pid(data) == pid
    wait_until(lambda: [r["state"] for r in rows(data)] == ["completed"] * 3, 30, "the jobs", log)
    for path, body in files.items():
        assert file_sha(out / path.lstrip("/")) == sha(body)
    # a second round of adds goes to the same service
    server.add_file("/late.bin", b"late")
    assert tether("add", server.url("/late.bin"), "-o", str(out), data=data).returncode == 0
    assert service_pids(data) == [pid]
    wait_until(lambda: (out / "late.bin").exists(), 30, "the late job", log)
    assert tether("service", "stop", data=data).returncode == 0
    wait_until(lambda: not service_pids(data), 10, "the service to stop", log)
    assert DataDirLock(data).acquire()


def window_up(data: Path, n: int = 1) -> Callable[[], bool]:
    """The n-th window on this data folder has painted its queue."""
    log = data / "logs" / "tether.log"
    return lambda: log.exists() and log.read_text(errors="replace").count("window shown") >= n


def test_get_while_the_window_is_open_shares_its_service(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    """Before the service this was "already running", exit 2; then the window served the
    protocol itself; now the window starts a service and `get` is one more of its clients."""
    body = payload(1 * MIB, seed=31)
    server.add_file("/w.bin", body)
    server.add_file("/w2.bin", b"second")
    out, log = tmp_path / "out", tmp_path / "window.log"
    window = procs.start(data=data, log=log)
    wait_until(window_up(data), 40, "the window", log)
    (service,) = service_pids(data)
    assert role(data) == "service"
    r = tether("get", server.url("/w.bin"), "-o", str(out), data=data)
    assert r.returncode == 0, r.stderr
    assert file_sha(out / "w.bin") == sha(body)
    r = tether("get", server.url("/missing.bin"), "-o", str(out), data=data)
    assert r.returncode == 1
    (line,) = r.stderr.strip().splitlines()
    assert "/missing.bin" in line and "404" in line
    r = tether("get", server.url("/w2.bin"), "-o", str(out), data=data)
    assert r.returncode == 0 and (out / "w2.bin").read_bytes() == b"second"
    r = tether("get", server.url("/w.bin"), "-o", str(out), data=data)
    assert r.returncode == 0  # already there: idempotent, as without the window
    assert [row["state"] for row in rows(data)] == ["completed", "failed", "completed"]
    assert service_pids(data) == [service]  # one service for the window and every CLI
    # the window started it, and the user did not ask for downloads to go on: it stops
    window.send_signal(signal.SIGTERM)
    assert window.wait(10) == 0
    wait_until(lambda: not service_pids(data), 10, "the window's service to stop", log)


def test_ctrl_c_pauses_a_remote_get_and_the_same_get_resumes_it(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    body = payload(4 * MIB, seed=41)
    spec = server.add_file("/slow.bin", body)
    spec.rate = 128 * KIB
    out, log = tmp_path / "out", tmp_path / "svc.log"
    svc = procs.service(data, log)
    args = ("get", server.url("/slow.bin"), "-o", str(out), "-c", "2")
    for attempt in range(2):
        get = procs.start(*args, data=data, log=tmp_path / "get.log")

        def progressed() -> bool:
            jobs = rows(data)
            return bool(jobs) and jobs[0]["state"] == "downloading" and jobs[0]["done"] > 0

        wait_until(progressed, 30, "progress", log)
        get.send_signal(signal.SIGINT)
        assert get.wait(10) == 130
        assert "interrupted" in (tmp_path / "get.log").read_text()
        wait_until(lambda: rows(data)[0]["state"] == "paused", 10, f"pause {attempt}", log)
    spec.rate = None
    r = tether(*args, data=data)
    assert r.returncode == 0, r.stderr
    assert file_sha(out / "slow.bin") == sha(body)
    assert len(rows(data)) == 1  # the same job all along
    assert server.bytes_served("/slow.bin") < 2 * len(body)
    assert tether("service", "stop", data=data).returncode == 0
    assert svc.wait(10) == 0


def test_status_stop_and_a_second_service(procs: Processes, data: Path, tmp_path: Path) -> None:
    r = tether("service", "status", data=data)
    assert r.returncode == 3 and "not running" in r.stdout
    assert tether("service", "stop", data=data).returncode == 0
    svc = procs.service(data, tmp_path / "svc.log")
    for _ in range(2):
        r = tether("service", data=data)
        assert r.returncode == 2 and f"already running for {data} (pid {svc.pid})" in r.stderr
    svc.send_signal(signal.SIGTERM)
    assert svc.wait(10) == 0
    assert role(data) is None


def test_a_service_started_to_exit_when_idle_does(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    server.add_file("/i.bin", b"idle")
    log = tmp_path / "svc.log"
    svc = procs.start("service", "--exit-when-idle", "1", data=data, log=log)
    wait_until(lambda: role(data) == "service", 30, "the service", log)
    r = tether("get", server.url("/i.bin"), "-o", str(tmp_path / "o"), data=data)
    assert r.returncode == 0, r.stderr
    assert svc.wait(30) == 0  # nothing left to do, nobody connected
    assert (tmp_path / "o" / "i.bin").read_bytes() == b"idle"


def test_the_systemd_user_unit_runs_the_service_and_stops_it_with_sigterm() -> None:
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "packaging" / "systemd" / "tether.service")
    assert unit["Service"]["ExecStart"].endswith("tether service")
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "default.target"


def test_the_window_joins_a_running_service_and_leaves_it_running(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    body = payload(3 * MIB, seed=51)
    spec = server.add_file("/h.bin", body)
    spec.rate = 128 * KIB
    out, log = tmp_path / "out", tmp_path / "window.log"
    procs.data_dirs.append(data)
    assert tether("add", server.url("/h.bin"), "-o", str(out), data=data).returncode == 0
    wait_until(lambda: db_row(data, 1)[1] > 0, 30, "the on-demand service to download", log)
    (on_demand,) = service_pids(data)
    window = procs.start(data=data, log=log)
    wait_until(window_up(data), 40, "the window", log)
    assert service_pids(data) == [on_demand]  # joined, not replaced: the transfer went on
    spec.rate = None
    wait_until(lambda: db_row(data, 1)[0] == "completed", 60, "the job", log)
    assert file_sha(out / "h.bin") == sha(body)
    assert server.bytes_served("/h.bin") < 2 * len(body)
    window.send_signal(signal.SIGTERM)
    assert window.wait(10) == 0
    assert service_pids(data) == [on_demand]  # not the window's to stop
    assert tether("service", "stop", data=data).returncode == 0

    # a service started on purpose: the window uses it and leaves it running
    svc = procs.service(data, tmp_path / "svc.log")
    second = procs.start(data=data, log=log)
    wait_until(window_up(data, 2), 40, "the second window", log)
    second.send_signal(signal.SIGTERM)
    assert second.wait(10) == 0
    assert role(data) == "service" and svc.poll() is None
    assert tether("service", "stop", data=data).returncode == 0


def test_remote_get_draws_its_progress_line_on_a_terminal(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    import pty

    body = payload(2 * MIB, seed=61)
    server.add_file("/t.bin", body).rate = 512 * KIB
    svc = procs.service(data, tmp_path / "svc.log")
    import fcntl
    import struct
    import termios

    primary, replica = pty.openpty()
    fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    args = ["get", server.url("/t.bin"), "-o", str(tmp_path / "out"), "-c", "2"]
    get = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        stdout=replica,
        stderr=replica,
        env=env(),
        cwd=ROOT,
    )
    procs.procs.append(get)  # type: ignore[arg-type]
    os.close(replica)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        output += chunk
    os.close(primary)
    assert get.wait(30) == 0
    text = output.decode(errors="replace")
    assert "t.bin  [" in text and "%" in text and "/s" in text  # the live line
    assert "done  t.bin  2.1 MB in" in text  # decimal units, as the window shows them
    assert file_sha(tmp_path / "out" / "t.bin") == sha(body)
    assert tether("service", "stop", data=data).returncode == 0
    assert svc.wait(10) == 0


def test_sigint_and_sigterm_stop_the_service_cleanly_and_the_job_continues(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    body = payload(4 * MIB, seed=71)
    spec = server.add_file("/c.bin", body)
    spec.rate = 128 * KIB
    out, log = tmp_path / "out", tmp_path / "svc.log"
    svc = procs.service(data, log)
    assert tether("add", server.url("/c.bin"), "-o", str(out), "-c", "2", data=data).returncode == 0
    last_done = 0
    for sig in (signal.SIGINT, signal.SIGTERM):
        wait_until(lambda d=last_done: db_row(data, 1)[1] > d, 30, "a new checkpoint", log)
        started = time.monotonic()
        svc.send_signal(sig)
        assert svc.wait(10) == 0
        assert time.monotonic() - started < 5
        state, last_done = db_row(data, 1)
        assert state == "downloading" and 0 < last_done < len(body)  # resumes on next start
        svc = procs.service(data, log)
    spec.rate = None
    wait_until(lambda: rows(data)[0]["state"] == "completed", 60, "the job", log)
    assert file_sha(out / "c.bin") == sha(body)
    assert server.bytes_served("/c.bin") < 1.5 * len(body)
    assert tether("service", "stop", data=data).returncode == 0
    assert svc.wait(10) == 0


def test_credentials_never_reach_clients_or_the_service_logs(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    secret = "s3cr3t-Pa55"
    server.add_file("/cred.bin", b"private")
    url = server.url("/cred.bin").replace("http://", f"http://alice:{secret}@")
    out, log = tmp_path / "out", tmp_path / "svc.log"
    svc = procs.service(data, log)
    r = tether("get", url, "-o", str(out), data=data)
    assert r.returncode == 0, r.stderr
    r2 = tether("get", url.replace("/cred.bin", "/nope.bin"), "-o", str(out), data=data)
    assert r2.returncode == 1 and "/nope.bin" in r2.stderr
    listed = tether("list", "--json", data=data)
    assert len(json.loads(listed.stdout)) == 2
    client = connect(data)
    assert client is not None
    with client:
        client.call("subscribe")
        job = client.call("jobs.get", id=1)["job"]
        history = client.call("jobs.log", id=1)["entries"]
        client.call("set_url", id=2, url=url.replace("/cred.bin", "/again.bin"))
        event = client.next_notification(5)
    assert tether("service", "stop", data=data).returncode == 0
    assert svc.wait(10) == 0
    texts = [r.stdout, r.stderr, r2.stdout, r2.stderr, listed.stdout, json.dumps(job)]
    texts += [json.dumps(history), json.dumps(event), log.read_text()]
    texts += [p.read_text(errors="replace") for p in (data / "logs").glob("*")]
    for text in texts:
        assert secret not in text and "alice" not in text
    assert (out / "cred.bin").read_bytes() == b"private"


def test_trust_flags_meet_the_owners_settings(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    import trustme

    pem = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(pem))
    server.add_file("/t1.bin", b"one")
    server.add_file("/t2.bin", b"two")
    out, log = tmp_path / "out", tmp_path / "svc.log"
    svc = procs.service(data, log)
    for flags in (
        ["--ca-certificate", str(pem)],
        ["--no-netrc"],
        ["--retry-for", "7"],
        # a proxy for one run can't change the owner's downloads: refused, not lost
        # (--header/--user-agent are each job's request context: the owner takes them, see
        # tests/test_request_context.py)
        ["--all-proxy", "http://127.0.0.1:9"],
    ):
        r = tether("get", server.url("/t1.bin"), "-o", str(out), *flags, data=data)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and flags[0] in r.stderr
    assert not (out / "t1.bin").exists()
    r = tether(
        "add", server.url("/t1.bin"), "-o", str(out), "--ca-certificate", str(pem), data=data
    )
    assert r.returncode == 0, r.stderr
    client = connect(data)
    assert client is not None
    with client:
        assert client.call("settings.get")["values"]["ca_certificate"] == str(pem)
    r = tether(
        "get", server.url("/t2.bin"), "-o", str(out), "--ca-certificate", str(pem), data=data
    )
    assert r.returncode == 0, r.stderr
    assert (out / "t2.bin").read_bytes() == b"two"
    assert tether("service", "stop", data=data).returncode == 0
    assert svc.wait(10) == 0


HANDED_PROBE = """
import json, runpy, sys
out = sys.argv.pop(1)
sys.argv[0] = "tether"
code = 0
try:
    runpy.run_module("app", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def test_a_get_handed_to_the_service_does_not_load_the_engine_again(
    server: FaultServer, procs: Processes, data: Path, tmp_path: Path
) -> None:
    """The service downloads; the `get` that hands it the URL only waits and prints: importing
    requests and the engine there too would make every handed-over `get` start ~50 ms later."""
    procs.service(data, tmp_path / "svc.log")
    for round_ in range(2):  # twice: the second `get` meets a service that already ran one
        body = payload(256 * 1024, seed=40 + round_)
        server.add_file(f"/h{round_}.bin", body)
        report, out = tmp_path / f"modules{round_}.json", tmp_path / f"out{round_}"
        run = subprocess.run(
            [sys.executable, "-c", HANDED_PROBE, str(report), "--data-dir", str(data),
             "get", server.url(f"/h{round_}.bin"), "-o", str(out)],
            capture_output=True, text=True, timeout=90, env=env(), cwd=ROOT, check=False,
        )  # fmt: skip
        got = json.loads(report.read_text())
        assert got["code"] in (0, None), run.stderr
        assert (out / f"h{round_}.bin").read_bytes() == body
        modules = set(got["modules"])
        assert "app.service.client" in modules  # the probe did reach the service ...
        assert not {"requests", "urllib3", "app.engine.engine", "app.service.daemon"} & modules
