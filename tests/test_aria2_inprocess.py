"""aria2's RPC in-process: served next to the native protocol by serve_engine (the service's
own set-up; aria2.shutdown stops it, and closing the service frees the port), a WebSocket client
that stops reading, and any message at all answered with a reply, never an exception."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.engine import Engine
from app.options import Options
from app.service.aria2 import transport
from app.service.aria2.launch import config_from
from app.service.aria2.methods import Aria2Api
from app.service.daemon import serve_engine
from tests.aria2_helpers import free_port
from tests.engine_helpers import run_engine


def test_the_service_serves_it_and_stops_on_shutdown(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "data"

    async def body(engine: Engine) -> None:
        stops: list[int] = []
        config = config_from(Options(aria2_rpc=True, aria2_rpc_port=port))
        server = await serve_engine(engine, data_dir, on_stop=lambda: stops.append(1), aria2=config)
        assert server is not None and server.aria2_port == port
        try:
            url = f"http://127.0.0.1:{port}/jsonrpc"
            async with aiohttp.ClientSession() as session:
                call = {"jsonrpc": "2.0", "id": 1, "method": "aria2.getGlobalStat", "params": []}
                async with session.post(url, json=call) as r:
                    assert (await r.json())["result"]["numActive"] == "0"
                assert stops == []
                call["method"] = "aria2.shutdown"
                async with session.post(url, json=call) as r:
                    reply = await r.json()
                assert reply["result"] == "OK" and stops == [1]  # the service's stop
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


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Everything but what could reach beyond loopback or stop the engine.
UNSAFE = {"aria2.addUri", "aria2.changeUri", "aria2.shutdown", "aria2.forceShutdown"}
UNSAFE |= {"aria2.changeGlobalOption"}
TABLE = set(Aria2Api(None, secret="x", on_shutdown=lambda: None).table)  # type: ignore[arg-type]
SAFE = [*sorted(TABLE - UNSAFE), "system.multicall", "system.listMethods", "aria2.addTorrent", "x"]


def test_any_message_gets_an_answer_never_an_exception(tmp_path: Path) -> None:
    async def body(engine: Engine) -> None:
        job = engine.add("http://127.0.0.1:1/f.bin", str(tmp_path), start=False)
        api = Aria2Api(engine, secret="tok", on_shutdown=lambda: None)  # never called: UNSAFE
        gid = f"{job.id:016x}"
        params = st.lists(JSON | st.just(gid) | st.just(["gid", "status"]), max_size=4)
        request = st.fixed_dictionaries(
            {"jsonrpc": st.just("2.0"), "id": JSON, "method": st.sampled_from(SAFE)},
            optional={"params": st.builds(lambda p: ["token:tok", *p], params) | JSON},
        )

        @given(st.one_of(JSON, request, st.lists(request, min_size=1, max_size=3)))
        @settings(max_examples=300, deadline=None)
        def check(message: Any) -> None:
            reply = api.handle(message)
            replies = reply if isinstance(reply, list) else [reply]
            for one in replies:
                json.dumps(one)  # always JSON
                assert one["jsonrpc"] == "2.0"
                if "error" in one:
                    assert isinstance(one["error"]["code"], int)
                    assert isinstance(one["error"]["message"], str)
                else:
                    assert "result" in one

        check()

    run_engine(tmp_path, body)
