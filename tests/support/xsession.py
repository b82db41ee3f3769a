"""A real X display for tests: Xvfb on a free display number, openbox as the window manager,
and helpers that drive it the way a user does (xdotool keys and mouse, xclip clipboard) and
photograph it (ImageMagick `import`). Everything it starts, it stops."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

TOOLS = ("Xvfb", "openbox", "xdotool", "xclip", "import", "xprop")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def poll(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> object:
    """The predicate's first truthy value within `timeout` seconds, else None."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


class XSession:
    """Xvfb + openbox on a display number Xvfb picks itself (-displayfd: no clashes with
    other displays on a shared machine)."""

    def __init__(self, shots: Path, screen: str = "1280x800x24") -> None:
        self.shots = shots
        self.screen = screen
        self.display = ""
        self._procs: list[subprocess.Popen[bytes]] = []
        self._shot_no = 0

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ, DISPLAY=self.display, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        env.update(extra)
        return env

    def start(self) -> XSession:
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", self.screen, "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        self._procs.append(xvfb)
        number = b""
        with os.fdopen(read, "rb") as pipe:
            while not number.endswith(b"\n"):
                chunk = pipe.read(1)
                if not chunk:
                    raise RuntimeError("Xvfb exited before announcing its display")
                number += chunk
        self.display = ":" + number.decode().strip()
        self.shots.mkdir(parents=True, exist_ok=True)
        log = self.shots / "openbox.log"
        for _attempt in range(2):  # on a loaded machine openbox has been seen to give up once
            with log.open("ab") as err:
                wm = subprocess.Popen(
                    ["openbox", "--sm-disable"],
                    env=self.env(),
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
            self._procs.append(wm)
            # openbox sets _NET_SUPPORTING_WM_CHECK once it manages the screen.
            poll(lambda wm=wm: self._wm_running() or wm.poll() is not None, 20)
            if wm.poll() is None and self._wm_running():
                return self
            if wm.poll() is None:
                wm.kill()
                wm.wait(5)
        self.stop()
        raise RuntimeError(f"openbox did not start on {self.display}: {log.read_text()[-500:]}")

    def _wm_running(self) -> bool:
        out = self.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], check=False)
        return "window id" in out

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self._procs.clear()

    def spawn(self, args: list[str], **kw: object) -> subprocess.Popen[bytes]:
        """A process on this display, stopped with the session."""
        kw.setdefault("env", self.env())
        proc = subprocess.Popen(args, **kw)  # type: ignore[call-overload]
        self._procs.append(proc)
        return proc  # type: ignore[no-any-return]

    def run(self, args: list[str], check: bool = True, timeout: float = 15) -> str:
        done = subprocess.run(
            args, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{args}: {done.returncode} {done.stderr.strip()}")
        return done.stdout

    # ---- windows, keys, mouse --------------------------------------------------------------

    def windows(self, name: str) -> list[str]:
        """Visible windows whose title matches the regular expression `name`."""
        out = self.run(["xdotool", "search", "--onlyvisible", "--name", name], check=False)
        return out.split()

    def wait_window(self, name: str, timeout: float = 15) -> str | None:
        found = poll(lambda: self.windows(name), timeout)
        return found[-1] if isinstance(found, list) else None

    def wait_gone(self, name: str, timeout: float = 10) -> bool:
        return bool(poll(lambda: not self.windows(name), timeout))

    def activate(self, wid: str) -> None:
        self.run(["xdotool", "windowactivate", "--sync", wid], check=False)
        poll(lambda: self.run(["xdotool", "getactivewindow"], check=False).strip() == wid, 5)

    def key(self, *keys: str, window: str | None = None) -> None:
        if window is not None:
            self.activate(window)
        self.run(["xdotool", "key", "--clearmodifiers", *keys])

    def type(self, text: str) -> None:
        self.run(["xdotool", "type", "--delay", "5", text])

    def geometry(self, wid: str) -> tuple[int, int, int, int]:
        """x, y, width, height of a window (its client area), in screen pixels."""
        out = self.run(["xdotool", "getwindowgeometry", "--shell", wid])
        values = dict(line.split("=", 1) for line in out.split() if "=" in line)
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def frame_geometry(self, wid: str) -> tuple[int, int, int, int]:
        """x, y, width, height with the window manager's frame (_NET_FRAME_EXTENTS)."""
        x, y, w, h = self.geometry(wid)
        out = self.run(["xprop", "-id", wid, "_NET_FRAME_EXTENTS"], check=False)
        if "=" not in out:
            return x, y, w, h
        left, right, top, bottom = (int(v) for v in out.split("=", 1)[1].split(","))
        return x - left, y - top, w + left + right, h + top + bottom

    def drag(self, start: tuple[int, int], end: tuple[int, int], steps: int = 12) -> None:
        """Press, move in steps (so the source sees a drag and the target XDND positions),
        release: a real drag between two X clients."""
        x0, y0 = start
        x1, y1 = end
        self.run(["xdotool", "mousemove", "--sync", str(x0), str(y0)])
        self.run(["xdotool", "mousedown", "1"])
        for i in range(1, steps + 1):
            x = x0 + (x1 - x0) * i // steps
            y = y0 + (y1 - y0) * i // steps
            self.run(["xdotool", "mousemove", "--sync", str(x), str(y)])
            time.sleep(0.03)  # paces the pointer like a hand; nothing waits on it
        # A few still moves over the target let XDND settle its status before the drop.
        for dx in (1, -1, 1):
            self.run(["xdotool", "mousemove", "--sync", str(x1 + dx), str(y1)])
            time.sleep(0.05)
        self.run(["xdotool", "mouseup", "1"])

    @contextlib.contextmanager
    def clipboard(self, text: str) -> Iterator[None]:
        """Own the CLIPBOARD selection with `text` (xclip serves it while the block runs)."""
        proc = subprocess.Popen(
            ["xclip", "-quiet", "-selection", "clipboard", "-i"],
            env=self.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdin is not None
        proc.stdin.write(text.encode())
        proc.stdin.close()
        try:
            poll(
                lambda: self.run(["xclip", "-o", "-selection", "clipboard"], check=False) == text,
                5,
            )
            yield
        finally:
            proc.terminate()
            proc.wait(5)

    def shot(self, label: str) -> Path:
        """A screenshot of the whole screen, numbered in journey order."""
        self._shot_no += 1
        path = self.shots / f"{self._shot_no:02d}-{label}.png"
        self.run(["import", "-window", "root", str(path)], check=False, timeout=20)
        return path
