#!/usr/bin/env python3
"""Side-by-side download benchmark: Tether vs curl vs aria2c against a private nginx on 127.0.0.1.

One command from a fresh clone:

    python3 tests/benchmarks/bench.py            # full run (1 GiB / 256 MiB / 500 small files)
    python3 tests/benchmarks/bench.py --quick    # smoke run, under a minute

The harness starts its own nginx (non-daemon child, generated config, free ports on 127.0.0.1),
creates random test files in a temp dir, then runs every client of a workload in turn
(A B C A B C ... for --rounds rounds), verifying each downloaded file's SHA-256 and deleting the
output (and syncing) between runs. Per run it records wall time, user+sys CPU and peak RSS of the
child (os.wait4), and "durable" time: wall time plus the fsync of the outputs the harness does right
after the client exits (curl and aria2c leave the file in the page cache; Tether fsyncs on its own).

The https* workloads fetch over TLS from the same nginx (a CA and server certificate made at run
time with `openssl`), next to `curl --cacert` and `aria2c --ca-certificate`; Tether gets the CA
with --ca-certificate when its CLI has that option, else through REQUESTS_CA_BUNDLE.

Standard library only (plus the openssl command), so it runs before Tether's dependencies are
even installed.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import os
import platform
import random
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30

CAP_RATE = "8m"  # nginx limit_rate per connection in the 'capped' server
MIXED_SLOW = "2m"  # 'mixed' server: even-numbered connections ...
MIXED_FAST = "16m"  # ... and the others
# 'mixed-random': each new connection is slow with probability 1/2, from a seeded table over
# the last two digits of nginx's connection number; every client of a round starts at the same
# place in the table (Nginx.advance_to), so all see the same luck, and rounds see different luck.
RANDOM_SEED = 15
_RNG = random.Random(RANDOM_SEED)
RANDOM_SLOW = tuple(_RNG.random() < 0.5 for _ in range(100))
RSS_LIMIT_MIB = 80.0
WORKLOAD_NAMES = (
    "fast",
    "fast8",
    "capped",
    "mixed",
    "mixed-random",
    "small",
    "https",
    "https8",
    "https-1g",
    "https8-1g",
)
# the 1 GiB HTTPS rows repeat https/https8 on the big file: full runs only (in --quick both
# files are small, so they would only repeat the same row)
FULL_ONLY = ("https-1g", "https8-1g")
CLIENT_FAMILIES = ("tether", "curl", "aria2c", "dd")
ARIA2_COMMON = (
    "--no-conf",
    "--allow-overwrite=true",
    "--file-allocation=none",
    "--console-log-level=error",
    "--summary-interval=0",
)


# --------------------------------------------------------------------------- pure helpers


QUICK_MODE = False  # set by --quick: the target lines are then labelled meaningless


def parse_size(text: str) -> int:
    """nginx-style size: '8m' -> 8 MiB, '512k', '1g', plain bytes."""
    text = text.strip().lower()
    units = {"k": KiB, "m": MiB, "g": GiB}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def paired_ratios(a: Sequence[float | None], b: Sequence[float | None]) -> list[float]:
    """a[i] / b[i] for every round where both runs succeeded (None = failed run)."""
    return [x / y for x, y in zip(a, b, strict=False) if x is not None and y is not None and y > 0]


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt_num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def fmt_bytes(n: int) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= size:
            v = n / size
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{n} B"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain-text table: first column left-aligned, the rest right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        out = [cells[0].ljust(widths[0])]
        out += [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def format_markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "| " + " | ".join(headers) + " |"
    sep = "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|"
    return "\n".join([head, sep, *("| " + " | ".join(r) + " |" for r in rows)])


def small_file_sizes(count: int, lo: int, hi: int, seed: int = 4) -> list[int]:
    """Deterministic sizes for the 'many small' workload, uniform in [lo, hi]."""
    rng = random.Random(seed)
    return [rng.randint(lo, hi) for _ in range(count)]


@dataclass(frozen=True)
class TlsFiles:
    ca: Path  # what clients trust
    cert: Path  # the server's certificate (127.0.0.1, localhost), signed by `ca`
    key: Path


def make_tls(directory: Path) -> TlsFiles:
    """A throwaway CA and a server certificate for 127.0.0.1, with the openssl command."""
    directory.mkdir(parents=True, exist_ok=True)
    d = directory
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60, cwd=d)

    openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Tether bench CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
    )  # fmt: skip
    return TlsFiles(ca=d / "ca.pem", cert=d / "server.pem", key=d / "server.key")


def nginx_config(
    prefix: Path, root: Path, ports: dict[str, int], tls: TlsFiles | None = None
) -> str:
    """nginx.conf for a foreground, single-process nginx with one server per rate policy.

    ports: {'plain': p1, 'capped': p2, 'mixed': p3, 'mixed_random': p4} and, with `tls`,
    'tls': p5 (HTTPS, no throttling). Everything (pid, logs, temp paths) stays under `prefix`,
    and every server listens on 127.0.0.1 only.
    """
    servers = {
        # /_bench_conn tells the harness nginx's connection counter (see Nginx.align_parity)
        "plain": '        location = /_bench_conn { return 200 "$connection\\n"; }\n',
        "capped": f"        limit_rate {CAP_RATE};\n",
        # limit_rate takes variables since nginx 1.17.0; $connection is the connection serial
        # number, so consecutive connections of one client alternate slow/fast.
        "mixed": "        limit_rate $bench_mixed_rate;\n",
        "mixed_random": "        limit_rate $bench_random_rate;\n",
    }
    listen_opts = {name: "" for name in servers}
    if tls is not None and "tls" in ports:
        servers["tls"] = (
            f"        ssl_certificate {tls.cert};\n        ssl_certificate_key {tls.key};\n"
        )
        listen_opts["tls"] = " ssl"
    blocks = []
    for name, extra in servers.items():
        blocks.append(
            "    server {\n"
            f"        listen 127.0.0.1:{ports[name]}{listen_opts[name]};\n"
            f"        server_name {name};\n"
            f"        root {root};\n"
            f"{extra}"
            "    }\n"
        )
    temp_paths = "".join(
        f"    {kind}_temp_path {prefix / ('tmp_' + kind)};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "daemon off;\n"
        "master_process off;\n"
        "worker_processes 1;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        "    default_type application/octet-stream;\n"
        "    types { }\n"
        "    log_format bench '$connection $connection_requests $status $body_bytes_sent '\n"
        '                     \'$request_time $msec "$request" "$http_range" \'\n'
        "                     '\"$http_user_agent\"';\n"
        f"    access_log {prefix / 'access.log'} bench;\n"
        f"{temp_paths}"
        "    sendfile on;\n"
        "    tcp_nopush on;\n"
        "    tcp_nodelay on;\n"
        "    keepalive_timeout 65s;\n"
        "    keepalive_requests 100000;\n"
        "    server_tokens off;\n"
        "    map $connection $bench_mixed_rate {\n"
        f'        "~[02468]$" {MIXED_SLOW};\n'
        f"        default {MIXED_FAST};\n"
        "    }\n"
        "    map $connection $bench_random_rate {\n"
        f'        "~(?:{random_slow_suffixes()})$" {MIXED_SLOW};\n'
        f"        default {MIXED_FAST};\n"
        "    }\n"
        f"{''.join(blocks)}"
        "}\n"
    )


def random_slow_suffixes() -> str:
    """The two-digit endings of slow connection numbers on 'mixed-random', as a regex group."""
    return "|".join(f"{i:02d}" for i, slow in enumerate(RANDOM_SLOW) if slow)


def random_offset(rnd: int) -> int:
    """Where round `rnd` starts in the table: every client of the round starts there."""
    return random.Random(f"{RANDOM_SEED}-{rnd}").randrange(100)


def parse_access_log(lines: Sequence[str]) -> dict[str, Any]:
    """Requests, distinct connections and status counts from 'bench' log_format lines."""
    conns: set[str] = set()
    statuses: dict[str, int] = {}
    sent = 0
    n = 0
    for raw in lines:
        parts = raw.split(" ", 4)
        if len(parts) < 4:
            continue
        n += 1
        conns.add(parts[0])
        statuses[parts[2]] = statuses.get(parts[2], 0) + 1
        with contextlib.suppress(ValueError):
            sent += int(parts[3])
    return {"requests": n, "connections": len(conns), "statuses": statuses, "bytes_sent": sent}


# --------------------------------------------------------------------------- workloads & targets


@dataclass(frozen=True)
class Sizes:
    fast: int
    mid: int
    small_count: int
    small_min: int
    small_max: int


FULL = Sizes(fast=GiB, mid=256 * MiB, small_count=500, small_min=64 * KiB, small_max=2 * MiB)
QUICK = Sizes(fast=64 * MiB, mid=8 * MiB, small_count=40, small_min=64 * KiB, small_max=512 * KiB)


@dataclass(frozen=True)
class ClientSpec:
    key: str  # unique within a workload
    label: str  # shown in tables
    family: str  # tether | curl | aria2c | dd
    connections: int | None = None  # tether --connections (None = Tether's default)
    aria2_opts: tuple[str, ...] = ()
    reference: bool = False  # a reference line (dd), not a competitor
    settings: tuple[tuple[str, Any], ...] = ()  # tether options stored in its data dir first


@dataclass(frozen=True)
class Target:
    """One line of the issue's targets, evaluated on medians of the same run."""

    text: str
    kind: str  # 'time' | 'ideal' | 'cpu' | 'rss'
    client: str
    anchors: tuple[str, ...] = ()  # for 'time'/'cpu': compared with the best (min) of these
    limit: float = 1.0


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    server: str  # plain | capped | mixed | mixed_random
    files: tuple[str, ...]  # names under the served root
    clients: tuple[ClientSpec, ...]
    targets: tuple[Target, ...]
    ideal_s: float | None = None
    ideal_text: str = ""


