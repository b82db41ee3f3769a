"""The last minute of download speed: a per-job sample history and the widget that draws it."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.engine.events import Progress
from app.ui import formatting
from app.ui.i18n import tr_args

WINDOW_S = 60.0


class SpeedHistory:
    """Speed samples per running job over the last minute, fed by the 4 Hz progress tick.

    Every running job is recorded (a deque append each, the same order of work the model does
    per tick), so selecting another download shows its minute at once instead of a blank graph.
    """

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._samples: dict[int, deque[tuple[float, float]]] = {}

    def record(self, snapshot: Mapping[int, Progress], now: float) -> None:
        for job_id, p in snapshot.items():
            samples = self._samples.get(job_id)
            if samples is None:
                samples = self._samples[job_id] = deque()
            samples.append((now, p.speed))
            while samples and samples[0][0] < now - self.window_s:
                samples.popleft()
        # A job that stopped keeps its minute until it ages out, then is forgotten.
        for job_id in [j for j in self._samples if j not in snapshot]:
            samples = self._samples[job_id]
            while samples and samples[0][0] < now - self.window_s:
                samples.popleft()
            if not samples:
                del self._samples[job_id]

    def samples(self, job_id: int) -> list[tuple[float, float]]:
        return list(self._samples.get(job_id, ()))


def nice_ceiling(value: float) -> float:
    """A round axis maximum at or above `value`: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1000.0
    exp = math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        top = step * 10.0**exp
        if top >= value:
            return top
    return 10.0 ** (exp + 1)


class SpeedGraph(QWidget):
    """An area chart of (time, bytes/s) samples over the last minute, newest on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("speed_graph")
        self._samples: list[tuple[float, float]] = []
        self._now = 0.0
        self._live = False
        self.setMinimumSize(200, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(320, 120)

    def set_samples(
        self, samples: Sequence[tuple[float, float]], now: float, live: bool = True
    ) -> None:
        """`live`: the job runs now (else the right-hand label says it does not)."""
        samples = list(samples)
        if samples != self._samples or now != self._now or live != self._live:
            self._samples, self._now, self._live = samples, now, live
            self.update()

    def peak(self) -> float:
        return max((s for _t, s in self._samples), default=0.0)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
        grid = QColor(palette.color(QPalette.ColorRole.Text))
        grid.setAlpha(40)
        painter.setPen(QPen(grid, 1))
        painter.drawRect(rect)
        plot = rect.adjusted(1, 18, -1, -1)
        for k in (1, 2, 3):  # quarter lines
            y = plot.top() + plot.height() * k / 4
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        top = nice_ceiling(self.peak())
        accent = palette.color(QPalette.ColorRole.Highlight)
        if len(self._samples) >= 2:
            path = QPainterPath()

            def point(t: float, s: float) -> QPointF:
                x = plot.right() - (self._now - t) / WINDOW_S * plot.width()
                return QPointF(max(plot.left(), x), plot.bottom() - s / top * plot.height())

            first = point(*self._samples[0])
            path.moveTo(QPointF(first.x(), plot.bottom()))
            for t, s in self._samples:
                path.lineTo(point(t, s))
            path.lineTo(QPointF(point(*self._samples[-1]).x(), plot.bottom()))
            path.closeSubpath()
            fill = QColor(accent)
            fill.setAlpha(70)
            painter.fillPath(path, fill)
            painter.setPen(QPen(accent, 1.5))
            line = QPainterPath(first)
            for t, s in self._samples[1:]:
                line.lineTo(point(t, s))
            painter.drawPath(line)
        text = QColor(palette.color(QPalette.ColorRole.Text))
        text.setAlpha(170)
        painter.setPen(text)
        label_rect = rect.adjusted(6, 2, -6, 0)
        label_rect.setHeight(16)
        painter.drawText(
            label_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            tr_args(self.tr("Last minute · scale %1"), formatting.speed(max(top, 1.0))),
        )
        current = self._samples[-1][1] if self._samples and self._live else 0.0
        painter.drawText(
            label_rect,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            formatting.speed(current) or self.tr("idle"),
        )
        painter.end()
