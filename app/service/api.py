"""The service's methods: each JSON-RPC method as a handler over the engine (ENGINE_API.md).

Handlers run on the engine's loop thread and return JSON-able values; an engine `BadInput`
becomes the protocol's bad_input, an unknown id unknown_job, a command a job's state forbids
not_allowed. docs/PROTOCOL.md documents every method here.
"""

from __future__ import annotations

import dataclasses
import hmac
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__
from app.engine import errors as engine_errors
from app.engine.checksums import parse_checksum
from app.engine.context import RequestContext, load_context
from app.engine.engine import Engine, check_sha256
from app.engine.inputs import KEEP, Keep
from app.engine.siterules import masked_rules, unmasked_rules
from app.engine.urls import validate_url
from app.options import OPTIONS, Options, load_options, save_options
from app.service import protocol as p
from app.service.plans import plan_params
from app.service.views import JsonObj, job_dict
from app.store.models import Job, JobState

if TYPE_CHECKING:
    from app.automation import Automation

MAX_PAGE = 10_000


class ServiceApi:
    """Binds the method table to one engine, in the service process (the one that holds the
    data folder's lock); `on_stop` ends that process."""

    def __init__(
        self,
        engine: Engine,
        *,
        data_dir: Path,
        on_stop: Callable[[], None],
        token: str | None = None,
        on_settings: Callable[[Options], None] | None = None,
    ) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.token = token
        self.on_stop = on_stop
        self.on_settings = on_settings
        self.stopping = False
        self.automation: Automation | None = None  # queue hours, when-done plans (if any)
        self.on_demand = False  # started by a client (exits when idle); the window may stop it
        # the server's "ask the connected browsers to re-capture this job" (RpcServer sets it)
        self.ask_browsers: Callable[[JsonObj], int] | None = None
        self.tell_window: Callable[[str, JsonObj], int] | None = None

    def methods(self) -> dict[str, p.Method]:
        m = p.Method
        return {
            "hello": m(self.hello, before_hello=True),
            "add": m(self.add),
            "pause": m(self._job_command(self.engine.pause)),
            "resume": m(self._job_command(self._resume)),
            "retry": m(self._job_command(self._resume)),
            "cancel": m(self._job_command(self.engine.cancel)),
            "remove": m(self.remove),
            "set_url": m(self.set_url),
            "set_context": m(self.set_context),
            "recapture": m(self.recapture),
            "recapture.none": m(self.recapture_none),
            "configure": m(self.configure),
            "settings.get": m(self.settings_get),
            "settings.set": m(self.settings_set),
            "jobs.list": m(self.jobs_list),
            "jobs.get": m(self.jobs_get),
            "jobs.log": m(self.jobs_log),
            "pause_all": m(self.pause_all),
            "resume_all": m(self.resume_all),
            "subscribe": m(self.subscribe),
            "unsubscribe": m(self.unsubscribe),
            "service.stop": m(self.stop),
        }

    # ------------------------------------------------------------------ helpers
    def _job(self, job_id: int) -> Job:
        try:
            return self.engine.job(job_id)
        except engine_errors.BadInput:
            raise p.UnknownJob(f"no job with id {job_id}") from None

    def view(self, job: Job) -> JsonObj:
        running = self.engine.is_running(job.id)
        done = self.engine.bytes_done(job.id) if running else None
        return job_dict(job, done, running and self.engine.is_verifying(job.id))

    def _job_command(self, command: Callable[[int], None]) -> p.Handler:
        def handler(params: p.Params, _session: p.Session) -> JsonObj:
            job_id = params.job_id()
            self._job(job_id)
            self._checked(lambda: command(job_id))
            return {"job": self.view(self._job(job_id))}

        return handler

    @staticmethod
    def _checked(action: Callable[[], Any]) -> Any:
        try:
            return action()
        except engine_errors.BadInput as exc:
            raise p.BadInput(str(exc)) from None

    def _resume(self, job_id: int) -> None:
        if self._job(job_id).state == JobState.COMPLETED:
            raise p.NotAllowed(f"job {job_id} is already completed")
        self.engine.resume(job_id)

    # ------------------------------------------------------------------ methods
    def hello(self, params: p.Params, session: p.Session) -> JsonObj:
        version = params.integer("protocol", required=True)
        if version is None or version < p.PROTOCOL_VERSION:
            raise p.HelloRequired(
                f"this service speaks protocol {p.PROTOCOL_VERSION}; upgrade the client"
            )
        if self.token is not None:
            given = params.string("token") or ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                raise p.Unauthorized("wrong or missing token")
        session.greeted = True
        session.client = (params.string("client") or "")[:80]
        return {
            "protocol": p.PROTOCOL_VERSION,
            "server": f"tether {__version__}",
            "pid": os.getpid(),
            # Always "service" now; an older Tether's window that ran the engine said "window".
            "role": "service",
            "data_dir": str(self.data_dir),
            "on_demand": self.on_demand,
        }

    def add(self, params: p.Params, _session: p.Session) -> JsonObj:
        url = params.req_string("url")
        directory = params.string("dir")
        connections = params.integer("connections", minimum=1, maximum=32)
        sha256 = params.string("sha256")
        checksum = params.string("checksum")
        file_name = params.string("file_name")
        speed_limit = params.integer("speed_limit", minimum=1)
        start = params.boolean("start", True)
        reuse = params.boolean("reuse", False)
        context = self._context(params)
        start_at, on_complete = plan_params(params)  # app/service/plans.py
        planned = start_at is not None or on_complete is not None
        if planned and self.automation is None:
            raise p.NotAllowed("this Tether runs no scheduler")
        if self.stopping:
            raise p.Busy("the service is stopping")
        if directory is not None and not os.path.isabs(os.path.expanduser(directory)):
            raise p.BadInput(f"not an absolute folder path: {directory[:200]!r}")
        dest = directory or load_options(self.engine.store).resolved_download_dir()
        if reuse:
            found = self._reuse(url, dest, connections, sha256, checksum, start, context)
            if found is not None:
                if self.automation is not None and on_complete is not None:
                    self.automation.completion.set_plan(found["job"]["id"], on_complete)
                return found
        job = self._checked(
            lambda: self.engine.add(
                url,
                dest,
                connections=connections,
                sha256=sha256,
                start=start and not planned,  # planned: paused until its plan is in place
                speed_limit=speed_limit,
                checksum=checksum,
                file_name=file_name,
                context=context,
            )
        )
        if planned and self.automation is not None:
            self.automation.plan_new_job(job.id, start_at, on_complete, start)
        return {"job": self.view(self._job(job.id)), "reused": None}

    def _context(self, params: p.Params) -> RequestContext | None:
        """`add`'s `context` object: cookies, referrer, user agent, headers (a secret)."""
        if params.raw.get("context") is None:
            return None
        raw = params.obj("context")
        context: RequestContext = self._checked(lambda: RequestContext.from_json(raw))
        return context or None

    def _reuse(
        self,
        url: str,
        dest: str,
        connections: int | None,
        sha256: str | None,
        checksum: str | None,
        start: bool,
        context: RequestContext | None = None,
    ) -> JsonObj | None:
        """`tether get`'s idempotence: a completed file stays, an unfinished job continues."""
        clean = self._checked(lambda: validate_url(url))
        done = self.engine.find_completed(clean, dest)
        if done is not None:
            return {"job": self.view(done), "reused": "completed"}
        job = self.engine.find_unfinished(clean, dest)
        if job is None:
            return None
        if sha256 and job.sha256 != self._checked(lambda: check_sha256(sha256)):
            return None  # another expected file: not the same job
        if checksum and job.checksum != str(self._checked(lambda: parse_checksum(checksum))):
            return None
        self.engine.refresh_credentials(job.id, url)  # the link may carry new ones
        if context:
            self.engine.set_context(job.id, context)  # and the browser new cookies
        if connections:
            self.engine.configure(job.id, connections=connections)
        if start:
            self.engine.resume(job.id)
        return {"job": self.view(self._job(job.id)), "reused": "unfinished"}

    def remove(self, params: p.Params, _session: p.Session) -> JsonObj:
        job_id = params.job_id()
        delete_file = params.boolean("delete_file", False)
        keep_partial = params.boolean("keep_partial", False)  # the user declined to delete it
        self._job(job_id)
        self.engine.remove(job_id, delete_file=delete_file, keep_partial=keep_partial)
        return {"removed": job_id}

    def set_url(self, params: p.Params, _session: p.Session) -> JsonObj:
        job_id = params.job_id()
        url = params.req_string("url")
        job = self._job(job_id)
        if job.state == JobState.COMPLETED:
            raise p.NotAllowed(f"job {job_id} is completed; its URL cannot change")
        if self.engine.is_running(job_id) and job.state == JobState.DOWNLOADING:
            raise p.NotAllowed("pause the download before changing its URL")
        self._checked(lambda: self.engine.set_url(job_id, url))
        return {"job": self.view(self._job(job_id))}

    def set_context(self, params: p.Params, _session: p.Session) -> JsonObj:
        """Fresh cookies/referrer/headers for an unfinished job (a browser's re-capture)."""
        job_id = params.job_id()
        if self._job(job_id).state == JobState.COMPLETED:
            raise p.NotAllowed(f"job {job_id} is completed")
        self.engine.set_context(job_id, self._context(params))
        return {"job": self.view(self._job(job_id))}

    def recapture(self, params: p.Params, _session: p.Session) -> JsonObj:
        return self.ask_recapture(params.job_id())

    def recapture_none(self, params: p.Params, _session: p.Session) -> JsonObj:
        """A browser found no fresh link for a `recapture`: the window's dialog says so now
        instead of waiting out its timeout. `told`: how many subscribers heard it."""
        job_id = self._job(params.job_id()).id
        told = self.tell_window("recapture.none", {"id": job_id}) if self.tell_window else 0
        return {"told": told}

    def ask_recapture(self, job_id: int) -> JsonObj:
        """The window's "Refresh address…": ask the browsers' extensions (the native hosts
        subscribed with `browser: true`) to reopen the job's referring page and hand over a
        fresh link, as they do on their own for a 401/403/410. `asked` 0 and a `reason` when
        none can."""
        job = self._job(job_id)
        if job.state == JobState.COMPLETED:
            raise p.NotAllowed(f"job {job_id} is completed")
        if self.engine.is_running(job_id) and job.state == JobState.DOWNLOADING:
            raise p.NotAllowed("pause the download before refreshing its address")
        context = load_context(self.engine.store.secrets, job_id)
        referrer = context.referrer if context else None
        if not referrer:
            return {"asked": 0, "reason": "no_referrer"}
        # only to the browsers (the user's own processes on this user-only socket), which
        # need the page to reopen; never in listings or logs
        view = {**self.view(job), "referrer": referrer}
        asked = self.ask_browsers({"job": view}) if self.ask_browsers is not None else 0
        return {"asked": asked, "reason": None if asked else "no_browser"}

    def configure(self, params: p.Params, _session: p.Session) -> JsonObj:
        job_id = params.job_id()
        connections = params.integer("connections", minimum=1, maximum=32)
        limit: int | Keep | None = KEEP
        if "speed_limit" in params.raw:
            limit = params.integer("speed_limit", minimum=1)  # null: unlimited
        self._job(job_id)
        self.engine.configure(job_id, connections=connections, speed_limit=limit)
        return {"job": self.view(self._job(job_id))}

    def settings_get(self, _params: p.Params, _session: p.Session) -> JsonObj:
        options = load_options(self.engine.store)
        values = dataclasses.asdict(options)
        # Secrets (proxy login, site rules whose headers may carry tokens) never leave the
        # service: a client sees whether one is set, and may replace it, never read it. Site
        # rules are shown with their header values HIDDEN, so a window can edit the list
        # without wiping what it cannot see (settings_set puts the values back).
        secret = {o.key for o in OPTIONS if o.secret}
        shown = {k: (None if k in secret else v) for k, v in values.items()}
        shown["site_rules"] = masked_rules(options.site_rules)
        return {
            "values": shown,
            "secrets_set": {k: bool(values.get(k)) for k in sorted(secret)},
            "titles": {o.key: o.title for o in OPTIONS},
        }

    def settings_set(self, params: p.Params, session: p.Session) -> JsonObj:
        values = params.obj("values")
        known = {o.key for o in OPTIONS}
        unknown = sorted(set(values) - known)
        if unknown:
            raise p.InvalidParams(f"no setting {unknown[0][:80]!r}")
        # null for a secret means "keep it" (what settings.get hands out in its place)
        secret = {o.key for o in OPTIONS if o.secret}
        values = {k: v for k, v in values.items() if not (k in secret and v is None)}
        stored = load_options(self.engine.store)
        if isinstance(values.get("site_rules"), list):
            values["site_rules"] = tuple(unmasked_rules(values["site_rules"], stored.site_rules))
        options = dataclasses.replace(stored, **values)
        try:
            save_options(self.engine.store, options)
        except (ValueError, TypeError) as exc:
            raise p.BadInput(str(exc)) from None
        self.engine.apply_settings(options.engine_settings(self.engine.settings))
        if self.automation is not None:  # the schedule, keep-awake and on-finish, live
            self.automation.apply_options(options)
        if self.on_settings is not None:
            self.on_settings(options)
        return self.settings_get(params, session)

    def jobs_list(self, params: p.Params, _session: p.Session) -> JsonObj:
        offset = params.integer("offset", 0, minimum=0) or 0
        limit = params.integer("limit", 1000, minimum=1, maximum=MAX_PAGE) or 1000
        state = params.string("state")
        if state is not None and state not in {s.value for s in JobState}:
            raise p.InvalidParams(f"no state {state[:40]!r}")
        jobs = sorted(self.engine.jobs(), key=lambda j: j.id)
        if state is not None:
            jobs = [j for j in jobs if j.state.value == state]
        page = jobs[offset : offset + limit]
        return {"total": len(jobs), "offset": offset, "jobs": [self.view(j) for j in page]}

    def jobs_get(self, params: p.Params, _session: p.Session) -> JsonObj:
        return {"job": self.view(self._job(params.job_id()))}

    def jobs_log(self, params: p.Params, _session: p.Session) -> JsonObj:
        job_id = params.job_id()
        self._job(job_id)
        limit = params.integer("limit", 1000, minimum=1, maximum=MAX_PAGE) or 1000
        entries = self.engine.job_log(job_id)[-limit:]
        return {"entries": [{"time": t, "message": m} for t, m in entries]}

    def pause_all(self, _params: p.Params, _session: p.Session) -> JsonObj:
        self.engine.pause_all()
        return {}

    def resume_all(self, _params: p.Params, _session: p.Session) -> JsonObj:
        self.engine.resume_all()
        return {}

    def subscribe(self, params: p.Params, session: p.Session) -> JsonObj:
        ids = params.id_list("jobs")
        session.subscription = {
            "progress": params.boolean("progress", True),
            "segments": params.boolean("segments", False),
            "jobs": None if ids is None else frozenset(ids),
            # a browser's native host: it gets `recapture` requests ("Refresh address…")
            "browser": params.boolean("browser", False),
        }
        return {"subscribed": True}

    def unsubscribe(self, _params: p.Params, session: p.Session) -> JsonObj:
        session.subscription = None
        return {"subscribed": False}

    def stop(self, _params: p.Params, _session: p.Session) -> JsonObj:
        self.stopping = True
        self.on_stop()
        return {"stopping": True}
