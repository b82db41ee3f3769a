"""Which proxy a request goes through: none, the system's, or one the user named (HTTP, HTTPS,
SOCKS5 with remote DNS), minus a no-proxy list of hosts that go direct.

The choice is made once per session (http.py), never per request. The proxy's user name and
password are secrets: `ProxyConfig` never shows them (repr, `label`), and the store keeps them
with the other secrets (app/store/secrets.py), not in the settings table.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from app.engine.errors import BadInput

# "system": the environment (HTTP(S)_PROXY, NO_PROXY) and, on Windows and macOS, the system's
# proxy settings, as requests' getproxies reads them.
MODES = ("none", "system", "http", "https", "socks5")
_SCHEMES = {"http": "http", "https": "https", "socks5": "socks5h", "socks5h": "socks5h"}
_DEFAULT_PORTS = {"http": 8080, "https": 443, "socks5": 1080}


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """A proxy choice. `host`/`port` matter for the explicit modes only."""

    mode: str = "system"
    host: str = ""
    port: int = 0
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    no_proxy: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"ProxyConfig({self.mode!r}, {self.label!r}, no_proxy={self.no_proxy!r})"

    @property
    def explicit(self) -> bool:
        return self.mode in ("http", "https", "socks5") and bool(self.host)

    @property
    def label(self) -> str:
        """host:port, for messages: never the credentials."""
        if not self.explicit:
            return self.mode
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url(self) -> str:
        """The proxy URL requests/urllib3 take, credentials included (keep it in memory)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        auth = ""
        if self.username or self.password:
            auth = f"{quote(self.username, safe='')}:{quote(self.password, safe='')}@"
        return f"{_SCHEMES[self.mode]}://{auth}{host}:{self.port}"


def parse_proxy_url(text: str, no_proxy: tuple[str, ...] = ()) -> ProxyConfig:
    """`--all-proxy` as aria2 spells it: [scheme://][user:password@]host[:port]; "" = none.

    A bare host:port is an HTTP proxy; socks5:// is taken as socks5h (names resolved by the
    proxy, so a host the local resolver can't see still works).
    """
    text = text.strip()
    if not text:
        return ProxyConfig("none", no_proxy=no_proxy)
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadInput("the proxy must be [http|https|socks5]://[user:password@]host:port") from exc
    scheme = parts.scheme.lower()
    mode = {"socks5h": "socks5", "socks": "socks5"}.get(scheme, scheme)
    if mode not in ("http", "https", "socks5") or not parts.hostname:
        raise BadInput("the proxy must be [http|https|socks5]://[user:password@]host:port")
    return ProxyConfig(
        mode,
        parts.hostname,
        port or _DEFAULT_PORTS[mode],
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        no_proxy,
    )


def parse_no_proxy(text: str) -> tuple[str, ...]:
    """A no-proxy list: comma, space or newline separated (pure)."""
    items = text.replace(",", " ").split()
    return tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))


def _host_port(url: str) -> tuple[str, int | None]:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower().rstrip("."), parts.port
    except ValueError:
        return "", None


def bypassed(url: str, no_proxy: tuple[str, ...]) -> bool:
    """True if `url`'s host is on the no-proxy list (pure).

    Entries as curl and NO_PROXY write them: `*` (everything), `example.com` (it and its
    subdomains), `.example.com` and `*.example.com` (subdomains and the domain), `host:port`,
    an IP address or a CIDR block (`10.0.0.0/8`).
    """
    host, port = _host_port(url)
    if not host:
        return False
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in no_proxy:
        entry = raw.strip().lower()
        if entry == "*":
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry.strip("[]"), strict=False):
                    return True
            except ValueError:
                pass
        name, _, want_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
        if want_port and (port is None or str(port) != want_port):
            continue
        name = name.removeprefix("*").lstrip(".").rstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _has_port(entry: str) -> bool:
    head, sep, tail = entry.rpartition(":")
    return bool(sep) and tail.isdigit() and ":" not in head.strip("[]")


def proxies_for(
    url: str, config: ProxyConfig, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The `proxies` a session for `url` carries (pure given env): empty means direct.

    "system" reads the environment (and the OS settings on Windows/macOS) once per session, as
    requests' trust_env would on every request; the user's no-proxy list applies on top.
    """
    if config.mode == "none" or bypassed(url, config.no_proxy):
        return {}
    if config.mode == "system":
        if env is None:
            import requests.utils  # here: `tether list` and a handed-over `get` never need it

            return dict(requests.utils.get_environ_proxies(url))
        return _env_proxies(url, env)
    if not config.explicit:
        return {}
    proxy = config.url()
    return {"http": proxy, "https": proxy}


def _env_proxies(url: str, env: Mapping[str, str]) -> dict[str, str]:
    """HTTP(S)_PROXY/ALL_PROXY/NO_PROXY from `env` (tests; the real one goes through requests)."""

    def get(name: str) -> str:
        return env.get(name.lower()) or env.get(name.upper()) or ""

    if bypassed(url, parse_no_proxy(get("no_proxy"))):
        return {}
    found: dict[str, str] = {}
    for scheme in ("http", "https"):
        value = get(f"{scheme}_proxy") or get("all_proxy")
        if value:
            found[scheme] = value
    return found


def describe(proxies: Mapping[str, str], url: str) -> str | None:
    """host:port of the proxy a request to `url` goes through, for log lines (pure)."""
    scheme = urlsplit(url).scheme.lower()
    chosen = proxies.get(scheme) or proxies.get("all")
    if not chosen:
        return None
    host, port = _host_port(chosen if "://" in chosen else "http://" + chosen)
    return f"{host}:{port}" if port else host
