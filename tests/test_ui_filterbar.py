"""The bar above the queue (app/ui/filterbar.py): Find puts the cursor in the search field,
Escape there clears it and hands the keyboard back to the queue; the group buttons count."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.store.models import JobState
from app.ui.filterbar import FilterBar
from tests.test_ui_window import env  # noqa: F401 (a fixture)


def test_find_then_escape_clears_the_search_and_returns_to_the_queue(
    env: Any,  # noqa: F811
    qtbot: Any,
) -> None:
    window, _, _ = env
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    for text in ("flac", "ubuntu"):  # twice: the second time starts from the queue's focus
        window.commands.find.trigger()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.search)
        qtbot.keyClicks(window.search, text)
        assert window.proxy.rowCount() == 1
        qtbot.keyClick(window.search, Qt.Key.Key_Escape)
        assert window.search.text() == "" and window.proxy.rowCount() == 5
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.view)


def test_find_selects_what_is_already_typed(env: Any, qtbot: Any) -> None:  # noqa: F811
    window, _, _ = env
    window.search.setText("iso")
    window.view.setFocus()
    window.commands.find.trigger()
    assert window.search.selectedText() == "iso"  # typing replaces the old search


def test_each_group_counts_its_jobs(qtbot: Any) -> None:
    bar = FilterBar()
    qtbot.addWidget(bar)
    counts = dict.fromkeys(JobState, 0)
    counts.update({JobState.DOWNLOADING: 2, JobState.PAUSED: 1, JobState.FAILED: 3})
    bar.set_counts(6, counts)
    texts = {key: bar.filters.button(key).text() for key in ("all", "active", "failed")}
    assert texts == {"all": "All  6", "active": "Active  3", "failed": "Failed  3"}
    bar.set_counts(0, dict.fromkeys(JobState, 0))
    assert bar.filters.button("failed").text() == "Failed"  # no number when none
