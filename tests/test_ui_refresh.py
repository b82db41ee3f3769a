"""The window's "Refresh address…" with the real engine and a local server: the browser is
asked through the service (the same `recapture` the native host passes on), or the user
pastes a link; either way the engine checks by bytes that it is the same file."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMenu

from app.engine.context import RequestContext
from app.service.api import ServiceApi
from app.store.models import Job, JobState
from app.ui.refresh import WAIT_S, Step, after_none_found, first_step, next_step, refreshable
from tests.support.faultserver import FaultServer
from tests.test_ui_integration import Harness, run  # noqa: F401 (a fixture)

REFERRER = "https://pages.example.com/files?token=t0ken"


def test_the_steps_of_a_refresh() -> None:
    assert first_step(None) is Step.NO_BROWSER
    assert first_step({"asked": 2, "reason": None}) is Step.ASKING
    assert first_step({"asked": 0, "reason": "no_browser"}) is Step.NO_BROWSER
    assert first_step({"asked": 0, "reason": "no_referrer"}) is Step.NO_REFERRER
    job = Job(id=1, url="https://h/v1/f", dest_dir="/d", state=JobState.PAUSED, added_at=0.0)
    assert next_step(Step.ASKING, "https://h/v1/f", job, 1.0) is Step.ASKING
    assert next_step(Step.ASKING, "https://h/v1/f", job, WAIT_S) is Step.NOT_FOUND
    assert next_step(Step.ASKING, "https://h/v0/f", job, 1.0) is Step.GOT_LINK
    assert next_step(Step.NO_BROWSER, "https://h/v0/f", job, 1.0) is Step.NO_BROWSER
    # a browser's "no fresh link": not found once every browser asked has said so
    assert after_none_found(Step.ASKING, 1, 1) is Step.NOT_FOUND
    assert after_none_found(Step.ASKING, 2, 1) is Step.ASKING
    assert after_none_found(Step.ASKING, 2, 2) is Step.NOT_FOUND
    assert after_none_found(Step.GOT_LINK, 1, 1) is Step.GOT_LINK
    for state, ok in ((JobState.FAILED, True), (JobState.PAUSED, True),
                      (JobState.DOWNLOADING, False), (JobState.COMPLETED, False)):  # fmt: skip
        job.state = state
        assert refreshable(job) is ok, state


def _menu_action(h: Harness, job_id: int) -> Any:
    assert h.window is not None
    h.select(job_id)
    menu: QMenu = h.window.context_menu()
    [action] = [a for a in menu.actions() if a.objectName() == "action_refresh_address"]
    return action


async def _partial(h: Harness, server: FaultServer, path: str, content: bytes, **add: Any) -> int:
    """A job of `path` stopped (paused) with part of the file on disk."""
    spec = server.add_file(path, content)
    spec.rate = 256 * 1024
    job = h.engine.add(server.url(path), str(h.dest), connections=2, **add)
    await h.wait_for(lambda: (p := h.model.progress_of(job.id)) is not None and p.done > 300_000)
    h.controller.pause([job.id])
    await h.wait_for(lambda: h.state(job.id) is JobState.PAUSED)
    spec.status_always = 403  # the link expired
    return job.id


def test_a_pasted_link_is_checked_by_bytes(run: Any, server: FaultServer) -> None:  # noqa: F811
    content = os.urandom(2_000_000)
    other = os.urandom(len(content))  # same size, other bytes: another file
    server.add_file("/v2/file.bin", content)
    server.add_file("/elsewhere/file.bin", other)

    async def scenario(h: Harness) -> None:
        job_id = await _partial(h, server, "/v1/file.bin", content)
        action = _menu_action(h, job_id)
        assert action.isEnabled() and action.text() == "Refresh Address…"
        action.trigger()
        dialog = h.window.extras.refresh.dialogs[job_id]  # type: ignore[union-attr]
        assert dialog.step is Step.NO_BROWSER  # this window has no service to ask
        assert not dialog.use_button.isEnabled()
        dialog.url_edit.setText("not a link")
        assert not dialog.use_button.isEnabled()
        # a link to another file of the same size: refused by the byte check, data kept
        dialog.url_edit.setText(server.url("/elsewhere/file.bin"))
        dialog.use_button.click()
        await h.wait_for(lambda: h.state(job_id) is JobState.FAILED)
        failed = h.model.job(job_id)
        assert failed is not None and failed.done > 300_000 and failed.error
        assert "same file" in failed.error or "differ" in failed.error, failed.error
        # again, from the failed state, with the right link: it continues and completes
        _menu_action(h, job_id).trigger()
        dialog = h.window.extras.refresh.dialogs[job_id]  # type: ignore[union-attr]
        dialog.url_edit.setText(server.url("/v2/file.bin"))
        dialog.url_edit.returnPressed.emit()
        await h.wait_for(lambda: h.state(job_id) is JobState.COMPLETED)
        done = h.model.job(job_id)
        assert done is not None and done.path is not None
        assert Path(done.path).read_bytes() == content
        assert server.bytes_served("/v2/file.bin") < len(content), "continued, not restarted"
        log = [m for _t, m in h.controller.job_history(job_id)]
        assert any("new link checked" in m for m in log), log

    run(scenario)


def test_the_browser_is_asked_and_its_link_is_used(run: Any, server: FaultServer) -> None:  # noqa: F811
    content = os.urandom(1_500_000)
    server.add_file("/v2/movie.bin", content)

    async def scenario(h: Harness) -> None:
        window = h.window
        assert window is not None
        context = RequestContext.build(referrer=REFERRER, cookies="sid=c00kie")
        job_id = await _partial(h, server, "/v1/movie.bin", content, context=context)
        asked: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()

        def browser(params: dict[str, Any]) -> int:
            """The native host's extension: the page gives a fresh link a moment later."""
            asked.append(params)
            job = params["job"]
            loop.call_later(0.3, lambda: h.engine.set_url(job["id"], server.url("/v2/movie.bin")))
            loop.call_later(0.4, lambda: h.engine.resume(job["id"]))
            return 1

        # the service's own `recapture` (ask_recapture), as the window reaches it over the socket
        api = ServiceApi(h.engine, data_dir=h.tmp / "data", on_stop=lambda: None)
        api.ask_browsers = browser
        window.extras.refresh.ask = api.ask_recapture
        props = window.show_properties(job_id)
        assert props is not None and props.refresh_button.isEnabled()
        props.refresh_button.click()
        dialog = window.extras.refresh.dialogs[job_id]
        assert dialog.step is Step.ASKING
        assert [a["job"]["referrer"] for a in asked] == [REFERRER]
        assert "c00kie" not in str(asked)
        await h.wait_for(lambda: job_id not in window.extras.refresh.dialogs)  # got the link
        await h.wait_for(lambda: h.state(job_id) is JobState.COMPLETED)
        done = h.model.job(job_id)
        assert done is not None and done.path is not None
        assert Path(done.path).read_bytes() == content
        props.refresh()
        assert not props.refresh_button.isEnabled()  # completed: nothing to refresh
        props.reject()
        # the page the job came from stays a secret: never in the list or the history
        log = " ".join(m for _t, m in h.controller.job_history(job_id))
        assert "t0ken" not in log and "new link checked" in log
        for row in range(h.model.rowCount()):
            for col in range(h.model.columnCount()):
                assert "t0ken" not in str(h.model.index(row, col).data())

    run(scenario)
