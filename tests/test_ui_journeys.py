"""Journeys through the window in one session: every action done at least twice, with Qt's
deferred deletes really processed in between (a dialog deleted by deleteLater must never be
reused: issue 9, "the Add dialog works once per session")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from app.options import Options
from app.ui.controller import Controller
from app.ui.dropparse import DropContent
from app.ui.i18n import install_translators
from app.ui.mainwindow import MainWindow
from app.ui.model import JobTableModel
from tests.support.fakeengine import FakeEngine, sample_jobs
from tests.test_ui_window import DictStore
from tests.test_ui_window import _drop as drop


def settle(qtbot: Any) -> None:
    """Let the event loop run, then really delete what deleteLater() scheduled."""
    qtbot.wait(10)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


@pytest.fixture
def win(qtbot: Any, tmp_path: Path) -> Iterator[tuple[MainWindow, FakeEngine, DictStore]]:
    install_translators(QApplication.instance())  # type: ignore[arg-type]
    model = JobTableModel()
    controller = Controller(model)
    engine = FakeEngine(sample_jobs(), on_event=controller.on_engine_event)
    controller.attach(engine)
    store = DictStore()
    window = MainWindow(controller, store, Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window, engine, store
    window.request_quit()
    controller.detach()


def activate(window: MainWindow, qtbot: Any) -> None:
    """What the window manager does when a dialog closes; offscreen Qt has none."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.view.setFocus()


def _visible_add(window: MainWindow) -> Any:
    dialog = window.add_dialog
    return dialog if dialog is not None and dialog.isVisible() else None


def _adds(engine: FakeEngine) -> list[str]:
    return [c[1][0] for c in engine.calls if c[0] == "add"]


def test_add_dialog_opens_again_after_cancel(win: Any, qtbot: Any) -> None:
    window, _, _ = win
    for _ in range(3):
        activate(window, qtbot)
        qtbot.keyClick(window.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: _visible_add(window) is not None, timeout=2000)
        window.add_dialog.reject()
        settle(qtbot)
        assert window.add_dialog is None or not window.add_dialog.isVisible()


def test_add_twice_then_paste_twice_then_drop_twice(win: Any, qtbot: Any) -> None:
    window, engine, _ = win
    for n in (1, 2):
        window.commands.add.trigger()
        qtbot.waitUntil(lambda: _visible_add(window) is not None, timeout=2000)
        window.add_dialog.urls_edit.setPlainText(f"https://example.com/added{n}.iso")
        window.add_dialog.accept()
        settle(qtbot)
    clipboard = QGuiApplication.clipboard()
    for n in (1, 2):
        clipboard.setText(f"https://example.com/pasted{n}.iso")
        activate(window, qtbot)
        qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: _visible_add(window) is not None, timeout=2000)
        window.add_dialog.accept()
        settle(qtbot)
    for n in (1, 2):
        mime = QMimeData()
        mime.setText(f"https://example.com/dropped{n}.iso")
        drop(window, mime)
        qtbot.waitUntil(lambda: _visible_add(window) is not None, timeout=2000)
        window.add_dialog.accept()
        settle(qtbot)
    assert _adds(engine) == [
        "https://example.com/added1.iso",
        "https://example.com/added2.iso",
        "https://example.com/pasted1.iso",
        "https://example.com/pasted2.iso",
        "https://example.com/dropped1.iso",
        "https://example.com/dropped2.iso",
    ]


def test_second_instance_handover_twice(win: Any, qtbot: Any) -> None:
    """What app.on_forwarded does with URLs from a later `tether URL`, twice."""
    window, engine, _ = win
    for n in (1, 2):
        window.offer_urls(DropContent(urls=[f"https://example.com/fwd{n}.iso"]))
        qtbot.waitUntil(lambda: _visible_add(window) is not None, timeout=2000)
        assert window.add_dialog.urls() == [f"https://example.com/fwd{n}.iso"]
        window.add_dialog.accept()
        settle(qtbot)
    assert _adds(engine)[-2:] == ["https://example.com/fwd1.iso", "https://example.com/fwd2.iso"]


def test_settings_open_twice_and_change_twice(win: Any, qtbot: Any) -> None:
    window, _, store = win
    for value in (3, 4):
        activate(window, qtbot)
        qtbot.keyClick(window.view, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(
            lambda: window.settings_dialog is not None and window.settings_dialog.isVisible(),
            timeout=2000,
        )
        window.settings_dialog.max_concurrent.setValue(value)
        window.settings_dialog.accept()
        settle(qtbot)
        assert store["max_concurrent"] == value
    for _ in range(2):
        dialog = window.show_settings()
        assert dialog.isVisible()
        dialog.reject()
        settle(qtbot)


def test_properties_open_twice(win: Any, qtbot: Any) -> None:
    window, _, _ = win
    for _ in range(2):
        dialog = window.show_properties(4)
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible, timeout=2000)
        dialog.reject()
        settle(qtbot)
    # Job logs for a closed dialog must not reach a deleted one.
    window.controller.job_log.emit(4, "later line")


def test_about_opens_twice(win: Any, qtbot: Any, monkeypatch: Any, tmp_path: Path) -> None:
    window, _, _ = win
    monkeypatch.setenv("TETHER_DATA_DIR", str(tmp_path / "data"))
    for _ in range(2):
        window.commands.about.trigger()

        def about() -> QWidget | None:
            for w in QApplication.topLevelWidgets():
                if w.objectName() == "about_box" and w.isVisible():
                    return w
            return None

        qtbot.waitUntil(lambda: about() is not None, timeout=2000)
        box = about()
        assert box is not None
        box.close()
        settle(qtbot)
        qtbot.waitUntil(lambda: about() is None, timeout=2000)
