"""End to end in a real browser: Debian's chromium (new headless) with the extension loaded,
the host manifest written by `tether browser install --browser chromium` into a temp HOME, and
a page whose cookie the file needs. Clicking the link must end with the file in Tether's queue
(a service started on demand by the native host, for a temp data folder), the bytes exact and
the browser's own download cancelled. Screenshots of the popup and the options page go to
tests/browser/screenshots/ (not committed) for a person to look at.

Playwright drives the browser over CDP; the browser itself is started here (never `playwright
install`), with the flags that keep it off the network. Playwright's own download handling
(which bypasses the extensions' download events) is switched back to the browser's default.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.browser.build import build
from app.browser.manifests import CHROMIUM_EXTENSION_ID
from tests.engine_helpers import payload
from tests.support.faultserver import FaultServer
from tests.test_service_e2e import ROOT, service_pids, wait_until

CHROMIUM = "/usr/bin/chromium"
COOKIE = "e2eBr0wserS3ssion"
SHOTS = ROOT / "tests" / "browser" / "screenshots"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--no-default-browser-check",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed")


class Browser:
    """Chromium for one test: its own HOME (so its default profile, where it reads native
    messaging hosts, is a temp folder), killed with its whole process group at teardown."""

    def __init__(self, base: Path, data: Path) -> None:
        self.home = base / "home"
        self.profile = self.home / ".config" / "chromium"  # the default user data dir
        self.profile.mkdir(parents=True)
        self.data = data
        self.env = dict(
            os.environ,
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            PYTHONPATH=str(ROOT),
            TETHER_KEYRING="0",
        )
        self.env.pop("TETHER_DATA_DIR", None)
        self.extension = build("chromium", base / "extension", ROOT / "resources" / "browser")
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = base / "chromium.log"

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

    def start(self) -> str:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    CHROMIUM,
                    *FLAGS,
                    f"--user-data-dir={self.profile}",
                    f"--disable-extensions-except={self.extension}",
                    f"--load-extension={self.extension}",
                    "about:blank",
                ],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        port_file = self.profile / "DevToolsActivePort"
        wait_until(
            lambda: port_file.exists() and port_file.read_text().strip() != "", 30, "chromium"
        )
        return f"http://127.0.0.1:{port_file.read_text().split()[0]}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        for pid in service_pids(self.data):  # the service the native host started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    b = Browser(tmp_path, (tmp_path / "data").resolve())
    try:
        yield b
    finally:
        b.stop()


def _worker(context: Any) -> Any:
    url = f"chrome-extension://{CHROMIUM_EXTENSION_ID}/background.js"
    for worker in context.service_workers:
        if worker.url == url:
            return worker
    return context.wait_for_event("serviceworker", lambda w: w.url == url, timeout=30_000)


def _jobs(b: Browser) -> list[dict[str, Any]]:
    import json

    r = b.tether("list", "--json")
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else []


def test_a_click_in_the_browser_ends_in_tethers_queue(
    server: FaultServer, browser: Browser
) -> None:
    content = payload(3 * 1024 * 1024 + 17)
    page_html = b'<html><body><h1>Files</h1><a id="dl" href="/file.bin">file.bin</a></body></html>'
    server.add_file(
        "/page.html", page_html, content_type="text/html", set_cookie=f"sid={COOKIE}; Path=/"
    )
    server.add_file(
        "/file.bin",
        content,
        require_headers={"Cookie": f"sid={COOKIE}"},
        content_disposition='attachment; filename="file.bin"',
    )
    installed = browser.tether("browser", "install", "--browser", "chromium")
    assert installed.returncode == 0, installed.stderr
    assert str(browser.profile / "NativeMessagingHosts") in installed.stdout
    endpoint = browser.start()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.connect_over_cdp(endpoint)
        context = chromium.contexts[0]
        cdp = chromium.new_browser_cdp_session()
        cdp.send("Browser.setDownloadBehavior", {"behavior": "default"})
        worker = _worker(context)
        page = context.new_page()
        page.goto(server.url("/page.html"))
        page.click("#dl")
        wait_until(
            lambda: any(j["state"] == "completed" for j in _jobs(browser)), 60, "Tether's job"
        )
        [job] = _jobs(browser)
        assert Path(job["path"]).read_bytes() == content
        assert COOKIE in server.requests_for("/file.bin")[-1].headers.get("Cookie", "")
        # the browser's own download: cancelled and erased, nothing left on its disk
        wait_until(lambda: worker.evaluate("chrome.downloads.search({})") == [], 30, "the cancel")
        leftovers = [p.name for p in (browser.home / "Downloads").iterdir() if p.name != "file.bin"]
        assert leftovers == []

        SHOTS.mkdir(parents=True, exist_ok=True)
        popup = context.new_page()
        popup.set_viewport_size({"width": 400, "height": 300})
        popup.goto(f"chrome-extension://{CHROMIUM_EXTENSION_ID}/popup.html")
        popup.wait_for_selector("#jobs li")
        assert "file.bin" in popup.inner_text("#jobs")
        assert "completed" in popup.inner_text("#jobs")
        popup.screenshot(path=str(SHOTS / "popup.png"))
        options = context.new_page()
        options.set_viewport_size({"width": 640, "height": 640})
        options.goto(f"chrome-extension://{CHROMIUM_EXTENSION_ID}/options.html")
        options.wait_for_selector("#status:has-text('Connected to Tether')", timeout=30_000)
        assert "Connected to Tether" in options.inner_text("#status")
        options.screenshot(path=str(SHOTS / "options.png"))
        chromium.close()
    # the cookie was a secret of the job: gone from the data folder once it completed
    for path in browser.data.rglob("*"):
        if path.is_file():
            assert COOKIE.encode() not in path.read_bytes(), path.name


def test_without_tether_the_browser_keeps_the_download(
    server: FaultServer, browser: Browser
) -> None:
    """No host manifest installed: the download must stay in the browser, complete."""
    content = payload(200 * 1024)
    server.add_file("/page.html", b'<a id="dl" href="/k.bin">k</a>', content_type="text/html")
    server.add_file("/k.bin", content, content_disposition='attachment; filename="k.bin"')
    endpoint = browser.start()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.connect_over_cdp(endpoint)
        context = chromium.contexts[0]
        chromium.new_browser_cdp_session().send(
            "Browser.setDownloadBehavior", {"behavior": "default"}
        )
        worker = _worker(context)
        page = context.new_page()
        page.goto(server.url("/page.html"))
        page.click("#dl")
        wait_until(
            lambda: (
                [d["state"] for d in worker.evaluate("chrome.downloads.search({})")] == ["complete"]
            ),
            30,
            "the browser's download",
        )
        chromium.close()
    assert (browser.home / "Downloads" / "k.bin").read_bytes() == content
    assert _jobs(browser) == []


def test_the_popup_pauses_and_resumes_a_download_sent_from_a_link(
    server: FaultServer, browser: Browser
) -> None:
    """The context menu's hand-over (the worker's sendToTether), then the popup's buttons."""
    content = payload(6 * 1024 * 1024)
    spec = server.add_file("/slow.bin", content)
    spec.rate = 1024 * 1024
    assert browser.tether("browser", "install", "--browser", "chromium").returncode == 0
    endpoint = browser.start()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.connect_over_cdp(endpoint)
        context = chromium.contexts[0]
        worker = _worker(context)
        job = worker.evaluate(
            "(u) => globalThis.tetherSendToTether({url: u, referrer: u})", server.url("/slow.bin")
        )
        assert job["state"] in ("queued", "downloading")
        popup = context.new_page()
        popup.set_viewport_size({"width": 400, "height": 240})
        popup.goto(f"chrome-extension://{CHROMIUM_EXTENSION_ID}/popup.html")
        popup.wait_for_selector("li.state-downloading button:has-text('Pause')")
        popup.click("li.state-downloading button:has-text('Pause')")
        popup.wait_for_selector("li.state-paused button:has-text('Resume')")
        assert [j["state"] for j in _jobs(browser)] == ["paused"]
        SHOTS.mkdir(parents=True, exist_ok=True)
        popup.screenshot(path=str(SHOTS / "popup-paused.png"))
        popup.click("li.state-paused button:has-text('Resume')")
        popup.wait_for_selector("li.state-downloading", timeout=30_000)
        spec.rate = None
        popup.wait_for_selector("li.state-completed", timeout=60_000)
        chromium.close()
    [done] = _jobs(browser)
    assert Path(done["path"]).read_bytes() == content


