"""Which credentials go with a job's requests: ~/.netrc (or $NETRC) for a URL without any,
read once; --no-netrc; the host rule on redirects; Digest when the server asks for it."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import netrc
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine import credentials
from app.engine.credentials import (
    NetrcCache,
    may_send_credentials,
    netrc_credentials,
    netrc_path,
)
from app.store import JobState
from app.store.secrets import Credentials
from tests.engine_helpers import FAST, KIB, download, file_sha, payload, sha
from tests.support.faultserver import FaultServer
from tests.trust_helpers import run_tether

USER = "alice"
PASSWORD = "n3trc-Pa55"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


# ---------------------------------------------------------------------------- decisions (pure)
@pytest.mark.parametrize(
    ("origin", "url", "ok"),
    [
        ("https://h/a", "https://h/b?x", True),
        ("https://H:443/a", "https://h/b", True),
        ("http://h/a", "https://h/b", True),  # requests keeps them on an https upgrade
        ("https://h/a", "http://h/b", False),
        ("http://h:8080/a", "https://h/b", False),
        ("https://h/a", "https://h:8443/b", False),
        ("https://h/a", "https://other/b", False),
        ("https://h/a", "https://h.evil/b", False),
        ("https://h/a", "https://evil/h", False),
        ("https://h/a", "not a url", False),
    ],
)
def test_may_send_credentials(origin: str, url: str, ok: bool) -> None:
    assert may_send_credentials(origin, url) is ok


def test_netrc_path(tmp_path: Path) -> None:
    assert netrc_path({"NETRC": "/x/n"}, str(tmp_path)) == "/x/n"
    assert netrc_path({}, str(tmp_path)) is None
    (tmp_path / ".netrc").write_text("")
    assert netrc_path({"NETRC": ""}, str(tmp_path)) == str(tmp_path / ".netrc")


def test_netrc_credentials(tmp_path: Path) -> None:
    path = tmp_path / "n"
    path.write_text(
        "machine a.example login al password pa\n"
        "machine b.example account acc password pb\n"
        "default login dl password dp\n"
    )
    entries = netrc.netrc(str(path))
    assert netrc_credentials(entries, "a.example") == Credentials("al", "pa")
    assert netrc_credentials(entries, "b.example") == Credentials("acc", "pb")
    assert netrc_credentials(entries, "zzz") == Credentials("dl", "dp")


def test_netrc_is_read_once_and_a_bad_file_is_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "n"
    path.write_text(f"machine h login {USER} password {PASSWORD}\n")
    reads: list[str] = []
    real = netrc.netrc

    def counting(file: str) -> netrc.netrc:
        reads.append(file)
        return real(file)

    monkeypatch.setattr(credentials.netrc, "netrc", counting)
    cache = NetrcCache(str(path))
    for _ in range(50):
        assert cache.lookup("https://h/f") == Credentials(USER, PASSWORD)
        assert cache.lookup("https://other/f") is None
    assert reads == [str(path)]
    assert NetrcCache(str(path), enabled=False).lookup("https://h/f") is None
    path.write_text('machine "unterminated')
    assert NetrcCache(str(path)).lookup("https://h/f") is None
    assert NetrcCache(str(tmp_path / "missing")).lookup("https://h/f") is None


# ---------------------------------------------------------------------------- netrc, end to end
def _locked(server: FaultServer, path: str = "/f.bin") -> bytes:
    data = payload(200 * KIB)
    server.add_file(path, data, auth=BASIC)
    return data


def _netrc_file(folder: Path, host: str = "127.0.0.1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".netrc"
    path.write_text(f"machine {host}\n  login {USER}\n  password {PASSWORD}\n")
    path.chmod(0o600)
    return path


def test_netrc_from_the_netrc_variable(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _locked(server)
    monkeypatch.setenv("NETRC", str(_netrc_file(tmp_path / "n")))
    r = run_tether("get", server.url("/f.bin"), "-o", str(tmp_path / "o"), data=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert file_sha(tmp_path / "o" / "f.bin") == sha(data)


def test_netrc_from_home_and_no_netrc(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _locked(server)
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    _netrc_file(tmp_path / "home")
    url = server.url("/f.bin")
    r = run_tether("get", url, "-o", str(tmp_path / "o1"), "--no-netrc", data=tmp_path / "d")
    assert r.returncode == 1 and "401" in r.stderr
    r = run_tether("get", url, "-o", str(tmp_path / "o2"), data=tmp_path / "d2")
    assert r.returncode == 0, r.stderr


def test_netrc_never_beats_credentials_in_the_url(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _locked(server)
    monkeypatch.setenv("NETRC", str(_netrc_file(tmp_path / "n")))
    url = server.url("/f.bin").replace("://", "://alice:wrong@", 1)
    r = run_tether("get", url, "-o", str(tmp_path / "o"), data=tmp_path / "d")
    assert r.returncode == 1 and "401" in r.stderr


def test_netrc_credentials_are_not_sent_to_another_host(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """netrc names 127.0.0.1; a redirect to 127.0.0.2 (a CDN) gets nothing, neither on the
    redirect nor on the segment requests that go straight to the final URL."""
    data = payload(300 * KIB)
    monkeypatch.setenv("NETRC", str(_netrc_file(tmp_path / "n")))
    with FaultServer(host="127.0.0.2") as other:
        other.add_file("/f.bin", data)
        server.add_redirect("/f.bin", other.url("/f.bin"))
        job = download(tmp_path, server.url("/f.bin"), connections=3)
        assert job.state == JobState.COMPLETED, job.error
        assert file_sha(job.path or "") == sha(data)
        assert [r.headers.get("Authorization") for r in server.requests] == [BASIC]
        assert len(other.requests) >= 2
        assert all("Authorization" not in r.headers for r in other.requests)


# ---------------------------------------------------------------------------- digest
class _DigestHandler(BaseHTTPRequestHandler):
    """Answers 401 Digest (qop=auth, MD5) until the Authorization header checks out."""

    body = b""
    realm = "tether"
    nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"
    seen: ClassVar[list[str | None]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _valid(self, header: str | None) -> bool:
        if not header or not header.startswith("Digest "):
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        ha1 = md5(f"{USER}:{self.realm}:{PASSWORD}")
        ha2 = md5(f"GET:{fields.get('uri')}")
        want = md5(f"{ha1}:{self.nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        return fields.get("username") == USER and fields.get("response") == want

    def do_GET(self) -> None:
        header = self.headers.get("Authorization")
        type(self).seen.append(header)
        if not self._valid(header):
            self.send_response(401)
            self.send_header(
                "WWW-Authenticate",
                f'Digest realm="{self.realm}", nonce="{self.nonce}", qop="auth", algorithm=MD5',
            )
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def digest_server() -> Iterator[ThreadingHTTPServer]:
    _DigestHandler.body = payload(64 * KIB)
    _DigestHandler.seen = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _DigestHandler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def test_digest_when_the_server_asks_for_it(
    digest_server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    port = digest_server.server_address[1]
    url = f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/f.bin"
    job = download(tmp_path, url, cfg=dataclasses.replace(FAST, connections=1))
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(_DigestHandler.body)
    assert any(h and h.startswith("Digest ") for h in _DigestHandler.seen)


@given(
    a=st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5})?", fullmatch=True),
    b=st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5})?", fullmatch=True),
    scheme_a=st.sampled_from(["http", "https"]),
    scheme_b=st.sampled_from(["http", "https"]),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    path=st.sampled_from(["/", "/f", "/@x", "?u=https://a/"]),
)
def test_credentials_never_go_to_another_host(
    a: str, b: str, scheme_a: str, scheme_b: str, port: str, path: str
) -> None:
    origin = f"{scheme_a}://{a}/file"
    target = f"{scheme_b}://{b}{port}{path}"
    if a != b:
        assert not may_send_credentials(origin, target)
    if scheme_a == "https" and scheme_b == "http":
        assert not may_send_credentials(origin, target)  # never downgraded to plain http
