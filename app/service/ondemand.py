"""Finding the data folder's service, or starting one on demand (`tether add`, the window,
the browser's native host): the client side of `tether service`, apart from the process itself
(daemon.py), so a client needs neither the engine nor the server to reach one.

Two starts at once give one service: the data folder's lock decides, the loser exits and its
starter connects to the winner.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from app.paths import log_dir
from app.service import output
from app.service.client import Client, connect
from app.store.lock import DataDirLock

log = logging.getLogger("tether.service")

ON_DEMAND_IDLE_EXIT_S = 60.0
START_TIMEOUT_S = 20.0
LOSER_GRACE_S = 5.0  # our starter lost the lock race: the winner should answer by then


def lock_holder_pid(data_dir: Path) -> int | None:
    """The pid written in the lock file (whoever last took it; may be gone)."""
    try:
        text = (data_dir / "tether.lock").read_text(encoding="ascii").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def lock_is_free(data_dir: Path) -> bool:
    """Nobody holds the data folder (a service that stopped has let go of it)."""
    try:
        return DataDirLock.is_free(data_dir)
    except OSError:
        return False


def service_command(data_dir: Path, idle_exit: float | None) -> list[str]:
    """The argv that starts a service: the same interpreter (or frozen bundle) as ours."""
    base = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "app"]
    cmd = [*base, "--data-dir", str(data_dir), "service"]
    if idle_exit is not None:
        cmd += ["--exit-when-idle", f"{idle_exit:g}"]
    return cmd


def spawn_service(
    data_dir: Path, idle_exit: float | None = ON_DEMAND_IDLE_EXIT_S
) -> subprocess.Popen[bytes]:
    """Start `tether service` detached (own session, output to the log folder)."""
    directory = log_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)  # its working directory (a fresh machine)
    # own session / process group: not killed with the terminal that started it
    detached = subprocess.DETACHED_PROCESS if sys.platform == "win32" else 0  # type: ignore[attr-defined,unused-ignore]
    out_path = directory / "service.out"
    output.rotate(out_path)
    env = dict(os.environ, **{output.ENV: str(out_path)})
    with out_path.open("ab") as out:
        return subprocess.Popen(
            service_command(data_dir, idle_exit),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            cwd=str(data_dir),
            close_fds=True,
            start_new_session=sys.platform != "win32",
            creationflags=detached | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
        )


def ensure_service(data_dir: Path, timeout: float = START_TIMEOUT_S) -> Client | None:
    """A client of the running service, starting one if none runs; None if none could be
    reached (e.g. a `tether get` without a service holds the data folder)."""
    client = connect(data_dir)
    if client is not None:
        return client
    try:
        proc = spawn_service(data_dir)
    except OSError as exc:
        log.warning("cannot start the service: %s", exc)
        return None
    # A long-lived starter (the window) reaps it when it ends: no zombie, no warning.
    threading.Thread(target=proc.wait, name="tether-service-reaper", daemon=True).start()
    deadline = time.monotonic() + timeout
    grace: float | None = None
    while time.monotonic() < deadline:
        client = connect(data_dir)
        if client is not None:
            return client
        if grace is None and proc.poll() is not None:
            grace = time.monotonic() + LOSER_GRACE_S  # ours lost the race (or failed)
        if grace is not None and (time.monotonic() > grace or lock_is_free(data_dir)):
            return None
        time.sleep(0.05)
    return None


def wait_for_service(data_dir: Path, timeout: float) -> Client | None:
    """The service when the data folder is held by one that is still starting, else None."""
    client = connect(data_dir)
    if client is not None or lock_is_free(data_dir):
        return client
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        client = connect(data_dir)
        if client is not None or lock_is_free(data_dir):
            return client
    return None
