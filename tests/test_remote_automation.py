"""RemoteAutomation (the window's scheduler and when-done plans over the service), pure parts:
what it sends, the rows' "starts at", the mirrored finish countdown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.onfinish import FinishAction
from app.engine.urls import validate_url
from app.options import Options
from app.service.remote_automation import RemoteAutomation
from app.service.views import job_dict, job_from_dict
from app.store.jobstore import JobStore
from app.store.models import Job, JobState
from app.store.plans import OnComplete


class Wire:
    def __init__(self, plans: list[dict[str, Any]] | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.plans = plans or []

    def __call__(self, method: str, **params: Any) -> Any:
        self.sent.append((method, params))
        return {"plans": self.plans} if method == "plans.get" else {}


class Timers:
    def __init__(self) -> None:
        self.due: list[Callable[[], None]] = []

    def __call__(self, _delay: float, fn: Callable[[], None]) -> Any:
        self.due.append(fn)

        class Handle:
            def cancel(self) -> None:
                pass

        return Handle()


def job(job_id: int, state: JobState, url: str = "http://h/f") -> Job:
    return Job(id=job_id, url=url, dest_dir="/d", state=state, added_at=0.0)


def test_plans_load_write_through_and_rows_wait_for_their_start_time() -> None:
    soon = int((datetime.now() + timedelta(hours=3)).timestamp())
    wire = Wire([{"id": 1, "start_at": soon, "on_complete": {"action": "run", "argv": ["true"]}}])
    running: dict[int, Progress] = {}
    auto = RemoteAutomation(wire, Options(), lambda: running)
    auto.load()
    assert auto.completion.plan(1) == OnComplete("run", ("true",))
    assert auto.scheduler.start_at(1) == datetime.fromtimestamp(soon)
    assert auto.scheduler.waiting_text(job(1, JobState.QUEUED))  # held until then
    assert auto.scheduler.waiting_text(job(1, JobState.PAUSED)) is None
    running[1] = Progress(1, 0, None, 0.0, 1, ())
    assert auto.scheduler.waiting_text(job(1, JobState.QUEUED)) is None  # it runs
    auto.scheduler.set_start_at(2, None)
    auto.completion.set_plan(2, None)
    assert wire.sent[-2:] == [
        ("plans.set", {"ids": [2], "start_at": None}),
        ("plans.set", {"ids": [2], "on_complete": None}),
    ]
    auto.on_event(EngineEvent(EventKind.REMOVED, 1))
    assert auto.completion.plan(1) is None and auto.scheduler.start_at(1) is None


@pytest.mark.parametrize(
    "typed",
    [
        "http://user:pw@h/f.iso",  # the login goes to the job's secrets, not its URL
        "http://h/get?next=http://u:p@i/f.iso",  # a URL inside the URL comes back redacted
        "  http://h/f.iso\n",  # as pasted
        "http://h/f.iso",
    ],
)
def test_the_add_dialogs_plan_follows_the_new_job_by_its_url_as_the_service_sends_it(
    tmp_path: Path, typed: str
) -> None:
    store = JobStore.open(tmp_path / "db.sqlite3", use_keyring=False)
    try:
        stored = store.add_job(validate_url(typed), str(tmp_path))
    finally:
        store.close()
    added = job_from_dict(job_dict(stored))  # the ADDED event as the window gets it
    wire = Wire()
    auto = RemoteAutomation(wire, Options(), dict)
    auto.completion.expect([typed], OnComplete("open"))
    auto.on_event(EngineEvent(EventKind.ADDED, added.id, added))
    assert wire.sent[-1] == (
        "plans.set",
        {"ids": [added.id], "on_complete": {"action": "open", "argv": []}},
    )
    assert auto.completion.plan(added.id) == OnComplete("open")
    again = job_from_dict({**job_dict(stored), "id": added.id + 1})
    auto.on_event(EngineEvent(EventKind.ADDED, again.id, again))
    assert len(wire.sent) == 1  # once: the plan was for one job


def test_the_finish_countdown_is_shown_and_answered_on_the_service() -> None:
    wire, timers = Wire(), Timers()
    auto = RemoteAutomation(wire, Options(), dict, call_later=timers)
    shown: list[tuple[int, FinishAction]] = []
    auto.on_countdown = lambda c, a: shown.append((c.left, a))
    quits: list[bool] = []
    auto.quit_app = lambda: quits.append(True)
    auto.on_notice("finish.countdown", {"action": "shutdown", "seconds": 2})
    assert shown == [(2, FinishAction.SHUTDOWN)]
    assert auto.countdown is not None
    auto.countdown.cancel()
    assert wire.sent == [("finish.cancel", {})]
    auto.countdown.cancel()  # once only
    assert wire.sent == [("finish.cancel", {})]
    auto.on_notice("finish.countdown", {"action": "quit", "seconds": 1})
    for fire in list(timers.due)[-1:]:
        fire()  # 1 → 0: the service is asked to act (it may already have)
    assert wire.sent[-1] == ("finish.now", {})
    auto.on_notice("finish.countdown", {"action": "nonsense", "seconds": 1})
    assert len(shown) == 2  # ignored
    auto.on_notice("finish.quit", {})
    assert quits == [True]
