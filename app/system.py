"""What Tether does to the system when the user asked for it: open a file or folder, run a
job's "when done" command, sleep or shut down the computer, hold a sleep inhibitor through a
helper process. The only place outside the window that starts processes: the engine decides
(app/engine/oncomplete.py, onfinish.py, awake.py) and is handed these.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import threading

from app.engine.awake import (
    WHO,
    WHY,
    Inhibitor,
    LogindInhibitor,
    NoInhibitor,
    WindowsInhibitor,
)

log = logging.getLogger("tether.system")


def open_path(path: str) -> None:
    """Open a file or folder with the desktop's default application."""
    if sys.platform == "win32":
        getattr(os, "startfile")(path)  # noqa: B009 (Windows only)
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    spawn([opener, path], cwd=None)


def spawn(argv: list[str], cwd: str | None) -> None:
    child = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl+C in Tether's terminal is not the command's
    )
    # Reaped off the loop, so no zombie is left and the loop never waits for the command.
    threading.Thread(target=child.wait, name="oncomplete", daemon=True).start()


def run_power_command(argv: list[str]) -> None:
    """The real thing. Never through a shell; a failure is logged (the machine stays on)."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("%s failed: %s", " ".join(argv), exc)
        return
    if result.returncode != 0:
        log.warning("%s failed: %s", " ".join(argv), result.stderr.strip())


class InhibitCommand:
    """`systemd-inhibit … cat` (Linux without jeepney) or `caffeinate -i -w PID` (macOS): the
    inhibitor lasts as long as the child; closing its stdin or ending it lets go."""

    def __init__(self, argv: list[str]) -> None:
        self._argv = argv
        self._child: subprocess.Popen[bytes] | None = None

    def acquire(self) -> None:
        if self._child is None:
            self._child = subprocess.Popen(
                self._argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def release(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        with contextlib.suppress(OSError):
            if child.stdin is not None:
                child.stdin.close()
            child.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=2)


def system_inhibitor() -> Inhibitor:
    """The platform's way to keep the computer from sleeping."""
    if sys.platform == "win32":
        return WindowsInhibitor()
    if sys.platform == "darwin":
        return InhibitCommand(["caffeinate", "-i", "-w", str(os.getpid())])
    if importlib.util.find_spec("jeepney") is not None:
        return LogindInhibitor()
    tool = shutil.which("systemd-inhibit")
    if tool is None:
        return NoInhibitor()
    argv = [tool, "--what=sleep", f"--who={WHO}", f"--why={WHY}", "--mode=block", "cat"]
    return InhibitCommand(argv)
