"""Helpers shared by the trust suites (torture, fault matrix, security, load).

Running `tether` as a real process (optionally through tests.killpoint, which SIGKILLs it at an
exact point), reading its database from outside the way a crash would leave it, and checking the
checkpoint invariant: every recorded offset covers bytes that are really the file's bytes.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_payload(size: int, seed: int = 1) -> bytes:
    """Deterministic random bytes, fast enough for files of a hundred MiB."""
    return random.Random(seed).randbytes(size)


def tether_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def tether_argv(*args: str, data: Path, killpoint: str | None = None) -> list[str]:
    if killpoint is None:
        return [sys.executable, "-m", "app", "--data-dir", str(data), *args]
    return [
        sys.executable,
        "-m",
        "tests.killpoint",
        killpoint,
        "--",
        "--data-dir",
        str(data),
        *args,
    ]


def run_tether(
    *args: str, data: Path, timeout: float = 120, killpoint: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        tether_argv(*args, data=data, killpoint=killpoint),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=tether_env(),
        cwd=ROOT,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def spawn_tether(*args: str, data: Path, killpoint: str | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        tether_argv(*args, data=data, killpoint=killpoint),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=tether_env(),
        cwd=ROOT,
    )


@dataclass
class DbJob:
    id: int
    state: str
    file_name: str | None
    dest_dir: str
    size: int | None
    done: int
    error: str | None
    segments: list[tuple[int, int, int]]


def db_path(data: Path) -> Path:
    return data / "tether.sqlite3"


def read_jobs(data: Path) -> list[DbJob]:
    """The jobs and their segments as a crash left them (a plain reader, like the next start)."""
    if not db_path(data).exists():
        return []  # killed before the store was created
    conn = sqlite3.connect(db_path(data), timeout=10)
    try:
        rows = conn.execute(
            "SELECT id, state, file_name, dest_dir, size, done, error FROM jobs ORDER BY id"
        ).fetchall()
        jobs = []
        for jid, state, name, dest, size, done, error in rows:
            segs = conn.execute(
                'SELECT start, "end", done FROM segments WHERE job_id = ? ORDER BY start', (jid,)
            ).fetchall()
            jobs.append(DbJob(jid, state, name, dest, size, done, error, [tuple(s) for s in segs]))
        return jobs
    finally:
        conn.close()


def integrity(data: Path) -> str:
    if not db_path(data).exists():
        return "ok"  # nothing written yet
    conn = sqlite3.connect(db_path(data), timeout=10)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def assert_offsets_truthful(job: DbJob, expected: bytes) -> int:
    """Every byte a segment says is done is the file's byte at that offset; returns bytes done."""
    if job.file_name is None or not job.segments:
        return 0
    part = Path(job.dest_dir) / (job.file_name + ".part")
    done = sum(d for _, _, d in job.segments)
    if done == 0:
        return 0
    if not part.exists():
        # killed between the rename and the database saying so: the final file holds the bytes
        final = Path(job.dest_dir) / job.file_name
        assert done == job.size and final.exists(), f"{done} bytes recorded but {part} is missing"
        part = final
    with open(part, "rb") as f:
        for start, end, seg_done in job.segments:
            assert 0 <= seg_done <= end - start, (start, end, seg_done)
            if not seg_done:
                continue
            f.seek(start)
            got = f.read(seg_done)
            assert got == expected[start : start + seg_done], (
                f"recorded bytes [{start}, {start + seg_done}) are not the file's bytes"
            )
    assert job.done == done, (job.done, done)
    return done


def open_fds_to(pid: int, path: str) -> int:
    """How many of process `pid`'s descriptors point at `path` (0 if it is gone)."""
    count = 0
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    for name in names:
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}") == path:
                count += 1
        except OSError:
            continue
    return count


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
