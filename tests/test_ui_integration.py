"""The window with the real engine on qasync's loop and a real local HTTP server behind it:
add, pause, resume, remove and retry through the same actions a user clicks."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

import qasync
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication

from app.engine.engine import Engine
from app.options import Options
from app.paths import database_path
from app.store import JobStore
from app.store.models import JobState
from app.ui.controller import AddRequest, Controller
from app.ui.mainwindow import MainWindow
from app.ui.model import Column, JobTableModel
from tests.support.faultserver import FaultServer


class Harness:
    """What run_gui builds, minus the process: store, engine, controller, window."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.dest = tmp / "downloads"
        self.dest.mkdir()
        self.store = JobStore.open(database_path(tmp / "data"))
        self.model = JobTableModel()
        self.controller = Controller(self.model)
        self.engine = Engine(self.store, on_event=self.controller.on_engine_event)
        self.window: MainWindow | None = None

    async def start(self) -> MainWindow:
        await self.engine.start()
        self.controller.attach(self.engine)
        self.window = MainWindow(self.controller, self.store, Options(download_dir=str(self.dest)))
        self.window.show()
        return self.window

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out")
            await asyncio.sleep(0.02)

    def state(self, job_id: int) -> JobState | None:
        job = self.model.job(job_id)
        return None if job is None else job.state

    def select(self, job_id: int) -> None:
        assert self.window is not None
        row = self.model.row_of(job_id)
        assert row is not None
        index = self.window.proxy.mapFromSource(self.model.index(row, 0))
        self.window.view.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    async def close(self) -> None:
        self.controller.detach()
        await self.engine.shutdown()
        if self.window is not None:
            self.window.request_quit()
            self.window.close()
            self.window.deleteLater()
        self.store.close()


@pytest.fixture
def run(qapp: QApplication, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    def runner(test: Callable[[Harness], Coroutine[Any, Any, None]]) -> None:
        harness = Harness(tmp_path)

        async def main() -> None:
            try:
                await harness.start()
                await asyncio.wait_for(test(harness), 60)
            finally:
                await harness.close()

        loop.run_until_complete(main())

    yield runner
    loop.close()
    asyncio.set_event_loop(None)


def test_add_pause_resume_complete_through_actions(run: Any, server: FaultServer) -> None:
    payload = os.urandom(3 << 20)
    server.add_file("/movie.mkv", payload)
    spec = server.files["/movie.mkv"]
    spec.rate = 400_000

    async def scenario(h: Harness) -> None:
        window = h.window
        assert window is not None
        window.commands.add.trigger()
        dialog = window.add_dialog
        assert dialog is not None
        dialog.urls_edit.setPlainText(server.url("/movie.mkv"))
        dialog.folder.set_path(str(h.dest))
        dialog.connections.setValue(4)
        dialog.accept()
        await h.wait_for(lambda: h.model.rowCount() == 1)
        job_id = h.model.job_at(0).id
        await h.wait_for(lambda: (p := h.model.progress_of(job_id)) is not None and p.done > 0)
        assert h.controller.is_polling()

        h.select(job_id)
        assert window.commands.pause.isEnabled()
        window.commands.pause.trigger()
        await h.wait_for(lambda: h.state(job_id) is JobState.PAUSED)
        paused = h.model.job(job_id)
        assert paused is not None and 0 < paused.done < len(payload)
        await h.wait_for(lambda: not h.controller.is_polling())
        served_at_pause = server.bytes_served("/movie.mkv")

        spec.rate = None
        window.commands.resume.trigger()
        await h.wait_for(lambda: h.state(job_id) is JobState.COMPLETED)
        done = h.model.job(job_id)
        assert done is not None and done.path is not None
        assert (
            hashlib.sha256(Path(done.path).read_bytes()).digest()
            == hashlib.sha256(payload).digest()
        )
        # Resume continued where it stopped instead of starting over.
        assert server.bytes_served("/movie.mkv") - served_at_pause < len(payload)
        assert window.filters.button("completed").text().endswith("1")

        h.select(job_id)
        window.commands.remove_with_file.trigger()
        box = window.question
        assert box is not None
        next(b for b in box.buttons() if b.text() == "Delete Files").click()
        await h.wait_for(lambda: h.model.rowCount() == 0)
        assert not Path(done.path).exists()

    run(scenario)


def test_failed_download_shows_reason_and_retry_with_new_url(run: Any, server: FaultServer) -> None:
    payload = os.urandom(200_000)
    server.add_file("/mirror/file.iso", payload)

    async def scenario(h: Harness) -> None:
        window = h.window
        assert window is not None
        dialog = window.show_add_dialog([server.url("/gone/file.iso")], dest_dir=str(h.dest))
        dialog.accept()
        await h.wait_for(lambda: h.model.rowCount() == 1)
        job_id = h.model.job_at(0).id
        await h.wait_for(lambda: h.state(job_id) is JobState.FAILED)
        status = h.model.index(h.model.row_of(job_id), Column.STATE).data()
        assert status.startswith("Failed: ")
        assert window.commands.retry.isEnabled()

        props = window.show_properties(job_id)
        assert props is not None and not props.url_edit.isReadOnly()
        props.url_edit.setText(server.url("/mirror/file.iso"))
        props.url_edit.textEdited.emit(props.url_edit.text())
        props.url_button.click()
        await h.wait_for(lambda: h.model.job(job_id).url.endswith("/mirror/file.iso"))
        props.reject()

        window.commands.retry.trigger()
        await h.wait_for(lambda: h.state(job_id) is JobState.COMPLETED)
        job = h.model.job(job_id)
        assert job is not None and job.path is not None
        assert Path(job.path).read_bytes() == payload

    run(scenario)


def test_bad_url_in_add_dialog_is_one_status_message(run: Any) -> None:
    async def scenario(h: Harness) -> None:
        window = h.window
        assert window is not None
        dialog = window.show_add_dialog(["https://"], dest_dir=str(h.dest))
        # "https://" is not a download URL: the dialog does not even offer it.
        assert not dialog.ok_button.isEnabled()
        dialog.reject()
        out = h.controller.add(AddRequest(urls=["gopher://example.com/x"], dest_dir=str(h.dest)))
        assert out.errors and not out.done
        assert "Could not add" in window.status.currentMessage()

    run(scenario)