def test_an_expired_link_is_recaptured_from_its_page(server: FaultServer, browser: Browser) -> None:
    """The link dies (403) mid-download: the host tells the extension, which opens the page
    again, finds the file's fresh link and hands it over; the byte check accepts it and the
    job continues from its partial data."""
    from app.service.client import connect

    content = payload(6 * 1024 * 1024, seed=3)
    cookie = {"Cookie": f"sid={COOKIE}"}
    page = '<a id="dl" href="/{}/file.bin">file.bin</a>'
    fresh_page = {"Cache-Control": "no-store"}  # a page with signed links is never cached
    server.add_file(
        "/page.html",
        page.format("v1").encode(),
        content_type="text/html",
        set_cookie=f"sid={COOKIE}; Path=/",
        extra_headers=fresh_page,
    )
    old = server.add_file("/v1/file.bin", content, require_headers=cookie)
    old.rate = 1024 * 1024
    assert browser.tether("browser", "install", "--browser", "chromium").returncode == 0
    endpoint = browser.start()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.connect_over_cdp(endpoint)
        context = chromium.contexts[0]
        chromium.new_browser_cdp_session().send(
            "Browser.setDownloadBehavior", {"behavior": "default"}
        )
        worker = _worker(context)
        tab = context.new_page()
        tab.goto(server.url("/page.html"))
        tab.click("#dl")
        wait_until(lambda: any(j["done"] > 1024 * 1024 for j in _jobs(browser)), 30, "progress")
        client = connect(browser.data)
        assert client is not None
        with client:
            client.call("pause", id=1)
            wait_until(lambda: _jobs(browser)[0]["state"] == "paused", 30, "the pause")
            # the signed link expires; the page now links a fresh one
            old.status_always = 403
            server.add_file(
                "/page.html",
                page.format("v2").encode(),
                content_type="text/html",
                set_cookie=f"sid={COOKIE}; Path=/",
                extra_headers=fresh_page,
            )
            server.add_file("/v2/file.bin", content, require_headers=cookie)
            wait_until(lambda: worker.evaluate("globalThis.tetherWatching()"), 30, "the port")
            client.call("resume", id=1)
            wait_until(lambda: _jobs(browser)[0]["state"] == "completed", 60, "the re-captured job")
            log = [e["message"] for e in client.call("jobs.log", id=1)["entries"]]
        chromium.close()
    [job] = _jobs(browser)
    assert Path(job["path"]).read_bytes() == content
    assert any("/v2/file.bin" in m for m in log) and any("new link checked" in m for m in log)
    assert any("403" in m for m in log)


