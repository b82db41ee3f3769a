"""Real servers for the zoo, each a foreground child with its own config in a tmp dir.

Every server serves one folder (its `root`) on 127.0.0.1 over HTTP and HTTPS (free ports, a
certificate made at run time), with the same URL layout:

- /files/...       the folder's files/ subfolder, static, with Range support
- /slow/NAME       ROOT/NAME, each response throttled to `rate` bytes per second
- /go/latest       302 to /files/small.bin
- /files/cd.bin    sent with Content-Disposition naming it `résumé final.bin`
- /private/...     nginx only: basic auth (user `zoo`, password `s3cret`)

and keeps an access log from which `served()` reads what went out: (start time, status, body
bytes, path) per request. Nothing here sleeps to synchronise: servers are polled until they
accept connections, with a deadline.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CD_HEADER = "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.bin"
CD_NAME = "résumé final.bin"
AUTH_USER, AUTH_PASSWORD = "zoo", "s3cret"


@dataclass(frozen=True)
class Tls:
    ca: Path  # the CA certificate clients trust (PEM)
    cert: Path  # server certificate chain (PEM)
    key: Path  # its private key (PEM)


@dataclass(frozen=True)
class Served:
    start: float  # when the request began (epoch seconds)
    end: float  # when its last byte went out (or it was cut off)
    status: int
    bytes: int  # body bytes sent
    path: str


def die_with_parent() -> None:
    """In the child (preexec_fn): SIGKILL when the test process dies, however it dies, so no
    server outlives a crashed or killed pytest (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for d in ("/usr/sbin", "/usr/bin", "/usr/local/sbin"):
        if os.access(f"{d}/{name}", os.X_OK):
            return f"{d}/{name}"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def can_connect(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, what: str, interval: float = 0.02) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Proc:
    """A foreground server child on fixed (once chosen) ports: start, stop, restart."""

    name = "server"

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        prefix.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None
        self.ports: list[int] = []

    # subclasses: argv(), env(), write_config()
    def argv(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str] | None:
        return None

    def write_config(self) -> None:
        pass

    def _spawn(self) -> None:
        self.write_config()
        with open(self.prefix / "stdout.log", "ab") as out:
            self.proc = subprocess.Popen(
                self.argv(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env(),
                cwd=self.prefix,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        proc = self.proc
        try:
            wait_until(
                lambda: proc.poll() is not None or all(can_connect(p) for p in self.ports),
                20,
                f"{self.name} to listen on {self.ports}",
            )
        except AssertionError:
            self.stop()
            raise
        if proc.poll() is not None:
            self.proc = None
            raise RuntimeError(f"{self.name} exited with {proc.returncode}:\n{self.diagnostics()}")

    def start(self) -> None:
        """First start: pick free ports (retrying if one was taken meanwhile)."""
        last: Exception | None = None
        for _ in range(4):
            self.choose_ports()
            try:
                self._spawn()
                return
            except (RuntimeError, AssertionError) as exc:
                last = exc
        raise RuntimeError(f"{self.name} did not start: {last}")

    def choose_ports(self) -> None:
        raise NotImplementedError

    def stop(self, sig: int = signal.SIGTERM) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        # nothing of the server may linger in its session
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    def crash(self) -> None:
        """The server process dies at once (SIGKILL): every connection is cut."""
        self.stop(signal.SIGKILL)
        wait_until(lambda: not any(can_connect(p) for p in self.ports), 10, f"{self.name} down")

    def restart(self) -> None:
        """Start again on the same ports (after crash())."""
        deadline = time.monotonic() + 20
        while True:  # the old listening socket can take a moment to be released
            try:
                self._spawn()
                return
            except (RuntimeError, AssertionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def diagnostics(self) -> str:
        out = []
        for p in sorted(self.prefix.glob("*.log")):
            with contextlib.suppress(OSError):
                out.append(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}")
        return "\n".join(out)

    def __enter__(self) -> Proc:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class WebServer(Proc):
    """Serves `root` over HTTP and HTTPS."""

    def __init__(self, prefix: Path, root: Path, tls: Tls, rate: int) -> None:
        super().__init__(prefix)
        self.root = root
        self.tls = tls
        self.rate = rate
        self.http_port = 0
        self.https_port = 0

    def choose_ports(self) -> None:
        self.http_port, self.https_port = free_port(), free_port()
        self.ports = [self.http_port, self.https_port]

    def base(self, scheme: str) -> str:
        port = self.https_port if scheme == "https" else self.http_port
        return f"{scheme}://127.0.0.1:{port}"

    def served(self) -> list[Served]:
        raise NotImplementedError

    def bytes_served(self, path: str, since: float = 0.0) -> int:
        return sum(r.bytes for r in self.served() if r.path == path and r.start >= since)


class Nginx(WebServer):
    name = "nginx"

    def write_config(self) -> None:
        p = self.prefix
        temp = "".join(
            f"    {k}_temp_path {p / ('tmp_' + k)};\n"
            for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (p / "nginx.conf").write_text(
            "daemon off;\n"
            "master_process off;\n"
            "worker_processes 1;\n"
            f"pid {p / 'nginx.pid'};\n"
            f"error_log {p / 'error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    default_type application/octet-stream;\n"
            "    types { }\n"
            "    log_format zoo '$msec $request_time $status $body_bytes_sent $http_range $uri';\n"
            f"    access_log {p / 'access.log'} zoo;\n"
            f"{temp}"
            "    sendfile on;\n"
            "    keepalive_timeout 65s;\n"
            "    server_tokens off;\n"
            "    server {\n"
            f"        listen 127.0.0.1:{self.http_port};\n"
            f"        listen 127.0.0.1:{self.https_port} ssl;\n"
            f"        ssl_certificate {self.tls.cert};\n"
            f"        ssl_certificate_key {self.tls.key};\n"
            f"        root {self.root};\n"
            "        location = /go/latest { return 302 /files/small.bin; }\n"
            "        location = /files/cd.bin {\n"
            f'            add_header Content-Disposition "{CD_HEADER}";\n'
            "        }\n"
            "        location /slow/ {\n"
            f"            alias {self.root}/;\n"
            f"            limit_rate {self.rate};\n"
            "        }\n"
            "        location /private/ {\n"
            '            auth_basic "zoo";\n'
            f"            auth_basic_user_file {p / 'htpasswd'};\n"
            "        }\n"
            "    }\n"
            "}\n"
        )
        htpasswd = p / "htpasswd"
        if not htpasswd.exists():
            hashed = subprocess.run(
                ["openssl", "passwd", "-apr1", AUTH_PASSWORD],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            htpasswd.write_text(f"{AUTH_USER}:{hashed}\n")

    def argv(self) -> list[str]:
        binary = find_binary("nginx")
        assert binary is not None
        p = self.prefix
        return [binary, "-p", str(p), "-e", str(p / "error.log"), "-c", str(p / "nginx.conf")]

    def served(self) -> list[Served]:
        out = []
        log = self.prefix / "access.log"
        if not log.exists():
            return out
        for line in log.read_text(errors="replace").splitlines():
            parts = line.split(" ", 5)  # the path last: it may hold spaces
            if len(parts) == 6:
                end, took, status, sent, _range, uri = parts
                out.append(
                    Served(float(end) - float(took), float(end), int(status), int(sent), uri)
                )
        return out


class Lighttpd(WebServer):
    name = "lighttpd"

    def write_config(self) -> None:
        p = self.prefix
        kib_rate = max(1, self.rate // 1024)
        (p / "lighttpd.conf").write_text(
            'server.modules = ("mod_openssl", "mod_alias", "mod_redirect", "mod_setenv",'
            ' "mod_accesslog")\n'
            f'server.document-root = "{self.root}"\n'
            'server.bind = "127.0.0.1"\n'
            f"server.port = {self.http_port}\n"
            f'server.errorlog = "{p / "error.log"}"\n'
            'server.tag = "lighttpd"\n'
            'mimetype.assign = ("" => "application/octet-stream")\n'
            f'accesslog.filename = "{p / "access.log"}"\n'
            'accesslog.format = "%{begin:msec}t %s %b %U"\n'
            f'$SERVER["socket"] == "127.0.0.1:{self.https_port}" {{\n'
            '    ssl.engine = "enable"\n'
            f'    ssl.pemfile = "{self.tls.cert}"\n'
            f'    ssl.privkey = "{self.tls.key}"\n'
            "}\n"
            'url.redirect = ("^/go/latest$" => "/files/small.bin")\n'
            "url.redirect-code = 302\n"
            f'alias.url = ("/slow/" => "{self.root}/")\n'
            '$HTTP["url"] =~ "^/slow/" {\n'
            f"    connection.kbytes-per-second = {kib_rate}\n"
            "}\n"
            '$HTTP["url"] == "/files/cd.bin" {\n'
            f'    setenv.add-response-header = ("Content-Disposition" => "{CD_HEADER}")\n'
            "}\n"
        )

    def argv(self) -> list[str]:
        binary = find_binary("lighttpd")
        assert binary is not None
        return [binary, "-D", "-f", str(self.prefix / "lighttpd.conf")]

    def served(self) -> list[Served]:
        out = []
        log = self.prefix / "access.log"
        if not log.exists():
            return out
        for line in log.read_text(errors="replace").splitlines():
            parts = line.split(" ", 3)
            if len(parts) == 4:
                start, status, sent, uri = parts
                sent_n = 0 if sent == "-" else int(sent)
                # lighttpd logs when the request began only (and buffers its log)
                t = float(start) / 1000
                out.append(Served(t, t, int(status), sent_n, uri))
        return out


class Uvicorn(WebServer):
    """Starlette StaticFiles under uvicorn: two processes, one per scheme."""

    name = "uvicorn"

    def __init__(self, prefix: Path, root: Path, tls: Tls, rate: int) -> None:
        super().__init__(prefix, root, tls, rate)
        self.procs: list[subprocess.Popen[bytes]] = []

    def env(self) -> dict[str, str]:
        return dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            ZOO_ROOT=str(self.root),
            ZOO_LOG=str(self.prefix / "access.log"),
            ZOO_RATE=str(self.rate),
        )

    def _argv(self, port: int, tls: bool) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.zoo.asgi_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "1",
        ]
        if tls:
            argv += ["--ssl-certfile", str(self.tls.cert), "--ssl-keyfile", str(self.tls.key)]
        return argv

    def _spawn(self) -> None:
        self.procs = []
        for port, tls in ((self.http_port, False), (self.https_port, True)):
            with open(self.prefix / f"uvicorn-{port}.log", "ab") as out:
                self.procs.append(
                    subprocess.Popen(
                        self._argv(port, tls),
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=self.env(),
                        cwd=ROOT,
                        start_new_session=True,
                        preexec_fn=die_with_parent,
                    )
                )
        try:
            wait_until(
                lambda: (
                    any(p.poll() is not None for p in self.procs)
                    or all(can_connect(p) for p in self.ports)
                ),
                30,
                f"uvicorn to listen on {self.ports}",
            )
        except AssertionError:
            self.stop()
            raise
        if any(p.poll() is not None for p in self.procs):
            self.stop()
            raise RuntimeError(f"uvicorn exited:\n{self.diagnostics()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        procs, self.procs = self.procs, []
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def served(self) -> list[Served]:
        out = []
        log = self.prefix / "access.log"
        if not log.exists():
            return out
        for line in log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                r = json.loads(line)
                out.append(Served(r["start"], r["end"], r["status"], r["bytes"], r["path"]))
        return out


class Tinyproxy(Proc):
    """A real forward proxy: plain HTTP requests and CONNECT to one allowed port."""

    name = "tinyproxy"

    def __init__(self, prefix: Path, connect_ports: list[int]) -> None:
        super().__init__(prefix)
        self.connect_ports = connect_ports
        self.port = 0

    def choose_ports(self) -> None:
        self.port = free_port()
        self.ports = [self.port]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> None:
        p = self.prefix
        connect = "".join(f"ConnectPort {port}\n" for port in self.connect_ports)
        (p / "tinyproxy.conf").write_text(
            f"Port {self.port}\n"
            "Listen 127.0.0.1\n"
            "Timeout 60\n"
            "MaxClients 64\n"
            "Allow 127.0.0.1\n"
            "DisableViaHeader Yes\n"
            f'LogFile "{p / "tinyproxy.log"}"\n'
            "LogLevel Info\n"
            f'PidFile "{p / "tinyproxy.pid"}"\n'
            f"{connect}"
        )

    def argv(self) -> list[str]:
        binary = find_binary("tinyproxy")
        assert binary is not None
        return [binary, "-d", "-c", str(self.prefix / "tinyproxy.conf")]

    def log_text(self) -> str:
        log = self.prefix / "tinyproxy.log"
        return log.read_bytes().decode("latin-1") if log.exists() else ""


class Httpbin(Proc):
    """httpbin (PyPI) under werkzeug's threaded WSGI server: /range/N answers 416 past the end."""

    name = "httpbin"
    SCRIPT = (
        "import sys, logging\n"
        "logging.disable(logging.WARNING)\n"
        "from werkzeug.serving import make_server\n"
        "from httpbin import app\n"
        "make_server('127.0.0.1', int(sys.argv[1]), app, threaded=True).serve_forever()\n"
    )

    def choose_ports(self) -> None:
        self.port = free_port()
        self.ports = [self.port]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        return [sys.executable, "-c", self.SCRIPT, str(self.port)]
