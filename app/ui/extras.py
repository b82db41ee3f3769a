"""The window's issue-9 parts wired together: the category sidebar, the details panel, the
column chooser, queue moves, per-download knobs and the quick speed-limit toggle.

Kept out of mainwindow.py, which only creates this object and calls its hooks.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QMenu, QSplitter, QVBoxLayout, QWidget

from app.engine.inputs import Keep
from app.engine.queueorder import Move
from app.options import Options
from app.store.models import Job, JobState
from app.ui.columns import ColumnChooser
from app.ui.details import DetailsPanel
from app.ui.filetypes import FileKind
from app.ui.notify import DesktopNotifier
from app.ui.proxy import Category
from app.ui.queueactions import QueueActions, knob_menus
from app.ui.refresh import RefreshAddress
from app.ui.reorder import RowDragReorder
from app.ui.sidebar import Sidebar
from app.ui.uistate import (
    KEY_DETAILS_VISIBLE,
    KEY_SIDEBAR_VISIBLE,
    KEY_SPLIT_DETAILS,
    KEY_SPLIT_MAIN,
)
from app.ui.view import JobTableView

if TYPE_CHECKING:
    from app.ui.mainwindow import MainWindow


# Below this window width the sidebar steps aside so the list keeps every column in view.
SIDEBAR_MIN_WINDOW_WIDTH = 760


class WindowExtras(QObject):
    """One per window; owns the widgets it adds and their saved state."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.actions = QueueActions(window)
        self.sidebar = Sidebar(window.proxy.kinds)
        self.details = DetailsPanel(window.model)
        self.columns = ColumnChooser(
            window.view, window.ui_state.set_header, window.view.apply_default_columns, self
        )
        self.drag = RowDragReorder(window.view, self._drop_rows, self)
        self.notifier = DesktopNotifier(self)
        self.split_main: QSplitter | None = None
        self.split_details: QSplitter | None = None
        # other parts' additions (app/ui/schedule_ui.py): context menu entries, live options
        self.context_hooks: list[Callable[[QMenu, list[Job]], None]] = []
        self.options_hooks: list[Callable[[Options], None]] = []
        self.refresh = RefreshAddress(window)  # "Refresh address…"
        self.context_hooks.append(self.refresh.extend_menu)

    def build_central(self, filter_bar: QWidget, view: JobTableView) -> QWidget:
        """sidebar | (filter bar, list / details panel)."""
        self.split_details = QSplitter(Qt.Orientation.Vertical)
        self.split_details.setObjectName("split_details")
        self.split_details.addWidget(view)
        self.split_details.addWidget(self.details)
        self.split_details.setStretchFactor(0, 3)
        self.split_details.setStretchFactor(1, 1)
        self.split_details.setCollapsible(0, False)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(filter_bar)
        column.addWidget(self.split_details, 1)
        self.split_main = QSplitter(Qt.Orientation.Horizontal)
        self.split_main.setObjectName("split_main")
        self.split_main.addWidget(self.sidebar)
        self.split_main.addWidget(right)
        self.split_main.setStretchFactor(1, 1)
        self.split_main.setCollapsible(1, False)
        self.split_main.setSizes([180, 900])
        self.split_details.setSizes([420, 230])
        return self.split_main

    def wire(self) -> None:
        w = self.window
        a = self.actions
        for action in a.all():
            w.addAction(action)
        a.move_up.triggered.connect(lambda: self.move(Move.UP))
        a.move_down.triggered.connect(lambda: self.move(Move.DOWN))
        a.move_top.triggered.connect(lambda: self.move(Move.TOP))
        a.move_bottom.triggered.connect(lambda: self.move(Move.BOTTOM))
        a.toggle_limit.triggered.connect(self.toggle_limit)
        a.show_details.toggled.connect(self.set_details_visible)
        a.show_sidebar.toggled.connect(self.set_sidebar_visible)
        self.sidebar.chosen.connect(self._on_chosen)
        self.details.configure_requested.connect(self._on_configure)
        w.view.selectionModel().selectionChanged.connect(lambda *_: self.on_selection())
        w.controller.job_log.connect(self.details.append_history)
        w.tray.desktop_notify = self._desktop_notify
        w.tray.message_clicked.connect(self._on_balloon_clicked)
        self.notifier.open_file.connect(w._open_path)
        self.notifier.open_folder.connect(lambda path: w._open_path(os.path.dirname(path)))
        self.set_options(w.options)
        w.installEventFilter(self)
        # The toolbar and the tray get the limit toggle; the menus the rest.
        w.toolbar.insertAction(w.commands.settings, a.toggle_limit)
        w.tray.menu.insertAction(w.commands.quit, a.toggle_limit)
        w.tray.menu.insertSeparator(w.commands.quit)
        menubar = w.menuBar()
        view_menu = QMenu(self.tr("&View"), menubar)
        view_menu.setObjectName("view_menu")
        view_menu.addAction(a.show_sidebar)
        view_menu.addAction(a.show_details)
        view_menu.addSeparator()
        view_menu.addAction(a.toggle_limit)
        menubar.insertMenu(menubar.actions()[-1], view_menu)  # before Help
        queue = self.move_menu(menubar)
        queue.setTitle(self.tr("&Queue"))
        menubar.insertMenu(menubar.actions()[-1], queue)

    # ---- state -------------------------------------------------------------------------

    def restore(self) -> None:
        ui = self.window.ui_state
        for key, splitter in (
            (KEY_SPLIT_MAIN, self.split_main),
            (KEY_SPLIT_DETAILS, self.split_details),
        ):
            data = ui.splitter(key)
            if data is not None and splitter is not None:
                splitter.restoreState(data)
        details = ui.flag(KEY_DETAILS_VISIBLE, True)
        sidebar = ui.flag(KEY_SIDEBAR_VISIBLE, True)
        self.actions.show_details.setChecked(details)
        self.actions.show_sidebar.setChecked(sidebar)
        self.set_details_visible(details)
        self.set_sidebar_visible(sidebar)
        try:
            kind: FileKind | None = FileKind(ui.kind()) if ui.kind() else None
        except ValueError:
            kind = None
        category = self.window.proxy.category()
        # A kind shows every state; "active" (the old filter bar's) has no place in the sidebar.
        if kind is not None or not self.sidebar.has(category):
            category = Category.ALL
        self.sidebar.select(kind or category)
        self._on_chosen(category, kind)  # also when the sidebar already showed it

    def save(self) -> None:
        ui = self.window.ui_state
        if self.split_main is not None and self.split_details is not None:
            ui.set_splitter(KEY_SPLIT_MAIN, bytes(self.split_main.saveState().data()))
            ui.set_splitter(KEY_SPLIT_DETAILS, bytes(self.split_details.saveState().data()))
        ui.set_flag(KEY_DETAILS_VISIBLE, self.actions.show_details.isChecked())
        ui.set_flag(KEY_SIDEBAR_VISIBLE, self.actions.show_sidebar.isChecked())
        kind = self.window.proxy.kind()
        ui.set_kind(kind.value if kind is not None else "")

    # ---- hooks from the window ---------------------------------------------------------

    def on_rows_applied(self) -> None:
        self.sidebar.update_counts(self.window.model.jobs())
        self.actions.update_for(self.window.selected_jobs())
        if self.details.isVisible():
            self.details.refresh()

    def on_tick(self) -> None:
        self.details.record()

    def on_selection(self) -> None:
        jobs = self.window.selected_jobs()
        self.actions.update_for(jobs)
        if self.details.isVisible():
            self._show_in_details(jobs[0].id if jobs else None)

    def _show_in_details(self, job_id: int | None) -> None:
        if job_id == self.details.job_id:
            return
        history = self.window.controller.job_history(job_id) if job_id is not None else []
        self.details.set_job(job_id, history)

    def set_details_visible(self, visible: bool) -> None:
        self.details.setVisible(visible)
        if visible:
            jobs = self.window.selected_jobs()
            self.details.job_id = None  # reload: it may have missed changes while hidden
            self._show_in_details(jobs[0].id if jobs else None)

    def set_sidebar_visible(self, visible: bool) -> None:
        self.sidebar.setVisible(visible and self.window.width() >= SIDEBAR_MIN_WINDOW_WIDTH)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A narrow window gives the list the room (issue 9: every column stays in view at the
        # minimum width); the user's choice to show the sidebar comes back when it widens.
        if watched is self.window and event.type() == QEvent.Type.Resize:
            self.set_sidebar_visible(self.actions.show_sidebar.isChecked())
        return False

    def set_options(self, options: Options) -> None:
        self.actions.set_limit_state(options.speed_limit, options.saved_speed_limit)
        for hook in self.options_hooks:
            hook(options)

    def toggle_limit(self) -> None:
        self.window.apply_options(self.window.options.toggled_speed_limit())
        self.set_options(self.window.options)

    def _on_chosen(self, category: Category, kind: FileKind | None) -> None:
        w = self.window
        w.proxy.set_category(category)
        w.proxy.set_kind(kind)
        w.filters.set_current(category.value)  # the old filter bar, kept in step
        w.ui_state.set_category(category.value)
        w.ui_state.set_kind(kind.value if kind is not None else "")

    def _on_configure(self, job_id: int, connections: int, limit: int) -> None:
        self.window.controller.configure([job_id], connections=connections, speed_limit=limit)

    # ---- notifications -----------------------------------------------------------------

    def _desktop_notify(self, job: Job, title: str, body: str) -> bool:
        path = job.path if job.state is JobState.COMPLETED else None
        return self.notifier.notify(title, body, path)

    def _on_balloon_clicked(self, job: Job | None) -> None:
        """The tray balloon can't carry buttons: a click shows the file's folder."""
        if job is not None and job.state is JobState.COMPLETED:
            self.window._open_path(job.dest_dir)
        else:
            self.window.bring_to_front()

    # ---- queue order -------------------------------------------------------------------

    def _visible_ids(self) -> list[int]:
        proxy = self.window.proxy
        model = self.window.model
        return [
            model.job_at(proxy.mapToSource(proxy.index(r, 0)).row()).id
            for r in range(proxy.rowCount())
        ]

    def _show_queue_order(self) -> None:
        """Moves only show in the queue's order: leave any column sort first."""
        header = self.window.view.horizontalHeader()
        if header.sortIndicatorSection() >= 0 and header.sortIndicatorSection() < header.count():
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            self.window.model.sort(-1)

    def move(self, move: Move) -> None:
        ids = self.window._ids()
        if not ids:
            return
        self._show_queue_order()
        self.window.controller.move(ids, move.value, self._visible_ids())
        self._scroll_to_current()

    def _drop_rows(self, ids: list[int], before: int | None) -> None:
        self._show_queue_order()
        self.window.controller.move_before(ids, before, self._visible_ids())
        self._scroll_to_current()

    def _scroll_to_current(self) -> None:
        rows = self.window.view.selectionModel().selectedRows()
        if rows:
            self.window.view.scrollTo(min(rows, key=lambda i: i.row()))

    def move_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(self.tr("&Move"), parent)
        menu.setObjectName("move_menu")
        for action in self.actions.moves():
            menu.addAction(action)
        return menu

    def extend_context_menu(self, menu: QMenu) -> None:
        jobs = self.window.selected_jobs()
        menu.addSeparator()
        menu.addMenu(self.move_menu(menu))
        if not jobs:
            return
        ids = [j.id for j in jobs]

        def configure(connections: int | None, limit: int | Keep) -> None:
            self.window.controller.configure(ids, connections=connections, speed_limit=limit)

        limit_menu, conn_menu = knob_menus(menu, jobs, configure)
        menu.addMenu(limit_menu)
        menu.addMenu(conn_menu)
        if self.context_hooks:
            menu.addSeparator()
        for hook in self.context_hooks:
            hook(menu, jobs)
