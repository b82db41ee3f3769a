"""HTTP sessions for downloads: pooled per host, with the trust, proxy, site-rule headers and
credentials each request must carry — and nothing meant for one host following a redirect to
another."""

from __future__ import annotations

import dataclasses
import ssl
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import requests.auth

from app import __version__
from app.engine import tls
from app.engine.proxy import ProxyConfig, proxies_for
from app.engine.siterules import Effective, SiteRule, effective_rule

USER_AGENT = f"Tether/{__version__} (+resumable download manager)"
MAX_REDIRECTS = 10


class _Session(requests.Session):
    """requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override `session.verify` (psf/requests
    #3829): the trust Tether chose (tls.py) must win over the environment.

    A session's proxy and site-rule headers are chosen for the host it was made for; a redirect
    to another host gets that host's proxy (its no-proxy exception) and rule headers instead,
    so a Cookie or Authorization meant for one site never follows a redirect to another.
    """

    proxy_config: ProxyConfig | None = None
    site_rules: tuple[SiteRule, ...] = ()
    generation = 0

    def rebuild_proxies(self, prepared_request, proxies):  # type: ignore[no-untyped-def]
        if self.proxy_config is not None:
            proxies = proxies_for(prepared_request.url or "", self.proxy_config)
        parent: Any = super()  # requests' stubs leave these untyped
        return parent.rebuild_proxies(prepared_request, proxies)

    def rebuild_auth(self, prepared_request, response):  # type: ignore[no-untyped-def]
        parent: Any = super()
        parent.rebuild_auth(prepared_request, response)
        if self.site_rules:
            before = effective_rule(response.request.url or "", self.site_rules)
            after = effective_rule(prepared_request.url or "", self.site_rules)
            if before != after:
                headers = prepared_request.headers
                for name, _value in before.headers:
                    headers.pop(name, None)
                headers.update(_session_headers(after))
        # requests applies auth once, on the first request: a job's request context
        # (context.py) is put again on each redirect, kept or dropped by the new host, over
        # the site rules (the job's own is the more specific)
        again = getattr(self.auth, "on_redirect", None)
        if again is not None:
            again(prepared_request)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            merged["verify"] = self.verify
        return merged