def aria2(key: str, label: str, *opts: str) -> ClientSpec:
    return ClientSpec(key=key, label=label, family="aria2c", aria2_opts=opts)


def build_workloads(sizes: Sizes, small_names: Sequence[str]) -> dict[str, Workload]:
    cap = parse_size(CAP_RATE)
    mixed_ideal = sizes.mid / (4 * parse_size(MIXED_SLOW) + 4 * parse_size(MIXED_FAST))
    k1m = aria2("aria2c-k1M", "aria2c -x8 -s8 -k1M", "-x8", "-s8", "-k1M")
    tether8 = ClientSpec("tether", "tether -c8", "tether", connections=8)
    # the same without re-rolling slow connections (app/engine/reroll.py): what luck costs
    no_reroll = ClientSpec(
        "tether-noreroll",
        "tether -c8, no re-roll",
        "tether",
        connections=8,
        settings=(("reroll_slow", False),),
    )
    return {
        "fast": Workload(
            name="fast",
            title=f"fast: {fmt_bytes(sizes.fast)}, no throttling, 1 connection",
            server="plain",
            files=("fast.bin",),
            clients=(
                ClientSpec("tether", "tether -c1", "tether", connections=1),
                ClientSpec("curl", "curl", "curl"),
                aria2("aria2c", "aria2c -x1", "-x1"),
                ClientSpec("dd", "dd conv=fdatasync (disk)", "dd", reference=True),
            ),
            targets=(
                Target(
                    "time ≤ 1.0 × faster of curl, aria2c -x1",
                    "time",
                    "tether",
                    ("curl", "aria2c"),
                    1.0,
                ),
                Target("CPU/GiB ≤ 1.5 × aria2c -x1", "cpu", "tether", ("aria2c",), 1.5),
            ),
        ),
        "fast8": Workload(
            name="fast8",
            title=f"fast8: {fmt_bytes(sizes.fast)}, no throttling, 8 connections",
            server="plain",
            files=("fast.bin",),
            clients=(
                ClientSpec("tether", "tether -c8", "tether", connections=8),
                k1m,
                ClientSpec("tether16", "tether -c16", "tether", connections=16),
            ),
            targets=(
                Target("time ≤ 1.0 × aria2c -x8 -s8 -k1M", "time", "tether", ("aria2c-k1M",), 1.0),
                Target("CPU/GiB ≤ 1.5 × aria2c", "cpu", "tether", ("aria2c-k1M",), 1.5),
                Target(
                    f"peak RSS ≤ {RSS_LIMIT_MIB:.0f} MiB with 16 connections",
                    "rss",
                    "tether16",
                    (),
                    RSS_LIMIT_MIB,
                ),
            ),
        ),
        "capped": Workload(
            name="capped",
            title=f"capped: {fmt_bytes(sizes.mid)}, limit_rate {CAP_RATE} per connection, "
            "8 connections",
            server="capped",
            files=("mid.bin",),
            clients=(ClientSpec("tether", "tether -c8", "tether", connections=8), k1m),
            targets=(
                Target("time ≤ 1.05 × ideal", "ideal", "tether", (), 1.05),
                Target("time ≤ 1.0 × aria2c", "time", "tether", ("aria2c-k1M",), 1.0),
                Target("CPU/GiB ≤ 1.5 × aria2c", "cpu", "tether", ("aria2c-k1M",), 1.5),
            ),
            ideal_s=sizes.mid / (8 * cap),
            ideal_text=f"size / (8 × {CAP_RATE}/s)",
        ),
        "mixed": Workload(
            name="mixed",
            title=f"mixed: {fmt_bytes(sizes.mid)}, every other connection {MIXED_SLOW}/s, "
            f"others {MIXED_FAST}/s, 8 connections",
            server="mixed",
            files=("mid.bin",),
            clients=(
                tether8,
                no_reroll,
                k1m,
                aria2("aria2c-s8", "aria2c -x8 -s8 (default -k20M)", "-x8", "-s8"),
            ),
            targets=(
                Target("time ≤ 0.95 × aria2c -k1M", "time", "tether", ("aria2c-k1M",), 0.95),
                Target("time ≤ 0.3 × aria2c default split", "time", "tether", ("aria2c-s8",), 0.3),
                Target("CPU/GiB ≤ 1.5 × aria2c -k1M", "cpu", "tether", ("aria2c-k1M",), 1.5),
            ),
            ideal_s=mixed_ideal,
            ideal_text=f"size / (4 × {MIXED_SLOW}/s + 4 × {MIXED_FAST}/s), perfect stealing",
        ),
        "mixed-random": Workload(
            name="mixed-random",
            title=f"mixed-random: {fmt_bytes(sizes.mid)}, each new connection {MIXED_SLOW}/s "
            f"with probability 1/2 (seed {RANDOM_SEED}, same luck for every client of a round), "
            f"else {MIXED_FAST}/s, 8 connections",
            server="mixed_random",
            files=("mid.bin",),
            clients=(tether8, no_reroll, k1m),
            targets=(
                Target("time ≤ 0.95 × aria2c -k1M", "time", "tether", ("aria2c-k1M",), 0.95),
                Target("CPU/GiB ≤ 1.5 × aria2c -k1M", "cpu", "tether", ("aria2c-k1M",), 1.5),
            ),
        ),
        **https_workloads(sizes, k1m),
        "small": Workload(
            name="small",
            title=f"small: {len(small_names)} files of {fmt_bytes(sizes.small_min)}–"
            f"{fmt_bytes(sizes.small_max)} queued at once",
            server="plain",
            files=tuple(small_names),
            clients=(
                ClientSpec("tether", "tether (defaults)", "tether"),
                # what looking for published checksums (SHA256SUMS, sidecars) costs per file
                ClientSpec(
                    "tether-nosums",
                    "tether, no auto-checksum",
                    "tether",
                    settings=(("auto_checksum", False),),
                ),
                aria2("aria2c", "aria2c -i list -j 5", "-j5"),
            ),
            targets=(
                Target("time ≤ 1.0 × aria2c", "time", "tether", ("aria2c",), 1.0),
                Target("CPU/GiB ≤ 1.5 × aria2c", "cpu", "tether", ("aria2c",), 1.5),
            ),
        ),
    }


