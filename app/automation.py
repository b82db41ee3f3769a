"""Scheduler and power, wired to one engine from the stored options: queue hours and per-job
start times, the speed-limit schedule, keeping the computer awake, per-job actions when a job
completes, and the countdown when the queue finishes. The window and the CLI both use it.

`install()` before `engine.start()` (held jobs must not start on the way up), `attach()`
after it, `apply_options()` whenever the settings change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from app.engine.awake import Inhibitor, KeepAwake
from app.engine.oncomplete import CompletionActions, Runner
from app.engine.onfinish import (
    COUNTDOWN_S,
    CallLater,
    Countdown,
    FinishAction,
    FinishWatcher,
    PowerRunner,
    perform,
)
from app.engine.scheduler import QueueScheduler
from app.options import Options
from app.store.jobstore import JobStore
from app.store.plans import JobPlans, OnComplete
from app.system import open_path, run_power_command, spawn, system_inhibitor

if TYPE_CHECKING:
    from app.engine.engine import Engine


class Automation:
    """One per engine. `on_countdown(countdown, action)` lets a front end show the countdown;
    `quit_app` is what "quit Tether" does."""

    def __init__(
        self,
        engine: Engine,
        store: JobStore,
        options: Options,
        *,
        schedule: bool = True,
        inhibitor: Inhibitor | None = None,
        power_runner: PowerRunner = run_power_command,
        opener: Callable[[str], None] = open_path,
        runner: Runner = spawn,
        clock: Callable[[], datetime] = datetime.now,
        call_later: CallLater | None = None,
        countdown_s: int = COUNTDOWN_S,
    ) -> None:
        self.engine = engine
        self.plans = JobPlans(store)
        self.scheduler: QueueScheduler | None = None
        if schedule:
            self.scheduler = QueueScheduler(
                engine,
                options.schedule_config(),
                plans=self.plans,
                clock=clock,
                call_later=call_later,
            )
        self.awake = KeepAwake(
            engine, inhibitor if inhibitor is not None else system_inhibitor(), enabled=False
        )
        self.completion = CompletionActions(engine, self.plans, opener=opener, runner=runner)
        self.watcher = FinishWatcher(engine, self._queue_finished)
        self.finish_action = FinishAction(options.on_finish)
        self.power_runner = power_runner
        self.quit_app: Callable[[], None] = lambda: None
        self.on_countdown: Callable[[Countdown, FinishAction], None] | None = None
        self.countdown: Countdown | None = None
        self._call_later = call_later
        self._countdown_s = countdown_s
        self._keep_awake = options.keep_awake

    def install(self) -> None:
        if self.scheduler is not None:
            self.scheduler.install()

    def attach(self) -> None:
        if self.scheduler is not None:
            self.scheduler.attach()
        self.awake.attach()
        self.awake.set_enabled(self._keep_awake)
        self.completion.attach()
        self.watcher.attach()

    def detach(self) -> None:
        self.cancel_countdown()
        self.watcher.detach()
        self.completion.detach()
        self.awake.detach()
        if self.scheduler is not None:
            self.scheduler.detach()

    def apply_options(self, options: Options) -> None:
        if self.scheduler is not None:
            self.scheduler.set_config(options.schedule_config())
        self._keep_awake = options.keep_awake
        self.awake.set_enabled(options.keep_awake)
        self.finish_action = FinishAction(options.on_finish)

    def plan_new_job(
        self, job_id: int, start_at: datetime | None, on_complete: OnComplete | None, start: bool
    ) -> None:
        """A job just added paused (so it can't start early): its start time and when-done
        action, then queued if it was meant to start."""
        if start_at is not None and self.scheduler is not None:
            self.scheduler.set_start_at(job_id, start_at)
        if on_complete is not None:
            self.completion.set_plan(job_id, on_complete)
        if start:
            self.engine.resume(job_id)

    # ---- the queue finished --------------------------------------------------------------

    def _queue_finished(self) -> None:
        if self.finish_action is FinishAction.NOTHING:
            return
        self.start_countdown(self.finish_action)

    def start_countdown(self, action: FinishAction) -> Countdown:
        self.cancel_countdown()
        countdown = Countdown(
            self._countdown_s,
            lambda _left: None,
            lambda: perform(action, self.power_runner, self.quit_app),
            self._call_later,
        )
        self.countdown = countdown
        if self.on_countdown is not None:
            self.on_countdown(countdown, action)  # it may wrap on_tick before the first tick
        countdown.start()
        return countdown

    def cancel_countdown(self) -> None:
        if self.countdown is not None:
            self.countdown.cancel()
            self.countdown = None
