"""The methods only the window needs: queue order, its remembered state, being the window, and
the scheduler's per-job plans and "when the queue finishes" countdown (a window shows it).

One window per service: `window.claim` makes this connection the window while it stays
connected (the service answers one request at a time, so two windows started at once cannot
both win); a later `tether URL` calls `window.open_urls`, which hands the URLs to the window as
a `ui.open_urls` notification, or says nobody took them so the caller opens a window itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.engine.onfinish import Countdown, FinishAction
from app.engine.queueorder import Move
from app.service import protocol as p
from app.service.plans import plan_params
from app.service.views import JsonObj

if TYPE_CHECKING:
    from app.automation import Automation
    from app.service.api import ServiceApi

UI_PREFIX = "ui."  # the window's remembered state (app/ui/uistate.py): geometry, columns …
MAX_UI_VALUE = 256 << 10  # a header state is a few KiB; a megabyte is not window state
MAX_URLS = 10_000

# (method, params, only this session or None) -> how many connections it was queued for
Broadcast = Callable[[str, JsonObj, Callable[[p.Session], bool]], int]


class WindowApi:
    """Binds the window's methods to a ServiceApi; `broadcast` reaches connected clients."""

    def __init__(self, api: ServiceApi, broadcast: Broadcast, clients: Callable[[], int]) -> None:
        self.api = api
        self.broadcast = broadcast
        self.clients = clients
        self.window: p.Session | None = None  # the connection that claimed the window role

    def methods(self) -> dict[str, p.Method]:
        m = p.Method
        return {
            "move": m(self.move),
            "move_before": m(self.move_before),
            "ui_state.get": m(self.ui_state_get),
            "ui_state.set": m(self.ui_state_set),
            "window.claim": m(self.claim),
            "window.release": m(self.release),
            "window.open_urls": m(self.open_urls),
            "plans.get": m(self.plans_get),
            "plans.set": m(self.plans_set),
            "finish.cancel": m(self.finish_cancel),
            "finish.now": m(self.finish_now),
        }

    def install(self, automation: Automation) -> None:
        """Let subscribers see the queue's finish countdown, and the window quit for it."""

        def to_subscribers(session: p.Session) -> bool:
            return session.subscription is not None

        def on_countdown(countdown: Countdown, action: FinishAction) -> None:
            params = {"action": action.value, "seconds": countdown.left}
            self.broadcast("finish.countdown", params, to_subscribers)

        def quit_app() -> None:
            window = self.window
            if window is not None:
                self.broadcast("finish.quit", {}, lambda s: s is window)

        automation.on_countdown = on_countdown
        automation.quit_app = quit_app

    def _automation(self) -> Automation:
        if self.api.automation is None:
            raise p.NotAllowed("this Tether runs no scheduler")
        return self.api.automation

    def forget(self, session: p.Session) -> None:
        """A connection ended: if it was the window, the role is free again."""
        if self.window is session:
            self.window = None

    def _ids(self, params: p.Params, key: str, required: bool) -> list[int] | None:
        ids = params.id_list(key)
        if ids is None and required:
            raise p.InvalidParams(f"missing parameter {key!r}")
        return ids

    def move(self, params: p.Params, _session: p.Session) -> JsonObj:
        ids = self._ids(params, "ids", True) or []
        where = params.req_string("move")
        if where not in {m.value for m in Move}:
            raise p.InvalidParams(f"move must be one of {', '.join(m.value for m in Move)}")
        self.api.engine.move(ids, where, self._ids(params, "scope", False))
        return {}

    def move_before(self, params: p.Params, _session: p.Session) -> JsonObj:
        ids = self._ids(params, "ids", True) or []
        before = params.integer("before")
        self.api.engine.move_before(ids, before, self._ids(params, "scope", False))
        return {}

    @staticmethod
    def _ui_key(params: p.Params) -> str:
        key = params.req_string("key")
        if not key.startswith(UI_PREFIX) or len(key) > 80:
            raise p.InvalidParams(f"not a window state key: {key[:80]!r}")
        return key

    def ui_state_get(self, params: p.Params, _session: p.Session) -> JsonObj:
        return {"value": self.api.engine.store.get_setting(self._ui_key(params))}

    def ui_state_set(self, params: p.Params, _session: p.Session) -> JsonObj:
        key = self._ui_key(params)
        value = params.raw.get("value")
        if value is not None and not isinstance(value, (str, int, float, bool, list)):
            raise p.InvalidParams("value must be a string, number, boolean, list or null")
        if len(p.encode({"v": value})) > MAX_UI_VALUE:
            raise p.InvalidParams("value too large for window state")
        self.api.engine.store.set_setting(key, value)
        return {}

    def plans_get(self, _params: p.Params, _session: p.Session) -> JsonObj:
        """Every job's own start time and when-done action (jobs with neither are left out)."""
        automation = self._automation()
        scheduler = automation.scheduler
        out = []
        for job in self.api.engine.jobs():
            when = scheduler.start_at(job.id) if scheduler is not None else None
            plan = automation.completion.plan(job.id)
            if when is None and plan is None:
                continue
            out.append(
                {
                    "id": job.id,
                    "start_at": None if when is None else int(when.timestamp()),
                    "on_complete": None
                    if plan is None
                    else {"action": plan.action, "argv": list(plan.argv)},
                }
            )
        return {"plans": out}

    def plans_set(self, params: p.Params, _session: p.Session) -> JsonObj:
        """`start_at` and/or `on_complete` for jobs; present and null clears it."""
        automation = self._automation()
        ids = self._ids(params, "ids", True) or []
        start_at, on_complete = plan_params(params)
        known = {j.id for j in self.api.engine.jobs()}
        missing = [i for i in ids if i not in known]
        if missing:
            raise p.UnknownJob(f"no job with id {missing[0]}")
        for job_id in ids:
            if "start_at" in params.raw and automation.scheduler is not None:
                automation.scheduler.set_start_at(job_id, start_at)
            if "on_complete" in params.raw:
                automation.completion.set_plan(job_id, on_complete)
        return {}

    def finish_cancel(self, _params: p.Params, _session: p.Session) -> JsonObj:
        self._automation().cancel_countdown()
        return {}

    def finish_now(self, _params: p.Params, _session: p.Session) -> JsonObj:
        countdown = self._automation().countdown
        if countdown is not None and countdown.running:
            countdown.finish_now()
        return {}

    def claim(self, _params: p.Params, session: p.Session) -> JsonObj:
        if self.window is not None and self.window is not session:
            return {"claimed": False}
        self.window = session
        return {"claimed": True}

    def release(self, params: p.Params, session: p.Session) -> JsonObj:
        """The window quits. With `stop` (it started this service and the user doesn't want
        downloads to go on), the service stops too, unless another client is connected."""
        self.forget(session)
        if not params.boolean("stop", False):
            return {"stopping": False}
        if self.clients() > 1 or self.api.stopping:
            return {"stopping": False}
        self.api.stopping = True
        self.api.on_stop()
        return {"stopping": True}

    def open_urls(self, params: p.Params, _session: p.Session) -> JsonObj:
        raw = params.raw.get("urls")
        if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
            raise p.InvalidParams("urls must be a list of strings")
        if len(raw) > MAX_URLS:
            raise p.InvalidParams(f"at most {MAX_URLS} URLs at once")
        directory = params.string("dir")
        window = self.window
        if window is None:
            return {"delivered": False}
        sent = self.broadcast(
            "ui.open_urls", {"urls": list(raw), "dir": directory}, lambda s: s is window
        )
        return {"delivered": sent > 0}
