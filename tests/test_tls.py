"""Which CAs are trusted: each route (explicit file, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE,
SSL_CERT_FILE, the system store through truststore) works, precedence holds, an untrusted
certificate fails in one clear line, and the SSL context is built once per settings."""

from __future__ import annotations

import dataclasses
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from app.engine import http, tls
from app.engine.errors import PermanentError
from app.store import JobState
from tests.engine_helpers import FAST, KIB, download, file_sha, payload, sha
from tests.support.faultserver import FaultServer

trustme = pytest.importorskip("trustme")

CA_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


@pytest.fixture(scope="module")
def ca() -> object:
    return trustme.CA()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in CA_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def https_server(ca: object) -> Iterator[FaultServer]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)  # type: ignore[attr-defined]
    with FaultServer(ssl_context=ctx) as srv:
        yield srv


def _pem(ca: object, path: Path) -> str:
    ca.cert_pem.write_to_path(str(path))  # type: ignore[attr-defined]
    return str(path)


# ---------------------------------------------------------------------------- precedence (pure)
@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        ("/x.pem", {"REQUESTS_CA_BUNDLE": "/r", "SSL_CERT_FILE": "/s"}, ("file", "/x.pem")),
        (None, {"REQUESTS_CA_BUNDLE": "/r", "CURL_CA_BUNDLE": "/c"}, ("file", "/r")),
        (None, {"CURL_CA_BUNDLE": "/c", "SSL_CERT_FILE": "/s"}, ("file", "/c")),
        (None, {"SSL_CERT_FILE": "/s"}, ("file", "/s")),
        (
            None,
            {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": " ", "SSL_CERT_FILE": "/s"},
            ("file", "/s"),
        ),
        (None, {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}, ("system", None)),
        ("", {}, ("system", None)),
    ],
)
def test_trust_precedence(
    explicit: str | None, env: dict[str, str], expected: tuple[str, str]
) -> None:
    trust = tls.choose_trust(explicit, env)
    assert (trust.kind, trust.path) == expected


