"""Engine: the asyncio-side scheduler that owns the queue and starts/stops Downloads.

Every public method runs on the event loop's thread (asyncio.run in the CLI, qasync in the
GUI). Download threads talk back only through loop.call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import ParamSpec, Protocol, TypeVar

from app.engine import naming
from app.engine.autochecksum import ChecksumFinder
from app.engine.bandwidth import Bandwidth
from app.engine.checksums import check_sha256 as check_sha256  # the API's import
from app.engine.checksums import parse_checksum
from app.engine.context import RequestContext, load_context, save_context, with_context
from app.engine.credentials import NetrcCache, job_auth, may_send_credentials
from app.engine.download import Download, Outcome, StopReason
from app.engine.errors import BadInput
from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.http import SessionPool
from app.engine.queueorder import Move, move_before, reorder
from app.engine.settings import EngineSettings
from app.engine.siterules import host_of, host_share
from app.engine.urls import redact, validate_url
from app.store.jobstore import JobStore
from app.store.models import Job, JobState
from app.store.secrets import split_userinfo

log = logging.getLogger("tether.engine")

Listener = Callable[[EngineEvent], None]
P = ParamSpec("P")
R = TypeVar("R")


class StartPolicy(Protocol):
    """Who may start now and the speed limit in force (app/engine/scheduler.py: queue hours,
    per-job start times, a speed-limit schedule). Asked on the loop's thread."""

    def may_start(self, job: Job) -> bool: ...

    def speed_limit(self, base: int | None) -> int | None: ...