class _TrustAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose connections use one prepared SSL context (tls.py) for trust.

    requests would otherwise point every connection at certifi's bundle (`cert_verify` sets
    `ca_certs`, which urllib3 loads into the context on each new connection): the OS store,
    SSL_CERT_FILE and an explicit CA file would be ignored or diluted.

    Given a factory, the context is built on the first HTTPS (or proxied) request: loading a
    CA bundle or the system store costs 15-40 ms, which a plain-HTTP download never needs
    (a third of `tether get`'s time to its first request).
    """

    def __init__(self, ssl_context: ssl.SSLContext | Callable[[], ssl.SSLContext]) -> None:
        if isinstance(ssl_context, ssl.SSLContext):
            self._ssl_context: ssl.SSLContext | None = ssl_context
            self._make_context: Callable[[], ssl.SSLContext] | None = None
        else:
            self._ssl_context, self._make_context = None, ssl_context
        # No automatic retries underneath ours: one policy, in retry.py.
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)

    def _context(self) -> ssl.SSLContext:
        ctx = self._ssl_context
        if ctx is None:
            assert self._make_context is not None
            ctx = self._ssl_context = self._make_context()
            # HTTPS pools made from now on use it (none exists yet: this is the first)
            self.poolmanager.connection_pool_kw["ssl_context"] = ctx
        return ctx

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._ssl_context is not None:
            kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = self._context()
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if self._ssl_context is None and (request.url or "")[:6].lower() == "https:":
            self._context()
        return super().send(request, *args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # The context carries the trust; verification is required whatever `verify` says.
        # (Tether sends no client certificates, so `cert` has nothing to set.)
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


# Headers the engine itself decides: a site rule never overrides them.
_OWN_HEADERS = frozenset({"range", "if-range", "accept-encoding", "host", "content-length"})


def _session_headers(rule: Effective) -> dict[str, str]:
    out = {k: v for k, v in rule.header_dict(USER_AGENT).items() if k.lower() not in _OWN_HEADERS}
    out["Accept-Encoding"] = "identity"
    return out


def new_session(
    verify: bool | str = True,
    url: str | None = None,
    ssl_context: ssl.SSLContext | Callable[[], ssl.SSLContext] | None = None,
    proxy: ProxyConfig | None = None,
    site_rules: tuple[SiteRule, ...] = (),
) -> requests.Session:
    """One session per worker: its own connection pool, so headers are never shared.

    The proxy (proxy.py; the environment's HTTP(S)_PROXY and NO_PROXY when `proxy` is None or
    "system") and the site rules' headers are chosen once for `url`'s host, not per request:
    with trust_env, requests re-reads the environment and ~/.netrc on every request, ~15 % of
    a request's CPU. Trust comes from `ssl_context` (built once per settings by SessionPool),
    or from a factory called on the first HTTPS request.
    """
    session = _Session()
    session.trust_env = False
    config = proxy or ProxyConfig()
    session.proxy_config = config
    session.site_rules = site_rules
    if url is not None:
        session.proxies.update(proxies_for(url, config))
    if ssl_context is None:
        ssl_context = tls.build_context(tls.trust_for(verify))
    session.headers.update(_session_headers(effective_rule(url or "", site_rules)))
    session.max_redirects = MAX_REDIRECTS
    session.verify = True
    adapter = _TrustAdapter(ssl_context)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _PoolCore:
    """What every view of one SessionPool shares: idle sessions, the trust decision, a lock."""

    def __init__(
        self,
        verify: bool | str,
        max_idle: int,
        proxy: ProxyConfig | None = None,
        site_rules: tuple[SiteRule, ...] = (),
    ) -> None:
        self.verify = verify
        self.max_idle = max_idle
        self.proxy = proxy or ProxyConfig()
        self.site_rules = site_rules
        # Bumped by every settings change: a session made before it (held by a worker while
        # the user changed the proxy) is closed when given back, never pooled.
        self.generation = 0
        self.idle: dict[tuple[str, str, int], list[requests.Session]] = {}
        self.lock = threading.Lock()
        self.closed = False
        self.trust: tls.Trust | None = None
        self.context: ssl.SSLContext | None = None

    def ssl_context(self) -> ssl.SSLContext:
        """The context for a new session; the environment is read once per settings.

        A CA file's context is built once and shared (parsing the file costs ~ms; a plain
        context needs no lock). The system store's truststore context is made per session
        instead: it costs ~0.3 ms (the store is consulted at each handshake anyway) but holds a
        lock for the whole handshake, so one shared context would queue every TLS handshake
        of the process behind the slowest server (tests/test_tls.py, stuck handshake).
        A failure is not cached: the next session tries again.
        """
        with self.lock:
            verify, trust, ctx = self.verify, self.trust, self.context
        if trust is None:
            trust = tls.trust_for(verify)
        if trust.kind == "system":
            ctx = tls.build_context(trust)
        elif ctx is None:
            ctx = tls.build_context(trust)
            with self.lock:
                if self.verify == verify and self.context is None:
                    self.context = ctx
        with self.lock:
            if self.verify == verify and self.trust is None:
                self.trust = trust
        return ctx


class SessionPool:
    """Idle sessions with warm keep-alive connections, passed from a finished job to the next.

    A session is owned by one worker at a time (taken with acquire, given back with release),
    so nothing about it is ever shared between threads; 500 small files from one host then
    cost a handful of connections instead of 500. `bound(auth)` is a view of the same pool whose
    sessions carry one job's credentials while that job holds them (credentials.py decides on
    which host they may be sent).
    """

    def __init__(
        self,
        verify: bool | str = True,
        max_idle: int = 16,
        proxy: ProxyConfig | None = None,
        site_rules: tuple[SiteRule, ...] = (),
    ) -> None:
        self._core = _PoolCore(verify, max_idle, proxy, site_rules)
        self._auth: requests.auth.AuthBase | None = None
        self._share: int | None = None

    def bound(self, auth: requests.auth.AuthBase | None, share: int | None = None) -> SessionPool:
        """A view for one job: its credentials, and `share`, the connections its host's rule
        leaves it while other jobs on that host run (the engine decides, siterules.host_share)."""
        view = SessionPool.__new__(SessionPool)
        view._core = self._core
        view._auth = auth
        view._share = share
        return view

    @staticmethod
    def _key(url: str, generation: int) -> tuple[str, str, int]:
        # The generation stands for the proxy, rules and trust the session was made with.
        parts = urlsplit(url)
        return parts.scheme.lower(), parts.netloc.lower(), generation

    def rule_for(self, url: str) -> Effective:
        """The site rules that apply to `url` (its connection limit, for the download)."""
        rule = effective_rule(url, self._core.site_rules)
        if self._share is not None:
            rule = dataclasses.replace(rule, max_connections=max(1, self._share))
        return rule

    def acquire(self, url: str) -> requests.Session:
        core = self._core
        session: requests.Session | None = None
        with core.lock:
            generation, proxy, rules = core.generation, core.proxy, core.site_rules
            idle = core.idle.get(self._key(url, generation))
            if idle:
                session = idle.pop()
        if session is None:
            made = new_session(core.verify, url, core.ssl_context, proxy, rules)
            assert isinstance(made, _Session)
            made.generation = generation
            session = made
        session.auth = self._auth
        return session

    def release(self, session: requests.Session, url: str) -> None:
        session.auth = None  # the next job on this host must not inherit these credentials
        session.cookies.clear()  # nor this job's cookies
        core = self._core
        generation = getattr(session, "generation", -1)
        with core.lock:
            if not core.closed and generation == core.generation:
                idle = core.idle.setdefault(self._key(url, generation), [])
                if len(idle) < core.max_idle:
                    idle.append(session)
                    return
        session.close()

    def set_verify(self, verify: bool | str) -> None:
        """New TLS settings: a new context, and idle sessions made with the old one dropped."""
        core = self._core
        with core.lock:
            core.verify = verify
            core.trust = None
            core.context = None
        self._drop_idle()

    def set_network(self, proxy: ProxyConfig, site_rules: tuple[SiteRule, ...]) -> None:
        """A new proxy or site rules: sessions made with the old ones are not used again."""
        with self._core.lock:
            self._core.proxy = proxy
            self._core.site_rules = site_rules
        self._drop_idle()

    def _drop_idle(self) -> None:
        core = self._core
        with core.lock:
            core.generation += 1
            stale = [s for sessions in core.idle.values() for s in sessions]
            core.idle.clear()
        for session in stale:
            session.close()

    def close(self) -> None:
        core = self._core
        with core.lock:
            core.closed = True
            stale = [s for sessions in core.idle.values() for s in sessions]
            core.idle.clear()
        for session in stale:
            session.close()