@given(
    explicit=st.sampled_from([None, "", "/x.pem"]),
    env=st.dictionaries(
        st.sampled_from(["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "OTHER"]),
        st.sampled_from(["", " ", "/a.pem", "/b.pem"]),
    ),
)
def test_trust_is_the_first_source_that_is_set(explicit: str | None, env: dict[str, str]) -> None:
    trust = tls.choose_trust(explicit, env)
    ordered = [("--ca-certificate", explicit or "")] + [
        (n, env.get(n, "")) for n in tls.CA_ENV_VARS
    ]
    first = next(((name, value.strip()) for name, value in ordered if value.strip()), None)
    if first is None:
        assert trust.kind == "system" and trust.path is None
    else:
        assert trust.kind == "file" and trust.path == first[1]
        assert first[0] in trust.source


def test_system_store_is_truststore_and_always_verifies() -> None:
    truststore = pytest.importorskip("truststore")
    ctx = tls.build_context(tls.Trust("system"))
    assert isinstance(ctx, truststore.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_certifi_when_the_system_store_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import truststore

    def broken(*_: object) -> None:
        raise OSError("no store")

    monkeypatch.setattr(truststore, "SSLContext", broken)
    ctx = tls.build_context(tls.Trust("system"))
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.get_ca_certs()


def test_a_bad_ca_file_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "junk.pem").write_text("not a certificate")
    for path in (tmp_path / "missing.pem", tmp_path / "junk.pem"):
        with pytest.raises(PermanentError) as err:
            tls.build_context(tls.Trust("file", str(path), "SSL_CERT_FILE"))
        assert str(path) in err.value.reason and "SSL_CERT_FILE" in err.value.reason
        assert "\n" not in err.value.reason


# ------------------------------------------------------------------------ each route, end to end
def _fetch(tmp_path: Path, srv: FaultServer, verify: bool | str = True) -> tuple[JobState, str]:
    data = payload(200 * KIB)
    srv.add_file("/f.bin", data)
    job = download(tmp_path, srv.url("/f.bin"), cfg=dataclasses.replace(FAST, verify_tls=verify))
    if job.state == JobState.COMPLETED:
        assert file_sha(job.path or "") == sha(data)
    return job.state, job.error or ""


@pytest.mark.parametrize("var", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_ca_from_the_environment(
    var: str, ca: object, https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    # the higher-precedence variables are set but empty: they must not hide this one
    for name in CA_VARS[: CA_VARS.index(var)]:
        clean_env.setenv(name, "")
    clean_env.setenv(var, _pem(ca, tmp_path / "ca.pem"))
    state, error = _fetch(tmp_path, https_server)
    assert state == JobState.COMPLETED, error


def test_ssl_cert_file_loses_to_requests_ca_bundle(
    ca: object, https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    other = trustme.CA()
    clean_env.setenv("SSL_CERT_FILE", _pem(ca, tmp_path / "ca.pem"))
    clean_env.setenv("REQUESTS_CA_BUNDLE", _pem(other, tmp_path / "other.pem"))
    state, error = _fetch(tmp_path, https_server)
    assert state == JobState.FAILED and error.startswith(
        "the server's TLS certificate is not trusted (use --ca-certificate FILE"
    )


def test_explicit_ca_wins_over_the_environment(
    ca: object, https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    other = trustme.CA()
    clean_env.setenv("SSL_CERT_FILE", _pem(other, tmp_path / "other.pem"))
    state, error = _fetch(tmp_path, https_server, verify=_pem(ca, tmp_path / "ca.pem"))
    assert state == JobState.COMPLETED, error


def test_an_explicit_ca_is_the_only_one_trusted(
    ca: object, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """A given CA file replaces the bundle (as curl --cacert): requests' default certifi bundle
    is not loaded on top of it."""
    other = trustme.CA()
    pem = _pem(other, tmp_path / "other.pem")
    session = http.new_session(pem)
    ctx = session.get_adapter("https://x/")._ssl_context  # type: ignore[attr-defined]
    assert len(ctx.get_ca_certs()) == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to hash a CA folder")
def test_ca_from_the_system_store(
    ca: object, https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """A CA installed in the system store (here: OpenSSL's SSL_CERT_DIR, which is what the system
    store is on Linux) is trusted through truststore, with nothing configured in Tether."""
    pytest.importorskip("truststore")
    certs = tmp_path / "certs"
    certs.mkdir()
    pem = _pem(ca, certs / "ca.pem")
    digest = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", pem],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (certs / f"{digest}.0").symlink_to(pem)
    clean_env.setenv("SSL_CERT_DIR", str(certs))
    state, error = _fetch(tmp_path, https_server)
    assert state == JobState.COMPLETED, error


def test_an_untrusted_certificate_fails_in_one_clear_line(
    https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    state, error = _fetch(tmp_path, https_server)
    assert state == JobState.FAILED
    assert error.startswith(
        "the server's TLS certificate is not trusted (use --ca-certificate FILE"
    )
    assert https_server.bytes_served("/f.bin") == 0


def test_a_bad_ca_bundle_in_the_environment_fails_the_job_clearly(
    https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "nope.pem"))
    state, error = _fetch(tmp_path, https_server)
    assert state == JobState.FAILED
    assert "REQUESTS_CA_BUNDLE" in error and "nope.pem" in error and "\n" not in error


# ---------------------------------------------------------------------------- cost
def test_the_context_is_built_once_per_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """A CA file's context: once per settings, shared. The system store's: once per session
    (its handshake lock must not be shared), never per request or per reuse of a session.
    The environment is read once per settings either way."""
    built: list[tls.Trust] = []
    decided: list[bool | str] = []
    real_build, real_trust = tls.build_context, tls.trust_for

    def counting(trust: tls.Trust) -> ssl.SSLContext:
        built.append(trust)
        return real_build(trust)

    def deciding(verify: bool | str, env: object = None) -> tls.Trust:
        decided.append(verify)
        return real_trust(verify)

    monkeypatch.setattr(tls, "build_context", counting)
    monkeypatch.setattr(tls, "trust_for", deciding)

    def acquire(p: http.SessionPool, url: str) -> requests.Session:
        """A session as a worker uses it: acquired, then its first HTTPS request goes out
        (which is when the context is needed: plain HTTP never builds one)."""
        session = p.acquire(url)
        session.get_adapter(url)._context()  # type: ignore[attr-defined]
        return session

    pool = http.SessionPool(_pem(trustme.CA(), tmp_path / "ca.pem"))
    plain = pool.acquire("http://plain.example/f")
    assert built == [] and decided == []  # nothing built for plain HTTP
    pool.release(plain, "http://plain.example/f")
    sessions = [acquire(pool, f"https://h{i}.example/f") for i in range(5)]
    sessions += [acquire(pool.bound(None), "https://other.example/f") for _ in range(3)]
    assert len(built) == 1 and len(decided) == 1
    for s in sessions:
        pool.release(s, "https://h0.example/f")
    for _ in range(5):  # idle sessions come back with their context: nothing is built
        pool.release(acquire(pool, "https://h0.example/f"), "https://h0.example/f")
    assert len(built) == 1
    pool.set_verify(True)
    fresh = [acquire(pool, f"https://n{i}.example/f") for i in range(3)]
    assert [t.kind for t in built[1:]] == ["system"] * 3 and len(decided) == 2
    for s in fresh:
        pool.release(s, "https://n0.example/f")
    for _ in range(5):
        pool.release(acquire(pool, "https://n0.example/f"), "https://n0.example/f")
    assert len(built) == 4
    pool.close()


# ---------------------------------------------------------------------------- the command line
def test_cli_ca_certificate(
    ca: object, https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    from tests.trust_helpers import run_tether

    https_server.add_file("/f.bin", payload(50 * KIB))
    pem = _pem(ca, tmp_path / "ca.pem")
    data = tmp_path / "d"
    r = run_tether("get", https_server.url("/f.bin"), "-o", str(tmp_path / "o"), data=data)
    assert r.returncode == 1 and "certificate is not trusted" in r.stderr
    r = run_tether(
        "get",
        https_server.url("/f.bin"),
        "-o",
        str(tmp_path / "o"),
        "--ca-certificate",
        pem,
        data=data,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "f.bin").exists()


def test_cli_add_keeps_the_ca_for_the_window_and_resume(
    ca: object, https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    from app.options import load_options
    from app.store import JobStore
    from tests.trust_helpers import run_tether

    https_server.add_file("/f.bin", payload(50 * KIB))
    pem = _pem(ca, tmp_path / "ca.pem")
    data = tmp_path / "d"
    url = https_server.url("/f.bin")
    r = run_tether("add", url, "-o", str(tmp_path / "o"), "--ca-certificate", pem, data=data)
    assert r.returncode == 0, r.stderr
    store = JobStore.open(data / "tether.sqlite3")
    options = load_options(store)
    store.close()
    assert options.ca_certificate == pem
    assert options.engine_settings().verify_tls == pem  # what the window runs with
    r = run_tether("resume", data=data)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("command", ["get", "add", "resume"])
def test_cli_bad_ca_certificate_is_one_line_and_exit_2(command: str, tmp_path: Path) -> None:
    from tests.trust_helpers import run_tether

    (tmp_path / "junk.pem").write_text("hello")
    urls = [] if command == "resume" else ["https://127.0.0.1:1/f"]
    for bad in (tmp_path / "missing.pem", tmp_path / "junk.pem", tmp_path):
        r = run_tether(command, *urls, "--ca-certificate", str(bad), data=tmp_path / "d")
        assert r.returncode == 2, (bad, r.stderr)
        assert r.stderr.count("\n") == 1 and str(bad) in r.stderr and "Traceback" not in r.stderr


def test_get_help_mentions_ca_certificate(tmp_path: Path) -> None:
    from tests.trust_helpers import run_tether

    r = run_tether("get", "--help", data=tmp_path)
    assert "--ca-certificate" in r.stdout and "--no-netrc" in r.stdout


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to hash a CA folder")
def test_a_stuck_handshake_does_not_hold_up_other_servers(
    ca: object, https_server: FaultServer, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """truststore's context holds a lock for the whole handshake: shared by every session, one
    server that never answers the TLS handshake would queue every other handshake behind it."""
    import asyncio
    import socket
    import threading

    from app.engine.engine import Engine
    from app.store import JobStore

    certs = tmp_path / "certs"
    certs.mkdir()
    pem = _pem(ca, certs / "ca.pem")
    digest = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", pem],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (certs / f"{digest}.0").symlink_to(pem)
    clean_env.setenv("SSL_CERT_DIR", str(certs))
    https_server.add_file("/f.bin", payload(100 * KIB))

    silent = socket.create_server(("127.0.0.1", 0))
    hello = threading.Event()
    release = threading.Event()

    def swallow() -> None:
        conn, _ = silent.accept()
        conn.recv(1)  # the ClientHello has arrived: the client is inside its handshake
        hello.set()
        release.wait(60)
        conn.close()

    threading.Thread(target=swallow, daemon=True).start()
    stuck_url = f"https://127.0.0.1:{silent.getsockname()[1]}/never.bin"
    cfg = dataclasses.replace(FAST, connect_timeout=30.0, stall_timeout=30.0)

    async def body() -> None:
        store = JobStore.open(tmp_path / "d" / "t.sqlite3")
        engine = Engine(store, cfg)
        await engine.start()
        try:
            engine.add(stuck_url, str(tmp_path / "o1"))
            await asyncio.to_thread(hello.wait, 10)
            assert hello.is_set()
            job = engine.add(https_server.url("/f.bin"), str(tmp_path / "o2"))
            await asyncio.wait_for(engine.wait_idle([job.id]), 10)
            assert engine.job(job.id).state == JobState.COMPLETED, engine.job(job.id).error
        finally:
            release.set()
            await engine.shutdown()
            store.close()

    try:
        asyncio.run(body())
    finally:
        release.set()
        silent.close()


def test_a_tls_connection_cut_mid_body_yields_only_the_servers_bytes(
    https_server: FaultServer, ca: object, tmp_path: Path
) -> None:
    """Cutting a connection (a re-roll, a takeover, a pause) must never make the next read
    return the raw TLS records still in the kernel: ssl.SSLSocket.shutdown() forgets the TLS
    layer, and recv() on Linux still hands out what was queued — ciphertext, that a re-rolled
    segment would have written into the file as if it were the body."""
    import time

    from app.engine.bodyreader import BodyReader
    from app.engine.errors import TransientError
    from app.engine.runcontrol import RunControl

    body = payload(8 * 1024 * KIB, seed=21)
    https_server.add_file("/cut.bin", body)
    session = http.new_session(_pem(ca, tmp_path / "ca.pem"))  # the engine's own session
    for _ in range(2):
        with session.get(https_server.url("/cut.bin"), stream=True, timeout=10) as resp:
            control = RunControl()
            control.register(1, resp)
            reader = BodyReader(resp, control.stop, 10.0)
            view = memoryview(bytearray(64 * KIB))
            got = bytearray(view[: reader.read_into(view, len(view), True)])
            time.sleep(0.3)  # more of the body arrives and waits in the kernel, still encrypted
            assert control.cut(1)
            try:
                while (n := reader.read_into(view, len(view), True)) > 0:
                    got += view[:n]
            except TransientError:
                pass  # the cut connection ends: fine, as long as what came before is right
            assert len(got) > 0 and bytes(got) == body[: len(got)]


def test_slow_https_connections_are_rerolled_and_the_file_is_exact(
    https_server: FaultServer, ca: object, tmp_path: Path
) -> None:
    """Re-rolling over TLS, end to end: the two slow connections are cut mid-body while the
    kernel still holds their records; the file must still be exactly the server's."""
    from app.engine.engine import Engine
    from tests.engine_helpers import MIB, run_engine, settings
    from tests.test_reroll import FAST_RATE, _history, _slow_connections

    data = payload(16 * MIB, seed=22)
    spec = https_server.add_file("/f.bin", data, rate=FAST_RATE)
    spec.connection_rate = _slow_connections(1, 3)  # type: ignore[assignment]
    pem = _pem(ca, tmp_path / "ca.pem")

    async def body(engine: Engine) -> int:
        job = engine.add(https_server.url("/f.bin"), str(tmp_path / "out"), connections=4)
        await engine.wait_idle()
        return job.id

    job_id = run_engine(tmp_path, body, settings(min_split=1 * MIB, verify_tls=pem))
    assert isinstance(job_id, int)
    assert any("reconnecting" in m for m in _history(tmp_path, job_id))
    assert file_sha(tmp_path / "out" / "f.bin") == sha(data)