def test_a_click_with_the_bypass_key_leaves_the_download_to_the_browser(
    server: FaultServer, browser: Browser
) -> None:
    """Alt+click (the options' default key): the browser downloads the link itself and Tether
    never sees it; an ordinary click on the same page still goes to Tether. Then the options
    page makes Shift the key: Shift+click is kept, Alt+click no longer is."""
    files = {name: payload(300 * 1024 + i, seed=5 + i) for i, name in enumerate("abcd")}
    links = " ".join(f'<a id="{n}" href="/{n}.bin">{n}</a>' for n in files)
    server.add_file("/page.html", links.encode(), content_type="text/html")
    for name, content in files.items():
        server.add_file(
            f"/{name}.bin", content, content_disposition=f'attachment; filename="{name}.bin"'
        )
    assert browser.tether("browser", "install", "--browser", "chromium").returncode == 0
    endpoint = browser.start()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.connect_over_cdp(endpoint)
        context = chromium.contexts[0]
        chromium.new_browser_cdp_session().send(
            "Browser.setDownloadBehavior", {"behavior": "default"}
        )
        worker = _worker(context)

        def browsers_own() -> list[tuple[str, str]]:
            found = worker.evaluate("chrome.downloads.search({})")
            return sorted((d["url"].rsplit("/", 1)[-1], d["state"]) for d in found)

        def tethers() -> list[str]:
            return sorted(
                j["url"].rsplit("/", 1)[-1] for j in _jobs(browser) if j["state"] == "completed"
            )

        page = context.new_page()
        page.goto(server.url("/page.html"))
        page.click("#a", modifiers=["Alt"])
        wait_until(lambda: browsers_own() == [("a.bin", "complete")], 30, "the browser's a.bin")
        page.click("#b")
        wait_until(lambda: tethers() == ["b.bin"], 60, "Tether's b.bin")
        # the browser's copy of the ordinary click: cancelled and erased; the Alt one stays
        wait_until(lambda: browsers_own() == [("a.bin", "complete")], 30, "the cancel")

        options = context.new_page()
        options.goto(f"chrome-extension://{CHROMIUM_EXTENSION_ID}/options.html")
        options.wait_for_selector("#bypassKey")
        assert options.input_value("#bypassKey") == "alt"
        options.select_option("#bypassKey", "shift")
        options.click("button[type=submit]")
        options.wait_for_selector("#saved:has-text('Saved.')")
        options.close()
        page.bring_to_front()
        page.click("#c", modifiers=["Shift"])  # a new window, whose download the browser keeps
        wait_until(
            lambda: browsers_own() == [("a.bin", "complete"), ("c.bin", "complete")],
            30,
            "the browser's c.bin",
        )
        page.click("#d", modifiers=["Alt"])  # Alt is an ordinary click now
        wait_until(lambda: tethers() == ["b.bin", "d.bin"], 60, "Tether's d.bin")
        wait_until(
            lambda: browsers_own() == [("a.bin", "complete"), ("c.bin", "complete")],
            30,
            "the cancel of d.bin",
        )
        chromium.close()
    by_name = {j["url"].rsplit("/", 1)[-1]: j for j in _jobs(browser)}
    assert sorted(by_name) == ["b.bin", "d.bin"]
    for name in ("b", "d"):
        assert Path(by_name[f"{name}.bin"]["path"]).read_bytes() == files[name]
    for name in ("a", "c"):
        assert (browser.home / "Downloads" / f"{name}.bin").read_bytes() == files[name]
    # one file each: the browser's a and c, Tether's b and d (it saves to ~/Downloads too)
    assert sorted(p.name for p in (browser.home / "Downloads").iterdir()) == [
        f"{n}.bin" for n in "abcd"
    ]


