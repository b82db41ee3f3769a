"""Folders and files only this user can read: 0700 folders, 0600 files, whatever the umask.

The queue database holds URLs, file names and (when no keyring is available) job credentials,
so the data folder, the database with its -wal/-shm, the lock file and the logs are private
from creation, and an older install's looser modes are tightened on every start.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
_POSIX = os.name == "posix"


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) and make it 0700. OSError if it can't be created."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if _POSIX:
        with contextlib.suppress(OSError):  # not ours (a shared folder): still usable
            os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing, 0600 from the first instant; tighten it if it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path)  # an existing file is never opened for writing here (it may be read-only)
        return path
    try:
        if _POSIX:
            with contextlib.suppress(OSError):
                os.fchmod(fd, FILE_MODE)  # the umask can only have removed bits; be explicit
    finally:
        os.close(fd)
    return path


def tighten(path: Path) -> None:
    """0600 on a file that exists (e.g. an older -wal); nothing if it doesn't."""
    if _POSIX:
        with contextlib.suppress(OSError):
            os.chmod(path, FILE_MODE)


def open_private(path: str | os.PathLike[str], mode: str = "a", encoding: str = "utf-8") -> int:
    """A descriptor for a text log file created 0600 (for logging handlers' `_open`)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    if _POSIX:
        with contextlib.suppress(OSError):
            os.fchmod(fd, FILE_MODE)
    return fd
