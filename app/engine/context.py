"""A job's request context: the cookies, referrer, user agent and extra headers it came with.

A browser hands a download over with the cookies and referrer its page had; `tether get
--cookie/--header/--referer/--user-agent` does the same by hand. The context is a secret (the
store keeps it with the job's credentials, app/store/secrets.py), rides on every request of the
job, resumes included, and never appears in logs, listings or errors: repr() hides its values.

Scope, as for credentials (credentials.py): cookies and extra headers go only to the host the
job's URL names; a redirect to another host (a CDN) loses them. Referrer and user agent go with
every request, as a browser sends them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from app.engine.errors import BadInput
from app.store.secrets import CONTEXT, SecretStore

MAX_VALUE = 16 * 1024  # a header value longer than this is not a browser's
MAX_HEADERS = 64
# headers the engine owns: a context cannot change how a range is asked or how bytes arrive
_RESERVED = frozenset(
    {
        "range",
        "if-range",
        "accept-encoding",
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "te",
        "upgrade",
        "trailer",
        "expect",
    }
)


def _clean_value(name: str, value: str) -> str:
    if len(value) > MAX_VALUE:
        raise BadInput(f"the {name} value is too long (over {MAX_VALUE} characters)")
    if any(ch in value for ch in "\r\n\0"):
        raise BadInput(f"the {name} value holds a line break")
    return value.strip()


def _token(name: str) -> str:
    name = name.strip()
    if not name or any(ch in name for ch in ' \t\r\n\0:()<>@,;\\"/[]?={}'):
        raise BadInput("a header name holds a space or a separator (give it as 'Name: value')")
    return name


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What a job's requests carry besides the URL. Values are secrets: repr() hides them."""

    cookies: str | None = None  # a Cookie header value: "a=b; c=d"
    referrer: str | None = None
    user_agent: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())

    def __repr__(self) -> str:
        names = ", ".join(n for n, _ in self.headers)
        return (
            f"RequestContext(cookies={'***' if self.cookies else None}, "
            f"referrer={'***' if self.referrer else None}, "
            f"user_agent={'***' if self.user_agent else None}, headers=[{names}])"
        )

    def __bool__(self) -> bool:
        return bool(self.cookies or self.referrer or self.user_agent or self.headers)

    @staticmethod
    def build(
        *,
        cookies: str | None = None,
        referrer: str | None = None,
        user_agent: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> RequestContext:
        """A checked context (BadInput: one line that never quotes a value)."""
        pairs: list[tuple[str, str]] = []
        jar: list[str] = [cookies] if cookies else []
        for raw_name, raw_value in headers:
            name = _token(raw_name)
            value = _clean_value(name, raw_value)
            low = name.lower()
            if low in _RESERVED:
                raise BadInput(f"the {name} header is Tether's own; it cannot be set")
            if low == "cookie":
                jar.append(value)
            elif low == "referer":
                referrer = value
            elif low == "user-agent":
                user_agent = value
            else:
                pairs.append((name, value))
        if len(pairs) > MAX_HEADERS:
            raise BadInput(f"more than {MAX_HEADERS} extra headers")
        cookie = "; ".join(c.strip().strip(";").strip() for c in jar if c.strip(" ;"))
        return RequestContext(
            cookies=_clean_value("Cookie", cookie) or None,
            referrer=_clean_value("Referer", referrer) or None if referrer else None,
            user_agent=_clean_value("User-Agent", user_agent) or None if user_agent else None,
            headers=tuple(pairs),
        )

    def merged(self, newer: RequestContext) -> RequestContext:
        """This context with what `newer` says (a re-capture's fresh cookies win)."""
        names = {n.lower() for n, _ in newer.headers}
        return RequestContext(
            cookies=newer.cookies or self.cookies,
            referrer=newer.referrer or self.referrer,
            user_agent=newer.user_agent or self.user_agent,
            headers=tuple(h for h in self.headers if h[0].lower() not in names) + newer.headers,
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "cookies": self.cookies,
                "referrer": self.referrer,
                "user_agent": self.user_agent,
                "headers": [list(h) for h in self.headers],
            }
        )

    @staticmethod
    def loads(text: str) -> RequestContext | None:
        try:
            d = json.loads(text)
            return RequestContext(
                cookies=d.get("cookies"),
                referrer=d.get("referrer"),
                user_agent=d.get("user_agent"),
                headers=tuple((str(n), str(v)) for n, v in d.get("headers") or ()),
            )
        except (TypeError, ValueError, AttributeError):
            return None

    @staticmethod
    def from_json(obj: Mapping[str, Any]) -> RequestContext:
        """The protocol's `context` object (docs/PROTOCOL.md); BadInput if malformed."""
        known = {"cookies", "referrer", "referer", "user_agent", "headers"}
        unknown = sorted(set(obj) - known)
        if unknown:
            raise BadInput(f"no context field {unknown[0][:40]!r}")

        def text(key: str) -> str | None:
            value = obj.get(key)
            if value is not None and not isinstance(value, str):
                raise BadInput(f"context.{key} must be a string")
            return value

        raw = obj.get("headers") or {}
        pairs: list[tuple[str, str]] = []
        if isinstance(raw, Mapping):
            pairs = [(str(k), v) for k, v in raw.items()]
        elif isinstance(raw, list):
            for item in raw:
                if not isinstance(item, list) or len(item) != 2:
                    raise BadInput("context.headers must be an object or [name, value] pairs")
                pairs.append((str(item[0]), item[1]))
        else:
            raise BadInput("context.headers must be an object or [name, value] pairs")
        if any(not isinstance(v, str) for _, v in pairs):
            raise BadInput("context.headers values must be strings")
        return RequestContext.build(
            cookies=text("cookies"),
            referrer=text("referrer") or text("referer"),
            user_agent=text("user_agent"),
            headers=pairs,
        )


