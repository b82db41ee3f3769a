"""Reading one response body into a reused buffer as fast as the socket allows: the read half
of the per-chunk loop (ranged.py)."""

from __future__ import annotations

import ssl
import threading

import requests

from app.engine.errors import DownloadError, TransientError, classified
from app.engine.pacing import data_ready
from app.engine.wire import fast_body_reader, response_socket


class BodyReader:
    """Reads one response body into a caller's buffer, as fast as the socket allows.

    Errors leave as DownloadErrors (errors.Boundary); a read cut short because the run stopped
    returns -1 instead, so stopping is never reported as a failure.
    """

    __slots__ = ("_boundary", "_raw", "_reader", "_stop", "_tls", "sock")

    def __init__(self, resp: requests.Response, stop: threading.Event, stall: float) -> None:
        self._reader = fast_body_reader(resp)
        self.sock = response_socket(resp)
        self._tls = isinstance(self.sock, ssl.SSLSocket)
        self._raw = resp.raw
        self._stop = stop
        self._boundary = classified(stall)

    def read_into(self, view: memoryview, want: int, gather: bool) -> int:
        """Read 1..`want` bytes into `view`; -1 when the run stopped. `gather`: also take
        what has already arrived beyond the first TLS record (never waits for more)."""
        try:
            with self._boundary:
                n = self._read(view, want, gather)
        except DownloadError:
            if self._stop.is_set():
                return -1
            raise
        if n:
            return n
        if self._stop.is_set():
            return -1
        raise TransientError("connection closed before the range was complete")

    def _read(self, view: memoryview, want: int, gather: bool) -> int:
        reader = self._reader
        if reader is None:
            data = self._raw.read(want, decode_content=False)
            n = len(data)
            view[:n] = data
            return n
        n = reader.readinto1(view[:want] if want < len(view) else view)
        # A TLS read returns one <= 16 KiB record. On a fast link, take what has already
        # arrived before writing, so the per-chunk work (write, lock, bucket) runs per ~1 MiB
        # instead of per record.
        if self._tls and gather and 0 < n < want:
            sock = self.sock
            while n < want and data_ready(sock):
                more = reader.readinto1(view[n:want])
                if not more:
                    break
                n += more
        return int(n)
