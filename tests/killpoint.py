"""Run `tether` and SIGKILL the process at one exact point — for crash tests that must not rely
on timing luck.

    python -m tests.killpoint POINT[:N] -- [tether arguments...]

Points (N counts calls, default 1):
  probe      before the probe request is sent
  prealloc   right after the .part is sized up front (PartFile.truncate to a size > 0)
  write:N    right after the N-th positional write (bytes written, not yet fsynced or recorded)
  sync:N     right after the N-th fdatasync (bytes durable, offsets not yet recorded)
  save:N     right after the N-th offsets commit
  verify     while the checksum of the finished .part is computed
  rename     after the .part was renamed to its final name, before the database says completed
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _after_nth(target: Any, attr: str, n: int, when: Callable[..., bool] | None = None) -> None:
    original = getattr(target, attr)
    lock = threading.Lock()
    seen = [0]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if when is None or when(*args, **kwargs):
            with lock:
                seen[0] += 1
                hit = seen[0] == n
            if hit:
                _die()
        return result

    setattr(target, attr, wrapper)


def install(point: str) -> None:
    from app.engine import finish, http
    from app.engine.partfile import PartFile
    from app.store.jobstore import JobStore

    name, _, count = point.partition(":")
    n = int(count or 1)
    if name == "probe":
        original_probe = http.probe

        def probe(*args: Any, **kwargs: Any) -> Any:
            _die()
            return original_probe(*args, **kwargs)

        http.probe = probe
    elif name == "prealloc":
        _after_nth(PartFile, "truncate", n, lambda self, size: size > 0)
    elif name == "write":
        _after_nth(PartFile, "write_at", n)
    elif name == "sync":
        _after_nth(PartFile, "sync", n)
    elif name == "save":
        _after_nth(JobStore, "save_progress", n)
    elif name == "verify":
        original_digest = finish._digest_of

        def digest_then_die(*args: Any, **kwargs: Any) -> str:
            original_digest(*args, **kwargs)
            _die()
            raise AssertionError("unreachable")

        finish._digest_of = digest_then_die
    elif name == "rename":

        def fsync_dir(path: str) -> None:
            _die()

        finish._fsync_dir = fsync_dir
    else:
        raise SystemExit(f"unknown kill point {point!r}")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        raise SystemExit(__doc__)
    install(argv[0])
    from app.__main__ import main as tether_main

    return tether_main(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
