"""The data folder's lock: a process starting up (a service, a `tether get`) is not turned away
by another that only checks whether the folder is free."""

from __future__ import annotations

import threading
from pathlib import Path

from app.store.lock import DataDirLock


def test_a_check_for_a_free_folder_never_turns_away_a_process_starting_up(
    tmp_path: Path,
) -> None:
    # A client waiting for a service checks the folder's lock every 0.1 s (ondemand.py); the
    # check takes the lock for an instant. A service starting at that instant lost the folder
    # and exited, and the client was left without one (seen in CI: the browser's native host).
    stop = threading.Event()
    checks = 0

    def keep_checking() -> None:
        nonlocal checks
        while not stop.is_set():
            DataDirLock.is_free(tmp_path)
            checks += 1

    checker = threading.Thread(target=keep_checking, daemon=True)
    checker.start()
    try:
        for _ in range(50):  # each time: the starter gets the folder despite the checks
            lock = DataDirLock(tmp_path)
            assert lock.acquire(wait=DataDirLock.PATIENCE)
            assert not DataDirLock.is_free(tmp_path)  # held now: a check says so
            lock.release()
    finally:
        stop.set()
        checker.join(10)
    assert checks > 50  # the checks really ran alongside


def test_a_held_folder_is_refused_after_the_wait_and_a_check_leaves_the_pid_alone(
    tmp_path: Path,
) -> None:
    owner = DataDirLock(tmp_path)
    assert owner.acquire()
    (tmp_path / "tether.lock").write_text("4242")  # as if another process's pid
    assert not DataDirLock(tmp_path).acquire(wait=0.1)  # a real owner: refused, not hung
    assert not DataDirLock.is_free(tmp_path)
    owner.release()
    assert DataDirLock.is_free(tmp_path)
    assert (tmp_path / "tether.lock").read_text() == "4242"  # a check writes no pid
