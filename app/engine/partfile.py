"""The `.part` file: positional writes from many threads, fsync, and a refcounted close."""

from __future__ import annotations

import os
import threading

from app.engine.errors import from_os_error

# Downloads are data, never programs: created rw for the user (the umask narrows it further).
FILE_MODE = 0o644


class PartFile:
    """An open .part file shared by a job's workers.

    `os.pwrite` lets every worker write at its own offset without a shared file position; where
    it doesn't exist (Windows) a lock serialises seek+write. The descriptor closes when the last
    holder releases it, so a straggling worker can never write into a recycled descriptor.
    """

    def __init__(self, path: str, *, create: bool = True) -> None:
        self.path = path
        flags = os.O_RDWR | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        if create:
            flags |= os.O_CREAT
        try:
            self._fd = os.open(path, flags, FILE_MODE)
        except OSError as exc:
            raise from_os_error(exc, path) from exc
        self._refs = 1
        self._lock = threading.Lock()
        self._pwrite = getattr(os, "pwrite", None)

    def acquire(self) -> PartFile:
        with self._lock:
            if self._refs <= 0:
                raise ValueError("file already closed")
            self._refs += 1
        return self

    def release(self) -> None:
        with self._lock:
            self._refs -= 1
            if self._refs == 0:
                os.close(self._fd)

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def truncate(self, size: int) -> None:
        """Set the length; growing is sparse, so a 4 GiB file costs nothing up front."""
        try:
            os.ftruncate(self._fd, size)
        except OSError as exc:
            raise from_os_error(exc, self.path) from exc

    def write_at(self, data: memoryview | bytes, offset: int) -> None:
        """Write all of `data` at `offset` (pwrite may write less than asked: loop)."""
        pwrite = self._pwrite
        if pwrite is not None:
            written = pwrite(self._fd, data, offset)
            while written < len(data):
                data = memoryview(data)[written:]
                offset += written
                written = pwrite(self._fd, data, offset)
            return
        with self._lock:  # pragma: no cover - Windows
            os.lseek(self._fd, offset, os.SEEK_SET)
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]

    def sync(self) -> None:
        """Make every completed write durable before offsets are recorded."""
        fdatasync = getattr(os, "fdatasync", None)
        try:
            if fdatasync is not None:
                fdatasync(self._fd)
            else:  # pragma: no cover - macOS/Windows
                os.fsync(self._fd)
        except OSError as exc:
            raise from_os_error(exc, self.path) from exc


def fsync_dir(path: str) -> None:
    """Make the rename durable (POSIX); a no-op where directories can't be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
