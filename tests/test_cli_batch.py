"""`tether get/add` with patterns, -i lists and checksums; `export`/`import`; real processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.engine_helpers import KIB, payload, sha
from tests.support.faultserver import FaultServer
from tests.test_cli import ROOT, tether


def rows(data: Path) -> list[dict[str, object]]:
    r = tether("list", "--json", data=data)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert isinstance(result, list)
    return result


def one_line_error(r: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


def test_patterns_through_get_twice(server: FaultServer, tmp_path: Path) -> None:
    files = {f"/p/f{i:02d}.bin": payload(20 * KIB, seed=i) for i in range(1, 6)}
    files.update({"/p/one.txt": b"one", "/p/two.txt": b"two"})
    for path, data in files.items():
        server.add_file(path, data)
    out = tmp_path / "out"
    r = tether("get", server.url("/p/f[01-05:2].bin"), "-o", str(out), data=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(out)) == ["f01.bin", "f03.bin", "f05.bin"]
    r = tether("get", server.url("/p/{one,two}.txt"), "-o", str(out), data=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert (out / "one.txt").read_bytes() == b"one" and (out / "two.txt").read_bytes() == b"two"
    assert len(rows(tmp_path / "d")) == 5


def test_globoff_and_bad_patterns(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/g/f[1-3].bin", b"literal")
    out = tmp_path / "out"
    r = tether("get", "--globoff", server.url("/g/f[1-3].bin"), "-o", str(out), data=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert (out / "f[1-3].bin").read_bytes() == b"literal"
    line = one_line_error(tether("get", server.url("/x[1-100000]"), data=tmp_path / "d"))
    assert "100,000" in line and "--globoff" in line
    one_line_error(tether("add", server.url("/x[9-1]"), data=tmp_path / "d"))
    assert len(rows(tmp_path / "d")) == 1  # nothing was queued by the failures


def test_input_file_with_dir_out_and_checksums(server: FaultServer, tmp_path: Path) -> None:
    a, b, c = payload(100 * KIB, seed=7), payload(50 * KIB, seed=8), payload(10 * KIB, seed=9)
    server.add_file("/i/a.bin", a)
    server.add_file("/i/b.bin", b)
    server.add_file("/i/c.bin", c)
    listing = tmp_path / "list.txt"
    listing.write_text(
        "# from aria2\n"
        f"{server.url('/i/a.bin')}\thttp://127.0.0.1:9/unused\n"
        f"  dir={tmp_path / 'A'}\n"
        "  out=renamed.bin\n"
        f"  checksum=sha-256={sha(a)}\n"
        f"{server.url('/i/b.bin')}\n"
        f"  checksum=md5={hashlib.md5(b'not b').hexdigest()}\n"
        f"{server.url('/i/c.bin')}\n"
    )
    out = tmp_path / "out"
    r = tether("get", "-i", str(listing), "-o", str(out), data=tmp_path / "d")
    assert r.returncode == 1  # b's checksum is wrong
    (line,) = r.stderr.strip().splitlines()
    assert "/i/b.bin" in line and "checksum mismatch: expected MD5" in line
    assert (tmp_path / "A" / "renamed.bin").read_bytes() == a
    assert (out / "b.bin.part").read_bytes() == b and not (out / "b.bin").exists()
    assert (out / "c.bin").read_bytes() == c
    by_url = {row["url"]: row for row in rows(tmp_path / "d")}
    assert by_url[server.url("/i/a.bin")]["verified"] == "sha256"
    assert by_url[server.url("/i/b.bin")]["state"] == "failed"
    assert by_url[server.url("/i/c.bin")]["verified"] is None

    # the same list again, from stdin: done files are skipped, the failed one is retried
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r2 = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path / "d"), "get", "-i", "-"],
        input=listing.read_text(),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=out,
        check=False,
    )
    assert r2.returncode == 1 and "checksum mismatch" in r2.stderr
    assert len(rows(tmp_path / "d")) == 3


def test_checksum_flags(server: FaultServer, tmp_path: Path) -> None:
    data = payload(30 * KIB, seed=11)
    server.add_file("/c/f.bin", data)
    good = "sha-512=" + hashlib.sha512(data).hexdigest()
    out = tmp_path / "out"
    r = tether(
        "get", server.url("/c/f.bin"), "--checksum", good, "-o", str(out), data=tmp_path / "d"
    )
    assert r.returncode == 0, r.stderr
    assert rows(tmp_path / "d")[0]["verified"] == "sha512"
    listing = tether("list", data=tmp_path / "d").stdout
    assert "(verified SHA-512)" in listing
    r = tether(
        "get", server.url("/c/f.bin"), "--sha256", sha(data), "--again", "-o", str(out),
        data=tmp_path / "d",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "unknown checksum algorithm" in one_line_error(
        tether("get", server.url("/c/f.bin"), "--checksum", "crc=00", data=tmp_path / "d")
    )
    assert "one file" in one_line_error(
        tether("add", server.url("/c/{a,b}"), "--checksum", good, data=tmp_path / "d")
    )
    one_line_error(tether("add", server.url("/c/f.bin"), "--sha256", "xyz", data=tmp_path / "d"))
    one_line_error(tether("get", "-i", str(tmp_path / "missing.txt"), data=tmp_path / "d"))


def test_auto_checksum_through_the_cli(server: FaultServer, tmp_path: Path) -> None:
    data = payload(40 * KIB, seed=12)
    server.add_file("/s/f.bin", data)
    server.add_file("/s/SHA256SUMS", f"{sha(data)}  f.bin\n".encode())
    r = tether("get", server.url("/s/f.bin"), "-o", str(tmp_path / "o1"), data=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    r = tether(
        "get", "--no-auto-checksum", server.url("/s/f.bin"), "-o", str(tmp_path / "o2"),
        data=tmp_path / "d",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    verified = sorted(str(row["verified"]) for row in rows(tmp_path / "d"))
    assert verified == ["None", "sha256"]
    assert len(server.requests_for("/s/SHA256SUMS")) == 1


def test_export_and_import_round_trip(server: FaultServer, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    digest = "ab" * 32
    listing.write_text(
        f"{server.url('/e/a.bin')}\n  dir={tmp_path / 'A'}\n  out=x.bin\n"
        f"  checksum=sha-256={digest}\n"
        f"{server.url('/e/b.bin')}\n"
    )
    r = tether("add", "-i", str(listing), "-o", str(tmp_path / "B"), data=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    for as_json in (False, True):
        exported = tmp_path / ("q.json" if as_json else "q.txt")
        args = ["export", str(exported)] + (["--json"] if as_json else [])
        assert tether(*args, data=tmp_path / "d").returncode == 0
        target = tmp_path / ("dj" if as_json else "dt")
        r = tether("import", str(exported), data=target)
        assert r.returncode == 0, r.stderr
        got = {(row["url"], os.path.dirname(str(row["path"] or "x/x"))) for row in rows(target)}
        assert (server.url("/e/a.bin"), str(tmp_path / "A")) in got
        imported = {row["url"]: row for row in rows(target)}
        assert imported[server.url("/e/a.bin")]["checksum"] == f"sha256:{digest}"
        assert imported[server.url("/e/a.bin")]["path"] == str(tmp_path / "A" / "x.bin")
        assert len(imported) == 2
    r = tether("export", data=tmp_path / "d")  # stdout, aria2's format
    assert (
        r.stdout.startswith(server.url("/e/a.bin")) and f"  checksum=sha-256={digest}" in r.stdout
    )
    one_line_error(tether("import", str(tmp_path / "nope"), data=tmp_path / "d"))
