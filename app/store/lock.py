"""One engine per data directory: an OS-level lock on a file inside it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType

from app.store import private


class DataDirLock:
    """A non-blocking exclusive lock held for the life of the process (released on exit/kill)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "tether.lock"
        self._fd: int | None = None

    # How long a process starting up keeps trying for the lock: another one only checking
    # whether the folder is free (is_free) holds it for an instant, and a service losing the
    # folder to such a check exited, leaving the client that started it without one.
    PATIENCE = 1.0

    def acquire(self, wait: float = 0.0) -> bool:
        """True if we now hold the lock; False if another process does (still, after trying
        for `wait` seconds)."""
        if self._fd is not None:
            return True
        deadline = time.monotonic() + wait
        while not self._try(record=True):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    @classmethod
    def is_free(cls, data_dir: Path) -> bool:
        """Nobody holds the data folder now: its lock, taken for an instant and let go (the
        holder's pid in the file is left alone). OSError when it cannot be told."""
        probe = cls(data_dir)
        free = probe._try(record=False)
        probe.release()
        return free

    def _try(self, record: bool) -> bool:
        private.private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, private.FILE_MODE)
        if os.name == "posix":
            os.fchmod(fd, private.FILE_MODE)  # an older install's lock file
        try:
            if os.name == "nt":  # pragma: no cover - exercised on Windows only
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        if record:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> DataDirLock:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
