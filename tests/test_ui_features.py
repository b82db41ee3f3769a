"""Issue 9 in the window: details panel, category sidebar, queue order, per-download knobs,
the speed-limit toggle and the column chooser. Every action is done twice in a session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMenu

from app.engine.inputs import KEEP
from app.options import Options
from app.store.models import JobState
from app.ui import formatting
from app.ui.controller import Controller
from app.ui.filetypes import FileKind
from app.ui.i18n import install_translators
from app.ui.mainwindow import MainWindow
from app.ui.model import JOB_ID_ROLE, Column, JobTableModel
from app.ui.proxy import Category
from app.ui.reorder import MIME
from tests.support.fakeengine import FakeEngine, sample_jobs
from tests.test_ui_window import DictStore, select_ids


@pytest.fixture
def env(qtbot: Any, tmp_path: Path) -> Iterator[tuple[MainWindow, FakeEngine, DictStore]]:
    install_translators(QApplication.instance())  # type: ignore[arg-type]
    model = JobTableModel()
    controller = Controller(model)
    jobs = sample_jobs()
    for position, job in enumerate(jobs, start=1):
        job.position = position
    engine = FakeEngine(jobs, on_event=controller.on_engine_event)
    controller.attach(engine)
    store = DictStore()
    window = MainWindow(controller, store, Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    qtbot.waitExposed(window)
    yield window, engine, store
    window.request_quit()
    controller.detach()


def view_ids(window: MainWindow) -> list[int]:
    proxy = window.proxy
    return [proxy.index(r, 0).data(JOB_ID_ROLE) for r in range(proxy.rowCount())]


# ---- details panel -----------------------------------------------------------------------


def test_details_panel_follows_the_selection(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    details = window.extras.details
    assert details.isVisible()
    assert details.empty.isVisible()
    engine.logs[1] = [(1_700_000_000.0, "added https://example.com/files/file1.bin")]
    engine.logs[4] = [(1_700_000_100.0, "404 Not Found")]
    engine._jobs[1].url = "https://user:secret@example.com/files/file1.bin?token=abc"
    engine.set_state(1, JobState.DOWNLOADING)
    window.model.flush_events()
    for _ in range(2):
        select_ids(window, 1)
        qtbot.waitUntil(lambda: details.job_id == 1)
        assert details.title.text() == "ubuntu-24.04-desktop-amd64.iso"
        assert "secret" not in details.url_field.text()
        assert details.path_field.text().endswith("ubuntu-24.04-desktop-amd64.iso")
        assert "added" in details.log_view.toPlainText()
        assert details.table.rowCount() == 4  # one row per connection's range
        select_ids(window, 4)
        qtbot.waitUntil(lambda: details.job_id == 4)
        assert details.title.text() == "dataset.tar.gz"
        assert "404" in details.state_label.text()
        assert "404 Not Found" in details.log_view.toPlainText()
        assert details.table.rowCount() == 0


def test_details_panel_shows_live_connections_and_speed(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    details = window.extras.details
    select_ids(window, 1)
    qtbot.waitUntil(lambda: details.job_id == 1)
    mib = 1 << 20
    for step in range(1, 4):
        engine.set_progress(
            1,
            step * mib,
            speed=step * 1e6,
            size=4 * mib,
            segments=((0, 2 * mib, step * mib // 2), (2 * mib, 4 * mib, step * mib // 2)),
        )
        window.controller.refresh_progress()
    assert len(details.history.samples(1)) == 3
    # the window shows smoothed speeds (app/ui/eta.py): rising readings, the graph and the
    # panel's text follow the same smoothed figure
    peak = details.graph.peak()
    assert 1e6 <= peak <= 3e6
    assert details.table.rowCount() == 2
    assert details.table.item(0, 3).text() in ("receiving", "waiting")
    assert formatting.speed(peak) in details.size_label.text()
    engine.logs.setdefault(1, [])
    window.controller.job_log.emit(1, "connection 2 retried")
    assert "connection 2 retried" in details.log_view.toPlainText()
    window.controller.job_log.emit(4, "not shown")
    assert "not shown" not in details.log_view.toPlainText()


def test_details_panel_shows_rerolls_and_verifying(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    details = window.extras.details
    engine.set_state(1, JobState.DOWNLOADING)
    window.model.flush_events()
    select_ids(window, 1)
    qtbot.waitUntil(lambda: details.job_id == 1)
    mib = 1 << 20
    segments = ((0, 2 * mib, mib), (2 * mib, 4 * mib, mib))
    engine.set_progress(1, 2 * mib, speed=1e6, size=4 * mib, segments=segments)
    window.controller.refresh_progress()
    assert details.rerolls_label.isHidden()  # none yet: no row
    for n in (1, 2):  # the count follows the engine's
        engine.set_progress(1, 2 * mib, speed=1e6, size=4 * mib, segments=segments, rerolls=n)
        window.controller.refresh_progress()
        assert not details.rerolls_label.isHidden()
        assert details.rerolls_label.text() == f"{n} reconnected"
    state_index = window.model.index(window.model._row_of[1], Column.STATE)
    assert state_index.data() == "Downloading"
    done = ((0, 2 * mib, 2 * mib), (2 * mib, 4 * mib, 2 * mib))
    engine.set_progress(1, 4 * mib, size=4 * mib, segments=done, rerolls=2, verifying=True)
    window.controller.refresh_progress()
    assert details.state_label.text() == "Verifying checksum…"
    assert state_index.data() == "Verifying…"  # the narrow column; the tooltip says more
    assert "checksum" in state_index.data(Qt.ItemDataRole.ToolTipRole)


def test_details_panel_hides_and_shows_with_its_action(env: Any, qtbot: Any) -> None:
    window, _, store = env
    details = window.extras.details
    action = window.extras.actions.show_details
    for job_id in (2, 3):
        action.trigger()
        assert not details.isVisible()
        select_ids(window, job_id)
        assert details.job_id != job_id  # hidden: no work
        action.trigger()
        qtbot.waitUntil(lambda j=job_id: details.isVisible() and details.job_id == j)
    window.save_state()
    assert store["ui.details_visible"] is True


def test_details_panel_sets_the_jobs_limit_and_connections(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    details = window.extras.details
    select_ids(window, 2)
    qtbot.waitUntil(lambda: details.job_id == 2)
    for limit_kb, conns in ((300, 4), (0, 12)):
        details.limit_spin.setValue(limit_kb)
        details.connections_spin.setValue(conns)
        qtbot.waitUntil(lambda c=conns: engine._jobs[2].connections == c)
        assert engine._jobs[2].speed_limit == (limit_kb * 1000 or None)
        qtbot.waitUntil(lambda c=conns: window.model.job(2).connections == c)
    assert details.limit_spin.text() == "Unlimited"


# ---- sidebar -----------------------------------------------------------------------------


def test_sidebar_counts_and_filters_by_state_and_kind(env: Any, qtbot: Any) -> None:
    window, engine, store = env
    bar = window.extras.sidebar
    assert bar.count_text(Category.ALL).endswith("(5)")
    assert bar.count_text(Category.QUEUED).endswith("(2)")  # queued + paused
    assert bar.count_text(FileKind.VIDEO).endswith("(1)")
    assert bar.count_text(FileKind.ARCHIVE).endswith("(2)")  # .iso and .tar.gz
    for _ in range(2):
        bar.setCurrentItem(bar.item_for(FileKind.VIDEO))
        assert view_ids(window) == [2]
        bar.setCurrentItem(bar.item_for(FileKind.AUDIO))
        assert view_ids(window) == [5]
        bar.setCurrentItem(bar.item_for(Category.FAILED))
        assert view_ids(window) == [4]
        bar.setCurrentItem(bar.item_for(Category.DOWNLOADING))
        assert view_ids(window) == [1]
        bar.setCurrentItem(bar.item_for(Category.ALL))
        assert len(view_ids(window)) == 5
    bar.setCurrentItem(bar.item_for(FileKind.DOCUMENT))
    window.save_state()
    assert store["ui.filter_kind"] == "document"
    engine.set_state(4, JobState.COMPLETED)
    window.model.flush_events()
    assert bar.count_text(Category.FAILED) == "Failed"
    assert bar.count_text(Category.COMPLETED).endswith("(2)")


def test_sidebar_choice_is_restored(qtbot: Any, tmp_path: Path) -> None:
    store = DictStore({"ui.filter_kind": "audio", "ui.filter_category": "all"})
    model = JobTableModel()
    controller = Controller(model)
    controller.attach(FakeEngine(sample_jobs(), on_event=controller.on_engine_event))
    window = MainWindow(controller, store, Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    assert window.proxy.kind() is FileKind.AUDIO
    assert view_ids(window) == [5]
    window.request_quit()
    controller.detach()


def test_old_active_filter_is_restored_as_all(qtbot: Any, tmp_path: Path) -> None:
    store = DictStore({"ui.filter_category": "active"})
    model = JobTableModel()
    controller = Controller(model)
    controller.attach(FakeEngine(sample_jobs(), on_event=controller.on_engine_event))
    window = MainWindow(controller, store, Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    assert window.proxy.category() is Category.ALL
    assert window.extras.sidebar.current_key() is Category.ALL
    assert len(view_ids(window)) == 5
    window.request_quit()
    controller.detach()


# ---- queue order -------------------------------------------------------------------------


def test_move_up_twice_with_the_keyboard_then_top_and_bottom(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    window.view.setFocus()
    select_ids(window, 5)
    for expected in ([1, 2, 3, 5, 4], [1, 2, 5, 3, 4]):
        qtbot.keyClick(window.view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda e=expected: view_ids(window) == e)
        assert engine.order() == expected
    assert [j.id for j in window.selected_jobs()] == [5]  # the selection moved with it
    window.extras.actions.move_top.trigger()
    assert view_ids(window) == [5, 1, 2, 3, 4]
    window.extras.actions.move_bottom.trigger()
    assert view_ids(window) == [1, 2, 3, 4, 5]
    qtbot.keyClick(window.view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert view_ids(window) == [5, 1, 2, 3, 4]
    qtbot.keyClick(window.view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert view_ids(window) == [1, 2, 5, 3, 4]


def test_moving_leaves_a_column_sort_for_the_queue_order(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    window.view.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    assert view_ids(window) != [1, 2, 3, 4, 5]
    select_ids(window, 3)
    window.extras.actions.move_up.trigger()
    assert window.view.horizontalHeader().sortIndicatorSection() == -1
    assert view_ids(window) == [1, 3, 2, 4, 5]
    assert engine.order() == [1, 3, 2, 4, 5]


def test_moves_within_a_filtered_list_skip_hidden_rows(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    bar = window.extras.sidebar
    bar.setCurrentItem(bar.item_for(Category.QUEUED))  # jobs 2 and 5
    select_ids(window, 5)
    window.extras.actions.move_up.trigger()
    assert view_ids(window) == [5, 2]
    assert engine.order() == [1, 5, 3, 4, 2]


def _drop_rows(window: MainWindow, ids: list[int], row: int) -> None:
    mime = QMimeData()
    mime.setData(MIME, json.dumps(ids).encode())
    rect = window.view.visualRect(window.proxy.index(row, 0))
    pos = QPointF(rect.center().x(), rect.top() + 2)
    # Qt delivers a drop to the widget that accepted the drag's enter event.
    args = (Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    enter = QDragEnterEvent(pos.toPoint(), *args)
    QApplication.sendEvent(window.view.viewport(), enter)
    assert enter.isAccepted()
    assert window.extras.drag.line.isVisible()  # where it will land
    QApplication.sendEvent(window.view.viewport(), QDropEvent(pos, *args))
    assert not window.extras.drag.line.isVisible()


def test_drag_within_the_list_reorders(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    _drop_rows(window, [4], 0)
    assert view_ids(window) == [4, 1, 2, 3, 5]
    _drop_rows(window, [1, 2], 4)  # before job 5
    assert view_ids(window) == [4, 3, 1, 2, 5]
    assert engine.order() == [4, 3, 1, 2, 5]


def test_context_menu_moves_and_sets_knobs(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    select_ids(window, 2, 5)
    menu = window.context_menu()
    moves = menu.findChild(QMenu, "move_menu")
    names = {a.objectName() for a in moves.actions()}
    assert {"action_move_up", "action_move_down", "action_move_top", "action_move_bottom"} <= names
    menu.deleteLater()
    for limit in (500_000, 2_000_000):
        menu = window.context_menu()
        limit_menu = menu.findChild(QMenu, "limit_menu")
        next(a for a in limit_menu.actions() if a.objectName() == f"limit_{limit}").trigger()
        assert engine._jobs[2].speed_limit == limit and engine._jobs[5].speed_limit == limit
        menu.deleteLater()
    for n in (2, 16):
        menu = window.context_menu()
        conn_menu = menu.findChild(QMenu, "connections_menu")
        next(a for a in conn_menu.actions() if a.objectName() == f"connections_{n}").trigger()
        assert engine._jobs[2].connections == n
        assert engine.calls[-1] == ("configure", (5, n, KEEP))  # the limit is left alone
        assert engine._jobs[2].speed_limit == 2_000_000
        menu.deleteLater()
    menu = window.context_menu()
    limit_menu = menu.findChild(QMenu, "limit_menu")
    checked = [a.objectName() for a in limit_menu.actions() if a.isChecked()]
    assert checked == ["limit_2000000"]
    next(a for a in limit_menu.actions() if a.objectName() == "limit_0").trigger()
    assert engine._jobs[2].speed_limit is None
    menu.deleteLater()


# ---- speed-limit toggle ------------------------------------------------------------------


def test_limit_toggle_switches_the_global_limit(env: Any, qtbot: Any) -> None:
    window, engine, store = env
    toggle = window.extras.actions.toggle_limit
    assert not toggle.isChecked()
    assert toggle in window.toolbar.actions()
    assert toggle in window.tray.menu.actions()
    for _ in range(2):
        toggle.trigger()
        assert toggle.isChecked()
        assert engine.settings.speed_limit == 1_000_000
        assert store["speed_limit"] == 1_000_000
        assert "limited to 1.0 MB/s" in toggle.toolTip()
        toggle.trigger()
        assert not toggle.isChecked()
        assert engine.settings.speed_limit is None
        assert "Full speed" in toggle.toolTip()


def test_limit_toggle_remembers_the_limit_set_in_settings(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    dialog = window.show_settings()
    dialog.limit_enabled.setChecked(True)
    dialog.limit.setValue(300)
    dialog.accept()
    toggle = window.extras.actions.toggle_limit
    assert toggle.isChecked()
    toggle.trigger()
    assert engine.settings.speed_limit is None
    toggle.trigger()
    assert engine.settings.speed_limit == 300_000


# ---- column chooser ----------------------------------------------------------------------


def test_header_menu_hides_and_shows_columns_and_saves_at_once(env: Any, qtbot: Any) -> None:
    window, _, store = env
    header = window.view.horizontalHeader()
    chooser = window.extras.columns
    for _ in range(2):
        menu = chooser.build_menu()
        action = menu.findChild(type(window.commands.pause), "column_added")
        assert action.isChecked()
        action.trigger()
        assert header.isSectionHidden(Column.ADDED)
        saved = store["ui.header_state"]
        menu.deleteLater()
        menu = chooser.build_menu()
        name = menu.findChild(type(window.commands.pause), "column_name")
        assert not name.isEnabled()
        menu.findChild(type(window.commands.pause), "column_added").trigger()
        assert not header.isSectionHidden(Column.ADDED)
        assert store["ui.header_state"] != saved
        menu.deleteLater()
    before = store["ui.header_state"]
    header.resizeSection(Column.SIZE, 140)
    qtbot.waitUntil(lambda: store["ui.header_state"] != before)  # saved without quitting
    header.moveSection(header.visualIndex(Column.STATE), 1)
    qtbot.waitUntil(lambda: not chooser.save_pending())
    chooser.build_menu().findChild(type(window.commands.pause), "column_reset").trigger()
    assert header.visualIndex(Column.STATE) == Column.STATE
