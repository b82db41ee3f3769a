"""Download: runs one job on its own threads — probe, plan, transfer with work stealing,
checkpoint, finish — until it completes, pauses or fails."""

from __future__ import annotations

import contextlib
import enum
import errno
import logging
import os
import random
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable

import requests

from app.engine import checksums, http, naming, samefile
from app.engine.autochecksum import ChecksumFinder, Found, Lookup, names_for
from app.engine.errors import (
    DownloadError,
    PermanentError,
    RestartNeeded,
    TransientError,
    from_os_error,
    from_request_exception,
)
from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.headers import if_range_validator
from app.engine.livesegment import LiveSegment as _Segment
from app.engine.outage import ConnectionHealth, OutageClock
from app.engine.pacing import WINDOW, coalesce_pause, data_ready
from app.engine.partfile import PartFile
from app.engine.partfile import fsync_dir as _fsync_dir  # tests/killpoint.py replaces it
from app.engine.ratelimit import TokenBucket
from app.engine.reroll import Conn, budget_for, to_reroll
from app.engine.resume import check_space, stale_reason
from app.engine.retry import backoff_delay
from app.engine.segments import gaps, plan, steal_cut, victim_speed
from app.engine.settings import EngineSettings
from app.engine.urls import redact
from app.store.jobstore import JobStore
from app.store.models import Job, JobState, SegmentRecord

