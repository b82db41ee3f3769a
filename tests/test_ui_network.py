"""The window's network settings and clipboard monitoring (offscreen, pytest-qt): the Network
tab saves the proxy (its password with the secrets) and site rules and applies them live; a
copied link to a file is offered once, Download opens the Add flow, Ignore adds nothing."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.engine.proxy import ProxyConfig
from app.engine.siterules import SiteRule, effective_rule
from app.ui.clipwatch import file_links
from app.ui.mainwindow import MainWindow
from tests.test_ui_window import env  # noqa: F401 (the window fixture)

SECRET = "ui-Pr0xy-Secret"


def _network(window: MainWindow) -> Any:
    dialog = window.show_settings()
    dialog.pages.setCurrentWidget(dialog.network)
    return dialog, dialog.network


def test_network_tab_saves_and_applies_twice(env: Any, qtbot: Any) -> None:  # noqa: F811
    window, engine, store = env
    dialog, page = _network(window)
    page.mode.setCurrentIndex(page.mode.findData("socks5"))
    assert page.host.isEnabled() and page.password.isEnabled()
    page.host.setText("proxy.lan")
    page.port.setValue(1080)
    page.user.setText("me")
    page.password.setText(SECRET)
    page.no_proxy.setText("localhost, .lan")
    page.add_rule.click()
    page.rules.item(0, 0).setText("*.example.com")
    page.rules.cellWidget(0, 1).setValue(2)
    page.rules.item(0, 2).setText("Agent/1")
    page.headers.setPlainText("Authorization: Bearer " + SECRET)
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert store["proxy_mode"] == "socks5" and store["proxy_host"] == "proxy.lan"
    assert "proxy_password" not in store and "site_rules" not in store
    assert SECRET not in repr(dict(store))
    assert store.secrets.get_app("proxy_password") == SECRET
    assert engine.settings.proxy == ProxyConfig(
        "socks5", "proxy.lan", 1080, "me", SECRET, ("localhost", ".lan")
    )
    rule = effective_rule("https://dl.example.com/f", engine.settings.site_rules)
    assert (rule.max_connections, rule.user_agent) == (2, "Agent/1")
    assert dict(rule.headers) == {"Authorization": "Bearer " + SECRET}

    # the second time: the dialog shows what was saved; switch the proxy off, drop the rule
    dialog, page = _network(window)
    assert page.mode.currentData() == "socks5" and page.password.text() == SECRET
    assert page.rules.rowCount() == 1 and page.rules.item(0, 0).text() == "*.example.com"
    page.rules.setCurrentCell(0, 0)
    assert page.headers.toPlainText() == "Authorization: Bearer " + SECRET
    page.mode.setCurrentIndex(page.mode.findData("none"))
    assert not page.host.isEnabled()
    page.remove_rule.click()
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert engine.settings.proxy.mode == "none" and engine.settings.site_rules == ()
    assert store.secrets.get_app("site_rules") is None


def test_a_bad_site_rule_keeps_the_dialog_open(env: Any, qtbot: Any) -> None:  # noqa: F811
    window, engine, _ = env
    for attempt in range(2):
        dialog, page = _network(window)
        page.add_rule.click()
        page.rules.item(page.rules.rowCount() - 1, 0).setText(f"h{attempt}.example.com")
        page.headers.setPlainText("not a header line")
        dialog.accept()
        assert dialog.isVisible() and page.error.isVisible()
        assert "Name: value" in page.error.text()
        page.headers.setPlainText("X-Ok: yes")
        dialog.accept()
        qtbot.waitUntil(lambda d=dialog: not d.isVisible())
        assert SiteRule(f"h{attempt}.example.com", 2, "", (("X-Ok", "yes"),)) in (
            engine.settings.site_rules
        )


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("see https://a.example/file.zip and http://b.example/v.mkv?x=1", 2),
        ("https://a.example/page.html", 0),
        ("https://a.example/", 0),
        ("https://a.example/download?id=3", 0),
        ("just some words", 0),
    ],
)
def test_which_copied_links_are_files(text: str, links: int) -> None:
    assert len(file_links(text)) == links


def _enable(window: MainWindow, **changes: Any) -> None:
    window.apply_options(dataclasses.replace(window.options, clipboard_monitor=True, **changes))


def test_copied_file_links_are_offered_once_each(env: Any, qtbot: Any) -> None:  # noqa: F811
    window, _, _ = env
    clipboard = QGuiApplication.clipboard()
    offered: list[list[str]] = []
    window.clipwatch.offered.connect(offered.append)
    clipboard.setText("https://a.example/one.zip")  # monitoring is off by default
    assert offered == [] and not window.clipwatch.popup.isVisible()
    _enable(window)
    for text in ("https://a.example/first.iso", "https://a.example/second.mp4"):
        clipboard.setText(text)
        assert offered[-1] == [text]
        assert window.clipwatch.popup.isVisible()
        assert text.rsplit("/", 1)[1] in window.clipwatch.popup.detail.text()
    clipboard.setText("https://a.example/first.iso")  # offered already: not again
    clipboard.setText("hello")
    clipboard.setText("https://a.example/index.html")
    assert offered == [["https://a.example/first.iso"], ["https://a.example/second.mp4"]]
    window.clipwatch.popup.ignore_button.click()
    assert not window.clipwatch.popup.isVisible()
    assert window.add_dialog is None


def test_download_opens_the_add_flow_each_time(env: Any, qtbot: Any) -> None:  # noqa: F811
    window, engine, _ = env
    _enable(window)
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("https://a.example/a.zip")
    qtbot.mouseClick(window.clipwatch.popup.download_button, Qt.MouseButton.LeftButton)
    dialog = window.add_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.urls() == ["https://a.example/a.zip"]
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # with "add without asking", Download adds at once (and only on the click)
    _enable(window, add_without_asking=True)
    before = len(engine.calls)
    clipboard.setText("https://a.example/b.tar.gz")
    assert not any(c[0] == "add" for c in engine.calls[before:])
    qtbot.mouseClick(window.clipwatch.popup.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(c[0] == "add" for c in engine.calls[before:]))
    added = [c for c in engine.calls[before:] if c[0] == "add"]
    assert "https://a.example/b.tar.gz" in repr(added)


def test_turning_monitoring_off_stops_offers(env: Any, qtbot: Any) -> None:  # noqa: F811
    window, _, _ = env
    offered: list[list[str]] = []
    window.clipwatch.offered.connect(offered.append)
    for _ in range(2):
        _enable(window)
        window.apply_options(dataclasses.replace(window.options, clipboard_monitor=False))
        QGuiApplication.clipboard().setText(f"https://a.example/{len(offered)}-{_}.zip")
    assert offered == []
