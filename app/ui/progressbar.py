"""The progress bar's pixels: each connection's share of the file and where it is writing.

Shared by the queue's progress cell (delegates.py) and the Properties dialog. Pure Python
pixels on purpose, see bar_image_bytes.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPalette

from app.store.models import JobState
from app.ui.model import ProgressView


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """a*(1-t) + b*t, per channel."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def bar_colors(palette: QPalette, state: JobState, selected: bool = False) -> tuple[QColor, QColor]:
    """(fill, track) for a state, derived from the palette so dark themes work.

    On a selected row the cell background is the Highlight colour, which is also the fill
    of a running bar: a 98 % download would look empty (issue 9). There the fill is the
    selection's own text colour and the track a faint mix of both.
    """
    if selected:
        highlight = palette.color(QPalette.ColorRole.Highlight)
        on_highlight = palette.color(QPalette.ColorRole.HighlightedText)
        return on_highlight, _mix(highlight, on_highlight, 0.3)
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
    elif state in (JobState.QUEUED, JobState.CANCELLED):
        fill = _mix(base, text, 0.35)
    else:
        fill = highlight
    return fill, track


_RGBA = tuple[int, int, int, int]


def _rgba(color: QColor) -> _RGBA:
    return (color.red(), color.green(), color.blue(), 255)


def bar_image_bytes(
    width: int, height: int, radius: float, view: ProgressView, colors: tuple[_RGBA, _RGBA, _RGBA]
) -> bytes:
    """The bar as premultiplied RGBA8888 pixels, built in pure Python.

    Why not QPainter paths: every PySide call releases the GIL, and while a hundred downloads
    run each take-back can cost milliseconds. One image per bar is two Qt calls instead of
    thirty. Rows repeat, so only the rounded corners are computed per pixel.
    """
    fill, track, tick = (bytes(c) for c in colors)
    row = bytearray(track * width)
    size = view.size or 0
    if view.state is JobState.COMPLETED:
        row = bytearray(fill * width)
    elif size > 0 and view.segments:
        scale = width / size
        for start, end, done in view.segments:
            done = min(done, end - start)
            if done <= 0:
                continue
            x0 = max(0, min(width, int(start * scale)))
            x1 = max(x0 + 1, min(width, round((start + done) * scale)))
            row[x0 * 4 : x1 * 4] = fill * (x1 - x0)
        if view.live:
            # A bright tick where each connection is writing: where it is in the file.
            for start, end, done in view.segments:
                if 0 <= done < end - start:
                    x = min(width - 1, max(0, int((start + done) * scale)))
                    row[x * 4 : x * 4 + 4] = tick
    elif size > 0:
        x1 = max(0, min(width, round(width * view.done / size)))
        row[: x1 * 4] = fill * x1
    return _rounded(width, height, radius, bytes(row))


@functools.lru_cache(maxsize=1024)
def _rounded(width: int, height: int, radius: float, middle: bytes) -> bytes:
    """The bar image from one row of pixels, corners rounded with coverage antialiasing.

    Cached on the row itself: a bar that moved less than a pixel since the last frame (every
    slow download, most frames) costs one hash lookup instead of this loop.
    """
    r = max(0.0, min(radius, height / 2, width / 2))
    rows = []
    for y in range(height):
        dy = max(0.0, r - (y + 0.5), (y + 0.5) - (height - r))
        if dy <= 0:
            rows.append(middle)
            continue
        line = bytearray(middle)
        for x in range(int(r) + 1):
            dx = r - (x + 0.5)
            if dx <= 0:
                break
            cover = max(0.0, min(1.0, r - (dx * dx + dy * dy) ** 0.5 + 0.5))
            for px in (x, width - 1 - x):
                i = px * 4
                line[i : i + 4] = bytes(round(c * cover) for c in line[i : i + 4])
        rows.append(bytes(line))
    return b"".join(rows)


class BarPainter:
    """Colours per palette, cached; draws a bar with one QImage and one drawImage call."""

    def __init__(self) -> None:
        self._colors: dict[tuple[int, JobState, bool], tuple[_RGBA, _RGBA, _RGBA]] = {}

    def colors(
        self, palette: QPalette, state: JobState, selected: bool = False
    ) -> tuple[_RGBA, _RGBA, _RGBA]:
        key = (palette.cacheKey(), state, selected)
        found = self._colors.get(key)
        if found is None:
            fill, track = bar_colors(palette, state, selected)
            # The tick stands out from the fill: lighter normally, toward the track on a
            # selected row, whose fill is already the lightest colour there.
            tick = _mix(fill, track, 0.5) if selected else _mix(fill, QColor("white"), 0.7)
            found = (_rgba(fill), _rgba(track), _rgba(tick))
            if len(self._colors) > 64:
                self._colors.clear()
            self._colors[key] = found
        return found

    def paint(
        self,
        painter: QPainter,
        rect: QRectF,
        view: ProgressView,
        palette: QPalette,
        dpr: float = 1.0,
        selected: bool = False,
    ) -> None:
        w = max(1, round(rect.width() * dpr))
        h = max(1, round(rect.height() * dpr))
        colors = self.colors(palette, view.state, selected)
        data = bar_image_bytes(w, h, 4.0 * dpr, view, colors)
        image = QImage(data, w, h, w * 4, QImage.Format.Format_RGBA8888_Premultiplied)
        painter.drawImage(rect, image)


_shared_bar = BarPainter()


def paint_progress(painter: QPainter, rect: QRectF, view: ProgressView, palette: QPalette) -> None:
    """A bar with every segment's done part and a tick per live connection (Properties)."""
    _shared_bar.paint(painter, rect, view, palette, painter.device().devicePixelRatioF())
