"""The window's link to its data folder's service: find or start it, keep one RemoteEngine
current, and when the service dies, start a new one and reconnect (a thread does the waiting;
the window's thread only ever swaps the finished engine in, through `post`).

Qt-free like the rest of app/service; app/ui/app.py wires it to the window.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.engine.events import EngineEvent
from app.paths import log_dir
from app.service import protocol as p
from app.service.client import Client, ServiceGone, connect
from app.service.ondemand import ensure_service, lock_holder_pid, lock_is_free
from app.service.remote_engine import Post, RemoteEngine

log = logging.getLogger("tether.service")

CLIENT_NAME = "tether-window"
START_ATTEMPTS = 3  # a service still stopping (the last window's) can make one start lose
RECONNECT_MAX_DELAY_S = 5.0
STOP_WAIT_S = 1.0  # quitting: how long the window waits for the service it stopped (a relaunch
# right after retries anyway)


def _service_error(out: Path, since: int) -> str | None:
    """The one-line error a failed service start wrote to service.out, if it wrote one."""
    try:
        with out.open("rb") as f:
            f.seek(since)
            text = f.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return None
    lines = [ln.strip() for ln in text.splitlines() if ln.startswith("tether: ")]
    return lines[-1] if lines else None


def open_service(data_dir: Path) -> tuple[Client | None, bool, str | None]:
    """(client, whether we started the service, one-line error if there is none to reach)."""
    client = connect(data_dir, CLIENT_NAME)
    if client is not None:
        return client, False, None
    out = log_dir(data_dir) / "service.out"
    for _ in range(START_ATTEMPTS):
        try:
            since = out.stat().st_size
        except OSError:
            since = 0
        client = ensure_service(data_dir)
        if client is not None:
            return client, True, None
        error = _service_error(out, since)
        if error is not None:
            return None, False, error
        if not lock_is_free(data_dir):
            return (
                None,
                False,
                f"tether: another Tether process (pid {lock_holder_pid(data_dir)}) is using "
                f"{data_dir} (a `tether get` in a terminal?); try again when it has finished",
            )
    return None, False, f"tether: the Tether service did not start; see {out}"


class ServiceLink:
    """The current RemoteEngine and its replacement after a loss. Callbacks run via `post`:
    `on_engine(engine)` after a reconnection (reload the model), `on_status(kind, detail)`
    for the status bar: kind "lost" (detail: why; restarting it), "stopped" (stopped on
    request: not restarted until `restart()`), "reconnected", "stalled" (not answering),
    "answering" (answers again), "refused" (detail: a late refusal of a command)."""

    def __init__(
        self,
        data_dir: Path,
        post: Post,
        *,
        on_event: Callable[[EngineEvent], None],
        on_notice: Callable[[str, dict[str, Any]], None],
        on_engine: Callable[[RemoteEngine], None],
        on_status: Callable[[str, str], None],
    ) -> None:
        self.data_dir = data_dir
        self._post = post
        self.on_event = on_event
        self.on_notice = on_notice
        self.on_engine = on_engine
        self.on_status = on_status
        self.engine: RemoteEngine | None = None
        self.started = False  # this window started a service (so it may stop it on quit)
        self.reconnects = 0
        self._closing = False
        self.stopped = False  # the service was stopped on request: wait for restart()
        self._owner = threading.get_ident()

    def attach(self, client: Client, started: bool) -> RemoteEngine:
        """The first connection (already greeted, the window role already claimed)."""
        self.started = started
        self.engine = self._engine_for(client)
        return self.engine

    def _engine_for(self, client: Client) -> RemoteEngine:
        return RemoteEngine(
            client,
            self._post,
            on_event=self._event,
            on_notice=self._notice,
            on_lost=self._lost,
            on_stall=lambda stalled: self.on_status("stalled" if stalled else "answering", ""),
            on_refused=lambda method, text: self.on_status("refused", f"{method}: {text}"),
            owner=self._owner,
        )

    # callbacks go through these, so a new engine needs no rewiring
    def _event(self, event: EngineEvent) -> None:
        self.on_event(event)

    def _notice(self, method: str, params: dict[str, Any]) -> None:
        self.on_notice(method, params)

    def call(self, method: str, **params: Any) -> Any:
        """A call on the current connection (RemoteSettings routes through here)."""
        if self.engine is None:
            raise ServiceGone("not connected to the service")
        return self.engine.call(method, **params)

    # ------------------------------------------------------------------ loss
    def _lost(self, reason: str) -> None:
        if self._closing:
            return
        if self.engine is not None and self.engine.stopping == "requested":
            # `tether service stop` (or a signal): the user's wish, not a crash to undo
            log.info("the service was stopped on request; not restarting it")
            self.stopped = True
            self.on_status("stopped", reason)
            return
        log.warning("lost the service: %s", reason)
        self.on_status("lost", reason)
        self._start_reconnect()

    def restart(self) -> bool:
        """Start the service again after a requested stop (the user asked); False if it was
        not stopped that way (a reconnection is already under way or not needed)."""
        if not self.stopped or self._closing:
            return False
        self.stopped = False
        self.on_status("lost", "restarting on request")
        self._start_reconnect()
        return True

    def _start_reconnect(self) -> None:
        threading.Thread(target=self._reconnect, name="tether-reconnect", daemon=True).start()

    def _reconnect(self) -> None:
        delay = 0.2
        while not self._closing:
            client, started, error = open_service(self.data_dir)
            if client is not None:
                try:
                    with contextlib.suppress(p.RpcError):
                        client.call("window.claim")
                    engine = self._engine_for(client)
                except Exception as exc:  # whatever it was, this thread must keep trying
                    log.warning("reconnecting failed: %s", exc)
                    client.close()
                else:
                    self._post(functools.partial(self._adopt, engine, started))
                    return
            elif error is not None:
                log.warning("%s", error)
            time.sleep(delay)
            delay = min(RECONNECT_MAX_DELAY_S, delay * 2)

    def _adopt(self, engine: RemoteEngine, started: bool) -> None:
        if self._closing:
            engine.close()
            return
        old, self.engine = self.engine, engine
        self.started = self.started or started
        self.reconnects += 1
        if old is not None:
            old.close()
        self.on_engine(engine)
        self.on_status("reconnected", "")

    # ------------------------------------------------------------------ quitting
    def close(self, stop: bool) -> bool:
        """Give up the window role; with `stop`, stop a service this window started when no
        other client uses it (and wait briefly for its final checkpoints). True if it stops."""
        self._closing = True
        engine, self.engine = self.engine, None
        if engine is None:
            return False
        stopping = False
        try:
            result = engine.call("window.release", timeout=2.0, stop=stop and self.started)
            stopping = bool(result.get("stopping"))
        except (ServiceGone, p.RpcError) as exc:
            log.info("service not told of the window's end: %s", exc)
        engine.close()
        if stopping:
            deadline = time.monotonic() + STOP_WAIT_S
            while time.monotonic() < deadline and not lock_is_free(self.data_dir):
                time.sleep(0.05)
        return stopping
