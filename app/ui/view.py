"""The queue's table view: fixed row heights, column defaults, an empty-state and drop hint."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.ui import icons
from app.ui.delegates import ElideDelegate, ProgressDelegate
from app.ui.model import Column

ROW_HEIGHT_EXTRA = 12  # px above the font height: room for the progress bar and icon

_DEFAULT_WIDTHS = {
    Column.SIZE: 90,
    Column.PROGRESS: 190,
    Column.SPEED: 95,
    Column.ETA: 85,
    Column.STATE: 170,
    Column.ADDED: 95,
}


class JobTableView(QTableView):
    """A plain QTableView set up for thousands of rows; paints a hint when empty or dragged on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("job_table")
        self.drop_hint = False
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setSortingEnabled(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setIconSize(QSize(20, 20))
        self.progress_delegate = ProgressDelegate(self)
        self.setItemDelegateForColumn(Column.PROGRESS, self.progress_delegate)
        self.setItemDelegateForColumn(
            Column.NAME, ElideDelegate(Qt.TextElideMode.ElideMiddle, self)
        )

        vh = self.verticalHeader()
        vh.setVisible(False)
        # Fixed heights: the view never asks the model for size hints, which keeps 10,000
        # rows cheap to lay out and scroll.
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + ROW_HEIGHT_EXTRA)
        vh.setMinimumSectionSize(10)

        hh = self.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setStretchLastSection(False)
        hh.setSectionsMovable(True)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setMinimumSectionSize(40)
        hh.setSortIndicatorShown(True)
        hh.setSortIndicatorClearable(True)
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def apply_default_columns(self) -> None:
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        for col, width in _DEFAULT_WIDTHS.items():
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(col, width)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
        ):
            self.progress_delegate.reset_metrics()
        super().changeEvent(event)

    def set_drop_hint(self, on: bool) -> None:
        if on != self.drop_hint:
            self.drop_hint = on
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        empty = model is None or model.rowCount() == 0
        if not (empty or self.drop_hint):
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        rect = QRectF(self.viewport().rect()).adjusted(16, 16, -16, -16)
        text_color = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if self.drop_hint:
            accent = palette.color(QPalette.ColorRole.Highlight)
            fill = QColor(accent)
            fill.setAlpha(28)
            path = QPainterPath()
            path.addRoundedRect(rect, 12, 12)
            painter.fillPath(path, fill)
            pen = QPen(accent, 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawPath(path)
            text_color = accent
        title = self.tr("Drop links here to download them") if self.drop_hint or empty else ""
        subtitle = (
            "" if self.drop_hint else self.tr("or add them with Ctrl+N, or paste them with Ctrl+V")
        )
        if empty and not self.drop_hint and model is not None and _filtered(model):
            title = self.tr("No downloads match")
            subtitle = self.tr("Try another filter or search")
        icon = icons.action_icon("download")
        size = 48
        center_y = rect.center().y() - 24
        icon.paint(
            painter,
            int(rect.center().x() - size / 2),
            int(center_y - size),
            size,
            size,
            Qt.AlignmentFlag.AlignCenter,
            mode=icon.Mode.Disabled if not self.drop_hint else icon.Mode.Normal,
        )
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        painter.setPen(text_color)
        painter.drawText(
            QRectF(rect.left(), center_y + 8, rect.width(), 30),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            title,
        )
        if subtitle:
            painter.setFont(self.font())
            painter.drawText(
                QRectF(rect.left(), center_y + 40, rect.width(), 24),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                subtitle,
            )
        painter.end()


def _filtered(model: object) -> bool:
    """True when the view's model is a proxy that hides rows its source has."""
    # JobFilterProxy.source(), not sourceModel(): that one leaks a reference (see proxy.py)
    source = getattr(model, "source", None)
    return bool(source is not None and source().rowCount() > 0)
