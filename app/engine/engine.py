"""Engine: the asyncio-side scheduler that owns the queue and starts/stops Downloads.

Every public method runs on the event loop's thread (asyncio.run in the CLI, qasync in the
GUI), or is @threadsafe. Download threads talk back only through loop.call_soon_threadsafe.
The queue's state and the runs' start live in runs.py, what a run's end means in runends.py.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from app.engine import naming
from app.engine.checksums import parse_checksum
from app.engine.context import RequestContext, save_context
from app.engine.credentials import NetrcCache, may_send_credentials
from app.engine.download import StopReason
from app.engine.errors import BadInput
from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.inputs import KEEP, Keep
from app.engine.inputs import check_dest_dir as check_dest_dir
from app.engine.inputs import check_sha256 as check_sha256
from app.engine.outage import CLOCK_FIELDS
from app.engine.queueorder import Move, move_before, reorder
from app.engine.runends import RunEnds
from app.engine.runs import Listener, StartPolicy
from app.engine.settings import EngineSettings
from app.engine.threadsafe import threadsafe
from app.engine.urls import redact, validate_url
from app.store.jobstore import JobStore
from app.store.models import Job, JobState
from app.store.secrets import split_userinfo


class Engine(RunEnds):
    """The queue: at most `max_concurrent` Downloads at a time, in the order jobs were added."""

    def __init__(
        self,
        store: JobStore,
        settings: EngineSettings | None = None,
        on_event: Listener | None = None,
        *,
        autostart: bool = True,
    ) -> None:
        super().__init__(store, settings, on_event, autostart)

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

    def is_verifying(self, job_id: int) -> bool:
        """Every byte is there and the file is being read back for its checksum."""
        d = self._running.get(job_id)
        return d is not None and d.verifying

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
            job.file_name = self._names.reserve(directory, name, job.id)
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
            self._set_state(job, JobState.QUEUED, "error", *CLOCK_FIELDS)
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
        self._set_state(job, JobState.CANCELLED, "error", "done", *CLOCK_FIELDS)

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
        self,
        job_id: int,
        *,
        connections: int | None = None,
        speed_limit: int | Keep | None = KEEP,
    ) -> None:
        """Change a job's connections (None: keep) or own speed limit (None or 0: unlimited).

        The limit applies at once, also to a running download; connections take effect the
        next time it starts (its remaining gaps are simply re-split).
        """
        job = self.job(job_id)
        fields = []
        if connections is not None:
            job.connections = self._settings.clamp_connections(connections)
            fields.append("connections")
        if not isinstance(speed_limit, Keep):
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
