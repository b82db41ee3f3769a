"""Stopping one run: the stop flag, the supervisor's wake-up, the open sockets to cut, and the
first fatal error or outage that ended it."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

import requests

from app.engine import wire
from app.engine.errors import DownloadError, TransientError


class RunControl:
    """Thread-safe. `halt()` ends a run within a moment: every blocked recv() fails at once."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.wake = threading.Event()  # a worker ended or stop() ran: the supervisor looks now
        self._lock = threading.Lock()
        self._sockets: dict[int, socket.socket] = {}
        self._fatal: DownloadError | None = None
        self._outage: TransientError | None = None  # why every connection is failing
        self._on_halt: list[Callable[[], None]] = []

    def on_halt(self, callback: Callable[[], None]) -> None:
        """Also call `callback` on halt (to wake threads blocked elsewhere)."""
        self._on_halt.append(callback)

    def halt(self) -> None:
        """Set the stop flag and wake every worker blocked in recv(): its read fails at once."""
        self.stop.set()
        self.wake.set()
        with self._lock:
            socks = list(self._sockets.values())
        for sock in socks:
            with contextlib.suppress(OSError):
                _shut(sock)
        for callback in self._on_halt:
            callback()

    def register(self, key: int, resp: requests.Response) -> None:
        """Remember the socket under `resp` so halt() can cut it."""
        sock = wire.response_socket(resp)
        if sock is not None:
            with self._lock:
                self._sockets[key] = sock
            if self.stop.is_set():  # halt() ran before we registered: honour it now
                with contextlib.suppress(OSError):
                    _shut(sock)

    def unregister(self, key: int) -> None:
        with self._lock:
            self._sockets.pop(key, None)

    def cut(self, key: int, before: Callable[[], None] | None = None) -> bool:
        """Close connection `key` now (its owner's read fails); False if it has none open.

        `before` runs just ahead of the close, and only if there is one to close, under the
        lock register() and unregister() take: an owner between two requests never sees what
        it changes, and an owner whose read fails always does.
        """
        with self._lock:
            sock = self._sockets.get(key)
            if sock is None:
                return False
            if before is not None:
                before()
            with contextlib.suppress(OSError):
                _shut(sock)
        return True

    def fail(self, err: DownloadError) -> None:
        """The first fatal error wins; the run ends."""
        with self._lock:
            if self._fatal is None:
                self._fatal = err
        self.halt()

    def outage(self, err: TransientError) -> None:
        """Every connection is failing: remember why (the first reason wins) and end the run."""
        with self._lock:
            if self._outage is None:
                self._outage = err
        self.halt()

    def raise_fatal(self) -> None:
        with self._lock:
            fatal = self._fatal
        if fatal is not None:
            raise fatal

    def ended_by(self) -> tuple[DownloadError | None, TransientError | None]:
        """(the fatal error, the outage) that ended the run, if any."""
        with self._lock:
            return self._fatal, self._outage

    def reset(self) -> None:
        """A new round of the same run (after a restart from 0)."""
        self.stop.clear()
        self.wake.clear()
        with self._lock:
            self._fatal = None
            self._outage = None


class Outage(Exception):
    """Internal: every connection is failing (or nothing got further for retry_for)."""

    def __init__(self, error: TransientError) -> None:
        super().__init__(error.reason)
        self.error = error


def _shut(sock: socket.socket) -> None:
    """Shut the connection down under a blocked or later read: that read fails (or ends) at once.

    socket.socket.shutdown, never ssl.SSLSocket.shutdown: the latter also drops the TLS layer,
    and Linux's recv() still hands out what was queued before the shutdown — so the next read
    would return raw TLS records, ciphertext a re-rolled segment would write into the file.
    """
    socket.socket.shutdown(sock, socket.SHUT_RDWR)
