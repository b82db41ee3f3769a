"""The progress cell: a bar that shows each connection's share of the file and where it is."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.store.models import JobState
from app.ui import formatting
from app.ui.model import PROGRESS_ROLE, ProgressView


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """a*(1-t) + b*t, per channel."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def bar_colors(palette: QPalette, state: JobState) -> tuple[QColor, QColor]:
    """(fill, track) for a state, derived from the palette so dark themes work."""
    dark = is_dark(palette)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    track = _mix(base, text, 0.10 if dark else 0.08)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    if state is JobState.COMPLETED:
        fill = QColor("#3fb27f") if dark else QColor("#2e9e6a")
    elif state is JobState.FAILED:
        fill = QColor("#e06c75") if dark else QColor("#d64545")
    elif state is JobState.PAUSED:
        fill = _mix(highlight, _mix(base, text, 0.5), 0.65)
    elif state is JobState.QUEUED:
        fill = _mix(base, text, 0.35)
    else:
        fill = highlight
    return fill, track


def paint_progress(
    painter: QPainter, rect: QRectF, view: ProgressView, palette: QPalette, *, text: bool = False
) -> None:
    """Paint a rounded bar into rect: every segment's done part, a tick where each live
    connection is writing, and the percentage over it. Shared with the Properties dialog."""
    fill, track = bar_colors(palette, view.state)
    radius = min(4.0, rect.height() / 2)
    path = QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillPath(path, track)
    painter.setClipPath(path)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    size = view.size or 0
    filled = QPainterPath()
    if view.state is JobState.COMPLETED:
        filled.addRect(rect)
    elif size > 0 and view.segments:
        scale = rect.width() / size
        for start, end, done in view.segments:
            if done > 0:
                x0 = rect.left() + start * scale
                w = min(done, end - start) * scale
                filled.addRect(QRectF(x0, rect.top(), max(w, 1.0), rect.height()))
    elif size > 0:
        frac = min(1.0, view.done / size)
        filled.addRect(QRectF(rect.left(), rect.top(), rect.width() * frac, rect.height()))
    filled = filled.simplified()
    painter.fillPath(filled, fill)

    if view.live and size > 0 and view.segments and view.state is not JobState.COMPLETED:
        # A bright tick at each connection's write position shows where it is in the file.
        painter.setPen(QPen(_mix(fill, QColor("white"), 0.7), 2.0))
        scale = rect.width() / size
        for start, end, done in view.segments:
            if done < end - start:
                x = rect.left() + (start + done) * scale
                painter.drawLine(QLineF(x, rect.top() + 1, x, rect.bottom() - 1))

    if text:
        label = _label(view)
        if label:
            font = painter.font()
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
            painter.setFont(font)
            align = Qt.AlignmentFlag.AlignCenter
            # Two passes: readable text over the filled part and over the empty track.
            painter.setClipPath(path.subtracted(filled))
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(rect, align, label)
            painter.setClipPath(path.intersected(filled))
            painter.setPen(QColor("white"))
            painter.drawText(rect, align, label)
    painter.restore()


def _label(view: ProgressView) -> str:
    if view.state is JobState.COMPLETED:
        return "100%"
    if view.size:
        return formatting.percent(view.done, view.size)
    if view.done:
        return formatting.size(view.done)
    return ""


class ProgressDelegate(QStyledItemDelegate):
    """Paints ProgressView cells; everything else about the cell is the style's."""

    BAR_HEIGHT = 10

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        view = index.data(PROGRESS_ROLE)
        if not isinstance(view, ProgressView):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        # A slim bar with the percentage beside it: text over a striped, segmented bar
        # would be hard to read.
        metrics = option.fontMetrics
        text_w = metrics.horizontalAdvance("100.0%") + 8
        r = QRectF(option.rect).adjusted(6, 0, -6, 0)
        label = _label(view)
        show_text = r.width() > text_w + 40
        bar_w = r.width() - (text_w if show_text else 0)
        h = min(self.BAR_HEIGHT, r.height() - 6)
        bar = QRectF(r.left(), r.top() + (r.height() - h) / 2, bar_w, h)
        if bar.width() > 4 and bar.height() > 2:
            paint_progress(painter, bar, view, option.palette, text=False)
        if show_text and label:
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            painter.save()
            painter.setPen(option.palette.color(role))
            text_rect = QRectF(r.right() - text_w, r.top(), text_w, r.height())
            painter.drawText(
                text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label
            )
            painter.restore()

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
