"""Issue 17 end to end, with the real `tether` process: a planted password (in the URL) and a
planted cookie (set by the server) are searched for in the raw bytes of every file of the data
folder (database, -wal, -shm, lock, logs) after a download completes, after it fails (401, 404)
and after a SIGKILL mid-transfer. Once the job completed or is removed: nowhere. While it is
unfinished: only in the secret store (the job_secrets table here: no keyring on this box)."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest

from tests.engine_helpers import MIB, payload
from tests.support.faultserver import FaultServer
from tests.trust_helpers import db_path, run_tether, spawn_tether

USER = "alice"
PASSWORD = "pl4nted-Pa55w0rd"
COOKIE = "pl4ntedC00kieValue"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
NEEDLES = (PASSWORD.encode(), COOKIE.encode(), BASIC.split()[1].encode())


@pytest.fixture(autouse=True)
def _store_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_KEYRING", "0")  # whatever keyring the machine has


def _serve(server: FaultServer, path: str, size: int) -> bytes:
    data = payload(size)
    server.add_file(path, data, auth=BASIC, set_cookie=f"sid={COOKIE}; Path=/")
    return data


def _url(server: FaultServer, path: str, password: str = PASSWORD) -> str:
    return server.url(path).replace("://", f"://{USER}:{password}@", 1)


def _leaks(data: Path) -> list[str]:
    """Every file under the data folder whose raw bytes hold a planted secret."""
    found = []
    for path in sorted(data.rglob("*")):
        if path.is_file():
            raw = path.read_bytes()
            found += [f"{path.name}: {n.decode()}" for n in NEEDLES if n in raw]
    return found


def _where(data: Path) -> dict[str, bool]:
    """Which tables hold the password, read the way the next start would."""
    conn = sqlite3.connect(db_path(data))
    try:
        tables = {
            "jobs": "SELECT url || ' ' || coalesce(final_url, '') || ' ' || coalesce(error, '')"
            " FROM jobs",
            "job_log": "SELECT message FROM job_log",
            "settings": "SELECT key || value FROM settings",
            "job_secrets": "SELECT coalesce(value, '') FROM job_secrets",
        }
        return {
            name: any(PASSWORD in str(v) for (v,) in conn.execute(sql).fetchall())
            for name, sql in tables.items()
        }
    finally:
        conn.close()


def _logs_clean(data: Path) -> None:
    for path in (data / "logs").glob("*"):
        raw = path.read_bytes()
        assert not [n for n in NEEDLES if n in raw], f"secret in {path.name}"


def test_nothing_is_left_after_a_complete_download(server: FaultServer, tmp_path: Path) -> None:
    _serve(server, "/f.bin", 300 * 1024)
    data = tmp_path / "data"
    r = run_tether("get", _url(server, "/f.bin"), "-o", str(tmp_path / "o"), data=data)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "f.bin").exists()
    assert any(req.headers.get("Authorization") == BASIC for req in server.requests)
    assert _leaks(data) == []
    r = run_tether("list", "--json", data=data)
    assert PASSWORD not in r.stdout and "@" not in r.stdout


@pytest.mark.parametrize(("path", "status"), [("/locked", 401), ("/no", 404)])
def test_a_failed_job_keeps_the_password_only_as_its_secret(
    server: FaultServer, tmp_path: Path, path: str, status: int
) -> None:
    other = "Basic " + base64.b64encode(f"{USER}:another".encode()).decode()
    server.add_file("/locked", b"x" * 10_000, auth=other, set_cookie=f"sid={COOKIE}; Path=/")
    data = tmp_path / "data"
    r = run_tether("get", _url(server, path), "-o", str(tmp_path / "o"), data=data)
    assert r.returncode == 1 and str(status) in r.stderr
    assert PASSWORD not in r.stdout + r.stderr
    assert _where(data) == {"jobs": False, "job_log": False, "settings": False, "job_secrets": True}
    _logs_clean(data)
    assert COOKIE.encode() not in b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    r = run_tether("remove", "1", data=data)
    assert r.returncode == 0, r.stderr
    assert _leaks(data) == []


def test_a_kill_mid_transfer_leaves_the_password_only_as_a_secret_then_nothing(
    server: FaultServer, tmp_path: Path
) -> None:
    expected = _serve(server, "/big.bin", 4 * MIB)
    data = tmp_path / "data"
    out = tmp_path / "o"
    url = _url(server, "/big.bin")
    proc = spawn_tether("get", url, "-o", str(out), "-c", "2", data=data, killpoint="write:2")
    assert proc.wait(timeout=60) == -9
    assert _where(data) == {"jobs": False, "job_log": False, "settings": False, "job_secrets": True}
    _logs_clean(data)
    assert COOKIE.encode() not in b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    r = run_tether("resume", data=data)  # the credentials come from the secret store
    assert r.returncode == 0, r.stderr
    assert (out / "big.bin").read_bytes() == expected
    assert _leaks(data) == []


def test_with_a_keyring_the_data_folder_never_holds_the_password(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a real keyring exists the password is there only, even while the job is unfinished
    (here: killed mid-transfer), and the keyring entry goes when the job completes."""
    keyring_file = tmp_path / "keyring.json"
    monkeypatch.delenv("TETHER_KEYRING")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.filekeyring.FileKeyring")
    monkeypatch.setenv("TETHER_TEST_KEYRING", str(keyring_file))
    expected = _serve(server, "/big.bin", 4 * MIB)
    data = tmp_path / "data"
    out = tmp_path / "o"
    url = _url(server, "/big.bin")
    proc = spawn_tether("get", url, "-o", str(out), "-c", "2", data=data, killpoint="write:2")
    assert proc.wait(timeout=60) == -9
    assert PASSWORD in keyring_file.read_text()
    assert _leaks(data) == []
    r = run_tether("resume", data=data)
    assert r.returncode == 0, r.stderr
    assert (out / "big.bin").read_bytes() == expected
    assert _leaks(data) == []
    assert json.loads(keyring_file.read_text()) == {}
