"""Pins each behaviour app/engine/wire.py reads from under requests' public API (urllib3's and
http.client's private attributes), so a library upgrade that changes one fails here first —
not as a download that can't be stopped, a slow engine or a connection never reused."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from app.engine.wire import (
    fast_body_reader,
    finish_response,
    proxy_address,
    response_socket,
    socks_address,
)
from tests.engine_helpers import KIB, MIB, payload
from tests.support.faultserver import FaultServer


def test_the_socket_under_a_streamed_response_lets_another_thread_cut_a_blocked_read(
    server: FaultServer,
) -> None:
    """What stop() relies on: shutting the socket down ends a read blocked in recv() at once."""
    server.add_file("/slow.bin", payload(1 * MIB), rate=4 * KIB)
    with requests.Session() as session:
        resp = session.get(server.url("/slow.bin"), stream=True, timeout=(5, 30))
        sock = response_socket(resp)
        assert isinstance(sock, socket.socket)
        reading = threading.Event()
        ended = threading.Event()

        def read_all() -> None:
            reading.set()
            try:
                while resp.raw.read(64 * KIB, decode_content=False):
                    pass
            except Exception:  # a cut connection may also raise: either way the read ended
                pass
            ended.set()

        thread = threading.Thread(target=read_all, daemon=True)
        thread.start()
        assert reading.wait(5)
        time.sleep(0.2)  # let it block in recv() (4 KiB/s: the body takes minutes)
        assert not ended.is_set()
        sock.shutdown(socket.SHUT_RDWR)
        assert ended.wait(2), "a read blocked in recv() did not end when its socket was cut"
        resp.close()


def test_the_fast_reader_reads_an_identity_body_into_a_buffer(server: FaultServer) -> None:
    data = payload(300 * KIB)
    server.add_file("/f.bin", data)
    with requests.Session() as session:
        resp = session.get(server.url("/f.bin"), stream=True, timeout=10)
        reader = fast_body_reader(resp)
        assert reader is not None and hasattr(reader, "readinto1")
        buf = bytearray(64 * KIB)
        view = memoryview(buf)
        got = bytearray()
        while len(got) < len(data):
            n = reader.readinto1(view)
            assert n > 0
            got += view[:n]
        assert bytes(got) == data
        resp.close()


def test_a_chunked_body_is_left_to_urllib3(server: FaultServer) -> None:
    """readinto1 on a chunked body would write the chunk framing into the file."""
    data = payload(100 * KIB)
    server.add_file("/c.bin", data, chunked=True)
    with requests.Session() as session:
        resp = session.get(server.url("/c.bin"), stream=True, timeout=10)
        assert resp.headers.get("Transfer-Encoding") == "chunked"
        assert fast_body_reader(resp) is None
        assert resp.raw.read(decode_content=False) == data
        resp.close()


def test_a_body_read_past_urllib3_still_gives_its_connection_back(server: FaultServer) -> None:
    """finish_response(complete=True): the next request reuses the socket (keep-alive)."""
    data = payload(200 * KIB)
    server.add_file("/k.bin", data)
    with requests.Session() as session:
        resp = session.get(server.url("/k.bin"), stream=True, timeout=10)
        first = response_socket(resp)
        assert first is not None
        local = first.getsockname()
        reader = fast_body_reader(resp)
        assert reader is not None
        left = len(data)
        buf = bytearray(left)
        while left:
            left -= reader.readinto1(memoryview(buf)[len(data) - left :])
        finish_response(resp, complete=True)
        again = session.get(server.url("/k.bin"), stream=True, timeout=10)
        second = response_socket(again)
        assert second is not None and second.getsockname() == local
        again.close()


def test_a_refused_proxy_is_named_by_its_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    proxies = {"http": f"http://127.0.0.1:{port}", "https": f"http://127.0.0.1:{port}"}
    with pytest.raises(requests.exceptions.ProxyError) as caught:
        requests.get("http://example.invalid/f", proxies=proxies, timeout=5)
    assert proxy_address(caught.value) == ("127.0.0.1", port)


def test_a_refused_socks_proxy_is_named_by_its_address() -> None:
    pytest.importorskip("socks")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxies = {"http": f"socks5://127.0.0.1:{port}", "https": f"socks5://127.0.0.1:{port}"}
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.get("http://example.invalid/f", proxies=proxies, timeout=5)
    assert socks_address(caught.value) == ("127.0.0.1", port)
