"""The engine's running downloads: the queue's state, starting queued jobs in order within
the limits, and the timers of retrying jobs. What a run's end means: runends.py."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from app.engine import naming
from app.engine.autochecksum import ChecksumFinder
from app.engine.bandwidth import Bandwidth
from app.engine.context import load_context
from app.engine.contextauth import with_context
from app.engine.credentials import NetrcCache, job_auth
from app.engine.download import Download, StopReason
from app.engine.events import EngineEvent, EventKind
from app.engine.sessions import SessionPool
from app.engine.settings import EngineSettings
from app.engine.siterules import host_of, host_share
from app.store.jobstore import JobStore
from app.store.models import Job, JobState

log = logging.getLogger("tether.engine")

Listener = Callable[[EngineEvent], None]


class StartPolicy(Protocol):
    """Who may start now and the speed limit in force (app/engine/scheduler.py: queue hours,
    per-job start times, a speed-limit schedule). Asked on the loop's thread."""

    def may_start(self, job: Job) -> bool: ...

    def speed_limit(self, base: int | None) -> int | None: ...


class Runs(abc.ABC):
    """The state of the queue and its runs, and the loop-side half of a run's life. `Engine`
    adds the commands; every method runs on the event loop's thread."""

    def __init__(
        self,
        store: JobStore,
        settings: EngineSettings | None,
        on_event: Listener | None,
        autostart: bool,
    ) -> None:
        self._store = store
        self._settings = settings or EngineSettings()
        self._listeners: list[Listener] = [on_event] if on_event else []
        self._jobs: dict[int, Job] = {}
        self._running: dict[int, Download] = {}
        # (host, connections) of running jobs whose host has a site rule's connection limit
        self._host_use: dict[int, tuple[str, int]] = {}
        self._resume_after_stop: set[int] = set()
        self._delete_file_on_remove: set[int] = set()
        self._keep_partial_on_remove: set[int] = set()
        # None: every queued job may run (GUI). A set: only these (a CLI `get` must not start
        # jobs queued earlier by `tether add`).
        self._eligible: set[int] | None = None if autostart else set()
        self._bandwidth = Bandwidth(self._settings.speed_limit)
        self._balancer: asyncio.Task[None] | None = None
        self._sessions = SessionPool(
            self._settings.verify_tls,
            proxy=self._settings.proxy,
            site_rules=self._settings.site_rules,
        )
        self._netrc = NetrcCache(enabled=self._settings.netrc)
        self._finder = ChecksumFinder(self._sessions)  # shared: lists are cached per folder
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._names = naming.NameBook(self._completed)
        self._wakeup: asyncio.Event | None = None  # created in start(): it needs the loop
        self._timers: dict[int, asyncio.TimerHandle] = {}  # retrying jobs' next tries
        self._closing = False
        self._policy: StartPolicy | None = None
        self.problems: list[str] = []

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Load the queue, reconcile what a crash left behind, and start what should run."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._wakeup = asyncio.Event()
        jobs, self.problems = self._store.load_jobs()
        for problem in self.problems:
            log.warning("%s", problem)
        positions = self._store.positions()
        unplaced: list[tuple[int, int]] = []
        for job in jobs:
            if job.id in positions:
                job.position = positions[job.id]
            else:  # added by a Tether without queue order: after everything else, by id
                job.position = max(positions.values(), default=0) + 1 + len(unplaced)
                unplaced.append((job.id, job.position))
        self._store.set_positions(unplaced)
        for job in jobs:
            if job.state == JobState.DOWNLOADING:
                # It was running when the last process stopped (cleanly or not): run it again.
                job.state = JobState.QUEUED
                self._store.update_job(job, ["state"])
            self._jobs[job.id] = job
            if job.file_name:
                self._names.record(job.id, job.dest_dir, job.file_name)
            if job.state == JobState.RETRYING:
                self._arm_retry(job)  # its outage clock goes on where it was
        self._schedule()

    async def shutdown(self, timeout: float = 1.5) -> None:
        """Stop every download with a final checkpoint. Running jobs stay 'downloading' in the
        store so the next start resumes them."""
        self._closing = True
        for handle in self._timers.values():
            handle.cancel()  # retrying jobs stay 'retrying': the next start arms them again
        self._timers.clear()
        downloads = list(self._running.values())
        for d in downloads:
            d.stop(StopReason.SHUTDOWN)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._running and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for d in list(self._running.values()):  # stragglers: their last checkpoint stands
            log.warning("job %d did not stop in time", d.job.id)
        self._sessions.close()

    async def wait_idle(self, job_ids: Iterable[int] | None = None) -> None:
        """Until nothing (or none of `job_ids`) is queued or downloading."""
        ids = set(job_ids) if job_ids is not None else None
        while True:
            if ids is not None:
                # only our own jobs: a CLI run over 500 files must not rescan them all per event
                ids = {i for i in ids if self._busy(i)}
                if not ids:
                    return
            elif not any(self._busy(j) for j in self._jobs):
                return
            if self._wakeup is None:
                await asyncio.sleep(0.1)
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), 0.5)

    def _busy(self, job_id: int) -> bool:
        job = self._jobs.get(job_id)
        if job is None:
            return False
        return job.state in JobState.ACTIVE or job_id in self._running

    def _completed(self, job_id: int) -> bool:
        job = self._jobs.get(job_id)
        return job is not None and job.state == JobState.COMPLETED

    @abc.abstractmethod
    def resume(self, job_id: int) -> None:
        """Engine.resume: a run that ended while Resume was pressed goes again."""

    def _speed_limit(self) -> int | None:
        base = self._settings.speed_limit
        return base if self._policy is None else self._policy.speed_limit(base)

    # ------------------------------------------------------------------ internals
    def _set_state(self, job: Job, state: JobState, *fields: str) -> None:
        job.state = state
        self._store.update_job(job, ["state", *fields])
        self._dispatch(EngineEvent(EventKind.CHANGED, job.id, job.snapshot()))

    def _dispatch(self, event: EngineEvent) -> None:
        if event.kind == EventKind.CHANGED and event.job is not None:
            current = self._jobs.get(event.job_id)
            if current is None:
                return  # a late event from a job already removed
            if event.job is not current:
                # A download's copy may predate a move or configure() made while it ran: the
                # fields the engine owns come from the engine's record.
                _keep_engine_fields(event.job, current)
            self._jobs[event.job_id] = event.job
        if event.kind == EventKind.LOG and event.job_id not in self._jobs:
            return
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed")
        if self._wakeup is not None:
            self._wakeup.set()

    def _from_thread(self, event: EngineEvent) -> None:
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: the app is exiting
            loop.call_soon_threadsafe(self._dispatch, event)

    def _finished_from_thread(self, download: Download) -> None:
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._on_finished, download)

    def _schedule(self) -> None:
        if self._closing or self._loop is None:
            return
        slots = self._settings.max_concurrent - len(self._running)
        if slots <= 0:
            return
        # Only queued jobs are sorted: run at every job's end, sorting the whole queue (most
        # of it finished) cost a batch of small files O(N² log N).
        queued = [
            j
            for j in self._jobs.values()
            if j.state == JobState.QUEUED and j.id not in self._running
        ]
        for job in sorted(queued, key=lambda j: (j.position, j.id)):
            if slots <= 0:
                break
            if self._eligible is not None and job.id not in self._eligible:
                continue
            if self._policy is not None and not self._policy.may_start(job):
                continue  # it stays queued: the scheduler wakes the queue when it may run
            share = host_share(
                job.final_url or job.url, self._settings.site_rules, self._host_use.values()
            )
            if share is not None and share < 1:
                continue  # its host's connection limit is held by running jobs (site rules)
            self._start(job, share)
            slots -= 1

    def _start(self, job: Job, share: int | None = None) -> None:
        job.state = JobState.DOWNLOADING
        job.error = None
        self._store.update_job(job, ["state", "error"])
        download = Download(
            job,
            self._store,
            self._settings,
            self._bandwidth.attach(job.id, job.speed_limit),
            emit=self._from_thread,
            on_finished=self._finished_from_thread,
            reserve_name=self._names.reserve,
            # this job's credentials and request context ride on its sessions while it holds
            # them (credentials.py, context.py)
            sessions=self._sessions.bound(
                with_context(
                    job.url,
                    load_context(self._store.secrets, job.id),
                    job_auth(job.url, self._store.secrets.credentials(job.id), self._netrc),
                ),
                share,
            ),
            # published checksums are fetched without the job's credentials (a SUMS list is
            # public where the file is; a 401 there just means "none found")
            finder=self._finder if self._settings.auto_checksum else None,
        )
        self._running[job.id] = download
        if share is not None:
            used = min(share, self._settings.clamp_connections(job.connections))
            self._host_use[job.id] = (host_of(job.final_url or job.url), used)
        self._dispatch(EngineEvent(EventKind.CHANGED, job.id, job.snapshot()))
        download.start()
        self._keep_balanced()

    def _keep_balanced(self) -> None:
        """Share a global limit by measured use while two or more downloads run."""
        if self._balancer is not None or self._loop is None or self._closing:
            return
        if self._bandwidth.needs_rebalancing():
            self._balancer = self._loop.create_task(self._balance())

    async def _balance(self) -> None:
        try:
            while self._bandwidth.needs_rebalancing() and not self._closing:
                await asyncio.sleep(0.5)
                self._bandwidth.rebalance({jid: d.done_bytes() for jid, d in self._running.items()})
        finally:
            self._balancer = None

    @abc.abstractmethod
    def _on_finished(self, download: Download) -> None:
        """A download's thread ended: record what its end means for the job (runends.py)."""

    def _arm_retry(self, job: Job) -> None:
        """Start a retrying job again when its next try is due (it holds no slot meanwhile)."""
        loop = self._loop
        if loop is None or self._closing:
            return
        if self._eligible is not None and job.id not in self._eligible:
            return  # a CLI run leaves other jobs as they are
        self._disarm(job.id)
        delay = max(0.0, (job.retry_at or 0.0) - time.time())
        self._timers[job.id] = loop.call_later(delay, self._retry_due, job.id)

    def _disarm(self, job_id: int) -> None:
        handle = self._timers.pop(job_id, None)
        if handle is not None:
            handle.cancel()

    def _retry_due(self, job_id: int) -> None:
        self._timers.pop(job_id, None)
        job = self._jobs.get(job_id)
        if job is None or job.state != JobState.RETRYING or job_id in self._running:
            return
        # The reason stays shown until the run starts; the outage clock is kept (not a resume).
        self._set_state(job, JobState.QUEUED)
        self._schedule()


def _keep_engine_fields(job: Job, current: Job) -> None:
    """Copy what only the engine changes (queue place, per-job knobs) onto a download's copy."""
    job.position = current.position
    job.connections = current.connections
    job.speed_limit = current.speed_limit
