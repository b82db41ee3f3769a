"""GUI benchmark (a script, not a test): start-up with 10,000 jobs, and the main thread with
100 active downloads.

    python3 tests/benchmarks/gui_bench.py                 # both, offscreen
    python3 tests/benchmarks/gui_bench.py startup --jobs 10000
    python3 tests/benchmarks/gui_bench.py active --downloads 100 --seconds 20
    python3 tests/benchmarks/gui_bench.py --client        # the window as the service's client

Targets with --client (issue 11): start-up <= 1 s; main thread <= 5 % of a core, p99 event-loop
latency <= 20 ms, max <= 50 ms (the service's CPU reported beside).

Targets (issue 3): start-up <= 1 s to the window shown; main thread <= 10 % of a core;
p99 event-loop latency <= 30 ms.

start-up: a store with N finished/paused/failed jobs is built first; then a fresh process
imports everything, opens the store, starts the engine, fills the model and shows the window;
it reports the time from `run` (after imports) to the first paint of the table, and the same
from process start (imports included).

active: a local HTTP server in a separate process (so its threads don't share our GIL) serves
N rate-limited files; the engine runs them all at once under qasync, as in the app. Over the
measuring window we sample the main thread's CPU time (time.thread_time) and the lateness of
a 50 ms asyncio timer (the event-loop latency a user would feel as jank).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


# ---- start-up ---------------------------------------------------------------------------------


def build_store(data_dir: Path, jobs: int) -> None:
    from app.paths import database_path
    from app.store import JobStore
    from app.store.models import JobState, SegmentRecord

    store = JobStore.open(database_path(data_dir))
    states = [JobState.COMPLETED] * 7 + [JobState.PAUSED, JobState.FAILED, JobState.PAUSED]
    exts = ["iso", "zip", "mp4", "pdf", "tar.gz", "flac", "deb", "png", "txt", "exe"]
    dest = str(data_dir / "downloads")
    os.makedirs(dest, exist_ok=True)
    for i in range(jobs):
        state = states[i % len(states)]
        job = store.add_job(
            f"https://example.com/files/{i}/file-{i}.{exts[i % 10]}", dest, state=state
        )
        job.file_name = f"file-{i}.{exts[i % 10]}"
        job.size = 1_000_000 + i * 1000
        if state is JobState.COMPLETED:
            job.done = job.size
            job.finished_at = time.time()
        else:
            job.done = job.size // 3
            job.resumable = True
            half = job.size // 2
            job.segments = [
                SegmentRecord(0, half, job.size // 6),
                SegmentRecord(half, job.size, job.size // 6),
            ]
            if state is JobState.FAILED:
                job.error = "404 Not Found: the server no longer has this file"
        store.update_job(job)
        if job.segments:
            store.save_progress(job.id, job.segments, job.done)
    store.close()


STARTUP_CHILD = textwrap.dedent(
    """
    import time, sys, json, os, asyncio
    t_process = time.perf_counter()
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication
    import qasync
    from app.engine.engine import Engine
    from app.options import load_options
    from app.paths import database_path
    from app.store import JobStore
    from app.ui.app import _make_app
    from app.ui.controller import Controller
    from app.ui.mainwindow import MainWindow
    from app.ui.model import JobTableModel
    t_imported = time.perf_counter()

    class FirstPaint(QObject):
        at = None
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint and self.at is None:
                self.at = time.perf_counter()
            return False

    async def main(app):
        t0 = time.perf_counter()
        store = JobStore.open(database_path(Path({data!r})))
        options = load_options(store)
        model = JobTableModel()
        controller = Controller(model)
        engine = Engine(store, options.engine_settings(), on_event=controller.on_engine_event)
        await engine.start()
        t_engine = time.perf_counter()
        controller.attach(engine)
        window = MainWindow(controller, store, options)
        spy = FirstPaint()
        window.view.viewport().installEventFilter(spy)
        window.show()
        while spy.at is None:
            await asyncio.sleep(0.001)
        rows = model.rowCount()
        # Sorting 10,000 rows by name: what a header click costs.
        t_sort = time.perf_counter()
        window.view.sortByColumn(0, __import__("PySide6.QtCore").QtCore.Qt.SortOrder.AscendingOrder)
        sort_s = time.perf_counter() - t_sort
        print(json.dumps(dict(rows=rows, imports_s=t_imported - t_process,
                              engine_start_s=t_engine - t0,
                              run_to_first_paint_s=spy.at - t0,
                              process_to_first_paint_s=spy.at - t_process,
                              sort_by_name_s=sort_s)))
        controller.detach()
        await engine.shutdown()
        store.close()

    app = _make_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(app))
    """
)


def bench_startup(jobs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tether-bench-") as tmp:
        data = Path(tmp) / "data"
        t = time.perf_counter()
        build_store(data, jobs)
        print(f"  built a store with {jobs} jobs in {time.perf_counter() - t:.1f} s")
        runs = []
        for _ in range(3):
            code = STARTUP_CHILD.format(repo=str(REPO), data=str(data))
            out = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                timeout=120,
                env=dict(os.environ),
            )
            if out.returncode != 0:
                raise SystemExit(f"start-up child failed:\n{out.stderr}")
            line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
            runs.append(json.loads(line))
        best = min(runs, key=lambda r: r["run_to_first_paint_s"])
        return best


# ---- active downloads -------------------------------------------------------------------------

SERVER_CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.support.faultserver import FaultServer
    with FaultServer() as srv:
        data = bytes(range(256)) * (({size} + 255) // 256)
        for i in range({n}):
            srv.add_file(f"/f{{i}}.bin", data[:{size}])
            srv.files[f"/f{{i}}.bin"].rate = {rate}
        print(srv.url(""), flush=True)
        sys.stdin.read()  # until the parent closes our stdin
    """
)


