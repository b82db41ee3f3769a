"""What the queue paints (issue 9): the done part of a selected row's progress bar stays
visible against the selection."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QColor

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
