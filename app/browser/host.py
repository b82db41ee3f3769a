"""`tether native-host`: the browser extension's link to the service.

The browser starts this process per connection and speaks the native messaging framing on its
stdin/stdout (framing.py). Only our extension may use it (manifests.caller_allowed). Each
message is a request `{"id", "method", "params"}` from a short list (the extension is not a
general protocol client) answered with `{"id", "result"}` or `{"id", "error": {code, name,
message}}`. `add` starts the service on demand, as `tether add` does; the rest only talk to a
service that is already running. Nothing the extension sends is logged: it carries cookies.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from app import __version__
from app.browser import framing
from app.browser.manifests import caller_allowed
from app.service import protocol as p
from app.service.client import Client, ServiceGone

LIST_LIMIT = 200
NOT_RUNNING = {"code": 1004, "name": "not_running", "message": "Tether is not running"}
_JOB_FIELDS = ("id", "state", "file_name", "size", "done", "error", "url")


class HostError(Exception):
    """A request this host refuses; one line for the extension."""

    def __init__(self, message: str, name: str = "bad_request", code: int = -32602) -> None:
        super().__init__(message)
        self.name, self.code = name, code


def _text(params: dict[str, Any], key: str, limit: int = 64 * 1024) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise HostError(f"{key} must be a string of at most {limit} characters")
    return value


def add_params(params: dict[str, Any]) -> dict[str, Any]:
    """The service's `add` params for a download the browser handed over (pure)."""
    url = _text(params, "url", 16 * 1024)
    if url is None:
        raise HostError("url is required")
    context: dict[str, Any] = {
        "cookies": _text(params, "cookies"),
        "referrer": _text(params, "referrer", 16 * 1024),
        "user_agent": _text(params, "user_agent", 4096),
    }
    headers = params.get("headers")
    if headers is not None:
        if not isinstance(headers, dict):
            raise HostError("headers must be an object")
        context["headers"] = headers
    out: dict[str, Any] = {"url": url, "start": True, "reuse": True}
    name = _text(params, "file_name", 1024)
    if name:
        out["file_name"] = name.replace("\\", "/").rsplit("/", 1)[-1]
    folder = _text(params, "dir", 4096)
    if folder:
        out["dir"] = folder
    if any(v for v in context.values()):
        out["context"] = {k: v for k, v in context.items() if v is not None}
    return out


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    return {k: job.get(k) for k in _JOB_FIELDS}


