"""Del on unfinished downloads asks first, naming them, with a choice to keep the data
downloaded so far (issue 9: it removed a running download and its data without a word)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox

from app.store.models import JobState
from tests.test_ui_journeys import activate, settle, win  # noqa: F401  (the fixture)
from tests.test_ui_window import select_ids


def _press_delete(window: Any, qtbot: Any) -> QMessageBox:
    activate(window, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(
        lambda: window.question is not None and window.question.isVisible(), timeout=2000
    )
    box = window.question
    assert box is not None
    return box


def test_delete_key_on_running_downloads_asks_every_time(win: Any, qtbot: Any) -> None:  # noqa: F811
    window, engine, _ = win
    # Just started: no checkpoint yet, so the job row says 0 bytes done.
    engine.set_state(5, JobState.DOWNLOADING, done=0)
    window.model.flush_events()

    select_ids(window, 5)
    box = _press_delete(window, qtbot)
    assert "song.flac" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    settle(qtbot)
    assert window.model.job(5) is not None
    assert not [c for c in engine.calls if c[0] == "remove"]

    # Again, and this time keep the data.
    box = _press_delete(window, qtbot)
    check = box.checkBox()
    assert isinstance(check, QCheckBox) and check.isChecked()
    check.setChecked(False)
    next(b for b in box.buttons() if b.text() == "Remove").click()
    qtbot.waitUntil(lambda: window.model.job(5) is None, timeout=2000)
    assert ("keep_partial", 5) in engine.calls
    settle(qtbot)

    # A third time with two downloads, deleting their data: both are named.
    select_ids(window, 1, 2)
    box = _press_delete(window, qtbot)
    assert "ubuntu-24.04-desktop-amd64.iso" in box.text()
    assert "big_buck_bunny_1080p.mp4" in box.text()
    next(b for b in box.buttons() if b.text() == "Remove").click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=2000)
    assert ("remove", (1, False)) in engine.calls and ("remove", (2, False)) in engine.calls
    assert ("keep_partial", 1) not in engine.calls
