"""The real app on a real X display (Xvfb + openbox), driven like a user: keys and mouse with
xdotool, the clipboard with xclip, a drag from another X client, a second `tether URL`.
Every journey is done twice in one session (issue 9: the Add dialog worked once per session,
which no offscreen test saw). Screenshots of each step go to the folder named in failures.

Skips, saying what is missing, when Xvfb, openbox, xdotool, xclip or ImageMagick's `import`
are not installed (.ci/run installs them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.faultserver import FaultServer
from tests.support.xsession import XSession, missing_tools, poll

REPO = Path(__file__).resolve().parents[1]
MAIN = "^Tether$"
ADD = "^Add Downloads$"

pytestmark = [
    pytest.mark.display,
    pytest.mark.skipif(
        bool(missing_tools()),
        reason=f"real-display tests need {', '.join(missing_tools())} (see .ci/run)",
    ),
]


@dataclass
class Tether:
    xs: XSession
    server: FaultServer
    data: Path
    out: Path
    proc: subprocess.Popen[bytes]
    log: Path

    def app(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        env = self.xs.env()
        env.pop("TETHER_DATA_DIR", None)
        return subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(self.data), *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def jobs(self) -> dict[str, str]:
        """url -> state, from `tether list --json` (it reads the store without the lock)."""
        done = self.app("list", "--json")
        if done.returncode != 0:
            return {}
        return {j["url"]: j["state"] for j in json.loads(done.stdout or "[]")}

    def url(self, name: str) -> str:
        if f"/{name}" not in self.server.files:
            self.server.add_file(f"/{name}", os.urandom(64 * 1024))
        return self.server.url(f"/{name}")

    def why(self, what: str) -> str:
        log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        return f"{what}; screenshots in {self.xs.shots}\napp stderr tail:\n{log}"

    def main_window(self) -> str:
        wid = self.xs.wait_window(MAIN)
        assert wid, self.why("the main window is not on screen")
        return wid

    def wait_job(self, url: str, timeout: float = 20) -> None:
        assert poll(lambda: url in self.jobs(), timeout, 0.3), self.why(f"{url} never queued")

    def confirm_add_dialog(self, label: str, expect_url: str) -> None:
        """The Add dialog is up (prefilled): photograph it, press Enter, see the job."""
        dialog = self.xs.wait_window(ADD)
        assert dialog, self.why(f"{label}: no Add dialog")
        self.xs.shot(f"{label}-dialog")
        self.xs.key("Return", window=dialog)
        assert self.xs.wait_gone(ADD), self.why(f"{label}: the Add dialog stayed open")
        self.wait_job(expect_url)
        self.xs.shot(f"{label}-added")


@pytest.fixture(scope="module")
def tether(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tether]:
    root = tmp_path_factory.mktemp("display")
    xs = XSession(root / "shots").start()
    server = FaultServer()
    server.start()
    data, out = root / "data", root / "downloads"
    out.mkdir()
    log = root / "tether.stderr"
    env = xs.env(PYTHONFAULTHANDLER="1")  # a crash leaves a Python stack in the log
    env.pop("TETHER_DATA_DIR", None)
    with log.open("wb") as err:
        proc = xs.spawn(
            [sys.executable, "-m", "app", "--data-dir", str(data), "-o", str(out)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    t = Tether(xs, server, data, out, proc, log)
    try:
        t.main_window()
        xs.shot("started")
        yield t
    finally:
        xs.shot("end")
        xs.stop()
        server.stop()


def test_ctrl_n_opens_the_add_dialog_every_time(tether: Tether) -> None:
    xs = tether.xs
    main = tether.main_window()
    xs.key("ctrl+n", window=main)
    assert xs.wait_window(ADD), tether.why("first Ctrl+N: no Add dialog")
    xs.shot("ctrl-n-1")
    xs.key("Escape", window=xs.wait_window(ADD))
    assert xs.wait_gone(ADD), tether.why("Escape did not close the Add dialog")
    for n in (1, 2):
        xs.key("ctrl+n", window=main)
        dialog = xs.wait_window(ADD)
        assert dialog, tether.why(f"Ctrl+N after closing it: no Add dialog ({n})")
        xs.activate(dialog)
        url = tether.url(f"typed{n}.bin")
        xs.type(url)
        xs.shot(f"typed-{n}")
        xs.key("Return", window=dialog)  # Enter in the link box adds
        assert xs.wait_gone(ADD), tether.why("Enter did not add")
        tether.wait_job(url)
        xs.shot(f"typed-{n}-added")


def test_settings_opens_every_time(tether: Tether) -> None:
    xs = tether.xs
    for n in (1, 2):
        xs.key("ctrl+comma", window=tether.main_window())
        dialog = xs.wait_window("^Settings$")
        assert dialog, tether.why(f"Ctrl+, did not open Settings ({n})")
        xs.shot(f"settings-{n}")
        xs.key("Escape", window=dialog)
        assert xs.wait_gone("^Settings$"), tether.why(f"Settings did not close ({n})")


def test_paste_twice(tether: Tether) -> None:
    xs = tether.xs
    for n in (1, 2):
        url = tether.url(f"pasted{n}.bin")
        with xs.clipboard(f"have a look: {url}\n"):
            xs.key("ctrl+v", window=tether.main_window())
            tether.confirm_add_dialog(f"paste-{n}", url)


def test_drag_from_another_app_twice(tether: Tether) -> None:
    xs = tether.xs
    urls = [tether.url("dragged1.bin"), tether.url("dragged2.bin")]
    source = xs.spawn(
        [sys.executable, "-m", "tests.support.dragsource", *urls],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        src = xs.wait_window("^Drag source$")
        assert src, tether.why("the drag source window never showed")
        for n, url in enumerate(urls, 1):
            xs.activate(src)  # raised above Tether, as a browser would be when dragged from
            sx, sy, sw, sh = xs.geometry(src)
            mx, my, mw, mh = xs.geometry(tether.main_window())
            xs.shot(f"drag-{n}-before")
            xs.drag((sx + sw // 2, sy + sh // 2), (mx + mw // 2, my + mh // 2))
            tether.confirm_add_dialog(f"drag-{n}", url)
    finally:
        source.terminate()
        source.wait(5)


def test_second_launch_hands_over_twice(tether: Tether) -> None:
    for n in (1, 2):
        url = tether.url(f"handed{n}.bin")
        second = tether.app(url)
        assert second.returncode == 0, tether.why(f"second launch: {second.stderr}")
        tether.confirm_add_dialog(f"handover-{n}", url)
    assert tether.proc.poll() is None, tether.why("the first window exited")


def test_every_journey_downloaded_its_file(tether: Tether) -> None:
    names = [
        "typed1.bin",
        "typed2.bin",
        "pasted1.bin",
        "pasted2.bin",
        "dragged1.bin",
        "dragged2.bin",
        "handed1.bin",
        "handed2.bin",
    ]

    def all_done() -> bool:
        jobs = tether.jobs()
        return all(jobs.get(tether.url(n)) == "completed" for n in names)

    assert poll(all_done, 30, 0.5), tether.why(f"not all completed: {tether.jobs()}")
    for name in names:
        assert (tether.out / name).stat().st_size == 64 * 1024
    tether.xs.key("ctrl+q", window=tether.main_window())
    assert tether.proc.wait(15) == 0, tether.why("quit failed")


def test_window_fits_a_small_screen_at_175_percent(tmp_path: Path) -> None:
    """1600×1000 at QT_SCALE_FACTOR=1.75: the window opened at 1925×1119 (issue 9)."""
    xs = XSession(tmp_path / "shots", screen="1600x1000x24").start()
    try:
        env = xs.env(QT_SCALE_FACTOR="1.75")
        env.pop("TETHER_DATA_DIR", None)
        proc = xs.spawn(
            [sys.executable, "-m", "app", "--data-dir", str(tmp_path / "data")],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wid = xs.wait_window(MAIN)
        assert wid, f"no window; screenshots in {xs.shots}"

        def inside() -> bool:
            x, y, w, h = xs.frame_geometry(wid)  # title bar included
            return x >= 0 and y >= 0 and x + w <= 1600 and y + h <= 1000

        fits = poll(inside, 10)
        xs.shot("scaled-175")
        where = xs.frame_geometry(wid)
        assert fits, f"window frame at {where} on 1600x1000; screenshots in {xs.shots}"
        xs.key("ctrl+q", window=wid)
        assert proc.wait(15) == 0
    finally:
        xs.stop()