class Host:
    """One browser connection: requests in, answers out, one service client kept open."""

    def __init__(
        self,
        data_dir: Path,
        connect: Callable[[Path, bool], Client | None],
        open_window: Callable[[Path], None] | None = None,
        watch: Callable[[], bool] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self._connect = connect
        self._open_window = open_window
        self._watch = watch
        self._client: Client | None = None

    def _service(self, start: bool) -> Client | None:
        if self._client is None:
            self._client = self._connect(self.data_dir, start)
        return self._client

    def _call(self, starting: bool, method: str, params: dict[str, Any]) -> Any:
        for attempt in (1, 2):
            client = self._service(starting)
            if client is None:
                return None
            try:
                return client.call(method, **params)
            except ServiceGone:
                client.close()
                self._client = None  # the service went away (idle exit): once more
                if attempt == 2:
                    return None
        return None

    def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        msg_id = message.get("id")
        method = message.get("method")
        params = message.get("params") or {}
        try:
            if not isinstance(params, dict):
                raise HostError("params must be an object")
            result = self._dispatch(str(method), params)
        except HostError as exc:
            return {
                "id": msg_id,
                "error": {"code": exc.code, "name": exc.name, "message": str(exc)},
            }
        except p.RpcError as exc:
            return {
                "id": msg_id,
                "error": {"code": exc.code, "name": exc.name, "message": exc.message},
            }
        if result is None:
            return {"id": msg_id, "error": NOT_RUNNING}
        return {"id": msg_id, "result": result}

    def _dispatch(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "status":
            client = self._service(False)
            running = client is not None
            return {"host": __version__, "running": running, "data_dir": str(self.data_dir)}
        if method == "add":
            answer = self._call(True, "add", add_params(params))
            return None if answer is None else {"job": job_view(answer["job"])}
        if method == "list":
            answer = self._call(False, "jobs.list", {"limit": LIST_LIMIT})
            if answer is None:
                return None
            return {"jobs": [job_view(j) for j in answer["jobs"]], "total": answer["total"]}
        if method in ("pause", "resume"):
            job_id = params.get("id")
            if not isinstance(job_id, int) or isinstance(job_id, bool):
                raise HostError("id must be a job id")
            answer = self._call(False, method, {"id": job_id})
            return None if answer is None else {"job": job_view(answer["job"])}
        if method == "refresh":
            return self._refresh(params)
        if method == "recapture_none":  # the extension found no fresh link: the window asked
            job_id = params.get("id")
            if not isinstance(job_id, int) or isinstance(job_id, bool):
                raise HostError("id must be a job id")
            answer = self._call(False, "recapture.none", {"id": job_id})
            return None if answer is None else {"told": answer["told"]}
        if method == "watch":
            watching = self._watch() if self._watch is not None else False
            return {"watching": watching}
        if method == "open":
            if self._open_window is not None:
                self._open_window(self.data_dir)
            return {"opened": True}
        raise HostError(f"no method {method[:40]!r}", "method_not_found", -32601)

    def _refresh(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """A fresh link (and cookies) for a job whose link expired, re-captured by the
        extension: set_url, then resume; the engine checks by bytes it is the same file."""
        job_id = params.get("id")
        if not isinstance(job_id, int) or isinstance(job_id, bool):
            raise HostError("id must be a job id")
        fresh = add_params(params)
        if self._call(False, "set_url", {"id": job_id, "url": fresh["url"]}) is None:
            return None
        if "context" in fresh:
            self._call(False, "set_context", {"id": job_id, "context": fresh["context"]})
        answer = self._call(False, "resume", {"id": job_id})
        return None if answer is None else {"job": job_view(answer["job"])}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


EXPIRED = re.compile(r"\((?:401|403|410)\b|\b(?:401|403|410)\)|html", re.IGNORECASE)


def expired_link(job: dict[str, Any]) -> bool:
    """A failed job whose link looks expired: 401, 403, 410, or a page instead of the file."""
    return job.get("state") == "failed" and bool(EXPIRED.search(str(job.get("error") or "")))


class Watcher:
    """While the extension keeps a port open (`watch`), tell it about jobs whose link expired
    so it can re-capture them from their page, and pass on the window's "Refresh address…"
    (the service's `recapture`). Reconnects when the service comes and goes."""

    RETRY_S = 2.0

    def __init__(
        self,
        data_dir: Path,
        connect: Callable[[Path, bool], Client | None],
        send: Callable[[dict[str, Any]], None],
    ) -> None:
        self.data_dir = data_dir
        self._connect = connect
        self._send = send
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.subscribed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, wait: float = 5.0) -> bool:
        """Watch (again: a new service may have started); True once subscribed to one."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="watch", daemon=True)
            self._thread.start()
        self._wake.set()
        return self.subscribed.wait(wait) if wait else self.subscribed.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _pause(self) -> None:
        self._wake.wait(self.RETRY_S)
        self._wake.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            client = self._connect(self.data_dir, False)
            if client is None:
                self._pause()
                continue
            try:
                with client:
                    client.call("subscribe", progress=False, browser=True)
                    self.subscribed.set()
                    while not self._stop.is_set():
                        message = client.next_notification(1.0)
                        if message is not None:
                            self._on_event(message)
            except (ServiceGone, p.RpcError):
                self.subscribed.clear()
                self._pause()

    def _on_event(self, message: dict[str, Any]) -> None:
        params = message.get("params") or {}
        job = params.get("job")
        if not isinstance(job, dict):
            return
        if message.get("method") == "event" and expired_link(job):
            self._send({"event": "link_expired", "job": job_view(job)})
        elif message.get("method") == "recapture":
            referrer = job.get("referrer")
            if isinstance(referrer, str) and referrer:
                self._send({"event": "recapture", "job": {**job_view(job), "referrer": referrer}})


def _connect(data_dir: Path, start: bool) -> Client | None:
    from app.service import ondemand
    from app.service.client import connect

    return ondemand.ensure_service(data_dir) if start else connect(data_dir)


def _open_window(data_dir: Path) -> None:
    """Start the window detached: it joins the running service as one more client."""
    command = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "app"]
    subprocess.Popen(
        [*command, "--data-dir", str(data_dir)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=sys.platform != "win32",
        close_fds=True,
    )


def serve(
    data_dir: Path, caller: Sequence[str], stdin: IO[bytes], stdout: IO[bytes], err: IO[str]
) -> int:
    """Answer the browser until it closes the port. Exit 1 for a caller that is not ours or a
    broken stream."""
    if not caller_allowed(caller):
        err.write("tether native-host: not started by Tether's browser extension\n")
        return 1
    out_lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        with out_lock:
            try:
                framing.write_message(stdout, message)
            except framing.FramingError as exc:
                framing.write_message(
                    stdout,
                    {
                        "id": message.get("id"),
                        "error": {"code": -32603, "name": "too_large", "message": str(exc)},
                    },
                )

    watcher = Watcher(data_dir, _connect, send)
    host = Host(data_dir, _connect, _open_window, watcher.start)
    try:
        while True:
            try:
                message = framing.read_message(stdin)
            except framing.FramingError as exc:
                err.write(f"tether native-host: {exc}\n")
                send(
                    {
                        "id": None,
                        "error": {"code": -32700, "name": "parse_error", "message": str(exc)},
                    }
                )
                return 1
            if message is None:
                return 0
            send(host.handle(message))
    except BrokenPipeError:
        return 0
    finally:
        watcher.stop()
        host.close()


def main(data_dir: Path, caller: Sequence[str]) -> int:
    if os.name == "nt":  # binary stdio: a \n must not become \r\n inside a length-prefixed body
        import msvcrt

        msvcrt.setmode(sys.stdin.fileno(), os.O_BINARY)  # type: ignore[attr-defined,unused-ignore]
        msvcrt.setmode(sys.stdout.fileno(), os.O_BINARY)  # type: ignore[attr-defined,unused-ignore]
    return serve(data_dir, caller, sys.stdin.buffer, sys.stdout.buffer, sys.stderr)
