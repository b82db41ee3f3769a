"""The scheduler and when-done plans as the window sees them, kept by the service.

Stands where the window used to hold the Automation (app/ui/schedule_ui.py uses the same
names): `scheduler.start_at/set_start_at/waiting_text`, `completion.plan/set_plan/expect`,
`quit_app`, `on_countdown`. The plans are a cache loaded once (`plans.get`) and written through
(`plans.set`); a row's "starts at" is worked out here from the same pure rules the service's
scheduler follows. The service runs the queue's finish countdown and tells the window
(`finish.countdown`); the window's copy only shows it: its Cancel and Now go back to the
service.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from app.engine.errors import BadInput
from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.onfinish import CallLater, Countdown, FinishAction
from app.engine.schedule import starts_at, when_text
from app.engine.scheduler import ScheduleConfig
from app.engine.urls import redact, validate_url
from app.options import Options
from app.service.plans import plan_wire
from app.store.models import Job, JobState
from app.store.plans import OnComplete
from app.store.secrets import split_userinfo

log = logging.getLogger("tether.service")

Call = Callable[..., Any]


def _quiet(call: Call, method: str) -> None:
    try:
        call(method)
    except Exception as exc:  # the service is gone: its countdown went with it
        log.info("%s not delivered: %s", method, exc)


class MirroredCountdown(Countdown):
    """The service's countdown, shown here: at 0 or on Now it asks the service to act now
    (a no-op if it already did), and Cancel cancels it there."""

    def __init__(self, seconds: int, call: Call, call_later: CallLater | None = None) -> None:
        super().__init__(
            seconds, lambda _left: None, lambda: _quiet(call, "finish.now"), call_later
        )
        self._call = call

    def cancel(self) -> None:
        if self.running:
            _quiet(self._call, "finish.cancel")
        super().cancel()


class RemoteScheduler:
    """Per-job start times (cached, written through) and the rows' "starts at" text."""

    def __init__(
        self,
        call: Call,
        config: ScheduleConfig,
        progress: Callable[[], Mapping[int, Progress]],
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self._call = call
        self.config = config
        self._progress = progress
        self._clock = clock
        self._start_at: dict[int, datetime] = {}

    def start_at(self, job_id: int) -> datetime | None:
        return self._start_at.get(job_id)

    def set_start_at(self, job_id: int, when: datetime | None) -> None:
        self._call(
            "plans.set", ids=[job_id], start_at=None if when is None else int(when.timestamp())
        )
        if when is None:
            self._start_at.pop(job_id, None)
        else:
            self._start_at[job_id] = when

    def waiting_until(self, job: Job) -> datetime | None:
        if job.state is not JobState.QUEUED or job.id in self._progress():
            return None
        return starts_at(self._clock(), self.config.hours, self._start_at.get(job.id))

    def waiting_text(self, job: Job) -> str | None:
        when = self.waiting_until(job)
        return None if when is None else when_text(self._clock(), when)


class RemoteCompletion:
    """Per-job when-done actions (cached, written through); `expect` plans jobs being added."""

    def __init__(self, call: Call) -> None:
        self._call = call
        self._plans: dict[int, OnComplete] = {}
        self._expected: dict[str, OnComplete] = {}

    def plan(self, job_id: int) -> OnComplete | None:
        return self._plans.get(job_id)

    def set_plan(self, job_id: int, plan: OnComplete | None) -> None:
        wire = plan_wire(None, plan) or {"on_complete": None}
        self._call("plans.set", ids=[job_id], **wire)
        if plan is None:
            self._plans.pop(job_id, None)
        else:
            self._plans[job_id] = plan

    def expect(self, urls: Sequence[str], plan: OnComplete | None) -> None:
        """The Add dialog's "when done": for the jobs these URLs are about to become."""
        if plan is None:
            return
        for url in urls:
            # keyed by the URL the job will carry on the wire: the engine's cleaned one,
            # its login split off to the secrets (jobstore.add_job), then redacted (views.py)
            try:
                kept = split_userinfo(validate_url(url))[0]
            except BadInput:
                continue  # refused by `add` too: no job will come for it
            self._expected[redact(kept)] = plan

    def on_event(self, event: EngineEvent) -> None:
        if event.kind is EventKind.ADDED and event.job is not None:
            plan = self._expected.pop(event.job.url, None)
            if plan is not None:
                try:
                    self.set_plan(event.job_id, plan)
                except Exception as exc:
                    log.warning("when-done plan for job %s not saved: %s", event.job_id, exc)
        elif event.kind is EventKind.REMOVED:
            self._plans.pop(event.job_id, None)


class RemoteAutomation:
    """See the module docstring. Feed it the window's events and notices."""

    def __init__(
        self,
        call: Call,
        options: Options,
        progress: Callable[[], Mapping[int, Progress]],
        call_later: CallLater | None = None,
    ) -> None:
        self._call = call
        self._call_later = call_later
        self.scheduler = RemoteScheduler(call, options.schedule_config(), progress)
        self.completion = RemoteCompletion(call)
        self.quit_app: Callable[[], None] = lambda: None
        self.on_countdown: Callable[[Countdown, FinishAction], None] | None = None
        self.countdown: Countdown | None = None

    def load(self) -> None:
        """The plans as the service has them (start-up, and after a reconnection)."""
        plans = self._call("plans.get")["plans"]
        self.scheduler._start_at.clear()
        self.completion._plans.clear()
        for entry in plans:
            job_id = int(entry["id"])
            if entry.get("start_at") is not None:
                self.scheduler._start_at[job_id] = datetime.fromtimestamp(entry["start_at"])
            raw = entry.get("on_complete")
            if isinstance(raw, dict):
                with contextlib.suppress(ValueError, TypeError):
                    self.completion._plans[job_id] = OnComplete(
                        raw["action"], tuple(raw.get("argv") or ())
                    )

    def apply_options(self, options: Options) -> None:
        self.scheduler.config = options.schedule_config()

    def on_event(self, event: EngineEvent) -> None:
        self.completion.on_event(event)
        if event.kind is EventKind.REMOVED:
            self.scheduler._start_at.pop(event.job_id, None)

    def on_notice(self, method: str, params: Mapping[str, Any]) -> None:
        if method == "finish.countdown":
            try:
                action = FinishAction(str(params.get("action")))
                seconds = int(params.get("seconds") or 0)
            except (ValueError, TypeError):
                return
            if self.countdown is not None:
                self.countdown.cancelled = True  # a new one replaces it (no cancel sent)
            countdown = MirroredCountdown(seconds, self._call, self._call_later)
            self.countdown = countdown
            if self.on_countdown is not None:
                self.on_countdown(countdown, action)
            countdown.start()
        elif method == "finish.quit":
            self.quit_app()