def https_workloads(sizes: Sizes, k1m: ClientSpec) -> dict[str, Workload]:
    """The fast/fast8 rows again over TLS: 256 MiB (and 1 GiB), 1 and 8 connections.

    No targets yet (issue 16 sets a floor, tested in tests/zoo): the rows show where Tether
    stands next to curl and aria2c, CPU s/GiB and peak RSS included."""
    tls_aria2 = ("--ca-certificate=@CA@",)
    out: dict[str, Workload] = {}
    for suffix, fname, size in (("", "mid.bin", sizes.mid), ("-1g", "fast.bin", sizes.fast)):
        out["https" + suffix] = Workload(
            name="https" + suffix,
            title=f"https{suffix}: {fmt_bytes(size)} over TLS from nginx, 1 connection",
            server="tls",
            files=(fname,),
            clients=(
                ClientSpec("tether", "tether -c1", "tether", connections=1),
                ClientSpec("curl", "curl --cacert", "curl"),
                aria2("aria2c", "aria2c -x1 --ca-certificate", "-x1", *tls_aria2),
            ),
            targets=(),
        )
        out["https8" + suffix] = Workload(
            name="https8" + suffix,
            title=f"https8{suffix}: {fmt_bytes(size)} over TLS from nginx, 8 connections",
            server="tls",
            files=(fname,),
            clients=(
                ClientSpec("tether", "tether -c8", "tether", connections=8),
                aria2(
                    "aria2c-k1M",
                    "aria2c -x8 -s8 -k1M --ca-certificate",
                    *k1m.aria2_opts,
                    *tls_aria2,
                ),
            ),
            targets=(),
        )
    return out


# --------------------------------------------------------------------------- results


@dataclass
class RunResult:
    workload: str
    client: str
    round: int
    ok: bool
    error: str = ""
    exit_code: int | None = None
    wall_s: float | None = None
    durable_s: float | None = None
    user_s: float | None = None
    sys_s: float | None = None
    maxrss_mib: float | None = None
    bytes: int = 0
    load1: float | None = None  # 1-min load average when the run started (noise indicator)
    server: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu_per_gib(self) -> float | None:
        if self.user_s is None or self.sys_s is None or not self.bytes:
            return None
        return (self.user_s + self.sys_s) / (self.bytes / GiB)