async def _measure(
    downloads: int, seconds: float, base_url: str, tmp: Path, connections: int, with_window: bool
) -> dict[str, float]:
    from app.engine.engine import Engine
    from app.engine.settings import EngineSettings
    from app.options import Options
    from app.paths import database_path
    from app.store import JobStore
    from app.ui.controller import Controller
    from app.ui.mainwindow import MainWindow
    from app.ui.model import JobTableModel

    store = JobStore.open(database_path(tmp / "data"))
    model = JobTableModel()
    controller = Controller(model)
    engine = Engine(
        store,
        EngineSettings(max_concurrent=downloads, connections=connections),
        on_event=controller.on_engine_event,
    )
    await engine.start()
    controller.attach(engine)
    window = MainWindow(controller, store, Options(download_dir=str(tmp / "dl")))
    window.resize(1200, 800)
    if with_window:
        window.show()
    dest = tmp / "dl"
    dest.mkdir(exist_ok=True)
    for i in range(downloads):
        engine.add(f"{base_url}f{i}.bin", str(dest), connections=connections)
    loop = asyncio.get_running_loop()
    # Warm up until every download is actually running.
    deadline = loop.time() + 30
    while len(engine.progress()) < downloads and loop.time() < deadline:
        await asyncio.sleep(0.1)
    running = len(engine.progress())
    await asyncio.sleep(2.0)

    lateness: list[float] = []
    interval = 0.05
    cpu0 = time.thread_time()
    wall0 = time.perf_counter()
    end = wall0 + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        await asyncio.sleep(interval)
        # qasync's coarse Qt timers may fire a little early: count that as on time.
        lateness.append(max(0.0, time.perf_counter() - t - interval))
    wall = time.perf_counter() - wall0
    cpu = time.thread_time() - cpu0
    still = len(engine.progress())
    controller.detach()
    t = time.perf_counter()
    await engine.shutdown()
    shutdown_s = time.perf_counter() - t
    window.request_quit()
    window.close()
    store.close()
    lateness.sort()
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    return dict(
        downloads_running=running,
        still_running_at_end=still,
        main_thread_cpu_percent=100 * cpu / wall,
        loop_latency_p50_ms=1000 * statistics.median(lateness),
        loop_latency_p99_ms=1000 * p99,
        loop_latency_max_ms=1000 * lateness[-1],
        total_speed_MBps=model.total_speed() / 1e6,
        shutdown_s=shutdown_s,
    )


