"""Checking URLs the user gives us, and keeping credentials out of anything printed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from app.engine.errors import BadInput

SUPPORTED_SCHEMES = frozenset({"http", "https"})


def validate_url(text: str) -> str:
    """Return the URL stripped, or raise BadInput with a one-line reason (pure)."""
    url = text.strip()
    if not url:
        raise BadInput("empty URL")
    if any(c in url for c in "\r\n\t ") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise BadInput(f"not a URL (contains whitespace or control characters): {redact(url)!r}")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        raise BadInput(f"not a valid URL: {redact(url)!r}") from exc
    scheme = parts.scheme.lower()
    if not scheme or "://" not in url:
        raise BadInput(f"not a URL: {redact(url)!r} (expected http:// or https://)")
    if scheme not in SUPPORTED_SCHEMES:
        raise BadInput(f"unsupported scheme {scheme!r} in {redact(url)!r} (use http or https)")
    if not parts.hostname:
        raise BadInput(f"no host in URL {redact(url)!r}")
    if port == 0:
        raise BadInput(f"bad port in URL {redact(url)!r}")
    return url


# up to the last @ of the authority, as urllib splits — whitespace included: urllib does not
# end an authority at a space or U+0085, so stopping there left `//***@:<NEL>@host`, where
# urllib still reads a password (found by the fuzz property test)
_USERINFO = re.compile(r"//[^/?#]*@")


def redact(url: str) -> str:
    """The URL without user:password, fit for logs, errors and the UI (pure)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub("//***@", url)
    out = url
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[-1]
        out = urlunsplit((parts.scheme, "***@" + host, parts.path, parts.query, parts.fragment))
    # a URL inside the URL (?next=http://u:p@h/), and "user:pass@host/file" typed without scheme
    out = _USERINFO.sub("//***@", out)
    head, sep, rest = out.partition("/")
    if "@" in head:
        out = "***@" + head.rsplit("@", 1)[1] + sep + rest
    return out


# Which URLs a job's credentials may go to (app/engine/credentials.py sends them): here, with
# no requests import, for the commands that only check it (`tether set-url`).
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, lower-cased, the default port filled in (pure)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "", "", None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def may_send_credentials(origin_url: str, url: str) -> bool:
    """True if credentials given for `origin_url` may go with a request to `url` (pure)."""
    origin, target = origin_of(origin_url), origin_of(url)
    if not origin[1] or origin[1] != target[1]:
        return False
    if origin == target:
        return True
    # requests' should_strip_auth: an upgrade to https on the default ports keeps them
    return origin[0] == "http" and target[0] == "https" and (origin[2], target[2]) == (80, 443)