def parse_header(line: str) -> tuple[str, str]:
    """`Name: value` (curl's -H spelling) → (name, value); BadInput if there is no colon."""
    name, sep, value = line.partition(":")
    if not sep:
        raise BadInput("a header without a colon (give it as 'Name: value')")
    return _token(name), _clean_value(name.strip(), value)


def netscape_cookies(text: str, url: str, now: float | None = None) -> str | None:
    """The cookies of a Netscape cookies.txt (curl, wget, browser exports) that a request to
    `url` carries, as a Cookie header value (pure): host or domain match, path prefix, secure
    only over https, not expired."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    secure_ok = parts.scheme.lower() == "https"
    moment = time.time() if now is None else now
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip("\r\n")
        if line.startswith("#HttpOnly_"):
            line = line[len("#HttpOnly_") :]
        elif not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 7:
            continue
        domain, subdomains, cpath, secure, expires, name, value = fields
        domain = domain.lower()
        tail = domain.lstrip(".")
        wide = subdomains.upper() == "TRUE" or domain.startswith(".")
        if not (host == tail or (wide and host.endswith("." + tail))):
            continue
        if not (path == cpath or path.startswith(cpath.rstrip("/") + "/") or cpath == "/"):
            continue
        if secure.upper() == "TRUE" and not secure_ok:
            continue
        try:
            expiry = int(expires)
        except ValueError:
            expiry = 0
        if expiry and expiry < moment:
            continue
        found[name] = value
    return "; ".join(f"{n}={v}" for n, v in found.items()) or None


def load_context(secrets: SecretStore, job_id: int) -> RequestContext | None:
    text = secrets.get(job_id, CONTEXT)
    return None if text is None else RequestContext.loads(text)


def save_context(secrets: SecretStore, job_id: int, context: RequestContext | None) -> None:
    """Keep (or with None or an empty one, forget) the job's context, with its secrets."""
    if context:
        secrets.put(job_id, CONTEXT, context.dumps())
    else:
        secrets.drop(job_id, CONTEXT)
