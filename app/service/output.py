"""service.out, where an on-demand service's stdout/stderr go: kept under a size cap.

The service logs to tether.log (rotating); service.out only catches what reaches stderr
(a library's warnings, a crash's traceback). A service that runs for months could still fill
it, so past CAP it becomes service.out.1 (one old generation) and a fresh file takes fds 1
and 2: at each start, and now and then while the service runs.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

CAP = 1 << 20  # bytes
ENV = "TETHER_SERVICE_OUT"  # set by spawn_service: the file our stdout/stderr append to


def rotate(path: Path, cap: int = CAP) -> bool:
    """Before a start: move a file past `cap` aside (True if it did)."""
    try:
        if path.stat().st_size <= cap:
            return False
        os.replace(path, path.with_name(path.name + ".1"))
    except OSError:
        return False
    return True


def cap_own_output(cap: int = CAP) -> bool:
    """In the running service: if our service.out passed `cap`, rotate it and point our
    stdout and stderr at a new one. A no-op for a service started any other way."""
    name = os.environ.get(ENV)
    if not name:
        return False
    path = Path(name)
    try:
        if os.fstat(2).st_size <= cap or not path.exists():
            return False
    except OSError:
        return False
    if not rotate(path, cap):
        return False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    os.close(fd)
    return True
