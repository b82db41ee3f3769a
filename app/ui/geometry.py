"""Window and column geometry that fits the screen (issue 9: at 1.75× scale the window opened
larger than a 1600×1000 screen, and at its minimum width the Name column stayed wide while
Speed and Status scrolled off). The decisions are pure functions; the Qt glue is small."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

Rect = tuple[int, int, int, int]  # x, y, width, height

NAME_MIN = 140  # px: below this a file name is mostly an ellipsis
COLUMN_MIN = 48  # px: a number still reads ("99%", "5 s")


def clamp_rect(rect: Rect, available: Rect, frame: tuple[int, int] = (0, 0)) -> Rect:
    """`rect` (the client area) moved and shrunk so that it plus its frame (extra width,
    extra height) lies inside `available`."""
    x, y, w, h = rect
    ax, ay, aw, ah = available
    fw, fh = frame
    w = max(1, min(w, aw - fw))
    h = max(1, min(h, ah - fh))
    x = max(ax, min(x, ax + aw - fw - w))
    y = max(ay, min(y, ay + ah - fh - h))
    return x, y, w, h


def fit_widths(
    available: int, preferred: Mapping[int, int], name_min: int = NAME_MIN
) -> dict[int, int]:
    """Widths for the non-Name columns so Name keeps at least `name_min` px.

    Each column shrinks in proportion to its preferred width, never below COLUMN_MIN (or its
    preferred width if that is smaller). With room to spare they keep their preferred widths
    and Name takes the rest.
    """
    total = sum(preferred.values())
    room = available - name_min
    if total <= room:
        return dict(preferred)
    floors = {c: min(w, COLUMN_MIN) for c, w in preferred.items()}
    floor_total = sum(floors.values())
    if room <= floor_total:
        return floors
    spare = total - floor_total
    scale = (room - floor_total) / spare if spare else 0.0
    return {c: floors[c] + int((w - floors[c]) * scale) for c, w in preferred.items()}


def fit_window_to_screen(window: QWidget) -> None:
    """Keep the whole window, frame and title bar included, on the available part of its
    screen. (The frame is known only once the window manager has framed the window.)"""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    avail = screen.availableGeometry()
    frame = window.frameGeometry()
    inner = window.geometry()
    left, top = inner.x() - frame.x(), inner.y() - frame.y()
    # Some window managers (openbox) treat the position Qt asks for as the frame's corner
    # and add the frame again, so the room kept is one frame margin smaller than the screen:
    # then the window fits whichever way the position is read.
    x, y, w, h = clamp_rect(
        (frame.x(), frame.y(), frame.width(), frame.height()),
        (avail.x(), avail.y(), avail.width() - left, avail.height() - top),
    )
    if (x, y, w, h) == (frame.x(), frame.y(), frame.width(), frame.height()):
        return
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    window.setGeometry(x + left, y + top, max(1, w - extra_w), max(1, h - extra_h))


class ScreenKeeper(QObject):
    """Fits the window to its screen once shown and when it changes screens. The window
    manager adds its frame only after the window is mapped, so for a moment after each show
    every move or resize re-checks the fit (then the user may place it as they like)."""

    SETTLE_MS = 1500

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._settling = QTimer(self)
        self._settling.setSingleShot(True)
        self._settling.setInterval(self.SETTLE_MS)
        # Timers of its own rather than QTimer.singleShot(ms, callable): those die with the
        # keeper, where a pending singleShot called _fit on a deleted window (or, given the
        # keeper as context, kept the window's Python half alive for good: PySide 6.11).
        self._fit_soon = QTimer(self)
        self._fit_soon.setSingleShot(True)
        self._fit_soon.setInterval(0)
        self._fit_soon.timeout.connect(self._fit)
        self._fit_late = QTimer(self)  # in case the frame comes without a move
        self._fit_late.setSingleShot(True)
        self._fit_late.setInterval(300)
        self._fit_late.timeout.connect(self._fit)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self._window:
            return False
        kind = event.type()
        if kind in (QEvent.Type.Show, QEvent.Type.ScreenChangeInternal):
            self._settling.start()
            self._fit_soon.start()
            self._fit_late.start()
        elif kind in (QEvent.Type.Move, QEvent.Type.Resize) and self._settling.isActive():
            self._fit_soon.start()
        return False

    def _fit(self) -> None:
        if self._window.isVisible() and not (
            self._window.isMaximized() or self._window.isFullScreen()
        ):
            fit_window_to_screen(self._window)


class ColumnFitter(QObject):
    """Shrinks the other columns as the table narrows so Name (which stretches) stays
    readable and the last columns don't scroll off; widths the user drags are remembered
    as the preferred ones."""

    def __init__(self, view: QTableView, name_column: int = 0) -> None:
        super().__init__(view)
        self._view = view
        self._name = name_column
        self._preferred: dict[int, int] = {}
        self._fitting = False
        header = view.horizontalHeader()
        header.sectionResized.connect(self._on_section_resized)
        view.viewport().installEventFilter(self)
        self.remember_current()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def remember_current(self) -> None:
        header = self._view.horizontalHeader()
        self._preferred = {
            c: header.sectionSize(c)
            for c in range(header.count())
            if c != self._name and not header.isSectionHidden(c)
        }

    def _on_section_resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting or column == self._name:
            return
        self._preferred[column] = new

    def fit(self) -> None:
        header = self._view.horizontalHeader()
        visible = {
            c: w
            for c, w in self._preferred.items()
            if c < header.count() and not header.isSectionHidden(c)
        }
        widths = fit_widths(self._view.viewport().width(), visible)
        self._fitting = True
        try:
            for column, width in widths.items():
                if header.sectionSize(column) != width:
                    header.resizeSection(column, width)
            if header.sectionResizeMode(self._name) != QHeaderView.ResizeMode.Stretch:
                header.setSectionResizeMode(self._name, QHeaderView.ResizeMode.Stretch)
        finally:
            self._fitting = False
