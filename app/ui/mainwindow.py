"""The main window: toolbar, menus, filter bar, the queue table, status bar, and their wiring.

The actions and where they appear are declared in actions.py; what they do is in
windowcommands.py (dialogs, questions, opening files); links dropped on it, in droptarget.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
)
from PySide6.QtWidgets import (
    QHeaderView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QWidget,
)

from app.options import Options, keeps_downloading
from app.store.models import Job, JobState
from app.ui import icons
from app.ui.actions import CONTEXT_MENU, MENUS, TOOLBAR, TOOLBAR_ICON_ONLY, Actions
from app.ui.addflow import AddFlow
from app.ui.clipwatch import ClipboardWatcher
from app.ui.controller import Controller
from app.ui.dialogs.add import AddDialog
from app.ui.dialogs.properties import PropertiesDialog
from app.ui.dialogs.settings import SettingsDialog
from app.ui.dropparse import DropContent
from app.ui.droptarget import DropTarget
from app.ui.extras import WindowExtras
from app.ui.filterbar import FilterBar
from app.ui.geometry import ColumnFitter, ScreenKeeper, fit_window_to_screen
from app.ui.i18n import install_translators
from app.ui.keepselection import SelectionKeeper
from app.ui.lifetime import DialogRef
from app.ui.lists import ListTransfer
from app.ui.proxy import Category, JobFilterProxy
from app.ui.retryfeedback import RetryFeedback
from app.ui.statusbar import QueueStatusBar
from app.ui.tray import Tray
from app.ui.uistate import UiState
from app.ui.view import JobTableView
from app.ui.windowcommands import WindowCommands

log = logging.getLogger("tether.ui")


class MainWindow(WindowCommands, DropTarget, QMainWindow):
    """One per process. `quit_requested` is the only way out; app.run_gui shuts down."""

    quit_requested = Signal()
    # declared here: actions.py's table reaches them through a lambda (mypy follows the cycle)
    lists: ListTransfer
    view: JobTableView

    def __init__(
        self, controller: Controller, store: Any, options: Options, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        # The stored language, before any text is made (a change applies on the next start).
        app = QCoreApplication.instance()
        assert app is not None  # a window needs its QApplication
        install_translators(app, options.language)
        self.setObjectName("main_window")
        self.setWindowTitle("Tether")
        self.setWindowIcon(icons.app_icon())
        self.controller = controller
        self.model = controller.model
        self.store = store
        self.options = options
        self.ui_state = UiState(store)
        self.commands = Actions(self)
        # Weak handles: a dialog deleted by deleteLater() must never be reused (issue 9).
        self._add_ref: DialogRef[AddDialog] = DialogRef()
        self._settings_ref: DialogRef[SettingsDialog] = DialogRef()
        self._question_ref: DialogRef[QMessageBox] = DialogRef()
        self._about_ref: DialogRef[QMessageBox] = DialogRef()
        self.properties_dialogs: dict[int, PropertiesDialog] = {}
        self.lists = ListTransfer(self)  # File ▸ Import…/Export…
        self._quitting = False
        self._closed = False
        self._tray_hint_shown = False

        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = JobTableView()
        self.view.setModel(self.proxy)
        SelectionKeeper(self.view, self.proxy, self.model)  # across a reload after a restart
        self.view.apply_default_columns()
        self.column_fitter = ColumnFitter(self.view)

        self._build_toolbar()
        self._build_menus()
        self.extras = WindowExtras(self)  # sidebar, details panel, queue order, column chooser
        self.add_flow = AddFlow(self)  # duplicate and file-exists questions, type folders
        self.filter_bar = FilterBar()
        self.filters, self.search = self.filter_bar.filters, self.filter_bar.search
        self.setCentralWidget(self.extras.build_central(self.filter_bar, self.view))
        self.status = QueueStatusBar(self.model)
        self.setStatusBar(self.status)
        self.status.set_download_dir(options.resolved_download_dir())
        self.tray = Tray(self.commands, self.model, self)
        self.tray.notify_enabled = options.notify
        self.tray.activated.connect(self.toggle_visible)
        self.retry_feedback = RetryFeedback(self.model, self.status.showMessage, self)
        self.clipwatch = ClipboardWatcher(self.status, self)  # opt-in: offers copied file links
        self.clipwatch.accepted.connect(lambda urls: self.offer_urls(DropContent(urls=urls)))
        self.clipwatch.set_enabled(options.clipboard_monitor)

        self.setAcceptDrops(True)
        self._connect()
        self.extras.wire()
        self._restore_state()
        self.extras.restore()
        self._on_rows_applied()

    @property
    def question(self) -> QMessageBox | None:
        return self._question_ref.get()

    # ---- construction ----------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        a = self.commands
        bar = QToolBar(self.tr("Main toolbar"))
        bar.setObjectName("main_toolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(22, 22))
        before_stretch, after_stretch = TOOLBAR.split("~")
        a.fill(bar, before_stretch)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        a.fill(bar, after_stretch)
        for action in a.named(TOOLBAR_ICON_ONLY):
            button = bar.widgetForAction(action) if action is not None else None
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar = bar
        self.addToolBar(bar)

    def _build_menus(self) -> None:
        for title, layout in MENUS:
            self.commands.fill(self.menuBar().addMenu(self.tr(title)), layout)

    def _connect(self) -> None:
        self.commands.connect_to(self)
        self.filter_bar.search_left.connect(self.view.setFocus)
        self.filters.selected.connect(self._on_category)
        self.search.textChanged.connect(self.proxy.set_search)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.model.rows_applied.connect(self._on_rows_applied)
        self.model.state_changed.connect(self.tray.on_state_changed)
        self.controller.tick.connect(self._on_tick)
        # A method, not a lambda: the controller outlives the window, and a lambda it holds
        # would keep the window's Python half (and so the controller) alive for ever.
        self.controller.message.connect(self._show_message)
        self.controller.job_log.connect(self._on_job_log)

    # ---- state persistence -----------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self.ui_state.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1100, 640)
        # Saved on a larger screen or at another scale, or the default: never off-screen.
        fit_window_to_screen(self)
        self.screen_keeper = ScreenKeeper(self)
        header = self.ui_state.header()
        if header is not None:
            hh = self.view.horizontalHeader()
            hh.restoreState(header)
            hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            self.column_fitter.remember_current()
        try:
            category = Category(self.ui_state.category())
        except ValueError:
            category = Category.ALL
        self.filters.set_current(category.value)
        self.proxy.set_category(category)

    def save_state(self) -> None:
        self.ui_state.set_geometry(bytes(self.saveGeometry().data()))
        self.ui_state.set_header(bytes(self.view.horizontalHeader().saveState().data()))
        self.ui_state.set_category(self.proxy.category().value)
        self.extras.save()

    # ---- selection -------------------------------------------------------------------------

    def selected_jobs(self) -> list[Job]:
        rows = self.view.selectionModel().selectedRows()
        jobs = []
        for index in rows:
            source = self.proxy.mapToSource(index)
            if source.isValid():
                jobs.append(self.model.job_at(source.row()))
        return jobs

    def _ids(self, predicate: Callable[[Job], bool] | None = None) -> list[int]:
        return [j.id for j in self.selected_jobs() if predicate is None or predicate(j)]

    def select_job(self, job_id: int) -> None:
        row = self.model.row_of(job_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectRow(index.row())
            self.view.scrollTo(index)

    def _update_actions(self) -> None:
        counts = self.model.state_counts()
        self.commands.update_for(
            self.selected_jobs(),
            any_failed=counts.get(JobState.FAILED, 0) > 0,
            any_active=self.model.active_count() > 0,
            any_paused=counts.get(JobState.PAUSED, 0) > 0,
        )

    def _on_rows_applied(self) -> None:
        self.filter_bar.set_counts(len(self.model.jobs()), self.model.state_counts())
        self._update_actions()
        self.status.update_counts()
        self.tray.update_tooltip()
        self.view.viewport().update()  # the empty-list hint depends on the row count
        self.extras.on_rows_applied()

    def _show_message(self, text: str) -> None:
        self.status.showMessage(text, 8000)

    def _on_tick(self) -> None:
        self.status.update_speed()
        self.tray.update_tooltip()
        self.extras.on_tick()

    def _on_category(self, key: str) -> None:
        self.proxy.set_category(Category(key))
        self.extras.sidebar.select(Category(key))
        self._update_actions()

    def focus_search(self) -> None:
        self.filter_bar.focus_search()

    def _on_double_click(self, index: QModelIndex) -> None:
        source = self.proxy.mapToSource(index)
        if not source.isValid():
            return
        job = self.model.job_at(source.row())
        if job.state is JobState.COMPLETED and job.path:
            self._open_path(job.path)
        else:
            self.show_properties(job.id)

    def _context_menu(self, pos: QPoint) -> None:
        self.context_menu().popup(self.view.viewport().mapToGlobal(pos))

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("context_menu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.commands.fill(menu, CONTEXT_MENU)
        self.extras.extend_context_menu(menu)
        menu.addSeparator()
        menu.addAction(self.commands.properties)
        return menu

    # ---- window lifecycle ------------------------------------------------------------------

    def bring_to_front(self) -> None:
        self.show()
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    def toggle_visible(self) -> None:
        if self.isVisible() and not self.isMinimized():
            self.hide()
        else:
            self.bring_to_front()

    def request_quit(self) -> None:
        """Quit now (from the menu, the tray or a signal): downloads pause with a checkpoint."""
        if self._quitting:
            return
        self._quitting = True
        try:
            self.save_state()
        except Exception as exc:
            log.warning("could not save window state: %s", exc)
        self.quit_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting:
            event.accept()
            # Closed for good: nothing of it may keep waking up (a progress poll every
            # 250 ms, the free-space check) while the process winds down or, in tests, runs on.
            if not self._closed:
                self._closed = True
                self.controller.detach()
                self.status.stop()
            return
        event.ignore()
        if self.options.minimize_to_tray and self.tray.is_visible():
            self.save_state()
            self.hide()
            if not self._tray_hint_shown:
                self._tray_hint_shown = True
                self.tray.icon.showMessage(
                    "Tether",
                    self.tr("Tether keeps downloading in the tray."),
                    self.tray.icon.MessageIcon.Information,
                    3000,
                )
            return
        running = self.model.active_count()
        if not running or keeps_downloading(self.options):  # nothing would pause
            self.request_quit()
            return
        self._ask(
            self.tr("Quit Tether?"),
            self.tr(
                "Downloads running: %n. They pause now and continue the next "
                "time you start Tether.",
                "",
                running,
            ),
            self.tr("Quit"),
            self.request_quit,
        )
