"""The window as a service client, measured (a script, not a test; gui_bench.py --client runs it).

start-up: a store with N jobs, a running `tether service` on it; a fresh process imports the
window, connects, pages the queue in and shows the window: time from `run` to the first paint.

active: a local HTTP server process serves N rate-limited files; a `tether service` process
downloads them all; the window's parts (ServiceLink, Controller, MainWindow) run here under
qasync, as in the app. We sample the main thread's CPU time, the lateness of a 50 ms asyncio
timer, this process's whole CPU (the socket reader thread included) and the service's CPU.
"""

from __future__ import annotations

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
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


SERVICE_CHILD = textwrap.dedent(
    """
    import dataclasses, logging, sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    import app.options as o
    from app.log import setup
    # The options cap downloads at the same time at 20; the benchmark wants N at once.
    plain = o.Options.engine_settings
    o.Options.engine_settings = lambda self, base=None: dataclasses.replace(
        plain(self, base), max_concurrent={limit})
    from app.service.daemon import run_service
    setup(Path({data!r}))
    sys.exit(run_service(Path({data!r}), None, sys.stderr))
    """
)


def start_service(data: Path, max_concurrent: int = 3) -> subprocess.Popen[bytes]:
    """A service on `data` (as `tether service`, with no cap on max_concurrent), once it
    answers."""
    from app.service.client import connect

    data.mkdir(parents=True, exist_ok=True)
    code = SERVICE_CHILD.format(repo=str(REPO), data=str(data), limit=max_concurrent)
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        client = connect(data, "bench")
        if client is not None:
            client.close()
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the service did not start")


def stop_service(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


STARTUP_CHILD = textwrap.dedent(
    """
    import time, sys, json, asyncio
    t_process = time.perf_counter()
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from PySide6.QtCore import QEvent, QObject
    import qasync
    from app.service.window_link import ServiceLink, open_service
    from app.ui.app import _make_app, build_window
    from app.ui.controller import Controller
    from app.ui.model import JobTableModel
    t_imported = time.perf_counter()
    data = Path({data!r})

    class FirstPaint(QObject):
        at = None
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint and self.at is None:
                self.at = time.perf_counter()
            return False

    async def main(app):
        t0 = time.perf_counter()
        client, started, error = open_service(data)
        assert client is not None, error
        client.call("window.claim")
        model = JobTableModel()
        controller = Controller(model)
        link = ServiceLink(data, asyncio.get_running_loop().call_soon_threadsafe,
                           on_event=controller.on_engine_event, on_notice=lambda m, p: None,
                           on_engine=controller.attach, on_status=lambda kind, detail: None)
        engine = link.attach(client, started)
        t_loaded = time.perf_counter()
        window = build_window(link, engine, controller, data)
        spy = FirstPaint()
        window.view.viewport().installEventFilter(spy)
        window.show()
        while spy.at is None:
            await asyncio.sleep(0.001)
        print(json.dumps(dict(rows=model.rowCount(), imports_s=t_imported - t_process,
                              connect_and_load_s=t_loaded - t0,
                              run_to_first_paint_s=spy.at - t0,
                              process_to_first_paint_s=spy.at - t_process)))
        controller.detach()
        link.close(stop=False)

    app = _make_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(app))
    """
)


def bench_startup(jobs: int, build_store: Any) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tether-bench-") as tmp:
        data = Path(tmp) / "data"
        build_store(data, jobs)
        service = start_service(data)
        try:
            runs = []
            for _ in range(3):
                out = subprocess.run(
                    [sys.executable, "-c", STARTUP_CHILD.format(repo=str(REPO), data=str(data))],
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                if out.returncode != 0:
                    raise SystemExit(f"start-up child failed:\n{out.stderr}")
                runs.append(json.loads([ln for ln in out.stdout.splitlines() if ln][-1]))
        finally:
            stop_service(service)
        return min(runs, key=lambda r: r["run_to_first_paint_s"])


async def _measure(
    downloads: int, seconds: float, base_url: str, data: Path, connections: int, service: int
) -> dict[str, float]:
    from app.service.window_link import ServiceLink, open_service
    from app.ui.app import build_window
    from app.ui.controller import Controller
    from app.ui.model import JobTableModel

    loop = asyncio.get_running_loop()
    client, started, error = open_service(data)
    assert client is not None, error
    client.call("window.claim")
    model = JobTableModel()
    controller = Controller(model)
    link = ServiceLink(
        data,
        loop.call_soon_threadsafe,
        on_event=controller.on_engine_event,
        on_notice=lambda m, p: None,
        on_engine=controller.attach,
        on_status=lambda kind, detail: print(kind, detail),
    )
    engine = link.attach(client, started)
    dest = data.parent / "dl"
    dest.mkdir(exist_ok=True)
    window = build_window(link, engine, controller, data)
    window.resize(1200, 800)
    window.show()
    for i in range(downloads):
        engine.add(f"{base_url}f{i}.bin", str(dest), connections=connections)
    deadline = loop.time() + 30
    while len(engine.progress()) < downloads and loop.time() < deadline:
        await asyncio.sleep(0.1)
    running = len(engine.progress())
    await asyncio.sleep(2.0)

    lateness: list[float] = []
    interval = 0.05
    cpu0 = time.thread_time()
    proc0 = time.process_time()
    svc0 = cpu_seconds(service)
    wall0 = time.perf_counter()
    end = wall0 + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        await asyncio.sleep(interval)
        lateness.append(max(0.0, time.perf_counter() - t - interval))
    wall = time.perf_counter() - wall0
    cpu = time.thread_time() - cpu0
    proc_cpu = time.process_time() - proc0
    svc_cpu = cpu_seconds(service) - svc0
    still = len(engine.progress())
    speed = model.total_speed()
    window.request_quit()
    window.close()
    controller.detach()
    link.close(stop=False)
    lateness.sort()
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    return dict(
        downloads_running=running,
        still_running_at_end=still,
        main_thread_cpu_percent=100 * cpu / wall,
        window_process_cpu_percent=100 * proc_cpu / wall,
        service_cpu_percent=100 * svc_cpu / wall,
        loop_latency_p50_ms=1000 * statistics.median(lateness),
        loop_latency_p99_ms=1000 * p99,
        loop_latency_max_ms=1000 * lateness[-1],
        total_speed_MBps=speed / 1e6,
    )


def bench_active(
    downloads: int, seconds: float, connections: int, server_child: str
) -> dict[str, float]:
    import qasync

    from app.ui.app import _make_app

    per_download = 200_000
    size = int(per_download * (seconds + 40))
    code = server_child.format(
        repo=str(REPO), n=downloads, size=size, rate=per_download // connections
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory(prefix="tether-bench-") as tmp:
            data = Path(tmp) / "data"
            service = start_service(data, max_concurrent=downloads)
            try:
                app = _make_app()
                loop = qasync.QEventLoop(app)
                asyncio.set_event_loop(loop)
                with loop:
                    return loop.run_until_complete(
                        _measure(downloads, seconds, base_url, data, connections, service.pid)
                    )
            finally:
                stop_service(service)
    finally:
        if server.stdin:
            server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
