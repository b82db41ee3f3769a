"""Helpers the end-to-end tests share: the checkout's root, waiting for an event with a
deadline (never a fixed sleep), and finding the `tether service` processes of a data folder."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    what: str,
    log: Path | None = None,
    interval: float = 0.05,
) -> None:
    """Poll until `predicate()` is true; past `timeout` seconds fail, naming `what` (and
    showing `log`, a process's output, when given)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            extra = log.read_text(errors="replace") if log and log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}\n{extra}".rstrip())
        time.sleep(interval)


def service_pids(data: Path) -> list[int]:
    """Every `tether … service` process running for this data folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"service" in argv and str(data).encode() in argv and b"app" in argv:
            found.append(int(entry.name))
    return found
