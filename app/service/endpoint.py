"""Where a data folder's service listens: a user-only Unix socket, or loopback TCP + token.

Unix: `<runtime dir (0700)>/service-<instance key>.sock`, mode 0600. Windows (no Unix socket
permissions to rely on): 127.0.0.1 on a random port, and a random token the client must send
in `hello`, both in `service-<key>.json` in the same user-only directory. Only the holder of
the data-dir lock writes either, so whatever is there without a listener is stale.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from app.paths import instance_key, runtime_dir


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How to reach one service: a socket path, or host/port plus the token to present."""

    path: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None

    @property
    def is_unix(self) -> bool:
        return self.path is not None


def use_tcp() -> bool:
    """TCP where Unix sockets can't be made private (Windows); TETHER_RPC_TCP=1 forces it."""
    return sys.platform == "win32" or os.environ.get("TETHER_RPC_TCP") == "1"


def socket_path(data_dir: Path) -> Path:
    return runtime_dir() / f"service-{instance_key(data_dir)}.sock"


def info_path(data_dir: Path) -> Path:
    return runtime_dir() / f"service-{instance_key(data_dir)}.json"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def write_info(data_dir: Path, endpoint: Endpoint) -> None:
    """Publish the TCP port and token, readable by this user only, atomically."""
    target = info_path(data_dir)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"host": endpoint.host, "port": endpoint.port, "token": endpoint.token}, f)
    os.replace(tmp, target)


def read_info(data_dir: Path) -> Endpoint | None:
    """The published TCP endpoint, or None if there is none (or it is unreadable)."""
    try:
        obj = json.loads(info_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(obj, dict):
        return None
    host, port, token = obj.get("host"), obj.get("port"), obj.get("token")
    if host != "127.0.0.1" or not isinstance(port, int) or not isinstance(token, str):
        return None  # loopback only, whatever the file says
    return Endpoint(host=host, port=port, token=token)


def client_endpoint(data_dir: Path) -> Endpoint | None:
    """Where a client should connect for this data dir (None: nothing published)."""
    if use_tcp():
        return read_info(data_dir)
    path = socket_path(data_dir)
    return Endpoint(path=str(path)) if path.exists() else None


def remove_published(data_dir: Path) -> None:
    """Forget the endpoint (the lock holder, on the way out or before publishing anew)."""
    for path in (socket_path(data_dir), info_path(data_dir)):
        with contextlib.suppress(FileNotFoundError, OSError):
            path.unlink()
