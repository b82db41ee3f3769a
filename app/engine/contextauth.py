"""A job's request context on the wire: the requests auth hook that adds its headers, cookies,
referrer and user agent (app/engine/context.py holds the context itself; this module is apart so
that reading and saving a context — the CLI, the service's client side — never imports
requests)."""

from __future__ import annotations

import requests
import requests.auth

from app.engine.context import RequestContext
from app.engine.urls import may_send_credentials


class ContextAuth(requests.auth.AuthBase):
    """Puts a job's context on its requests (after its credentials, if any). The engine's
    session calls `on_redirect` again after each redirect (http.py), so a redirect to another
    host drops the host's cookies and headers and one to the same host keeps them."""

    def __init__(
        self, origin_url: str, context: RequestContext, inner: requests.auth.AuthBase | None
    ) -> None:
        self.origin_url = origin_url
        self._context = context
        self._inner = inner

    def __repr__(self) -> str:
        return f"ContextAuth({self._context!r})"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._inner is not None:
            r = self._inner(r)
        self.on_redirect(r)
        return r

    def on_redirect(self, r: requests.PreparedRequest) -> None:
        ctx = self._context
        if ctx.user_agent:
            r.headers["User-Agent"] = ctx.user_agent
        if ctx.referrer:
            r.headers["Referer"] = ctx.referrer
        ours = may_send_credentials(self.origin_url, r.url or "")
        for name, value in ctx.headers:
            if ours:
                r.headers[name] = value
            else:
                r.headers.pop(name, None)
        if ours and ctx.cookies:
            jar = r.headers.get("Cookie")
            r.headers["Cookie"] = f"{ctx.cookies}; {jar}" if jar else ctx.cookies


def with_context(
    origin_url: str, context: RequestContext | None, inner: requests.auth.AuthBase | None
) -> requests.auth.AuthBase | None:
    """The auth a job's sessions carry: its credentials, plus its context when it has one."""
    if not context:
        return inner
    return ContextAuth(origin_url, context, inner)
