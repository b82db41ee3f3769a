"""The stream transfer: one plain GET from byte 0, for servers that can't serve ranges; after a
break it starts again from 0."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import requests

from app.engine.errors import DownloadError, TransientError, classified, from_os_error, status_error
from app.engine.headers import parse_retry_after
from app.engine.outage import ConnectionHealth
from app.engine.pacing import WINDOW, coalesce_pause, data_ready
from app.engine.partfile import PartFile
from app.engine.threadpool import POOL
from app.engine.wire import response_socket

if TYPE_CHECKING:
    from app.engine.download import Download


class StreamTransfer:
    """Fetch `run`'s file as one stream on its own thread, supervised by the job thread."""

    def __init__(self, run: Download) -> None:
        self.run = run
        self.table = run.table
        self.control = run.control
        assert run.part is not None
        self.part: PartFile = run.part

    def transfer(self) -> None:
        run = self.run
        session = run.take_probe_session() or run.session()
        self.table.active = 1
        result: list[BaseException] = []
        ended = threading.Event()

        def main() -> None:
            try:
                self._loop(session)
            except BaseException as exc:  # handed to the job thread
                result.append(exc)
            finally:
                with self.table.lock:
                    self.table.health = ConnectionHealth()
                ended.set()
                self.control.wake.set()  # the supervisor sees the end now, not at its next tick

        t = POOL.submit(main, f"tether-job-{run.job.id}-stream")
        run.supervise([t], None, ended.is_set)
        t.join(0.5)
        run.give_back(session)
        self.table.active = 0
        if result:
            raise result[0]
        self.control.raise_fatal()

    def _open(self, session: requests.Session) -> requests.Response:
        """The probe's answer the first time, else a new plain GET."""
        job = self.run.job
        with classified():
            resp = session.get(job.final_url or job.url, stream=True, timeout=self.run.timeout())
        if resp.status_code >= 400:
            resp.close()
            raise status_error(resp.status_code, parse_retry_after(resp.headers.get("Retry-After")))
        if resp.status_code != 200:
            resp.close()
            raise TransientError(f"unexpected answer {resp.status_code}")
        return resp

    def _loop(self, session: requests.Session) -> None:
        run, table, control = self.run, self.table, self.control
        job = run.job
        probe = run.probe
        first: requests.Response | None = probe.response if probe is not None else None
        if probe is not None:
            probe.response = None
        down = False
        failures = 0
        with table.lock:
            table.health.working = 1
        while not control.stop.is_set():
            best = run.clock.best  # a try that gets further than this made progress
            resp, first = first, None
            try:
                if resp is None:
                    resp = self._open(session)
                run.verifier.transfer_connected()
                control.register(0, resp)
                self._read_body(resp)
                if control.stop.is_set():
                    return
                if job.size is not None and table.stream_done != job.size:
                    raise TransientError("the server sent fewer bytes than it announced")
                return
            except TransientError as err:
                if control.stop.is_set():
                    return
                # Only getting further than ever counts: a server that always cuts the stream
                # at the same byte is an outage that ends, not a loop.
                progressed = table.stream_done > best
                with table.lock:
                    run.clock.progressed(table.stream_done)
                failures = 1 if progressed else failures + 1
                run.log(f"{err.reason}; this server cannot resume: starting again from 0")
                table.stream_done = 0
                if run.hasher is not None:
                    run.hasher.reset()
                run.checkpoints.restarted()
                self.part.truncate(0)
                down = run.connection_failed(err, progressed, down, failures)
            finally:
                control.unregister(0)
                if resp is not None:
                    resp.close()

    def _read_body(self, resp: requests.Response) -> None:
        stop, bucket, part = self.control.stop, self.run.bucket, self.part
        checkpoints, table = self.run.checkpoints, self.table
        raw = resp.raw
        size = self.run.settings.buffer_size
        boundary = classified()
        pos = 0
        monotonic = time.monotonic
        since, mark, pause = monotonic(), 0, 0.0
        sock = response_socket(resp)
        hasher = self.run.hasher
        while not stop.is_set():
            # a slow stream coalesces too (see pacing.py)
            if pause and not data_ready(sock) and stop.wait(pause):
                return
            try:
                # decode_content: a gzip-encoded plain answer is saved as the file it stands for;
                # read1 returns what has arrived, so slow streams still show progress.
                with boundary:
                    data = raw.read1(min(size, bucket.chunk), decode_content=True)
            except DownloadError:
                if stop.is_set():
                    return
                raise
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
            if hasher is not None:
                hasher.feed(pos, data)
            pos += len(data)
            table.stream_done = pos
            if pos - checkpoints.durable > checkpoints.sync_early:
                self.control.wake.set()  # the supervisor starts a checkpoint now
                if pos - checkpoints.durable > checkpoints.max_unsynced:
                    checkpoints.wait_durable(stop)
