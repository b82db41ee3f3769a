"""Crash torture: `tether get` killed with SIGKILL again and again, restarted each time.

Kills land in every phase of a job's life: while Python starts, during the probe (held open by
the server), right after the probe's answer (naming, creating and sizing the .part, the first
checkpoint), mid-transfer (always between some write and its checkpoint: they run every 0.5 s),
and during the final SHA-256 verification (seen as a second descriptor on the .part in
/proc/PID/fd). Exact kill points (tests.killpoint) cover what timing alone rarely hits: after a
write, after an fsync before its offsets are recorded, after preallocation, between the rename
and the database saying "completed".

After every kill: `PRAGMA integrity_check` is ok, there is at most one job, and every offset the
database records covers bytes that really are the file's bytes (the checkpoint invariant). At the
end: the exact SHA-256, one file, no .part, and total bytes served ≤ 1.2 × the file size.

Full run (50 kills): python3 -m pytest tests/test_torture.py -m slow -p no:cacheprovider
"""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.engine_helpers import KIB, MIB, file_sha, sha
from tests.support.faultserver import FaultServer, RequestLog
from tests.trust_helpers import (
    assert_offsets_truthful,
    integrity,
    open_fds_to,
    quick_payload,
    read_jobs,
    run_tether,
    spawn_tether,
)

RATE_PER_CONNECTION = 256 * KIB  # 4 connections ≈ 1 MiB/s: a kill every ~1 s lands mid-transfer
CONNECTIONS = 4
PROBE_HOLD = 0.4
# The rest of the file, and the verify phase, at 4 × 2 MiB/s: still paced like a real link. (On raw
# loopback every connection cut by work stealing throws away full socket buffers, which would
# measure the kernel's buffer sizes instead of what a crash costs.)
FINISH_RATE = 2 * MIB  # the server sits on the probe this long in the probe/prealloc phases


@dataclass
class Figures:
    size: int
    kills: dict[str, int] = field(default_factory=dict)
    missed: int = 0  # runs that ended by themselves before the planned kill
    served: int = 0
    took: float = 0.0

    @property
    def total_kills(self) -> int:
        return sum(self.kills.values())

    @property
    def ratio(self) -> float:
        return self.served / self.size


class ProbeGate:
    """Server hook: the first request of each run is the probe; note it and maybe hold it."""

    def __init__(self) -> None:
        self.armed = False
        self.hold = 0.0
        self.arrived = threading.Event()
        self._lock = threading.Lock()

    def arm(self, hold: float) -> None:
        with self._lock:
            self.armed, self.hold = True, hold
            self.arrived.clear()

    def __call__(self, req: RequestLog) -> None:
        with self._lock:
            if not self.armed:
                return
            self.armed = False
            hold = self.hold
        self.arrived.set()
        if hold:
            time.sleep(hold)


