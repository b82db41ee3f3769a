"""Client churn soak (a script; tests/test_service_soak.py runs a short version): a service with
1,000 jobs, 20 of them downloading, and 50 clients connecting, greeting, subscribing, listing
and disconnecting in a loop for a minute (two half-minute rounds). The service's fds and
threads must be where they were before, its memory flat in the second round, and every
download exact.

    python3 tests/benchmarks/soak_bench.py [--clients 50] [--seconds 60] [--jobs 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def service_usage(pid: int) -> dict[str, int]:
    """Open fds, threads and resident memory (KiB) of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    values = {k: v.split() for k, _, v in (ln.partition(":") for ln in status)}
    return {
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": int(values["Threads"][0]),
        "rss_kib": int(values["VmRSS"][0]),
    }


def churn(data: Path, clients: int, seconds: float) -> dict[str, int]:
    """`clients` threads, each connecting and leaving in a loop; how many sessions and errors."""
    from app.service.client import ServiceGone, connect
    from app.service.protocol import RpcError

    stop = time.monotonic() + seconds
    counts = {"sessions": 0, "errors": 0, "notifications": 0}
    lock = threading.Lock()

    def one(n: int) -> None:
        while time.monotonic() < stop:
            client = connect(data, f"soak-{n}")
            if client is None:
                with lock:
                    counts["errors"] += 1
                time.sleep(0.05)
                continue
            try:
                with client:
                    client.call("subscribe", progress=True)
                    client.call("jobs.list", limit=100, offset=(n * 37) % 900)
                    seen = 1 if client.next_notification(0.3) is not None else 0
                    if n % 5 == 0:
                        client.call("settings.get")
                with lock:
                    counts["sessions"] += 1
                    counts["notifications"] += seen
            except (ServiceGone, RpcError, OSError):
                with lock:
                    counts["errors"] += 1

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    return counts


def soak(
    data: Path, base_url: str, *, running: int, clients: int, seconds: float, body: bytes
) -> dict[str, Any]:
    """The service must already run on `data`; `running` files f0…f{running-1} at base_url."""
    from app.service.client import connect

    client = connect(data, "soak-driver")
    assert client is not None
    dest = data.parent / "dl"
    dest.mkdir(exist_ok=True)
    with client:
        ids = [
            client.call("add", url=f"{base_url}f{i}.bin", dir=str(dest), connections=2)["job"]["id"]
            for i in range(running)
        ]
        pid = int(client.info["pid"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            jobs = [client.call("jobs.get", id=i)["job"] for i in ids]
            if all(j["state"] == "downloading" and j["done"] > 0 for j in jobs):
                break
            time.sleep(0.2)
    time.sleep(1.0)
    before = service_usage(pid)
    # two rounds: the first may raise the allocator's high-water mark; a leak grows in both
    counts = churn(data, clients, seconds / 2)
    time.sleep(1.5)  # the last goodbyes reach the service
    middle = service_usage(pid)
    more = churn(data, clients, seconds / 2)
    counts = {k: counts[k] + more[k] for k in counts}
    time.sleep(1.5)
    after = service_usage(pid)
    client = connect(data, "soak-driver")
    assert client is not None
    with client:
        states = [client.call("jobs.get", id=i)["job"]["state"] for i in ids]
        still_running = states.count("downloading")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            jobs = [client.call("jobs.get", id=i)["job"] for i in ids]
            if all(j["state"] in ("completed", "failed") for j in jobs):
                break
            time.sleep(0.5)
    want = hashlib.sha256(body).hexdigest()
    exact = sum(
        1
        for i in range(running)
        if (dest / f"f{i}.bin").exists()
        and hashlib.sha256((dest / f"f{i}.bin").read_bytes()).hexdigest() == want
    )
    return {
        "before": before,
        "middle": middle,
        "after": after,
        "still_running_after_churn": still_running,
        "exact_files": exact,
        **counts,
    }


SERVER_CHILD = """
import sys
sys.path.insert(0, {repo!r})
from tests.support.faultserver import FaultServer
from tests.engine_helpers import payload
with FaultServer() as srv:
    data = payload({size}, seed=3)
    for i in range({n}):
        srv.add_file(f"/f{{i}}.bin", data)
        srv.files[f"/f{{i}}.bin"].rate = {rate}
    print(srv.url(""), flush=True)
    sys.stdin.read()
"""


def run(
    jobs: int, running: int, clients: int, seconds: float, rate: int = 50_000, margin: float = 15
) -> dict[str, Any]:
    """`rate` bytes/s per connection (2 a job); files last the churn plus `margin` seconds."""
    from tests.benchmarks.client_bench import start_service, stop_service
    from tests.benchmarks.gui_bench import build_store
    from tests.engine_helpers import payload

    size = int(2 * rate * (seconds + margin))
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVER_CHILD.format(repo=str(REPO), size=size, n=running, rate=rate),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory(prefix="tether-soak-") as tmp:
            data = Path(tmp) / "data"
            build_store(data, max(0, jobs - running))
            service = start_service(data, max_concurrent=running)
            try:
                result = soak(
                    data,
                    base_url,
                    running=running,
                    clients=clients,
                    seconds=seconds,
                    body=payload(size, seed=3),
                )
            finally:
                stop_service(service)
            return result
    finally:
        if server.stdin:
            server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--running", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    r = run(args.jobs, args.running, args.clients, args.seconds)
    for key, value in r.items():
        print(f"  {key:28} {value}")
    before, middle, after = r["before"], r["middle"], r["after"]
    ok = (
        after["fds"] <= before["fds"]
        and after["threads"] <= before["threads"]
        and after["rss_kib"] - middle["rss_kib"] < 5_000  # the second round: no steady growth
        and r["exact_files"] == args.running
        and r["still_running_after_churn"] == args.running
    )
    print(
        f"  no growth in fds/threads, memory flat in round 2, every job exact: "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
