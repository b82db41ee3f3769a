"""aria2's RPC driven by clients nobody here wrote (aria2p's library and command line, the npm
`aria2` client), first against a real `aria2c --enable-rpc`, then against `tether service
--aria2-rpc`: the same test passing on both says Tether behaves as aria2 does, field by field
where clients care (status strings, numbers as strings, error codes)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aria2p
import pytest
import requests

from tests.aria2_helpers import ROOT, RpcServer, poll, running, tether_env
from tests.engine_helpers import KIB, MIB, payload
from tests.support.faultserver import FaultServer

KINDS = ["aria2c", "tether"]
NODE_DIR = ROOT / "tests" / "aria2js"
NUMERIC = (
    "totalLength",
    "completedLength",
    "uploadLength",
    "downloadSpeed",
    "uploadSpeed",
    "connections",
    "pieceLength",
    "numPieces",
)


@pytest.fixture(params=KINDS)
def rpc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RpcServer]:
    with running(request.param, tmp_path) as server:
        yield server


@pytest.fixture
def files() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def api_for(server: RpcServer) -> aria2p.API:
    client = aria2p.Client(host="http://127.0.0.1", port=server.port, secret=server.secret)
    return aria2p.API(client)


def raw_status(server: RpcServer, gid: str) -> dict[str, Any]:
    status: dict[str, Any] = server.result("aria2.tellStatus", gid)
    return status


def check_shape(status: dict[str, Any]) -> None:
    """What every aria2 client relies on: a 16-hex GID and decimal strings for numbers."""
    assert re.fullmatch(r"[0-9a-f]{16}", status["gid"])
    for key in NUMERIC:
        assert isinstance(status[key], str) and status[key].isdigit(), (key, status[key])
    assert status["status"] in {"active", "waiting", "paused", "error", "complete", "removed"}
    (file,) = status["files"]
    assert file["index"] == "1" and file["selected"] == "true"
    assert {u["status"] for u in file["uris"]} <= {"used", "waiting"}


def test_aria2p_whole_life(rpc: RpcServer, files: FaultServer) -> None:
    data = payload(2 * MIB, seed=13)
    files.add_file("/life.bin", data, rate=384 * KIB)  # slow enough to pause mid-way
    api = api_for(rpc)
    options = {"dir": str(rpc.dir), "pause": "true", "split": "2", "max-connection-per-server": "2"}
    download = api.add_uris([files.url("/life.bin")], options=options)
    gid = download.gid
    first = raw_status(rpc, gid)
    check_shape(first)
    assert first["status"] == "paused"
    assert (first["totalLength"], first["completedLength"], first["connections"]) == ("0",) * 3
    assert "errorCode" not in first
    uris = rpc.result("aria2.getUris", gid)  # aria2 lists the URI once per split it may use
    assert uris[0] == {"uri": files.url("/life.bin"), "status": "waiting"}

    assert api.resume([download]) == [True]
    running_now = poll(
        lambda: raw_status(rpc, gid),
        lambda s: s["status"] == "active" and int(s["completedLength"]) > 0,
        "the download to run",
    )
    check_shape(running_now)
    assert running_now["totalLength"] == str(len(data))
    servers = rpc.result("aria2.getServers", gid)
    assert servers[0]["index"] == "1" and servers[0]["servers"][0]["uri"] == files.url("/life.bin")
    assert [s["gid"] for s in rpc.result("aria2.tellActive", ["gid"])] == [gid]

    assert api.pause([download]) == [True]
    paused = poll(lambda: raw_status(rpc, gid), lambda s: s["status"] == "paused", "pause")
    assert 0 < int(paused["completedLength"]) < len(data)
    waiting = rpc.result("aria2.tellWaiting", 0, 10, ["gid", "status"])
    assert waiting == [{"gid": gid, "status": "paused"}]

    api.resume([download])
    done = poll(lambda: raw_status(rpc, gid), lambda s: s["status"] == "complete", "completion")
    check_shape(done)
    path = rpc.dir / "life.bin"
    assert path.read_bytes() == data  # every byte, exactly
    assert (done["errorCode"], done["errorMessage"]) == ("0", "")
    assert done["totalLength"] == done["completedLength"] == str(len(data))
    assert done["bitfield"] == "c0"  # two 1 MiB pieces, both done, high bits first
    assert done["files"][0]["path"] == str(path)
    download.update()
    assert download.is_complete and download.total_length == len(data)

    missing = api.add_uris([files.url("/missing.bin")], options={"dir": str(rpc.dir)})
    failed = poll(lambda: raw_status(rpc, missing.gid), lambda s: s["status"] == "error", "error")
    assert failed["errorCode"] == "3"  # aria2: resource not found
    assert failed["errorMessage"]
    stopped = rpc.result("aria2.tellStopped", 0, 10, ["gid"])
    assert {s["gid"] for s in stopped} == {gid, missing.gid}
    stat = rpc.result("aria2.getGlobalStat")
    assert (stat["numActive"], stat["numWaiting"], stat["numStopped"]) == ("0", "0", "2")

    assert api.remove([download]) == [True]  # a finished one: its result goes
    assert api.purge() is True
    assert rpc.result("aria2.tellStopped", 0, 10) == []
    assert path.read_bytes() == data  # removing a result never touches the file
    gone = rpc.call("aria2.tellStatus", gid)
    assert gone["error"] == {"code": 1, "message": f"GID {gid} is not found"}


def test_aria2_errors_match(rpc: RpcServer, files: FaultServer) -> None:
    """Wrong or missing secret, unknown GID, unknown method, a torrent, a bad command."""
    for token in ("wrong", ""):
        reply = rpc.call("aria2.getGlobalStat", token=token)
        assert reply["error"] == {"code": 1, "message": "Unauthorized"}
    reply = rpc.call("aria2.getVersion", plain=True)
    assert reply["error"]["code"] == 1 and reply["error"]["message"] == "Unauthorized"
    assert rpc.call("aria2.tellStatus", "00000000000000ff")["error"]["code"] == 1
    assert rpc.call("aria2.noSuchThing")["error"]["code"] == 1
    assert rpc.call("aria2.addTorrent", "AAAA")["error"]["code"] == 1  # never a crash
    parse = requests.post(rpc.url, data=b"{not json", timeout=10).json()
    assert parse["error"]["code"] == -32700 and parse["id"] is None
    files.add_file("/p.bin", payload(64 * KIB))
    gid = rpc.result("aria2.addUri", [files.url("/p.bin")], {"dir": str(rpc.dir), "pause": "true"})
    cannot = rpc.call("aria2.pause", gid)  # already paused
    assert cannot["error"] == {"code": 1, "message": f"GID#{gid} cannot be paused now"}
    multi = rpc.result(
        "system.multicall",
        [
            {"methodName": "aria2.getUris", "params": [f"token:{rpc.secret}", gid]},
            {"methodName": "aria2.getUris", "params": ["token:bad", gid]},
        ],
        plain=True,
    )
    assert multi[0] == [[{"uri": files.url("/p.bin"), "status": "waiting"}]]
    assert multi[1] == {"code": 1, "message": "Unauthorized"}
    methods = rpc.result("system.listMethods", plain=True)
    assert {"aria2.addUri", "aria2.tellStatus", "system.multicall"} <= set(methods)
    notes = rpc.result("system.listNotifications", plain=True)
    assert "aria2.onDownloadComplete" in notes
    order = rpc.result("aria2.changePosition", gid, 0, "POS_SET")
    assert order == 0
    assert rpc.result("aria2.getSessionInfo")["sessionId"]
    assert rpc.result("aria2.getVersion")["version"]


def test_aria2p_command_line(rpc: RpcServer, files: FaultServer) -> None:
    if shutil.which("aria2p") is None:
        pytest.skip("the aria2p command is not installed (pip install aria2p)")
    data = payload(300 * KIB, seed=5)
    files.add_file("/cli.bin", data)
    base = ["aria2p", "-H", "http://127.0.0.1", "-p", str(rpc.port), "-s", rpc.secret]
    added = subprocess.run(
        [*base, "add", files.url("/cli.bin"), "-o", f"dir={rpc.dir}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    gid = re.search(r"[0-9a-f]{16}", added.stdout)
    assert gid is not None, added.stdout
    poll(lambda: raw_status(rpc, gid.group(0)), lambda s: s["status"] == "complete", "cli add")
    assert (rpc.dir / "cli.bin").read_bytes() == data
    shown = subprocess.run([*base, "show"], capture_output=True, text=True, timeout=60, check=False)
    assert shown.returncode == 0, shown.stderr
    assert gid.group(0) in shown.stdout and "complete" in shown.stdout


def test_npm_aria2_client(rpc: RpcServer, files: FaultServer) -> None:
    """The npm `aria2` package: add over its WebSocket, wait for onDownloadComplete."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "aria2").is_dir():
        pytest.skip("the npm aria2 client is not installed (.ci/run: npm install in tests/aria2js)")
    data = payload(512 * KIB, seed=7)
    files.add_file("/npm.bin", data)
    proc = subprocess.run(
        [node, str(NODE_DIR / "add_and_wait.js"), str(rpc.port), rpc.secret],
        input=json.dumps({"url": files.url("/npm.bin"), "dir": str(rpc.dir)}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=tether_env(),
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["notified"] == out["gid"]
    assert out["status"]["status"] == "complete"
    assert out["status"]["completedLength"] == str(len(data))
    assert (rpc.dir / "npm.bin").read_bytes() == data
