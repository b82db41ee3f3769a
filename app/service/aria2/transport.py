"""The aria2 RPC server on aiohttp: POST, JSONP GET and WebSocket at /jsonrpc, notifications.

It runs on the engine's loop. What keeps a flood of requests from starving the downloads:
a request body is capped (MAX_BODY), at most MAX_INFLIGHT calls are handled at a time (the
rest wait their turn), at most MAX_SOCKETS WebSockets are open, and a WebSocket client that
stops reading is cut off once its queue passes MAX_QUEUE instead of being waited for. No access
log: a JSONP URL carries the secret.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from app.engine.engine import Engine
from app.engine.events import EngineEvent, EventKind
from app.options import Options
from app.service.aria2 import mapping as m
from app.service.aria2.launch import is_loopback
from app.service.aria2.methods import Aria2Api, error_reply

log = logging.getLogger("tether.aria2")

DEFAULT_PORT = 6800
MAX_BODY = 2 << 20
MAX_INFLIGHT = 8
MAX_SOCKETS = 64
MAX_QUEUE = 1024
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "1728000",
}
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,99}$")
EVENTS = {
    "active": "aria2.onDownloadStart",
    "paused": "aria2.onDownloadPause",
    "removed": "aria2.onDownloadStop",
    "complete": "aria2.onDownloadComplete",
    "error": "aria2.onDownloadError",
}


def encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class _Socket:
    """One WebSocket client: a bounded queue that a writer task drains."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str] = asyncio.Queue(MAX_QUEUE)
        self.writer = asyncio.get_running_loop().create_task(self._write())
        self.dropped = False
        self._closer: asyncio.Task[bool] | None = None

    def send(self, text: str) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("an aria2 WebSocket client stopped reading; dropped")
            self.dropped = True
            self.writer.cancel()
            self._closer = asyncio.get_running_loop().create_task(self.ws.close())

    async def _write(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while True:
                await self.ws.send_str(await self.queue.get())


class Aria2Server:
    """aria2's RPC on HOST:PORT for one engine. A non-loopback host needs a secret."""

    def __init__(
        self,
        engine: Engine,
        *,
        secret: str | None,
        on_shutdown: Callable[[], None],
        on_settings: Callable[[Options], None] | None = None,
    ) -> None:
        self.api = Aria2Api(engine, secret=secret, on_shutdown=on_shutdown, on_settings=on_settings)
        self.engine = engine
        self.sockets: set[_Socket] = set()
        self._inflight = asyncio.Semaphore(MAX_INFLIGHT)
        self._status: dict[int, str] = {
            j.id: m.STATUS.get(j.state, "waiting") for j in engine.jobs()
        }
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        if not is_loopback(host) and self.api._secret is None:  # launch.refusal says why
            raise ValueError("listening beyond loopback needs --rpc-secret")
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("POST", "/jsonrpc", self._post)
        app.router.add_route("GET", "/jsonrpc", self._get)
        app.router.add_route("OPTIONS", "/jsonrpc", self._options)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else port
        self.engine.add_listener(self._on_event)
        log.info("aria2 RPC on %s:%d", host, self.port)
        return self.port

    async def close(self) -> None:
        self.engine.remove_listener(self._on_event)
        for sock in list(self.sockets):
            sock.writer.cancel()
            with contextlib.suppress(Exception):
                await sock.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ calls
    async def _answer(self, text: str | bytes) -> Any:
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):
            return error_reply(None, -32700, "Parse error.")
        async with self._inflight:
            await asyncio.sleep(0)  # let the engine's own callbacks run between calls
            # the reply is queued before the notifications the call caused, as aria2 does
            return self.api.handle(message)

    async def _post(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._json(error_reply(None, -32600, "Invalid Request."), 413)
        return self._json(await self._answer(body))

    async def _get(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request)
        # JSONP: method, id, params (base64 of a JSON array) and jsoncallback in the query
        query = request.query
        message: Any
        try:
            raw = query.get("params")
            params = json.loads(base64.b64decode(raw, validate=True)) if raw else []
            message = {"jsonrpc": "2.0", "method": query["method"], "params": params}
            if "id" in query:
                message["id"] = query["id"]
            reply = await self._answer(json.dumps(message))
        except (KeyError, ValueError):
            reply = error_reply(None, -32600, "Invalid Request.")
        callback = query.get("jsoncallback")
        if callback is None or not _CALLBACK.match(callback):
            return self._json(reply)
        return web.Response(
            text=f"{callback}({encode(reply)})", content_type="text/javascript", headers=CORS
        )

    async def _options(self, _request: web.Request) -> web.StreamResponse:
        return web.Response(status=200, headers=CORS)

    @staticmethod
    def _json(value: Any, status: int = 200) -> web.Response:
        return web.Response(
            text=encode(value), status=status, content_type="application/json", headers=CORS
        )

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_BODY, heartbeat=30.0)
        if len(self.sockets) >= MAX_SOCKETS:
            raise web.HTTPServiceUnavailable(text="too many WebSocket clients")
        await ws.prepare(request)
        sock = _Socket(ws)
        self.sockets.add(sock)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    sock.send(encode(await self._answer(msg.data)))
                elif msg.type == WSMsgType.BINARY:
                    sock.send(encode(error_reply(None, -32700, "Parse error.")))
        finally:
            self.sockets.discard(sock)
            sock.writer.cancel()
        return ws

    # ------------------------------------------------------------------ notifications
    def _on_event(self, event: EngineEvent) -> None:
        if event.kind == EventKind.REMOVED:
            self._status.pop(event.job_id, None)
            return
        if event.kind not in (EventKind.ADDED, EventKind.CHANGED) or event.job is None:
            return
        status = m.STATUS.get(event.job.state, "waiting")
        before = self._status.get(event.job_id)
        self._status[event.job_id] = status
        name = EVENTS.get(status)
        if event.kind == EventKind.ADDED and status != "active":
            return  # aria2 says nothing about a download added waiting or paused
        if status == before or name is None or not self.sockets:
            return
        text = encode(
            {"jsonrpc": "2.0", "method": name, "params": [{"gid": m.gid_of(event.job_id)}]}
        )
        asyncio.get_running_loop().call_soon(self._broadcast, text)

    def _broadcast(self, text: str) -> None:
        for sock in list(self.sockets):
            sock.send(text)
