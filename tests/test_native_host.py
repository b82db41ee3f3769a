"""The native messaging host: its framing (fuzzed), the manifest paths per OS and browser, the
caller check, and `tether native-host` relaying a browser's download to a real service."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.browser import framing
from app.browser.host import Host, HostError, add_params
from app.browser.install import install, status, uninstall
from app.browser.manifests import (
    ALLOWED_ORIGINS,
    BROWSERS,
    CHROMIUM_EXTENSION_ID,
    GECKO_EXTENSION_ID,
    caller_allowed,
    launcher_text,
    manifest,
    targets,
)
from tests.engine_helpers import payload
from tests.support.faultserver import FaultServer
from tests.test_service_e2e import ROOT, Processes, env, rows, tether, wait_until

ORIGIN = f"chrome-extension://{CHROMIUM_EXTENSION_ID}/"


def frame(obj: Any) -> bytes:
    body = json.dumps(obj).encode()
    return struct.pack("=I", len(body)) + body


# ---------------------------------------------------------------------------- framing
@given(st.dictionaries(st.text(max_size=20), st.text(max_size=200) | st.integers(), max_size=10))
def test_a_message_round_trips(message: dict[str, Any]) -> None:
    assert framing.read_message(io.BytesIO(framing.encode(message))) == message


@given(st.binary(max_size=300))
def test_any_bytes_give_a_message_none_or_a_framing_error(data: bytes) -> None:
    stream = io.BytesIO(data)
    try:
        while framing.read_message(stream, limit=1000) is not None:
            pass
    except framing.FramingError:
        pass


@given(st.dictionaries(st.text(max_size=5), st.integers(), min_size=1, max_size=5), st.data())
def test_a_truncated_message_is_a_framing_error(
    message: dict[str, Any], data: st.DataObject
) -> None:
    raw = framing.encode(message)
    cut = data.draw(st.integers(min_value=1, max_value=len(raw) - 1))
    with pytest.raises(framing.FramingError):
        framing.read_message(io.BytesIO(raw[:cut]))


def test_oversized_and_non_json_messages() -> None:
    with pytest.raises(framing.FramingError, match="over"):
        framing.read_message(io.BytesIO(struct.pack("=I", 64 * 1024 * 1024) + b"{}"))
    for body in (b"[1]", b"NaN", b"\xff\xfe", b'{"a": Infinity}', b"[" * 100000):
        with pytest.raises(framing.FramingError):
            framing.read_message(io.BytesIO(struct.pack("=I", len(body)) + body))
    with pytest.raises(framing.FramingError, match="1 MB"):
        framing.encode({"x": "a" * (1024 * 1024)})
    assert framing.read_message(io.BytesIO(b"")) is None


# ---------------------------------------------------------------------------- manifests
def test_linux_paths_for_every_browser_and_flatpak() -> None:
    found = {(t.browser, t.flatpak): t.manifest for t in targets("linux", "/home/u", {})}
    name = "org.tether.native.json"
    assert found[("chrome", None)] == PurePosixPath(
        f"/home/u/.config/google-chrome/NativeMessagingHosts/{name}"
    )
    assert found[("chromium", None)] == PurePosixPath(
        f"/home/u/.config/chromium/NativeMessagingHosts/{name}"
    )
    assert found[("edge", None)] == PurePosixPath(
        f"/home/u/.config/microsoft-edge/NativeMessagingHosts/{name}"
    )
    assert found[("brave", None)] == PurePosixPath(
        f"/home/u/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts/{name}"
    )
    assert found[("vivaldi", None)] == PurePosixPath(
        f"/home/u/.config/vivaldi/NativeMessagingHosts/{name}"
    )
    assert found[("firefox", None)] == PurePosixPath(
        f"/home/u/.mozilla/native-messaging-hosts/{name}"
    )
    assert found[("firefox", "org.mozilla.firefox")] == PurePosixPath(
        f"/home/u/.var/app/org.mozilla.firefox/.mozilla/native-messaging-hosts/{name}"
    )
    assert found[("chromium", "org.chromium.Chromium")] == PurePosixPath(
        f"/home/u/.var/app/org.chromium.Chromium/config/chromium/NativeMessagingHosts/{name}"
    )
    xdg = targets("linux", "/home/u", {"XDG_CONFIG_HOME": "/cfg"}, ["chromium"])[0]
    assert xdg.manifest == PurePosixPath(f"/cfg/chromium/NativeMessagingHosts/{name}")
    assert len(found) == 2 * len(BROWSERS)


def test_macos_and_windows_paths() -> None:
    mac = {t.browser: t.manifest for t in targets("darwin", "/Users/u", {})}
    base = "/Users/u/Library/Application Support"
    assert mac["chrome"] == PurePosixPath(
        f"{base}/Google/Chrome/NativeMessagingHosts/org.tether.native.json"
    )
    assert mac["firefox"] == PurePosixPath(
        f"{base}/Mozilla/NativeMessagingHosts/org.tether.native.json"
    )
    assert mac["edge"] == PurePosixPath(
        f"{base}/Microsoft Edge/NativeMessagingHosts/org.tether.native.json"
    )
    win = {t.browser: t for t in targets("win32", r"C:\Users\u", {"LOCALAPPDATA": r"C:\L"})}
    assert (
        win["chrome"].registry_key
        == r"HKEY_CURRENT_USER\Software\Google\Chrome\NativeMessagingHosts\org.tether.native"
    )
    assert (
        win["firefox"].registry_key
        == r"HKEY_CURRENT_USER\Software\Mozilla\NativeMessagingHosts\org.tether.native"
    )
    assert (
        win["edge"].registry_key
        == r"HKEY_CURRENT_USER\Software\Microsoft\Edge\NativeMessagingHosts\org.tether.native"
    )
    assert win["chrome"].manifest == PureWindowsPath(
        r"C:\L\Tether\NativeMessagingHosts\chrome\org.tether.native.json"
    )


def test_manifests_allow_only_our_extension() -> None:
    chrome, firefox = targets("linux", "/h", {}, ["chrome", "firefox"])[::2]
    assert manifest(chrome, "/x/host")["allowed_origins"] == [ORIGIN]
    assert "allowed_extensions" not in manifest(chrome, "/x/host")
    assert manifest(firefox, "/x/host")["allowed_extensions"] == [GECKO_EXTENSION_ID]
    assert caller_allowed([ORIGIN])
    assert caller_allowed([ORIGIN, "--parent-window=0"])
    assert caller_allowed(
        ["/h/.mozilla/native-messaging-hosts/org.tether.native.json", GECKO_EXTENSION_ID]
    )
    assert not caller_allowed(["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"])
    assert not caller_allowed(["/m.json", "evil@example.com"])
    assert not caller_allowed([])
    assert ORIGIN in ALLOWED_ORIGINS
    sh = launcher_text("linux", ["/usr/bin/python3", "-m", "app", "--data-dir", "/d d"], "/src")
    assert sh.startswith("#!/bin/sh") and "'/d d' native-host \"$@\"" in sh
    assert "native-host %*" in launcher_text("win32", ["C:\\p.exe"], None)


def test_the_extension_key_gives_the_id_the_manifests_allow() -> None:
    import base64
    import hashlib

    key = json.loads((ROOT / "resources" / "browser" / "manifest.json").read_text())["key"]
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    assert "".join(chr(ord("a") + int(c, 16)) for c in digest) == CHROMIUM_EXTENSION_ID


def test_install_status_uninstall_in_a_home(tmp_path: Path) -> None:
    home, data = tmp_path / "home", tmp_path / "data"
    (home / ".config" / "chromium").mkdir(parents=True)
    (home / ".var" / "app" / "org.mozilla.firefox").mkdir(parents=True)
    lines = install(data, "all", system="linux", home=str(home), env={})
    assert [line.split(":")[0] for line in lines] == [
        "host",
        "chromium",
        "firefox (flatpak org.mozilla.firefox)",
    ]
    written = home / ".config/chromium/NativeMessagingHosts/org.tether.native.json"
    host_path = Path(json.loads(written.read_text())["path"])
    assert host_path.exists() and host_path.stat().st_mode & 0o111
    said = status(system="linux", home=str(home), env={})
    assert any(s.startswith("chromium: installed") for s in said)
    assert any(s.startswith("chrome: not installed") for s in said)
    install(data, "edge", system="linux", home=str(home), env={})  # named: installed anyway
    assert (home / ".config/microsoft-edge/NativeMessagingHosts/org.tether.native.json").exists()
    removed = uninstall(data, "all", system="linux", home=str(home), env={})
    assert len(removed) == 3 and not written.exists() and not host_path.exists()


# ---------------------------------------------------------------------------- relay
def test_add_params_build_the_context_and_keep_only_a_base_name() -> None:
    got = add_params(
        {
            "url": "http://h/f",
            "file_name": "C:\\x\\..\\f.iso",
            "cookies": "a=b",
            "referrer": "http://h/",
            "user_agent": "UA",
        }
    )
    assert got["file_name"] == "f.iso"
    assert got["context"] == {"cookies": "a=b", "referrer": "http://h/", "user_agent": "UA"}
    assert "context" not in add_params({"url": "http://h/f"})
    for bad in ({}, {"url": 5}, {"url": "http://h/", "headers": []}):
        with pytest.raises(HostError):
            add_params(bad)


def test_without_a_service_the_host_says_so_and_never_starts_one_for_a_list() -> None:
    asked: list[bool] = []

    def connect(_data: Path, start: bool) -> None:
        asked.append(start)

    host = Host(Path("/nowhere"), connect)
    assert host.handle({"id": 1, "method": "list"})["error"]["name"] == "not_running"
    assert (
        host.handle({"id": 2, "method": "add", "params": {"url": "http://h/"}})["error"]["name"]
        == "not_running"
    )
    assert host.handle({"id": 3, "method": "status"})["result"]["running"] is False
    assert host.handle({"id": 4, "method": "shell"})["error"]["name"] == "method_not_found"
    assert host.handle({"id": 5, "method": "add", "params": []})["error"]["name"] == "bad_request"
    assert asked == [False, True, False]


@pytest.fixture
def procs() -> Iterator[Processes]:
    started = Processes()
    try:
        yield started
    finally:
        started.cleanup()


def test_native_host_hands_a_download_to_the_service_it_starts(
    server: FaultServer, procs: Processes, tmp_path: Path
) -> None:
    secret = "br0wserC00kie"
    data_dir = (tmp_path / "data").resolve()
    procs.data_dirs.append(data_dir)  # the on-demand service is killed at teardown
    out = tmp_path / "o"
    out.mkdir()
    content = payload(300 * 1024)
    server.add_file("/f.bin", content, require_headers={"Cookie": f"s={secret}"})
    requests_in = [
        {"id": 1, "method": "status"},
        {
            "id": 2,
            "method": "add",
            "params": {
                "url": server.url("/f.bin"),
                "cookies": f"s={secret}",
                "dir": str(out),
                "file_name": "got.bin",
            },
        },
    ]
    host = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "native-host", ORIGIN],
        input=b"".join(frame(m) for m in requests_in),
        capture_output=True,
        env=env(),
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert host.returncode == 0, host.stderr
    stream = io.BytesIO(host.stdout)
    answers = [framing.read_message(stream), framing.read_message(stream)]
    assert answers[0] is not None and answers[0]["result"]["running"] is False
    assert answers[1] is not None and answers[1]["result"]["job"]["id"] == 1, answers[1]
    wait_until(lambda: rows(data_dir)[0]["state"] == "completed", 30, "the job")
    assert (out / "got.bin").read_bytes() == content
    assert secret not in host.stderr.decode() + json.dumps(answers)
    assert tether("service", "stop", data=data_dir).returncode == 0


def test_native_host_refuses_another_extension(tmp_path: Path) -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--data-dir",
            str(tmp_path),
            "native-host",
            "chrome-extension://x/",
        ],
        input=frame({"id": 1, "method": "status"}),
        capture_output=True,
        env=env(),
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert r.returncode == 1 and r.stdout == b"" and b"not started by" in r.stderr


def test_expired_links_are_told_to_the_extension_and_refreshed() -> None:
    from app.browser.host import Watcher, expired_link

    failed = {
        "id": 3,
        "state": "failed",
        "error": "access denied (403 Forbidden) — the link may have expired",
    }
    assert expired_link(failed)
    assert expired_link({**failed, "error": "gone from the server (410)"})
    assert expired_link({**failed, "error": "the server wants a login (401 Unauthorized)"})
    assert not expired_link({**failed, "error": "not found on the server (404)"})
    assert not expired_link({**failed, "state": "paused"})
    sent: list[dict[str, Any]] = []
    watcher = Watcher(Path("/x"), lambda _d, _s: None, sent.append)
    watcher._on_event({"method": "event", "params": {"kind": "changed", "id": 3, "job": failed}})
    watcher._on_event({"method": "progress", "params": {"job": failed}})
    assert [m["event"] for m in sent] == ["link_expired"] and sent[0]["job"]["id"] == 3

    calls: list[tuple[str, dict[str, Any]]] = []

    class FakeClient:
        def call(self, method: str, **params: Any) -> Any:
            calls.append((method, params))
            return {"job": {"id": 3, "state": "queued"}}

        def close(self) -> None:
            pass

    host = Host(Path("/x"), lambda _d, _s: FakeClient())  # type: ignore[arg-type,return-value]
    answer = host.handle(
        {"id": 9, "method": "refresh", "params": {"id": 3, "url": "http://h/new", "cookies": "a=b"}}
    )
    assert answer["result"]["job"]["id"] == 3
    assert [c[0] for c in calls] == ["set_url", "set_context", "resume"]
    assert calls[1][1]["context"] == {"cookies": "a=b"}