@dataclass
class ClientSummary:
    key: str
    label: str
    runs: int
    ok: int
    median_s: float | None
    min_s: float | None
    max_s: float | None
    median_durable_s: float | None
    mib_per_s: float | None
    cpu_per_gib: float | None
    peak_rss_mib: float | None
    median_requests: float | None
    median_connections: float | None


def summarize_client(
    spec: ClientSpec, runs: Sequence[RunResult], total_bytes: int
) -> ClientSummary:
    good = [r for r in runs if r.ok]
    walls = [r.wall_s for r in good if r.wall_s is not None]
    med = median(walls)
    cpus = [c for c in (r.cpu_per_gib for r in good) if c is not None]
    rss = [r.maxrss_mib for r in good if r.maxrss_mib is not None]
    reqs = [r.server["requests"] for r in good if "requests" in r.server]
    conns = [r.server["connections"] for r in good if "connections" in r.server]
    return ClientSummary(
        key=spec.key,
        label=spec.label,
        runs=len(runs),
        ok=len(good),
        median_s=med,
        min_s=min(walls) if walls else None,
        max_s=max(walls) if walls else None,
        median_durable_s=median([r.durable_s for r in good if r.durable_s is not None]),
        mib_per_s=(total_bytes / MiB / med) if med else None,
        cpu_per_gib=median(cpus),
        peak_rss_mib=max(rss) if rss else None,
        median_requests=median(reqs),
        median_connections=median(conns),
    )


@dataclass
class TargetResult:
    text: str
    status: str  # PASS | FAIL | n/a
    value: float | None
    detail: str


def evaluate_target(
    target: Target, summaries: dict[str, ClientSummary], ideal_s: float | None
) -> TargetResult:
    me = summaries.get(target.client)
    if target.kind == "rss":
        value = me.peak_rss_mib if me else None
        detail = f"{fmt_num(value, 1)} MiB"
    elif target.kind == "ideal":
        value = ratio(me.median_s if me else None, ideal_s)
        detail = f"{fmt_num(value, 3)}× ideal ({fmt_num(ideal_s)} s)"
    elif target.kind in ("time", "cpu"):
        attr = "median_s" if target.kind == "time" else "cpu_per_gib"
        anchors = [
            (getattr(summaries[a], attr), summaries[a].label)
            for a in target.anchors
            if a in summaries and getattr(summaries[a], attr) is not None
        ]
        best = min(anchors) if anchors else None
        value = ratio(getattr(me, attr) if me else None, best[0] if best else None)
        detail = f"{value:.3f}× {best[1]}" if best and value is not None else "no anchor"
    else:
        raise ValueError(target.kind)
    if me is not None and me.ok < me.runs:
        # a download that failed or didn't verify counts against the target, however fast
        return TargetResult(target.text, "FAIL", value, f"{detail}; {me.runs - me.ok} failed runs")
    if value is None:
        return TargetResult(target.text, "n/a", None, detail)
    return TargetResult(target.text, "PASS" if value <= target.limit else "FAIL", value, detail)


def workload_report(
    wl: Workload, runs: Sequence[RunResult], total_bytes: int, rounds: int
) -> tuple[str, dict[str, Any]]:
    """Text block (table, paired ratios, targets) and a JSON-able summary for one workload."""
    by_client = {c.key: [r for r in runs if r.client == c.key] for c in wl.clients}
    present = [c for c in wl.clients if by_client[c.key]]
    summaries = {c.key: summarize_client(c, by_client[c.key], total_bytes) for c in present}
    headers = [
        "client",
        "median s",
        "min s",
        "max s",
        "MiB/s",
        "durable s",
        "CPU s/GiB",
        "RSS MiB",
        "reqs",
        "conns",
        "ok",
    ]
    rows = []
    for c in present:
        s = summaries[c.key]
        rows.append(
            [
                c.label,
                fmt_num(s.median_s),
                fmt_num(s.min_s),
                fmt_num(s.max_s),
                fmt_num(s.mib_per_s, 0),
                fmt_num(s.median_durable_s),
                fmt_num(s.cpu_per_gib),
                fmt_num(s.peak_rss_mib, 1),
                fmt_num(s.median_requests, 0),
                fmt_num(s.median_connections, 0),
                f"{s.ok}/{s.runs}",
            ]
        )
    if wl.ideal_s is not None:
        rows.append([f"ideal ({wl.ideal_text})", fmt_num(wl.ideal_s)] + [""] * 9)
    out = [f"== {wl.title} ({rounds} rounds) ==", format_table(headers, rows)]
    loads = [r.load1 for r in runs if r.load1 is not None]
    cpus = os.cpu_count() or 1
    if loads and max(loads) > cpus + 1:
        # our own client + nginx account for ~1-2; more means other work shared the machine
        out.append(
            f"NOTE: load average up to {max(loads):.1f} on {cpus} CPUs during these runs "
            f"(median {median(loads):.1f}): other work was running, figures are noisy."
        )

    ratios: list[dict[str, Any]] = []
    tethers = [c for c in present if c.family == "tether"]
    others = [c for c in present if c.family != "tether"]
    if tethers and others:
        out.append("Tether / anchor, paired by round (median [min–max]); wall and durable time:")
        for t in tethers:
            for a in others:
                pr = {}
                for kind in ("wall_s", "durable_s"):
                    tv = _per_round(by_client[t.key], kind, rounds)
                    av = _per_round(by_client[a.key], kind, rounds)
                    pr[kind] = paired_ratios(tv, av)
                w, d = pr["wall_s"], pr["durable_s"]
                out.append(
                    f"  {t.label} / {a.label}: {fmt_ratio(median(w))}"
                    f" [{fmt_ratio(min(w) if w else None)}–{fmt_ratio(max(w) if w else None)}]"
                    f"   durable {fmt_ratio(median(d))}"
                )
                ratios.append(
                    {
                        "tether": t.key,
                        "anchor": a.key,
                        "wall": w,
                        "durable": d,
                        "median_wall": median(w),
                        "median_durable": median(d),
                    }
                )
    target_results = [evaluate_target(t, summaries, wl.ideal_s) for t in wl.targets]
    if target_results:
        out.append(
            "Targets (medians, same run):"
            if not QUICK_MODE
            else "Targets (--quick: tiny files, start-up dominates; NOT meaningful):"
        )
        for tr in target_results:
            out.append(f"  {tr.status:4}  {tr.text}   ({tr.detail})")
    data = {
        "name": wl.name,
        "title": wl.title,
        "bytes": total_bytes,
        "ideal_s": wl.ideal_s,
        "clients": {k: asdict(v) for k, v in summaries.items()},
        "paired_ratios": ratios,
        "targets": [asdict(t) for t in target_results],
    }
    return "\n".join(out), data


