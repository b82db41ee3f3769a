"""Local security: TLS verification, secrets kept out of every text Tether writes, downloaded
files never executable, nothing opened or run automatically."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import logging
import os
import ssl
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import log as applog
from app.engine import http
from app.engine.engine import Engine
from app.engine.settings import EngineSettings
from app.options import OPTIONS, Options
from app.store import JobState, JobStore
from tests.engine_helpers import FAST, KIB, download, file_sha, payload, sha
from tests.support.faultserver import FaultServer
from tests.trust_helpers import ROOT, run_tether, tether_env

trustme = pytest.importorskip("trustme")

SECRET = "s3cr3t-P4ss"
USER = "alice"
BASIC = base64.b64encode(f"{USER}:{SECRET}".encode()).decode()


@pytest.fixture(scope="module")
def ca() -> object:
    return trustme.CA()


@pytest.fixture
def https_server(ca: object) -> Iterator[FaultServer]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)  # type: ignore[attr-defined]
    with FaultServer(ssl_context=ctx) as srv:
        yield srv


@pytest.fixture
def ca_bundle(ca: object, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))  # type: ignore[attr-defined]
    return str(path)


# ---------------------------------------------------------------------------- TLS
def test_tls_is_verified_by_default(https_server: FaultServer, tmp_path: Path) -> None:
    assert EngineSettings().verify_tls is True
    verify = http.new_session().verify
    assert verify is True or (isinstance(verify, str) and verify)  # a CA bundle still verifies
    data = payload(64 * KIB)
    https_server.add_file("/f.bin", data)
    job = download(tmp_path, https_server.url("/f.bin"))
    assert job.state == JobState.FAILED
    assert job.error == (
        "the server's TLS certificate is not trusted "
        "(use --ca-certificate FILE, or add the CA to the system store)"
    )
    assert not any((tmp_path / "out").glob("f.bin*")) or all(
        p.stat().st_size == 0 for p in (tmp_path / "out").glob("f.bin*")
    )
    # the handshake failed: not one byte of the body was ever sent
    assert https_server.bytes_served("/f.bin") == 0


def test_tls_trusted_ca_bundle_works(
    https_server: FaultServer, tmp_path: Path, ca_bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configured bundle is used, even when the environment names another one (requests
    would otherwise let REQUESTS_CA_BUNDLE override a session's own `verify`)."""
    import certifi

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    data = payload(300 * KIB)
    https_server.add_file("/f.bin", data)
    job = download(
        tmp_path, https_server.url("/f.bin"), cfg=dataclasses.replace(FAST, verify_tls=ca_bundle)
    )
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)


def test_tls_trusted_ca_but_wrong_host_name_fails(
    ca: object, tmp_path: Path, ca_bundle: str
) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("other.example").configure_cert(ctx)  # type: ignore[attr-defined]
    with FaultServer(ssl_context=ctx) as srv:
        srv.add_file("/f.bin", b"x" * 1000)
        job = download(
            tmp_path, srv.url("/f.bin"), cfg=dataclasses.replace(FAST, verify_tls=ca_bundle)
        )
    assert job.state == JobState.FAILED
    assert job.error and "TLS" in job.error and "\n" not in job.error