def threadsafe(method: Callable[P, R]) -> Callable[P, R]:
    """Let a command be called from any thread: off the loop it runs there and we wait for it."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        engine = args[0]
        assert isinstance(engine, Engine)
        loop = engine._loop
        if loop is None or threading.get_ident() == engine._loop_thread or not loop.is_running():
            return method(*args, **kwargs)
        future: concurrent.futures.Future[R] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(method(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout=10)

    return wrapper


_CLOCK_FIELDS = ("retry_at", "retry_since", "retry_attempts", "retry_best")


def check_dest_dir(path: str) -> str:
    """An absolute directory we can write to, created if needed; BadInput otherwise."""
    directory = os.path.abspath(os.path.expanduser(path))
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create folder {directory}: {exc.strerror}") from exc
    if not os.path.isdir(directory):
        raise BadInput(f"not a folder: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write to folder {directory}")
    return directory


class Engine:
    """The queue: at most `max_concurrent` Downloads at a time, in the order jobs were added."""

    def __init__(
        self,
        store: JobStore,
        settings: EngineSettings | None = None,
        on_event: Listener | None = None,
        *,
        autostart: bool = True,
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
        self._names_lock = threading.Lock()
        self._names: dict[int, tuple[str, str]] = {}
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
                self._names[job.id] = (job.dest_dir, job.file_name)
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
        return (
            job.state in (JobState.QUEUED, JobState.DOWNLOADING, JobState.RETRYING)
            or job_id in self._running
        )

    # ------------------------------------------------------------------ queries
    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def job(self, job_id: int) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise BadInput(f"no job with id {job_id}") from None

    def progress(self) -> dict[int, Progress]:
        return {jid: d.progress() for jid, d in self._running.items()}

    def bytes_done(self, job_id: int) -> int:
        """Bytes on disk now: live for a running job, else the last checkpoint."""
        d = self._running.get(job_id)
        return d.done_bytes() if d is not None else self.job(job_id).done

    def is_running(self, job_id: int) -> bool:
        return job_id in self._running

    def job_log(self, job_id: int) -> list[tuple[float, str]]:
        return self._store.job_log(job_id)

    @property
    def settings(self) -> EngineSettings:
        return self._settings

    @property
    def store(self) -> JobStore:
        return self._store

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    # ------------------------------------------------------------------ commands
    @threadsafe
    def add(
        self,
        url: str,
        dest_dir: str,
        *,
        connections: int | None = None,
        sha256: str | None = None,
        start: bool = True,
        speed_limit: int | None = None,
        checksum: str | None = None,
        file_name: str | None = None,
        context: RequestContext | None = None,
    ) -> Job:
        """Queue a new download (BadInput for a bad URL, folder or checksum).

        `context` (cookies, referrer, user agent, headers) rides on all its requests, kept as a
        secret until the job completes or is removed (context.py).

        `checksum` is any spelling parse_checksum takes (`sha-256=HEX`, bare HEX, `md5:HEX`);
        `file_name` fixes the saved name (an input file's `out=`) instead of the server's.
        """
        clean = validate_url(url)
        directory = check_dest_dir(dest_dir)
        digest = check_sha256(sha256)
        expected = str(parse_checksum(checksum)) if checksum else None
        name = naming.sanitize(file_name) if file_name else None
        n = self._settings.clamp_connections(connections)
        job = self._store.add_job(
            clean,
            directory,
            state=JobState.QUEUED if start else JobState.PAUSED,
            connections=n,
            sha256=digest,
            speed_limit=speed_limit,
            checksum=expected,
        )
        if context:
            save_context(self._store.secrets, job.id, context)
        job.position = max((j.position for j in self._jobs.values()), default=0) + 1
        self._store.set_positions([(job.id, job.position)])
        if name:
            job.file_name = self._reserve_name(directory, name, job.id)
            self._store.update_job(job, ["file_name"])
        self._jobs[job.id] = job
        if self._eligible is not None and start:
            self._eligible.add(job.id)
        self._store.add_log(job.id, f"added {redact(clean)}")
        self._dispatch(EngineEvent(EventKind.ADDED, job.id, job.snapshot()))
        self._schedule()
        return job

    def find_unfinished(self, url: str, dest_dir: str) -> Job | None:
        directory = os.path.abspath(os.path.expanduser(dest_dir))
        url = split_userinfo(url.strip())[0]  # jobs keep their URL without credentials
        for job in sorted(self._jobs.values(), key=lambda j: -j.id):
            if job.url == url and job.dest_dir == directory and job.state != JobState.COMPLETED:
                return job
        return None

    def find_completed(self, url: str, dest_dir: str) -> Job | None:
        """A completed job for this URL and folder whose file is still there."""
        directory = os.path.abspath(os.path.expanduser(dest_dir))
        url = split_userinfo(url.strip())[0]
        for job in sorted(self._jobs.values(), key=lambda j: -j.id):
            if (
                job.url == url
                and job.dest_dir == directory
                and job.state == JobState.COMPLETED
                and job.path
                and os.path.exists(job.path)
            ):
                return job
        return None

    @threadsafe
    def pause(self, job_id: int) -> None:
        job = self.job(job_id)
        self._resume_after_stop.discard(job_id)
        d = self._running.get(job_id)
        if d is not None:
            d.stop(StopReason.PAUSE)
            return
        self._disarm(job_id)
        if job.state in (JobState.QUEUED, JobState.RETRYING):
            self._set_state(job, JobState.PAUSED)

    @threadsafe
    def resume(self, job_id: int) -> None:
        job = self.job(job_id)
        if self._eligible is not None:
            self._eligible.add(job_id)
        if job_id in self._running:
            d = self._running[job_id]
            if d.stop_reason is not None or d.outcome is not None:
                # still winding down (a pause, or a failure already shown): go again after
                self._resume_after_stop.add(job_id)
            return
        if job.state in JobState.RESTARTABLE:
            # Asked by the user: a fresh start, with a fresh outage clock.
            self._disarm(job_id)
            job.error = None
            job.retry_at = job.retry_since = None
            job.retry_attempts = job.retry_best = 0
            self._set_state(job, JobState.QUEUED, "error", *_CLOCK_FIELDS)
            self._schedule()

    def retry(self, job_id: int) -> None:
        """Run a failed, cancelled or retrying job again now (from its kept data, if any)."""
        self.resume(job_id)

    @threadsafe
    def pause_all(self) -> None:
        for job in list(self._jobs.values()):
            if job.state in JobState.ACTIVE or job.id in self._running:
                self.pause(job.id)

    @threadsafe
    def resume_all(self) -> None:
        for job in sorted(self._jobs.values(), key=lambda j: j.id):
            if job.state == JobState.PAUSED or job.id in self._running:
                self.resume(job.id)

    @threadsafe
    def cancel(self, job_id: int) -> None:
        """Stop and discard the partial data; the row stays `cancelled` (resume starts it from 0,
        "retry failed" leaves it alone)."""
        job = self.job(job_id)
        self._resume_after_stop.discard(job_id)
        d = self._running.get(job_id)
        if d is not None:
            d.stop(StopReason.CANCEL)
            return
        if job.state in (JobState.COMPLETED, JobState.CANCELLED):
            return
        self._disarm(job_id)
        self._discard(job)
        job.error = None
        self._set_state(job, JobState.CANCELLED, "error", "done", *_CLOCK_FIELDS)

    @threadsafe
    def remove(self, job_id: int, delete_file: bool = False, keep_partial: bool = False) -> None:
        """Forget the job. Its partial data goes unless `keep_partial` (the user declined to
        delete it); the finished file only if asked."""
        job = self.job(job_id)
        self._resume_after_stop.discard(job_id)
        d = self._running.get(job_id)
        if d is not None:
            if delete_file:
                self._delete_file_on_remove.add(job_id)
            if keep_partial:
                self._keep_partial_on_remove.add(job_id)
            d.stop(StopReason.REMOVE)
            return
        self._forget(job, delete_file, keep_partial)

    @threadsafe
    def set_url(self, job_id: int, url: str) -> None:
        """A new link for a paused or failed job (e.g. an expired one). The next probe checks by
        size and validator that it is the same file before continuing."""
        job = self.job(job_id)
        d = self._running.get(job_id)
        # a download that has reached its outcome is only winding down: it won't use the URL
        if (d is not None and d.outcome is None) or job.state == JobState.COMPLETED:
            raise BadInput("pause the download before changing its URL")
        new_url = validate_url(url)
        clean, creds = split_userinfo(new_url)
        if creds is None and not may_send_credentials(job.url, clean):
            self._store.set_credentials(job.id, None)  # never for another host
        job.url = new_url  # the store splits credentials out into the job's secret
        job.final_url = None
        self._store.update_job(job, ["url", "final_url"])
        self._store.add_log(job.id, f"URL changed to {redact(job.url)}")
        self._dispatch(EngineEvent(EventKind.CHANGED, job.id, job.snapshot()))

    @threadsafe
    def refresh_credentials(self, job_id: int, url: str) -> None:
        """The user gave this job's URL again with (maybe new) credentials: keep those."""
        clean, creds = split_userinfo(url.strip())
        if creds is not None and clean == self.job(job_id).url:
            self._store.set_credentials(job_id, creds)

    @threadsafe
    def set_context(self, job_id: int, context: RequestContext | None) -> None:
        """New request context for the job (fresh cookies from the browser); its next requests
        carry it. None forgets it."""
        self.job(job_id)
        save_context(self._store.secrets, job_id, context)

    @threadsafe
    def configure(
        self, job_id: int, *, connections: int | None = None, speed_limit: int | None = -1
    ) -> None:
        """Change a job's connections or own speed limit (None = unlimited; -1 = keep).

        The limit applies at once, also to a running download; connections take effect the
        next time it starts (its remaining gaps are simply re-split).
        """
        job = self.job(job_id)
        fields = []
        if connections is not None:
            job.connections = self._settings.clamp_connections(connections)
            fields.append("connections")
        if speed_limit != -1:
            job.speed_limit = speed_limit if speed_limit and speed_limit > 0 else None
            fields.append("speed_limit")
            if job_id in self._running:  # a running download follows its new limit now
                self._bandwidth.set_own_limit(job_id, job.speed_limit)
                self._running[job_id].job.speed_limit = job.speed_limit
        running = self._running.get(job_id)
        if running is not None:  # its copy of the job is what it writes back
            running.job.connections = job.connections
        if fields:
            self._store.update_job(job, fields)
            self._dispatch(EngineEvent(EventKind.CHANGED, job.id, job.snapshot()))

    def queue_order(self) -> list[int]:
        """Every job id in the queue's order: the order queued jobs start in."""
        return [j.id for j in sorted(self._jobs.values(), key=lambda j: (j.position, j.id))]

    @threadsafe
    def move(
        self, job_ids: Iterable[int], move: Move | str, scope: Iterable[int] | None = None
    ) -> None:
        """Move jobs up/down one place or to the top/bottom of the queue (relative to `scope`,
        the jobs the user sees, when given)."""
        ids = [i for i in job_ids if i in self._jobs]
        view = None if scope is None else set(scope)
        self._set_order(reorder(self.queue_order(), ids, Move(move), view))

    @threadsafe
    def move_before(
        self, job_ids: Iterable[int], before: int | None, scope: Iterable[int] | None = None
    ) -> None:
        """Place jobs just before another one (None: last): a drag and drop in the list."""
        ids = [i for i in job_ids if i in self._jobs]
        view = None if scope is None else set(scope)
        self._set_order(move_before(self.queue_order(), ids, before, view))

    def _set_order(self, order: list[int]) -> None:
        changed = []
        for position, job_id in enumerate(order, start=1):
            job = self._jobs[job_id]
            if job.position != position:
                job.position = position
                changed.append(job)
        if not changed:
            return
        self._store.set_positions((j.id, j.position) for j in changed)
        for job in changed:
            running = self._running.get(job.id)
            if running is not None:  # its own copy is written back when it finishes
                running.job.position = job.position
            self._dispatch(EngineEvent(EventKind.CHANGED, job.id, job.snapshot()))
        self._schedule()

    @threadsafe
    def apply_settings(self, settings: EngineSettings) -> None:
        """Live: speed limit now; connections and concurrency for what starts next."""
        if settings.verify_tls != self._settings.verify_tls:
            self._sessions.set_verify(settings.verify_tls)
        if (settings.proxy, settings.site_rules) != (
            self._settings.proxy,
            self._settings.site_rules,
        ):
            self._sessions.set_network(settings.proxy, settings.site_rules)
        if settings.netrc != self._settings.netrc:
            self._netrc = NetrcCache(enabled=settings.netrc)
        self._settings = settings
        self._bandwidth.set_global(self._speed_limit())
        self._schedule()
        self._keep_balanced()

    def set_policy(self, policy: StartPolicy | None) -> None:
        """Install (or, with the same one, re-ask after its schedule changed) the start policy."""
        self._policy = policy
        self._bandwidth.set_global(self._speed_limit())
        self._schedule()
        self._keep_balanced()

    def running_ids(self) -> list[int]:
        return list(self._running)

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

    def _reserve_name(self, dest_dir: str, base: str, job_id: int) -> str:
        """A name no other job and no file in dest_dir has; called from download threads."""
        with self._names_lock:
            # Every job of the store is loaded, so memory knows every reserved name: no SQL.
            taken = {n for jid, (d, n) in self._names.items() if d == dest_dir and jid != job_id}
            own = self._names.get(job_id)
            if own is not None:
                taken.discard(own[1])
            name = naming.unique_name(dest_dir, base, taken)
            self._names[job_id] = (dest_dir, name)
            return name

    def _schedule(self) -> None:
        if self._closing or self._loop is None:
            return
        slots = self._settings.max_concurrent - len(self._running)
        if slots <= 0:
            return
        for job in sorted(self._jobs.values(), key=lambda j: (j.position, j.id)):
            if slots <= 0:
                break
            if job.state != JobState.QUEUED or job.id in self._running:
                continue
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
            reserve_name=self._reserve_name,
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

    def _on_finished(self, download: Download) -> None:
        jid = download.job.id
        if self._running.get(jid) is download:
            del self._running[jid]
            self._host_use.pop(jid, None)
            self._bandwidth.detach(jid)
        job = download.job
        reason = download.stop_reason
        if jid not in self._jobs:
            return
        cached = self._jobs[jid]
        if cached.url != job.url:  # set_url() ran while the download was winding down
            job.url, job.final_url = cached.url, cached.final_url
        if download.outcome == Outcome.STOPPED or (
            download.outcome != Outcome.COMPLETED
            and reason in (StopReason.CANCEL, StopReason.REMOVE)
        ):
            if reason == StopReason.REMOVE:
                self._forget_removed(job)
                self._schedule()
                return
            if reason == StopReason.CANCEL:
                self._jobs[jid] = job
                self._discard(job)
                job.error = None
                self._set_state(job, JobState.CANCELLED, "error", "done", *_CLOCK_FIELDS)
            elif reason == StopReason.SHUTDOWN:
                job.state = JobState.DOWNLOADING  # resumes on the next start
                self._jobs[jid] = job
                self._store.update_job(job, ["state"])
            else:
                self._jobs[jid] = job
                if jid in self._resume_after_stop:
                    self._resume_after_stop.discard(jid)
                    self._set_state(job, JobState.QUEUED)
                else:
                    self._set_state(job, JobState.PAUSED)
        else:
            self._jobs[jid] = job
            if reason == StopReason.REMOVE:
                self._forget_removed(job)
            elif job.state == JobState.RETRYING:
                self._dispatch(EngineEvent(EventKind.CHANGED, jid, job.snapshot()))
                if jid in self._resume_after_stop:  # Resume/Retry was pressed meanwhile: now
                    self._resume_after_stop.discard(jid)
                    self.resume(jid)
                elif reason == StopReason.PAUSE:
                    self._set_state(job, JobState.PAUSED)
                elif reason is None:
                    self._arm_retry(job)  # SHUTDOWN: it stays retrying for the next start
            else:
                self._dispatch(EngineEvent(EventKind.CHANGED, jid, job.snapshot()))
                if jid in self._resume_after_stop and job.state == JobState.FAILED:
                    job.error = None  # Retry was pressed as it failed
                    self._set_state(job, JobState.QUEUED, "error")
        self._resume_after_stop.discard(jid)
        self._schedule()
        if self._wakeup is not None:
            self._wakeup.set()

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

    def _discard(self, job: Job) -> None:
        """Delete the .part and forget the progress (the job itself stays)."""
        part = job.part_path
        if part is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(part)
        job.done = 0
        job.segments = []
        job.retry_at = job.retry_since = None  # no outage goes on for a cancelled job
        job.retry_attempts = job.retry_best = 0
        self._store.save_progress(job.id, [], 0)
        self._store.add_log(job.id, "cancelled; partial data deleted")

    def _forget_removed(self, job: Job) -> None:
        """A running job's remove(), once its download has stopped."""
        jid = job.id
        keep = jid in self._keep_partial_on_remove
        self._forget(job, jid in self._delete_file_on_remove, keep)
        self._delete_file_on_remove.discard(jid)
        self._keep_partial_on_remove.discard(jid)

    def _forget(self, job: Job, delete_file: bool, keep_partial: bool = False) -> None:
        self._disarm(job.id)
        part = job.part_path
        if part is not None and not keep_partial:
            with contextlib.suppress(FileNotFoundError):
                os.remove(part)
        if delete_file and job.state == JobState.COMPLETED and job.path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(job.path)
        self._store.delete_job(job.id)
        self._jobs.pop(job.id, None)
        self._names.pop(job.id, None)
        if self._eligible is not None:
            self._eligible.discard(job.id)
        self._dispatch(EngineEvent(EventKind.REMOVED, job.id, None))


def _keep_engine_fields(job: Job, current: Job) -> None:
    """Copy what only the engine changes (queue place, per-job knobs) onto a download's copy."""
    job.position = current.position
    job.connections = current.connections
    job.speed_limit = current.speed_limit
