"""The engine as the window sees it, over the service's socket: commands are calls, the rest a
cache that the subscription keeps current.

A reader thread owns the socket's input: it applies every event and progress batch to the
cache as it arrives and hands events to the window's thread through `post` (one drain per
burst, however many events it carries). `jobs()`, `job()` and `progress()` read the cache and
never touch the socket, so painting never waits for the service. A call blocks its caller
until the answer (milliseconds: the service answers on its loop thread), then delivers the
events the service sent before that answer, so the caller sees its own change at once, as it
would with an engine in its own process. No Qt here: `post` is the caller's way onto its
thread (qasync's `loop.call_soon_threadsafe` in the window).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from typing import Any

from app.engine.context import RequestContext
from app.engine.errors import BadInput
from app.engine.events import Progress
from app.engine.inputs import KEEP, Keep
from app.service import protocol as p
from app.service.client import ServiceGone
from app.service.remote_connection import STALE_PROGRESS_S, JsonObj, Post, RemoteConnection
from app.service.views import job_from_dict, progress_from
from app.store.models import Job

__all__ = ["Post", "RemoteEngine"]


class RemoteEngine(RemoteConnection):
    """EngineLike (app/ui/controller.py) over the service: the commands are calls, the
    queries read the cache RemoteConnection keeps."""

    def _job_call(self, method: str, job_id: int, **params: Any) -> JsonObj:
        try:
            result: JsonObj = self.call(method, id=job_id, **params)
        except (p.BadInput, p.UnknownJob, p.NotAllowed) as exc:
            raise BadInput(exc.message) from None
        return result

    def add(
        self,
        url: str,
        dest_dir: str,
        *,
        connections: int | None = None,
        sha256: str | None = None,
        start: bool = True,
        checksum: str | None = None,
        file_name: str | None = None,
        context: RequestContext | None = None,
    ) -> Job:
        params: JsonObj = {"url": url, "dir": dest_dir, "start": start}
        if context:  # the Add dialog's cookies, referrer, headers: a secret of the job
            params["context"] = json.loads(context.dumps())
        for key, value in (
            ("connections", connections),
            ("sha256", sha256),
            ("checksum", checksum),
            ("file_name", file_name),
        ):
            if value is not None:
                params[key] = value
        try:
            result = self.call("add", **params)
        except (p.BadInput, p.NotAllowed, p.InvalidParams) as exc:
            raise BadInput(exc.message) from None
        return job_from_dict(result["job"])

    def pause(self, job_id: int) -> None:
        self._job_call("pause", job_id)

    def resume(self, job_id: int) -> None:
        self._job_call("resume", job_id)

    def retry(self, job_id: int) -> None:
        self._job_call("retry", job_id)

    def cancel(self, job_id: int) -> None:
        self._job_call("cancel", job_id)

    def remove(self, job_id: int, delete_file: bool = False, keep_partial: bool = False) -> None:
        self._job_call("remove", job_id, delete_file=delete_file, keep_partial=keep_partial)

    def set_url(self, job_id: int, url: str) -> None:
        self._job_call("set_url", job_id, url=url)

    def configure(
        self, job_id: int, *, connections: int | None = None, speed_limit: int | Keep | None = KEEP
    ) -> None:
        """speed_limit: bytes/s, None or 0 for unlimited (as Engine.configure), KEEP keeps it."""
        params: JsonObj = {}
        if connections is not None:
            params["connections"] = connections
        if not isinstance(speed_limit, Keep):
            params["speed_limit"] = speed_limit if speed_limit and speed_limit > 0 else None
        self._job_call("configure", job_id, **params)

    def pause_all(self) -> None:
        self.call("pause_all")

    def resume_all(self) -> None:
        self.call("resume_all")

    def apply_settings(self, settings: Any) -> None:
        """Nothing to do: the service applies settings when they are saved (settings.set)."""

    def move(self, job_ids: Iterable[int], move: str, scope: Iterable[int] | None = None) -> None:
        self.call("move", ids=list(job_ids), move=str(move), scope=_opt_list(scope))

    def move_before(
        self, job_ids: Iterable[int], before: int | None, scope: Iterable[int] | None = None
    ) -> None:
        self.call("move_before", ids=list(job_ids), before=before, scope=_opt_list(scope))

    def jobs(self) -> list[Job]:
        with self._lock:
            return [j.snapshot() for j in self._jobs.values()]

    def job(self, job_id: int) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise BadInput(f"no job with id {job_id}")
        return job.snapshot()

    def progress(self) -> dict[int, Progress]:
        """The last progress heard; nothing (blank speeds) when the service has been silent
        too long with downloads running, so stale numbers do not pass for live ones."""
        with self._lock:
            if self._progress and (
                self.stalled or time.monotonic() - self._heard > STALE_PROGRESS_S
            ):
                return {}
            return {jid: progress_from(jid, e) for jid, e in self._progress.items()}

    def job_log(self, job_id: int) -> list[tuple[float, str]]:
        """The job's log; while the service is not answering, the last copy fetched (a row
        click must not wait on a hung service)."""
        if self.stalled and threading.get_ident() == self._owner:
            return list(self._logs.get(job_id, []))
        try:
            result = self._job_call("jobs.log", job_id)
        except ServiceGone:
            if threading.get_ident() != self._owner:
                raise
            return list(self._logs.get(job_id, []))
        entries = [(float(e["time"]), str(e["message"])) for e in result["entries"]]
        self._logs[job_id] = entries
        return entries


def _opt_list(ids: Iterable[int] | None) -> list[int] | None:
    return None if ids is None else list(ids)
