"""Hashing a file while it is written, for the bytes that arrive in order from byte 0.

One connection (or a single stream) writes the file front to back: every byte is hashed as it
is written and the finish step reads nothing back. With several connections the first segment
is hashed as it arrives and the finish reads back only what came after the in-order frontier,
once. A resumed run whose first bytes came in an earlier process has no state to continue
from (a hash object cannot be checkpointed): it hashes nothing in order and reads back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from app.engine.errors import from_os_error

READ_SIZE = 1024 * 1024


class InOrderHash:
    """Feeds `algo` with the bytes written at its frontier `pos`; other writes are ignored.

    No lock: bytes at one offset have exactly one writer (the owner of the segment holding
    it), and `pos` moves only after the update, so two writers never both match it.
    """

    def __init__(self, algo: str) -> None:
        self.algo = algo
        self._h = hashlib.new(algo)
        self.pos = 0  # bytes [0, pos) are in the hash

    def feed(self, offset: int, data: memoryview | bytes) -> None:
        if offset == self.pos:
            self._h.update(data)
            self.pos = offset + len(data)

    def reset(self) -> None:
        """The stream starts again from byte 0."""
        self._h = hashlib.new(self.algo)
        self.pos = 0

    def hexdigest_of(
        self, path: str, size: int, read_back: Callable[[int], None] | None = None
    ) -> str:
        """The file's digest: the bytes hashed in order, then the rest of the file read back
        once from `pos` (none when every byte came in order). `read_back(n)` is told how many
        bytes are about to be read, before the first read, so the caller can say
        "verifying"."""
        h = self._h.copy()
        left = size - self.pos
        if left > 0:
            if read_back is not None:
                read_back(left)
            _hash_range(h, path, self.pos, size)
        return h.hexdigest()


def _hash_range(h: hashlib._Hash, path: str, start: int, end: int) -> None:
    buf = bytearray(READ_SIZE)
    view = memoryview(buf)
    try:
        with open(path, "rb", buffering=0) as f:
            f.seek(start)
            pos = start
            while pos < end:
                n = f.readinto(view[: min(READ_SIZE, end - pos)])
                if not n:
                    break  # shorter than it should be: the digest will not match
                h.update(view[:n])
                pos += n
    except OSError as exc:
        raise from_os_error(exc, path) from exc
