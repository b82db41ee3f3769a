"""`tether service --aria2-rpc` as a process: the refusal beyond loopback, CORS, JSONP, the
body cap, a flood that cannot starve a download, options, the secret kept out of logs and
listings, the stored options turning it on, aria2.shutdown."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from app.options import Options, load_options, save_options
from app.paths import database_path
from app.service.client import connect
from app.store import JobStore
from tests.aria2_helpers import (
    ROOT,
    SECRET,
    RpcServer,
    free_port,
    poll,
    running,
    tether_env,
    wait_until,
)
from tests.engine_helpers import KIB, MIB, payload
from tests.support.faultserver import FaultServer


@pytest.fixture
def rpc(tmp_path: Path) -> Iterator[RpcServer]:
    with running("tether", tmp_path) as server:
        yield server


@pytest.fixture
def files() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def service(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "service", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=tether_env(),
        cwd=ROOT,
        check=False,
    )


def test_beyond_loopback_without_a_secret_is_refused(tmp_path: Path) -> None:
    port = free_port()
    r = service(tmp_path / "d", "--aria2-rpc", f"0.0.0.0:{port}")
    assert r.returncode == 2
    lines = [x for x in r.stderr.splitlines() if x.startswith("tether:")]
    assert len(lines) == 1 and "secret" in lines[0], r.stderr
    bad = service(tmp_path / "d", "--aria2-rpc", "nowhere:port")
    assert bad.returncode == 2 and "[HOST:]PORT" in bad.stderr


def test_a_port_in_use_ends_the_service_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = service(tmp_path / "d", "--aria2-rpc", str(port))
    assert r.returncode == 1
    assert f"tether: cannot serve aria2's RPC on 127.0.0.1:{port}" in r.stderr


def test_cors_jsonp_and_body_cap(rpc: RpcServer) -> None:
    pre = requests.options(
        rpc.url,
        headers={"Origin": "http://ariang.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    body = {"jsonrpc": "2.0", "id": 1, "method": "aria2.getVersion", "params": [f"token:{SECRET}"]}
    post = requests.post(rpc.url, json=body, headers={"Origin": "http://x"}, timeout=10)
    assert post.headers["Access-Control-Allow-Origin"] == "*"
    params = base64.b64encode(json.dumps([f"token:{SECRET}"]).encode()).decode()
    query = {"method": "aria2.getVersion", "id": "7", "params": params, "jsoncallback": "cb"}
    jsonp = requests.get(rpc.url, params=query, timeout=10)
    assert jsonp.headers["Content-Type"].startswith("text/javascript")
    assert jsonp.text.startswith("cb(") and jsonp.text.endswith(")")
    assert json.loads(jsonp.text[3:-1])["result"]["version"]
    huge = requests.post(rpc.url, data=b"[" + b" " * (3 << 20) + b"]", timeout=30)
    assert huge.status_code == 413
    assert rpc.result("aria2.getGlobalStat")["numActive"] == "0"  # still serving


def test_a_flood_cannot_starve_a_download(rpc: RpcServer, files: FaultServer) -> None:
    data = payload(6 * MIB, seed=21)
    files.add_file("/flood.bin", data)
    gid = rpc.result("aria2.addUri", [files.url("/flood.bin")], {"dir": str(rpc.dir)})
    stop = threading.Event()
    answered = [0]

    def hammer() -> None:
        with requests.Session() as s:
            body = {"jsonrpc": "2.0", "id": 1, "method": "aria2.tellActive"}
            body["params"] = [f"token:{SECRET}"]
            while not stop.is_set():
                if s.post(rpc.url, json=body, timeout=30).ok:
                    answered[0] += 1

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        poll(
            lambda: rpc.result("aria2.tellStatus", gid, ["status"]),
            lambda s: s["status"] == "complete",
            "the download under a flood",
        )
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert answered[0] > 0
    assert (rpc.dir / "flood.bin").read_bytes() == data


def test_options_position_and_uri(rpc: RpcServer, files: FaultServer) -> None:
    files.add_file("/a.bin", payload(64 * KIB))
    files.add_file("/b.bin", payload(64 * KIB, seed=2))
    held = {"dir": str(rpc.dir), "pause": "true"}
    a = rpc.result("aria2.addUri", [files.url("/a.bin")], {**held, "split": "3", "out": "x.bin"})
    b = rpc.result("aria2.addUri", [files.url("/b.bin")], held)
    opts = rpc.result("aria2.getOption", a)
    assert opts["split"] == "3" and opts["out"] == "x.bin" and opts["dir"] == str(rpc.dir)
    assert rpc.result("aria2.changeOption", a, {"max-download-limit": "100K", "split": "2"}) == "OK"
    opts = rpc.result("aria2.getOption", a)
    assert opts["max-download-limit"] == str(100 * KIB) and opts["split"] == "2"
    assert rpc.result("aria2.changePosition", b, 0, "POS_SET") == 0
    assert [s["gid"] for s in rpc.result("aria2.tellWaiting", 0, 10, ["gid"])] == [b, a]
    assert rpc.result("aria2.changePosition", b, 1, "POS_CUR") == 1
    assert [s["gid"] for s in rpc.result("aria2.tellWaiting", -1, 10, ["gid"])] == [b, a]
    new = files.url("/a.bin") + "?fresh=1"
    assert rpc.result("aria2.changeUri", a, 1, [files.url("/a.bin")], [new]) == [1, 1]
    assert rpc.result("aria2.getUris", a)[0]["uri"] == new
    changed = {"max-overall-download-limit": "2M", "max-concurrent-downloads": "2", "split": "4"}
    assert rpc.result("aria2.changeGlobalOption", changed) == "OK"
    glob = rpc.result("aria2.getGlobalOption")
    assert glob["max-overall-download-limit"] == str(2 * MIB)
    assert glob["max-concurrent-downloads"] == "2" and glob["split"] == "4"
    bad = rpc.call("aria2.changeGlobalOption", {"max-concurrent-downloads": "zero"})
    assert bad["error"]["code"] == 1
    assert rpc.result("aria2.saveSession") == "OK"


def test_secret_is_never_logged_or_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_KEYRING", "0")  # the private database, as the service's env
    data = tmp_path / "data"
    store = JobStore.open(database_path(data))
    port = free_port()
    opts = Options(aria2_rpc=True, aria2_rpc_port=port, aria2_rpc_secret="from-settings-42")
    save_options(store, opts)
    assert load_options(store).aria2_rpc_secret == "from-settings-42"
    store.close()
    log = tmp_path / "svc.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--data-dir", str(data), "service"],
            stdout=out,
            stderr=out,
            env=tether_env(),
            cwd=ROOT,
        )
    try:
        server = RpcServer("tether", port, "from-settings-42", tmp_path, proc, log)
        wait_until(lambda: _answers(server), 30, "the stored options to turn it on")
        assert server.call("aria2.getGlobalStat", token="wrong-guess")["error"]["code"] == 1
        client = connect(data)
        assert client is not None
        with client:
            listed = client.call("settings.get")
        assert listed["values"]["aria2_rpc_secret"] is None  # a secret: never read back
        assert listed["secrets_set"]["aria2_rpc_secret"] is True
        assert server.result("aria2.shutdown") == "OK"
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    logged = log.read_text(errors="replace")
    for path in [log, *data.rglob("*.log"), *data.rglob("*.out")]:
        assert "from-settings-42" not in path.read_text(errors="replace"), path
    assert "wrong-guess" not in logged


def _answers(server: RpcServer) -> bool:
    try:
        return "result" in server.call("aria2.getVersion")
    except requests.RequestException:
        return False


def test_header_referer_and_user_agent_reach_the_server(rpc: RpcServer, files: FaultServer) -> None:
    """addUri's `header`, `referer` and `user-agent` are the job's request context: a file
    served only with them downloads, twice (one header as a string, then as a list)."""
    need = {"X-Token": "abc123", "Referer": "https://example.com/page", "User-Agent": "aria2/1.36"}
    for i, header in enumerate(["X-Token: abc123", ["X-Token: abc123", "X-Other: 1"]]):
        files.add_file(f"/h{i}.bin", payload(64 * KIB, seed=i), require_headers=need)
        gid = rpc.result(
            "aria2.addUri",
            [files.url(f"/h{i}.bin")],
            {
                "dir": str(rpc.dir),
                "header": header,
                "referer": need["Referer"],
                "user-agent": need["User-Agent"],
            },
        )
        wait_until(
            lambda gid=gid: (
                rpc.result("aria2.tellStatus", gid, ["status"])["status"] in ("complete", "error")
            ),
            30,
            "the download to end",
        )
        status = rpc.result("aria2.tellStatus", gid, ["status", "errorMessage"])
        assert status["status"] == "complete", status
        assert (rpc.dir / f"h{i}.bin").read_bytes() == payload(64 * KIB, seed=i)
    bad = rpc.call("aria2.addUri", [files.url("/h0.bin")], {"header": "no colon"})
    assert bad["error"]["code"] == 1 and "header" in bad["error"]["message"]
