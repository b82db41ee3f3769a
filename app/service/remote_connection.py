"""The window's connection to its service: the socket, the reader thread and the cache it keeps
(see remote_engine.py for the whole picture; RemoteEngine adds the engine's commands)."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.engine.events import EngineEvent, EventKind
from app.service import protocol as p
from app.service.client import Client, ServiceGone
from app.service.views import job_from_dict
from app.store.models import Job, JobState

log = logging.getLogger("tether.service")

PAGE = 1000  # jobs per jobs.list call: ~0.5 MB, well under the protocol's line cap
CALL_TIMEOUT_S = 10.0
# The window's thread never waits longer than this on the service: past it the service counts
# as not answering (a SIGSTOPped or wedged service) until the next byte arrives from it.
WINDOW_DEADLINE_S = 1.0
STALE_PROGRESS_S = 3.0  # no word from a service with downloads running: speeds go blank
# commands whose answer the window does not need: sent without waiting once the service is not
# answering; a refusal that arrives later is reported through on_refused
FIRE_AND_FORGET = frozenset(
    {
        "pause",
        "resume",
        "retry",
        "cancel",
        "remove",
        "set_url",
        "configure",
        "move",
        "move_before",
        "pause_all",
        "resume_all",
    }
)
Post = Callable[[Callable[[], None]], None]
JsonObj = dict[str, Any]


@dataclass(slots=True)
class _Pending:
    done: threading.Event
    reply: JsonObj | None = None
    method: str = ""
    abandoned: bool = False  # the caller stopped waiting: a late error goes to on_refused


class RemoteConnection:
    """A greeted Client's socket, its reader thread, the cache and calls; RemoteEngine
    (remote_engine.py) is the EngineLike on top. See remote_engine's module docstring.

    `on_event` gets EngineEvents, `on_notice(method, params)` other notifications (settings,
    ui.open_urls), `on_lost(reason)` once when the connection ends, `on_stall(stalled)` when
    the service stops answering within WINDOW_DEADLINE_S and when it answers again,
    `on_refused(method, message)` for an error that came after its caller stopped waiting:
    all through `post`."""

    def __init__(
        self,
        client: Client,
        post: Post,
        *,
        on_event: Callable[[EngineEvent], None] | None = None,
        on_notice: Callable[[str, JsonObj], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
        on_stall: Callable[[bool], None] | None = None,
        on_refused: Callable[[str, str], None] | None = None,
        page: int = PAGE,
        owner: int | None = None,
    ) -> None:
        self.info = dict(client.info)
        self._sock = client.sock
        self._post = post
        self.on_event = on_event
        self.on_notice = on_notice
        self.on_lost = on_lost
        self.on_stall = on_stall
        self.on_refused = on_refused
        self.stalled = False
        self.stopping: str | None = None  # the reason of a service.stopping notification
        self._heard = time.monotonic()  # when the service last sent anything
        self._logs: dict[int, list[tuple[float, str]]] = {}  # jobs.log answers, for a stall
        self._lock = threading.Lock()  # cache, pending calls, inbox
        self._send_lock = threading.Lock()
        self._jobs: dict[int, Job] = {}
        self._progress: dict[int, JsonObj] = {}
        self._pending: dict[int, _Pending] = {}
        self._inbox: list[tuple[str, JsonObj]] = []
        self._drain_posted = False
        self._next_id = 1_000_000  # clear of the ids the Client used during the load
        self._closed = False
        self.lost: str | None = None
        self._owner = owner or threading.get_ident()  # the thread `post` runs things on
        self._load(client, page)
        self._sock.settimeout(None)  # the reader waits as long as the service is quiet
        self._buffer = bytes(client._buffer)  # what arrived after the last load reply
        self._reader = threading.Thread(target=self._read_loop, name="tether-rpc", daemon=True)
        self._reader.start()

    # ------------------------------------------------------------------ start-up
    def _load(self, client: Client, page: int) -> None:
        """Subscribe, then page the queue in; notifications that came before a page's reply
        are older than it, so they are applied first (to the cache only: the model loads
        from jobs() when this is done)."""
        self._sock.settimeout(None)
        client.call("subscribe", progress=True, segments=True)
        offset = 0
        while True:
            result = client.call("jobs.list", offset=offset, limit=page)
            for message in client.take_pending():
                self._apply(str(message.get("method")), message.get("params") or {})
            for d in result["jobs"]:
                job = job_from_dict(d)
                self._jobs[job.id] = job
            offset += len(result["jobs"])
            if not result["jobs"] or offset >= int(result["total"]):
                break
        for message in client.take_pending():
            self._apply(str(message.get("method")), message.get("params") or {})
        with self._lock:
            self._inbox.clear()  # the model starts from jobs(): these are in it already

    # ------------------------------------------------------------------ reader thread
    def _read_loop(self) -> None:
        buffer = bytearray(self._buffer)
        reason = "the service closed the connection"
        try:
            while True:
                while b"\n" in buffer:
                    end = buffer.index(b"\n")
                    line = bytes(buffer[:end])
                    del buffer[: end + 1]
                    self._on_line(line)
                chunk = self._sock.recv(1 << 18)
                if not chunk:
                    break
                self._heard = time.monotonic()
                if self.stalled:
                    self._set_stalled(False)
                buffer += chunk
                if len(buffer) > p.MAX_LINE + 1 and b"\n" not in buffer:
                    reason = "the service sent a message that is too long"
                    break
        except OSError as exc:
            reason = f"the connection to the service broke ({exc.strerror or exc})"
        except ValueError:
            reason = "the service sent something that is not JSON"
        except Exception:  # a message of a shape we don't know: end it, the window reconnects
            log.exception("a message from the service could not be read")
            reason = "the service sent a message this window does not understand"
        self._end(reason)

    def _on_line(self, line: bytes) -> None:
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError("not a message")
        if "method" in message and "id" not in message:
            params = message.get("params")
            params = params if isinstance(params, dict) else {}
            if message["method"] == "service.stopping":
                self.stopping = str(params.get("reason") or "")
            self._apply(str(message["method"]), params)
            return
        with self._lock:
            pending = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
        if pending is None:
            return
        pending.reply = message
        pending.done.set()
        error = message.get("error")
        if pending.abandoned and isinstance(error, dict) and self.on_refused is not None:
            callback, method = self.on_refused, pending.method
            text = str(error.get("message") or "refused")
            self._post(lambda: callback(method, text))

    def _set_stalled(self, stalled: bool) -> None:
        with self._lock:
            if self.stalled == stalled:
                return
            self.stalled = stalled
        if self.on_stall is not None:
            callback = self.on_stall
            self._post(lambda: callback(stalled))

    def _apply(self, method: str, params: JsonObj) -> None:
        """One notification into the cache, and into the inbox for the window's thread."""
        with self._lock:
            if method == "progress":
                for entry in params.get("jobs") or ():
                    jid = entry.get("id")
                    if isinstance(jid, int):
                        self._progress.setdefault(jid, {}).update(entry)
                for jid in params.get("stopped") or ():
                    self._progress.pop(jid, None)
                return  # read by progress(), on the window's own timer
            if method == "event":
                kind, jid = params.get("kind"), params.get("id")
                if kind in ("added", "changed") and isinstance(params.get("job"), dict):
                    job = job_from_dict(params["job"])
                    self._jobs[job.id] = job
                    if job.state is not JobState.DOWNLOADING:
                        self._progress.pop(job.id, None)
                elif kind == "removed" and isinstance(jid, int):
                    self._jobs.pop(jid, None)
                    self._progress.pop(jid, None)
            self._inbox.append((method, params))
            if self._drain_posted:
                return
            self._drain_posted = True
        self._post(self._drain)

    def _end(self, reason: str) -> None:
        with self._lock:
            first = self.lost is None
            self.lost = self.lost or reason
            pending = list(self._pending.values())
            self._pending.clear()
        for call in pending:
            call.done.set()  # reply None: ServiceGone in the caller
        if first and not self._closed and self.on_lost is not None:
            callback = self.on_lost
            self._post(lambda: callback(reason))

    # ------------------------------------------------------------------ window's thread
    def _drain(self) -> None:
        """Deliver what the reader collected (on the thread `post` runs things on)."""
        with self._lock:
            inbox, self._inbox = self._inbox, []
            self._drain_posted = False
        for method, params in inbox:
            try:
                self._deliver(method, params)
            except Exception:
                log.exception("a %s notification could not be applied", method)

    def _deliver(self, method: str, params: JsonObj) -> None:
        if method != "event":
            if self.on_notice is not None:
                self.on_notice(method, params)
            return
        if self.on_event is None:
            return
        kind, jid = params.get("kind"), params.get("id")
        if not isinstance(jid, int):
            return
        if kind in ("added", "changed") and isinstance(params.get("job"), dict):
            event = EngineEvent(EventKind(kind), jid, job_from_dict(params["job"]))
        elif kind == "removed":
            event = EngineEvent(EventKind.REMOVED, jid)
        elif kind == "log":
            event = EngineEvent(EventKind.LOG, jid, message=str(params.get("message") or ""))
        else:
            return
        self.on_event(event)

    def call(self, method: str, timeout: float = CALL_TIMEOUT_S, **params: Any) -> Any:
        """The method's result; a typed RpcError; ServiceGone when the service is gone.

        On the window's thread the wait is at most WINDOW_DEADLINE_S: a command in
        FIRE_AND_FORGET then counts as sent (None; the service acts on it when it wakes, a
        refusal goes to on_refused), anything else raises ServiceGone. While the service is
        not answering such commands are sent without waiting at all."""
        if self.lost is not None:
            raise ServiceGone(self.lost)
        on_owner = threading.get_ident() == self._owner
        if on_owner:
            timeout = min(timeout, WINDOW_DEADLINE_S)
            if self.stalled and method not in FIRE_AND_FORGET:
                raise ServiceGone(f"the service is not answering ({method!r} not sent)")
        pending = _Pending(threading.Event(), method=method)
        with self._lock:
            msg_id = self._next_id
            self._next_id += 1
            self._pending[msg_id] = pending
        data = p.encode(p.request(method, params, msg_id))
        try:
            with self._send_lock:
                self._sock.sendall(data)
        except OSError as exc:
            with self._lock:
                self._pending.pop(msg_id, None)
            raise ServiceGone("the connection to the service broke") from exc
        forget = on_owner and method in FIRE_AND_FORGET
        if not pending.done.wait(0 if forget and self.stalled else timeout):
            with self._lock:
                if forget and msg_id in self._pending:
                    pending.abandoned = True  # the answer may still come: report a refusal
                else:
                    self._pending.pop(msg_id, None)
            if on_owner:
                self._set_stalled(True)
            if forget and pending.reply is None and self.lost is None:
                return None
            if pending.reply is None:
                raise ServiceGone(f"no answer from the service to {method!r}")
        reply = pending.reply
        if reply is None:
            raise ServiceGone(self.lost or "the service closed the connection")
        if on_owner:
            self._drain()  # events sent before the answer: the caller sees its change now
        if "error" in reply:
            raise p.error_from_json(reply["error"])
        return reply.get("result")

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._sock.close()
        if self._reader.is_alive() and threading.current_thread() is not self._reader:
            self._reader.join(2.0)