def bench_active(
    downloads: int, seconds: float, connections: int, with_window: bool = True
) -> dict[str, float]:
    import qasync

    from app.ui.app import _make_app

    per_download = 200_000  # bytes/s for each download, split over its connections
    size = int(per_download * (seconds + 40))
    code = SERVER_CHILD.format(
        repo=str(REPO), n=downloads, size=size, rate=per_download // connections
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        app = _make_app()
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with tempfile.TemporaryDirectory(prefix="tether-bench-") as tmp, loop:
            return loop.run_until_complete(
                _measure(downloads, seconds, base_url, Path(tmp), connections, with_window)
            )
    finally:
        if server.stdin:
            server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", nargs="?", choices=["startup", "active", "all"], default="all")
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--downloads", type=int, default=100)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--client", action="store_true", help="the window as a client of a service process"
    )
    args = parser.parse_args()
    if args.client:
        return client_main(args)
    ok = True
    if args.which in ("startup", "all"):
        print(f"start-up with {args.jobs} jobs:")
        r = bench_startup(args.jobs)
        for k, v in r.items():
            print(f"  {k:28} {v:.3f}" if isinstance(v, float) else f"  {k:28} {v}")
        verdict = r["run_to_first_paint_s"] <= 1.0
        ok &= verdict
        print(f"  target <= 1 s (run to first paint): {'PASS' if verdict else 'FAIL'}")
    if args.which in ("active", "all"):
        for with_window in (True, False):
            label = "window shown" if with_window else "baseline: engine + model, window hidden"
            print(
                f"{args.downloads} active downloads x {args.connections} connections, "
                f"{args.seconds:.0f} s, {label}:"
            )
            r = bench_active(args.downloads, args.seconds, args.connections, with_window)
            for k, v in r.items():
                print(f"  {k:28} {v:.2f}" if isinstance(v, float) else f"  {k:28} {v}")
            if with_window:
                cpu_ok = r["main_thread_cpu_percent"] <= 10.0
                lat_ok = r["loop_latency_p99_ms"] <= 30.0
                ok &= cpu_ok and lat_ok
                print(
                    f"  target main thread <= 10 %: {'PASS' if cpu_ok else 'FAIL'}; "
                    f"p99 latency <= 30 ms: {'PASS' if lat_ok else 'FAIL'}"
                )
    return 0 if ok else 1


def client_main(args: argparse.Namespace) -> int:
    from tests.benchmarks import client_bench

    ok = True
    if args.which in ("startup", "all"):
        print(f"start-up with {args.jobs} jobs, the window a client of a running service:")
        r = client_bench.bench_startup(args.jobs, build_store)
        for k, v in r.items():
            print(f"  {k:28} {v:.3f}" if isinstance(v, float) else f"  {k:28} {v}")
        verdict = r["run_to_first_paint_s"] <= 1.0
        ok &= verdict
        print(f"  target <= 1 s (run to first paint): {'PASS' if verdict else 'FAIL'}")
    if args.which in ("active", "all"):
        print(
            f"{args.downloads} active downloads x {args.connections} connections in the service, "
            f"{args.seconds:.0f} s, window shown (its own process):"
        )
        r = client_bench.bench_active(args.downloads, args.seconds, args.connections, SERVER_CHILD)
        for k, v in r.items():
            print(f"  {k:28} {v:.2f}" if isinstance(v, float) else f"  {k:28} {v}")
        cpu_ok = r["main_thread_cpu_percent"] <= 5.0
        lat_ok = r["loop_latency_p99_ms"] <= 20.0 and r["loop_latency_max_ms"] <= 50.0
        ok &= cpu_ok and lat_ok
        print(
            f"  target main thread <= 5 %: {'PASS' if cpu_ok else 'FAIL'}; "
            f"p99 <= 20 ms and max <= 50 ms: {'PASS' if lat_ok else 'FAIL'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
