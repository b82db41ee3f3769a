"""Kill, restart and change real servers mid-download (nginx, and uvicorn + Starlette).

Each case gets its own server (`fresh_server`) serving big.bin (64 MiB) under /slow/, throttled
to 2 MiB/s per response so a download with 8 connections takes a few seconds and can be cut
in the middle. Progress is read from Tether's database (its checkpoints), never guessed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from tests.zoo.conftest import (
    BIG_SIZE,
    MIB,
    Folder,
    Tether,
    Tls,
    assert_exact,
    content,
    env_for,
    outage,
)
from tests.zoo.servers import WebServer

# restart/kill cases: nginx over both schemes, and the Python server
HEAVY = ["nginx-http", "nginx-https", "uvicorn-http"]
PATH = "/slow/big.bin"

MakeServer = Callable[..., tuple[WebServer, Folder]]


@pytest.mark.parametrize("where", HEAVY)
def test_kill9_then_the_same_get_resumes(
    where: str, fresh_server: MakeServer, zoo_tls: Tls, tether: Tether
) -> None:
    kind, scheme = where.split("-")
    server, folder = fresh_server(kind)
    url = server.base(scheme) + PATH
    env = env_for(scheme, zoo_tls)
    proc = tether.spawn(url, 8, env)
    tether.wait_done_at_least(proc, 32 * MIB)
    tether.kill9(proc)
    job = tether.job()
    assert job is not None and job.state != "completed"
    kept = job.done  # what the database says survived the kill
    assert kept >= 32 * MIB

    resumed_at = time.time()
    r = tether.get(url, 8, env)
    assert r.returncode == 0, r.stderr
    assert_exact(tether, folder)
    assert len(tether.job_rows()) == 1  # the same job, not a new one
    # Much less than the whole file went out again: the resume asked for what was missing.
    # (Not exactly that: a connection cut by work stealing still has a few MiB in flight, which
    # the server counts as sent.)
    refetched = server.bytes_served(PATH, since=resumed_at)
    assert 0 < refetched <= 0.75 * BIG_SIZE, (refetched, kept)


@pytest.mark.parametrize("where", HEAVY)
def test_server_restart_mid_download_finishes_without_a_rerun(
    where: str, fresh_server: MakeServer, zoo_tls: Tls, tether: Tether
) -> None:
    kind, scheme = where.split("-")
    server, folder = fresh_server(kind)
    url = server.base(scheme) + PATH
    proc = tether.spawn(url, 8, env_for(scheme, zoo_tls))
    tether.wait_done_at_least(proc, 24 * MIB)
    back = outage(server, proc, 3)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    assert_exact(tether, folder)
    # resumed where the connections broke, not started over: at most 40 MiB were missing
    # (plus what cut connections had in flight); starting over would be all 64
    assert server.bytes_served(PATH, since=back) <= 0.85 * BIG_SIZE


@pytest.mark.parametrize("new_size", ["same-size", "other-size"])
@pytest.mark.parametrize("where", HEAVY)
def test_file_replaced_between_kill_and_resume_gives_the_new_file(
    where: str, new_size: str, fresh_server: MakeServer, zoo_tls: Tls, tether: Tether
) -> None:
    kind, scheme = where.split("-")
    server, folder = fresh_server(kind, 4 * MIB)
    url = server.base(scheme) + PATH
    env = env_for(scheme, zoo_tls)
    proc = tether.spawn(url, 8, env)
    tether.wait_done_at_least(proc, 4 * MIB)
    tether.kill9(proc)

    old = folder.root / "big.bin"
    old_mtime = old.stat().st_mtime
    size = BIG_SIZE if new_size == "same-size" else 40 * MIB + 17
    folder.put("big.bin", content(size, 1234))
    # a different Last-Modified (and so ETag) even within the same second
    os.utime(old, (old_mtime + 60, old_mtime + 60))

    r = tether.get(url, 8, env)
    assert r.returncode == 0, r.stderr
    assert_exact(tether, folder)  # the new file exactly: never a splice of the two
