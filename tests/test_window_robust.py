"""The window over a service that hangs (SIGSTOP) or is stopped on request: the window's
thread never waits long, says so in one line, recovers, and does not undo a requested stop.

Same harness as tests/test_window_client.py: the window's parts in this process, a real
`tether service` process.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.service.ondemand import lock_is_free
from app.store.models import JobState
from app.ui.controller import AddRequest
from tests.engine_helpers import MIB, payload
from tests.support.faultserver import FaultServer
from tests.test_window_client import Window, run, tether

__all__ = ["run"]  # the fixture, shared with test_window_client

DEADLINE_S = 2.0  # each command from the window's thread, with the service frozen


def _timed(action: Callable[[], Any]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def _count(w: Window, word: str) -> int:
    return len([line for line in w.lines if word in line])


def test_a_frozen_service_never_freezes_the_window_and_commands_land_after_it_wakes(
    run: Any, server: FaultServer
) -> None:
    body = payload(4 * MIB, seed=3)
    server.add_file("/slow.bin", body)
    server.files["/slow.bin"].rate = 64 << 10  # minutes: still running when we look

    async def scenario(w: Window) -> None:
        assert w.window is not None and w.link is not None
        out = w.controller.add(AddRequest([server.url("/slow.bin")], str(w.dest), connections=1))
        (job_id,) = out.done
        await w.wait_for(lambda: w.state(job_id) is JobState.DOWNLOADING)
        await w.wait_for(lambda: bool(w.link and w.link.engine and w.link.engine.progress()))
        pid = w.service_pid

        async def freeze(round_: int) -> None:
            assert w.window is not None and w.link is not None
            spare = w.controller.add(
                AddRequest([server.url(f"/spare{round_}.bin")], str(w.dest), start=False)
            ).done[0]
            await w.wait_for(lambda: w.state(job_id) is JobState.DOWNLOADING)
            os.kill(pid, signal.SIGSTOP)
            try:
                assert w.link.engine is not None
                elapsed = [
                    _timed(lambda: w.controller.pause([job_id])),
                    # a row click with the details panel open: its log from the cache
                    _timed(lambda: w.controller.job_history(job_id)),
                    _timed(lambda: w.controller.remove([spare])),
                    _timed(lambda: w.controller.set_url(job_id, "not a url")),
                ]
                assert max(elapsed) < DEADLINE_S, elapsed
                await w.wait_for(lambda: _count(w, "not answering") == round_ + 1, 5)
                # the speed goes blank rather than freezing at its last value
                assert w.link.engine.progress() == {}
                assert w.window.service_status.kind == "stalled"  # type: ignore[attr-defined]
                assert w.window.service_status.label.isVisibleTo(w.window)  # type: ignore[attr-defined]
                # an add waits for nothing either: it is refused at once, not queued
                added = w.controller.add(AddRequest([server.url("/never.bin")], str(w.dest)))
                assert not added.done and added.errors
                await asyncio.sleep(0.5)
                assert w.state(job_id) is JobState.DOWNLOADING  # nothing happened yet
            finally:
                os.kill(pid, signal.SIGCONT)
            await w.wait_for(lambda: _count(w, "answering again") == round_ + 1)
            assert _count(w, "not answering") == round_ + 1  # one line, not one per command
            assert w.window.service_status.kind == ""  # type: ignore[attr-defined]
            # what was asked during the freeze happened, and the refusal was said
            await w.wait_for(lambda: w.state(job_id) is JobState.PAUSED)
            await w.wait_for(lambda: w.model.job(spare) is None)
            await w.wait_for(lambda: _count(w, "refused") == round_ + 1)
            assert not [j for j in w.model.jobs() if j.url.endswith("/never.bin")]
            assert w.link.reconnects == 0 and w.service_pid == pid
            w.controller.resume([job_id])

        for round_ in range(2):  # twice in one session
            await freeze(round_)
        await w.wait_for(lambda: w.state(job_id) is JobState.DOWNLOADING)

    run(scenario)


def test_tether_service_stop_is_not_undone_by_the_window_but_a_crash_is(
    run: Any, tmp_path: Path
) -> None:
    async def scenario(w: Window) -> None:
        loop = asyncio.get_running_loop()
        assert w.window is not None and w.link is not None
        status = w.window.service_status  # type: ignore[attr-defined]

        async def stop_and_start(round_: int) -> None:
            assert w.window is not None and w.link is not None
            stopped = await loop.run_in_executor(
                None, functools.partial(tether, "service", "stop", data=w.data)
            )
            assert stopped.returncode == 0, stopped.stderr
            await w.wait_for(lambda: _count(w, "was stopped") == round_ + 1)
            assert w.link.stopped and status.kind == "stopped"
            assert status.start_button.isVisibleTo(w.window)
            await asyncio.sleep(2.0)  # the window's old reflex would have restarted it by now
            assert lock_is_free(w.data) and w.link.reconnects == round_
            assert _count(w, "restarting") == round_  # only the restarts the user asked for
            status.start_button.click()  # the user starts it again
            await w.wait_for(lambda: w.link is not None and w.link.reconnects == round_ + 1)
            assert not w.link.stopped and status.kind == ""
            assert not status.start_button.isVisibleTo(w.window)
            out = w.controller.add(
                AddRequest(["https://example.com/x.iso"], str(w.dest), start=False)
            )
            assert out.done, out.errors  # the new service takes commands

        for round_ in range(2):  # twice in one session
            await stop_and_start(round_)
        # a crash sends no word: the window restarts the service as before, by itself
        before = _count(w, "restarting")
        os.kill(w.service_pid, signal.SIGKILL)
        await w.wait_for(lambda: w.link is not None and w.link.reconnects == 3)
        assert _count(w, "restarting") == before + 1 and _count(w, "was stopped") == 2
        assert not w.link.stopped

    run(scenario)


def test_the_service_line_stays_until_its_state_ends_and_says_each_thing_once(
    qapp: Any,
) -> None:
    from PySide6.QtWidgets import QStatusBar

    from app.ui.service_status import ServiceStatus

    bar = QStatusBar()
    restarts: list[bool] = []

    def restart() -> bool:
        restarts.append(True)
        return True

    status = ServiceStatus(bar, restart)
    status.show("answering", "")  # answering without a stall before: nothing to say
    assert bar.currentMessage() == "" and status.label.isHidden()
    for _ in range(2):
        status.show("stalled", "")
        assert status.kind == "stalled" and "not answering" in status.label.text()
        bar.showMessage("Could not pause: something")  # a bulk action's note on top
        assert "not answering" in status.label.text()  # the lasting line is not hidden by it
        status.show("answering", "")
        assert status.kind == "" and status.label.isHidden()
        assert "answering again" in bar.currentMessage()
        status.show("refused", "set_url: not a URL: 'x'")
        assert bar.currentMessage().endswith("set_url: not a URL: 'x'")
        status.show("stopped", "the service closed the connection")
        assert status.kind == "stopped" and not status.start_button.isHidden()
        assert "was stopped" in status.label.text()
        status.start_button.click()
        assert status.kind == "" and status.start_button.isHidden()
    assert restarts == [True, True]
    bar.deleteLater()


def test_refresh_address_says_at_once_when_the_browser_finds_no_fresh_link(run: Any) -> None:
    from app.service.client import connect
    from app.ui.refresh import WAIT_S, Step

    async def scenario(w: Window) -> None:
        loop = asyncio.get_running_loop()
        assert w.window is not None and w.link is not None
        browser = connect(w.data, "browser-host")  # a browser's native host, as the watcher is
        assert browser is not None
        with browser:
            browser.call("subscribe", progress=False, browser=True)
            answer = w.link.call(
                "add",
                url="http://127.0.0.1:9/f.bin",
                dir=str(w.dest),
                start=False,
                context={"referrer": "https://pages.example.com/f"},
            )
            job_id = int(answer["job"]["id"])
            await w.wait_for(lambda: w.model.job(job_id) is not None)
            for _ in range(2):
                dialog = w.window.extras.refresh.start(job_id)
                assert dialog is not None and dialog.step is Step.ASKING
                started = loop.time()
                note = await loop.run_in_executor(None, browser.next_notification, 5.0)
                while note is not None and note.get("method") != "recapture":
                    note = await loop.run_in_executor(None, browser.next_notification, 5.0)
                assert note is not None and note["params"]["job"]["id"] == job_id
                # the extension found nothing on the page: it says so through its host
                await loop.run_in_executor(
                    None, functools.partial(browser.call, "recapture.none", id=job_id)
                )
                await w.wait_for(lambda d=dialog: d.step is Step.NOT_FOUND, 10)  # type: ignore[misc]
                assert loop.time() - started < WAIT_S / 3
                assert "no fresh link" in dialog.status_label.text()
                dialog.reject()
                await w.wait_for(lambda: job_id not in w.window.extras.refresh.dialogs)  # type: ignore[union-attr]

    run(scenario)