def test_refresh_address_asks_the_browser_for_a_fresh_link(
    server: FaultServer, browser: Browser
) -> None:
    """The window's "Refresh address…" on a paused job (the service's `recapture`, as the
    window calls it): the extension reopens the job's page, finds the fresh link and hands it
    over; the byte check accepts it and the job completes from its partial data."""
    from app.service.client import connect

    content = payload(5 * 1024 * 1024, seed=9)
    page = '<a id="dl" href="/{}/movie.bin">movie.bin</a>'
    no_store = {"Cache-Control": "no-store"}
    server.add_file(
        "/page.html", page.format("v1").encode(), content_type="text/html", extra_headers=no_store
    )
    old = server.add_file("/v1/movie.bin", content)
    old.rate = 1024 * 1024
    assert browser.tether("browser", "install", "--browser", "chromium").returncode == 0
    endpoint = browser.start()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.connect_over_cdp(endpoint)
        context = chromium.contexts[0]
        chromium.new_browser_cdp_session().send(
            "Browser.setDownloadBehavior", {"behavior": "default"}
        )
        worker = _worker(context)
        tab = context.new_page()
        tab.goto(server.url("/page.html"))
        tab.click("#dl")
        wait_until(lambda: any(j["done"] > 1024 * 1024 for j in _jobs(browser)), 30, "progress")
        client = connect(browser.data)
        assert client is not None
        with client:
            client.call("pause", id=1)
            wait_until(lambda: _jobs(browser)[0]["state"] == "paused", 30, "the pause")
            old.status_always = 403  # it would fail on resume; the user refreshes first
            server.add_file(
                "/page.html",
                page.format("v2").encode(),
                content_type="text/html",
                extra_headers=no_store,
            )
            server.add_file("/v2/movie.bin", content)
            wait_until(lambda: worker.evaluate("globalThis.tetherWatching()"), 30, "the port")
            assert client.call("recapture", id=1) == {"asked": 1, "reason": None}
            wait_until(lambda: _jobs(browser)[0]["state"] == "completed", 60, "the refreshed job")
            log = [e["message"] for e in client.call("jobs.log", id=1)["entries"]]
        chromium.close()
    [job] = _jobs(browser)
    assert job["url"] == server.url("/v2/movie.bin")
    assert Path(job["path"]).read_bytes() == content
    assert any("new link checked" in m for m in log), log
    assert not any("403" in m for m in log), "refreshed before the old link was tried again"