def _kill(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL; True if the process was still alive (a real kill)."""
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return proc.returncode == -signal.SIGKILL


def _after_kill_checks(data_dir: Path, out: Path, expected: bytes) -> None:
    assert integrity(data_dir) == "ok"
    jobs = read_jobs(data_dir)
    assert len(jobs) <= 1, [j.id for j in jobs]  # a restart resumes; it never adds a second job
    for job in jobs:
        assert_offsets_truthful(job, expected)
    if out.exists():
        names = {p.name for p in out.iterdir()}
        assert names <= {"big.bin", "big.bin.part"}, names


def crash_torture(
    server: FaultServer, tmp_path: Path, *, size: int, phases: list[str], seed: int
) -> Figures:
    """Run `tether get` once per phase, killing it in that phase; then let it finish."""
    rng = random.Random(seed)
    expected = quick_payload(size, seed)
    spec = server.add_file("/big.bin", expected)
    spec.rate = RATE_PER_CONNECTION
    gate = ProbeGate()
    spec.on_request = gate
    data_dir, out = tmp_path / "data", tmp_path / "out"
    args = (
        "get",
        server.url("/big.bin"),
        "-o",
        str(out),
        "--connections",
        str(CONNECTIONS),
        "--sha256",
        sha(expected),
    )
    part = str(out / "big.bin.part")
    figures = Figures(size)
    started = time.monotonic()
    for phase in phases:
        if phase == "verify":
            spec.rate = FINISH_RATE  # what matters now is the finish
        gate.arm(PROBE_HOLD if phase in ("probe", "prealloc") else 0.0)
        proc = spawn_tether(*args, data=data_dir)
        if phase == "startup":
            time.sleep(rng.uniform(0.05, 0.5))  # interpreter start, imports, opening the store
        elif phase == "verify":
            # the SHA-256 opens the .part a second time, next to the workers' descriptor
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                if open_fds_to(proc.pid, part) >= 2:
                    break
                time.sleep(0.0005)
            time.sleep(rng.uniform(0.0, 0.01))
        else:
            assert gate.arrived.wait(30), "the probe never came"
            if phase == "probe":
                time.sleep(rng.uniform(0.02, PROBE_HOLD - 0.05))
            elif phase == "prealloc":
                time.sleep(PROBE_HOLD + rng.uniform(0.0, 0.04))
            else:  # transfer
                time.sleep(rng.uniform(0.3, 1.6))
        if _kill(proc):
            figures.kills[phase] = figures.kills.get(phase, 0) + 1
        else:
            figures.missed += 1
        _after_kill_checks(data_dir, out, expected)
    spec.rate = FINISH_RATE
    r = run_tether(*args, data=data_dir, timeout=300)
    figures.took = time.monotonic() - started
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["big.bin"]  # one file, no .part
    assert file_sha(out / "big.bin") == sha(expected)
    assert integrity(data_dir) == "ok"
    (job,) = read_jobs(data_dir)
    assert job.state == "completed" and job.done == size and job.error is None
    server.wait_idle()
    figures.served = server.bytes_served("/big.bin")
    print(
        f"\ncrash torture: {figures.total_kills} kills survived {figures.kills}, "
        f"{figures.missed} runs ended before their kill, served {figures.served} bytes for "
        f"{size} = {figures.ratio:.3f}x, {figures.took:.0f} s"
    )
    return figures


def test_crash_torture_short(server: FaultServer, tmp_path: Path) -> None:
    """~8 kills, one or more in every phase; part of the default run (< 60 s)."""
    phases = ["startup", "probe", "prealloc", "transfer", "transfer", "transfer", "verify"]
    phases.append("verify")
    figures = crash_torture(server, tmp_path, size=24 * MIB, phases=phases, seed=11)
    assert figures.total_kills >= 7
    assert figures.ratio <= 1.2, figures


@pytest.mark.slow
def test_crash_torture_50_kills(server: FaultServer, tmp_path: Path) -> None:
    rng = random.Random(2024)
    body = ["startup"] * 4 + ["probe"] * 6 + ["prealloc"] * 6 + ["transfer"] * 28
    rng.shuffle(body)
    phases = body + ["verify"] * 6
    figures = crash_torture(server, tmp_path, size=128 * MIB, phases=phases, seed=5)
    assert figures.total_kills >= 48, figures
    assert figures.ratio <= 1.2, figures


# ---------------------------------------------------------------------------- exact kill points
KILL_POINTS = [
    "probe",
    "prealloc",
    "write:3",
    "sync:2",
    "save:3",
    "verify",
    "rename",
]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_at_exact_point_then_resume(server: FaultServer, tmp_path: Path, point: str) -> None:
    expected = quick_payload(3 * MIB + 17, seed=3)
    spec = server.add_file("/big.bin", expected)
    data_dir, out = tmp_path / "data", tmp_path / "out"
    args = ("get", server.url("/big.bin"), "-o", str(out), "--connections", "4")
    if point in ("verify",):
        args = (*args, "--sha256", sha(expected))
    if point not in ("verify", "rename", "probe", "prealloc"):
        spec.rate = 512 * KIB  # writes and checkpoints interleave
    killed = run_tether(*args, data=data_dir, killpoint=point)
    assert killed.returncode == -signal.SIGKILL, (point, killed.returncode, killed.stderr)
    _after_kill_checks(data_dir, out, expected)
    spec.rate = None
    r = run_tether(*args, data=data_dir)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["big.bin"], point
    assert file_sha(out / "big.bin") == sha(expected)
    assert integrity(data_dir) == "ok"
    (job,) = read_jobs(data_dir)
    assert job.state == "completed"
    server.wait_idle()
    # nothing already durable is fetched twice (a restart from 0 would double this)
    assert server.bytes_served("/big.bin") <= len(expected) * 1.5, point
