"""When the queue finishes: nothing, quit Tether, sleep or shut down, after a cancellable
countdown. The power action itself is injected (app/system.py runs the real one): tests never
sleep or shut down anything, and the engine never starts a process itself.

"Finished" means the queue went idle (nothing queued, downloading or retrying, so jobs the
queue hours hold still count as work) after at least one job completed since it was last idle.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from app.engine.events import EngineEvent, EventKind
from app.store.models import JobState

if TYPE_CHECKING:
    from app.engine.engine import Engine

log = logging.getLogger("tether.finish")

COUNTDOWN_S = 60


class FinishAction(enum.StrEnum):
    NOTHING = "nothing"
    QUIT = "quit"
    SLEEP = "sleep"
    SHUTDOWN = "shutdown"


def power_command(action: FinishAction, platform: str = sys.platform) -> list[str] | None:
    """The system's command for sleep or shut down (None for the others)."""
    if action is FinishAction.SLEEP:
        if platform == "win32":
            return ["rundll32.exe", "powrprof.dll,SetSuspendState", "0,1,0"]
        if platform == "darwin":
            return ["pmset", "sleepnow"]
        return ["systemctl", "suspend"]  # logind: allowed for the active local session
    if action is FinishAction.SHUTDOWN:
        if platform == "win32":
            return ["shutdown", "/s", "/t", "0"]
        if platform == "darwin":
            return ["osascript", "-e", 'tell app "System Events" to shut down']
        return ["systemctl", "poweroff"]
    return None


PowerRunner = Callable[[list[str]], None]


class Handle(Protocol):
    def cancel(self) -> None: ...


CallLater = Callable[[float, Callable[[], None]], Handle]


class Countdown:
    """Ticks once a second from `seconds` to 0, then fires; `cancel()` stops it for good."""

    def __init__(
        self,
        seconds: int,
        on_tick: Callable[[int], None],
        on_fire: Callable[[], None],
        call_later: CallLater | None = None,
    ) -> None:
        self.left = seconds
        self.on_tick = on_tick
        self._on_fire = on_fire
        self._call_later = call_later or asyncio.get_running_loop().call_later
        self._handle: Handle | None = None
        self.cancelled = False
        self.fired = False

    def start(self) -> None:
        self.on_tick(self.left)
        self._next()

    def _next(self) -> None:
        if self.left <= 0:
            self.fired = True
            self._on_fire()
            return
        self._handle = self._call_later(1.0, self._tick)

    def _tick(self) -> None:
        if self.cancelled:
            return
        self.left -= 1
        self.on_tick(self.left)
        self._next()

    def finish_now(self) -> None:
        """Skip the rest of the countdown and act now (the prompt's "Now")."""
        if not self.running:
            return
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.left = 0
        self.on_tick(0)
        self.fired = True
        self._on_fire()

    def cancel(self) -> None:
        self.cancelled = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    @property
    def running(self) -> bool:
        return not (self.cancelled or self.fired)


def perform(action: FinishAction, runner: PowerRunner, quit_app: Callable[[], None]) -> None:
    """What the countdown does at 0."""
    if action is FinishAction.QUIT:
        quit_app()
        return
    argv = power_command(action)
    if argv is not None:
        log.info("queue finished: %s", " ".join(argv))
        runner(argv)


class FinishWatcher:
    """Calls `on_finished()` each time the queue finishes (see the module docstring)."""

    def __init__(self, engine: Engine, on_finished: Callable[[], None]) -> None:
        self._engine = engine
        self._on_finished = on_finished
        self._completed = False
        self._check_pending = False

    def attach(self) -> None:
        self._engine.add_listener(self._on_event)

    def detach(self) -> None:
        self._engine.remove_listener(self._on_event)

    def _on_event(self, event: EngineEvent) -> None:
        if event.kind is not EventKind.CHANGED or event.job is None:
            return
        if event.job.state is JobState.COMPLETED:
            self._completed = True
        if self._completed and not self._check_pending:
            # One check per turn of the loop: a job ending starts the next in the same turn.
            self._check_pending = True
            asyncio.get_running_loop().call_soon(self._check)

    def busy(self) -> bool:
        return bool(self._engine.running_ids()) or any(
            j.state in JobState.ACTIVE for j in self._engine.jobs()
        )

    def _check(self) -> None:
        self._check_pending = False
        if self._completed and not self.busy():
            self._completed = False
            self._on_finished()
