"""The data folder is 0700 and every file Tether writes in it (database, -wal, -shm, lock, logs)
0600 from creation whatever the umask; an older install's looser modes are fixed on start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.store import private
from tests.support.faultserver import FaultServer
from tests.trust_helpers import ROOT, tether_env


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _run(args: list[str], umask: int, env: dict[str, str] | None = None) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env=env or tether_env(),
        cwd=ROOT,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.umask(umask),
    )
    assert r.returncode == 0, r.stderr


def _assert_private_tree(root: Path) -> list[str]:
    seen = []
    assert _mode(root) == 0o700, (root, oct(_mode(root)))
    for path in root.rglob("*"):
        seen.append(path.name)
        want = 0o700 if path.is_dir() else 0o600
        assert _mode(path) == want, (str(path), oct(_mode(path)))
    return seen


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_a_new_data_folder_is_private_whatever_the_umask(
    umask: int, server: FaultServer, tmp_path: Path
) -> None:
    server.add_file("/f.bin", b"x" * 5000)
    data = tmp_path / "data"
    _run(["--data-dir", str(data), "get", server.url("/f.bin"), "-o", str(tmp_path / "o")], umask)
    names = _assert_private_tree(data)
    for expected in ("tether.sqlite3", "tether.lock", "logs", "tether.log"):
        assert expected in names


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_the_default_log_folder_is_private_too(umask: int, tmp_path: Path) -> None:
    """Without --data-dir, logs live in the platform's log folder, away from the data."""
    env = dict(
        tether_env(),
        XDG_DATA_HOME=str(tmp_path / "share"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        HOME=str(tmp_path),
    )
    env.pop("TETHER_DATA_DIR", None)
    _run(["list"], umask, env)
    _assert_private_tree(tmp_path / "share" / "tether")
    logs = tmp_path / "state" / "tether" / "log"
    assert "tether.log" in _assert_private_tree(logs)


def test_an_older_install_is_tightened_on_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True)
    loose = [
        data / "tether.sqlite3",
        data / "tether.sqlite3-wal",
        data / "tether.sqlite3-shm",
        data / "tether.lock",
        data / "logs" / "tether.log",
        data / "logs" / "tether.log.1",
    ]
    for path in loose:
        path.write_bytes(b"")
        os.chmod(path, 0o644)
    os.chmod(data / "logs", 0o755)
    os.chmod(data, 0o755)
    _run(["--data-dir", str(data), "resume"], 0o022)
    _assert_private_tree(data)


def test_private_file_is_0600_under_umask_0(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = private.private_file(tmp_path / "f")
        folder = private.private_dir(tmp_path / "d")
    finally:
        os.umask(old)
    assert _mode(path) == 0o600 and _mode(folder) == 0o700
