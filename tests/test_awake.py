"""Keeping the computer awake: a fake inhibitor held exactly while jobs download, and a real
D-Bus round trip (logind's Inhibit) against a stand-in service on a private bus."""

from __future__ import annotations

import asyncio
import os
import select
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.awake import KeepAwake, LogindInhibitor
from app.engine.engine import Engine
from app.store import JobStore
from tests.engine_helpers import FAST, KIB, payload, wait_for
from tests.support.faultserver import FaultServer


class FakeInhibitor:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def acquire(self) -> None:
        self.calls.append("acquire")

    def release(self) -> None:
        self.calls.append("release")


def test_held_while_jobs_download_released_when_idle_twice(
    server: FaultServer, tmp_path: Path
) -> None:
    server.add_file("/a.bin", payload(512 * KIB), rate=1024 * KIB)
    server.add_file("/b.bin", payload(512 * KIB, seed=2), rate=1024 * KIB)
    server.add_file("/c.bin", payload(256 * KIB, seed=3))
    fake = FakeInhibitor()

    async def body() -> None:
        store = JobStore.open(tmp_path / "data" / "db.sqlite3")
        engine = Engine(store, FAST)
        await engine.start()
        awake = KeepAwake(engine, fake)
        awake.attach()
        try:
            assert fake.calls == []  # nothing runs: nothing held
            out = str(tmp_path / "out")
            engine.add(server.url("/a.bin"), out)
            assert fake.calls == ["acquire"]  # the first job started
            engine.add(server.url("/b.bin"), out)
            assert fake.calls == ["acquire"]  # held once, however many run
            await engine.wait_idle()
            await wait_for(lambda: fake.calls == ["acquire", "release"])
            engine.add(server.url("/c.bin"), out)  # a second round in the same session
            assert fake.calls == ["acquire", "release", "acquire"]
            await engine.wait_idle()
            await wait_for(lambda: len(fake.calls) == 4)
            assert fake.calls[-1] == "release"
            # turned off: a job runs without it
            awake.set_enabled(False)
            engine.add(server.url("/c.bin"), str(tmp_path / "out2"))
            await engine.wait_idle()
            assert len(fake.calls) == 4
        finally:
            awake.detach()
            await engine.shutdown()
            store.close()

    asyncio.run(asyncio.wait_for(body(), 60))


# ---------------------------------------------------------------------------- real D-Bus
@pytest.fixture
def private_bus(tmp_path: Path) -> Iterator[str]:
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed")
    pytest.importorskip("jeepney")
    proc = subprocess.Popen(
        [daemon, "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)},
    )
    assert proc.stdout is not None
    address = proc.stdout.readline().decode().strip()
    try:
        if not address:
            pytest.skip("dbus-daemon did not start")
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        proc.stdout.close()


class StandInLogind:
    """Owns org.freedesktop.login1 on the bus and answers Inhibit with one end of a pipe."""

    def __init__(self, address: str) -> None:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(bus=address, enable_fds=True)
        reply = self.conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.login1"))
        assert reply.body[0] == 1  # primary owner
        self.calls: list[tuple[object, ...]] = []
        self.read_ends: list[int] = []
        self.answered = threading.Event()
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        from jeepney import HeaderFields, MessageType, new_method_return

        while not self.stop:
            try:
                msg = self.conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            except OSError:
                return
            header = msg.header
            if header.message_type != MessageType.method_call:
                continue
            if header.fields.get(HeaderFields.member) != "Inhibit":
                continue
            self.calls.append(tuple(msg.body))
            read_end, write_end = os.pipe()
            self.read_ends.append(read_end)
            self.conn.send(new_method_return(msg, "h", (write_end,)))
            os.close(write_end)  # the client's copy is now the only one
            self.answered.set()

    def close(self) -> None:
        self.stop = True
        self.thread.join(timeout=5)
        self.conn.close()
        for fd in self.read_ends:
            os.close(fd)


def _closed_by_client(read_end: int) -> bool:
    """EOF on our end of the pipe: every copy of the write end (the client's) is closed."""
    ready, _w, _x = select.select([read_end], [], [], 0)
    return bool(ready) and os.read(read_end, 1) == b""


def test_logind_inhibit_round_trip_over_dbus(private_bus: str) -> None:
    service = StandInLogind(private_bus)
    try:
        inhibitor = LogindInhibitor(bus=private_bus)
        for round_ in range(2):  # taken and let go twice in one session
            inhibitor.acquire()
            inhibitor.wait()
            assert inhibitor.holding
            assert service.calls[round_] == ("sleep", "Tether", "Downloading", "block")
            assert not _closed_by_client(service.read_ends[round_])  # held
            inhibitor.release()
            inhibitor.wait()
            assert not inhibitor.holding
            assert _closed_by_client(service.read_ends[round_])  # let go
    finally:
        service.close()


def test_logind_missing_is_not_fatal(private_bus: str) -> None:
    inhibitor = LogindInhibitor(bus=private_bus)  # nobody owns login1 on this bus
    inhibitor.acquire()
    inhibitor.wait()
    assert not inhibitor.holding
    inhibitor.release()
    inhibitor.wait()


def test_inhibit_command_lasts_as_long_as_its_child() -> None:
    import sys

    from app.system import InhibitCommand

    # stands in for `systemd-inhibit … cat` / `caffeinate -w`: holds while stdin is open
    inhibitor = InhibitCommand([sys.executable, "-c", "import sys; sys.stdin.read()"])
    for _ in range(2):
        inhibitor.acquire()
        child = inhibitor._child
        assert child is not None and child.poll() is None
        inhibitor.release()
        assert child.poll() is not None and inhibitor._child is None
