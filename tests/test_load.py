"""Load: many small jobs through one engine, 20 at a time, with pause-all/resume-all storms.

All complete with the right bytes; open file descriptors and threads return to their baseline;
memory (RSS) does not grow with the number of completed jobs.

Full run (1,000 jobs): python3 -m pytest tests/test_load.py -m slow -p no:cacheprovider
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import hashlib
import random
import threading
import time
from pathlib import Path

import pytest

from app.engine.engine import Engine
from app.store import JobState, JobStore
from tests.engine_helpers import FAST, KIB, MIB
from tests.support.faultserver import FaultServer
from tests.trust_helpers import fd_count, quick_payload, rss_bytes

CONCURRENT = 20


@dataclasses.dataclass
class LoadFigures:
    jobs: int
    took: float = 0.0
    storms: int = 0
    max_running: int = 0
    slowest_pause: float = 0.0
    fds: tuple[int, int] = (0, 0)  # baseline, after
    threads: tuple[int, int] = (0, 0)
    rss_mib: list[tuple[int, float]] = dataclasses.field(default_factory=list)  # (done, MiB)


def _tether_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("tether-"))


def _settle(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def run_load(server: FaultServer, tmp_path: Path, n_jobs: int, seed: int) -> LoadFigures:
    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    for i in range(n_jobs):
        data = quick_payload(rng.randint(4 * KIB, 48 * KIB), seed * 100_000 + i)
        path = f"/load/{i:04d}.bin"
        spec = server.add_file(path, data)
        spec.rate = 128 * KIB  # ~0.2 s each: pauses land on live transfers
        files[path] = data
    digests = {p: hashlib.sha256(d).hexdigest() for p, d in files.items()}
    out = tmp_path / "out"
    out.mkdir()
    cfg = dataclasses.replace(FAST, max_concurrent=CONCURRENT, connections=2)
    figures = LoadFigures(n_jobs)

    gc.collect()
    base_fds, base_threads = fd_count(), threading.active_count()

    async def body() -> None:
        store = JobStore.open(tmp_path / "data" / "db.sqlite3")
        engine = Engine(store, cfg)
        await engine.start()
        t0 = time.monotonic()
        ids = [engine.add(server.url(p), str(out)).id for p in files]
        marks = {n_jobs // 4, n_jobs // 2, n_jobs - n_jobs // 10}

        def completed() -> int:
            return sum(1 for j in engine.jobs() if j.state == JobState.COMPLETED)

        next_storm = time.monotonic() + 0.3
        while completed() < n_jobs:
            figures.max_running = max(figures.max_running, len(engine.progress()))
            assert len(engine.progress()) <= CONCURRENT
            done = completed()
            for mark in sorted(marks):
                if done >= mark:
                    gc.collect()
                    figures.rss_mib.append((done, rss_bytes() / MIB))
                    marks.discard(mark)
            failed = [j for j in engine.jobs() if j.state == JobState.FAILED]
            assert not failed, [(j.id, j.error) for j in failed[:3]]
            if time.monotonic() >= next_storm and done < n_jobs * 0.95:
                engine.pause_all()
                t = time.monotonic()
                while engine.progress() and time.monotonic() - t < 3:
                    await asyncio.sleep(0.01)
                figures.slowest_pause = max(figures.slowest_pause, time.monotonic() - t)
                assert not engine.progress(), "downloads still running 3 s after pause_all"
                await asyncio.sleep(rng.uniform(0.0, 0.1))
                engine.resume_all()
                figures.storms += 1
                next_storm = time.monotonic() + rng.uniform(0.15, 0.5)
            await asyncio.sleep(0.02)
        await engine.wait_idle()
        figures.took = time.monotonic() - t0
        for jid in ids:
            job = engine.job(jid)
            assert job.state == JobState.COMPLETED, (jid, job.state, job.error)
        gc.collect()
        figures.rss_mib.append((n_jobs, rss_bytes() / MIB))
        await engine.shutdown()
        store.close()

    asyncio.run(asyncio.wait_for(body(), 900))
    # right bytes, one file per job, nothing left over
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == n_jobs and not [n for n in names if n.endswith(".part")]
    for path, digest in digests.items():
        got = hashlib.sha256((out / path.rsplit("/", 1)[1]).read_bytes()).hexdigest()
        assert got == digest, path
    # resources back to where they were
    server.wait_idle()
    _settle(lambda: _tether_threads() == 0 and threading.active_count() <= base_threads)
    gc.collect()
    _settle(lambda: fd_count() <= base_fds)
    figures.fds = (base_fds, fd_count())
    figures.threads = (base_threads, threading.active_count())
    print(f"\nload: {figures}")
    assert _tether_threads() == 0
    assert figures.threads[1] <= base_threads, figures.threads
    assert figures.fds[1] <= base_fds, figures.fds
    assert figures.max_running <= CONCURRENT
    return figures


def test_load_short(server: FaultServer, tmp_path: Path) -> None:
    figures = run_load(server, tmp_path, 150, seed=1)
    assert figures.storms >= 3
    assert figures.slowest_pause < 1.0, figures.slowest_pause


@pytest.mark.slow
def test_load_1000_jobs(server: FaultServer, tmp_path: Path) -> None:
    figures = run_load(server, tmp_path, 1000, seed=2)
    assert figures.storms >= 10
    assert figures.slowest_pause < 1.0, figures.slowest_pause
    # memory does not grow with completed jobs: from a quarter done to all done, a few MiB at most
    first, last = figures.rss_mib[0][1], figures.rss_mib[-1][1]
    assert last - first < 16, figures.rss_mib
