"""aria2's RPC methods over the engine: the method table, `token:` checks, JSON-RPC envelopes.

Handlers run on the engine's loop (the engine's commands are plain calls there). Every reply
follows aria2: numbers as strings, "OK" for commands without a value, code 1 and one line for
any failure. docs/PROTOCOL.md ("aria2 RPC") lists what differs from aria2.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from app import __version__
from app.engine import errors as engine_errors
from app.engine.engine import Engine
from app.engine.settings import MAX_CONNECTIONS
from app.engine.urls import redact
from app.options import Options, load_options
from app.service.aria2 import mapping as m
from app.service.aria2 import optionmap
from app.service.aria2.mapping import Aria2Error, JsonObj
from app.store.models import Job, JobState

log = logging.getLogger("tether.aria2")

ARIA2_VERSION = "1.37.0"  # the aria2 release whose RPC this speaks
MAX_BATCH = 200  # calls in one batch or system.multicall
NOTIFICATIONS = (
    "aria2.onDownloadStart",
    "aria2.onDownloadPause",
    "aria2.onDownloadStop",
    "aria2.onDownloadComplete",
    "aria2.onDownloadError",
    "aria2.onBtDownloadComplete",
)
UNSUPPORTED = {
    "aria2.addTorrent": "BitTorrent",
    "aria2.addMetalink": "Metalink",
    "aria2.getPeers": "BitTorrent",
}
Handler = Callable[[list[Any]], Any]


class Aria2Api:
    """aria2's method table bound to one engine; `on_shutdown` stops the service."""

    def __init__(
        self,
        engine: Engine,
        *,
        secret: str | None,
        on_shutdown: Callable[[], None],
        on_settings: Callable[[Options], None] | None = None,
    ) -> None:
        self.engine = engine
        self.on_settings = on_settings
        self._secret = secret.encode() if secret else None
        self.on_shutdown = on_shutdown
        self.session_id = secrets.token_hex(20)
        self.removing: set[int] = set()  # removed while running: still winding down
        self.table: dict[str, Handler] = {
            "aria2.addUri": self.add_uri,
            "aria2.remove": self.remove,
            "aria2.forceRemove": self.remove,
            "aria2.pause": self.pause,
            "aria2.forcePause": self.pause,
            "aria2.pauseAll": self.pause_all,
            "aria2.forcePauseAll": self.pause_all,
            "aria2.unpause": self.unpause,
            "aria2.unpauseAll": self.unpause_all,
            "aria2.changePosition": self.change_position,
            "aria2.tellStatus": self.tell_status,
            "aria2.getUris": lambda a: m.uris(self._job(a)),
            "aria2.getFiles": self.get_files,
            "aria2.getServers": self.get_servers,
            "aria2.tellActive": self.tell_active,
            "aria2.tellWaiting": self.tell_waiting,
            "aria2.tellStopped": self.tell_stopped,
            "aria2.getOption": self.get_option,
            "aria2.changeUri": self.change_uri,
            "aria2.changeOption": self.change_option,
            "aria2.getGlobalOption": self.get_global_option,
            "aria2.changeGlobalOption": self.change_global_option,
            "aria2.purgeDownloadResult": self.purge,
            "aria2.removeDownloadResult": self.remove_result,
            "aria2.getVersion": self.get_version,
            "aria2.getSessionInfo": lambda _a: {"sessionId": self.session_id},
            "aria2.shutdown": self.shutdown,
            "aria2.forceShutdown": self.shutdown,
            "aria2.getGlobalStat": self.global_stat,
            "aria2.saveSession": lambda _a: "OK",  # every change is already in the store
        }

    # ------------------------------------------------------------------ envelopes
    def handle(self, message: Any) -> Any:
        """One decoded JSON-RPC message (an object or a batch) → its reply."""
        if isinstance(message, list):
            if not message:
                return error_reply(None, -32600, "Invalid Request.")
            return [self._one(item) for item in message[:MAX_BATCH]]
        return self._one(message)

    def _one(self, request: Any) -> JsonObj:
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return error_reply(None, -32600, "Invalid Request.")
        rid = request.get("id")
        params = request.get("params", [])
        if not isinstance(params, list):
            return error_reply(rid, -32602, "Invalid params.")
        try:
            return {"id": rid, "jsonrpc": "2.0", "result": self.call(request["method"], params)}
        except Aria2Error as exc:
            return error_reply(rid, exc.code, exc.message)
        except Exception:  # a bug: the details go to the log (never the params: the token)
            log.exception("aria2 RPC %s failed", str(request["method"])[:100])
            return error_reply(rid, -32603, "Internal error.")

    def call(self, method: str, params: list[Any]) -> Any:
        if method == "system.multicall":
            return self.multicall(params)
        if method == "system.listMethods":
            return [*self.table, "system.multicall", "system.listMethods", *self._system()]
        if method == "system.listNotifications":
            return list(NOTIFICATIONS)
        args = self._authorize(params)
        handler = self.table.get(method)
        if handler is None:
            if method in UNSUPPORTED:
                raise Aria2Error(f"{UNSUPPORTED[method]} is not supported: {method}")
            raise Aria2Error(f"No such method: {method[:100]}")
        try:
            return handler(args)
        except engine_errors.BadInput as exc:
            raise Aria2Error(str(exc)) from None
        except (IndexError, TypeError, ValueError, KeyError):
            raise Aria2Error("Invalid params.", -32602) from None

    @staticmethod
    def _system() -> list[str]:
        return ["system.listNotifications"]

    def _authorize(self, params: list[Any]) -> list[Any]:
        """aria2's rule: a leading "token:…" string is the secret, always taken off."""
        given: bytes | None = None
        if params and isinstance(params[0], str) and params[0].startswith("token:"):
            given = params[0][len("token:") :].encode()
            params = params[1:]
        if self._secret is not None and (
            given is None or not hmac.compare_digest(given, self._secret)
        ):
            raise Aria2Error("Unauthorized")
        return params

    def multicall(self, params: list[Any]) -> list[Any]:
        calls = params[0] if params and isinstance(params[0], list) else None
        if calls is None:
            raise Aria2Error("system.multicall expected struct.")
        out: list[Any] = []
        for item in calls[:MAX_BATCH]:
            if not isinstance(item, dict) or not isinstance(item.get("methodName"), str):
                out.append({"code": 1, "message": "system.multicall expected struct."})
                continue
            name, args = item["methodName"], item.get("params", [])
            if name == "system.multicall" or not isinstance(args, list):
                out.append({"code": 1, "message": "Recursive system.multicall forbidden."})
                continue
            try:
                out.append([self.call(name, args)])
            except Aria2Error as exc:
                out.append({"code": exc.code, "message": exc.message})
        return out

    # ------------------------------------------------------------------ helpers
    def _job(self, args: Sequence[Any]) -> Job:
        if not args:
            raise Aria2Error("Invalid params.", -32602)
        job_id = m.job_id_of(args[0])
        try:
            return self.engine.job(job_id)
        except engine_errors.BadInput:
            raise Aria2Error(f"GID {args[0]} is not found") from None

    def status(self, job: Job, keys: Any = None) -> JsonObj:
        if keys is not None and not isinstance(keys, list):
            raise Aria2Error("Invalid params.", -32602)
        if job.id in self.removing:
            if job.state == JobState.DOWNLOADING:
                job = dataclasses.replace(job, state=JobState.CANCELLED)
            else:
                self.removing.discard(job.id)
        live = self.engine.progress().get(job.id)
        if live is None or job.state != JobState.DOWNLOADING:
            return m.status_dict(job, keys=keys)
        return m.status_dict(
            job,
            done=live.done,
            speed=live.speed,
            connections=live.connections,
            segments=live.segments,
            keys=keys,
        )

    def _ordered(self) -> list[Job]:
        jobs = {j.id: j for j in self.engine.jobs()}
        return [jobs[i] for i in self.engine.queue_order() if i in jobs]

    def _with(self, statuses: set[str]) -> list[Job]:
        return [j for j in self._ordered() if m.STATUS.get(j.state) in statuses]

    # ------------------------------------------------------------------ downloads
    def add_uri(self, args: list[Any]) -> str:
        uris = args[0] if args else None
        if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
            raise Aria2Error("URI is not provided.")
        options = args[1] if len(args) > 1 else None
        spec = m.parse_add_options(options, MAX_CONNECTIONS)
        directory = spec.dir or load_options(self.engine.store).resolved_download_dir()
        job = self.engine.add(
            uris[0],  # the other mirrors of the same file are not used (docs/PROTOCOL.md)
            directory,
            connections=spec.connections,
            start=not spec.paused,
            speed_limit=spec.speed_limit,
            checksum=spec.checksum,
            file_name=spec.out,
            context=spec.context,
        )
        if len(args) > 2 and isinstance(args[2], int) and not isinstance(args[2], bool):
            self._place(job, args[2], "POS_SET")
        return m.gid_of(job.id)

    def remove(self, args: list[Any]) -> str:
        """As aria2: a running download stops and stays as "removed" until its result is
        purged; a waiting or paused one is forgotten at once. Tether discards the partial
        data either way (as its own remove does)."""
        job = self._job(args)
        if m.STATUS.get(job.state) in m.STOPPED or job.id in self.removing:
            raise Aria2Error(f"Active Download not found for GID#{m.gid_of(job.id)}")
        if self.engine.is_running(job.id):
            self.removing.add(job.id)  # "removed" at once, as aria2 says, while it winds down
            self.engine.cancel(job.id)
        else:
            self.engine.remove(job.id)
        return m.gid_of(job.id)

    def pause(self, args: list[Any]) -> str:
        job = self._job(args)
        if job.state not in JobState.ACTIVE:
            raise Aria2Error(f"GID#{m.gid_of(job.id)} cannot be paused now")
        self.engine.pause(job.id)
        return m.gid_of(job.id)

    def pause_all(self, _args: list[Any]) -> str:
        self.engine.pause_all()
        return "OK"

    def unpause(self, args: list[Any]) -> str:
        job = self._job(args)
        if job.state != JobState.PAUSED:
            raise Aria2Error(f"GID#{m.gid_of(job.id)} cannot be unpaused now")
        self.engine.resume(job.id)
        return m.gid_of(job.id)

    def unpause_all(self, _args: list[Any]) -> str:
        self.engine.resume_all()
        return "OK"

    def change_position(self, args: list[Any]) -> int:
        job = self._job(args)
        if len(args) < 3:
            raise Aria2Error("Invalid params.", -32602)
        return self._place(job, args[1], args[2])

    def _place(self, job: Job, pos: Any, how: Any) -> int:
        waiting = [j.id for j in self._with({"waiting", "paused"})]
        if job.id not in waiting:
            raise Aria2Error(f"GID#{m.gid_of(job.id)} not found in the waiting queue.")
        target = m.new_position(len(waiting), waiting.index(job.id), pos, how)
        rest = [i for i in waiting if i != job.id]
        before = rest[target] if target < len(rest) else None
        self.engine.move_before([job.id], before, scope=waiting)
        return target

    def tell_status(self, args: list[Any]) -> JsonObj:
        return self.status(self._job(args), args[1] if len(args) > 1 else None)

    def get_files(self, args: list[Any]) -> list[JsonObj]:
        files: list[JsonObj] = self.status(self._job(args), ["files"])["files"]
        return files

    def get_servers(self, args: list[Any]) -> list[JsonObj]:
        job = self._job(args)
        live = self.engine.progress().get(job.id)
        if live is None:
            raise Aria2Error(f"No active download for GID#{m.gid_of(job.id)}")
        uri = m.uris(job)[0]["uri"]
        current = redact(job.final_url or job.url)
        server = {"uri": uri, "currentUri": current, "downloadSpeed": str(int(live.speed))}
        return [{"index": "1", "servers": [server]}]

    def tell_active(self, args: list[Any]) -> list[JsonObj]:
        keys = args[0] if args else None
        return [self.status(j, keys) for j in self._with({"active"})]

    def tell_waiting(self, args: list[Any]) -> list[JsonObj]:
        page = m.window(self._with({"waiting", "paused"}), args[0], args[1])
        return [self.status(j, args[2] if len(args) > 2 else None) for j in page]

    def tell_stopped(self, args: list[Any]) -> list[JsonObj]:
        stopped = sorted(self._with(set(m.STOPPED)), key=lambda j: (j.finished_at or 0, j.id))
        page = m.window(stopped, args[0], args[1])
        return [self.status(j, args[2] if len(args) > 2 else None) for j in page]

    def change_uri(self, args: list[Any]) -> list[int]:
        job = self._job(args)
        if len(args) < 4 or not isinstance(args[2], list) or not isinstance(args[3], list):
            raise Aria2Error("Invalid params.", -32602)
        if args[1] != 1:
            raise Aria2Error(f"fileIndex is out of range: {str(args[1])[:20]}")
        current = m.uris(job)[0]["uri"]
        deleted = sum(1 for u in args[2] if u == current or u == job.url)
        added = [u for u in args[3] if isinstance(u, str)]
        if added:
            if job.state in (JobState.DOWNLOADING, JobState.COMPLETED):
                raise Aria2Error(f"GID#{m.gid_of(job.id)}: pause the download to change its URI")
            self.engine.set_url(job.id, added[0])  # the next start checks it is the same file
        return [deleted, 1 if added else 0]

    def get_option(self, args: list[Any]) -> dict[str, str]:
        return optionmap.job_options(self._job(args))

    def change_option(self, args: list[Any]) -> str:
        job = self._job(args)
        optionmap.change_job_options(self.engine, job, args[1] if len(args) > 1 else None)
        return "OK"

    # ------------------------------------------------------------------ global
    def get_global_option(self, _args: list[Any]) -> dict[str, str]:
        return optionmap.global_options(self.engine)

    def change_global_option(self, args: list[Any]) -> str:
        options = optionmap.change_global_options(self.engine, args[0] if args else None)
        if options is not None and self.on_settings is not None:
            self.on_settings(options)  # the window shows what changed
        return "OK"

    def global_stat(self, _args: list[Any]) -> JsonObj:
        speed = sum(p.speed for p in self.engine.progress().values())
        return m.global_stat((m.STATUS.get(j.state, "waiting") for j in self.engine.jobs()), speed)

    def purge(self, _args: list[Any]) -> str:
        for job in self._with(set(m.STOPPED)):
            self.engine.remove(job.id, keep_partial=True)  # aria2 never deletes a file here
        return "OK"

    def remove_result(self, args: list[Any]) -> str:
        job = self._job(args)
        if m.STATUS.get(job.state) not in m.STOPPED:
            raise Aria2Error(f"Could not remove download result of GID#{m.gid_of(job.id)}")
        self.engine.remove(job.id, keep_partial=True)
        return "OK"

    def get_version(self, _args: list[Any]) -> JsonObj:
        return {
            "version": ARIA2_VERSION,
            "enabledFeatures": ["HTTPS", "Message Digest"],
            "server": f"tether {__version__}",
        }

    def shutdown(self, _args: list[Any]) -> str:
        self.on_shutdown()
        return "OK"


def error_reply(rid: Any, code: int, message: str) -> JsonObj:
    return {"id": rid, "jsonrpc": "2.0", "error": {"code": code, "message": message}}
