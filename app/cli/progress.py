"""The live progress lines `tether get` and `resume` print on a terminal."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from app.clitext import translate
from app.engine.events import EngineEvent, EventKind
from app.engine.urls import redact
from app.store.models import Job, JobState
from app.units import human_duration, human_size

if TYPE_CHECKING:
    from app.engine.engine import Engine


class ProgressPrinter:
    """Live lines on a terminal (one per running file); silence when output isn't a tty."""

    def __init__(self, engine: Engine, ids: set[int], out: TextIO, err: TextIO) -> None:
        self.engine = engine
        self.ids = ids
        self.out = out
        self.err = err
        self.tty = out.isatty()
        self._lines = 0
        self._started = {jid: time.monotonic() for jid in ids}
        self._reported: dict[int, JobState] = {}
        # "01:00 tomorrow" for a queued job the schedule holds (the scheduler's waiting_text)
        self.waiting: Callable[[Job], str | None] | None = None

    def _clear(self) -> None:
        if self._lines:
            self.out.write(f"\x1b[{self._lines}F\x1b[J")
            self._lines = 0

    def on_event(self, event: EngineEvent) -> None:
        if event.job_id not in self.ids or event.kind != EventKind.CHANGED or event.job is None:
            return
        job = event.job
        if self._reported.get(job.id) == job.state:
            return  # a state is reported once, however many events repeat it
        if job.state in (JobState.COMPLETED, JobState.FAILED):
            self._reported[job.id] = job.state
        if job.state == JobState.COMPLETED and self.tty:
            self._clear()
            took = time.monotonic() - self._started.get(job.id, time.monotonic())
            size = human_size(job.size or 0)
            self.out.write(translate(f"done  {job.file_name}  {size} in {took:.1f} s") + "\n")
            self.out.flush()
        elif job.state == JobState.FAILED:
            if self.tty:
                self._clear()
                self.out.flush()
            self.err.write(f"tether: {redact(job.url)}: {translate(job.error or '')}\n")
            self.err.flush()

    def refresh(self) -> None:
        if not self.tty:
            return
        width = max(40, min(120, terminal_width()))
        lines = []
        for jid, p in sorted(self.engine.progress().items()):
            if jid not in self.ids:
                continue
            job = self.engine.job(jid)
            name = (job.file_name or redact(job.url))[: max(10, width - 58)]
            if p.verifying:  # every byte is there; reading the file back for its checksum
                text = f"{name}  {human_size(p.done)}  verifying checksum…"
            elif p.size:
                pct = 100.0 * p.done / p.size
                bar_w = 20
                fill = int(bar_w * p.done / p.size)
                bar = "#" * fill + "-" * (bar_w - fill)
                text = (
                    f"{name}  [{bar}] {pct:5.1f}%  {human_size(p.done)}/{human_size(p.size)}"
                    f"  {human_size(p.speed)}/s  eta {human_duration(p.eta)}  x{p.connections}"
                )
            else:
                text = f"{name}  {human_size(p.done)}  {human_size(p.speed)}/s"
            lines.append(text[:width])
        now = time.time()
        for jid in sorted(self.ids):
            job = self.engine.job(jid)
            if job.state == JobState.RETRYING:
                name = (job.file_name or redact(job.url))[: max(10, width - 58)]
                lines.append(f"{name}  {translate(retry_text(job, now))}"[:width])
            elif job.state == JobState.QUEUED and self.waiting is not None:
                when = self.waiting(job)
                if when:
                    name = (job.file_name or redact(job.url))[: max(10, width - 58)]
                    lines.append(f"{name}  {translate(f'scheduled — starts at {when}')}"[:width])
        self._clear()
        if lines:
            self.out.write("\n".join(lines) + "\n")
            self._lines = len(lines)
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self._clear()
            self.out.flush()


def retry_text(job: Job, now: float) -> str:
    """'retrying in 17 s — connection refused (attempt 3)' for a retrying job (pure)."""
    left = max(0, round((job.retry_at or now) - now))
    return f"retrying in {left} s — {job.error or 'no progress'} (attempt {job.retry_attempts})"


def terminal_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 80