def markdown_summary(reports: Sequence[dict[str, Any]], workloads: dict[str, Workload]) -> str:
    """README-ready table: one row per workload × client, ratios against Tether."""
    headers = [
        "workload",
        "client",
        "median s",
        "MiB/s",
        "CPU s/GiB",
        "peak RSS MiB",
        "Tether ÷ this",
    ]
    rows = []
    for rep in reports:
        wl = workloads[rep["name"]]
        clients = rep["clients"]
        tether = clients.get("tether")
        for c in wl.clients:
            s = clients.get(c.key)
            if s is None:
                continue
            r = (
                ""
                if c.family == "tether" or tether is None
                else fmt_ratio(ratio(tether["median_s"], s["median_s"]))
            )
            rows.append(
                [
                    wl.name,
                    c.label,
                    fmt_num(s["median_s"]),
                    fmt_num(s["mib_per_s"], 0),
                    fmt_num(s["cpu_per_gib"]),
                    fmt_num(s["peak_rss_mib"], 1),
                    r,
                ]
            )
        if wl.ideal_s is not None:
            r = fmt_ratio(ratio(tether["median_s"], wl.ideal_s)) if tether else ""
            rows.append([wl.name, "ideal", fmt_num(wl.ideal_s), "", "", "", r])
    return format_markdown(headers, rows)


def _per_round(runs: Sequence[RunResult], attr: str, rounds: int) -> list[float | None]:
    vals: list[float | None] = [None] * rounds
    for r in runs:
        if r.ok and 0 <= r.round < rounds:
            vals[r.round] = getattr(r, attr)
    return vals


# --------------------------------------------------------------------------- processes


