"""aria2's WebSocket: calls and notifications (onDownloadStart/Pause/Stop/Complete/Error) in
the order aria2 sends them, against a real aria2c and against Tether."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.aria2_helpers import RpcServer, running
from tests.engine_helpers import KIB, MIB, payload
from tests.support.faultserver import FaultServer


@pytest.fixture(params=["aria2c", "tether"])
def rpc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RpcServer]:
    with running(request.param, tmp_path) as server:
        yield server


class Socket:
    """A WebSocket client that keeps replies by id and notifications in arrival order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, secret: str) -> None:
        self.ws = ws
        self.secret = secret
        self.next_id = 0
        self.replies: dict[int, dict[str, Any]] = {}
        self.notes: list[tuple[str, str]] = []  # (method, gid)

    async def call(self, method: str, *params: Any) -> Any:
        self.next_id += 1
        rid = self.next_id
        body = {"jsonrpc": "2.0", "id": rid, "method": method}
        body["params"] = [f"token:{self.secret}", *params]
        await self.ws.send_str(json.dumps(body))
        reply = await self.wait(lambda: rid in self.replies, f"reply {rid}")
        assert reply is None
        answer = self.replies.pop(rid)
        assert "result" in answer, answer
        return answer["result"]

    async def wait(self, done: Any, what: str, timeout: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done():
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; got {self.notes}")
            msg = await self.ws.receive(timeout=left)
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"socket closed waiting for {what}")
            data = json.loads(msg.data)
            if "method" in data:
                assert "id" not in data  # a notification, as aria2 sends it
                self.notes.append((data["method"], data["params"][0]["gid"]))
            else:
                self.replies[data["id"]] = data

    def of(self, gid: str) -> list[str]:
        return [name.removeprefix("aria2.") for name, g in self.notes if g == gid]


async def life(rpc: RpcServer, files: FaultServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"ws://127.0.0.1:{rpc.port}/jsonrpc") as ws,
    ):
        sock = Socket(ws, rpc.secret)
        opts = {"dir": str(rpc.dir)}
        gid = await sock.call("aria2.addUri", [files.url("/ws.bin")], opts)
        await sock.wait(lambda: sock.of(gid) == ["onDownloadStart"], "start")
        await sock.call("aria2.pause", gid)
        await sock.wait(lambda: sock.of(gid)[-1:] == ["onDownloadPause"], "pause")
        files.files["/ws.bin"].rate = None  # full speed from here
        await sock.call("aria2.unpause", gid)
        await sock.wait(lambda: sock.of(gid)[-1:] == ["onDownloadComplete"], "complete")
        expected = ["onDownloadStart", "onDownloadPause", "onDownloadStart", "onDownloadComplete"]
        assert sock.of(gid) == expected
        bad = await sock.call("aria2.addUri", [files.url("/none.bin")], opts)
        await sock.wait(lambda: "onDownloadError" in sock.of(bad), "error")
        held = await sock.call("aria2.addUri", [files.url("/held.bin")], {**opts, "pause": "true"})
        slow = await sock.call("aria2.addUri", [files.url("/slow.bin")], opts)
        await sock.wait(lambda: "onDownloadStart" in sock.of(slow), "slow start")
        await sock.call("aria2.remove", slow)
        await sock.call("aria2.remove", held)
        await sock.wait(lambda: "onDownloadStop" in sock.of(slow), "stop")
        status = await sock.call("aria2.tellStatus", slow, ["status", "errorCode"])
        assert status == {"status": "removed", "errorCode": "31"}
        assert sock.of(held) == []  # added paused, then removed: aria2 says nothing
    assert (rpc.dir / "ws.bin").read_bytes() == files.files["/ws.bin"].data


def test_notifications_in_aria2_order(rpc: RpcServer) -> None:
    with FaultServer() as files:
        files.add_file("/ws.bin", payload(2 * MIB, seed=3), rate=256 * KIB)
        files.add_file("/held.bin", payload(64 * KIB))
        files.add_file("/slow.bin", payload(4 * MIB), rate=64 * KIB)
        asyncio.run(life(rpc, files))
