"""A blocking client for the CLI: connect to a data folder's service, `hello`, call, listen.

Replies and notifications share one stream: `call` keeps notifications that arrive before
its reply, in order, for `next_notification`.
"""

from __future__ import annotations

import collections
import contextlib
import json
import socket
import time
from pathlib import Path
from typing import Any

from app.service import endpoint as ep
from app.service import protocol as p

CONNECT_TIMEOUT_S = 3.0
CALL_TIMEOUT_S = 30.0


class ServiceGone(ConnectionError):
    """The service closed the connection (it stopped, or cut us off)."""


class Client:
    """One connection to a service, after a successful `hello` (see `connect`)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.info: dict[str, Any] = {}
        self._buffer = bytearray()
        self._pending: collections.deque[dict[str, Any]] = collections.deque()
        self._next_id = 1

    # ------------------------------------------------------------------ wire
    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.sock.sendall(p.encode(message))
        except OSError as exc:
            raise ServiceGone("the service closed the connection") from exc

    def _read_message(self, timeout: float | None) -> dict[str, Any] | None:
        """The next message, or None on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 16)
            except TimeoutError:
                return None
            except OSError as exc:
                raise ServiceGone("the connection to the service broke") from exc
            if not chunk:
                raise ServiceGone("the service closed the connection")
            self._buffer += chunk
            if len(self._buffer) > p.MAX_LINE + 1 and b"\n" not in self._buffer:
                raise ServiceGone("the service sent a message that is too long")
        end = self._buffer.index(b"\n")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise ServiceGone("the service sent something that is not JSON") from exc
        if not isinstance(obj, dict):
            raise ServiceGone("the service sent something that is not a message")
        return obj

    # ------------------------------------------------------------------ API
    def call(self, method: str, timeout: float = CALL_TIMEOUT_S, **params: Any) -> Any:
        """The method's result; its error as a typed RpcError; ServiceGone if the link broke."""
        msg_id = self._next_id
        self._next_id += 1
        self._send(p.request(method, params, msg_id))
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(max(0.0, deadline - time.monotonic()))
            if message is None:
                raise ServiceGone(f"no answer from the service to {method!r}")
            if "method" in message and "id" not in message:
                self._pending.append(message)
                continue
            if message.get("id") not in (msg_id, None):
                continue  # an answer to nothing we asked: ignore
            if "error" in message:
                raise p.error_from_json(message["error"])
            return message.get("result")

    def take_pending(self) -> list[dict[str, Any]]:
        """Notifications that arrived before the last reply (so: older than it)."""
        pending = list(self._pending)
        self._pending.clear()
        return pending

    def next_notification(self, timeout: float | None) -> dict[str, Any] | None:
        """The next event/progress notification, or None after `timeout` seconds."""
        if self._pending:
            return self._pending.popleft()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            message = self._read_message(remaining)
            if message is None:
                return None
            if "method" in message and "id" not in message:
                return message

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _open(endpoint: ep.Endpoint, timeout: float) -> socket.socket:
    if endpoint.path is not None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(endpoint.path)
        except OSError:
            sock.close()
            raise
        return sock
    return socket.create_connection((endpoint.host, endpoint.port), timeout=timeout)


def connect(
    data_dir: Path, client_name: str = "tether-cli", timeout: float = CONNECT_TIMEOUT_S
) -> Client | None:
    """A greeted client of the data folder's service, or None if none answers."""
    endpoint = ep.client_endpoint(data_dir)
    if endpoint is None:
        return None
    try:
        sock = _open(endpoint, timeout)
    except OSError:
        return None  # stale socket or port: nobody is listening
    client = Client(sock)
    params: dict[str, Any] = {"protocol": p.PROTOCOL_VERSION, "client": client_name}
    if endpoint.token is not None:
        params["token"] = endpoint.token
    try:
        client.info = client.call("hello", timeout=timeout, **params)
    except (ServiceGone, p.RpcError):
        client.close()
        return None
    return client
