"""What real servers showed that the in-repo fault server did not (issue 16), one test each.

- HTTPS throughput: TLS records are ≤ 16 KiB, so every read is "small"; it must not be paced
  like a slow link.
- A real nginx stopped for 10 s (and, with -m slow, 90 s) mid-download: retried, not given up.
- httpbin's /range/N answers 416 to a range past the end (Tether's first request asks a bounded
  piece bigger than the file): the file still downloads, like curl.
- SSL_CERT_FILE naming the CA, and ~/.netrc credentials, are honoured like curl and requests do.
"""

from __future__ import annotations

import base64
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.zoo.conftest import (
    BIG_SIZE,
    MIB,
    Folder,
    Tether,
    Tls,
    assert_exact,
    file_sha,
    outage,
)
from tests.zoo.servers import AUTH_PASSWORD, AUTH_USER, Httpbin, WebServer

FLOOR = 20e6  # bytes per second
MakeServer = Callable[..., tuple[WebServer, Folder]]


def opener_without_proxy() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.mark.parametrize("connections", [1, 8])
def test_https_runs_faster_than_the_floor(
    nginx_shared: WebServer, zoo_tls: Tls, zoo_folder: Folder, tether: Tether, connections: int
) -> None:
    """16 MiB over HTTPS from nginx faster than 20 MB/s: a floor, not a timing target.

    The time is the server's (first request's start to last request's end, from its log), so
    Python's start-up is not counted against the transfer."""
    name, path = "files/fast.bin", "/files/fast.bin"
    size = zoo_folder.sizes[name]
    limit = 60.0
    started = time.time()
    try:
        r = tether.get(
            f"{nginx_shared.base('https')}{path}",
            connections,
            env={"REQUESTS_CA_BUNDLE": str(zoo_tls.ca)},
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{size / MIB:.0f} MiB over HTTPS not done in {limit:.0f} s (< 0.3 MB/s)")
    assert r.returncode == 0, r.stderr
    assert file_sha(tether.out / "fast.bin") == zoo_folder.digests[name]
    served = [s for s in nginx_shared.served() if s.path == path and s.start >= started - 0.01]
    assert sum(s.bytes for s in served) >= size
    took = max(s.end for s in served) - min(s.start for s in served)
    rate = size / max(took, 1e-3)
    assert rate > FLOOR, f"{rate / 1e6:.1f} MB/s over HTTPS with {connections} connection(s)"


def _outage_case(fresh_server: MakeServer, tether: Tether, seconds: float) -> None:
    server, folder = fresh_server("nginx")
    url = server.base("http") + "/slow/big.bin"
    proc = tether.spawn(url, 8)
    tether.wait_done_at_least(proc, 24 * MIB)
    back = outage(server, proc, seconds)
    assert proc.wait(timeout=120 + seconds) == 0, proc.stderr.read() if proc.stderr else ""
    assert_exact(tether, folder)
    # resumed, not restarted: at most 40 MiB were missing, starting over would be 64
    assert server.bytes_served("/slow/big.bin", since=back) <= 0.85 * BIG_SIZE


def test_nginx_stopped_for_10_s_mid_download(fresh_server: MakeServer, tether: Tether) -> None:
    """8 connections, nginx gone for 10 s: the same `get` finishes, bytes exact, no rerun."""
    _outage_case(fresh_server, tether, 10)


@pytest.mark.slow
def test_nginx_stopped_for_90_s_mid_download(fresh_server: MakeServer, tether: Tether) -> None:
    _outage_case(fresh_server, tether, 90)


def test_httpbin_416_past_the_end_downloads_like_curl(
    httpbin_shared: Httpbin, tether: Tether, tmp_path: Path
) -> None:
    url = f"{httpbin_shared.url}/range/102400"
    # the premise: a bounded range reaching past the end is refused, not truncated (RFC 9110
    # says truncate; httpbin and some CDNs don't)
    probe = urllib.request.Request(url, headers={"Range": "bytes=0-1048575"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener_without_proxy().open(probe, timeout=10)
    assert refused.value.code == 416
    refused.value.close()

    by_curl = tmp_path / "curl.out"
    c = subprocess.run(
        ["curl", "-q", "-sS", "--fail", "--noproxy", "*", "-o", str(by_curl), url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert c.returncode == 0, c.stderr
    assert by_curl.stat().st_size == 102400

    r = tether.get(url, 8)
    assert r.returncode == 0, r.stderr
    assert tether.files() == ["102400"]
    assert (tether.out / "102400").read_bytes() == by_curl.read_bytes()


def test_ssl_cert_file_names_the_ca(
    nginx_shared: WebServer, zoo_tls: Tls, zoo_folder: Folder, tether: Tether
) -> None:
    """SSL_CERT_FILE (OpenSSL's, curl's and Python's variable) and no REQUESTS_CA_BUNDLE."""
    r = tether.get(
        f"{nginx_shared.base('https')}/files/tiny.bin", 2, env={"SSL_CERT_FILE": str(zoo_tls.ca)}
    )
    assert r.returncode == 0, r.stderr
    assert file_sha(tether.out / "tiny.bin") == zoo_folder.digests["files/tiny.bin"]


def test_netrc_credentials_are_used(
    nginx_shared: WebServer, zoo_folder: Folder, tether: Tether
) -> None:
    """nginx auth_basic (htpasswd from `openssl passwd -apr1`), credentials in $HOME/.netrc."""
    url = f"{nginx_shared.base('http')}/private/secret.bin"
    # the premise: without credentials nginx says 401, with them it serves the file
    with pytest.raises(urllib.error.HTTPError) as denied:
        opener_without_proxy().open(url, timeout=10)
    assert denied.value.code == 401
    denied.value.close()
    token = base64.b64encode(f"{AUTH_USER}:{AUTH_PASSWORD}".encode()).decode()
    authed = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    with opener_without_proxy().open(authed, timeout=10) as ok:
        assert ok.status == 200

    netrc = tether.home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login {AUTH_USER}\n  password {AUTH_PASSWORD}\n")
    netrc.chmod(0o600)
    r = tether.get(url, 2)
    assert r.returncode == 0, r.stderr
    assert file_sha(tether.out / "secret.bin") == zoo_folder.digests["private/secret.bin"]
