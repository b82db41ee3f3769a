"""Fixtures of the server zoo: real servers (Debian's nginx, lighttpd, tinyproxy; uvicorn and
httpbin from PyPI) serving random files over HTTP and HTTPS, and Tether's real CLI as a child.

The cheap servers (`target`) are started once per session and shared; the cases that stop, kill
or change a server get their own (`fresh_server`). Every server is a foreground child killed at
teardown. A missing server binary or package skips its cases with the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.trust_helpers import DbJob, read_jobs
from tests.zoo.servers import (
    ROOT,
    Httpbin,
    Lighttpd,
    Nginx,
    Tinyproxy,
    Tls,
    Uvicorn,
    WebServer,
    die_with_parent,
    find_binary,
    wait_until,
)

KIB = 1024
MIB = 1024 * 1024
SLOW_RATE = 2 * MIB  # bytes/s per response under /slow/ (the kill and restart cases)
BIG_SIZE = 64 * MIB

# name under the served folder -> size; /files/... on every server
FILES = {
    "files/small.bin": 3 * MIB + 123,
    "files/naïve file.bin": 200 * KIB + 7,
    "files/cd.bin": 300 * KIB + 1,
    "private/secret.bin": 128 * KIB + 3,
    "files/tiny.bin": 64 * KIB + 5,
    "files/fast.bin": 16 * MIB,  # the HTTPS throughput floor
}

LIGHTTPD_MODS = ("/usr/lib/lighttpd", "/usr/lib64/lighttpd", "/usr/local/lib/lighttpd")
SERVERS: dict[str, type[WebServer]] = {"nginx": Nginx, "lighttpd": Lighttpd, "uvicorn": Uvicorn}


def content(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def require(kind: str) -> None:
    """Skip (with the reason) when a server of this kind can't run here."""
    if kind in ("nginx", "lighttpd", "tinyproxy") and find_binary(kind) is None:
        pkg = {"nginx": "nginx-light"}.get(kind, kind)
        pytest.skip(f"{kind} is not installed (apt-get install {pkg})")
    if kind == "lighttpd" and not any(Path(d, "mod_openssl.so").exists() for d in LIGHTTPD_MODS):
        pytest.skip("lighttpd has no TLS module (apt-get install lighttpd-mod-openssl)")
    if kind in ("nginx", "lighttpd") and find_binary("openssl") is None:
        pytest.skip("openssl is not installed (apt-get install openssl)")
    # Python servers run in their own process: only check they are installed, don't import them
    modules = {"uvicorn": ("uvicorn", "starlette"), "httpbin": ("httpbin", "werkzeug")}
    for module in modules.get(kind, ()):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[test]')")


# --------------------------------------------------------------------------- files and TLS


@dataclass
class Folder:
    """A served folder and what each file in it must be, byte for byte."""

    root: Path
    digests: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    def put(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".new")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self.digests[name] = sha(data)
        self.sizes[name] = len(data)


@pytest.fixture(scope="session")
def zoo_tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    trustme = pytest.importorskip("trustme")
    d = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    tls = Tls(ca=d / "ca.pem", cert=d / "server.pem", key=d / "server.key")
    ca.cert_pem.write_to_path(str(tls.ca))
    cert.private_key_pem.write_to_path(str(tls.key))
    with open(tls.cert, "wb") as f:
        for blob in cert.cert_chain_pems:
            f.write(blob.bytes())
    return tls


@pytest.fixture(scope="session")
def zoo_folder(tmp_path_factory: pytest.TempPathFactory) -> Folder:
    folder = Folder(tmp_path_factory.mktemp("www"))
    for seed, (name, size) in enumerate(FILES.items(), start=1):
        folder.put(name, content(size, seed))
    return folder


@pytest.fixture(scope="session")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The ~64 MiB file of the kill and restart cases (linked into each fresh folder)."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    data = content(BIG_SIZE, 99)
    path.write_bytes(data)
    return path, sha(data)


# --------------------------------------------------------------------------- servers


@contextlib.contextmanager
def running(server: WebServer | Tinyproxy | Httpbin) -> Iterator[None]:
    server.start()
    try:
        yield
    finally:
        server.stop()


