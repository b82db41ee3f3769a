"""Proxies for the network tests, on 127.0.0.1 only: tinyproxy (HTTP, CONNECT, Basic auth) run
from a config of our own, and a small threaded SOCKS5 server (RFC 1928/1929) that records the
targets it was asked for (a host name there means the client let the proxy resolve it)."""

from __future__ import annotations

import contextlib
import select
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Tinyproxy:
    """tinyproxy in the foreground with its log in `folder`; `auth` = (user, password)."""

    def __init__(self, folder: Path, auth: tuple[str, str] | None = None) -> None:
        self.folder = folder
        self.auth = auth
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "tinyproxy.log"

    @staticmethod
    def available() -> bool:
        return shutil.which("tinyproxy") is not None

    def __enter__(self) -> Tinyproxy:
        self.folder.mkdir(parents=True, exist_ok=True)
        for _attempt in range(5):  # another test run may take the port between probe and bind
            self.port = _free_port()
            lines = [
                f"Port {self.port}",
                "Listen 127.0.0.1",
                "Timeout 30",
                f'LogFile "{self.log}"',
                "LogLevel Info",
                "MaxClients 50",
                "Allow 127.0.0.1",
                "DisableViaHeader No",
                # no ConnectPort line: CONNECT to any port (the test servers' free ports)
            ]
            if self.auth is not None:
                lines.append(f"BasicAuth {self.auth[0]} {self.auth[1]}")
            conf = self.folder / "tinyproxy.conf"
            conf.write_text("\n".join(lines) + "\n")
            self._proc = subprocess.Popen(
                ["tinyproxy", "-d", "-c", str(conf)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_listening():
                return self
            self._stop()
        raise RuntimeError("tinyproxy did not start")

    def _wait_listening(self, timeout: float = 10.0) -> bool:
        """Until the port accepts (a readiness check with a deadline, not a fixed sleep)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                return False
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return True
            select.select([], [], [], 0.02)
        return False

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Socks5Server:
    """A SOCKS5 proxy with CONNECT only; `auth` = (user, password) requires RFC 1929 login."""

    def __init__(self, auth: tuple[str, str] | None = None) -> None:
        self.auth = auth
        self.targets: list[tuple[str, int]] = []  # (host as asked: a name or an address, port)
        self.refused_logins = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []

    def __enter__(self) -> Socks5Server:
        t = threading.Thread(target=self._accept, name="socks5-accept", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        with self._lock:
            for c in self._conns:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(2)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    @staticmethod
    def _read(conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _serve(self, conn: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            _ver, nmethods = self._read(conn, 2)
            methods = self._read(conn, nmethods)
            want = 2 if self.auth else 0
            if want not in methods:
                conn.sendall(b"\x05\xff")
                return
            conn.sendall(bytes([5, want]))
            if self.auth:
                _v, ulen = self._read(conn, 2)
                user = self._read(conn, ulen).decode()
                (plen,) = self._read(conn, 1)
                password = self._read(conn, plen).decode()
                ok = (user, password) == self.auth
                conn.sendall(b"\x01\x00" if ok else b"\x01\x01")
                if not ok:
                    with self._lock:
                        self.refused_logins += 1
                    return
            _v, cmd, _rsv, atyp = self._read(conn, 4)
            if atyp == 1:
                host = socket.inet_ntoa(self._read(conn, 4))
            elif atyp == 3:
                (length,) = self._read(conn, 1)
                host = self._read(conn, length).decode()
            else:
                host = socket.inet_ntop(socket.AF_INET6, self._read(conn, 16))
            (port,) = struct.unpack("!H", self._read(conn, 2))
            with self._lock:
                self.targets.append((host, port))
            if cmd != 1:
                conn.sendall(b"\x05\x07\x00\x01" + b"\0" * 6)
                return
            # Names resolve to loopback only: nothing here ever leaves the machine.
            address = "127.0.0.1" if atyp == 3 else host
            try:
                upstream = socket.create_connection((address, port), 5)
            except OSError:
                conn.sendall(b"\x05\x05\x00\x01" + b"\0" * 6)
                return
            conn.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + b"\0\0")
            self._pipe(conn, upstream)
        except (OSError, ConnectionError, ValueError):
            return
        finally:
            if upstream is not None:
                upstream.close()
            conn.close()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        pair = {a: b, b: a}
        while not self._stop.is_set():
            ready, _, _ = select.select([a, b], [], [], 0.5)
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                pair[s].sendall(data)


class TlsFront:
    """TLS in front of a plain proxy (an "HTTPS proxy": the client talks TLS to the proxy)."""

    def __init__(self, target_port: int, context: ssl.SSLContext) -> None:
        self.target_port = target_port
        self.context = context
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        self.handshakes = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> TlsFront:
        t = threading.Thread(target=self._accept, name="tls-front", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        for t in self._threads:
            t.join(2)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, raw: socket.socket) -> None:
        try:
            conn = self.context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        self.handshakes += 1
        try:
            with conn, socket.create_connection(("127.0.0.1", self.target_port), 5) as up:
                pair = {conn: up, up: conn}
                while not self._stop.is_set():
                    # TLS buffers decrypted bytes: drain what is pending before select()ing
                    ready = [conn] if conn.pending() else select.select([conn, up], [], [], 0.5)[0]
                    for s in ready:
                        data = s.recv(65536)
                        if not data:
                            return
                        pair[s].sendall(data)
        except (OSError, ssl.SSLError):
            return