log = logging.getLogger("tether.engine")


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
        self._finder = finder  # None: don't look for published checksums
        self._lookup: Lookup | None = None
        self._found: Found | None = None
        self._store = store
        self._settings = settings
        # The engine sets its rate live (own limit, share of the global one): see bandwidth.py
        self._bucket = bucket
        self._emit = emit
        self._on_finished = on_finished
        self._reserve_name = reserve_name
        self._sessions = sessions or http.SessionPool(settings.verify_tls)
        # a site rule may allow fewer connections to this host (siterules.py)
        self._connections = self._sessions.rule_for(job.final_url or job.url).clamp(
            settings.clamp_connections(job.connections)
        )
        self._max_unsynced = max(settings.max_unsynced, 4 * settings.buffer_size)
        self._sync_early = self._max_unsynced // 2

        self._lock = threading.Lock()  # guards _segments' bounds and ownership
        self._stop = threading.Event()
        self.stop_reason: StopReason | None = None
        self._fatal: DownloadError | None = None
        self._segments: list[_Segment] = []
        self._stream_done = 0  # single-stream mode progress
        self._streaming = False
        self._sockets: dict[int, socket.socket] = {}
        self._sockets_lock = threading.Lock()
        self._part: PartFile | None = None
        self._probe: http.ProbeResult | None = None
        self._clock = OutageClock(
            settings.retry_for, job.retry_best, job.retry_since, job.retry_attempts
        )
        self._outage: TransientError | None = None  # why every connection is failing
        self._health = ConnectionHealth()  # under _lock
        self._rng = random.Random()
        self._speed_samples: deque[tuple[float, int]] = deque(maxlen=10)  # ~5 s at 2 Hz
        self._active_workers = 0
        self._wake = threading.Event()  # a worker ended or stop() ran: the supervisor looks now
        self._probe_session: requests.Session | None = None
        self._persisted: list[SegmentRecord] | None = None  # what the last checkpoint wrote
        self._durable = 0  # bytes the last checkpoint made durable (for write backpressure)
        self._ranged_size: int | None = None  # the total a 206 Content-Range once told us
        self._rerolls_left = budget_for(self._connections) if settings.reroll_slow else 0
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
        self._halt()

    def _halt(self) -> None:
        """Set the stop flag and wake every worker blocked in recv(): its read fails at once."""
        self._stop.set()
        self._wake.set()
        with self._sockets_lock:
            socks = list(self._sockets.values())
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def done_bytes(self) -> int:
        if self._streaming:
            return self._stream_done
        segs = self._segments
        return sum(s.done for s in segs)

    def progress(self) -> Progress:
        done = self.done_bytes()
        samples = self._speed_samples
        speed = 0.0
        if len(samples) >= 2:
            (t0, d0), (t1, d1) = samples[0], samples[-1]
            if t1 > t0:
                speed = max(0.0, (d1 - d0) / (t1 - t0))
        if self._streaming:
            segs: tuple[tuple[int, int, int], ...] = (
                ((0, self.job.size, done),) if self.job.size else ()
            )
        else:
            segs = tuple((s.start, s.end, s.done) for s in list(self._segments))
        return Progress(
            job_id=self.job.id,
            done=done,
            size=self.job.size,
            speed=speed,
            connections=self._active_workers,
            segments=segs,
            rerolls=self.rerolls,
        )

    # ------------------------------------------------------------------ helpers
    def _log(self, message: str) -> None:
        log.info("job %d: %s", self.job.id, message)
        try:
            self._store.add_log(self.job.id, message)
        except Exception:  # history is nice to have; never fail a job for it
            log.exception("job %d: could not record history", self.job.id)
        self._emit(EngineEvent(EventKind.LOG, self.job.id, None, message))

    def _changed(self, *fields: str) -> None:
        self._store.update_job(self.job, fields or None)
        self._emit(EngineEvent(EventKind.CHANGED, self.job.id, self.job.snapshot()))

    def _timeout(self) -> tuple[float, float]:
        return (self._settings.connect_timeout, self._settings.stall_timeout)

    def _register(self, key: int, resp: requests.Response) -> None:
        sock = http.response_socket(resp)
        if sock is not None:
            with self._sockets_lock:
                self._sockets[key] = sock
            if self._stop.is_set():  # stop() ran before we registered: honour it now
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _unregister(self, key: int) -> None:
        with self._sockets_lock:
            self._sockets.pop(key, None)

    def _set_fatal(self, err: DownloadError) -> None:
        with self._lock:
            if self._fatal is None:
                self._fatal = err
        self._halt()

    # ------------------------------------------------------------------ the run
    def _main(self) -> None:
        try:
            self._run()
            if self.outcome is None:
                self.outcome = Outcome.STOPPED
        except _Outage as outage:
            if self.stop_reason is None:
                self._after_outage(outage.error)
            else:  # paused or stopped meanwhile: that wins over the outage
                with contextlib.suppress(DownloadError):
                    self._checkpoint()
                self.outcome = Outcome.STOPPED
        except DownloadError as err:
            self._fail(err.reason)
        except Exception as exc:  # a bug must still end as a clear, failed job
            log.exception("job %d: internal error", self.job.id)
            self._fail(f"internal error: {exc.__class__.__name__}: {exc}")
        finally:
            if self._lookup is not None:
                self._lookup.cancel()
            if self._probe is not None:
                self._probe.close()
            if self._probe_session is not None:
                self._give_back(self._probe_session)
                self._probe_session = None
            if self._part is not None:
                self._part.release()
                self._part = None
            self._active_workers = 0
            self._on_finished(self)

    def _fail(self, reason: str) -> None:
        self.outcome = Outcome.FAILED
        self.error = reason
        self.job.state = JobState.FAILED
        self.job.error = reason
        self.job.retry_at = None
        with contextlib.suppress(DownloadError):
            self._checkpoint()
        try:
            self._changed("state", "error", "done", "retry_at")
        except Exception:
            log.exception("job %d: could not record failure", self.job.id)
        self._log(f"failed: {reason}")

    def _run(self) -> None:
        restarts = 0
        force_stream = False
        if self._adopt_renamed_file():
            return
        while True:
            if self._stop.is_set():
                return
            try:
                self._probe_and_prepare(force_stream)
                if self._stop.is_set():
                    return
                if self._streaming:
                    self._transfer_stream()
                else:
                    self._transfer_ranged()
                if self._stop.is_set():
                    with self._lock:
                        fatal, outage = self._fatal, self._outage
                    if fatal is not None:
                        raise fatal
                    if outage is not None and self.stop_reason is None:
                        raise _Outage(outage)
                    self._checkpoint()
                    return
                self._finish()
                return
            except _Incomplete:
                # Every worker ended but bytes are missing: go round again from the checkpoint.
                restarts += 1
                if restarts > self._settings.max_restarts:
                    raise PermanentError("the download could not be completed") from None
                self._reset_run_state()
            except (RestartNeeded, http.RangesBroken) as err:
                if self.stop_reason is not None:
                    return
                restarts += 1
                if isinstance(err, http.RangesBroken):
                    force_stream = True
                    if err.total is not None and self._ranged_size is None:
                        self._ranged_size = err.total
                if restarts > self._settings.max_restarts:
                    raise PermanentError(
                        f"the file keeps changing on the server ({err.reason}); gave up after "
                        f"{self._settings.max_restarts} restarts"
                    ) from err
                self._log(f"starting over from 0: {err.reason}")
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
        expected = self._stored_checksum()
        if expected is not None and _digest_of(final, expected.algo) != expected.hex:
            return False
        job.state = JobState.COMPLETED
        job.error = None
        job.finished_at = time.time()
        job.segments = []
        self._store.save_progress(job.id, [], job.done)
        self._changed("state", "error", "done", "finished_at")
        self.outcome = Outcome.COMPLETED
        self._log(f"completed: {final} was already renamed when the last run stopped")
        return True

    def _reset_run_state(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        if self._probe_session is not None:
            self._give_back(self._probe_session)
            self._probe_session = None
        if self._part is not None:
            self._part.release()
            self._part = None
        self._stop.clear()
        self._wake.clear()
        with self._lock:
            self._fatal = None
            self._outage = None

    # ------------------------------------------------------------------ probe + plan
    def _session(self) -> requests.Session:
        return self._sessions.acquire(self.job.final_url or self.job.url)

    def _give_back(self, session: requests.Session) -> None:
        self._sessions.release(session, self.job.final_url or self.job.url)

    def _probe_file(self, force_stream: bool) -> http.ProbeResult:
        session = self._session()
        url = self.job.url
        try:
            try:
                start, end = self._probe_span()
                result = http.probe(
                    session, url, self._timeout(), ranged=not force_stream, start=start, end=end
                )
            except http.RangesBroken:
                if force_stream:
                    raise PermanentError("the server's answers are malformed") from None
                raise
            except http.RangeNotSatisfiable as err:
                result = self._after_416(url, err)
            except TransientError as err:
                # Nothing gets through: end the run, free the slot, try again later.
                raise _Outage(err) from err
            self._probe_session = session
            return result
        except BaseException:
            self._give_back(session)
            raise

    def _after_416(self, url: str, err: http.RangeNotSatisfiable) -> http.ProbeResult:
        """416 `bytes */total` to a resumed probe. Same total and every byte on disk: the file is
        complete, go and finish (and verify). Another total: the file changed, start over."""
        job = self.job
        if job.size is None or not any(s.done for s in job.segments):
            raise err
        if err.total != job.size:
            if self._new_link():
                raise PermanentError(
                    f"the new link is another file ({err.total} bytes, not {job.size} bytes);"
                    " the partial data is kept"
                )
            raise RestartNeeded(
                f"the file's size changed on the server ({job.size} → {err.total} bytes)"
            )
        if job.done != job.size:
            raise err
        return http.ProbeResult(
            final_url=job.final_url or url,
            status=206,
            size=job.size,
            resumable=True,
            etag=job.etag,
            last_modified=job.last_modified,
            content_disposition=None,
            content_type=None,
            encoded=False,
            response=None,
        )

    def _probe_span(self) -> tuple[int, int | None]:
        """The first missing range, so a resumed probe fetches only bytes we still need."""
        job = self.job
        if job.size is None or not job.resumable or not any(s.done for s in job.segments):
            return 0, None
        missing = gaps(job.size, job.segments)
        if missing:
            return missing[0]
        return max(0, job.size - 1), job.size  # all there: one byte checks the validator

    def _probe_and_prepare(self, force_stream: bool) -> None:
        job = self.job
        if job.state != JobState.DOWNLOADING or job.error:
            job.state = JobState.DOWNLOADING
            job.error = None
            self._changed("state", "error")
        probe = self._probe_file(force_stream)
        self._probe = probe
        if probe.status == 206 and probe.size is not None:
            self._ranged_size = probe.size
        elif (
            force_stream
            and probe.size is not None
            and self._ranged_size is not None
            and probe.size != self._ranged_size
        ):
            raise PermanentError(
                f"the server contradicts itself about the file's size ({self._ranged_size} vs "
                f"{probe.size} bytes); not saving an answer that can't be trusted"
            )

        # The name is chosen once and kept: a resumed job must find its own .part again.
        if job.file_name is None:
            base = naming.choose_name(probe.content_disposition, probe.final_url, job.url)
            job.file_name = self._reserve_name(job.dest_dir, base, job.id)
        if not naming.is_inside(job.dest_dir, job.file_name):
            raise PermanentError("refusing a file name that leaves the destination folder")

        resumable = probe.resumable and not force_stream and probe.size is not None
        had_progress = job.done > 0 or any(s.done for s in job.segments)
        part_path = job.part_path
        assert part_path is not None
        fresh = not had_progress
        if self._new_link():
            self._check_new_link(probe, part_path)
        elif had_progress:
            reason = stale_reason(job, probe.size, probe.validator, resumable, part_path)
            if reason:
                self._log(f"starting over from 0: {reason}")
                job.segments = []
                job.done = 0
                fresh = True
                self._clock.reset()

        job.final_url = probe.final_url
        job.size = probe.size
        job.resumable = resumable
        job.etag = probe.etag
        job.last_modified = probe.last_modified
        self._changed(
            "final_url", "size", "resumable", "etag", "last_modified", "file_name", "done"
        )
        self._look_for_checksum(probe)

        try:
            os.makedirs(job.dest_dir, exist_ok=True)
        except OSError as exc:
            raise from_os_error(exc, job.dest_dir) from exc
        self._part = PartFile(part_path)
        if resumable and probe.size is not None:
            self._streaming = False
            segs = plan(probe.size, job.segments, self._connections, self._settings.min_split)
            check_space(job.dest_dir, probe.size - sum(s.done for s in segs))
            if fresh:
                self._part.truncate(0)  # no stale bytes may survive under the new plan
            if self._part.size() != probe.size:
                self._part.truncate(probe.size)
            self._segments = [_Segment(s.start, s.end, s.done) for s in segs]
            self._checkpoint()
        else:
            self._streaming = True
            self._stream_done = 0
            if probe.size is not None:
                check_space(job.dest_dir, probe.size)
            self._part.truncate(0)
            self._segments = []
            self._checkpoint()

    def _new_link(self) -> bool:
        """Bytes on disk but no final URL: set_url() gave a new link since they came."""
        job = self.job
        had_progress = job.done > 0 or any(s.done for s in job.segments)
        return had_progress and job.final_url is None and job.size is not None and job.resumable

    def _check_new_link(self, probe: http.ProbeResult, part_path: str) -> None:
        """The same file by bytes (samefile.py), else PermanentError: the partial data stays
        for a better link. Its validators then replace the old link's."""
        job = self.job
        assert job.size is not None
        size = job.size
        if not (probe.resumable and probe.status == 206):
            raise PermanentError(
                "the new link cannot resume downloads, so it can't be checked to be the same "
                "file; the partial data is kept"
            )
        ranges = samefile.pieces([(s.start, s.start + s.done) for s in job.segments if s.done])
        try:
            fd = os.open(part_path, os.O_RDONLY)
        except OSError as exc:
            raise from_os_error(exc, part_path) from exc
        session = self._sessions.acquire(probe.final_url)
        try:
            reason = samefile.compare(
                size,
                probe.size,
                ranges,
                lambda a, b: os.pread(fd, b - a, a),
                lambda a, b: samefile.fetch_range(
                    session, probe.final_url, a, b, size, self._timeout()
                ),
            )
        finally:
            self._sessions.release(session, probe.final_url)
            os.close(fd)
        if reason is not None:
            raise PermanentError(f"{reason}; the partial data is kept")
        self._log(f"new link checked: same size, {len(ranges)} pieces on disk match")

    def _discard_partial(self) -> None:
        self._persisted = None
        self._durable = 0
        self._segments = []
        self._stream_done = 0
        self.job.segments = []
        self.job.done = 0
        self._clock.reset()
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        if self._part is not None:
            with contextlib.suppress(DownloadError):
                self._part.truncate(0)
            self._part.release()
            self._part = None
        self._store.save_progress(self.job.id, [], 0)

    # ------------------------------------------------------------------ checkpoint
    def _checkpoint(self) -> None:
        """Snapshot offsets → fsync the data → persist.

        A persisted offset is therefore never ahead of the bytes on disk.
        """
        part = self._part
        if part is None:
            return
        if self._streaming:
            done = self._stream_done
            records: list[SegmentRecord] = []
        else:
            with self._lock:
                records = [
                    SegmentRecord(s.start, s.end, s.done) for s in self._segments if s.end > s.start
                ]
            done = sum(r.done for r in records)
        if records == self._persisted and done == self.job.done:
            return  # nothing new: no fsync, no transaction (many idle jobs stay cheap)
        if done:
            part.sync()
        self._store.save_progress(self.job.id, records, done)
        self._persisted = records
        self._durable = done
        self.job.segments = records
        self.job.done = done

    def _sample_speed(self) -> None:
        done = self.done_bytes()
        self._speed_samples.append((time.monotonic(), done))
        if done > self._clock.best:  # further than ever: any outage is over
            with self._lock:
                self._clock.progressed(done)

    def _supervise(self, threads: list[threading.Thread]) -> None:
        """The job thread's loop while workers run: checkpoints and speed samples."""
        interval = self._settings.checkpoint_interval
        last = time.monotonic()
        while any(t.is_alive() for t in threads):
            # Workers and stop() set _wake, so ends are seen at once; the timeout only paces
            # speed samples and checkpoints (few wakeups: many jobs may run at once).
            self._wake.wait(0.5)
            self._wake.clear()
            self._sample_speed()
            if self._stop.is_set():
                break
            if self._rerolls_left and not self._streaming:
                self._reroll_slow()
            now = time.monotonic()
            # Start syncing at half the bound: writers carry on meanwhile (they only block at
            # the full bound), so the disk always has the next batch and never idles.
            if now - last >= interval or self.done_bytes() - self._durable > self._sync_early:
                try:
                    self._checkpoint()
                except DownloadError as err:
                    self._set_fatal(err)
                last = now
        deadline = time.monotonic() + 0.8
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._sample_speed()

    def _reroll_slow(self) -> None:
        """Close the connections far slower than their peers (reroll.py): each owner sees its
        read fail with `reroll` set and continues its segment on a new connection at once."""
        if self._bucket.rate is not None:
            return  # a speed limit shares one bucket: slowness says nothing about the path
        now = time.monotonic()
        with self._lock:
            live = [s for s in self._segments if s.owned and s.since and not s.reroll]
            conns = [
                Conn(
                    (s.done - s.since_done) / max(now - s.since, 1e-3),
                    now - s.since,
                    s.end - max(s.start + s.done, s.reserved),
                )
                for s in live
            ]
            picked = [(live[i], conns[i].speed) for i in to_reroll(conns, self._rerolls_left)]
            if not picked:
                return
            fast = max(c.speed for c in conns)
            for seg, _ in picked:
                seg.reroll = True
        for seg, speed in picked:
            with self._sockets_lock:
                sock = self._sockets.get(seg.owner)
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
            if sock is None:  # between two requests: judge it again next time
                seg.reroll = False
                continue
            self._rerolls_left -= 1
            self.rerolls += 1
            self._log(
                f"a connection ran at {speed / 1e6:.2f} MB/s while others reached "
                f"{fast / 1e6:.2f} MB/s: reconnecting it, keeping its "
                f"{seg.done} bytes ({self._rerolls_left} re-connections left)"
            )

    # ------------------------------------------------------------------ ranged transfer
    def _transfer_ranged(self) -> None:
        remaining = sum(s.end - s.start - s.done for s in self._segments)
        if remaining <= 0:
            return
        workers = max(
            1, min(self._connections, sum(1 for s in self._segments if s.end - s.start > s.done))
        )
        # More connections than segments only help if the segments can be split by stealing.
        workers = max(workers, min(self._connections, remaining // self._settings.min_split or 1))
        assert self._part is not None
        # Worker 0 continues the probe's body on the probe's own connection (keep-alive).
        first: _Segment | None = None
        probe = self._probe
        if probe is not None and probe.response is not None and probe.body_end:
            for seg in self._segments:
                pos = seg.start + seg.done
                if pos == probe.body_start and seg.end > pos:
                    seg.owned = True
                    first = seg
                    break
        threads = []
        for i in range(workers):
            self._part.acquire()
            t = threading.Thread(
                target=self._worker,
                args=(i, first if i == 0 else None),
                name=f"tether-job-{self.job.id}-w{i}",
                daemon=True,
            )
            threads.append(t)
        self._active_workers = workers
        for t in threads:
            t.start()
        self._supervise(threads)
        with self._lock:
            fatal = self._fatal
        if fatal is not None:
            raise fatal

    def _claim(self, my_speed: float) -> _Segment | bool | None:
        """An unowned segment with bytes left, else a piece of the one with most time left.

        Returns False when nothing is left to do at all, None when nothing is worth taking
        right now (others are still finishing), else the segment now owned by the caller.
        """
        with self._lock:
            if self._stop.is_set():
                return False
            free = [s for s in self._segments if not s.owned and s.end > s.start + s.done]
            if free:
                seg = max(free, key=lambda s: s.end - s.start - s.done)
                seg.owned = True
                seg.reserved = seg.start + seg.done
                seg.speed = 0.0
                return seg
            victim = None
            most = speed = 0.0
            busy = False
            fallback = max(my_speed, 1.0)
            now = time.monotonic() if self._bucket.rate is None else 0.0  # limited: all wait
            for s in self._segments:
                left = s.end - max(s.start + s.done, s.reserved)
                if left <= 0:
                    continue
                busy = True
                v = victim_speed(s.speed, now - max(s.since, s.last) if s.since and now else 0.0)
                time_left = left / (v if v > 0 else fallback)
                if time_left > most:
                    victim, most, speed = s, time_left, v
            if victim is None:
                return False if not busy else None
            pos = max(victim.start + victim.done, victim.reserved)
            if pos < victim.req_end < victim.end:
                # Its current answer (e.g. the probe's bounded piece) is already on the way:
                # cut after it, between two requests, so nothing in flight is thrown away.
                pos = victim.req_end
            cut = steal_cut(pos, victim.end, speed, my_speed, self._settings.min_split)
            if cut is None:
                return None
            new = _Segment(cut, victim.end)
            new.owned = True
            victim.end = cut
            self._segments.append(new)
            self._segments.sort(key=lambda s: s.start)
            return new

    def _worker(self, wid: int, first: _Segment | None) -> None:
        assert self._part is not None
        part = self._part
        session: requests.Session | None = None
        if first is not None and self._probe_session is not None:
            session, self._probe_session = self._probe_session, None
        if session is None:
            session = self._session()
        buf = bytearray(self._settings.buffer_size)
        my_speed = 0.0
        try:
            while not self._stop.is_set():
                claimed = first if first is not None else self._claim(my_speed)
                first = None
                if claimed is False:
                    break
                if claimed is None or claimed is True:
                    # Nothing worth taking yet, but others still run: stay (with a warm
                    # connection) in case a slow one falls behind, instead of exiting.
                    if self._stop.wait(0.1):
                        break
                    continue
                seg = claimed
                try:
                    self._fetch_segment(wid, session, seg, part, buf)
                finally:
                    with self._lock:
                        seg.owned = False
                    if seg.speed > 0:
                        my_speed = seg.speed
        except DownloadError as err:
            self._set_fatal(err)
        except Exception as exc:
            log.exception("job %d: worker %d crashed", self.job.id, wid)
            self._set_fatal(PermanentError(f"internal error: {exc.__class__.__name__}: {exc}"))
        finally:
            self._give_back(session)
            part.release()
            self._unregister(wid)
            with self._lock:
                self._active_workers = max(0, self._active_workers - 1)
            self._wake.set()

    def _take_probe_response(self, pos: int) -> tuple[requests.Response, int] | None:
        """The probe's still-open body serves the first segment: one request fewer per file."""
        with self._lock:
            probe = self._probe
            if (
                probe is None
                or probe.response is None
                or pos != probe.body_start
                or not probe.body_end
                or probe.body_end <= pos
            ):
                return None
            resp = probe.response
            probe.response = None
        return resp, probe.body_end

    def _open_range(
        self, session: requests.Session, pos: int, end: int
    ) -> tuple[requests.Response, int]:
        """GET the range [pos, end) and check the answer; returns (response, last byte + 1)."""
        job = self.job
        size = job.size
        assert size is not None
        taken = self._take_probe_response(pos)
        if taken is not None:
            return taken
        headers = {"Range": f"bytes={pos}-{end - 1}", "Accept-Encoding": "identity"}
        validator = if_range_validator(job.etag, job.last_modified)
        if validator is not None:
            headers["If-Range"] = validator
        try:
            resp = session.get(
                job.final_url or job.url, headers=headers, stream=True, timeout=self._timeout()
            )
        except Exception as exc:
            raise from_request_exception(exc) from exc
        try:
            last = http.check_ranged_answer(
                resp.status_code, resp.headers, pos, size, job.etag, job.last_modified
            )
        except BaseException:
            resp.close()
            raise
        return resp, min(last + 1, size)

    def _fetch_segment(
        self, wid: int, session: requests.Session, seg: _Segment, part: PartFile, buf: bytearray
    ) -> None:
        down = False  # our last try brought nothing (counted in self._health)
        failures = 0  # tries in a row that brought nothing: sets the backoff
        with self._lock:
            self._health.working += 1
        try:
            while not self._stop.is_set():
                pos = seg.start + seg.done
                if pos >= seg.end:
                    return
                resp: requests.Response | None = None
                complete = False
                try:
                    resp, body_end = self._open_range(session, pos, seg.end)
                    if down:  # the server answers again
                        with self._lock:
                            self._health.down -= 1
                        down = False
                    seg.req_end = body_end
                    if seg.owner != wid or not seg.since:  # a new owner: measure it afresh
                        seg.owner, seg.since, seg.since_done = wid, time.monotonic(), seg.done
                    seg.last = time.monotonic()
                    self._register(wid, resp)
                    complete = self._read_body(resp, seg, pos, body_end, part, buf)
                except (TransientError, OSError, requests.RequestException) as exc:
                    if self._stop.is_set():
                        return
                    if seg.reroll:  # _reroll_slow() closed it: a new connection, no backoff
                        seg.reroll, seg.speed, seg.since = False, 0.0, 0.0
                        continue
                    err = from_request_exception(exc)
                    if not isinstance(err, TransientError):
                        raise err from exc
                    progressed = seg.start + seg.done > pos
                    failures = 1 if progressed else failures + 1
                    down = self._connection_failed(err, progressed, down, failures)
                finally:
                    self._unregister(wid)
                    if resp is not None:
                        http.finish_response(resp, complete)
        finally:
            with self._lock:
                self._health.working -= 1
                self._health.down -= int(down)

    def _connection_failed(
        self, err: TransientError, progressed: bool, was_down: bool, failures: int
    ) -> bool:
        """One connection's try failed; returns whether it is down (the try brought nothing).
        Every working connection down (or no progress for retry_for) is an outage: the run ends
        once, not once per connection. Otherwise this one waits and tries again."""
        now = time.time()
        down = not progressed
        with self._lock:
            all_down = self._health.failed(was_down, down)
            if down:
                self._clock.failed(now)
            outage = all_down or (down and self._clock.expired(now))
            if outage and self._outage is None:
                self._outage = err
        if outage:
            self._halt()
            return down
        delay = backoff_delay(failures, self._settings.retry, err.retry_after, self._rng)
        self._log(f"{err.reason}; retrying in {delay:.1f} s")
        self._stop.wait(delay)
        return down

    def _after_outage(self, err: TransientError) -> None:
        """Nothing gets through: keep the checkpoint, give the slot back, try again later,
        or fail with one line once `retry_for` has passed without getting further."""
        now = time.time()
        job, clock = self.job, self._clock
        with contextlib.suppress(DownloadError):
            self._checkpoint()
        with self._lock:
            at, line = clock.after_run(
                self.done_bytes(), now, err.reason, err.retry_after, self._settings.retry, self._rng
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
            self._changed("state", "error", "done", *_CLOCK_FIELDS)
        except Exception:
            log.exception("job %d: could not record the outage", job.id)
        self._log(
            f"{err.reason}; trying again in {job.retry_at - now:.0f} s (attempt {clock.attempts})"
        )

    def _read_body(
        self,
        resp: requests.Response,
        seg: _Segment,
        pos: int,
        body_end: int,
        part: PartFile,
        buf: bytearray,
    ) -> bool:
        """Copy the body into the file at `pos` until the segment ends. The hot path.

        Returns True when the body was read to its end (the connection can be reused).
        """
        reader = http.fast_body_reader(resp)
        sock = http.response_socket(resp)
        tls = isinstance(sock, ssl.SSLSocket)
        raw = resp.raw
        view = memoryview(buf)
        size = len(buf)
        lock = self._lock
        stop = self._stop
        write_at = part.write_at
        bucket = self._bucket
        left = body_end - pos  # bytes the body still holds for us
        pause = 0.0
        monotonic = time.monotonic
        max_unsynced = self._max_unsynced
        sync_early = self._sync_early
        since = monotonic()
        got = 0
        while left > 0:
            want = size if left >= size else left
            if bucket.chunk < want:  # limited: small reads keep the pace smooth
                want = bucket.chunk
            try:
                if reader is not None:
                    n: int = reader.readinto1(view[:want] if want < size else view)
                    # A TLS read returns one <= 16 KiB record. On a fast link, take what has
                    # already arrived before writing, so the per-chunk work (write, lock,
                    # bucket) runs per ~1 MiB instead of per record. It never waits.
                    if tls and not pause and 0 < n < want:
                        while n < want and data_ready(sock):
                            more = reader.readinto1(view[n:want])
                            if not more:
                                break
                            n += more
                else:
                    data = raw.read(want, decode_content=False)
                    n = len(data)
                    view[:n] = data
            except TimeoutError as exc:
                if stop.is_set():
                    return False
                raise TransientError(
                    f"no data for {self._settings.stall_timeout:g} s (stalled)"
                ) from exc
            except (OSError, ValueError) as exc:
                if stop.is_set():
                    return False
                raise TransientError("connection lost mid-transfer") from exc
            except Exception as exc:
                if stop.is_set():
                    return False
                raise from_request_exception(exc) from exc
            if not n:
                if stop.is_set():
                    return False
                raise TransientError("connection closed before the range was complete")
            left -= n
            bucket.consume(n, stop)
            with lock:
                if stop.is_set():
                    return False
                limit = seg.end - pos  # a thief may have moved `end` down
                take = n if n <= limit else limit
                seg.reserved = pos + take
            got += n
            seg.last = now = monotonic()
            if now - since >= WINDOW:  # smoothed speed for steal decisions, 4 updates/s
                rate = got / (now - since)
                seg.speed = rate if seg.speed == 0.0 else 0.6 * seg.speed + 0.4 * rate
                pause = coalesce_pause(rate)  # slow links coalesce reads (pacing.py)
                got = 0
                since = now
            if take > 0:
                try:
                    write_at(view[:take], pos)
                except OSError as exc:
                    if exc.errno in (errno.EBADF,) and stop.is_set():
                        return False
                    raise from_os_error(exc, part.path) from exc
                pos += take
                seg.done += take
                unsynced = self.done_bytes() - self._durable
                if unsynced > sync_early:
                    self._wake.set()  # the supervisor starts a checkpoint now
                    if unsynced > max_unsynced:
                        self._await_checkpoint(stop)
            if take < n or pos >= seg.end:
                return left == 0
            if pause and not data_ready(sock) and stop.wait(pause):  # cut short by stop()
                return False
        return True

    def _await_checkpoint(self, stop: threading.Event) -> None:
        """Backpressure: the disk is behind; wait until a checkpoint makes our bytes durable."""
        self._wake.set()  # the supervisor checkpoints now instead of at its next tick
        while not stop.is_set() and self.done_bytes() - self._durable > self._max_unsynced:
            stop.wait(0.02)

    # ------------------------------------------------------------------ single stream
    def _transfer_stream(self) -> None:
        """One plain GET from 0 (no ranges); after a break it starts again from 0."""
        assert self._part is not None
        part = self._part
        session = self._probe_session_or_new()
        self._active_workers = 1
        result: list[BaseException] = []

        def run() -> None:
            try:
                self._stream_loop(session, part)
            except BaseException as exc:  # handed to the job thread
                result.append(exc)
            finally:
                with self._lock:
                    self._health = ConnectionHealth()
                self._wake.set()  # the supervisor sees the end now, not at its next tick

        t = threading.Thread(target=run, name=f"tether-job-{self.job.id}-stream", daemon=True)
        t.start()
        self._supervise([t])
        t.join(0.5)
        self._give_back(session)
        self._active_workers = 0
        if result:
            raise result[0]
        with self._lock:
            fatal = self._fatal
        if fatal is not None:
            raise fatal

    def _probe_session_or_new(self) -> requests.Session:
        session = getattr(self, "_probe_session", None)
        self._probe_session = None
        return session if isinstance(session, requests.Session) else self._session()

    def _stream_loop(self, session: requests.Session, part: PartFile) -> None:
        job = self.job
        first = True
        down = False
        failures = 0
        with self._lock:
            self._health.working = 1
        while not self._stop.is_set():
            best = self._clock.best  # a try that gets further than this made progress
            resp: requests.Response | None = None
            if first:
                probe = self._probe
                resp = probe.response if probe is not None else None
                if probe is not None:
                    probe.response = None
            first = False
            try:
                if resp is None:
                    try:
                        resp = session.get(
                            job.final_url or job.url, stream=True, timeout=self._timeout()
                        )
                    except Exception as exc:
                        raise from_request_exception(exc) from exc
                    if resp.status_code >= 400:
                        from app.engine.errors import status_error
                        from app.engine.headers import parse_retry_after

                        raise status_error(
                            resp.status_code, parse_retry_after(resp.headers.get("Retry-After"))
                        )
                    if resp.status_code != 200:
                        raise TransientError(f"unexpected answer {resp.status_code}")
                self._register(0, resp)
                self._stream_body(resp, part)
                if self._stop.is_set():
                    return
                if job.size is not None and self._stream_done != job.size:
                    raise TransientError("the server sent fewer bytes than it announced")
                return
            except TransientError as err:
                if self._stop.is_set():
                    return
                # Only getting further than ever counts: a server that always cuts the stream
                # at the same byte is an outage that ends, not a loop.
                progressed = self._stream_done > best
                with self._lock:
                    self._clock.progressed(self._stream_done)
                failures = 1 if progressed else failures + 1
                self._log(f"{err.reason}; this server cannot resume: starting again from 0")
                self._stream_done = 0
                self._durable = 0
                part.truncate(0)
                down = self._connection_failed(err, progressed, down, failures)
            finally:
                self._unregister(0)
                if resp is not None:
                    resp.close()

    def _stream_body(self, resp: requests.Response, part: PartFile) -> None:
        stop = self._stop
        raw = resp.raw
        size = self._settings.buffer_size
        bucket = self._bucket
        pos = 0
        monotonic = time.monotonic
        since, mark, pause = monotonic(), 0, 0.0
        sock = http.response_socket(resp)
        while not stop.is_set():
            # a slow stream coalesces too (see pacing.py)
            if pause and not data_ready(sock) and stop.wait(pause):
                return
            try:
                # decode_content: a gzip-encoded plain answer is saved as the file it stands for;
                # read1 returns what has arrived, so slow streams still show progress.
                data = raw.read1(min(size, bucket.chunk), decode_content=True)
            except Exception as exc:
                if stop.is_set():
                    return
                raise from_request_exception(exc) from exc
            if not data:
                return
            now = monotonic()
            if now - since >= WINDOW:
                pause = coalesce_pause((pos + len(data) - mark) / (now - since))
                since, mark = now, pos + len(data)
            bucket.consume(len(data), stop)
            if stop.is_set():
                return
            try:
                part.write_at(data, pos)
            except OSError as exc:
                raise from_os_error(exc, part.path) from exc
            pos += len(data)
            self._stream_done = pos
            if pos - self._durable > self._sync_early:
                self._wake.set()
                if pos - self._durable > self._max_unsynced:
                    self._await_checkpoint(stop)

    # ------------------------------------------------------------------ finish
    def _finish(self) -> None:
        job = self.job
        part = self._part
        assert part is not None
        self._checkpoint()
        done = self.done_bytes()
        if job.size is None:
            job.size = done
        elif done != job.size or part.size() != job.size:
            raise _Incomplete()
        expected = self._expected_checksum()
        if self._stop.is_set():
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
            self._log(f"verified: {expected.label} matches")
        part_path = part.path  # _checkpoint() above made every byte durable
        final = job.path
        assert final is not None
        if os.path.lexists(final):
            # Someone created the name while we downloaded: never overwrite their file.
            job.file_name = self._reserve_name(job.dest_dir, job.file_name or "download", job.id)
            final = job.path
            assert final is not None
        # Close before renaming: Windows can't rename a file that is still open.
        self._part = None
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
        self._changed("state", "error", "done", "size", "finished_at", "file_name", *_CLOCK_FIELDS)
        self.outcome = Outcome.COMPLETED
        self._log(f"completed: {redact(job.final_url or job.url)} → {final}")

    # ------------------------------------------------------------------ checksums
    def _stored_checksum(self) -> checksums.Checksum | None:
        job = self.job
        found = checksums.from_stored(job.checksum)
        if found is None and job.sha256:
            found = checksums.make("sha256", job.sha256)
        return found

    def _look_for_checksum(self, probe: http.ProbeResult) -> None:
        """Auto-checksum: the probe's Digest headers now, published files on a Lookup thread."""
        job = self.job
        if self._finder is None or self._lookup or self._found or self._stored_checksum():
            return
        # an encoded answer's digest is of the encoded bytes: not comparable to the file's
        if probe.response is not None and not probe.encoded:
            whole = probe.status == 206 and probe.body_start == 0 and probe.body_end == probe.size
            stated = checksums.from_response_headers(probe.status, probe.response.headers, whole)
            if stated is not None:
                self._found = Found(stated, "the server's Digest header")
                return
        names = names_for(probe.final_url, job.url, job.file_name)
        self._lookup = Lookup(self._finder, probe.final_url, names)

    def _expected_checksum(self) -> checksums.Checksum | None:
        """The checksum to verify: the job's own, else one found (then stored with the job)."""
        expected = self._stored_checksum()
        if expected is not None:
            return expected
        found = self._found
        if found is None and self._lookup is not None:
            found = self._lookup.result(LOOKUP_WAIT, self._stop)
        if found is None:
            return None
        job = self.job
        job.checksum = str(found.checksum)
        job.sha256 = found.checksum.hex if found.checksum.algo == "sha256" else job.sha256
        self._changed("checksum", "sha256")
        self._log(f"checksum found: {found.checksum.label} from {redact(found.source)}")
        return found.checksum

    def _forget_progress(self) -> None:
        """Record no byte as done (the .part stays on disk): the next run starts from 0."""
        with self._lock:
            self._segments = []
        self._persisted = None
        self._durable = 0
        self._stream_done = 0
        self.job.segments = []
        self.job.done = 0
        self._store.save_progress(self.job.id, [], 0)


# How long the finish step waits for a published checksum still being looked up.
LOOKUP_WAIT = 20.0
_CLOCK_FIELDS = ("retry_at", "retry_since", "retry_attempts", "retry_best")


class _Outage(Exception):
    """Internal: every connection is failing (or nothing got further for retry_for)."""

    def __init__(self, error: TransientError) -> None:
        super().__init__(error.reason)
        self.error = error


class _Incomplete(Exception):
    """Internal: the workers ended with bytes missing; resume from the last checkpoint."""


def _digest_of(path: str, algo: str) -> str:
    """Module-level so a kill point can wrap it (tests/killpoint.py)."""
    return checksums.file_digest(path, algo)
