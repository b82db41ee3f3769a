"""The JSON-RPC server on asyncio streams: connections, bounded output, events and progress.

Nothing a client does can stall the engine's loop: replies and notifications go into a
per-client queue that a writer task drains; a client whose queue passes its cap (it stopped
reading) is cut off. A line past MAX_LINE gets an error and a disconnect; anything else that
is not a valid request gets an error reply. Progress goes to subscribers at most every
`progress_interval` seconds, with only what changed since the last batch each one got.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.engine.events import EngineEvent
from app.options import Options
from app.service import endpoint as ep
from app.service import protocol as p
from app.service.api import ServiceApi
from app.service.views import JsonObj, event_params, progress_delta, progress_snapshot
from app.service.window_api import WindowApi

log = logging.getLogger("tether.service")

MAX_CLIENTS = 64
MAX_QUEUE_MESSAGES = 1024
MAX_QUEUE_BYTES = 8 << 20
HELLO_TIMEOUT_S = 10.0
PROGRESS_INTERVAL_S = 0.25  # at most 4 batches a second


class Connection:
    """One client: its session, its bounded outgoing queue and the task writing it out."""

    def __init__(
        self,
        server: RpcServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.session = p.Session()
        self.last_progress: dict[int, JsonObj] = {}
        self._queue: collections.deque[bytes] = collections.deque()
        self._queued_bytes = 0
        self._ready = asyncio.Event()
        self._closing = False
        self.dropped = False
        self._writer_task = asyncio.get_running_loop().create_task(self._write_loop())

    def send(self, data: bytes) -> bool:
        """Queue one line; a client too far behind is dropped (False) instead of waited for."""
        if self._closing:
            return False
        if (
            len(self._queue) >= self.server.max_queue_messages
            or self._queued_bytes + len(data) > self.server.max_queue_bytes
        ):
            log.warning("client %r stopped reading; dropped", self.session.client or "?")
            self.dropped = True
            self.server.dropped += 1
            self.abort()
            return False
        self._queue.append(data)
        self._queued_bytes += len(data)
        self._ready.set()
        return True

    async def _write_loop(self) -> None:
        try:
            while True:
                if not self._queue:
                    if self._closing:
                        break
                    await self._ready.wait()
                    self._ready.clear()
                    continue
                batch = b"".join(self._queue)
                self._queue.clear()
                self._queued_bytes = 0
                self.writer.write(batch)
                await self.writer.drain()
        except (ConnectionError, OSError):
            self.abort()
        finally:
            if self._closing and not self.writer.is_closing():
                self.writer.close()

    def close_after_flush(self) -> None:
        self._closing = True
        self._ready.set()

    def abort(self) -> None:
        self._closing = True
        self._queue.clear()
        self._queued_bytes = 0
        self._writer_task.cancel()
        transport = self.writer.transport
        if not transport.is_closing():
            transport.abort()

    async def run(self) -> None:
        dispatcher = self.server.dispatcher
        loop = asyncio.get_running_loop()
        hello_by = loop.time() + self.server.hello_timeout  # junk lines don't buy more time
        while not self._closing:
            try:
                if self.session.greeted:
                    line = await self.reader.readuntil(b"\n")
                else:
                    line = await asyncio.wait_for(
                        self.reader.readuntil(b"\n"), max(0.0, hello_by - loop.time())
                    )
            except TimeoutError:
                self.send(p.encode(p.error_reply(None, p.HelloRequired("no hello in time"))))
                break
            except asyncio.IncompleteReadError:
                break  # the client went away (a half line at the end is ignored)
            except asyncio.LimitOverrunError:
                err = p.InvalidRequest(f"message longer than {p.MAX_LINE} bytes")
                self.send(p.encode(p.error_reply(None, err)))
                break
            except (ConnectionError, OSError):
                break
            reply = dispatcher.handle_line(line.rstrip(b"\r\n"), self.session)
            if reply is not None:
                self.send(p.encode(reply))
                code = reply.get("error", {}).get("code") if "error" in reply else None
                if code == p.Unauthorized.code:
                    break  # no second guess at the token on this connection
        self.close_after_flush()


class RpcServer:
    """Serves one engine's ServiceApi on a Unix socket (or loopback TCP with a token)."""

    def __init__(
        self,
        api: ServiceApi,
        *,
        max_clients: int = MAX_CLIENTS,
        max_queue_messages: int = MAX_QUEUE_MESSAGES,
        max_queue_bytes: int = MAX_QUEUE_BYTES,
        hello_timeout: float = HELLO_TIMEOUT_S,
        progress_interval: float = PROGRESS_INTERVAL_S,
    ) -> None:
        self.api = api
        api.ask_browsers = self.ask_browsers
        api.tell_window = lambda method, params: self.broadcast(
            method,
            params,
            lambda s: s.subscription is not None and not s.subscription.get("browser"),
        )
        self.window_api = WindowApi(api, self.broadcast, lambda: len(self.connections))
        if api.automation is not None:
            self.window_api.install(api.automation)
        self.dispatcher = p.Dispatcher({**api.methods(), **self.window_api.methods()})
        told = api.on_settings
        # Every subscriber hears of new settings (a CLI's settings.set while the window is open).

        def on_settings(options: Options) -> None:
            if told is not None:
                told(options)
            values = api.settings_get(p.Params({}), p.Session())["values"]
            self.broadcast("settings", {"values": values}, lambda s: s.subscription is not None)

        api.on_settings = on_settings
        self.max_clients = max_clients
        self.max_queue_messages = max_queue_messages
        self.max_queue_bytes = max_queue_bytes
        self.hello_timeout = hello_timeout
        self.progress_interval = progress_interval
        self.connections: set[Connection] = set()
        self.dropped = 0
        self.endpoint: ep.Endpoint | None = None
        self._server: asyncio.AbstractServer | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._data_dir: Path | None = None
        # other servers on the same engine (aria2's RPC) that close with this one
        self.closers: list[Callable[[], Awaitable[None]]] = []
        self.aria2_port: int | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self, data_dir: Path, *, tcp: bool | None = None) -> ep.Endpoint:
        """Listen and publish the endpoint. Call only while holding the data-dir lock."""
        self._data_dir = data_dir
        ep.remove_published(data_dir)
        if tcp if tcp is not None else ep.use_tcp():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            endpoint = ep.Endpoint(port=sock.getsockname()[1], token=ep.new_token())
            self.api.token = endpoint.token
        else:
            path = ep.socket_path(data_dir)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(str(path))
            os.chmod(path, 0o600)  # before listen(): nobody can connect in between
            endpoint = ep.Endpoint(path=str(path))
        sock.listen(32)
        sock.setblocking(False)
        if endpoint.is_unix:
            self._server = await asyncio.start_unix_server(
                self._accept, sock=sock, limit=p.MAX_LINE + 1
            )
        else:
            self._server = await asyncio.start_server(self._accept, sock=sock, limit=p.MAX_LINE + 1)
            ep.write_info(data_dir, endpoint)
        self.endpoint = endpoint
        self.api.engine.add_listener(self._on_event)
        self._ticker = asyncio.get_running_loop().create_task(self._tick())
        log.info("serving %s", endpoint.path or f"127.0.0.1:{endpoint.port}")
        return endpoint

    async def announce_stop(self, reason: str, wait: float = 0.5) -> None:
        """Tell every client the service is stopping and why ("requested": a window should not
        start it again), and give the writers a moment to send it before `close` cuts them."""
        self.broadcast("service.stopping", {"reason": reason}, lambda _s: True)
        deadline = asyncio.get_running_loop().time() + wait
        while any(c._queue for c in self.connections):
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.02)  # the last batch's write and drain

    async def close(self) -> None:
        for closer in self.closers:
            await closer()
        self.closers.clear()
        self.api.engine.remove_listener(self._on_event)
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._data_dir is not None:
            ep.remove_published(self._data_dir)

    @property
    def client_count(self) -> int:
        return len(self.connections)

    # ------------------------------------------------------------------ connections
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(self, reader, writer)
        if len(self.connections) >= self.max_clients:
            conn.send(p.encode(p.error_reply(None, p.Busy("too many clients"))))
            conn.close_after_flush()
            return
        self.connections.add(conn)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await conn.run()
        except asyncio.CancelledError:
            conn.abort()  # the server is closing
        except Exception:
            log.exception("client connection failed")
            conn.abort()
        finally:
            self.connections.discard(conn)
            self.window_api.forget(conn.session)
            if task is not None:
                self._tasks.discard(task)

    # ------------------------------------------------------------------ events
    def broadcast(self, method: str, params: JsonObj, to: Callable[[p.Session], bool]) -> int:
        """One notification to every connection `to` picks; how many it was queued for."""
        line = p.encode(p.notification(method, params))
        return sum(1 for c in list(self.connections) if to(c.session) and c.send(line))

    def _subscribers(self) -> list[Connection]:
        return [c for c in self.connections if c.session.subscription is not None]

    def _on_event(self, event: EngineEvent) -> None:
        subscribers = self._subscribers()
        if not subscribers:
            return
        params = event_params(event)
        if params is None:
            return
        line = p.encode(p.notification("event", params))
        for conn in subscribers:
            sub = conn.session.subscription
            assert sub is not None
            only = sub["jobs"]
            if only is None or event.job_id in only:
                conn.send(line)

    def ask_browsers(self, params: JsonObj) -> int:
        """Send a `recapture` request to each browser's native host; how many got it."""
        line = p.encode(p.notification("recapture", params))
        browsers = [c for c in self._subscribers() if (c.session.subscription or {}).get("browser")]
        return sum(1 for conn in browsers if conn.send(line))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.progress_interval)
            try:
                self.send_progress()
            except Exception:  # never let a bad batch end the ticker
                log.exception("progress batch failed")

    def send_progress(self) -> None:
        """One batch: each progress subscriber gets what changed since its last batch."""
        wanting = [c for c in self._subscribers() if (c.session.subscription or {})["progress"]]
        if not wanting:
            return
        progress = self.api.engine.progress()
        for conn in wanting:
            sub = conn.session.subscription
            assert sub is not None
            current = progress_snapshot(progress, sub["segments"], sub["jobs"])
            delta = progress_delta(conn.last_progress, current)
            # jobs that stopped running: their last state arrives as an event, but a client
            # that caches progress must hear that the live numbers ended
            stopped = sorted(set(conn.last_progress) - set(current))
            conn.last_progress = current
            if delta or stopped:
                params: JsonObj = {"jobs": delta}
                if stopped:
                    params["stopped"] = stopped
                conn.send(p.encode(p.notification("progress", params)))
