"""Network settings end to end (engine): downloads through tinyproxy (HTTP, and HTTPS through
CONNECT), through SOCKS5 with the proxy resolving names, a no-proxy exception going direct, a
proxy login, and per-site rules (connection limit, user agent, headers) as the server sees them."""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.proxy import ProxyConfig
from app.engine.siterules import SiteRule
from app.store import JobState
from tests.engine_helpers import (
    MIB,
    RefusedPort,
    download,
    file_sha,
    payload,
    run_engine,
    settings,
    sha,
)
from tests.support.faultserver import FaultServer
from tests.support.proxies import Socks5Server, Tinyproxy, TlsFront

needs_tinyproxy = pytest.mark.skipif(not Tinyproxy.available(), reason="tinyproxy not installed")
SECRET = "pr0xy-Pa55w0rd"


@pytest.fixture
def tinyproxy(tmp_path: Path) -> Iterator[Tinyproxy]:
    with Tinyproxy(tmp_path / "tinyproxy") as proxy:
        yield proxy


def _get(tmp_path: Path, url: str, **cfg: object) -> tuple[JobState, str, Path]:
    job = download(tmp_path, url, cfg=settings(auto_checksum=False, **cfg))
    return job.state, job.error or "", Path(job.dest_dir) / (job.file_name or "-")


@needs_tinyproxy
def test_http_through_tinyproxy(server: FaultServer, tinyproxy: Tinyproxy, tmp_path: Path) -> None:
    data = payload(MIB)
    server.add_file("/f.bin", data)
    proxy = ProxyConfig("http", "127.0.0.1", tinyproxy.port)
    state, error, path = _get(tmp_path, server.url("/f.bin"), proxy=proxy)
    assert state == JobState.COMPLETED, error
    assert file_sha(path) == sha(data)
    seen = server.requests_for("/f.bin")
    assert seen and all("tinyproxy" in r.headers.get("Via", "") for r in seen)