def _child_setup() -> None:
    """In the child: die with the harness (PR_SET_PDEATHSIG), so nothing outlives a kill -9."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def child_env() -> dict[str, str]:
    """The harness's environment minus proxies: traffic goes to 127.0.0.1 and nowhere else."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Nginx:
    """A foreground nginx child serving `root` on three free 127.0.0.1 ports."""

    def __init__(self, binary: str, prefix: Path, root: Path, tls: TlsFiles | None = None) -> None:
        self.binary = binary
        self.prefix = prefix
        self.root = root
        self.tls = tls
        self.ports: dict[str, int] = {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    def url(self, server: str, name: str) -> str:
        scheme = "https" if server == "tls" else "http"
        return f"{scheme}://127.0.0.1:{self.ports[server]}/{name}"

    def start(self) -> None:
        last_error = ""
        for _attempt in range(5):  # a free port can be taken between probe and bind: retry
            names = ("plain", "capped", "mixed", "mixed_random") + (("tls",) if self.tls else ())
            self.ports = {name: free_port() for name in names}
            if len(set(self.ports.values())) < len(names):
                continue
            conf = self.prefix / "nginx.conf"
            conf.write_text(nginx_config(self.prefix, self.root, self.ports, self.tls))
            err = self.prefix / "error.log"
            self.proc = subprocess.Popen(
                [self.binary, "-p", str(self.prefix), "-e", str(err), "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=open(self.prefix / "stderr.log", "ab"),  # noqa: SIM115 — child owns it
                start_new_session=True,
                preexec_fn=_child_setup,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                if all(_can_connect(p) for p in self.ports.values()):
                    return
                time.sleep(0.05)
            last_error = (err.read_text(errors="replace") if err.exists() else "")[-2000:]
            self.stop()
        raise RuntimeError(f"nginx did not start:\n{last_error}")

    def connection_number(self) -> int:
        """nginx's connection counter, read over a connection of its own (which it counts)."""
        with socket.create_connection(("127.0.0.1", self.ports["plain"]), timeout=5) as s:
            s.sendall(b"GET /_bench_conn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
        return int(reply.rsplit(b"\r\n\r\n", 1)[1].strip())

    def advance_to(self, offset: int) -> None:
        """Make the next connection's number end in offset+1 (mod 100): on 'mixed-random' every
        client of a round then meets the same sequence of slow and fast connections."""
        for _ in range(250):
            if self.connection_number() % 100 == offset % 100:
                return
        raise RuntimeError("could not advance nginx connection numbers")

    def align_parity(self) -> None:
        """Make the next connection even-numbered, i.e. slow on the 'mixed' server.

        $connection is one counter for all of nginx, so without this a client's first connection
        would be slow or fast depending on how many connections the previous clients opened (the
        same parity every round). With it, every client's 1st, 3rd, ... connection is slow.
        """
        for _ in range(4):
            if self.connection_number() % 2:  # odd now, so the next one is even
                return
        raise RuntimeError("could not align nginx connection numbers")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _can_connect(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


# A child forked from this (~25 MiB) Python process starts with our RSS as its ru_maxrss: Linux
# records the old mm's high-water mark at exec, even after vfork/posix_spawn. So every client is
# started through a small launcher that forks it from a fresh, small process and reports the
# grandchild's own peak RSS: GNU time when installed (exact), else a bare `python3 -I -S`
# (then RSS below ~9 MiB reads as ~9 MiB; only dd is that small).
PY_LAUNCHER = """
import os, sys
out, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
with open(out, "w") as f:
    f.write(str(ru.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
"""


def gnu_time() -> str | None:
    exe = shutil.which("time") or ("/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None)
    if exe is None:
        return None
    try:
        p = subprocess.run([exe, "--version"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return exe if b"GNU" in p.stdout + p.stderr else None


def launcher_argv(argv: Sequence[str], rss_file: Path, time_exe: str | None) -> list[str]:
    if time_exe:
        return [time_exe, "-f", "%M", "-o", str(rss_file), "--", *argv]
    return [sys.executable, "-I", "-S", "-c", PY_LAUNCHER, str(rss_file), *argv]


@dataclass
class Exited:
    exit_code: int
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_mib: float | None
    timed_out: bool


class Runner:
    """Runs one child at a time, measuring it with wait4; kills it on timeout or Ctrl-C."""

    def __init__(self) -> None:
        self.current: subprocess.Popen[bytes] | None = None
        self.time_exe = gnu_time()

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        log: Path,
        timeout: float,
        env: dict[str, str] | None = None,
    ) -> Exited:
        timed_out = threading.Event()
        rss_file = log.with_suffix(".rss")
        rss_file.unlink(missing_ok=True)
        with open(log, "wb") as out:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                launcher_argv(argv, rss_file, self.time_exe),
                cwd=cwd,
                env=child_env() | (env or {}),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_child_setup,
            )
            self.current = proc

            def on_timeout() -> None:
                timed_out.set()
                self._kill(proc)

            timer = threading.Timer(timeout, on_timeout)
            timer.start()
            try:
                # CPU: the launcher's rusage includes the client it reaped (RUSAGE_BOTH).
                _, status, ru = os.wait4(proc.pid, 0)
                wall = time.perf_counter() - t0
            finally:
                timer.cancel()
                if proc.returncode is None and self.current is proc:
                    # wait4 was interrupted (Ctrl-C): take the child down with us
                    self._kill(proc)
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(proc.pid, 0)
                    proc.returncode = -9
                self.current = None
        proc.returncode = os.waitstatus_to_exitcode(status)
        self._kill(proc)  # anything the client left behind in its session goes too
        rss: float | None = None
        with contextlib.suppress(OSError, ValueError, IndexError):
            rss = int(rss_file.read_text().split()[-1]) / KiB
        rss_file.unlink(missing_ok=True)
        return Exited(proc.returncode, wall, ru.ru_utime, ru.ru_stime, rss, timed_out.is_set())

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    def kill_current(self) -> None:
        if self.current is not None:
            self._kill(self.current)


# --------------------------------------------------------------------------- the benchmark


@dataclass
class TestFile:
    name: str  # relative to the served root
    size: int
    sha256: str

    @property
    def basename(self) -> str:
        return self.name.rsplit("/", 1)[-1]


def write_random_file(path: Path, size: int) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            block = os.urandom(min(left, 16 * MiB))
            h.update(block)
            f.write(block)
            left -= len(block)
    return h.hexdigest()


def sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def fsync_tree(directory: Path) -> None:
    for p in sorted(directory.iterdir()):
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tether_has_option(cmd: Sequence[str], option: str) -> bool:
    """Whether Tether's `get` knows an option (e.g. --ca-certificate, newer than this harness)."""
    try:
        proc = subprocess.run(
            [*cmd, "get", "--help"],
            cwd=REPO,
            env=child_env(),
            capture_output=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in proc.stdout.decode(errors="replace")


def tether_available(cmd: Sequence[str]) -> tuple[bool, str]:
    try:
        proc = subprocess.run(
            [*cmd, "get", "--help"],
            cwd=REPO,
            env=child_env(),
            capture_output=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    out = (proc.stdout + proc.stderr).decode(errors="replace").strip().splitlines()
    return proc.returncode == 0, (out[-1] if out else f"exit {proc.returncode}")


def compile_bytecode(cmd: Sequence[str], package: Path = REPO / "app") -> None:
    """Write the repo's bytecode before timing `python -m app`, as `pip install` does.

    Without it, a process run with PYTHONDONTWRITEBYTECODE (or from a read-only checkout)
    compiles every module of the app on every start: ~0.1 s per run that no installed Tether
    pays, and that the timed runs would charge to the download.
    """
    if "-m" not in cmd or cmd[cmd.index("-m") + 1 :][:1] != ["app"]:
        return  # an installed command: its bytecode came with the install
    proc = subprocess.run(
        [cmd[0], "-m", "compileall", "-q", str(package)], capture_output=True, check=False
    )
    if proc.returncode != 0:
        log(f"could not write the app's bytecode: {proc.stderr.decode(errors='replace')[-200:]}")


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sizes = QUICK if args.quick else FULL
        self.runner = Runner()
        self.tether_cmd = shlex.split(args.tether_cmd)
        self.work: Path | None = None
        self.nginx: Nginx | None = None
        self.files: dict[str, TestFile] = {}
        self.results: list[RunResult] = []
        self.reports: list[dict[str, Any]] = []
        self.workloads: dict[str, Workload] = {}
        self.tls: TlsFiles | None = None
        self.tether_has_ca_option = False

    # ---- setup
    def setup(self) -> None:
        base = Path(self.args.workdir) if self.args.workdir else Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix="tether-bench-", dir=base))
        sizes = self.sizes
        small_sizes = small_file_sizes(sizes.small_count, sizes.small_min, sizes.small_max)
        wanted = set(self.args.workloads)
        need = 0
        big = {"fast", "fast8", "https-1g", "https8-1g"}
        mid = {"capped", "mixed", "mixed-random", "https", "https8"}
        if wanted & big:
            need += 2 * sizes.fast  # source + one output at a time
        if wanted & mid:
            need += 2 * sizes.mid
        if "small" in wanted:
            need += 2 * sum(small_sizes)
        free = shutil.disk_usage(self.work).free
        if free < need + 512 * MiB:
            raise SystemExit(
                f"not enough space in {self.work}: need {fmt_bytes(need)} + 512 MiB,"
                f" have {fmt_bytes(free)} (use --workdir)"
            )
        root = self.work / "www"
        log(f"work dir {self.work}; creating test files ({fmt_bytes(need // 2)})")
        if wanted & big:
            self._make("fast.bin", sizes.fast)
        if wanted & mid:
            self._make("mid.bin", sizes.mid)
        small_names = [f"small/s{i:03d}.bin" for i in range(sizes.small_count)]
        if "small" in wanted:
            for name, size in zip(small_names, small_sizes, strict=True):
                self._make(name, size)
        (self.work / "out").mkdir()
        os.sync()
        self.workloads = build_workloads(sizes, small_names)
        nginx_bin = find_nginx()
        if nginx_bin is None:
            raise SystemExit("nginx not found: apt-get install nginx aria2 curl")
        prefix = self.work / "nginx"
        prefix.mkdir()
        if any(self.workloads[w].server == "tls" for w in wanted):
            self.tls = make_tls(self.work / "tls")
            self.tether_has_ca_option = tether_has_option(self.tether_cmd, "--ca-certificate")
        compile_bytecode(self.tether_cmd)
        self.nginx = Nginx(nginx_bin, prefix, root, self.tls)
        self.nginx.start()
        log(f"nginx {nginx_bin} on 127.0.0.1 ports {self.nginx.ports}")

    def _make(self, name: str, size: int) -> None:
        assert self.work is not None
        digest = write_random_file(self.work / "www" / name, size)
        self.files[name] = TestFile(name, size, digest)

    def teardown(self) -> None:
        self.runner.kill_current()
        if self.nginx is not None:
            self.nginx.stop()
        if self.work is not None and not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        elif self.work is not None:
            log(f"kept {self.work}")

    # ---- commands
    def command(self, wl: Workload, c: ClientSpec, out: Path, data: Path) -> list[str]:
        assert self.nginx is not None and self.work is not None
        urls = [self.nginx.url(wl.server, f) for f in wl.files]
        if c.family == "tether":
            # --data-dir is a global option: it goes before the subcommand
            argv = [*self.tether_cmd, "--data-dir", str(data), "get", *urls, "-o", str(out)]
            if c.connections is not None:
                argv += ["--connections", str(c.connections)]
            if wl.server == "tls" and self.tls is not None and self.tether_has_ca_option:
                argv += ["--ca-certificate", str(self.tls.ca)]
            return argv
        if c.family == "curl":
            (name,) = wl.files
            tls = ["--cacert", str(self.tls.ca)] if wl.server == "tls" and self.tls else []
            return [
                "curl",
                "-q",
                "-sS",
                "--fail",
                *tls,
                "-o",
                str(out / self.files[name].basename),
                urls[0],
            ]
        if c.family == "aria2c":
            ca = str(self.tls.ca) if self.tls else ""
            opts = [o.replace("@CA@", ca) for o in c.aria2_opts]
            argv = ["aria2c", *opts, *ARIA2_COMMON, "-d", str(out)]
            if len(urls) == 1:
                return [*argv, urls[0]]
            listfile = self.work / "aria2-list.txt"
            listfile.write_text("".join(u + "\n" for u in urls))
            return [*argv, "-i", str(listfile)]
        if c.family == "dd":
            (name,) = wl.files
            return [
                "dd",
                f"if={self.work / 'www' / name}",
                f"of={out / self.files[name].basename}",
                "bs=1M",
                "conv=fdatasync",
                "status=none",
            ]
        raise ValueError(c.family)

    # ---- one run
    def run_one(self, wl: Workload, c: ClientSpec, rnd: int) -> RunResult:
        assert self.work is not None and self.nginx is not None
        tag = f"{wl.name}-{c.key}-r{rnd}"
        out = self.work / "out" / tag
        data = self.work / "tether-data" / tag
        out.mkdir(parents=True)
        if c.family == "tether":
            data.mkdir(parents=True)
        argv = self.command(wl, c, out, data)
        log_path = self.work / "out" / f"{tag}.log"
        total = sum(self.files[f].size for f in wl.files)
        res = RunResult(wl.name, c.key, rnd, ok=False, bytes=total, load1=os.getloadavg()[0])
        os.sync()  # the previous run's dirty pages must not be flushed on this run's time
        if c.settings:
            self.store_settings(data, c.settings)
        if wl.server == "mixed":
            self.nginx.align_parity()
        elif wl.server == "mixed_random":
            self.nginx.advance_to(random_offset(rnd))
        log_offset = self.nginx.access_log.stat().st_size if self.nginx.access_log.exists() else 0
        timeout = self.args.timeout or (120 if self.args.quick else 900)
        env = {}
        tls_by_env = wl.server == "tls" and not self.tether_has_ca_option
        if c.family == "tether" and tls_by_env and self.tls is not None:
            env["REQUESTS_CA_BUNDLE"] = str(self.tls.ca)  # until --ca-certificate exists
        ex = self.runner.run(argv, cwd=REPO, log=log_path, timeout=timeout, env=env)
        t_sync = time.perf_counter()
        with contextlib.suppress(OSError):
            fsync_tree(out)
        res.durable_s = ex.wall_s + (time.perf_counter() - t_sync)
        res.exit_code = ex.exit_code
        res.wall_s, res.user_s, res.sys_s, res.maxrss_mib = (
            ex.wall_s,
            ex.user_s,
            ex.sys_s,
            ex.maxrss_mib,
        )
        if ex.timed_out:
            res.error = f"timed out after {timeout:.0f} s"
        elif ex.exit_code != 0:
            res.error = f"exit code {ex.exit_code}"
        else:
            res.error = self.verify(wl, out)
        res.ok = not res.error
        if not res.ok:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
            res.error += "".join(f"\n      | {t}" for t in tail)
            if self.args.keep:
                res.error += f"\n      (outputs kept in {out})"
        with open(self.nginx.access_log, "rb") as f:
            f.seek(log_offset)
            res.server = parse_access_log(f.read().decode(errors="replace").splitlines())
        if res.ok or not self.args.keep:
            shutil.rmtree(out, ignore_errors=True)
            log_path.unlink(missing_ok=True)
        shutil.rmtree(data, ignore_errors=True)
        return res

    def store_settings(self, data: Path, settings: Sequence[tuple[str, Any]]) -> None:
        """Tether options for one client, written into its data dir before the timed run (by
        Tether's own Python: this harness imports nothing from the app)."""
        code = (
            "import json, sys\n"
            "from app.paths import database_path\n"
            "from app.store.jobstore import JobStore\n"
            "store = JobStore.open(database_path(__import__('pathlib').Path(sys.argv[1])))\n"
            "for k, v in json.loads(sys.argv[2]): store.set_setting(k, v)\n"
            "store.close()\n"
        )
        python = self.tether_cmd[0] if "python" in Path(self.tether_cmd[0]).name else sys.executable
        subprocess.run(
            [python, "-c", code, str(data), json.dumps(list(settings))],
            cwd=REPO,
            env=child_env(),
            check=True,
            timeout=60,
        )

    def verify(self, wl: Workload, out: Path) -> str:
        expected = {self.files[f].basename: self.files[f] for f in wl.files}
        found = {p.name for p in out.iterdir()}
        missing = sorted(set(expected) - found)
        extra = sorted(found - set(expected))
        if missing or extra:
            return f"missing {missing[:5]} ({len(missing)}), unexpected {extra[:5]} ({len(extra)})"
        for name, tf in expected.items():
            p = out / name
            if p.stat().st_size != tf.size:
                return f"{name}: size {p.stat().st_size} != {tf.size}"
            if sha256_file(p) != tf.sha256:
                return f"{name}: SHA-256 mismatch"
        return ""

    # ---- main loop
    def run(self) -> int:
        clients = set(self.args.clients)
        failures = 0
        if self.args.quick:
            global QUICK_MODE
            QUICK_MODE = True
            print(
                "quick mode: files too small for the targets to mean much (start-up dominates);"
                " run without --quick for the figures.\n"
            )
        for name in self.args.workloads:
            wl = self.workloads[name]
            specs = [c for c in wl.clients if c.family in clients]
            if not specs:
                continue
            runs: list[RunResult] = []
            for rnd in range(self.args.rounds):
                for c in specs:
                    r = self.run_one(wl, c, rnd)
                    runs.append(r)
                    status = "ok" if r.ok else f"FAILED: {r.error}"
                    log(
                        f"[{wl.name} {rnd + 1}/{self.args.rounds}] {c.label:<32} "
                        f"{fmt_num(r.wall_s):>7} s  durable {fmt_num(r.durable_s):>7} s  "
                        f"cpu {fmt_num((r.user_s or 0) + (r.sys_s or 0)):>6} s  "
                        f"rss {fmt_num(r.maxrss_mib, 1):>6} MiB  {status}"
                    )
                    failures += not r.ok
            self.results += runs
            total = sum(self.files[f].size for f in wl.files)
            text, data = workload_report(wl, runs, total, self.args.rounds)
            print(text + "\n", flush=True)
            self.reports.append(data)
        if self.reports:
            print("Markdown summary (README):\n")
            print(markdown_summary(self.reports, self.workloads) + "\n")
        if self.args.json:
            payload = {
                "machine": machine_info(),
                "args": {k: v for k, v in vars(self.args).items() if k != "json"},
                "sizes": asdict(self.sizes),
                "workloads": self.reports,
                "runs": [asdict(r) | {"cpu_per_gib": r.cpu_per_gib} for r in self.results],
            }
            Path(self.args.json).write_text(json.dumps(payload, indent=2) + "\n")
            log(f"results saved to {self.args.json}")
        return 1 if failures else 0


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["mem_gib"] = round(int(line.split()[1]) / (1 << 20), 1)
    for tool, flag in (("nginx", "-v"), ("curl", "--version"), ("aria2c", "--version")):
        exe = find_nginx() if tool == "nginx" else shutil.which(tool)
        if not exe:
            continue
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            p = subprocess.run([exe, flag], capture_output=True, timeout=10)
            text = (p.stdout + p.stderr).decode(errors="replace").strip().splitlines()
            info[tool] = text[0] if text else ""
    return info


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def csv_list(allowed: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"choose from {','.join(allowed)} (got {text!r})")
        return items

    return parse


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="small files, finishes in under a minute")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument(
        "--workloads",
        type=csv_list(WORKLOAD_NAMES),
        default=None,
        help=f"comma list of {','.join(WORKLOAD_NAMES)} (default: all; with --quick, all but"
        f" {','.join(FULL_ONLY)})",
    )
    p.add_argument(
        "--clients",
        type=csv_list(CLIENT_FAMILIES),
        default=list(CLIENT_FAMILIES),
        help=f"comma list of {','.join(CLIENT_FAMILIES)} (default: all)",
    )
    p.add_argument("--workdir", help="where the temp dir with test files goes (default: $TMPDIR)")
    p.add_argument("--json", metavar="FILE", help="also save all runs and summaries as JSON")
    p.add_argument(
        "--tether-cmd",
        default=f"{shlex.quote(sys.executable)} -m app",
        help="how to start Tether's CLI (default: '%(default)s', run from the repo)",
    )
    p.add_argument("--timeout", type=float, default=0, help="per-run timeout in seconds")
    p.add_argument("--keep", action="store_true", help="keep the work dir (and failed outputs)")
    args = p.parse_args(argv)
    if args.workloads is None:
        args.workloads = [w for w in WORKLOAD_NAMES if not (args.quick and w in FULL_ONLY)]
    if args.rounds < 1:
        p.error("--rounds must be ≥ 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [t for t in ("curl", "aria2c", "dd") if t in args.clients and not shutil.which(t)]
    if missing or find_nginx() is None:
        raise SystemExit(f"missing {missing or ['nginx']}: apt-get install nginx aria2 curl")
    if any(w.startswith("https") for w in args.workloads) and not shutil.which("openssl"):
        raise SystemExit("the https workloads need openssl: apt-get install openssl")
    if "tether" in args.clients:
        ok, why = tether_available(shlex.split(args.tether_cmd))
        if not ok:
            raise SystemExit(
                f"Tether's CLI does not run ({args.tether_cmd} get --help: {why}); "
                "use --clients curl,aria2c,dd to benchmark the others"
            )
    bench = Bench(args)

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        log(f"machine: {json.dumps(machine_info())}")
        bench.setup()
        return bench.run()
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    finally:
        bench.teardown()


if __name__ == "__main__":
    sys.exit(main())
