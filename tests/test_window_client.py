"""The window as a client of a real service process: the journeys that matter, end to end.

The window's parts run in this process, wired as app/ui/app.py wires them (ServiceLink,
RemoteSettings, Controller, MainWindow); the service is a real `tether service` started on
demand, and the CLIs are real `python -m app` processes on the same queue.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

import qasync
from PySide6.QtWidgets import QApplication

from app.service.client import connect
from app.service.window_link import ServiceLink, open_service
from app.store.models import JobState
from app.ui.app import build_window, service_status_text
from app.ui.controller import AddRequest, Controller
from app.ui.mainwindow import MainWindow
from app.ui.model import JobTableModel
from tests.engine_helpers import MIB, payload
from tests.support.faultserver import FaultServer

ROOT = Path(__file__).resolve().parents[1]


def tether(*args: str, data: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("TETHER_DATA_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


class Window:
    """The window process's parts, in this process, against the data folder's service."""

    def __init__(self, data: Path, dest: Path) -> None:
        self.data = data
        self.dest = dest
        self.model = JobTableModel()
        self.controller = Controller(self.model)
        self.lines: list[str] = []
        self.link: ServiceLink | None = None
        self.window: MainWindow | None = None

    async def start(self) -> MainWindow:
        loop = asyncio.get_running_loop()
        client, started, error = await loop.run_in_executor(None, open_service, self.data)
        assert client is not None, error
        assert client.call("window.claim") == {"claimed": True}
        self.link = ServiceLink(
            self.data,
            loop.call_soon_threadsafe,
            on_event=self.controller.on_engine_event,
            on_notice=lambda method, params: None,
            on_engine=self.controller.attach,
            on_status=lambda kind, detail: None,
        )
        engine = self.link.attach(client, started)
        self.window = build_window(self.link, engine, self.controller, self.data)
        shown = self.link.on_status  # what the window shows, and remembered for the test

        def on_status(kind: str, detail: str) -> None:
            self.lines.append(service_status_text(kind, detail))
            shown(kind, detail)

        self.link.on_status = on_status
        self.window.show()
        return self.window

    @property
    def service_pid(self) -> int:
        assert self.link is not None and self.link.engine is not None
        return int(self.link.engine.info["pid"])

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out; status lines: {self.lines}")
            await asyncio.sleep(0.02)

    def state(self, job_id: int) -> JobState | None:
        job = self.model.job(job_id)
        return None if job is None else job.state

    async def close(self) -> None:
        if self.window is not None:
            self.window.request_quit()  # saves the window's state through the service
            self.window.close()
        self.controller.detach()
        if self.link is not None:
            await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(self.link.close, stop=True)
            )
        if self.window is not None:
            self.window.deleteLater()


@pytest.fixture
def run(qapp: QApplication, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    qapp.setQuitOnLastWindowClosed(False)  # as app.py: a dialog closing must not quit
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    def runner(test: Callable[[Window], Coroutine[Any, Any, None]]) -> None:
        dest = tmp_path / "downloads"
        dest.mkdir()
        window = Window(tmp_path / "data", dest)

        async def main() -> None:
            try:
                await window.start()
                await asyncio.wait_for(test(window), 90)
            finally:
                await window.close()

        loop.run_until_complete(main())

    yield runner
    loop.close()
    asyncio.set_event_loop(None)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_cli_get_with_the_window_open_lands_in_the_window(
    run: Any, server: FaultServer, tmp_path: Path
) -> None:
    body = payload(2 * MIB, seed=7)
    server.add_file("/cli.bin", body)
    server.files["/cli.bin"].rate = 1 * MIB

    async def scenario(w: Window) -> None:
        loop = asyncio.get_running_loop()
        out = tmp_path / "out"
        get = loop.run_in_executor(
            None,
            functools.partial(tether, "get", server.url("/cli.bin"), "-o", str(out), data=w.data),
        )
        await w.wait_for(lambda: w.model.rowCount() == 1)
        job_id = w.model.job_at(0).id
        await w.wait_for(lambda: w.state(job_id) is JobState.DOWNLOADING)
        # the transfer is the service's: not one engine thread in the window's process
        assert not [t.name for t in threading.enumerate() if t.name.startswith("tether-job")]
        await w.wait_for(lambda: w.state(job_id) is JobState.COMPLETED)
        result = await get
        assert result.returncode == 0, result.stderr
        assert _sha(out / "cli.bin") == hashlib.sha256(body).hexdigest()
        # a second CLI and the window act on one queue: the window's pause is the CLI's too
        server.add_file("/second.bin", body)
        server.files["/second.bin"].rate = 256 << 10
        added = await loop.run_in_executor(
            None,
            functools.partial(
                tether, "add", server.url("/second.bin"), "-o", str(out), data=w.data
            ),
        )
        assert added.returncode == 0, added.stderr
        await w.wait_for(lambda: w.model.rowCount() == 2)
        second = max(w.model.job_at(r).id for r in range(2))
        await w.wait_for(lambda: w.state(second) is JobState.DOWNLOADING)
        w.controller.pause([second])
        await w.wait_for(lambda: w.state(second) is JobState.PAUSED)
        listed = await loop.run_in_executor(
            None, functools.partial(tether, "list", "--json", data=w.data)
        )
        assert '"paused"' in listed.stdout
        w.controller.remove([second])
        await w.wait_for(lambda: w.model.rowCount() == 1)

    run(scenario)


def test_settings_from_a_cli_and_urls_from_a_second_launch_reach_the_window(
    run: Any, tmp_path: Path
) -> None:
    async def scenario(w: Window) -> None:
        loop = asyncio.get_running_loop()
        assert w.window is not None
        other = connect(w.data, "test")
        assert other is not None
        with other:
            other.call("settings.set", values={"max_concurrent": 9, "notify": False})
        await w.wait_for(lambda: w.window is not None and w.window.options.max_concurrent == 9)
        assert w.window.options.notify is False and w.window.tray.notify_enabled is False
        # the window's own change goes to the service (and only what changed)
        import dataclasses

        w.window.apply_options(dataclasses.replace(w.window.options, max_concurrent=4))
        again = connect(w.data, "test")
        assert again is not None
        with again:
            assert again.call("settings.get")["values"]["max_concurrent"] == 4
        # `tether URL` with the window open: handed over, the add dialog shows it
        launch = await loop.run_in_executor(
            None, functools.partial(tether, "https://example.com/a.iso", data=w.data, timeout=60)
        )
        assert launch.returncode == 0, launch.stderr
        await w.wait_for(lambda: w.window is not None and w.window.add_dialog is not None)
        dialog = w.window.add_dialog
        assert dialog is not None
        assert "https://example.com/a.iso" in dialog.urls_edit.toPlainText()
        dialog.reject()

    run(scenario)


def test_kill9_of_the_service_mid_transfer_the_window_reconnects_bytes_exact(
    run: Any, server: FaultServer
) -> None:
    body = payload(4 * MIB, seed=9)
    server.add_file("/k.bin", body)
    spec = server.files["/k.bin"]
    spec.rate = 256 << 10  # per connection, 4 connections: ~4 s

    async def scenario(w: Window) -> None:
        out = w.controller.add(AddRequest([server.url("/k.bin")], str(w.dest), connections=4))
        assert out.done, out.errors
        (job_id,) = out.done
        await w.wait_for(lambda: w.state(job_id) is JobState.DOWNLOADING)
        # a checkpoint on disk first, so that something is kept across the kill
        await w.wait_for(lambda: w.model.job(job_id) is not None and w.model.job(job_id).done > MIB)  # type: ignore[union-attr]
        first = w.service_pid
        os.kill(first, signal.SIGKILL)
        await w.wait_for(lambda: any("stopped" in line for line in w.lines))
        assert len([ln for ln in w.lines if "stopped" in ln]) == 1  # one line, not a storm
        await w.wait_for(lambda: w.link is not None and w.link.reconnects == 1)
        assert w.service_pid != first
        spec.rate = None
        await w.wait_for(lambda: w.state(job_id) is JobState.COMPLETED)
        path = w.dest / "k.bin"
        assert _sha(path) == hashlib.sha256(body).hexdigest()
        assert server.bytes_served("/k.bin") < 2 * len(body)  # resumed, not restarted
        assert any("Reconnected" in line for line in w.lines)

    run(scenario)


def test_start_times_when_done_plans_and_the_finish_countdown_go_through_the_service(
    run: Any, server: FaultServer
) -> None:
    from datetime import datetime, timedelta

    from app.store.plans import OnComplete

    server.add_file("/s.bin", b"s" * 50_000)

    async def scenario(w: Window) -> None:
        assert w.window is not None
        schedule = w.window.schedule_ui  # type: ignore[attr-defined]
        quits: list[bool] = []
        w.window.quit_requested.connect(lambda: quits.append(True))
        other = connect(w.data, "test")
        assert other is not None
        with other:
            other.call("settings.set", values={"on_finish": "quit"})
        await w.wait_for(lambda: w.window is not None and w.window.options.on_finish == "quit")
        out = w.controller.add(AddRequest([server.url("/s.bin")], str(w.dest), start=False))
        (job_id,) = out.done
        later = (datetime.now() + timedelta(hours=2)).replace(microsecond=0)
        schedule.set_start_at([job_id], later)
        schedule.set_on_complete([job_id], OnComplete("run", ("true",)))
        await w.wait_for(lambda: w.state(job_id) is JobState.QUEUED)
        job = w.model.job(job_id)
        assert job is not None and schedule.waiting_text(job)  # held by its own start time
        again = connect(w.data, "test")
        assert again is not None
        with again:
            (plan,) = again.call("plans.get")["plans"]
        assert plan == {
            "id": job_id,
            "start_at": int(later.timestamp()),
            "on_complete": {"action": "run", "argv": ["true"]},
        }
        schedule.set_start_at([job_id], None)  # start now: it completes, the queue finishes
        await w.wait_for(lambda: w.state(job_id) is JobState.COMPLETED)
        await w.wait_for(lambda: schedule.prompt is not None and schedule.prompt.isVisible())
        assert "quits" in schedule.prompt.label.text()
        schedule.prompt.now_button.click()  # the service acts: Tether (this window) quits
        await w.wait_for(lambda: bool(quits))

    run(scenario)
