"""Completion notices: freedesktop notifications with Open / Show in Folder over D-Bus (against
a stand-in service on a private bus), and the tray balloon fallback whose click opens the
folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtDBus import QDBusConnection

from app.store.models import JobState
from app.ui.notify import DesktopNotifier
from tests.test_ui_features import env  # noqa: F401 - the window fixture

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bus(tmp_path: Path, qtbot: Any) -> Iterator[tuple[QDBusConnection, Path]]:
    if shutil.which("dbus-daemon") is None:
        pytest.skip("no dbus-daemon")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    log = tmp_path / "notices.txt"
    log.touch()
    service = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "support" / "fakenotify.py"), str(log)],
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "QT_QPA_PLATFORM": "offscreen"},
    )
    qtbot.waitUntil(lambda: "ready" in log.read_text(), timeout=10000)
    connection = QDBusConnection.connectToBus(address, f"tether-test-{os.getpid()}")
    assert connection.isConnected()
    yield connection, log
    QDBusConnection.disconnectFromBus(connection.name())
    for proc in (service, daemon):
        proc.send_signal(signal.SIGTERM)
        proc.wait(5)
    daemon.stdout.close()


def test_notifications_carry_open_and_show_in_folder(bus: Any, qtbot: Any) -> None:
    connection, log = bus
    notifier = DesktopNotifier(bus=connection)
    assert notifier.available()
    opened: list[str] = []
    shown: list[str] = []
    notifier.open_file.connect(opened.append)
    notifier.open_folder.connect(shown.append)
    for n in (1, 2, 3, 4):
        assert notifier.notify("Download complete", f"file{n}.iso", f"/dl/file{n}.iso")
    qtbot.waitUntil(lambda: len(opened) + len(shown) == 4)
    assert opened == ["/dl/file1.iso", "/dl/file3.iso"]  # the stand-in invokes "open"...
    assert shown == ["/dl/file2.iso", "/dl/file4.iso"]  # ...and "folder", in turn
    lines = [line.split("\t") for line in log.read_text().splitlines()[1:]]
    assert [line[2] for line in lines] == ["Download complete"] * 4
    assert "open,Open,folder,Show in Folder" in lines[0][4]


def test_without_the_service_the_tray_balloon_opens_the_folder(
    env: Any,  # noqa: F811
    qtbot: Any,
    monkeypatch: Any,
) -> None:
    window, engine, _ = env
    notifier = window.extras.notifier
    notifier._checked, notifier._iface = True, None  # as on a desktop without the service
    opened: list[str] = []
    monkeypatch.setattr(window, "_open_path", opened.append)
    for job_id in (1, 5):
        engine.set_state(job_id, JobState.COMPLETED)
        window.model.flush_events()
        assert window.tray.last_job is not None and window.tray.last_job.id == job_id
        window.tray.icon.messageClicked.emit()
        assert opened[-1] == engine._jobs[job_id].dest_dir
    assert len(opened) == 2
