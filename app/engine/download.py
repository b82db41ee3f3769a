"""Download: runs one job on its own threads — probe, plan, transfer with work stealing,
checkpoint, finish — until it completes, pauses or fails."""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import random
import threading
import time
from collections.abc import Callable

import requests

from app.engine import checksums, http
from app.engine.autochecksum import ChecksumFinder
from app.engine.checkpoint import Checkpointer
from app.engine.errors import (
    DownloadError,
    PermanentError,
    RestartNeeded,
    TransientError,
    from_os_error,
)
from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.outage import OutageClock
from app.engine.partfile import PartFile
from app.engine.partfile import fsync_dir as _fsync_dir  # tests/killpoint.py replaces it
from app.engine.prepare import prepare
from app.engine.ranged import RangedTransfer
from app.engine.ratelimit import TokenBucket
from app.engine.reroll import budget_for
from app.engine.retry import backoff_delay
from app.engine.runcontrol import Outage, RunControl
from app.engine.segmenttable import SegmentTable
from app.engine.settings import EngineSettings
from app.engine.stream import StreamTransfer
from app.engine.urls import redact
from app.engine.verify import Verifier, stored_checksum
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
        self._store = store
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
        self.part: PartFile | None = None
        self.probe: http.ProbeResult | None = None
        self.clock = OutageClock(
            settings.retry_for, job.retry_best, job.retry_since, job.retry_attempts
        )
        self.probe_session: requests.Session | None = None  # the probe's, for the transfer
        self.ranged_size: int | None = None  # the total a 206 Content-Range once told us
        self.rerolls_left = budget_for(self.connections) if settings.reroll_slow else 0
        self.rerolls = 0  # slow connections closed and opened again (reroll.py)
        self.outcome: Outcome | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._main, name=f"tether-job-{job.id}", daemon=True)

    # ------------------------------------------------------------------ controls
    def start(self) -> None:
        self._thread.start()

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
        )

    # ------------------------------------------------------------------ for the transfers
    def log(self, message: str) -> None:
        log.info("job %d: %s", self.job.id, message)
        try:
            self._store.add_log(self.job.id, message)
        except Exception:  # history is nice to have; never fail a job for it
            log.exception("job %d: could not record history", self.job.id)
        self._emit(EngineEvent(EventKind.LOG, self.job.id, None, message))

    def changed(self, *fields: str) -> None:
        self._store.update_job(self.job, fields or None)
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

    def supervise(self, threads: list[threading.Thread], tick: Callable[[], None] | None) -> None:
        """The job thread's loop while transfer threads run: speed samples, checkpoints, and
        `tick` (re-rolling slow connections)."""
        control, checkpoints = self.control, self.checkpoints
        interval = self.settings.checkpoint_interval
        last = time.monotonic()
        while any(t.is_alive() for t in threads):
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
            outage = all_down or (down and self.clock.expired(now))
        if outage:
            self.control.outage(err)
            return down
        delay = backoff_delay(failures, self.settings.retry, err.retry_after, _RNG)
        self.log(f"{err.reason}; retrying in {delay:.1f} s")
        self.control.stop.wait(delay)
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
            at, line = clock.after_run(
                self.done_bytes(), now, err.reason, err.retry_after, self.settings.retry, _RNG
            )
        if at is None:
            self._fail(line)
            return
        job.retry_at, job.retry_since = at, clock.since
        job.retry_attempts, job.retry_best = clock.attempts, clock.best
        job.state = JobState.RETRYING
        job.error = err.reason
        self.outcome = Outcome.RETRYING
        try:
            self.changed("state", "error", "done", *_CLOCK_FIELDS)
        except Exception:
            log.exception("job %d: could not record the outage", job.id)
        self.log(
            f"{err.reason}; trying again in {job.retry_at - now:.0f} s (attempt {clock.attempts})"
        )

    def _run(self) -> None:
        restarts = 0
        force_stream = False
        if self._adopt_renamed_file():
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
                self._finish()
                return
            except _Incomplete:
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

    def _adopt_renamed_file(self) -> bool:
        """A crash between the final rename and recording 'completed' leaves the whole file
        under its final name, no .part, and every byte recorded as done: record it as completed
        instead of fetching it all again into a second file."""
        job = self.job
        final, part_path = job.path, job.part_path
        if final is None or part_path is None or not job.size or job.done != job.size:
            return False
        if any(s.done != s.end - s.start for s in job.segments):
            return False
        if os.path.lexists(part_path) or os.path.islink(final) or not os.path.isfile(final):
            return False
        if os.path.getsize(final) != job.size:
            return False
        expected = stored_checksum(job)
        if expected is not None and _digest_of(final, expected.algo) != expected.hex:
            return False
        job.state = JobState.COMPLETED
        job.error = None
        job.finished_at = time.time()
        job.segments = []
        self._store.save_progress(job.id, [], job.done)
        self.changed("state", "error", "done", "finished_at")
        self.outcome = Outcome.COMPLETED
        self.log(f"completed: {final} was already renamed when the last run stopped")
        return True

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
        self._store.save_progress(self.job.id, [], 0)

    # ------------------------------------------------------------------ finish
    def _finish(self) -> None:
        job = self.job
        part = self.part
        assert part is not None
        self.checkpoints.checkpoint(self.part)
        done = self.done_bytes()
        if job.size is None:
            job.size = done
        elif done != job.size or part.size() != job.size:
            raise _Incomplete()
        expected = self._expected_checksum()
        if self.control.stop.is_set():
            return  # paused while a lookup was awaited: every byte stays, finish next time
        if expected is not None:
            # One read-back of the whole file. Hashing bytes while they arrive in order would
            # save it; not done (segments land out of order: it needs a contiguous-prefix hasher).
            digest = _digest_of(part.path, expected.algo)
            if digest != expected.hex:
                # Kept for the user to inspect; the recorded progress goes, so a retry
                # downloads every byte again instead of trusting any of these.
                self._forget_progress()
                raise PermanentError(
                    f"checksum mismatch: expected {expected.label} {expected.hex}, got {digest};"
                    f" the file was kept as {os.path.basename(part.path)}"
                )
            self.log(f"verified: {expected.label} matches")
        part_path = part.path  # _checkpoint() above made every byte durable
        final = job.path
        assert final is not None
        if os.path.lexists(final):
            # Someone created the name while we downloaded: never overwrite their file.
            job.file_name = self.reserve_name(job.dest_dir, job.file_name or "download", job.id)
            final = job.path
            assert final is not None
        # Close before renaming: Windows can't rename a file that is still open.
        self.part = None
        part.release()
        try:
            os.rename(part_path, final)
        except OSError as exc:
            raise from_os_error(exc, final) from exc
        _fsync_dir(job.dest_dir)
        job.state = JobState.COMPLETED
        job.error = None
        job.done = job.size
        job.finished_at = time.time()
        job.segments = []
        job.retry_at = job.retry_since = None
        job.retry_attempts = job.retry_best = 0
        self._store.save_progress(job.id, [], job.done)
        self.changed("state", "error", "done", "size", "finished_at", "file_name", *_CLOCK_FIELDS)
        self.outcome = Outcome.COMPLETED
        self.log(f"completed: {redact(job.final_url or job.url)} → {final}")

    def _expected_checksum(self) -> checksums.Checksum | None:
        """The checksum to verify: the job's own, else one found (then stored with the job)."""
        expected = stored_checksum(self.job)
        if expected is not None:
            return expected
        found = self.verifier.found(self.control.stop)
        if found is None:
            return None
        job = self.job
        job.checksum = str(found.checksum)
        job.sha256 = found.checksum.hex if found.checksum.algo == "sha256" else job.sha256
        self.changed("checksum", "sha256")
        self.log(f"checksum found: {found.checksum.label} from {redact(found.source)}")
        return found.checksum

    def _forget_progress(self) -> None:
        """Record no byte as done (the .part stays on disk): the next run starts from 0."""
        self.table.clear()
        self.checkpoints.forget()
        self.job.segments = []
        self.job.done = 0
        self._store.save_progress(self.job.id, [], 0)


_CLOCK_FIELDS = ("retry_at", "retry_since", "retry_attempts", "retry_best")


class _Incomplete(Exception):
    """Internal: the workers ended with bytes missing; resume from the last checkpoint."""


def _digest_of(path: str, algo: str) -> str:
    """Module-level so a kill point can wrap it (tests/killpoint.py)."""
    return checksums.file_digest(path, algo)
