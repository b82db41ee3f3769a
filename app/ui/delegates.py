"""The queue's cell delegates: the progress cell (its bar drawn by progressbar.py) and eliding."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.ui.model import PROGRESS_ROLE, ProgressView
from app.ui.progressbar import BarPainter


class ProgressDelegate(QStyledItemDelegate):
    """The style paints the cell and the percentage (the model's display text, right
    aligned); we add the segmented bar to its left."""

    BAR_HEIGHT = 10

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bar = BarPainter()
        self._text_width = 0
        self._dpr = 0.0

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        view = index.data(PROGRESS_ROLE)
        if not isinstance(view, ProgressView):
            return
        if not self._text_width:
            self._text_width = option.fontMetrics.horizontalAdvance("100.0%") + 10
            self._dpr = painter.device().devicePixelRatioF()
        r = option.rect
        bar_w = r.width() - 12 - self._text_width
        h = min(self.BAR_HEIGHT, r.height() - 6)
        if bar_w < 16 or h < 3:
            return
        bar = QRectF(r.left() + 6, r.top() + (r.height() - h) / 2, bar_w, h)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        self._bar.paint(painter, bar, view, option.palette, self._dpr, selected)

    def reset_metrics(self) -> None:
        """After a font, screen or palette change."""
        self._text_width = 0
        self._dpr = 0.0

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 160), max(hint.height(), self.BAR_HEIGHT + 8))


class ElideDelegate(QStyledItemDelegate):
    """Elides text its own way: file names in the middle (the extension stays visible),
    status lines at the end."""

    def __init__(self, mode: Qt.TextElideMode, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mode = mode

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = self._mode
