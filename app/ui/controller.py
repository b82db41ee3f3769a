"""The one place the window talks to the engine: operations on jobs, events in, progress polling.

Every method runs on the loop thread (qasync's loop is Qt's main thread), like the engine's.
Failures of single operations are collected into one status-bar message instead of dialogs,
so acting on 500 selected jobs can never produce 500 message boxes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.inputs import KEEP, Keep
from app.requestargs import ContextArgs
from app.store.models import Job, JobState
from app.ui.eta import SpeedSmoother
from app.ui.i18n import reason_text
from app.ui.model import JobTableModel

log = logging.getLogger("tether.ui")

PROGRESS_INTERVAL_MS = 250  # ~4 Hz: smooth enough to read, cheap enough for 10,000 rows


class EngineLike(Protocol):
    """The part of ENGINE_API.md the window uses. mypy checks that app.engine.Engine and the
    UI tests' FakeEngine implement it (tests/support/enginelike.py)."""

    def add(
        self,
        url: str,
        dest_dir: str,
        *,
        connections: int | None = ...,
        sha256: str | None = ...,
        start: bool = ...,
        checksum: str | None = ...,
        file_name: str | None = ...,
    ) -> Job: ...
    def pause(self, job_id: int) -> None: ...
    def resume(self, job_id: int) -> None: ...
    def cancel(self, job_id: int) -> None: ...
    def remove(self, job_id: int, delete_file: bool = ..., keep_partial: bool = ...) -> None: ...
    def retry(self, job_id: int) -> None: ...
    def pause_all(self) -> None: ...
    def resume_all(self) -> None: ...
    def set_url(self, job_id: int, url: str) -> None: ...
    def apply_settings(self, settings: Any) -> None: ...
    def jobs(self) -> list[Job]: ...
    def job(self, job_id: int) -> Job: ...
    def progress(self) -> dict[int, Progress]: ...
    def job_log(self, job_id: int) -> list[tuple[float, str]]: ...
    def configure(
        self,
        job_id: int,
        *,
        connections: int | None = ...,
        speed_limit: int | Keep | None = ...,
    ) -> None: ...
    def move(
        self, job_ids: Iterable[int], move: str, scope: Iterable[int] | None = ...
    ) -> None: ...
    def move_before(
        self, job_ids: Iterable[int], before: int | None, scope: Iterable[int] | None = ...
    ) -> None: ...


@dataclass(slots=True)
class AddRequest:
    urls: list[str]
    dest_dir: str
    connections: int | None = None
    sha256: str | None = None
    start: bool = True
    checksum: str | None = None  # "algo:hex" (any algorithm); for one URL
    # By URL, from an imported list: (folder, file name, checksum); None values use the above.
    # Keyed by URL, so a request whose URLs were filtered (AddFlow's questions) still matches.
    entries: dict[str, tuple[str | None, str | None, str | None]] | None = None
    # The Add dialog's referrer, cookies and headers: each URL's request context (a secret)
    context: ContextArgs | None = None
    # The Add dialog's "When done" (an OnComplete, schedule_ui.py): set on the jobs AddFlow
    # really adds, never on a link the user sent elsewhere at a conflict question
    when_done: Any = None


