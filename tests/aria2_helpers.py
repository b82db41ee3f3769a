"""An aria2 RPC server for tests: a real `aria2c --enable-rpc`, or `tether service --aria2-rpc`.

The same tests run against both, so they describe aria2's behaviour, not ours. Every process
started here is killed at teardown.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.e2e import ROOT, wait_until

SECRET = "s3cr3t-t0ken"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tether_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", TETHER_KEYRING="0")
    env.pop("TETHER_DATA_DIR", None)
    env.pop("TETHER_RPC_SECRET", None)
    return env


@dataclass
class RpcServer:
    kind: str  # "aria2c" or "tether"
    port: int
    secret: str
    dir: Path
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/jsonrpc"

    def call(
        self, method: str, *params: Any, token: str | None = None, plain: bool = False
    ) -> dict[str, Any]:
        """One raw JSON-RPC call over HTTP POST (with the secret unless `plain`); the reply."""
        args = list(params) if plain else [f"token:{self.secret if token is None else token}"]
        args += [] if plain else list(params)
        body = {"jsonrpc": "2.0", "id": "t", "method": method, "params": args}
        reply: dict[str, Any] = requests.post(self.url, json=body, timeout=10).json()
        return reply

    def result(self, method: str, *params: Any, plain: bool = False) -> Any:
        reply = self.call(method, *params, plain=plain)
        assert "result" in reply, reply
        return reply["result"]


def _answers(port: int) -> bool:
    try:
        body = {"jsonrpc": "2.0", "id": 1, "method": "system.listMethods", "params": []}
        return requests.post(f"http://127.0.0.1:{port}/jsonrpc", json=body, timeout=2).ok
    except requests.RequestException:
        return False


def start_server(kind: str, tmp: Path, secret: str = SECRET) -> RpcServer:
    port = free_port()
    downloads = tmp / f"{kind}-downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    log = tmp / f"{kind}.log"
    if kind == "aria2c":
        if shutil.which("aria2c") is None:
            pytest.skip("aria2c is not installed (apt install aria2)")
        cmd = [
            "aria2c",
            "--no-conf",
            "--enable-rpc",
            f"--rpc-listen-port={port}",
            f"--rpc-secret={secret}",
            f"--dir={downloads}",
            "--quiet",
            "--auto-file-renaming=false",
        ]
        env = dict(os.environ)
    else:
        data = tmp / "tether-data"
        cmd = [sys.executable, "-m", "app", "--data-dir", str(data), "service"]
        cmd += ["--aria2-rpc", str(port), "--rpc-secret", secret]
        env = tether_env()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, env=env, cwd=tmp)
    server = RpcServer(kind, port, secret, downloads, proc, log)
    try:
        wait_until(lambda: proc.poll() is None and _answers(port), 30, f"{kind} to listen")
    except AssertionError:
        stop_server(server)
        raise AssertionError(f"{kind} did not start:\n{log.read_text(errors='replace')}") from None
    return server


def stop_server(server: RpcServer) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(5)


@contextlib.contextmanager
def running(kind: str, tmp: Path, secret: str = SECRET) -> Iterator[RpcServer]:
    server = start_server(kind, tmp, secret)
    try:
        yield server
    finally:
        stop_server(server)


def poll(
    fetch: Callable[[], dict[str, Any]], until: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    """Fetch until the answer satisfies `until` (deadline 30 s); the last answer."""
    deadline = time.monotonic() + 30
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {value}")
        time.sleep(0.05)
