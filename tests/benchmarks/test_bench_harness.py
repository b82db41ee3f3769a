"""Fast checks of the benchmark harness's pure helpers (no nginx started, no downloads)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.benchmarks import bench

if bench.find_nginx() is None:
    pytest.skip("nginx is not installed", allow_module_level=True)


def test_parse_size_and_median() -> None:
    assert bench.parse_size("8m") == 8 * bench.MiB
    assert bench.parse_size("512k") == 512 * bench.KiB
    assert bench.parse_size("1g") == bench.GiB
    assert bench.parse_size("100") == 100
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median([1.0, 2.0]) == 1.5
    assert bench.median([]) is None


def test_paired_ratios_skip_failed_rounds() -> None:
    assert bench.paired_ratios([2.0, None, 3.0], [1.0, 1.0, 6.0]) == [2.0, 0.5]
    assert bench.ratio(1.0, None) is None
    assert bench.ratio(1.0, 0.0) is None


def test_format_table_aligns_columns() -> None:
    text = bench.format_table(["client", "s"], [["curl", "1.00"], ["aria2c -x8", "12.50"]])
    lines = text.splitlines()
    assert lines[0].startswith("client") and lines[1].startswith("------")
    assert len({len(line) for line in lines}) == 1  # right-aligned numbers end in one column
    assert lines[3].startswith("aria2c -x8") and lines[3].endswith("12.50")
    md = bench.format_markdown(["a", "b"], [["x", "1"]])
    assert md.splitlines() == ["| a | b |", "|---|---:|", "| x | 1 |"]


def test_small_file_sizes_deterministic_and_in_range() -> None:
    sizes = bench.small_file_sizes(500, 64 * bench.KiB, 2 * bench.MiB)
    assert sizes == bench.small_file_sizes(500, 64 * bench.KiB, 2 * bench.MiB)
    assert len(sizes) == 500
    assert all(64 * bench.KiB <= s <= 2 * bench.MiB for s in sizes)


def _summary(key: str, median_s: float | None, cpu: float | None = 1.0, rss: float | None = 50.0):
    return bench.ClientSummary(
        key, key, 3, 3, median_s, median_s, median_s, median_s, None, cpu, rss, None, None
    )


def test_targets_use_best_anchor_and_limits() -> None:
    sums = {
        "tether": _summary("tether", 9.0, cpu=3.0),
        "curl": _summary("curl", 10.0),
        "aria2c": _summary("aria2c", 8.0, cpu=2.5),
    }
    t = bench.Target("fast", "time", "tether", ("curl", "aria2c"), 1.0)
    r = bench.evaluate_target(t, sums, None)
    assert r.status == "FAIL" and r.value == pytest.approx(9 / 8)
    cpu = bench.evaluate_target(bench.Target("cpu", "cpu", "tether", ("aria2c",), 1.5), sums, None)
    assert cpu.status == "PASS" and cpu.value == pytest.approx(1.2)
    ideal = bench.evaluate_target(bench.Target("i", "ideal", "tether", (), 1.05), sums, 8.8)
    assert ideal.status == "PASS"
    rss = bench.evaluate_target(bench.Target("r", "rss", "tether", (), 80.0), sums, None)
    assert rss.status == "PASS"
    missing = bench.evaluate_target(t, {"curl": _summary("curl", 1.0)}, None)
    assert missing.status == "n/a"
    flaky = dict(
        sums,
        tether=bench.ClientSummary(
            "tether", "tether", 3, 2, 1.0, 1.0, 1.0, 1.0, None, 1.0, 50.0, None, None
        ),
    )
    assert bench.evaluate_target(t, flaky, None).status == "FAIL"  # fast but one run failed


def test_workloads_match_the_issue() -> None:
    wls = bench.build_workloads(bench.FULL, [f"small/s{i:03d}.bin" for i in range(500)])
    assert set(wls) == set(bench.WORKLOAD_NAMES)
    assert wls["capped"].ideal_s == pytest.approx(4.0)  # 256 MiB / (8 × 8 MiB/s)
    mixed = {c.key: c for c in wls["mixed"].clients}
    assert mixed["aria2c-k1M"].aria2_opts == ("-x8", "-s8", "-k1M")
    assert mixed["aria2c-s8"].aria2_opts == ("-x8", "-s8")
    assert len(wls["small"].files) == 500
    assert any(t.kind == "rss" and t.limit == 80 for t in wls["fast8"].targets)
    # HTTPS rows: 256 MiB and 1 GiB, 1 and 8 connections, next to curl/aria2c given the CA
    assert wls["https"].server == wls["https8-1g"].server == "tls"
    assert wls["https"].files == ("mid.bin",) and wls["https-1g"].files == ("fast.bin",)
    assert {c.connections for c in wls["https8"].clients if c.family == "tether"} == {8}
    https8 = {c.key: c for c in wls["https8"].clients}
    assert https8["aria2c-k1M"].aria2_opts[:3] == ("-x8", "-s8", "-k1M")
    assert "--ca-certificate=@CA@" in https8["aria2c-k1M"].aria2_opts
    assert bench.parse_args(["--quick"]).workloads == [
        w for w in bench.WORKLOAD_NAMES if w not in bench.FULL_ONLY
    ]
    assert bench.parse_args([]).workloads == list(bench.WORKLOAD_NAMES)


def test_report_and_access_log_parsing() -> None:
    wl = bench.build_workloads(bench.QUICK, ["small/a.bin"])["capped"]
    runs = [
        bench.RunResult(
            "capped",
            key,
            rnd,
            ok=True,
            wall_s=w,
            durable_s=w,
            user_s=0.1,
            sys_s=0.1,
            maxrss_mib=30.0,
            bytes=bench.GiB,
        )
        for rnd in range(3)
        for key, w in (("tether", 1.0), ("aria2c-k1M", 2.0))
    ]
    text, data = bench.workload_report(wl, runs, bench.GiB, 3)
    assert "tether -c8 / aria2c -x8 -s8 -k1M: 0.50×" in text
    assert data["paired_ratios"][0]["wall"] == [0.5, 0.5, 0.5]
    assert data["clients"]["tether"]["cpu_per_gib"] == pytest.approx(0.2)
    log = [
        '7 1 206 1048576 0.1 "GET /a HTTP/1.1" "bytes=0-" "x"',
        '7 2 206 10 0.1 "GET /a HTTP/1.1" "-" "x"',
        '9 1 200 5 0.0 "GET / HTTP/1.1" "-" "y"',
    ]
    stats = bench.parse_access_log(log)
    assert stats["requests"] == 3 and stats["connections"] == 2
    assert stats["statuses"] == {"206": 2, "200": 1}


def test_nginx_config_is_local_and_valid(tmp_path: Path) -> None:
    ports = {"plain": 18081, "capped": 18082, "mixed": 18083, "mixed_random": 18084}
    conf = bench.nginx_config(tmp_path, tmp_path / "www", ports)
    assert "daemon off;" in conf and "master_process off;" in conf
    assert "limit_rate 8m;" in conf and "limit_rate $bench_mixed_rate;" in conf
    assert "map $connection $bench_mixed_rate" in conf
    # mixed-random: a seeded table over the last two digits, about half of them slow
    assert "limit_rate $bench_random_rate;" in conf
    assert f'"~(?:{bench.random_slow_suffixes()})$" 2m;' in conf
    assert 35 <= sum(bench.RANDOM_SLOW) <= 65
    assert len({bench.random_offset(r) for r in range(5)}) > 1  # rounds meet different luck
    listens = [line.split()[1] for line in conf.splitlines() if line.strip().startswith("listen")]
    assert listens == [f"127.0.0.1:{p};" for p in ports.values()]
    assert str(tmp_path / "nginx.pid") in conf and str(tmp_path / "access.log") in conf
    # `nginx -t` parses the config (variables in limit_rate need nginx ≥ 1.17) without serving.
    (tmp_path / "nginx.conf").write_text(conf)
    nginx = bench.find_nginx()
    assert nginx is not None
    proc = subprocess.run(
        [
            nginx,
            "-t",
            "-q",
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "error.log"),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        timeout=10,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")


def test_profile_helpers_parse_py_spy_raw_output() -> None:
    from tests.benchmarks import profile_tether as pt

    raw = [
        "thread (0x1): MainThread;main (app/cli.py:3);select (selectors.py:468) 3",
        "thread (0x2): tether-job-1-w0;_read_body (app/engine/download.py:9);"
        "readinto (socket.py:706) 5",
        "thread (0x3): tether-job-1-w1;_read_body (app/engine/download.py:9) 2",
        "thread (0x2);_read_body (app/engine/download.py:9);write_at (app/engine/partfile.py:6) 2",
    ]
    stacks = pt.parse_collapsed(raw)
    assert [s.count for s in stacks] == [3, 5, 2, 2]
    assert stacks[1].thread == stacks[2].thread == stacks[3].thread == "tether-job-N-wN"
    text = pt.summarize(stacks)
    assert "12 samples" in text and "tether-job-N-wN 75%" in text
    assert "75.0%  _read_body (app/engine/download.py)" in text
    log = [
        '5 1 206 1048576 0.010 100.010 "GET /a HTTP/1.1" "bytes=0-1048575" "T"',
        '6 1 206 2097152 1.000 101.000 "GET /a HTTP/1.1" "bytes=1048576-" "T"',
    ]
    tl = pt.timeline(log, started=99.5, ended=101.25)
    assert "exec → first request 0.500 s; transfer 1.000 s; last byte → exit 0.250 s" in tl
    assert "2 requests on 2 connections" in tl


def test_https_server_config_is_valid(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    tls = bench.make_tls(tmp_path / "tls")
    verify = subprocess.run(
        ["openssl", "verify", "-CAfile", str(tls.ca), str(tls.cert)], capture_output=True
    )
    assert verify.returncode == 0, verify.stderr.decode(errors="replace")
    ports = {"plain": 18081, "capped": 18082, "mixed": 18083, "mixed_random": 18085, "tls": 18084}
    conf = bench.nginx_config(tmp_path, tmp_path / "www", ports, tls)
    assert "listen 127.0.0.1:18084 ssl;" in conf and f"ssl_certificate {tls.cert};" in conf
    (tmp_path / "nginx.conf").write_text(conf)
    nginx = bench.find_nginx()
    assert nginx is not None
    check = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        timeout=10,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr.decode(errors="replace")
