"""Download: one job's run as a state machine — prepare (prepare.py), transfer (ranged.py or
stream.py, supervised here: checkpoints, speed samples, outages), finish (finish.py) — on its own
threads, until it completes, pauses, waits to retry or fails."""

from __future__ import annotations

import contextlib
import enum
import logging
import random
import time
from collections.abc import Callable, Sequence

import requests

from app.engine import http
from app.engine.autochecksum import ChecksumFinder
from app.engine.checkpoint import Checkpointer
from app.engine.errors import (
    DownloadError,
    PermanentError,
    RestartNeeded,
    TransientError,
)
from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.finish import Incomplete, adopt_renamed_file, finish
from app.engine.inorder import InOrderHash
from app.engine.outage import CLOCK_FIELDS, OutageClock
from app.engine.partfile import PartFile
from app.engine.prepare import prepare
from app.engine.ranged import RangedTransfer
from app.engine.ratelimit import TokenBucket
from app.engine.reroll import budget_for
from app.engine.runcontrol import Outage, RunControl
from app.engine.segmenttable import SegmentTable
from app.engine.settings import EngineSettings
from app.engine.stream import StreamTransfer
from app.engine.threadpool import POOL, Task
from app.engine.verify import Verifier
from app.store.jobstore import JobStore
from app.store.models import Job, JobState

log = logging.getLogger("tether.engine")
_RNG = random.Random()  # backoff jitter


class StopReason(enum.StrEnum):
    PAUSE = "pause"
    SHUTDOWN = "shutdown"  # like pause, but the job stays 'downloading' so it resumes next start
    CANCEL = "cancel"
    REMOVE = "remove"


class Outcome(enum.StrEnum):
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"
    RETRYING = "retrying"  # an outage ended the run; the engine starts it again at retry_at