def test_no_user_setting_or_environment_disables_tls(
    https_server: FaultServer, tmp_path: Path
) -> None:
    """Settings a user can store have no TLS switch; stored junk keys and the environment
    variables requests reads (empty CA bundles) don't turn verification off; the CLI says so in
    one line."""
    keys = {o.key for o in OPTIONS} | {f.name for f in dataclasses.fields(Options)}
    assert not {k for k in keys if any(w in k for w in ("tls", "ssl", "verify", "insecure"))}
    data_dir = tmp_path / "d"
    store = JobStore.open(data_dir / "tether.sqlite3")
    for key in ("verify_tls", "insecure", "verify"):
        store.set_setting(key, False)
    store.close()
    https_server.add_file("/f.bin", payload(10 * KIB))
    env = dict(tether_env(), CURL_CA_BUNDLE="", REQUESTS_CA_BUNDLE="", PYTHONHTTPSVERIFY="0")
    r = subprocess.run(
        [
            *(sys.executable, "-m", "app", "--data-dir", str(data_dir), "get"),
            *(https_server.url("/f.bin"), "-o", str(tmp_path / "o")),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "certificate is not trusted" in r.stderr
    assert not (tmp_path / "o" / "f.bin").exists()


def test_runtime_dir_is_private() -> None:
    """Where the single-instance socket lives: only this user may enter it."""
    from app.paths import runtime_dir

    assert stat.S_IMODE(runtime_dir().stat().st_mode) == 0o700


# ---------------------------------------------------------------------------- secrets
def _cred_url(server: FaultServer, path: str) -> str:
    return server.url(path).replace("://", f"://{USER}:{SECRET}@", 1)


def _assert_clean(text: str, where: str) -> None:
    assert SECRET not in text, f"password leaked into {where}"
    assert BASIC not in text, f"Authorization value leaked into {where}"
    assert "Authorization" not in text and "Cookie" not in text, f"header logged in {where}"


def test_credentials_never_reach_logs_history_or_errors(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(200 * KIB)
    spec = server.add_file("/f.bin", data)
    spec.status_sequence = [(503, {"Retry-After": "0"})]  # a retry gets logged too
    server.add_file("/gone.bin", b"x")
    server.files["/gone.bin"].status_always = 403
    server.add_redirect("/moved", "/f.bin")
    data_dir = tmp_path / "data"
    log_path = applog.setup(data_dir, verbose=True)
    assert log_path is not None
    events: list[str] = []

    async def body() -> None:
        store = JobStore.open(data_dir / "tether.sqlite3")
        engine = Engine(store, FAST, on_event=lambda e: events.append(repr(e)))
        await engine.start()
        urls = [_cred_url(server, p) for p in ("/f.bin", "/gone.bin", "/moved", "/missing")]
        urls.append(f"http://{USER}:{SECRET}@127.0.0.1:1/refused.bin")  # connection refused
        ids = [engine.add(u, str(tmp_path / "out")).id for u in urls]
        await engine.wait_idle()
        states = [engine.job(i).state for i in ids]
        assert states[0] == JobState.COMPLETED and states[2] == JobState.COMPLETED
        assert states[1] == states[3] == states[4] == JobState.FAILED
        for i in ids:
            job = engine.job(i)
            _assert_clean(job.error or "", f"error of job {i}")
            _assert_clean(" ".join(m for _, m in engine.job_log(i)), f"history of job {i}")
        await engine.shutdown()
        store.close()

    try:
        asyncio.run(asyncio.wait_for(body(), 60))
    finally:
        for h in list(logging.getLogger("tether").handlers):
            if getattr(h, "_tether", False):
                h.flush()
    # the credentials really were used (sent to the server as Basic auth) ...
    assert any(r.headers.get("Authorization") == f"Basic {BASIC}" for r in server.requests)
    # ... and appear nowhere Tether writes text
    _assert_clean(log_path.read_text(encoding="utf-8"), "the log file")
    _assert_clean(" ".join(e for e in events if "LOG" in e), "LOG events")
    # the database keeps the URL without its credentials (issue 17: they are a separate secret)
    r = run_tether("list", data=data_dir)
    assert r.returncode == 0
    _assert_clean(r.stdout + r.stderr, "`tether list`")
    r = run_tether("list", "--json", data=data_dir)
    _assert_clean(r.stdout + r.stderr, "`tether list --json`")
    assert all("@" not in row["url"] for row in json.loads(r.stdout))


def test_cli_errors_never_show_credentials(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/ok.bin", b"fine")
    cases = [
        ("get", _cred_url(server, "/missing.bin"), "-o", str(tmp_path / "o")),
        ("get", f"ftp://{USER}:{SECRET}@host/x"),
        ("get", f"http://{USER}:{SECRET}@host:99999/x"),
        ("get", f"http://{USER}:{SECRET}@exa mple.com/x"),
        ("add", f"gopher://{USER}:{SECRET}@host/x"),
    ]
    for args in cases:
        r = run_tether(*args, data=tmp_path / "d")
        assert r.returncode in (1, 2), (args, r.returncode)
        assert r.stderr.strip() and "Traceback" not in r.stderr
        _assert_clean(r.stdout + r.stderr, f"output of {args[0]}")
    logs = "".join(p.read_text() for p in (tmp_path / "d" / "logs").glob("*.log*"))
    _assert_clean(logs, "the CLI's log file")


def test_credentials_are_not_sent_to_another_host_after_a_redirect(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(100 * KIB)
    with FaultServer(host="127.0.0.2") as other:
        other.add_file("/f.bin", data)
        server.add_redirect("/f.bin", other.url("/f.bin"))
        job = download(tmp_path, _cred_url(server, "/f.bin"), connections=2)
        assert job.state == JobState.COMPLETED, job.error
        assert file_sha(job.path or "") == sha(data)
        assert other.requests
        for r in other.requests:
            assert "Authorization" not in r.headers and "Cookie" not in r.headers


# ---------------------------------------------------------------------------- files
def test_downloads_are_never_executable_even_with_umask_0(
    server: FaultServer, tmp_path: Path
) -> None:
    for name in ("/run.sh", "/setup.exe", "/app.desktop", "/tool.AppImage"):
        server.add_file(name, b"#!/bin/sh\necho pwned > /tmp/pwned\n", content_type="text/x-sh")
    out = tmp_path / "out"
    r = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path / "d"), "get"]
        + [server.url(n) for n in ("/run.sh", "/setup.exe", "/app.desktop", "/tool.AppImage")]
        + ["-o", str(out)],
        capture_output=True,
        text=True,
        env=tether_env(),
        cwd=ROOT,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.umask(0),
    )
    assert r.returncode == 0, r.stderr
    files = sorted(out.iterdir())
    assert [p.name for p in files] == ["app.desktop", "run.sh", "setup.exe", "tool.AppImage"]
    for p in files:
        mode = p.stat().st_mode
        assert mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH) == 0, (p.name, oct(mode))
        assert not mode & (stat.S_ISUID | stat.S_ISGID)
    assert not Path("/tmp/pwned").exists()


def test_nothing_is_opened_or_run_automatically(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine never starts a process or opens a file/URL, whatever it downloads."""
    import webbrowser

    calls: list[str] = []

    def forbid(name: str) -> object:
        def called(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise AssertionError(f"{name} called")

        return called

    for mod, name in [
        (subprocess, "Popen"),
        (os, "system"),
        (os, "posix_spawn"),
        (os, "posix_spawnp"),
        (os, "execv"),
        (os, "execvp"),
        (os, "fork"),
        (webbrowser, "open"),
    ]:
        monkeypatch.setattr(mod, name, forbid(f"{mod.__name__}.{name}"))
    server.add_file("/run.sh", b"#!/bin/sh\necho hi\n", content_type="application/x-sh")
    server.add_file(
        "/x", b"[Desktop Entry]\nExec=sh\n", content_disposition='attachment; filename="a.desktop"'
    )
    for path in ("/run.sh", "/x"):
        job = download(tmp_path / path.strip("/"), server.url(path))
        assert job.state == JobState.COMPLETED, job.error
    assert calls == []
    # and no code path in the headless layers could: they never import a way to do it
    layers = [ROOT / "app" / layer for layer in ("engine", "store", "cli")]
    assert all(layer.is_dir() for layer in layers)
    for layer in layers:
        for src in layer.rglob("*.py"):
            text = src.read_text(encoding="utf-8")
            for needle in ("subprocess", "os.system", "webbrowser", "startfile", "xdg-open"):
                assert needle not in text, f"{needle} in {src}"
