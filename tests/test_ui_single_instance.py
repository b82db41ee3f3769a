"""Single instance: the message format, the server against hostile clients, and forwarding
between two real `python -m app` processes."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.ui.single_instance import (
    MAX_MESSAGE_BYTES,
    InstanceServer,
    decode_message,
    encode_message,
    server_name,
)

REPO = Path(__file__).resolve().parents[1]


def test_message_roundtrip_keeps_only_urls() -> None:
    urls = ["https://example.com/a", "file:///etc/passwd", "https://example.com/a", "--evil"]
    data = encode_message(urls)
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    assert decode_message(data.strip()) == ["https://example.com/a"]


def test_message_is_size_capped() -> None:
    urls = [f"https://example.com/{i}/" + "x" * 4000 for i in range(1000)]
    data = encode_message(urls)
    assert len(data) <= MAX_MESSAGE_BYTES + 1
    decoded = decode_message(data.strip())
    assert decoded and len(decoded) < 1000


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b'{"urls": "https://x.com"}',
        b'{"urls": [1, 2]}',
        b'{"urls": [], "dest": "/etc"}',
        b"\xff\xfe",
        b'{"urls": ["' + b"a" * (MAX_MESSAGE_BYTES + 10) + b'"]}',
    ],
)
def test_malformed_messages_are_rejected(raw: bytes) -> None:
    assert decode_message(raw) is None


def test_server_socket_is_private(qtbot: Any, tmp_path: Path) -> None:
    server = InstanceServer(server_name(tmp_path / "data"))
    assert server.listen()
    try:
        mode = os.stat(server.name).st_mode
        assert stat.S_ISSOCK(mode)
        assert mode & 0o077 == 0
        assert os.stat(os.path.dirname(server.name)).st_mode & 0o077 == 0
    finally:
        server.close()


def _client(name: str, urls: list[str]) -> subprocess.Popen[str]:
    code = (
        "import sys; from app.ui.single_instance import forward; "
        f"sys.exit(0 if forward({name!r}, {urls!r}) else 3)"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, text=True)


def test_server_receives_forwarded_urls(qtbot: Any, tmp_path: Path) -> None:
    server = InstanceServer(server_name(tmp_path / "data"))
    assert server.listen()
    try:
        with qtbot.waitSignal(server.urls_received, timeout=10_000) as blocker:
            proc = _client(server.name, ["https://example.com/x.iso", "junk"])
        assert blocker.args == [["https://example.com/x.iso"]]
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=10_000)
        assert proc.returncode == 0
    finally:
        server.close()


def test_server_survives_garbage_and_oversized_clients(qtbot: Any, tmp_path: Path) -> None:
    server = InstanceServer(server_name(tmp_path / "data"))
    assert server.listen()
    received: list[list[str]] = []
    server.urls_received.connect(received.append)
    try:
        bad = socket.socket(socket.AF_UNIX)
        bad.connect(server.name)
        bad.sendall(b"\x00garbage\n")
        big = socket.socket(socket.AF_UNIX)
        big.connect(server.name)
        big.setblocking(False)
        chunk = b"x" * 65536
        sent = 0
        deadline = time.monotonic() + 5
        while sent < MAX_MESSAGE_BYTES + 2 * len(chunk) and time.monotonic() < deadline:
            try:
                sent += big.send(chunk)
            except BlockingIOError:
                qtbot.wait(5)
            except (BrokenPipeError, ConnectionResetError):
                break
        # both connections dropped by the server: each socket reads end-of-file
        qtbot.waitUntil(lambda: _dropped(bad) and _dropped(big), timeout=10_000)
        assert received == []
        assert not server._buffers
        good = json.dumps({"urls": ["https://example.com/ok"]}).encode() + b"\n"
        with qtbot.waitSignal(server.urls_received, timeout=5000):
            ok = socket.socket(socket.AF_UNIX)
            ok.connect(server.name)
            ok.sendall(good)
        assert received == [["https://example.com/ok"]]
        for s in (bad, big, ok):
            s.close()
    finally:
        server.close()


def _dropped(sock: socket.socket) -> bool:
    """Whether the other end closed this connection (what it still had to say is skipped)."""
    sock.setblocking(False)
    try:
        while sock.recv(65536):
            pass
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    return True


def _wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_second_launch_hands_urls_to_the_first(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("TETHER_DATA_DIR", None)
    errors = tmp_path / "first.stderr"
    with errors.open("w") as err:
        first = subprocess.Popen(
            [sys.executable, "-m", "app", "--data-dir", str(data)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
        )
    try:
        name = server_name(data.resolve())
        assert _wait_for(lambda: os.path.exists(name), 20), "first instance never listened"
        log = data / "logs" / "tether.log"
        # Twice: the second hand-over of a session used to crash the first process at exit.
        for n in (1, 2):
            started = time.monotonic()
            second = subprocess.run(
                [sys.executable, "-m", "app", "--data-dir", str(data), f"https://e.com/{n}.iso"],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert second.returncode == 0, second.stderr
            assert time.monotonic() - started < 10
            assert _wait_for(
                lambda n=n: log.exists() and log.read_text().count("handed over 1 URL") == n, 10
            ), log.read_text() if log.exists() else "no log"
        assert first.poll() is None  # the first one keeps running
    finally:
        first.terminate()
        try:
            first.wait(10)
        except subprocess.TimeoutExpired:
            first.kill()
    assert first.returncode == 0, errors.read_text()