def _shared(
    kind: str, tmp_path_factory: pytest.TempPathFactory, folder: Folder, tls: Tls
) -> Iterator[WebServer]:
    require(kind)
    server = SERVERS[kind](tmp_path_factory.mktemp(kind), folder.root, tls, SLOW_RATE)
    with running(server):
        yield server


@pytest.fixture(scope="session")
def nginx_shared(
    tmp_path_factory: pytest.TempPathFactory, zoo_folder: Folder, zoo_tls: Tls
) -> Iterator[WebServer]:
    yield from _shared("nginx", tmp_path_factory, zoo_folder, zoo_tls)


@pytest.fixture(scope="session")
def lighttpd_shared(
    tmp_path_factory: pytest.TempPathFactory, zoo_folder: Folder, zoo_tls: Tls
) -> Iterator[WebServer]:
    yield from _shared("lighttpd", tmp_path_factory, zoo_folder, zoo_tls)


@pytest.fixture(scope="session")
def uvicorn_shared(
    tmp_path_factory: pytest.TempPathFactory, zoo_folder: Folder, zoo_tls: Tls
) -> Iterator[WebServer]:
    yield from _shared("uvicorn", tmp_path_factory, zoo_folder, zoo_tls)


@pytest.fixture(scope="session")
def proxy_shared(
    tmp_path_factory: pytest.TempPathFactory, nginx_shared: WebServer
) -> Iterator[Tinyproxy]:
    """tinyproxy in front of the shared nginx; CONNECT is allowed to nginx's HTTPS port only."""
    require("tinyproxy")
    proxy = Tinyproxy(tmp_path_factory.mktemp("tinyproxy"), [nginx_shared.https_port])
    with running(proxy):
        yield proxy


@pytest.fixture(scope="session")
def httpbin_shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Httpbin]:
    require("httpbin")
    server = Httpbin(tmp_path_factory.mktemp("httpbin"))
    with running(server):
        yield server


@dataclass
class Target:
    """One way of reaching a served folder: a server, a scheme, maybe through a proxy."""

    id: str
    server: WebServer
    scheme: str
    tls: Tls
    folder: Folder
    proxy: Tinyproxy | None = None

    def url(self, name: str) -> str:
        return f"{self.server.base(self.scheme)}/{quote(name)}"

    def env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        if self.scheme == "https":
            # until --ca-certificate lands (branch `trust`), the CA reaches requests this way
            env["REQUESTS_CA_BUNDLE"] = str(self.tls.ca)
        if self.proxy is not None:
            env["HTTP_PROXY"] = env["http_proxy"] = self.proxy.url
            env["HTTPS_PROXY"] = env["https_proxy"] = self.proxy.url
        return env


TARGETS = [
    "nginx-http",
    "nginx-https",
    "lighttpd-http",
    "lighttpd-https",
    "uvicorn-http",
    "uvicorn-https",
    "tinyproxy-nginx-http",
    "tinyproxy-nginx-https",
]


@pytest.fixture(params=TARGETS)
def target(request: pytest.FixtureRequest, zoo_tls: Tls, zoo_folder: Folder) -> Target:
    """Every (server × scheme) of the zoo, the proxy ones included; shared servers."""
    name: str = request.param
    *front, kind, scheme = name.split("-")
    server = request.getfixturevalue(f"{kind}_shared")
    proxy = request.getfixturevalue("proxy_shared") if front else None
    return Target(name, server, scheme, zoo_tls, zoo_folder, proxy)


@pytest.fixture
def fresh_server(
    tmp_path: Path, zoo_tls: Tls, big_file: tuple[Path, str]
) -> Iterator[Callable[[str], tuple[WebServer, Folder]]]:
    """A server of one kind of our own (to stop, restart or change files under), with big.bin
    (64 MiB, throttled under /slow/) in its folder; stopped at teardown."""
    started: list[WebServer] = []

    def make(kind: str, rate: int = SLOW_RATE) -> tuple[WebServer, Folder]:
        require(kind)
        folder = Folder(tmp_path / f"www-{kind}-{len(started)}")
        folder.root.mkdir()
        os.link(big_file[0], folder.root / "big.bin")
        folder.digests["big.bin"] = big_file[1]
        folder.sizes["big.bin"] = BIG_SIZE
        server = SERVERS[kind](tmp_path / f"srv-{kind}-{len(started)}", folder.root, zoo_tls, rate)
        server.start()
        started.append(server)
        return server, folder

    try:
        yield make
    finally:
        for server in started:
            server.stop()


