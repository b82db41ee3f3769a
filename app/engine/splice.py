"""Socket → pipe → file without the bytes passing through Python (Linux `splice(2)`).

A plain-HTTP identity body is copied by the kernel: one copy fewer per byte than reading into
a buffer and writing it out, and no bytes object or GIL round trip per chunk. Used only where
nothing needs to see the bytes (no TLS, no in-order hash) and only once http.client's own
read buffer is known to be empty (see `Splicer.open`).
"""

from __future__ import annotations

import io
import os
import select
import socket
import threading
from typing import Any

from app.engine.errors import TransientError

_F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Linux), not exported by every Python
PIPE_SIZE = 1024 * 1024
AVAILABLE = hasattr(os, "splice") and hasattr(select, "poll")


class Splicer:
    """Moves one response body's bytes from its socket into the .part at given offsets."""

    __slots__ = ("_closed", "_r", "_sock", "_stall", "_stop", "_w", "pending")

    def __init__(self, sock: socket.socket, stall: float, stop: threading.Event) -> None:
        self._sock = sock
        self._stall = stall
        self._stop = stop
        self._r, self._w = os.pipe()
        self._closed = False
        self.pending = 0  # bytes in the pipe not yet moved to the file
        try:
            import fcntl

            fcntl.fcntl(self._w, _F_SETPIPE_SZ, PIPE_SIZE)
        except (ImportError, OSError):  # a smaller default pipe works, in more calls
            pass

    @staticmethod
    def open(
        reader: Any, sock: socket.socket | None, last_read: int, stall: float, stop: threading.Event
    ) -> Splicer | None:
        """A Splicer for a body whose buffered reader just served a `readinto1` of
        `last_read` requested bytes, or None where splicing is not safe.

        CPython's BufferedReader.readinto1 with a request larger than its buffer hands over
        what it buffered and then reads the socket straight into the caller's memory: its own
        buffer is empty afterwards, so every later byte of the body is still in the socket.
        tests/test_splice.py pins this.
        """
        if not AVAILABLE or sock is None or type(reader) is not io.BufferedReader:
            return None
        if last_read <= 2 * io.DEFAULT_BUFFER_SIZE or sock.family not in (
            socket.AF_INET,
            socket.AF_INET6,
        ):
            return None
        try:
            return Splicer(sock, stall, stop)
        except OSError:  # out of descriptors: the ordinary path still works
            return None

    def fill(self, want: int) -> int:
        """Move 1..`want` bytes from the socket into the pipe; -1 when the run stopped."""
        fd = self._sock.fileno()
        if fd < 0:
            return -1 if self._stop.is_set() else self._closed_early()
        while True:
            try:
                n = os.splice(fd, self._w, want, flags=os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK)
            except BlockingIOError:
                if not self._wait(fd):
                    if self._stop.is_set():
                        return -1
                    raise TransientError(
                        f"the server sent nothing for {self._stall:g} s (stalled)"
                    ) from None
                continue
            except OSError as exc:
                if self._stop.is_set():
                    return -1
                raise TransientError(f"connection error: {exc.strerror or exc}") from exc
            if n == 0:
                return -1 if self._stop.is_set() else self._closed_early()
            self.pending += n
            return n

    def drain_to(self, file_fd: int, n: int, offset: int) -> None:
        """Move the pipe's first `n` bytes into the file at `offset` (OSError: a disk error)."""
        while n > 0:
            moved = os.splice(self._r, file_fd, n, offset_dst=offset, flags=os.SPLICE_F_MOVE)
            if moved <= 0:
                raise OSError("splice moved nothing")
            n -= moved
            offset += moved
            self.pending -= moved

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self._r)
            os.close(self._w)

    def _wait(self, fd: int) -> bool:
        """Wait for bytes (or the end) on the socket; False after `stall` seconds or a stop."""
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        waited = 0.0
        while waited < self._stall:
            step = min(0.25, self._stall - waited)  # short slices: stop() is seen quickly
            if poller.poll(step * 1000):
                return True
            if self._stop.is_set():
                return False
            waited += step
        return False

    def _closed_early(self) -> int:
        raise TransientError("connection closed before the range was complete")
