#!/usr/bin/env python3
"""Profile one `tether get` on a benchmark workload: where the time goes, in text.

    python3 tests/benchmarks/profile_tether.py mixed            # py-spy, on-CPU samples
    python3 tests/benchmarks/profile_tether.py small --gil      # only threads holding the GIL
    python3 tests/benchmarks/profile_tether.py fast --idle      # wall time, waits included
    python3 tests/benchmarks/profile_tether.py capped --tool pyinstrument

Starts the same private nginx and test files as bench.py, runs Tether once under the profiler,
then prints: start-up / transfer / shutdown phases (from nginx's access log), the requests
timeline, samples per thread, the hottest functions (self and inclusive). The raw collapsed
stacks are kept in --out (open them in https://www.speedscope.app or flamegraph.pl).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks import bench

SAMPLE_RATE = 250


@dataclass
class Stack:
    thread: str
    frames: list[str]
    count: int


def parse_collapsed(lines: Iterable[str]) -> list[Stack]:
    """py-spy's raw format: 'thread (0x1): Name;frame;frame count' (thread part optional)."""
    names: dict[str, str] = {}
    out: list[Stack] = []
    for line in lines:
        line = line.rstrip("\n")
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        m = re.match(r"thread \((\w+)\)(?::\s*(.*))?$", frames[0])
        tid = "all"
        if m:
            tid = m.group(1)
            if m.group(2):
                names[tid] = m.group(2)
            frames = frames[1:]
        out.append(Stack(tid, frames, int(count)))
    for s in out:
        # worker names carry job/worker numbers: fold them so threads of one kind add up
        s.thread = re.sub(r"\d+", "N", names.get(s.thread, "thread"))
    return out


def short_frame(frame: str) -> str:
    """'name (path/to/file.py:12)' -> 'name (file.py)', site-packages prefixes dropped."""
    m = re.match(r"(.*) \((.*?)(?::\d+)?\)$", frame)
    if not m:
        return frame
    path = m.group(2).split("site-packages/")[-1]
    return f"{m.group(1)} ({path})"


def summarize(stacks: Sequence[Stack], top: int = 20) -> str:
    total = sum(s.count for s in stacks) or 1
    threads: collections.Counter[str] = collections.Counter()
    self_t: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    for s in stacks:
        threads[s.thread] += s.count
        self_t[short_frame(s.frames[-1]) if s.frames else "<native/idle>"] += s.count
        for f in {short_frame(f) for f in s.frames}:
            incl[f] += s.count
    lines = [f"{total} samples ≈ {total / SAMPLE_RATE:.2f} thread-seconds"]
    lines.append(
        "by thread: " + ", ".join(f"{k} {v / total:.0%}" for k, v in threads.most_common())
    )
    lines.append("hottest (self):")
    lines += [f"  {v / total:6.1%}  {k}" for k, v in self_t.most_common(top)]
    lines.append("hottest (inclusive, Tether's own code):")
    ours = [(k, v) for k, v in incl.most_common() if "(app/" in k][:top]
    lines += [f"  {v / total:6.1%}  {k}" for k, v in ours]
    return "\n".join(lines)