# --------------------------------------------------------------------------- Tether's CLI


def clean_env() -> dict[str, str]:
    """The test's environment without anything that would change where requests go or whom
    they trust (proxies, CA bundles), and with Tether importable."""
    drop = ("proxy", "ca_bundle", "ssl_cert", "netrc")
    env = {k: v for k, v in os.environ.items() if not any(d in k.lower() for d in drop)}
    env["PYTHONPATH"] = str(ROOT)
    return env


@dataclass
class Tether:
    """`python3 -m app --data-dir D get URL -o OUT` as a child, with its own HOME."""

    data: Path
    out: Path
    home: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def argv(self, url: str, connections: int, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "app",
            "--data-dir",
            str(self.data),
            "get",
            url,
            "-o",
            str(self.out),
            "--connections",
            str(connections),
            *extra,
        ]

    def env(self, extra: dict[str, str] | None) -> dict[str, str]:
        env = clean_env()
        env["HOME"] = str(self.home)
        env.update(extra or {})
        return env

    def get(
        self,
        url: str,
        connections: int = 8,
        env: dict[str, str] | None = None,
        timeout: float = 120,
        extra: tuple[str, ...] = (),
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(url, connections, *extra),
            env=self.env(env),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def spawn(
        self, url: str, connections: int = 8, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            self.argv(url, connections),
            env=self.env(env),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self.procs.append(proc)
        return proc

    def job(self) -> DbJob | None:
        try:
            jobs = read_jobs(self.data)
        except sqlite3.OperationalError:
            return None  # the CLI is still creating its database
        return jobs[0] if jobs else None

    def job_rows(self) -> list[DbJob]:
        return read_jobs(self.data)

    def wait_done_at_least(
        self, proc: subprocess.Popen[bytes], nbytes: int, timeout: float = 60
    ) -> int:
        """Poll the job's checkpointed bytes until they reach nbytes; returns them."""

        def reached() -> bool:
            assert proc.poll() is None, f"tether exited early ({proc.returncode})"
            job = self.job()
            return job is not None and job.done >= nbytes

        wait_until(reached, timeout, f"{nbytes} checkpointed bytes", interval=0.05)
        job = self.job()
        assert job is not None
        return job.done

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def files(self) -> list[str]:
        return sorted(p.name for p in self.out.iterdir()) if self.out.exists() else []


@pytest.fixture
def tether(tmp_path: Path) -> Iterator[Tether]:
    home = tmp_path / "home"
    home.mkdir()
    t = Tether(data=tmp_path / "data", out=tmp_path / "out", home=home)
    try:
        yield t
    finally:
        for proc in t.procs:
            if proc.poll() is None:
                t.kill9(proc)
            if proc.stderr is not None:
                proc.stderr.close()


# --------------------------------------------------------------------------- shared checks


def env_for(scheme: str, tls: Tls) -> dict[str, str]:
    return {"REQUESTS_CA_BUNDLE": str(tls.ca)} if scheme == "https" else {}


def assert_exact(tether: Tether, folder: Folder, name: str = "big.bin") -> None:
    assert tether.files() == [name]
    path = tether.out / name
    assert path.stat().st_size == folder.sizes[name]
    assert file_sha(path) == folder.digests[name], "the bytes on disk are not the server's file"


def outage(server: WebServer, proc: subprocess.Popen[bytes], seconds: float) -> float:
    """The server dies (every connection cut) and comes back on the same ports `seconds` later;
    Tether must still be running when it does (it retries; it does not give up). Returns when
    the server came back (epoch seconds), to count what it served after that."""
    server.crash()
    try:
        proc.wait(timeout=seconds)  # the outage itself: Tether must not exit during it
    except subprocess.TimeoutExpired:
        pass
    else:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        pytest.fail(f"tether gave up during a {seconds:g} s outage (exit {proc.returncode}): {err}")
    back = time.time()
    server.restart()
    return back
