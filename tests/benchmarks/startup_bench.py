#!/usr/bin/env python3
"""Start-up of `tether get` (a script, not a test): how long a fresh process takes to send its
first request, and to exit, for a small file on a local server — alone, and handed to a running
`tether service` (which then makes the request: the `get` process should not pay the engine's
imports a second time).

    python3 tests/benchmarks/startup_bench.py                 # medians of 15 runs each
    python3 tests/benchmarks/startup_bench.py --importtime    # also the slowest imports of `get`
    python3 tests/benchmarks/startup_bench.py --tree /tmp/old --tree .   # A/B, runs interleaved

The app's bytecode is written first, as `pip install` does (tests/benchmarks/bench.py says why).
"""

from __future__ import annotations

import argparse
import http.server
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks.bench import REPO, compile_bytecode

BODY = os.urandom(4096)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.arrivals: list[float] = []  # time.monotonic() of each request line read


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        assert isinstance(self.server, Server)
        self.server.arrivals.append(time.monotonic())
        if self.path != "/s.bin":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:
        pass


def env(tree: Path = REPO) -> dict[str, str]:
    e = dict(os.environ, PYTHONPATH=str(tree))
    e.pop("TETHER_DATA_DIR", None)
    return e


def one_get(server: Server, data: Path, out: Path, tree: Path) -> tuple[float, float]:
    """(exec → first request, exec → exit) of one `tether get`, in seconds."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    url = f"http://127.0.0.1:{server.server_address[1]}/s.bin"
    server.arrivals.clear()
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "get", url, "-o", str(out)],
        env=env(tree),
        cwd=tree,
        capture_output=True,
        check=False,
    )
    t1 = time.monotonic()
    if proc.returncode != 0 or (out / "s.bin").read_bytes() != BODY:
        raise SystemExit(f"get failed: {proc.stderr.decode(errors='replace')[-400:]}")
    return server.arrivals[0] - t0, t1 - t0


Case = tuple[str, Callable[[Path, int], Path]]  # name, (tree, run) → data dir


def measure(
    server: Server, trees: list[Path], cases: list[Case], runs: int
) -> dict[tuple[Path, str], tuple[list[float], list[float]]]:
    """Every case on every tree, `runs` times, interleaved (A B A B ...): the machine's load
    drifts, and interleaving spreads it over all of them alike."""
    got: dict[tuple[Path, str], tuple[list[float], list[float]]] = {
        (t, name): ([], []) for t in trees for name, _ in cases
    }
    for i in range(runs):
        for name, data_for in cases:
            for tree in trees:
                data = data_for(tree, i)
                first, total = one_get(server, data, data.parent / "out", tree)
                got[tree, name][0].append(first)
                got[tree, name][1].append(total)
    return got


def start_service(data: Path, tree: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data), "service"],
        env=env(tree),
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(data), "service", "status"],
            env=env(tree),
            cwd=tree,
            capture_output=True,
            check=False,
        )
        if status.returncode == 0:
            return proc
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the service did not start")


def slowest_imports(data: Path, url: str, out: Path, top: int) -> list[tuple[str, float]]:
    """Self time per module of `get`, summed by package (app.* by module), from -X importtime."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app", "--data-dir", str(data), "get", url,
         "-o", str(out)],
        env=env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    by: Counter[str] = Counter()
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if m:
            name = m.group(2)
            key = name if name.startswith("app.") else name.split(".")[0]
            by[key] += int(m.group(1))
    return [(k, v / 1000) for k, v in by.most_common(top)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--importtime", action="store_true", help="also list the slowest imports")
    p.add_argument(
        "--tree",
        action="append",
        type=Path,
        help="a checkout of Tether to run (repeat to compare; default: this one)",
    )
    args = p.parse_args()
    trees = [t.resolve() for t in (args.tree or [REPO])]
    for tree in trees:
        compile_bytecode([sys.executable, "-m", "app"], tree / "app")
    server = Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    work = Path(tempfile.mkdtemp(prefix="tether-startup-"))
    services = []
    try:
        for n, tree in enumerate(trees):
            services.append(start_service(work / f"svc{n}" / "d", tree))
        cases: list[Case] = [
            # a first `get` (a new data dir each run), every later one, and one handed over
            ("alone, new data dir", lambda t, i: work / f"fresh{trees.index(t)}-{i}" / "d"),
            ("alone, data dir in use before", lambda t, i: work / f"kept{trees.index(t)}" / "d"),
            ("handed to a running service", lambda t, i: work / f"svc{trees.index(t)}" / "d"),
        ]
        got = measure(server, trees, cases, args.runs)
        for service in services:
            service.terminate()
            service.wait(timeout=30)
        print(f"tether get of a 4 KiB file, medians of {args.runs} interleaved runs (seconds):")
        print(f"{'case':34} {'tree':28} {'→ first request':>16} {'→ exit':>8}")
        for name, _ in cases:
            for tree in trees:
                first, total = got[tree, name]
                label = str(tree)[-28:]
                print(
                    f"{name:34} {label:28} {statistics.median(first):16.3f}"
                    f" {statistics.median(total):8.3f}"
                )
        if args.importtime:
            url = f"http://127.0.0.1:{server.server_address[1]}/s.bin"
            shutil.rmtree(work / "it", ignore_errors=True)
            (work / "it").mkdir()
            print("\nslowest imports of `get` (self ms, one run, -X importtime inflates):")
            for name, ms in slowest_imports(work / "it" / "d", url, work / "it", 25):
                print(f"  {ms:6.1f}  {name}")
    finally:
        for service in services:
            if service.poll() is None:
                service.kill()
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
