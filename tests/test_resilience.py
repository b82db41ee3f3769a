"""Resilience end to end: HTTPS at full speed, outages survived as one event, retrying and
cancelled as their own states, imperfect range answers, error lines that name the culprit."""

from __future__ import annotations

import dataclasses
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.settings import EngineSettings
from app.store import JobState
from tests.engine_helpers import FAST, MIB, download, file_sha, sha
from tests.support.faultserver import FaultServer
from tests.trust_helpers import quick_payload

trustme = pytest.importorskip("trustme")


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


# ---------------------------------------------------------------------------- HTTPS speed
# A TLS record carries at most 16 KiB, so every read of an HTTPS body is "small": a floor no
# healthy machine misses on loopback (the coalescing pause once held it near 0.3 MB/s).
HTTPS_FLOOR = 20e6  # bytes/s


@pytest.mark.parametrize("connections", [1, 8])
def test_https_runs_at_full_speed(
    https_server: FaultServer, tmp_path: Path, ca_bundle: str, connections: int
) -> None:
    data = quick_payload(6 * MIB, seed=connections)
    https_server.add_file("/big.bin", data)
    cfg = dataclasses.replace(
        EngineSettings(), verify_tls=ca_bundle, connect_timeout=5.0, stall_timeout=10.0
    )
    t0 = time.monotonic()
    job = download(tmp_path, https_server.url("/big.bin"), cfg=cfg, connections=connections)
    took = time.monotonic() - t0
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    rate = len(data) / took
    assert rate > HTTPS_FLOOR, f"{rate / 1e6:.1f} MB/s over HTTPS with {connections} connections"


def test_https_stream_without_ranges_runs_at_full_speed(
    https_server: FaultServer, tmp_path: Path, ca_bundle: str
) -> None:
    data = quick_payload(6 * MIB, seed=3)
    https_server.add_file("/big.bin", data, ranges=False)
    cfg = dataclasses.replace(EngineSettings(), verify_tls=ca_bundle, connect_timeout=5.0)
    t0 = time.monotonic()
    job = download(tmp_path, https_server.url("/big.bin"), cfg=cfg)
    took = time.monotonic() - t0
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    assert len(data) / took > HTTPS_FLOOR, f"{len(data) / took / 1e6:.1f} MB/s"


# ---------------------------------------------------------------------------- 416 past the end
@pytest.mark.parametrize("mode", ["total", "bare"])
def test_416_to_the_bounded_probe_asks_again_within_the_file(
    server: FaultServer, tmp_path: Path, mode: str
) -> None:
    """httpbin's /range/N answers 416 to `bytes=0-1048575` for a 100 KiB file; curl downloads
    it, so must we (never "the server cannot serve that range (416)" for a whole file)."""
    data = quick_payload(100 * 1024, seed=5)
    server.add_file("/range.bin", data, past_end_416=mode)
    job = download(tmp_path, server.url("/range.bin"), cfg=FAST)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    assert any("past_end_416" in r.faults for r in server.requests_for("/range.bin"))


# ---------------------------------------------------------------------------- error lines
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_dead_proxy_is_named_without_its_credentials(
    server: FaultServer, scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.engine import http
    from app.engine.errors import TransientError, from_request_exception

    port = _free_port()  # nothing listens there
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(f"{scheme.upper()}_PROXY", f"http://bob:hunter2@127.0.0.1:{port}")
    url = f"{scheme}://127.0.0.1:{server.port}/f.bin"
    session = http.new_session(url=url)
    with pytest.raises(Exception) as caught:
        session.get(url, timeout=(2, 2))
    err = from_request_exception(caught.value)
    assert isinstance(err, TransientError)
    assert err.reason == f"cannot reach the proxy 127.0.0.1:{port} (connection refused)"


def test_an_untrusted_certificate_says_how_to_trust_a_ca(
    https_server: FaultServer, tmp_path: Path
) -> None:
    https_server.add_file("/f.bin", b"x" * 1000)
    job = download(tmp_path, https_server.url("/f.bin"), cfg=FAST)
    assert job.state == JobState.FAILED
    assert job.error == (
        "the server's TLS certificate is not trusted "
        "(use --ca-certificate FILE, or add the CA to the system store)"
    )
