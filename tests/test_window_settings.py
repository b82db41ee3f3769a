"""The window's settings as a service client: what goes over the wire (only changes, never a
secret it did not type), "keep downloading after the window closes", and a folder held by a
`tether get` without a service."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from app.options import Options, keeps_downloading
from app.service.remote_settings import RemoteSettings, changed_values, options_from_values
from app.service.window_link import open_service
from app.store.lock import DataDirLock
from app.ui.dialogs.settings import SettingsDialog


def test_values_from_the_service_keep_secret_defaults_and_ignore_unknown_keys() -> None:
    values = dataclasses.asdict(Options(max_concurrent=5))
    values.update(proxy_password=None, site_rules=None, a_newer_option=1)
    options = options_from_values(values)
    assert options.max_concurrent == 5 and options.proxy_password == ""
    assert options.site_rules == ()


def test_only_changes_are_sent_and_a_secret_only_when_typed() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def call(method: str, **params: Any) -> Any:
        calls.append((method, params))
        return {"values": dataclasses.asdict(Options())} if method == "settings.get" else {}

    remote = RemoteSettings(call, "/x/queue.db")
    shown = remote.load()
    remote.save_options(shown)  # OK with nothing changed: nothing sent
    assert [m for m, _ in calls] == ["settings.get"]
    remote.save_options(dataclasses.replace(shown, notify=False, proxy_password="pw"))
    assert calls[-1] == ("settings.set", {"values": {"notify": False, "proxy_password": "pw"}})
    remote.save_options(dataclasses.replace(remote.known, site_rules=({"host": "a"},)))
    assert calls[-1][1]["values"] == {"site_rules": [{"host": "a"}]}  # JSON: a list


def test_a_refused_setting_is_one_line_and_not_remembered() -> None:
    def call(method: str, **params: Any) -> Any:
        if method == "settings.set":
            from app.service.protocol import BadInput

            raise BadInput("bad value for Connections per download: 99\nmore")
        return {"values": dataclasses.asdict(Options())}

    remote = RemoteSettings(call, "/x/queue.db")
    shown = remote.load()
    with pytest.raises(ValueError, match=r"^bad value for Connections per download: 99$"):
        remote.save_options(dataclasses.replace(shown, connections=99))
    assert remote.known == shown
    assert changed_values(shown, dataclasses.replace(shown, connections=99)) == {"connections": 99}


@pytest.mark.parametrize(
    ("mode", "tray", "keeps"),
    [("auto", False, False), ("auto", True, True), ("yes", False, True), ("no", True, False)],
)
def test_keep_downloading_follows_the_tray_unless_chosen(
    mode: str, tray: bool, keeps: bool
) -> None:
    assert keeps_downloading(Options(keep_downloading=mode, minimize_to_tray=tray)) is keeps


def test_the_settings_checkbox_follows_the_tray_until_the_user_ticks_it(qtbot: Any) -> None:
    dialog = SettingsDialog(None, Options(download_dir="/tmp"), tray_available=True)
    qtbot.addWidget(dialog)
    assert not dialog.keep_downloading.isChecked()
    dialog.minimize_to_tray.setChecked(True)
    assert dialog.keep_downloading.isChecked()  # auto: follows
    assert dialog.options().keep_downloading == "auto"
    dialog.keep_downloading.click()  # the user's own choice: off, even with the tray
    assert dialog.options().keep_downloading == "no"
    dialog.minimize_to_tray.setChecked(False)
    dialog.minimize_to_tray.setChecked(True)
    assert not dialog.keep_downloading.isChecked()  # no longer follows
    dialog.keep_downloading.click()
    assert dialog.options().keep_downloading == "yes"
    again = SettingsDialog(
        None, Options(download_dir="/tmp", keep_downloading="yes"), tray_available=True
    )
    qtbot.addWidget(again)
    assert again.keep_downloading.isChecked() and again.options().keep_downloading == "yes"


def test_a_folder_held_without_a_service_is_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    lock = DataDirLock(data)  # as a `tether get` running its own engine holds it
    assert lock.acquire()
    try:
        client, started, error = open_service(data)
    finally:
        lock.release()
    assert client is None and not started
    assert error is not None and "\n" not in error
    assert error.startswith("tether: another Tether process") and str(data) in error
