"""What Tether reads from under requests' public API — urllib3's and http.client's private
attributes — kept in this one module; tests/test_wire.py pins each behaviour it relies on, so a
library upgrade that changes them fails there first, not as a slow or stuck download."""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Any

import requests

from app.engine.errors import DownloadError, TransientError, classified
from app.engine.pacing import data_ready


def response_socket(resp: requests.Response) -> socket.socket | None:
    """The socket under a streamed response, so another thread can abort a blocked read."""
    raw = resp.raw
    conn = getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def fast_body_reader(resp: requests.Response) -> Any | None:
    """The buffered socket reader under an identity, non-chunked body — for `readinto1`.

    Reading straight from it into one reused buffer skips urllib3's per-chunk bytes objects.
    None when the body is chunked or encoded: then the caller uses resp.raw.read().
    """
    fp = getattr(resp.raw, "_fp", None)  # http.client.HTTPResponse
    if fp is None or getattr(fp, "chunked", True):
        return None
    reader = getattr(fp, "fp", None)  # io.BufferedReader over the socket
    if reader is None or not hasattr(reader, "readinto1"):
        return None
    return reader


def finish_response(resp: requests.Response, complete: bool) -> None:
    """Give a fully read connection back for keep-alive; drop one cut short."""
    if complete:
        fp = getattr(resp.raw, "_fp", None)
        try:
            if fp is not None and getattr(fp, "length", None) not in (None, 0):
                # we read the body ourselves: tell http.client it's over so the socket is reusable
                fp.length = 0
                fp.close()
            resp.raw.release_conn()
            return
        except Exception:  # fall back to dropping the connection
            pass
    resp.close()


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
