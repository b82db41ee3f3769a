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
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.browser.build import build
from app.browser.manifests import CHROMIUM_EXTENSION_ID
from tests.engine_helpers import payload
from tests.support.browsers import BrowserWorld
from tests.support.e2e import ROOT, wait_until
from tests.support.faultserver import FaultServer

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


class Browser(BrowserWorld):
    """Chromium for one test: its own HOME (so its default profile, where it reads native
    messaging hosts, is a temp folder), killed with its whole process group at teardown."""

    def __init__(self, base: Path, data: Path) -> None:
        super().__init__(base, data)
        self.profile = self.home / ".config" / "chromium"  # the default user data dir
        self.profile.mkdir(parents=True)
        self.extension = build("chromium", base / "extension", ROOT / "resources" / "browser")
        self.log = base / "chromium.log"

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


@contextlib.contextmanager
def session(endpoint: str, downloads: bool = True) -> Iterator[tuple[Any, Any]]:
    """Playwright on the running Chromium: its default context and the extension's worker.
    `downloads`: give downloads back to the browser (Playwright's own handling bypasses the
    extensions' download events)."""
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.connect_over_cdp(endpoint)
        context = chromium.contexts[0]
        if downloads:
            chromium.new_browser_cdp_session().send(
                "Browser.setDownloadBehavior", {"behavior": "default"}
            )
        try:
            yield context, _worker(context)
        finally:
            chromium.close()


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
    with session(endpoint) as (context, worker):
        page = context.new_page()
        page.goto(server.url("/page.html"))
        page.click("#dl")
        wait_until(
            lambda: any(j["state"] == "completed" for j in browser.jobs()), 60, "Tether's job"
        )
        [job] = browser.jobs()
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
    with session(endpoint) as (context, worker):
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
    assert (browser.home / "Downloads" / "k.bin").read_bytes() == content
    assert browser.jobs() == []


def test_the_popup_pauses_and_resumes_a_download_sent_from_a_link(
    server: FaultServer, browser: Browser
) -> None:
    """The context menu's hand-over (the worker's sendToTether), then the popup's buttons."""
    content = payload(4 * 1024 * 1024)
    spec = server.add_file("/slow.bin", content)
    # per connection: the job's 8 together take ~8 s, so it cannot finish before the Pause
    # click (at 1 MiB/s each it sometimes did, under load, and the test waited in vain)
    spec.rate = 64 * 1024
    assert browser.tether("browser", "install", "--browser", "chromium").returncode == 0
    endpoint = browser.start()
    with session(endpoint, downloads=False) as (context, worker):
        job = worker.evaluate(
            "(u) => globalThis.tetherSendToTether({url: u, referrer: u})", server.url("/slow.bin")
        )
        assert job["state"] == "downloading"  # an empty queue: the service starts it at once
        popup = context.new_page()
        popup.set_viewport_size({"width": 400, "height": 240})
        popup.goto(f"chrome-extension://{CHROMIUM_EXTENSION_ID}/popup.html")
        popup.wait_for_selector("li.state-downloading button:has-text('Pause')")
        popup.click("li.state-downloading button:has-text('Pause')")
        popup.wait_for_selector("li.state-paused button:has-text('Resume')")
        assert [j["state"] for j in browser.jobs()] == ["paused"]
        SHOTS.mkdir(parents=True, exist_ok=True)
        popup.screenshot(path=str(SHOTS / "popup-paused.png"))
        popup.click("li.state-paused button:has-text('Resume')")
        popup.wait_for_selector("li.state-downloading", timeout=30_000)
        spec.rate = None
        popup.wait_for_selector("li.state-completed", timeout=60_000)
    [done] = browser.jobs()
    assert Path(done["path"]).read_bytes() == content


