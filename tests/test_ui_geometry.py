"""The window fits its screen and the columns fit the window (issue 9: at 1.75× the window
opened larger than the screen; at its minimum width Speed and Status scrolled off)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication

from app.options import Options
from app.ui.controller import Controller
from app.ui.geometry import COLUMN_MIN, NAME_MIN, clamp_rect, fit_widths
from app.ui.mainwindow import MainWindow
from app.ui.model import Column, JobTableModel
from tests.support.fakeengine import FakeEngine, sample_jobs
from tests.test_ui_journeys import win  # noqa: F401  (the fixture)
from tests.test_ui_window import DictStore


def test_clamp_rect_examples() -> None:
    # 1100×640 logical at 1.75× on a 1600×1000 screen (914×571 logical, a 28 px panel).
    assert clamp_rect((100, 80, 1100, 640), (0, 28, 914, 543), (0, 24)) == (0, 28, 914, 519)
    assert clamp_rect((10, 40, 300, 200), (0, 28, 914, 543)) == (10, 40, 300, 200)
    assert clamp_rect((900, 600, 300, 200), (0, 0, 1000, 700)) == (700, 500, 300, 200)
    assert clamp_rect((-50, -50, 300, 200), (0, 0, 1000, 700)) == (0, 0, 300, 200)


@given(
    st.tuples(*[st.integers(-3000, 3000)] * 2, *[st.integers(1, 5000)] * 2),
    st.tuples(*[st.integers(-2000, 2000)] * 2, *[st.integers(200, 4000)] * 2),
    st.tuples(st.integers(0, 40), st.integers(0, 60)),
)
def test_clamped_rect_lies_inside(rect: Any, avail: Any, frame: Any) -> None:
    x, y, w, h = clamp_rect(rect, avail, frame)
    ax, ay, aw, ah = avail
    assert ax <= x and x + w + frame[0] <= ax + aw
    assert ay <= y and y + h + frame[1] <= ay + ah
    assert w <= rect[2] and h <= rect[3]


PREFERRED = {1: 90, 2: 190, 3: 95, 4: 85, 5: 170, 6: 95}


def test_fit_widths() -> None:
    assert fit_widths(2000, PREFERRED) == PREFERRED  # room: unchanged
    narrow = fit_widths(600, PREFERRED)
    assert sum(narrow.values()) <= 600 - NAME_MIN
    assert all(w >= COLUMN_MIN for w in narrow.values())
    assert narrow[2] > narrow[4]  # proportional: the wide Progress column stays widest
    assert fit_widths(100, PREFERRED) == dict.fromkeys(PREFERRED, COLUMN_MIN)


@given(st.integers(0, 4000), st.dictionaries(st.integers(1, 8), st.integers(1, 600)))
def test_fit_widths_never_grows_and_leaves_room(available: int, preferred: dict[int, int]) -> None:
    widths = fit_widths(available, preferred)
    assert widths.keys() == preferred.keys()
    assert all(widths[c] <= preferred[c] for c in preferred)
    floors = sum(min(w, COLUMN_MIN) for w in preferred.values())
    assert sum(widths.values()) <= max(available - NAME_MIN, floors)


def _inside(window: MainWindow) -> bool:
    avail = window.screen().availableGeometry()
    return avail.contains(window.frameGeometry()) and avail.contains(window.geometry())


def test_window_opens_inside_a_small_screen(qtbot: Any, tmp_path: Path) -> None:
    screen = QGuiApplication.primaryScreen().availableGeometry()
    model = JobTableModel()
    controller = Controller(model)
    controller.attach(FakeEngine(sample_jobs(), on_event=controller.on_engine_event))
    # Geometry saved on a bigger screen: restored, it would hang off this one.
    probe = MainWindow(controller, DictStore(), Options(download_dir=str(tmp_path)))
    qtbot.addWidget(probe)
    probe.setGeometry(QRect(screen.x() + 300, screen.y() + 200, screen.width() + 800, 1400))
    store = DictStore()
    probe.ui_state._store = store
    probe.save_state()
    for saved in (store, DictStore()):  # restored geometry, then the default size
        window = MainWindow(controller, saved, Options(download_dir=str(tmp_path)))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda w=window: _inside(w), timeout=2000)
        window.hide()


def test_at_minimum_width_every_column_stays_in_view(win: Any, qtbot: Any) -> None:  # noqa: F811
    window, _, _ = win
    window.resize(515, 500)
    qtbot.waitUntil(lambda: window.width() <= 600, timeout=2000)
    header = window.view.horizontalHeader()

    def fits() -> bool:
        right = max(
            header.sectionViewportPosition(c) + header.sectionSize(c)
            for c in range(header.count())
            if not header.isSectionHidden(c)
        )
        return right <= window.view.viewport().width() + 1

    # (the sidebar steps aside below SIDEBAR_MIN_WINDOW_WIDTH: the layout settles in two passes)
    qtbot.waitUntil(
        lambda: fits() and header.sectionSize(Column.NAME) >= NAME_MIN - 1, timeout=2000
    )
    assert header.sectionSize(Column.STATE) >= COLUMN_MIN
    assert not window.extras.sidebar.isVisible()
    # Wide again: the columns get their widths back, and the sidebar its place.
    window.resize(1400, 600)
    qtbot.waitUntil(lambda: header.sectionSize(Column.PROGRESS) == 190, timeout=2000)
    qtbot.waitUntil(lambda: window.extras.sidebar.isVisible(), timeout=2000)