def timeline(log_lines: Sequence[str], started: float, ended: float) -> str:
    """Phases and per-request lines from the 'bench' access log format."""
    rows = []
    for raw in log_lines:
        try:
            p = shlex.split(raw)
            end = float(p[5])
            rows.append((end - float(p[4]), end, int(p[0]), int(p[1]), p[2], int(p[3]), p[7]))
        except (ValueError, IndexError):
            continue
    if not rows:
        return "no requests logged"
    t0 = min(r[0] for r in rows)
    last = max(r[1] for r in rows)
    out = [
        f"exec → first request {t0 - started:.3f} s; transfer {last - t0:.3f} s; "
        f"last byte → exit {ended - last:.3f} s; total {ended - started:.3f} s; "
        f"{len(rows)} requests on {len({r[2] for r in rows})} connections"
    ]
    for s, e, conn, nreq, status, sent, rng in sorted(rows)[:60]:
        rate = sent / bench.MiB / max(e - s, 1e-3)
        out.append(
            f"  {s - t0:6.3f} → {e - t0:6.3f}  conn {conn} #{nreq:<2} {status} "
            f"{sent / bench.MiB:7.2f} MiB {rate:7.1f} MiB/s  {rng}"
        )
    if len(rows) > 60:
        out.append(f"  … {len(rows) - 60} more")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("workload", choices=bench.WORKLOAD_NAMES)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--connections", type=int, help="override the workload's --connections")
    p.add_argument("--tool", choices=("py-spy", "pyinstrument", "none"), default="py-spy")
    p.add_argument("--gil", action="store_true", help="py-spy: only threads holding the GIL")
    p.add_argument("--idle", action="store_true", help="py-spy: include waiting threads")
    p.add_argument("--out", default="/tmp/tether-profile", help="where profiles are written")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--workdir")
    args = p.parse_args(argv)
    if args.tool != "none" and not shutil.which(args.tool):
        raise SystemExit(f"{args.tool} is not installed (pip install {args.tool})")
    bargs = bench.parse_args(
        ["--workloads", args.workload, "--rounds", "1"]
        + (["--quick"] if args.quick else [])
        + (["--workdir", args.workdir] if args.workdir else [])
    )
    b = bench.Bench(bargs)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        b.setup()
        assert b.work is not None and b.nginx is not None
        wl = b.workloads[args.workload]
        spec = next(c for c in wl.clients if c.family == "tether")
        if args.connections:
            spec = bench.ClientSpec(spec.key, spec.label, "tether", connections=args.connections)
        dest, data = b.work / "out" / "profile", b.work / "tether-data" / "profile"
        dest.mkdir(parents=True)
        data.mkdir(parents=True)
        argv_t = b.command(wl, spec, dest, data)
        stem = f"{args.workload}-{args.tool}" + ("-gil" if args.gil else "")
        stem += "-idle" if args.idle else ""
        prof = out_dir / f"{stem}.txt"
        if args.tool == "py-spy":
            cmd = ["py-spy", "record", "-r", str(SAMPLE_RATE), "--threads", "--format", "raw"]
            cmd += ["--gil"] * args.gil + ["--idle"] * args.idle
            cmd += ["-o", str(prof), "--", *argv_t]
        elif args.tool == "pyinstrument":
            tether = shlex.split(bargs.tether_cmd)
            if tether[1:] != ["-m", "app"]:
                raise SystemExit("--tool pyinstrument needs the default --tether-cmd")
            cmd = [tether[0], "-m", "pyinstrument", "-r", "text", "-o", str(prof)]
            cmd += ["-m", "app", *argv_t[len(tether) :]]
        else:
            cmd = argv_t
        if wl.server == "mixed":
            b.nginx.align_parity()
        log_offset = b.nginx.access_log.stat().st_size
        os.sync()
        started = time.time()
        proc = subprocess.run(cmd, cwd=bench.REPO, env=bench.child_env(), capture_output=True)
        ended = time.time()
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode(errors="replace")[-3000:])
            return proc.returncode
        err = b.verify(wl, dest)
        print(
            f"== tether on '{args.workload}': {shlex.join(argv_t[:6])} … "
            f"({'verified' if not err else 'BAD: ' + err})"
        )
        with open(b.nginx.access_log, "rb") as f:
            f.seek(log_offset)
            lines = [ln for ln in f.read().decode().splitlines() if "/_bench_conn" not in ln]
        print(timeline(lines, started, ended))
        if args.tool == "py-spy":
            print(summarize(parse_collapsed(prof.read_text().splitlines()), args.top))
            print(f"collapsed stacks: {prof} (speedscope.app opens them)")
        elif args.tool == "pyinstrument":
            print(f"pyinstrument report: {prof}")
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        b.teardown()


if __name__ == "__main__":
    sys.exit(main())
