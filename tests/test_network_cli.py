"""`tether get/add --all-proxy`, `--no-proxy`, `--header`, `--user-agent` with the real process:
the download goes through an authenticating proxy, the proxy's password and secret header values
never land in the data folder (raw bytes of every file, logs included) nor in the output, and a
proxy kept by `add` lives with the secrets (a keyring here), not in the settings table."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest

from tests.engine_helpers import payload
from tests.support.faultserver import FaultServer
from tests.support.proxies import Socks5Server, Tinyproxy
from tests.trust_helpers import db_path, run_tether

USER = "proxyuser"
PASSWORD = "pl4nted-Pr0xyPass"
TOKEN = "pl4nted-Bearer-T0ken"
NEEDLES = (
    PASSWORD.encode(),
    TOKEN.encode(),
    base64.b64encode(f"{USER}:{PASSWORD}".encode()),
)


@pytest.fixture(autouse=True)
def _store_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_KEYRING", "0")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def _leaks(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            raw = path.read_bytes()
            found += [f"{path.name}: {n.decode()}" for n in NEEDLES if n in raw]
    return found


@pytest.mark.skipif(not Tinyproxy.available(), reason="tinyproxy not installed")
def test_get_through_an_authenticating_proxy_leaves_no_secret(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(400 * 1024)
    server.add_file("/f.bin", data)
    folder = tmp_path / "data"
    with Tinyproxy(tmp_path / "tp", auth=(USER, PASSWORD)) as tp:
        proxy = f"http://{USER}:{PASSWORD}@127.0.0.1:{tp.port}"
        for run in (1, 2):  # twice: the second run is a fresh download of a new name
            out = tmp_path / f"o{run}"
            r = run_tether(
                "get",
                server.url("/f.bin"),
                "-o",
                str(out),
                "--all-proxy",
                proxy,
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--user-agent",
                "TestAgent/7",
                data=folder,
            )
            assert r.returncode == 0, r.stderr
            assert (out / "f.bin").read_bytes() == data
            assert PASSWORD not in r.stdout + r.stderr and TOKEN not in r.stdout + r.stderr
        bad = proxy.replace(PASSWORD, "wrong")
        r = run_tether(
            "get", "https://127.0.0.1:1/x.bin", "--all-proxy", bad, "--retry-for", "1", data=folder
        )
        assert r.returncode == 1
        assert f"the proxy 127.0.0.1:{tp.port} refused the login" in r.stderr
        assert "wrong" not in r.stderr
    seen = server.requests_for("/f.bin")
    assert seen and all("tinyproxy" in q.headers.get("Via", "") for q in seen)
    assert all(q.headers.get("User-Agent") == "TestAgent/7" for q in seen)
    assert all(q.headers.get("Authorization") == f"Bearer {TOKEN}" for q in seen)
    assert _leaks(folder) == []
    r = run_tether("list", "--json", data=folder)
    assert PASSWORD not in r.stdout and TOKEN not in r.stdout


def test_no_proxy_on_the_command_line(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/n.bin", payload(1000))
    with Socks5Server() as socks:
        r = run_tether(
            "get",
            server.url("/n.bin"),
            "-o",
            str(tmp_path / "o"),
            "--all-proxy",
            f"socks5://127.0.0.1:{socks.port}",
            "--no-proxy",
            "127.0.0.1",
            data=tmp_path / "data",
        )
        assert r.returncode == 0, r.stderr
        assert socks.targets == []
        r = run_tether(
            "get",
            server.url("/n.bin"),
            "-o",
            str(tmp_path / "o2"),
            "--all-proxy",
            f"socks5://127.0.0.1:{socks.port}",
            data=tmp_path / "data",
        )
        assert r.returncode == 0, r.stderr
        assert set(socks.targets) == {("127.0.0.1", server.port)}


@pytest.mark.parametrize("value", ["NoColonHere", "ftp://h:1"])
def test_bad_network_arguments_exit_2_without_echoing(tmp_path: Path, value: str) -> None:
    flag = "--header" if ":" not in value else "--all-proxy"
    r = run_tether("get", "http://127.0.0.1:1/f", flag, value, data=tmp_path / "data")
    assert r.returncode == 2
    assert value not in r.stderr


def test_add_keeps_the_proxy_with_the_secrets(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring_file = tmp_path / "keyring.json"
    monkeypatch.delenv("TETHER_KEYRING")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.filekeyring.FileKeyring")
    monkeypatch.setenv("TETHER_TEST_KEYRING", str(keyring_file))
    server.add_file("/k.bin", payload(1000))
    folder = tmp_path / "data"
    with Socks5Server(auth=(USER, PASSWORD)) as socks:
        proxy = f"socks5://{USER}:{PASSWORD}@127.0.0.1:{socks.port}"
        r = run_tether(
            "add",
            server.url("/k.bin"),
            "-o",
            str(tmp_path / "o"),
            "--all-proxy",
            proxy,
            data=folder,
        )
        assert r.returncode == 0, r.stderr
        assert PASSWORD in keyring_file.read_text()
        assert _leaks(folder) == []
        conn = sqlite3.connect(db_path(folder))
        try:
            settings = dict(conn.execute("SELECT key, value FROM settings").fetchall())
        finally:
            conn.close()
        assert settings["proxy_mode"] == '"socks5"'
        assert USER not in str(settings) and PASSWORD not in str(settings)
        r = run_tether("resume", data=folder)  # the kept proxy, login from the keyring
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "o" / "k.bin").exists()
        assert set(socks.targets) == {("127.0.0.1", server.port)} and socks.refused_logins == 0
    assert _leaks(folder) == []
