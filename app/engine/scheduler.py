"""The queue's clock: queue hours, per-job start times and the speed-limit schedule, applied
to a running Engine with one timer armed for the next change (no polling loop).

What to do is decided by the pure functions of app/engine/schedule.py; this object only asks
them at the right moments (attach, a setting changed, a start time set, the timer fired) and
carries the answer out: queued jobs that may not start stay queued (the engine asks
`may_start`), running ones that may no longer run go back to the queue (so they, and only
they, continue when the hours open again: jobs the user paused stay paused), and the speed
limit in force is applied live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from app.engine.engine import Engine
from app.engine.events import EngineEvent, EventKind
from app.engine.schedule import Window, decide, limit_at, may_start, starts_at, when_text
from app.store.models import Job, JobState
from app.store.plans import JobPlans

log = logging.getLogger("tether.schedule")

Clock = Callable[[], datetime]
# A wall clock jumps (suspend, NTP, DST) while loop timers run on a monotonic one: looking
# again at least this often keeps a late wake bounded. It re-arms; it never polls state.
MAX_SLEEP_S = 3600.0


class Handle(Protocol):
    def cancel(self) -> None: ...


CallLater = Callable[[float, Callable[[], None]], Handle]


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """Queue hours (None: always open) and a speed limit for a time window."""

    hours: Window | None = None
    speed: Window | None = None
    speed_limit: int | None = None  # bytes/s in force inside `speed`; None: unlimited


class QueueScheduler:
    """`install()` before `engine.start()`, `attach()` after it. `clock` and `call_later` are
    injectable so tests drive time by hand."""

    def __init__(
        self,
        engine: Engine,
        config: ScheduleConfig,
        *,
        plans: JobPlans | None = None,
        clock: Clock = datetime.now,
        call_later: CallLater | None = None,
    ) -> None:
        self._engine = engine
        self._config = config
        self._plans = plans
        self._clock = clock
        self._call_later = call_later
        self._handle: Handle | None = None
        self.wake_at: datetime | None = None  # when the armed timer fires (for tests, status)
        self._start_at: dict[int, datetime] = {}
        if plans is not None:
            self._start_at = {
                jid: datetime.fromtimestamp(ts) for jid, ts in plans.start_times().items()
            }

    # ---- lifecycle ----------------------------------------------------------------------

    def install(self) -> None:
        """Before `engine.start()`: then jobs held by the schedule don't start on the way up."""
        self._engine.set_policy(self)

    def attach(self) -> None:
        """After `engine.start()`: look at the clock now and from then on."""
        if self._call_later is None:
            self._call_later = asyncio.get_running_loop().call_later
        self._engine.add_listener(self._on_event)
        self.update()

    def detach(self) -> None:
        self._disarm()
        self._engine.remove_listener(self._on_event)
        self._engine.set_policy(None)

    # ---- commands -----------------------------------------------------------------------

    @property
    def config(self) -> ScheduleConfig:
        return self._config

    def set_config(self, config: ScheduleConfig) -> None:
        self._config = config
        self.update()

    def set_start_at(self, job_id: int, when: datetime | None) -> None:
        """A job's own start time (None: it follows the queue hours again); kept in the store."""
        if when is None:
            self._start_at.pop(job_id, None)
        else:
            self._start_at[job_id] = when
        if self._plans is not None:
            self._plans.set_start_at(job_id, None if when is None else when.timestamp())
        self.update()

    def start_at(self, job_id: int) -> datetime | None:
        return self._start_at.get(job_id)

    def waiting_until(self, job: Job) -> datetime | None:
        """For a queued job the schedule holds: when it may start (the row's "starts at")."""
        if job.state is not JobState.QUEUED or self._engine.is_running(job.id):
            return None
        return starts_at(self._clock(), self._config.hours, self._start_at.get(job.id))

    def waiting_text(self, job: Job) -> str | None:
        when = self.waiting_until(job)
        return None if when is None else when_text(self._clock(), when)

    # ---- the engine's policy ------------------------------------------------------------

    def may_start(self, job: Job) -> bool:
        return may_start(self._clock(), self._config.hours, self._start_at.get(job.id))

    def speed_limit(self, base: int | None) -> int | None:
        c = self._config
        return limit_at(self._clock(), c.speed, c.speed_limit, base)

    # ---- the one timer ------------------------------------------------------------------

    def update(self) -> None:
        """Look at the clock: stop what may not run, start what may, arm the next wake."""
        now = self._clock()
        engine = self._engine
        running = engine.running_ids()
        waiting = [j.id for j in engine.jobs() if j.state is JobState.QUEUED]
        d = decide(now, self._config.hours, self._start_at, waiting, running, self._config.speed)
        for job_id in sorted(d.stop):
            self._send_back(job_id, now)
        engine.set_policy(self)  # the limit in force now, and start what may start
        self._arm(d.wake, now)

    def _send_back(self, job_id: int, now: datetime) -> None:
        """Stop a running job and queue it again: it continues when the schedule allows."""
        when = starts_at(now, self._config.hours, self._start_at.get(job_id))
        note = f"; continues {when_text(now, when)}" if when is not None else ""
        with contextlib.suppress(Exception):
            self._engine.store.add_log(job_id, f"paused by the queue hours{note}")
        log.info("job %d: outside the queue hours%s", job_id, note)
        self._engine.pause(job_id)
        self._engine.resume(job_id)  # while it winds down: back to "queued" once stopped

    def _arm(self, wake: datetime | None, now: datetime) -> None:
        self._disarm()
        self.wake_at = wake
        if wake is None or self._call_later is None:
            return
        delay = min(MAX_SLEEP_S, max(0.0, (wake - now).total_seconds()))
        self._handle = self._call_later(delay, self._on_timer)

    def _disarm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _on_timer(self) -> None:
        self._handle = None
        self.update()

    def _on_event(self, event: EngineEvent) -> None:
        if event.kind is EventKind.REMOVED and event.job_id in self._start_at:
            del self._start_at[event.job_id]
            self.update()
            return
        job = event.job
        if event.kind is not EventKind.CHANGED or job is None or job.state is not JobState.QUEUED:
            return
        # A job with its own time queued again (resumed, or its retry came due): make sure
        # the timer wakes the queue at that time.
        when = self._start_at.get(job.id)
        now = self._clock()
        if when is not None and when > now and (self.wake_at is None or when < self.wake_at):
            self._arm(when, now)
