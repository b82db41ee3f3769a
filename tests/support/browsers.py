"""What the real-browser tests share: a browser's world for one test (a temp HOME where it
reads native messaging manifests, Tether's data folder, the environment both see), `tether`
run in it, and the teardown that kills the browser's process group and the service its
native host started."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.e2e import ROOT, service_pids


class BrowserWorld:
    """A temp HOME and data folder; subclasses start the browser (`proc`)."""

    def __init__(self, base: Path, data: Path) -> None:
        self.base = base
        self.home = base / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.data = data
        self.env = dict(
            os.environ,
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            PYTHONPATH=str(ROOT),
            TETHER_KEYRING="0",
        )
        self.env.pop("TETHER_DATA_DIR", None)
        self.proc: subprocess.Popen[bytes] | None = None

    def tether(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(self.data), *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=60,
            check=False,
        )

    def jobs(self) -> list[dict[str, Any]]:
        """Tether's queue (`list --json`); empty while there is none yet."""
        r = self.tether("list", "--json")
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else []

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        for pid in service_pids(self.data):  # the service the native host started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