@contextlib.contextmanager
def paused_with_an_expired_link(
    server: FaultServer, browser: Browser, content: bytes
) -> Iterator[Any]:
    """A download clicked on a page that needs its cookie, paused part-way; then its signed
    link expires (403) and the page links a fresh one (/v2/). Yields a service client, once
    the extension's port to the host is open."""
    from app.service.client import connect

    cookie = {"Cookie": f"sid={COOKIE}"}
    page = '<a id="dl" href="/{}/file.bin">file.bin</a>'

    def serve_page(version: str) -> None:
        server.add_file(
            "/page.html",
            page.format(version).encode(),
            content_type="text/html",
            set_cookie=f"sid={COOKIE}; Path=/",
            extra_headers={"Cache-Control": "no-store"},  # a page of signed links: not cached
        )

    serve_page("v1")
    old = server.add_file("/v1/file.bin", content, require_headers=cookie)
    old.rate = 1024 * 1024
    assert browser.tether("browser", "install", "--browser", "chromium").returncode == 0
    endpoint = browser.start()
    with session(endpoint) as (context, worker):
        tab = context.new_page()
        tab.goto(server.url("/page.html"))
        tab.click("#dl")
        wait_until(lambda: any(j["done"] > 1024 * 1024 for j in browser.jobs()), 30, "progress")
        client = connect(browser.data)
        assert client is not None
        with client:
            client.call("pause", id=1)
            wait_until(lambda: browser.jobs()[0]["state"] == "paused", 30, "the pause")
            old.status_always = 403
            serve_page("v2")
            server.add_file("/v2/file.bin", content, require_headers=cookie)
            wait_until(lambda: worker.evaluate("globalThis.tetherWatching()"), 30, "the port")
            yield client


def test_an_expired_link_is_recaptured_from_its_page(server: FaultServer, browser: Browser) -> None:
    """The link dies (403) on resume: the host tells the extension, which opens the page
    again, finds the file's fresh link and hands it over; the byte check accepts it and the
    job continues from its partial data."""
    content = payload(6 * 1024 * 1024, seed=3)
    with paused_with_an_expired_link(server, browser, content) as client:
        client.call("resume", id=1)
        wait_until(lambda: browser.jobs()[0]["state"] == "completed", 60, "the re-captured job")
        log = [e["message"] for e in client.call("jobs.log", id=1)["entries"]]
    [job] = browser.jobs()
    assert job["url"] == server.url("/v2/file.bin")
    assert Path(job["path"]).read_bytes() == content
    assert any("new link checked" in m for m in log), log
    assert any("403" in m for m in log)


def test_refresh_address_asks_the_browser_for_a_fresh_link(
    server: FaultServer, browser: Browser
) -> None:
    """The window's "Refresh address…" on the paused job (the service's `recapture`, as the
    window calls it): the extension reopens the job's page, finds the fresh link and hands it
    over before the dead one is tried; the byte check accepts it and the job completes."""
    content = payload(5 * 1024 * 1024, seed=9)
    with paused_with_an_expired_link(server, browser, content) as client:
        assert client.call("recapture", id=1) == {"asked": 1, "reason": None}
        wait_until(lambda: browser.jobs()[0]["state"] == "completed", 60, "the refreshed job")
        log = [e["message"] for e in client.call("jobs.log", id=1)["entries"]]
    [job] = browser.jobs()
    assert job["url"] == server.url("/v2/file.bin")
    assert Path(job["path"]).read_bytes() == content
    assert any("new link checked" in m for m in log), log
    assert not any("403" in m for m in log), "refreshed before the old link was tried again"


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
    with session(endpoint) as (context, worker):

        def browsers_own() -> list[tuple[str, str]]:
            found = worker.evaluate("chrome.downloads.search({})")
            return sorted((d["url"].rsplit("/", 1)[-1], d["state"]) for d in found)

        def tethers() -> list[str]:
            return sorted(
                j["url"].rsplit("/", 1)[-1] for j in browser.jobs() if j["state"] == "completed"
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
    by_name = {j["url"].rsplit("/", 1)[-1]: j for j in browser.jobs()}
    assert sorted(by_name) == ["b.bin", "d.bin"]
    for name in ("b", "d"):
        assert Path(by_name[f"{name}.bin"]["path"]).read_bytes() == files[name]
    for name in ("a", "c"):
        assert (browser.home / "Downloads" / f"{name}.bin").read_bytes() == files[name]
    # one file each: the browser's a and c, Tether's b and d (it saves to ~/Downloads too)
    assert sorted(p.name for p in (browser.home / "Downloads").iterdir()) == [
        f"{n}.bin" for n in "abcd"
    ]
