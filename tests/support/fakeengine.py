"""An in-memory engine that follows ENGINE_API.md, for UI tests that need exact control.

Integration tests use the real engine and a real HTTP server; these fakes let the model,
delegate and action tests set progress and states by hand. mypy checks that FakeEngine
implements the window's EngineLike, as the real Engine does (tests/support/enginelike.py).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.inputs import KEEP, Keep
from app.engine.queueorder import Move, move_before, reorder
from app.store.models import Job, JobState, SegmentRecord


class FakeBadInput(ValueError):
    pass


def make_job(job_id: int, state: JobState = JobState.QUEUED, **kw: Any) -> Job:
    defaults: dict[str, Any] = {
        "url": f"https://example.com/files/file{job_id}.bin",
        "dest_dir": "/tmp/tether-fake",
        "added_at": 1_700_000_000.0 + job_id,
        "file_name": f"file{job_id}.bin",
    }
    defaults.update(kw)
    return Job(id=job_id, state=state, **defaults)


class FakeEngine:
    """Records calls; changes job states the way the real engine would, synchronously."""

    def __init__(
        self,
        jobs: list[Job] | None = None,
        on_event: Callable[[EngineEvent], None] | None = None,
    ) -> None:
        self._jobs: dict[int, Job] = {j.id: j for j in jobs or []}
        self._progress: dict[int, Progress] = {}
        self.on_event = on_event
        self.calls: list[tuple[str, Any]] = []
        self._ids = itertools.count(max(self._jobs, default=0) + 1)
        self.settings: Any = None
        self.logs: dict[int, list[tuple[float, str]]] = {}
        self.started = False
        self.shut_down = False

    # -- lifecycle
    async def start(self) -> None:
        self.started = True

    async def shutdown(self) -> None:
        self.calls.append(("shutdown", None))
        self.shut_down = True

    async def wait_idle(self) -> None:
        return None

    # -- helpers for tests
    def _emit(self, kind: EventKind, job: Job | None, job_id: int) -> None:
        if self.on_event is not None:
            self.on_event(EngineEvent(kind=kind, job_id=job_id, job=replace(job) if job else None))

    def set_state(self, job_id: int, state: JobState, **kw: Any) -> None:
        job = self._jobs[job_id]
        job.state = state
        for k, v in kw.items():
            setattr(job, k, v)
        if state not in JobState.ACTIVE:
            self._progress.pop(job_id, None)
        self._emit(EventKind.CHANGED, job, job_id)

    def set_progress(
        self,
        job_id: int,
        done: int,
        speed: float = 0.0,
        size: int | None = None,
        segments: tuple[tuple[int, int, int], ...] = (),
        rerolls: int = 0,
        verifying: bool = False,
    ) -> None:
        job = self._jobs[job_id]
        self._progress[job_id] = Progress(
            job_id=job_id,
            done=done,
            size=size if size is not None else job.size,
            speed=speed,
            connections=len(segments),
            segments=segments,
            rerolls=rerolls,
            verifying=verifying,
        )

    # -- API
    def add(
        self,
        url: str,
        dest_dir: str,
        *,
        connections: int | None = None,
        sha256: str | None = None,
        start: bool = True,
        checksum: str | None = None,
        file_name: str | None = None,
    ) -> Job:
        self.calls.append(("add", (url, dest_dir, connections, sha256, start)))
        if checksum or file_name:
            self.calls.append(("add_extra", (url, checksum, file_name)))
        if not url.startswith(("http://", "https://", "ftp://")):
            raise FakeBadInput(f"unsupported URL: {url}")
        job = Job(
            id=next(self._ids),
            url=url,
            dest_dir=dest_dir,
            state=JobState.QUEUED if start else JobState.PAUSED,
            added_at=time.time(),
            connections=connections or 8,
            sha256=sha256,
            checksum=checksum,
            file_name=file_name,
        )
        self._jobs[job.id] = job
        self._emit(EventKind.ADDED, job, job.id)
        return replace(job)

    def pause(self, job_id: int) -> None:
        self.calls.append(("pause", job_id))
        if self._jobs[job_id].state in JobState.ACTIVE:
            self.set_state(job_id, JobState.PAUSED)

    def resume(self, job_id: int) -> None:
        self.calls.append(("resume", job_id))
        if self._jobs[job_id].state in (
            JobState.PAUSED,
            JobState.FAILED,
            JobState.RETRYING,
            JobState.CANCELLED,
        ):
            self.set_state(job_id, JobState.QUEUED, error=None)

    def cancel(self, job_id: int) -> None:
        self.calls.append(("cancel", job_id))
        self.set_state(job_id, JobState.CANCELLED, done=0)

    def remove(self, job_id: int, delete_file: bool = False, keep_partial: bool = False) -> None:
        self.calls.append(("remove", (job_id, delete_file)))
        if keep_partial:
            self.calls.append(("keep_partial", job_id))
        self._jobs.pop(job_id)
        self._progress.pop(job_id, None)
        self._emit(EventKind.REMOVED, None, job_id)

    def retry(self, job_id: int) -> None:
        self.calls.append(("retry", job_id))
        self.set_state(job_id, JobState.QUEUED, error=None)

    def pause_all(self) -> None:
        self.calls.append(("pause_all", None))
        for job in list(self._jobs.values()):
            if job.state in JobState.ACTIVE:
                self.set_state(job.id, JobState.PAUSED)

    def resume_all(self) -> None:
        self.calls.append(("resume_all", None))
        for job in list(self._jobs.values()):
            if job.state is JobState.PAUSED:
                self.set_state(job.id, JobState.QUEUED)

    def set_url(self, job_id: int, url: str) -> None:
        self.calls.append(("set_url", (job_id, url)))
        job = self._jobs[job_id]
        job.url = url
        self._emit(EventKind.CHANGED, job, job_id)

    def apply_settings(self, settings: Any) -> None:
        self.calls.append(("apply_settings", settings))
        self.settings = settings

    def jobs(self) -> list[Job]:
        return [replace(j) for j in self._jobs.values()]

    def job(self, job_id: int) -> Job:
        return replace(self._jobs[job_id])

    def progress(self) -> dict[int, Progress]:
        return dict(self._progress)

    def job_log(self, job_id: int) -> list[tuple[float, str]]:
        return list(self.logs.get(job_id, []))

    # -- queue order and per-job knobs, as the real engine does them
    def configure(
        self,
        job_id: int,
        *,
        connections: int | None = None,
        speed_limit: int | Keep | None = KEEP,
    ) -> None:
        self.calls.append(("configure", (job_id, connections, speed_limit)))
        job = self._jobs[job_id]
        if connections is not None:
            job.connections = connections
        if not isinstance(speed_limit, Keep):
            job.speed_limit = speed_limit if speed_limit and speed_limit > 0 else None
        self.set_state(job_id, job.state)

    def order(self) -> list[int]:
        return [j.id for j in sorted(self._jobs.values(), key=lambda j: (j.position, j.id))]

    def _apply(self, order: list[int]) -> None:
        for position, job_id in enumerate(order, start=1):
            job = self._jobs[job_id]
            if job.position != position:
                job.position = position
                self.set_state(job_id, job.state)

    def move(self, job_ids: Iterable[int], move: str, scope: Iterable[int] | None = None) -> None:
        self.calls.append(("move", (list(job_ids), move)))
        view = None if scope is None else set(scope)  # an empty filter is a scope too
        self._apply(reorder(self.order(), list(job_ids), Move(move), view))

    def move_before(
        self, job_ids: Iterable[int], before: int | None, scope: Iterable[int] | None = None
    ) -> None:
        self.calls.append(("move_before", (list(job_ids), before)))
        view = None if scope is None else set(scope)
        self._apply(move_before(self.order(), list(job_ids), before, view))


def sample_jobs() -> list[Job]:
    """A few jobs in every state, with segments, for screenshots and view tests."""
    mib = 1 << 20
    segs = [
        SegmentRecord(i * 64 * mib, (i + 1) * 64 * mib, d)
        for i, d in enumerate([64 * mib, 40 * mib, 10 * mib, 0])
    ]
    return [
        make_job(
            1,
            JobState.DOWNLOADING,
            file_name="ubuntu-24.04-desktop-amd64.iso",
            size=256 * mib,
            done=114 * mib,
            resumable=True,
            segments=segs,
        ),
        make_job(
            2,
            JobState.PAUSED,
            file_name="big_buck_bunny_1080p.mp4",
            size=700 * mib,
            done=300 * mib,
            resumable=True,
        ),
        make_job(3, JobState.COMPLETED, file_name="report-2024.pdf", size=3 * mib, done=3 * mib),
        make_job(
            4,
            JobState.FAILED,
            file_name="dataset.tar.gz",
            size=None,
            error="404 Not Found: the server no longer has this file",
        ),
        make_job(5, JobState.QUEUED, file_name="song.flac", size=42 * mib),
    ]
