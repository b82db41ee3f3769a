"""End to end in a real Firefox: Debian's firefox-esr (headless), driven over Marionette (PyPI
`marionette_driver`; no geckodriver, no Playwright build of Firefox), the extension's Firefox
build installed as a temporary add-on, and the host manifest written by `tether browser install
--browser firefox` into a temp HOME's ~/.mozilla/native-messaging-hosts. A click on a link that
needs the page's cookie must end with the file in Tether's queue, the bytes exact, and the
browser's own download gone.

Firefox has no onDeterminingFilename: the extension pauses the download the moment it is
created, decides, and cancels it only once Tether took it (else resumes it).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.browser.build import build
from tests.engine_helpers import payload
from tests.support.browsers import BrowserWorld
from tests.support.e2e import ROOT, wait_until
from tests.support.faultserver import FaultServer

FIREFOX = "/usr/bin/firefox-esr"
COOKIE = "f1refoxS3ssion"

marionette = pytest.importorskip("marionette_driver.marionette", reason="no marionette_driver")
addons = pytest.importorskip("marionette_driver.addons")
pytestmark = [
    pytest.mark.skipif(not os.path.exists(FIREFOX), reason="firefox-esr is not installed"),
    # marionette_driver leaves its port-polling sockets to the garbage collector (its bug,
    # not ours): their ResourceWarnings must not fail the test
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

# Quiet and offline: no first-run pages, updates, telemetry or safe-browsing lookups.
PREFS: dict[str, Any] = {
    "browser.download.folderList": 2,
    "browser.download.useDownloadDir": True,
    "browser.download.always_ask_before_handling_new_types": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.proxy.type": 0,
}

# The browser's download list, from its chrome context (needs -remote-allow-system-access).
DOWNLOADS_JS = """
const [resolve] = arguments;
const { Downloads } = ChromeUtils.importESModule("resource://gre/modules/Downloads.sys.mjs");
Downloads.getList(Downloads.ALL)
  .then((list) => list.getAll())
  .then((all) => resolve(all.map((d) => ({url: d.source.url, succeeded: d.succeeded}))));
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Firefox(BrowserWorld):
    """firefox-esr for one test: its own HOME and profile, killed with its process group."""

    def __init__(self, base: Path, data: Path) -> None:
        super().__init__(base, data)
        self.downloads = self.home / "Downloads"
        self.downloads.mkdir()
        self.profile = base / "profile"
        self.profile.mkdir()
        self.port = _free_port()
        prefs = {**PREFS, "marionette.port": self.port, "browser.download.dir": str(self.downloads)}
        (self.profile / "user.js").write_text(
            "".join(f'user_pref("{k}", {json.dumps(v)});\n' for k, v in prefs.items())
        )
        self.extension = build("firefox", base / "extension", ROOT / "resources" / "browser")
        self.log = base / "firefox.log"
        self.client: Any = None

    def start(self) -> Any:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [FIREFOX, "--marionette", "-remote-allow-system-access", "--headless",
                 "--no-remote", "--profile", str(self.profile), "about:blank"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )  # fmt: skip
        self.client = marionette.Marionette(host="127.0.0.1", port=self.port, startup_timeout=60)
        self.client.start_session()
        addons.Addons(self.client).install(str(self.extension), temp=True)
        return self.client

    def browsers_downloads(self) -> list[dict[str, Any]]:
        with self.client.using_context("chrome"):
            return list(self.client.execute_async_script(DOWNLOADS_JS))

    def stop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.delete_session()
        super().stop()


@pytest.fixture
def firefox(tmp_path: Path) -> Iterator[Firefox]:
    f = Firefox(tmp_path, (tmp_path / "data").resolve())
    try:
        yield f
    finally:
        f.stop()


def test_a_click_in_firefox_ends_in_tethers_queue(server: FaultServer, firefox: Firefox) -> None:
    content = payload(2 * 1024 * 1024 + 5, seed=11)
    server.add_file(
        "/page.html",
        b'<html><body><a id="dl" href="/file.bin">file.bin</a></body></html>',
        content_type="text/html",
        set_cookie=f"sid={COOKIE}; Path=/",
    )
    server.add_file(
        "/file.bin",
        content,
        require_headers={"Cookie": f"sid={COOKIE}"},
        content_disposition='attachment; filename="file.bin"',
    )
    installed = firefox.tether("browser", "install", "--browser", "firefox")
    assert installed.returncode == 0, installed.stderr
    hosts = firefox.home / ".mozilla" / "native-messaging-hosts"
    assert str(hosts) in installed.stdout
    client = firefox.start()
    client.navigate(server.url("/page.html"))
    client.find_element("id", "dl").click()
    wait_until(lambda: any(j["state"] == "completed" for j in firefox.jobs()), 60, "Tether's job")
    [job] = firefox.jobs()
    assert job["url"] == server.url("/file.bin")
    assert Path(job["path"]).read_bytes() == content
    assert COOKIE in server.requests_for("/file.bin")[-1].headers.get("Cookie", "")
    # the browser's own download: cancelled and erased, its partial file gone
    wait_until(lambda: firefox.browsers_downloads() == [], 30, "the browser's cancel")
    assert [p.name for p in firefox.downloads.iterdir()] == [Path(job["path"]).name]