@needs_tinyproxy
def test_https_through_tinyproxy_connect(tinyproxy: Tinyproxy, tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    data = payload(MIB, seed=2)
    with FaultServer(ssl_context=ctx) as srv:
        srv.add_file("/s.bin", data)
        proxy = ProxyConfig("http", "127.0.0.1", tinyproxy.port)
        state, error, path = _get(tmp_path, srv.url("/s.bin"), proxy=proxy, verify_tls=str(pem))
        assert state == JobState.COMPLETED, error
        assert file_sha(path) == sha(data)
        assert srv.requests_for("/s.bin")
    assert f"CONNECT 127.0.0.1:{srv.port}" in tinyproxy.log_text().replace("//", "")


@needs_tinyproxy
def test_proxy_login(server: FaultServer, tmp_path: Path) -> None:
    data = payload(300 * 1024, seed=3)
    server.add_file("/a.bin", data)
    with Tinyproxy(tmp_path / "tp", auth=("proxyuser", SECRET)) as tp:
        good = ProxyConfig("http", "127.0.0.1", tp.port, "proxyuser", SECRET)
        state, error, path = _get(tmp_path / "1", server.url("/a.bin"), proxy=good)
        assert state == JobState.COMPLETED, error
        assert file_sha(path) == sha(data)
        bad = ProxyConfig("http", "127.0.0.1", tp.port, "proxyuser", "wrong-" + SECRET)
        state, error, _ = _get(tmp_path / "2", server.url("/a.bin"), proxy=bad)
        assert state == JobState.FAILED and SECRET not in error
        # tinyproxy answers a bad login with 401 (not 407): through CONNECT it is the proxy's
        state, error, _ = _get(tmp_path / "3", "https://127.0.0.1:1/x.bin", proxy=bad)
    assert state == JobState.FAILED
    assert error == f"the proxy 127.0.0.1:{tp.port} refused the login (401 to CONNECT)"
    assert SECRET not in repr(good) and "proxyuser" not in repr(good)


def test_socks5_with_remote_dns(server: FaultServer, tmp_path: Path) -> None:
    """`.invalid` never resolves locally: only the proxy resolving it makes this work."""
    data = payload(MIB, seed=4)
    server.add_file("/k.bin", data)
    with Socks5Server(auth=("sockser", SECRET)) as socks:
        proxy = ProxyConfig("socks5", "127.0.0.1", socks.port, "sockser", SECRET)
        url = f"http://tether-test.invalid:{server.port}/k.bin"
        state, error, path = _get(tmp_path, url, proxy=proxy)
    assert state == JobState.COMPLETED, error
    assert file_sha(path) == sha(data)
    assert ("tether-test.invalid", server.port) in socks.targets
    assert socks.refused_logins == 0


def test_no_proxy_exception_goes_direct(server: FaultServer, tmp_path: Path) -> None:
    data = payload(200 * 1024, seed=5)
    server.add_file("/n.bin", data)
    dead = RefusedPort()  # a proxy that is down: only going around it can succeed
    try:
        proxy = ProxyConfig("http", "127.0.0.1", dead.port, no_proxy=("localhost", "127.0.0.1"))
        state, error, path = _get(tmp_path / "1", server.url("/n.bin"), proxy=proxy)
        assert state == JobState.COMPLETED, error
        assert file_sha(path) == sha(data)
        through = ProxyConfig("http", "127.0.0.1", dead.port, no_proxy=("example.com",))
        state, error, _ = _get(tmp_path / "2", server.url("/n.bin"), proxy=through, retry_for=0.3)
    finally:
        dead.release()
    assert state == JobState.FAILED
    assert f"the proxy 127.0.0.1:{dead.port}" in error


def test_none_ignores_the_environment(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = RefusedPort()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead.port}")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        server.add_file("/e.bin", payload(1000))
        state, error, _ = _get(tmp_path, server.url("/e.bin"), proxy=ProxyConfig("none"))
        assert state == JobState.COMPLETED, error
        state, error, _ = _get(
            tmp_path / "sys", server.url("/e.bin"), proxy=ProxyConfig("system"), retry_for=0.3
        )
        assert state == JobState.FAILED and f"127.0.0.1:{dead.port}" in error
    finally:
        dead.release()


# ---------------------------------------------------------------------------- site rules
@pytest.mark.parametrize(("rules", "most"), [((), 3), ((SiteRule("127.0.0.1", 2),), 2)])
def test_a_host_rule_limits_connections(
    server: FaultServer, tmp_path: Path, rules: tuple[SiteRule, ...], most: int
) -> None:
    """-c 8 against a host with a limit of 2: never more than 2 requests at once (and without
    the rule, more than 2: the measurement can see the difference)."""
    data = payload(2 * MIB, seed=6)
    server.add_file("/c.bin", data, rate=2 * MIB)
    job = download(
        tmp_path,
        server.url("/c.bin"),
        connections=8,
        cfg=settings(site_rules=rules, auto_checksum=False, connections=8),
    )
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(Path(job.dest_dir) / job.file_name) == sha(data)
    if rules:
        assert server.peak_active <= most
    else:
        assert server.peak_active >= most


def test_user_agent_and_headers_reach_their_host_only(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/u.bin", payload(1000))
    rules = (
        SiteRule("*", 0, "Generic/1.0"),
        SiteRule("127.0.0.1", 0, "Special/2.0", (("X-Token", "t0ken"), ("Cookie", "a=b"))),
        SiteRule("*.example.com", 0, "Other/3.0", (("X-Other", "1"),)),
    )
    state, error, _ = _get(tmp_path, server.url("/u.bin"), site_rules=rules)
    assert state == JobState.COMPLETED, error
    seen = server.requests_for("/u.bin")
    assert seen and all(r.headers.get("User-Agent") == "Special/2.0" for r in seen)
    assert all(r.headers.get("X-Token") == "t0ken" for r in seen)
    assert all(r.headers.get("Cookie") == "a=b" for r in seen)
    assert not any("X-Other" in r.headers for r in seen)
    assert all(r.headers.get("Accept-Encoding") == "identity" for r in seen)


def test_rule_headers_do_not_follow_a_redirect_to_another_host(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(1000)
    server.add_file("/t.bin", data)
    server.add_redirect("/r.bin", f"http://localhost:{server.port}/t.bin")
    rules = (SiteRule("127.0.0.1", 0, "", (("Cookie", "session=s3cret"),)),)
    state, error, _ = _get(tmp_path, server.url("/r.bin"), site_rules=rules)
    assert state == JobState.COMPLETED, error
    assert server.requests_for("/r.bin")[0].headers.get("Cookie") == "session=s3cret"
    assert all("Cookie" not in r.headers for r in server.requests_for("/t.bin"))


def test_a_host_limit_holds_across_jobs(server: FaultServer, tmp_path: Path) -> None:
    """Three -c 8 jobs on one host limited to 2: they take turns (never more than 2 requests
    at once at the server) and all complete; a job on another host is not held up."""
    files = {f"/j{i}.bin": payload(MIB, seed=10 + i) for i in range(3)}
    for path, data in files.items():
        server.add_file(path, data, rate=4 * MIB)
    cfg = settings(
        site_rules=(SiteRule("127.0.0.1", 2),), auto_checksum=False, connections=8, max_concurrent=3
    )

    async def body(engine: Any) -> list[Any]:
        jobs = [engine.add(server.url(p), str(tmp_path / "out"), connections=8) for p in files]
        await engine.wait_idle()
        return [engine.job(j.id) for j in jobs]

    done = run_engine(tmp_path, body, cfg)
    assert isinstance(done, list)
    for job, data in zip(done, files.values(), strict=True):
        assert job.state == JobState.COMPLETED, job.error
        assert file_sha(Path(job.dest_dir) / job.file_name) == sha(data)
    assert server.peak_active <= 2


def test_socks_failures_name_the_proxy_only(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/z.bin", payload(1000))
    url = server.url("/z.bin")
    with Socks5Server(auth=("sockser", SECRET)) as socks:
        bad = ProxyConfig("socks5", "127.0.0.1", socks.port, "sockser", "wrong-" + SECRET)
        state, error, _ = _get(tmp_path / "1", url, proxy=bad)
        assert state == JobState.FAILED
        assert error == f"the proxy 127.0.0.1:{socks.port} refused the login (SOCKS5)"
        good = dataclasses.replace(bad, password=SECRET)
        gone = RefusedPort()  # the proxy is fine, the server is down
        try:
            state, error, _ = _get(tmp_path / "2", gone.url, proxy=good, retry_for=0.3)
        finally:
            gone.release()
        assert state == JobState.FAILED
        assert f"the proxy 127.0.0.1:{socks.port} could not reach the server" in error
    dead = RefusedPort()
    try:
        down = ProxyConfig("socks5", "127.0.0.1", dead.port, "sockser", SECRET)
        state, error, _ = _get(tmp_path / "3", url, proxy=down, retry_for=0.3)
    finally:
        dead.release()
    assert state == JobState.FAILED
    assert f"cannot reach the proxy 127.0.0.1:{dead.port} (connection refused" in error
    assert SECRET not in error


@needs_tinyproxy
def test_an_https_proxy(server: FaultServer, tinyproxy: Tinyproxy, tmp_path: Path) -> None:
    """TLS to the proxy itself, verified with the same trust as servers (here: a CA file)."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    data = payload(MIB, seed=7)
    server.add_file("/h.bin", data)
    with TlsFront(tinyproxy.port, ctx) as front:
        proxy = ProxyConfig("https", "127.0.0.1", front.port)
        state, error, path = _get(
            tmp_path / "1", server.url("/h.bin"), proxy=proxy, verify_tls=str(pem)
        )
        assert state == JobState.COMPLETED, error
        assert file_sha(path) == sha(data)
        assert front.handshakes >= 1
        # a proxy whose certificate is not trusted is refused, never used unverified
        state, error, _ = _get(tmp_path / "2", server.url("/h.bin"), proxy=proxy)
    assert state == JobState.FAILED
    assert error.startswith(f"the proxy 127.0.0.1:{front.port}'s TLS certificate is not trusted")


def test_a_changed_proxy_drops_idle_and_held_sessions() -> None:
    from app.engine.http import SessionPool

    pool = SessionPool(proxy=ProxyConfig("none"))
    url = "http://files.example.com/f"
    for _ in range(2):  # each change: nothing made before it is used again
        first = pool.acquire(url)
        held = pool.acquire(url)
        pool.release(first, url)
        assert pool.acquire(url) is first  # reused while the settings stay
        pool.release(first, url)
        new = ProxyConfig("socks5", "p.lan", 1080)
        pool.set_network(new, (SiteRule("*.example.com", 2, "Rule/1"),))
        fresh = pool.acquire(url)
        assert fresh is not first and fresh is not held
        assert fresh.proxies == {"http": "socks5h://p.lan:1080", "https": "socks5h://p.lan:1080"}
        assert fresh.headers["User-Agent"] == "Rule/1"
        assert pool.rule_for(url).max_connections == 2
        pool.release(held, url)  # made before the change: closed, not pooled
        pool.release(fresh, url)
        assert pool.acquire(url) is fresh
        pool.release(fresh, url)
        pool.set_network(ProxyConfig("none"), ())
    pool.close()
