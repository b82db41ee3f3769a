"""One window per data directory: a later launch hands its URLs to the running one.

The running instance listens on a QLocalServer whose socket sits in the user's runtime dir
(0700) and is itself restricted to the user. A later launch connects, sends one JSON message
`{"urls": [...]}` (size-capped, URLs only: never paths or options), waits for "ok" and exits.
The receiving side trusts nothing: it caps the size, parses strictly, and keeps only
well-formed download URLs, which then go through the normal add dialog.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import time
from pathlib import Path

from shiboken6 import Shiboken

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.paths import instance_key, runtime_dir
from app.urls import MAX_URLS, dedupe, is_download_url

log = logging.getLogger("tether.ui.instance")

MAX_MESSAGE_BYTES = 1 << 20
CLIENT_TIMEOUT_MS = 3000
ACK = b"ok\n"


def server_name(data_dir: Path) -> str:
    """A full socket path on Unix (in the private runtime dir); a pipe name on Windows."""
    name = f"tether-{instance_key(data_dir)}"
    if sys.platform == "win32":
        return name
    return str(runtime_dir() / f"{name}.sock")


def encode_message(urls: list[str]) -> bytes:
    """The forwarded message: one JSON object, newline-terminated, at most MAX_MESSAGE_BYTES."""
    kept: list[str] = []
    size = len(b'{"urls": []}\n')
    for url in dedupe(u for u in urls if is_download_url(u)):
        cost = len(json.dumps(url)) + 2
        if size + cost > MAX_MESSAGE_BYTES or len(kept) >= MAX_URLS:
            break
        kept.append(url)
        size += cost
    return json.dumps({"urls": kept}).encode("utf-8") + b"\n"


def decode_message(data: bytes) -> list[str] | None:
    """URLs from a message, or None if it is not exactly what encode_message makes."""
    if len(data) > MAX_MESSAGE_BYTES:
        return None
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(obj, dict) or set(obj) != {"urls"} or not isinstance(obj["urls"], list):
        return None
    urls = obj["urls"]
    if len(urls) > MAX_URLS or not all(isinstance(u, str) for u in urls):
        return None
    return dedupe(u for u in urls if is_download_url(u))


def forward(name: str, urls: list[str], timeout_ms: int = CLIENT_TIMEOUT_MS) -> bool:
    """Send URLs to a running instance; True once it acknowledged them."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(encode_message(urls))
    sock.flush()  # often writes everything at once; then there is nothing left to wait for
    while sock.bytesToWrite() > 0:
        if not sock.waitForBytesWritten(timeout_ms):
            sock.abort()
            return False
    reply = b""
    deadline = time.monotonic() + timeout_ms / 1000
    while len(reply) < len(ACK) and time.monotonic() < deadline:
        # The answer may already sit in the buffer (read while waiting for the write).
        if sock.bytesAvailable():
            reply += bytes(sock.readAll().data())
        elif not sock.waitForReadyRead(max(1, int((deadline - time.monotonic()) * 1000))):
            reply += bytes(sock.readAll().data())
            break
    sock.disconnectFromServer()
    return reply.startswith(ACK)


class InstanceServer(QObject):
    """Listens for later launches; emits `urls_received(list[str])` (possibly empty: 'show')."""

    urls_received = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_new_connection)
        self._buffers: dict[QLocalSocket, bytearray] = {}
        self._finished: list[QLocalSocket] = []

    def listen(self) -> bool:
        """Take over the name. Only call while holding the data-dir lock: any socket file left
        there is then stale (its owner is gone)."""
        QLocalServer.removeServer(self.name)
        if not self.server.listen(self.name):
            log.warning("single-instance server: %s", self.server.errorString())
            return False
        if sys.platform != "win32":
            with contextlib.suppress(OSError):
                os.chmod(self.name, 0o600)
        return True

    def close(self) -> None:
        self.server.close()
        for sock in list(self._buffers):
            sock.abort()
        self._buffers.clear()
        for sock in self._finished:
            sock.abort()

    def _on_new_connection(self) -> None:
        self._reap()
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            if sock is None:
                break
            self._buffers[sock] = bytearray()
            sock.readyRead.connect(functools.partial(self._on_ready_read, sock))
            sock.disconnected.connect(functools.partial(self._drop, sock))
            # A client that never finishes its message is cut off.
            timer = QTimer(sock)  # dies with the socket, so it can never fire for a dead one
            timer.setSingleShot(True)
            timer.timeout.connect(functools.partial(self._drop, sock, True))
            timer.start(CLIENT_TIMEOUT_MS)

    def _on_ready_read(self, sock: QLocalSocket) -> None:
        buf = self._buffers.get(sock)
        if buf is None:
            return
        buf += bytes(sock.readAll().data())
        if len(buf) > MAX_MESSAGE_BYTES + 1:
            log.warning("single-instance message too large; dropped")
            self._drop(sock, abort=True)
            return
        if b"\n" not in buf:
            return
        message = bytes(buf[: buf.index(b"\n")])
        urls = decode_message(message)
        if urls is None:
            log.warning("malformed single-instance message ignored")
            self._drop(sock, abort=True)
            return
        sock.write(ACK)
        sock.flush()
        self._drop(sock)
        self.urls_received.emit(urls)

    def _drop(self, sock: QLocalSocket, abort: bool = False) -> None:
        if self._buffers.pop(sock, None) is None:
            return
        # Python slots go first: a socket destroyed while still closing emits `disconnected`
        # from its destructor, and a Python slot running then crashes PySide.
        sock.readyRead.disconnect()
        sock.disconnected.disconnect()
        if abort:
            sock.abort()
        else:
            sock.disconnectFromServer()  # after the pending "ok" is written
        # No deleteLater(): a deferred delete still pending when this object goes away
        # crashes PySide. Finished sockets stay our children until the next connection
        # reaps them (see _reap) or close() ends them all.
        self._finished.append(sock)

    def _reap(self) -> None:
        """Free sockets that finished earlier, outside any of their own signal handlers."""
        keep = []
        for sock in self._finished:
            if sock.state() == QLocalSocket.LocalSocketState.UnconnectedState:
                _free(sock)
            else:
                keep.append(sock)
        self._finished = keep


def _free(sock: QLocalSocket) -> None:
    """Delete a finished socket now. It leaves its parent first: deleted while still listed
    as the server's child, its stale wrapper crashed the process when the server's wrapper
    went away at exit (issue 9: the second `tether URL` of a session)."""
    sock.setParent(None)
    Shiboken.delete(sock)
