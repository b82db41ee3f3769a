"""aria2's RPC in-process: the window's hook (the stored options turn it on next to the native
protocol; aria2.shutdown is refused there), and a WebSocket client that stops reading."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from app.engine.engine import Engine
from app.options import Options, save_options
from app.service.aria2 import transport
from app.service.daemon import serve_engine
from tests.aria2_helpers import free_port
from tests.engine_helpers import run_engine


def test_the_window_serves_it_from_the_options(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "data"

    async def body(engine: Engine) -> None:
        save_options(engine.store, Options(aria2_rpc=True, aria2_rpc_port=port))
        server = await serve_engine(engine, data_dir, role="window")
        assert server is not None and server.aria2_port == port
        try:
            url = f"http://127.0.0.1:{port}/jsonrpc"
            async with aiohttp.ClientSession() as session:
                call = {"jsonrpc": "2.0", "id": 1, "method": "aria2.getGlobalStat", "params": []}
                async with session.post(url, json=call) as r:
                    assert (await r.json())["result"]["numActive"] == "0"
                call["method"] = "aria2.shutdown"
                async with session.post(url, json=call) as r:
                    reply = await r.json()
                assert reply["error"]["code"] == 1  # the window quits from its own menu
        finally:
            await server.close()
        # closed with the native server: the port is free again
        try:
            _r, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return
        w.close()
        raise AssertionError("the aria2 port still answers after close")

    run_engine(tmp_path, body)


class StuckSocket:
    """A WebSocket whose peer never reads: every send waits forever."""

    def __init__(self) -> None:
        self.closed = False

    async def send_str(self, _text: str) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        self.closed = True


def test_a_client_that_stops_reading_is_cut_off() -> None:
    async def body() -> None:
        ws: Any = StuckSocket()
        sock = transport._Socket(ws)
        for _ in range(transport.MAX_QUEUE + 1):
            sock.send("{}")
        for _ in range(5):
            await asyncio.sleep(0)
        assert sock.writer.cancelled() or sock.writer.done()
        assert ws.closed

    asyncio.run(body())