class Download:
    """One job's run. Thread-safe controls: stop(); progress(). Everything else is internal."""

    def __init__(
        self,
        job: Job,
        store: JobStore,
        settings: EngineSettings,
        bucket: TokenBucket,
        emit: Callable[[EngineEvent], None],
        on_finished: Callable[[Download], None],
        reserve_name: Callable[[str, str, int], str],
        sessions: http.SessionPool | None = None,
        finder: ChecksumFinder | None = None,
    ) -> None:
        self.job = job.snapshot()
        self.verifier = Verifier(finder)
        self.store = store
        self.settings = settings
        # The engine sets its rate live (own limit, share of the global one): see bandwidth.py
        self.bucket = bucket
        self._emit = emit
        self._on_finished = on_finished
        self.reserve_name = reserve_name
        self.sessions = sessions or http.SessionPool(settings.verify_tls)
        # a site rule may allow fewer connections to this host (siterules.py)
        self.connections = self.sessions.rule_for(job.final_url or job.url).clamp(
            settings.clamp_connections(job.connections)
        )
        self.stop_reason: StopReason | None = None
        self.table = SegmentTable(settings.min_split)
        self.control = RunControl()
        self.checkpoints = Checkpointer(
            store,
            self.job,
            self.table,
            max(settings.max_unsynced, 4 * settings.buffer_size),
            self.control.wake.set,
        )
        self.control.on_halt(self.checkpoints.wake)
        self.control.on_halt(self.table.wake_idle)
        self.part: PartFile | None = None
        self.probe: http.ProbeResult | None = None
        self.clock = OutageClock(
            settings.retry_for, job.retry_best, job.retry_since, job.retry_attempts
        )
        self.probe_session: requests.Session | None = None  # the probe's, for the transfer
        self.ranged_size: int | None = None  # the total a 206 Content-Range once told us
        self.rerolls_left = budget_for(self.connections) if settings.reroll_slow else 0
        self.rerolls = 0  # slow connections closed and opened again (reroll.py)
        self.hasher: InOrderHash | None = None  # hashes in-order bytes as written (inorder.py)
        self.verifying = False  # the finish is reading the file back for its checksum
        self.outcome: Outcome | None = None
        self.error: str | None = None
        self._task: Task | None = None

    # ------------------------------------------------------------------ controls
    def start(self) -> None:
        self._task = POOL.submit(self._main, f"tether-job-{self.job.id}")

    def stop(self, reason: StopReason) -> None:
        """Ask the run to end soon (well within a second); safe from any thread."""
        if self.stop_reason is None or reason in (StopReason.CANCEL, StopReason.REMOVE):
            self.stop_reason = reason
        self.control.halt()

    def done_bytes(self) -> int:
        return self.table.done_bytes()

    def progress(self) -> Progress:
        table = self.table
        return Progress(
            job_id=self.job.id,
            done=table.done_bytes(),
            size=self.job.size,
            speed=table.speed(),
            connections=table.active,
            segments=table.bounds(self.job.size),
            rerolls=self.rerolls,
            verifying=self.verifying,
        )

    # ------------------------------------------------------------------ for the transfers
    def log(self, message: str) -> None:
        log.info("job %d: %s", self.job.id, message)
        try:
            self.store.add_log(self.job.id, message)
        except Exception:  # history is nice to have; never fail a job for it
            log.exception("job %d: could not record history", self.job.id)
        self._emit(EngineEvent(EventKind.LOG, self.job.id, None, message))

    def changed(self, *fields: str) -> None:
        self.store.update_job(self.job, fields or None)
        self._emit(EngineEvent(EventKind.CHANGED, self.job.id, self.job.snapshot()))

    def timeout(self) -> tuple[float, float]:
        return (self.settings.connect_timeout, self.settings.stall_timeout)

    def session(self) -> requests.Session:
        return self.sessions.acquire(self.job.final_url or self.job.url)

    def give_back(self, session: requests.Session) -> None:
        self.sessions.release(session, self.job.final_url or self.job.url)

    def take_probe_session(self) -> requests.Session | None:
        """The probe's connection, for the transfer's first request (keep-alive)."""
        session, self.probe_session = self.probe_session, None
        return session

    def supervise(
        self,
        threads: Sequence[Task],
        tick: Callable[[], None] | None,
        ended: Callable[[], bool],
    ) -> None:
        """The job thread's loop while transfer threads run: speed samples, checkpoints, and
        `tick` (re-rolling slow connections), until `ended()` says every thread has done its
        work (a thread that woke us on its way out may still be alive for a moment: looping
        on is_alive() alone would then sleep a whole tick before finishing the job)."""
        control, checkpoints = self.control, self.checkpoints
        interval = self.settings.checkpoint_interval
        last = time.monotonic()
        while not ended() and any(t.is_alive() for t in threads):
            # Workers and stop() set `wake`, so ends are seen at once; the timeout only paces
            # speed samples and checkpoints (few wakeups: many jobs may run at once).
            control.wake.wait(0.5)
            control.wake.clear()
            self._sample_speed()
            if control.stop.is_set():
                break
            if tick is not None and self.rerolls_left:
                tick()
            now = time.monotonic()
            if now - last >= interval or checkpoints.behind() > checkpoints.sync_early:
                try:
                    checkpoints.checkpoint(self.part)
                except DownloadError as err:
                    control.fail(err)
                last = now
        deadline = time.monotonic() + 0.8
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._sample_speed()

    def _sample_speed(self) -> None:
        done = self.table.sample()
        if done > self.clock.best:  # further than ever: any outage is over
            with self.table.lock:
                self.clock.progressed(done)

    def connection_failed(
        self, err: TransientError, progressed: bool, was_down: bool, failures: int
    ) -> bool:
        """One connection's try failed; returns whether it is down (the try brought nothing).
        Every working connection down (or no progress for retry_for) is an outage: the run ends
        once, not once per connection. Otherwise this one waits and tries again."""
        now = time.time()
        down = not progressed
        with self.table.lock:
            all_down = self.table.health.failed(was_down, down)
            if down:
                self.clock.failed(now)
            verdict = self.clock.verdict(
                err.reason, err.retry_after, failures, now, self.settings.retry, _RNG
            )
        if all_down or (down and verdict.give_up):
            self.control.outage(err)
            return down
        self.log(verdict.line)
        self.control.stop.wait(verdict.delay)
        return down

    # ------------------------------------------------------------------ the run
    def _main(self) -> None:
        try:
            self._run()
            if self.outcome is None:
                self.outcome = Outcome.STOPPED
        except Outage as outage:
            if self.stop_reason is None:
                self._after_outage(outage.error)
            else:  # paused or stopped meanwhile: that wins over the outage
                with contextlib.suppress(DownloadError):
                    self.checkpoints.checkpoint(self.part)
                self.outcome = Outcome.STOPPED
        except DownloadError as err:
            self._fail(err.reason)
        except Exception as exc:  # a bug must still end as a clear, failed job
            log.exception("job %d: internal error", self.job.id)
            self._fail(f"internal error: {exc.__class__.__name__}: {exc}")
        finally:
            self.verifier.cancel()
            if self.probe is not None:
                self.probe.close()
            if self.probe_session is not None:
                self.give_back(self.probe_session)
                self.probe_session = None
            if self.part is not None:
                self.part.release()
                self.part = None
            self.table.active = 0
            self._on_finished(self)

    def _fail(self, reason: str) -> None:
        self.outcome = Outcome.FAILED
        self.error = reason
        self.job.state = JobState.FAILED
        self.job.error = reason
        self.job.retry_at = None
        with contextlib.suppress(DownloadError):
            self.checkpoints.checkpoint(self.part)
        try:
            self.changed("state", "error", "done", "retry_at")
        except Exception:
            log.exception("job %d: could not record failure", self.job.id)
        self.log(f"failed: {reason}")

    def _after_outage(self, err: TransientError) -> None:
        """Nothing gets through: keep the checkpoint, give the slot back, try again later,
        or fail with one line once `retry_for` has passed without getting further."""
        now = time.time()
        job, clock = self.job, self.clock
        with contextlib.suppress(DownloadError):
            self.checkpoints.checkpoint(self.part)
        with self.table.lock:
            verdict = clock.after_run(
                self.done_bytes(), now, err.reason, err.retry_after, self.settings.retry, _RNG
            )
        if verdict.give_up:
            self._fail(verdict.line)
            return
        job.retry_at, job.retry_since = now + verdict.delay, clock.since
        job.retry_attempts, job.retry_best = clock.attempts, clock.best
        job.state = JobState.RETRYING
        job.error = err.reason
        self.outcome = Outcome.RETRYING
        try:
            self.changed("state", "error", "done", *CLOCK_FIELDS)
        except Exception:
            log.exception("job %d: could not record the outage", job.id)
        self.log(verdict.line)

    def _run(self) -> None:
        restarts = 0
        force_stream = False
        if adopt_renamed_file(self):
            self.outcome = Outcome.COMPLETED
            return
        while True:
            if self.control.stop.is_set():
                return
            try:
                prepare(self, force_stream)
                if self.control.stop.is_set():
                    return
                transfer = StreamTransfer(self) if self.table.streaming else RangedTransfer(self)
                transfer.transfer()
                if self.control.stop.is_set():
                    fatal, outage = self.control.ended_by()
                    if fatal is not None:
                        raise fatal
                    if outage is not None and self.stop_reason is None:
                        raise Outage(outage)
                    self.checkpoints.checkpoint(self.part)
                    return
                if finish(self):
                    self.outcome = Outcome.COMPLETED
                return
            except Incomplete:
                # Every worker ended but bytes are missing: go round again from the checkpoint.
                restarts += 1
                if restarts > self.settings.max_restarts:
                    raise PermanentError("the download could not be completed") from None
                self._reset_run_state()
            except (RestartNeeded, http.RangesBroken) as err:
                if self.stop_reason is not None:
                    return
                restarts += 1
                if isinstance(err, http.RangesBroken):
                    force_stream = True
                    if err.total is not None and self.ranged_size is None:
                        self.ranged_size = err.total
                if restarts > self.settings.max_restarts:
                    raise PermanentError(
                        f"the file keeps changing on the server ({err.reason}); gave up after "
                        f"{self.settings.max_restarts} restarts"
                    ) from err
                self.log(f"starting over from 0: {err.reason}")
                self._discard_partial()
                self._reset_run_state()

    def _reset_run_state(self) -> None:
        if self.probe is not None:
            self.probe.close()
            self.probe = None
        if self.probe_session is not None:
            self.give_back(self.probe_session)
            self.probe_session = None
        if self.part is not None:
            self.part.release()
            self.part = None
        self.control.reset()

    def _discard_partial(self) -> None:
        self.checkpoints.forget()
        self.hasher = None
        self.table.clear()
        self.job.segments = []
        self.job.done = 0
        self.clock.reset()
        if self.probe is not None:
            self.probe.close()
            self.probe = None
        if self.part is not None:
            with contextlib.suppress(DownloadError):
                self.part.truncate(0)
            self.part.release()
            self.part = None
        self.store.save_progress(self.job.id, [], 0)