@dataclass(slots=True)
class Outcome:
    """What a bulk operation did: ids that worked and one line per failure."""

    done: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Controller(QObject):
    """Owns the engine handle, the model feed and the progress timer."""

    message = Signal(str)  # a one-line note for the status bar
    tick = Signal()  # after each progress refresh (status bar, tray tooltip)
    job_log = Signal(int, str)  # (job id, line) from engine LOG events

    def __init__(
        self,
        model: JobTableModel,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.model = model
        self._engine: EngineLike | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(PROGRESS_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh_progress)
        self._smoother = SpeedSmoother()
        model.active_count_changed.connect(self._on_active_count)

    # ---- wiring ----------------------------------------------------------------------------

    @property
    def engine(self) -> EngineLike:
        if self._engine is None:
            raise RuntimeError("engine not attached")
        return self._engine

    def on_engine_event(self, event: EngineEvent) -> None:
        """The engine's on_event callback (loop thread): queue into the model."""
        if event.kind is EventKind.LOG:
            if event.message:
                self.job_log.emit(event.job_id, event.message)
            return
        self.model.queue_event(event)

    def attach(self, engine: EngineLike) -> None:
        """Take the started engine and load its jobs into the model."""
        self._engine = engine
        self.model.flush_events()
        self.model.load(engine.jobs())
        self._on_active_count(self.model.active_count())
        self.refresh_progress()

    def detach(self) -> None:
        self._timer.stop()
        self._engine = None

    def is_polling(self) -> bool:
        return self._timer.isActive()

    def _on_active_count(self, count: int) -> None:
        if self._engine is None:
            return
        if count and not self._timer.isActive():
            self._timer.start()
        elif not count and self._timer.isActive():
            self._timer.stop()
            self.refresh_progress()  # clear the last speeds and ETAs

    def refresh_progress(self) -> None:
        if self._engine is None:
            return
        snapshot = self._smoother.apply(self._engine.progress(), self._clock())
        self.model.update_progress(snapshot)
        self.tick.emit()

    # ---- operations ------------------------------------------------------------------------

    def _each(self, verb: str, ids: Iterable[int], op: Callable[[int], None]) -> Outcome:
        out = Outcome()
        for job_id in ids:
            try:
                op(job_id)
            except Exception as exc:
                log.warning("%s job %s failed: %s", verb, job_id, exc)
                out.errors.append(reason_text(str(exc)) or type(exc).__name__)
            else:
                out.done.append(job_id)
        self._report(verb, out)
        return out

    def _report(self, verb: str, out: Outcome) -> None:
        if not out.errors:
            return
        first = out.errors[0]
        if len(out.errors) == 1:
            self.message.emit(self.tr("Could not %1: %2").replace("%1", verb).replace("%2", first))
        else:
            self.message.emit(
                self.tr("Could not %1 %2 downloads (first: %3)")
                .replace("%1", verb)
                .replace("%2", str(len(out.errors)))
                .replace("%3", first)
            )

    def add(self, request: AddRequest) -> Outcome:
        out = Outcome()
        for url in request.urls:
            folder, name, checksum = (request.entries or {}).get(url, (None, None, None))
            checksum = checksum or request.checksum
            extra: dict[str, Any] = {}
            if checksum:
                extra["checksum"] = checksum  # only when set: older engines lack the keyword
            if name:
                extra["file_name"] = name
            context = request.context.for_url(url) if request.context is not None else None
            if context:
                extra["context"] = context
            try:
                job = self.engine.add(
                    url,
                    folder or request.dest_dir,
                    connections=request.connections,
                    sha256=request.sha256,
                    start=request.start,
                    **extra,
                )
            except Exception as exc:
                out.errors.append(f"{url}: {reason_text(str(exc))}")
            else:
                out.done.append(job.id)
        self.model.flush_events()
        self._report(self.tr("add"), out)
        if out.done:
            self.message.emit(self.tr("Added %n download(s)", "", len(out.done)))
        return out

    def pause(self, ids: Iterable[int]) -> Outcome:
        return self._each(self.tr("pause"), ids, self.engine.pause)

    def resume(self, ids: Iterable[int]) -> Outcome:
        def resume_one(job_id: int) -> None:
            job = self.model.job(job_id)
            if job is not None and job.state is JobState.FAILED:
                self.engine.retry(job_id)
            else:
                self.engine.resume(job_id)

        return self._each(self.tr("resume"), ids, resume_one)

    def cancel(self, ids: Iterable[int]) -> Outcome:
        return self._each(self.tr("cancel"), ids, self.engine.cancel)

    def remove(
        self, ids: Iterable[int], delete_file: bool = False, keep_partial: bool = False
    ) -> Outcome:
        out = self._each(
            self.tr("remove"),
            ids,
            lambda i: self.engine.remove(i, delete_file=delete_file, keep_partial=keep_partial),
        )
        self.model.flush_events()
        return out

    def retry(self, ids: Iterable[int]) -> Outcome:
        return self._each(self.tr("retry"), ids, self.engine.retry)

    def set_url(self, job_id: int, url: str) -> Outcome:
        return self._each(
            self.tr("change the address of"), [job_id], lambda i: self.engine.set_url(i, url)
        )

    def pause_all(self) -> None:
        try:
            self.engine.pause_all()
        except Exception as exc:
            self.message.emit(self.tr("Could not pause all: %1").replace("%1", str(exc)))

    def resume_all(self) -> None:
        try:
            self.engine.resume_all()
        except Exception as exc:
            self.message.emit(self.tr("Could not resume all: %1").replace("%1", str(exc)))

    def apply_settings(self, settings: Any) -> None:
        try:
            self.engine.apply_settings(settings)
        except Exception as exc:
            self.message.emit(self.tr("Could not apply settings: %1").replace("%1", str(exc)))

    def apply_options(self, options: Any) -> None:
        """Live settings: build EngineSettings on top of the engine's current ones."""
        base = getattr(self._engine, "settings", None)
        try:
            settings = (
                options.engine_settings(base) if base is not None else options.engine_settings()
            )
        except Exception as exc:
            self.message.emit(self.tr("Could not apply settings: %1").replace("%1", str(exc)))
            return
        self.apply_settings(settings)

    def configure(
        self,
        ids: Iterable[int],
        *,
        connections: int | None = None,
        speed_limit: int | Keep | None = KEEP,
    ) -> Outcome:
        """Per-download knobs, as Engine.configure takes them: connections (None: keep), speed
        limit in bytes/s (KEEP: keep; None or 0: unlimited)."""
        out = self._each(
            self.tr("change the settings of"),
            ids,
            lambda i: self.engine.configure(i, connections=connections, speed_limit=speed_limit),
        )
        self.model.flush_events()  # a menu opened next shows the new values
        return out

    def move(self, ids: list[int], move: str, scope: list[int] | None = None) -> None:
        """Move jobs in the queue's order ("up", "down", "top", "bottom"), within `scope`."""
        try:
            self.engine.move(ids, move, scope)
        except Exception as exc:
            self.message.emit(self.tr("Could not move: %1").replace("%1", str(exc)))
        self.model.flush_events()

    def move_before(self, ids: list[int], before: int | None, scope: list[int] | None) -> None:
        try:
            self.engine.move_before(ids, before, scope)
        except Exception as exc:
            self.message.emit(self.tr("Could not move: %1").replace("%1", str(exc)))
        self.model.flush_events()

    def job_history(self, job_id: int) -> list[tuple[float, str]]:
        try:
            return self.engine.job_log(job_id)
        except Exception as exc:
            log.warning("job_log(%s) failed: %s", job_id, exc)
            return []
