"""Which credentials a job's requests carry, and to which host: its URL's user:password (kept
as a secret by the store), else ~/.netrc's entry for its host; only ever for that host.

requests' rule on redirects holds: credentials are dropped when a redirect leaves the host
(an http → https upgrade on default ports keeps them), and segment requests that go straight to
a final URL on another host never get them.
"""

from __future__ import annotations

import netrc
import os
import threading
from collections.abc import Mapping
from typing import Any

import requests
import requests.auth

from app.engine.urls import may_send_credentials as may_send_credentials  # its old home
from app.engine.urls import origin_of
from app.store.secrets import Credentials


class HostAuth(requests.auth.AuthBase):
    """Basic auth for one host (sent up front, as curl and requests do with URL credentials),
    switching to Digest when that host challenges with it; nothing for any other host."""

    def __init__(self, origin_url: str, creds: Credentials) -> None:
        self.origin_url = origin_url
        self._creds = creds
        # Any: requests' digest internals (thread-local challenge state) are untyped
        self._digest: Any = requests.auth.HTTPDigestAuth(creds.username, creds.password)
        self._use_digest = False

    def __repr__(self) -> str:
        return f"HostAuth({origin_of(self.origin_url)[1]!r}, user={self._creds.username!r})"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if not may_send_credentials(self.origin_url, r.url or ""):
            return r
        if self._use_digest:
            digest = self._digest
            digest.init_per_thread_state()
            if digest._thread_local.last_nonce:
                r.headers["Authorization"] = digest.build_digest_header(r.method, r.url)
        else:
            r.headers["Authorization"] = requests.auth._basic_auth_str(
                self._creds.username, self._creds.password
            )
        hooks: Any = r
        hooks.register_hook("response", self._on_401)
        return r

    def _on_401(self, resp: requests.Response, **kwargs: Any) -> requests.Response:
        """A Digest challenge from our host: answer it once (requests' HTTPDigestAuth does the
        work). The hook also rides along on redirects, hence the host check again."""
        if resp.status_code != 401 or not may_send_credentials(
            self.origin_url, resp.request.url or ""
        ):
            return resp
        if "digest" not in resp.headers.get("WWW-Authenticate", "").lower():
            return resp
        self._use_digest = True
        digest = self._digest
        digest.init_per_thread_state()
        digest._thread_local.num_401_calls = 1
        digest._thread_local.pos = None
        answered: requests.Response = digest.handle_401(resp, **kwargs)
        return answered


# ---------------------------------------------------------------------------- netrc
def netrc_path(env: Mapping[str, str], home: str) -> str | None:
    """$NETRC if set, else ~/.netrc (or ~/_netrc, the Windows name), as curl and requests (pure
    but for checking which file exists)."""
    if env.get("NETRC"):
        return env["NETRC"]
    for name in (".netrc", "_netrc"):
        path = os.path.join(home, name)
        if os.path.isfile(path):
            return path
    return None


def netrc_credentials(entries: netrc.netrc, host: str) -> Credentials | None:
    """The machine entry for `host` (else `default`), as requests reads it (pure)."""
    found = entries.authenticators(host)
    if found is None:
        return None
    login, account, password = found
    user = login or account or ""
    if not user and not password:
        return None
    return Credentials(user, password or "")


class NetrcCache:
    """~/.netrc read once (not per request, which requests' trust_env costs) and answers kept
    per host. An unreadable or malformed file counts as no file."""

    def __init__(self, path: str | None = None, *, enabled: bool = True) -> None:
        self._path = path
        self._enabled = enabled
        self._lock = threading.Lock()
        self._entries: netrc.netrc | None = None
        self._loaded = False
        self._by_host: dict[str, Credentials | None] = {}

    def _load(self) -> netrc.netrc | None:
        if not self._loaded:
            self._loaded = True
            path = self._path or netrc_path(os.environ, os.path.expanduser("~"))
            if path is not None:
                try:
                    self._entries = netrc.netrc(path)
                except (OSError, netrc.NetrcParseError):
                    self._entries = None
        return self._entries

    def lookup(self, url: str) -> Credentials | None:
        if not self._enabled:
            return None
        host = origin_of(url)[1]
        if not host:
            return None
        with self._lock:
            if host not in self._by_host:
                entries = self._load()
                self._by_host[host] = None if entries is None else netrc_credentials(entries, host)
            return self._by_host[host]


def job_auth(url: str, secret: Credentials | None, netrc_cache: NetrcCache) -> HostAuth | None:
    """The auth a job's requests carry: its own credentials, else netrc's for its host."""
    creds = secret or netrc_cache.lookup(url)
    return None if creds is None else HostAuth(url, creds)
