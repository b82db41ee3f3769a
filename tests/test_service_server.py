"""The RPC server in-process (engine + server on a loop thread, real sockets): permissions,
a stuck client, a garbage client, the TCP transport's token, limits, progress batching."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from app.service import endpoint as ep
from app.service import protocol as p
from app.service.api import ServiceApi
from app.service.client import Client, connect
from app.service.server import RpcServer
from app.store import JobStore
from tests.engine_helpers import FAST, KIB, MIB, file_sha, payload, sha
from tests.support.e2e import wait_until
from tests.support.faultserver import FaultServer


class ServiceThread:
    """An engine and its RpcServer on an asyncio loop in a thread, like `tether service`."""

    def __init__(self, data_dir: Path, tcp: bool = False, **server_kw: Any) -> None:
        self.data_dir = data_dir
        self.tcp = tcp
        self.server_kw = server_kw
        self.server: RpcServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def __enter__(self) -> ServiceThread:
        self._thread.start()
        assert self._ready.wait(20), "service thread did not start"
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *_: object) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)
        assert not self._thread.is_alive()

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        store = JobStore.open(self.data_dir / "db.sqlite3")
        engine = Engine(store, FAST)
        await engine.start()
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        api = ServiceApi(engine, data_dir=self.data_dir, on_stop=self._stop.set)
        self.server = RpcServer(api, **self.server_kw)
        await self.server.start(self.data_dir, tcp=self.tcp)
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await engine.shutdown()
            await self.server.close()
            store.close()

    def client(self) -> Client:
        client = connect(self.data_dir, "test")
        assert client is not None
        return client


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ServiceThread]:
    with ServiceThread(tmp_path / "data") as svc:
        yield svc


def raw_socket(svc: ServiceThread) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(ep.socket_path(svc.data_dir)))
    sock.settimeout(10)
    return sock


def read_lines(sock: socket.socket, n: int) -> list[dict[str, Any]]:
    buf = b""
    while buf.count(b"\n") < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return [json.loads(x) for x in buf.splitlines()[:n]]


def test_socket_is_user_only_in_a_private_directory(service: ServiceThread) -> None:
    path = ep.socket_path(service.data_dir)
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.stat().st_uid == os.getuid()


def test_stuck_subscriber_is_dropped_without_slowing_anyone(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(3 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.rate = 768 * KIB  # per connection; 2 connections: ~2 s
    kw = {"max_queue_messages": 64, "max_queue_bytes": 64 * KIB}
    with ServiceThread(tmp_path / "data", **kw) as svc:
        assert svc.server is not None
        stuck = raw_socket(svc)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        hello = {"jsonrpc": "2.0", "id": 1, "method": "hello", "params": {"protocol": 1}}
        sub = {"jsonrpc": "2.0", "id": 2, "method": "subscribe", "params": {"segments": True}}
        stuck.sendall(p.encode(hello) + p.encode(sub))  # ... and never reads again
        with svc.client() as client:
            wait_until(lambda: svc.server is not None and svc.server.client_count == 2, 5, "2")
            started = time.monotonic()
            job = client.call("add", url=server.url("/f.bin"), dir=str(tmp_path / "o"))["job"]
            client.call("configure", id=job["id"], connections=2)
            slowest = 0.0
            while client.call("jobs.get", id=job["id"])["job"]["state"] != "completed":
                t0 = time.monotonic()
                if not svc.server.dropped:  # flood the stuck subscriber with job events
                    client.call("configure", id=job["id"], speed_limit=None)
                else:
                    client.next_notification(0.05)  # (not subscribed: just a short wait)
                slowest = max(slowest, time.monotonic() - t0)
                assert time.monotonic() - started < 20, "download too slow"
            took = time.monotonic() - started
        wait_until(lambda: svc.server is not None and svc.server.dropped == 1, 10, "the drop")
        stuck.close()
    assert file_sha(tmp_path / "o" / "f.bin") == sha(data)
    assert took < 8, f"download took {took:.1f} s with a stuck client connected"
    assert slowest < 2.0, f"a call took {slowest:.2f} s"


def test_garbage_client_gets_errors_then_oversized_line_cuts_it_off(
    service: ServiceThread,
) -> None:
    sock = raw_socket(service)
    sock.sendall(b"\xff\xfe garbage\n{}\n[1,2]\n" + b'{"jsonrpc":"2.0","id":1,"method":"add"}\n')
    replies = read_lines(sock, 4)
    codes = [r["error"]["code"] for r in replies]
    assert codes == [-32700, -32600, -32600, p.HelloRequired.code]
    sock.sendall(b"x" * (p.MAX_LINE + 10))
    (last,) = read_lines(sock, 1)
    assert last["error"]["code"] == p.InvalidRequest.code
    assert sock.recv(10) == b""  # disconnected
    sock.close()
    with service.client() as client:  # the service is fine
        assert client.call("jobs.list")["total"] == 0


def test_silent_client_is_dropped_after_the_hello_timeout(tmp_path: Path) -> None:
    with ServiceThread(tmp_path / "data", hello_timeout=0.5) as svc:
        sock = raw_socket(svc)
        (reply,) = read_lines(sock, 1)
        assert reply["error"]["code"] == p.HelloRequired.code
        assert sock.recv(10) == b""
        sock.close()
        chatty = raw_socket(svc)  # junk lines don't extend the time to say hello
        started, received = time.monotonic(), b""
        try:
            with contextlib.suppress(OSError):
                while time.monotonic() - started < 5 and b"hello_required" not in received:
                    try:
                        chatty.sendall(b"{}\n")
                    except OSError:
                        break  # the service hung up: what it said before is still to be read
                    chunk = chatty.recv(65536)
                    if not chunk:
                        break
                    received += chunk
            with contextlib.suppress(OSError):
                while chunk := chatty.recv(65536):  # the rest, up to the disconnect
                    received += chunk
        finally:
            chatty.close()
        assert b"invalid_request" in received and b"hello_required" in received
        assert time.monotonic() - started < 3


def test_too_many_clients_get_busy(tmp_path: Path) -> None:
    with ServiceThread(tmp_path / "data", max_clients=2) as svc:
        a, b = svc.client(), svc.client()
        sock = raw_socket(svc)
        (reply,) = read_lines(sock, 1)
        assert reply["error"]["code"] == p.Busy.code
        sock.close()
        a.close()
        wait_until(lambda: svc.server is not None and svc.server.client_count == 1, 5, "close")
        with svc.client() as c:
            assert c.call("jobs.list")["total"] == 0
        b.close()


def test_tcp_transport_needs_the_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_RPC_TCP", "1")
    with ServiceThread(tmp_path / "data", tcp=True) as svc:
        info = ep.info_path(svc.data_dir)
        assert stat.S_IMODE(info.stat().st_mode) == 0o600
        endpoint = ep.read_info(svc.data_dir)
        assert endpoint is not None and endpoint.port > 0 and endpoint.token
        with svc.client() as good:
            assert good.info["protocol"] == 1
        for token in ("wrong", None):
            sock = socket.create_connection(("127.0.0.1", endpoint.port), timeout=10)
            params: dict[str, Any] = {"protocol": 1}
            if token:
                params["token"] = token
            sock.sendall(p.encode(p.request("hello", params, 1)))
            (reply,) = read_lines(sock, 1)
            assert reply["error"]["code"] == p.Unauthorized.code
            assert sock.recv(10) == b""  # one guess per connection
            sock.close()
    assert not ep.info_path(tmp_path / "data").exists()  # unpublished on close


def test_progress_is_batched_at_most_4_hz_with_only_changes(
    server: FaultServer, service: ServiceThread, tmp_path: Path
) -> None:
    spec = server.add_file("/p.bin", payload(2 * MIB))
    spec.rate = 256 * KIB
    with service.client() as client:
        client.call("subscribe", progress=True)
        job = client.call("add", url=server.url("/p.bin"), dir=str(tmp_path / "o"))["job"]
        batches: list[tuple[float, list[dict[str, Any]]]] = []
        states: list[str] = []
        started = time.monotonic()
        deadline = started + 30
        while "completed" not in states and time.monotonic() < deadline:
            msg = client.next_notification(1.0)
            if msg is None:
                continue
            if msg["method"] == "progress":
                batches.append((time.monotonic(), msg["params"]["jobs"]))
            elif msg["params"].get("id") == job["id"] and "job" in msg["params"]:
                states.append(msg["params"]["job"]["state"])
        took = time.monotonic() - started
    # the "added" event's snapshot is taken before the scheduler starts the job
    assert states[0] == "queued" and states[-1] == "completed", states
    # at most 4 a second (counted, not timed on arrival: a busy test may read two at once)
    assert 3 <= len(batches) <= took / 0.25 + 2, (len(batches), took)
    first = batches[0][1][0]
    assert set(first) >= {"id", "done", "size", "speed", "connections"}
    known = dict(first)
    for _, entries in batches[1:]:
        (entry,) = entries
        assert len(entry) > 1  # a batch says something
        for key, value in entry.items():
            if key != "id":
                assert known.get(key) != value, f"{key}={value} resent unchanged"
                known[key] = value


def test_jobs_list_pages_through_a_long_queue(service: ServiceThread, tmp_path: Path) -> None:
    from app.service.remote import all_jobs

    dest = str(tmp_path / "o")
    with service.client() as client:
        for i in range(1205):
            client.call("add", url=f"http://127.0.0.1:9/f{i}", dir=dest, start=False)
        jobs = list(all_jobs(client))
        assert [j["id"] for j in jobs] == list(range(1, 1206))
        page = client.call("jobs.list", offset=1200, limit=10)
        assert page["total"] == 1205 and len(page["jobs"]) == 5
        assert client.call("jobs.list", state="queued")["total"] == 0
        assert client.call("jobs.list", state="paused", limit=1)["total"] == 1205


def test_secret_settings_never_leave_the_service(
    service: ServiceThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy password or a site rule's Authorization header can be set over the protocol,
    never read back (settings.get shows only that one is set); null keeps it."""
    monkeypatch.setenv("TETHER_KEYRING", "0")
    password = "hunter2-proxy-secret"
    rules = [{"pattern": "*.example.com", "headers": "Authorization: Bearer tok-4242"}]
    with service.client() as client:
        for _ in range(2):  # set, then set again with the values read back (round trip)
            got = client.call(
                "settings.set",
                values={"proxy_user": "alice", "proxy_password": password, "site_rules": rules},
            )
            text = json.dumps(got)
            assert password not in text and "tok-4242" not in text and "alice" not in text
            assert got["secrets_set"]["proxy_password"] is True
            again = client.call("settings.set", values=got["values"])  # nulls: keep them
            assert again["secrets_set"] == got["secrets_set"]
            shown = json.dumps(client.call("settings.get"))
            assert password not in shown and "tok-4242" not in shown


