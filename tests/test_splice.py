"""Plain-HTTP bodies moved socket → pipe → file by the kernel (app/engine/splice.py): the
buffered-reader behaviour it relies on, the same bytes as the ordinary path, and where it
must not be used (an in-order hash needs to see the bytes; the setting turns it off)."""

from __future__ import annotations

import io
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from app.engine import splice
from app.store import JobState
from tests.engine_helpers import KIB, MIB, download, payload, settings, sha
from tests.support.faultserver import FaultServer

pytestmark = pytest.mark.skipif(not splice.AVAILABLE, reason="splice(2) is Linux-only")


def test_a_large_readinto1_leaves_the_buffered_reader_empty() -> None:
    """What Splicer.open relies on: after readinto1 into more than the reader's buffer, every
    later byte is still in the socket (none hides in http.client's buffer)."""
    a, b = socket.socketpair()
    data = payload(400 * KIB, seed=3)
    sender = threading.Thread(target=a.sendall, args=(data,))
    sender.start()
    reader = b.makefile("rb")  # what http.client reads a response through
    assert type(reader) is io.BufferedReader
    reader.read(100)  # a status line and headers fill the buffer first
    buf = bytearray(3 * io.DEFAULT_BUFFER_SIZE)
    got = bytearray(data[:100])
    n = reader.readinto1(buf)
    got += buf[:n]
    while len(got) < len(data):  # the rest straight off the socket
        chunk = b.recv(len(data) - len(got))
        assert chunk
        got += chunk
    sender.join()
    assert bytes(got) == data
    a.close()
    b.close()


@pytest.fixture
def spliced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes moved by the kernel path."""
    moved: list[int] = []
    original = splice.Splicer.drain_to

    def counting(self: Any, fd: int, n: int, offset: int) -> None:
        moved.append(n)
        original(self, fd, n, offset)

    monkeypatch.setattr(splice.Splicer, "drain_to", counting)
    return moved


def test_spliced_download_is_byte_exact_and_can_be_turned_off(
    server: FaultServer, tmp_path: Path, spliced: list[int]
) -> None:
    data = payload(3 * MIB + 17, seed=21)
    server.add_file("/s.bin", data)
    for i, connections in enumerate((1, 4)):
        spliced.clear()
        job = download(tmp_path / f"on{i}", server.url("/s.bin"), connections=connections)
        assert job.state == JobState.COMPLETED, job.error
        assert Path(job.path or "").read_bytes() == data
        assert sum(spliced) > len(data) // 2  # most of it went through the kernel
    spliced.clear()
    job = download(tmp_path / "off", server.url("/s.bin"), cfg=settings(splice=False))
    assert job.state == JobState.COMPLETED and Path(job.path or "").read_bytes() == data
    assert spliced == []


def test_a_connection_dropped_mid_splice_resumes_exactly(
    server: FaultServer, tmp_path: Path, spliced: list[int]
) -> None:
    data = payload(2 * MIB, seed=22)
    spec = server.add_file("/d.bin", data)
    spec.drop_after, spec.drop_times = 700 * KIB + 3, 2
    job = download(tmp_path, server.url("/d.bin"), connections=1)
    assert job.state == JobState.COMPLETED, job.error
    assert Path(job.path or "").read_bytes() == data
    assert spliced


def test_in_order_hashing_reads_the_bytes_itself(
    server: FaultServer, tmp_path: Path, spliced: list[int]
) -> None:
    data = payload(2 * MIB, seed=23)
    server.add_file("/h.bin", data)
    job = download(tmp_path, server.url("/h.bin"), connections=1, sha256=sha(data))
    assert job.state == JobState.COMPLETED and job.verified == "sha256"
    assert spliced == []  # the hash had to see every byte
