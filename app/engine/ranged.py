"""The ranged transfer: worker threads, each fetching a segment with `Range` requests and
writing its bytes at their offsets, stealing work when its own runs out."""

from __future__ import annotations

import errno
import functools
import logging
import math
import time
from typing import TYPE_CHECKING

import requests

from app.engine import http
from app.engine.bodyreader import BodyReader
from app.engine.errors import (
    DownloadError,
    PermanentError,
    TransientError,
    classified,
    from_os_error,
)
from app.engine.headers import if_range_validator
from app.engine.livesegment import LiveSegment
from app.engine.pacing import WINDOW, coalesce_pause, data_ready
from app.engine.partfile import PartFile
from app.engine.reroll import Conn, to_reroll
from app.engine.threadpool import POOL, reused_buffer
from app.engine.wire import finish_response

if TYPE_CHECKING:
    from app.engine.download import Download

log = logging.getLogger("tether.engine")


class RangedTransfer:
    """Fetch every segment of `run`'s table over up to `run.connections` connections."""

    def __init__(self, run: Download) -> None:
        self.run = run
        self.table = run.table
        self.table.cutter = run.control.cut
        self.control = run.control
        assert run.part is not None
        self.part: PartFile = run.part
        self._connecting: set[int] = set()  # workers yet to get their first answer

    def transfer(self) -> None:
        run, table = self.run, self.table
        remaining = table.remaining()
        if remaining <= 0:
            return
        workers = max(1, min(run.connections, table.unfinished()))
        # More connections than segments only help if the segments can be split by stealing.
        workers = max(workers, min(run.connections, remaining // run.settings.min_split or 1))
        first = self._probe_segment()
        for _ in range(workers):
            self.part.acquire()
        table.active = workers
        self._connecting = set(range(workers))  # the checksum lookup waits for them
        threads = [
            POOL.submit(
                functools.partial(self._worker, i, first if i == 0 else None),
                f"tether-job-{run.job.id}-w{i}",
            )
            for i in range(workers)
        ]
        try:
            run.supervise(
                threads,
                self.reroll_slow if run.rerolls_left else None,
                lambda: self.table.active == 0,  # every worker is past its last step
            )
        finally:
            run.verifier.transfer_connected()
        self.control.raise_fatal()

    def _probe_segment(self) -> LiveSegment | None:
        """Worker 0 continues the probe's body on the probe's own connection (keep-alive)."""
        probe = self.run.probe
        if probe is None or probe.response is None or not probe.body_end:
            return None
        for seg in self.table.segments:
            pos = seg.start + seg.done
            if pos == probe.body_start and seg.end > pos:
                seg.owned = True
                return seg
        return None

    # ------------------------------------------------------------------ one worker
    def _worker(self, wid: int, first: LiveSegment | None) -> None:
        run, part, stop = self.run, self.part, self.control.stop
        session = run.take_probe_session() if first is not None else None
        if session is None:
            session = run.session()
        buf = reused_buffer(run.settings.buffer_size)
        my_speed = 0.0
        bucket = run.bucket
        try:
            while not stop.is_set():
                seen = self.table.generation
                # the limit in force now: one set or lifted while the download runs counts too
                limited = bucket.rate is not None
                claimed = first if first is not None else self.table.claim(my_speed, stop, limited)
                first = None
                if claimed is False:
                    break
                if claimed is None or claimed is True:
                    # Nothing worth taking yet, but others still run: stay (with a warm
                    # connection) in case a slow one falls behind, instead of exiting; look
                    # again when one ends, or every 0.1 s (a victim may go quiet meanwhile).
                    self.table.wait_for_change(seen, 0.1)
                    continue
                seg = claimed
                try:
                    self._fetch_segment(wid, session, seg, buf)
                finally:
                    self.table.release(seg)
                    if seg.speed > 0:
                        my_speed = seg.speed
        except DownloadError as err:
            self.control.fail(err)
        except Exception as exc:
            log.exception("job %d: worker %d crashed", run.job.id, wid)
            self.control.fail(PermanentError(f"internal error: {exc.__class__.__name__}: {exc}"))
        finally:
            run.give_back(session)
            part.release()
            self.control.unregister(wid)
            with self.table.lock:
                self.table.active = max(0, self.table.active - 1)
            self.control.wake.set()

    def _fetch_segment(
        self, wid: int, session: requests.Session, seg: LiveSegment, buf: bytearray
    ) -> None:
        """Fetch `seg` to its end, retrying its connection after transient errors."""
        run, table, control = self.run, self.table, self.control
        down = False  # our last try brought nothing (counted in table.health)
        failures = 0  # tries in a row that brought nothing: sets the backoff
        with table.lock:
            table.health.working += 1
        try:
            while not control.stop.is_set():
                pos = seg.start + seg.done
                if pos >= seg.end:
                    return
                resp: requests.Response | None = None
                complete = False
                try:
                    resp, body_end = self._open_range(session, pos, seg.end)
                    if self._connecting:
                        self._connected(wid)
                    if down:  # the server answers again
                        with table.lock:
                            table.health.down -= 1
                        down = False
                    seg.req_end = body_end
                    if seg.owner != wid or not seg.since:  # a new owner: measure it afresh
                        seg.owner, seg.since, seg.since_done = wid, time.monotonic(), seg.done
                    seg.last = time.monotonic()
                    control.register(wid, resp)
                    complete = self._read_body(resp, seg, pos, body_end, buf)
                except TransientError as err:
                    if control.stop.is_set():
                        return
                    if seg.reroll:  # reroll_slow() closed it: a new connection, no backoff
                        seg.reroll, seg.speed, seg.since = False, 0.0, 0.0
                        continue
                    progressed = seg.start + seg.done > pos
                    failures = 1 if progressed else failures + 1
                    down = run.connection_failed(err, progressed, down, failures)
                finally:
                    control.unregister(wid)
                    if resp is not None:
                        finish_response(resp, complete)
        finally:
            with table.lock:
                table.health.working -= 1
                table.health.down -= int(down)

    def _connected(self, wid: int) -> None:
        """Worker `wid` has its connection; the last one lets the checksum lookup go
        (autochecksum.Lookup), so its requests never take a connection before ours."""
        with self.table.lock:
            if wid not in self._connecting:
                return
            self._connecting.discard(wid)
            last = not self._connecting
        if last:
            self.run.verifier.transfer_connected()

    def _take_probe_response(self, pos: int) -> tuple[requests.Response, int] | None:
        """The probe's still-open body serves the first segment: one request fewer per file."""
        with self.table.lock:
            probe = self.run.probe
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
        job = self.run.job
        size = job.size
        assert size is not None
        taken = self._take_probe_response(pos)
        if taken is not None:
            return taken
        headers = {"Range": f"bytes={pos}-{end - 1}", "Accept-Encoding": "identity"}
        validator = if_range_validator(job.etag, job.last_modified)
        if validator is not None:
            headers["If-Range"] = validator
        with classified():
            resp = session.get(
                job.final_url or job.url, headers=headers, stream=True, timeout=self.run.timeout()
            )
        try:
            last = http.check_ranged_answer(
                resp.status_code, resp.headers, pos, size, job.etag, job.last_modified
            )
        except BaseException:
            resp.close()
            raise
        return resp, min(last + 1, size)

    # ------------------------------------------------------------------ the hot path
    def _read_body(
        self, resp: requests.Response, seg: LiveSegment, pos: int, body_end: int, buf: bytearray
    ) -> bool:
        """Copy the body into the file at `pos` until the segment ends: the per-chunk loop.

        Returns True when the body was read to its end (the connection can be reused).
        """
        stop, bucket, table = self.control.stop, self.run.bucket, self.table
        body = BodyReader(resp, stop, self.run.settings.stall_timeout)
        view = memoryview(buf)
        size = len(buf)
        left = body_end - pos  # bytes the body still holds for us
        pace = _Pace(seg)
        pause = 0.0
        hasher = self.run.hasher
        while left > 0:
            n = body.read_into(view, min(size, left, bucket.chunk), pause == 0.0)
            if n < 0:
                return False  # stopped
            left -= n
            bucket.consume(n, stop)
            take = table.reserve(seg, pos, n, stop)
            if take < 0:
                return False
            pause = pace.tick(n)
            if take > 0:
                if not self._write(view, take, pos):
                    return False
                if hasher is not None:
                    hasher.feed(pos, view if take == size else view[:take])
                pos += take
                seg.done += take
                self._hold_back(seg)
            if take < n or pos >= seg.end:
                return left == 0
            if pause and not data_ready(body.sock) and stop.wait(pause):  # cut short by stop()
                return False
        return True

    def _write(self, view: memoryview, take: int, pos: int) -> bool:
        """Write the first `take` bytes at `pos`; False if the run stopped under us."""
        try:
            self.part.write_at(view if take == len(view) else view[:take], pos)
        except OSError as exc:
            if exc.errno == errno.EBADF and self.control.stop.is_set():
                return False
            raise from_os_error(exc, self.part.path) from exc
        return True

    def _hold_back(self, seg: LiveSegment) -> None:
        """Past half the unsynced bound, ask for a checkpoint; past all of it, wait for one."""
        checkpoints = self.run.checkpoints
        unsynced = checkpoints.behind()
        if unsynced > checkpoints.sync_early:
            self.control.wake.set()  # the supervisor starts a checkpoint now
            if unsynced > checkpoints.max_unsynced:
                # Waiting on the disk, not the network: never "quiet" meanwhile, or a slow
                # disk would have this connection taken over and its bytes in flight dropped
                # (segments.takes_over), again and again.
                seg.last = math.inf
                try:
                    checkpoints.wait_durable(self.control.stop)
                finally:
                    seg.last = time.monotonic()

    # ------------------------------------------------------------------ slow connections
    def reroll_slow(self) -> None:
        """Close the connections far slower than their peers (reroll.py): each owner sees its
        read fail with `reroll` set and continues its segment on a new connection at once."""
        run = self.run
        if run.bucket.rate is not None:
            return  # a speed limit shares one bucket: slowness says nothing about the path
        now = time.monotonic()
        with self.table.lock:
            live = [s for s in self.table.segments if s.owned and s.since and not s.reroll]
            conns = [
                Conn(
                    (s.done - s.since_done) / max(now - s.since, 1e-3),
                    now - s.since,
                    s.end - max(s.start + s.done, s.reserved),
                )
                for s in live
            ]
            picked = [(live[i], conns[i].speed) for i in to_reroll(conns, run.rerolls_left)]
            if not picked:
                return
            fast = max(c.speed for c in conns)
            # between two requests a connection is not cut: it is judged again next time
            dropped = [(seg, speed) for seg, speed in picked if self.table.drop(seg)]
        for seg, speed in dropped:
            run.rerolls_left -= 1
            run.rerolls += 1
            run.log(
                f"a connection ran at {speed / 1e6:.2f} MB/s while others reached "
                f"{fast / 1e6:.2f} MB/s: reconnecting it, keeping its "
                f"{seg.done} bytes ({run.rerolls_left} re-connections left)"
            )


class _Pace:
    """One body's read rate: the segment's smoothed speed (for steal decisions, 4 updates/s)
    and how long a slow link pauses to coalesce reads (pacing.py)."""

    __slots__ = ("got", "pause", "seg", "since")

    def __init__(self, seg: LiveSegment) -> None:
        self.seg = seg
        self.since = time.monotonic()
        self.got = 0
        self.pause = 0.0

    def tick(self, n: int) -> float:
        """`n` bytes arrived; returns the pause before the next read."""
        self.got += n
        seg = self.seg
        seg.last = now = time.monotonic()
        if now - self.since >= WINDOW:
            rate = self.got / (now - self.since)
            seg.speed = rate if seg.speed == 0.0 else 0.6 * seg.speed + 0.4 * rate
            self.pause = coalesce_pause(rate)
            self.got = 0
            self.since = now
        return self.pause