def test_a_client_edits_site_rules_without_seeing_or_wiping_their_header_values(
    service: ServiceThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window's Sites table: the rules come back with each header value hidden, so adding a
    rule (or changing another field) and sending the list back keeps the values it never saw."""
    monkeypatch.setenv("TETHER_KEYRING", "0")
    rules = [
        {"pattern": "*.example.com", "max_connections": 2, "headers": "Authorization: Bearer t-1"}
    ]
    with service.client() as client:
        client.call("settings.set", values={"site_rules": rules})
        for n in (1, 2):  # add a rule, twice: each round trip keeps the hidden value
            shown = client.call("settings.get")["values"]["site_rules"]
            assert "t-1" not in json.dumps(shown)
            assert shown[0]["headers"] == "Authorization: (hidden)"
            edited = [*shown, {"pattern": f"cdn{n}.example.org", "max_connections": 1}]
            client.call("settings.set", values={"site_rules": edited})
        assert service.server is not None
        applied = service.server.api.engine.settings.site_rules
        assert [r.pattern for r in applied] == [
            "*.example.com",
            "cdn1.example.org",
            "cdn2.example.org",
        ]
        assert applied[0].headers == (("Authorization", "Bearer t-1"),)
        # a hidden value typed over is the new value; one with nothing behind it is dropped
        shown = client.call("settings.get")["values"]["site_rules"]
        shown[0]["headers"] = "Authorization: Bearer t-2\nX-New: (hidden)"
        client.call("settings.set", values={"site_rules": shown})
        assert service.server.api.engine.settings.site_rules[0].headers == (
            ("Authorization", "Bearer t-2"),
        )
