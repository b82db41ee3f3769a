"""What the queue shows (issue 9): the done part of a selected row's progress bar stays
visible against the selection; a sorted queue stays sorted as values arrive."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor

from app.store.models import JobState
from app.ui.model import Column
from tests.test_ui_journeys import win  # noqa: F401  (the fixture)


def _distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def test_selected_row_progress_bar_shows_the_done_part(win: Any, qtbot: Any) -> None:  # noqa: F811
    window, engine, _ = win
    size = 256 << 20
    engine.set_progress(
        1, size * 98 // 100, speed=1e6, size=size, segments=((0, size, size * 98 // 100),)
    )
    window.controller.refresh_progress()
    row = window.model.row_of(1)
    index = window.proxy.mapFromSource(window.model.index(row, Column.PROGRESS))
    window.view.selectionModel().select(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    window.view.setColumnWidth(Column.PROGRESS, 240)
    qtbot.wait(20)
    rect = window.view.visualRect(index)
    image = window.view.viewport().grab().toImage()
    dpr = image.devicePixelRatio()
    y = round(rect.center().y() * dpr)
    background = image.pixelColor(round((rect.left() + 2) * dpr), y)
    text_width = window.view.progress_delegate._text_width
    bar_left, bar_right = rect.left() + 6, rect.right() - 6 - text_width
    for fraction in (0.25, 0.5, 0.9):
        x = round((bar_left + (bar_right - bar_left) * fraction) * dpr)
        pixel = image.pixelColor(x, y)
        assert _distance(pixel, background) > 120, (fraction, pixel.name(), background.name())


def _order(window: Any) -> list[int]:
    return [
        window.model.job_at(window.proxy.mapToSource(window.proxy.index(r, 0)).row()).id
        for r in range(window.proxy.rowCount())
    ]


def test_sorted_by_size_a_size_learnt_later_moves_the_row(win: Any, qtbot: Any) -> None:  # noqa: F811
    window, engine, _ = win
    window.view.sortByColumn(Column.SIZE, Qt.SortOrder.DescendingOrder)
    assert _order(window)[-1] == 4  # size unknown: last
    engine.set_state(4, JobState.QUEUED, size=5 << 30, error=None)  # retried, size now known
    qtbot.waitUntil(lambda: _order(window)[0] == 4, timeout=3000)
    # A size only the transfer knows (the job row has none yet) counts too.
    engine.set_state(2, JobState.DOWNLOADING, size=None)
    window.model.flush_events()
    engine.set_progress(2, 1, speed=1e3, size=9 << 30)
    window.controller.refresh_progress()
    qtbot.waitUntil(lambda: _order(window)[0] == 2, timeout=3000)
    assert window.view.horizontalHeader().sortIndicatorSection() == Column.SIZE
