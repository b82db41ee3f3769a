"""The main window: toolbar, filter bar, the queue table, status bar; wires actions to the
controller and opens the dialogs. Dialogs and questions open window-modal without nesting an
event loop, so the engine keeps running on qasync's loop while they are up."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from app.options import Options, save_options
from app.paths import log_dir, resolve_data_dir
from app.store.models import Job, JobState
from app.ui import drop, icons
from app.ui.actions import Actions
from app.ui.addflow import AddFlow, TypeFolderFollower, clipboard_links
from app.ui.clipwatch import ClipboardWatcher
from app.ui.controller import AddRequest, Controller
from app.ui.dialogs.about import about_box
from app.ui.dialogs.add import AddDialog, folder_usable, pasted_links
from app.ui.dialogs.confirm import ask, ask_remove_unfinished, has_partial_data
from app.ui.dialogs.properties import PropertiesDialog
from app.ui.dialogs.settings import SettingsDialog
from app.ui.dropparse import DropContent
from app.ui.extras import WindowExtras
from app.ui.geometry import ColumnFitter, ScreenKeeper, fit_window_to_screen
from app.ui.lifetime import DialogRef, alive
from app.ui.lists import ListTransfer
from app.ui.model import display_name
from app.ui.proxy import ACTIVE_FILTER_STATES, Category, JobFilterProxy
from app.ui.retryfeedback import RetryFeedback
from app.ui.statusbar import QueueStatusBar
from app.ui.tray import Tray, tray_available
from app.ui.uistate import UiState
from app.ui.view import JobTableView
from app.ui.widgets import SegmentedFilter

log = logging.getLogger("tether.ui")


class MainWindow(QMainWindow):
    """One per process. `quit_requested` is the only way out; app.run_gui shuts down."""

    quit_requested = Signal()

    def __init__(
        self, controller: Controller, store: Any, options: Options, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
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
        self._tray_hint_shown = False

        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = JobTableView()
        self.view.setModel(self.proxy)
        self.view.apply_default_columns()
        self.column_fitter = ColumnFitter(self.view)

        self._build_toolbar()
        self._build_menus()
        self.extras = WindowExtras(self)  # sidebar, details panel, queue order, column chooser
        self.add_flow = AddFlow(self)  # duplicate and file-exists questions, type folders
        self.setCentralWidget(self.extras.build_central(self._build_filter_bar(), self.view))
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
        self.extras.connect()
        self._restore_state()
        self.extras.restore()
        self._on_rows_applied()

    @property
    def add_dialog(self) -> AddDialog | None:
        return self._add_ref.get()

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        return self._settings_ref.get()

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
        bar.addAction(a.add)
        bar.addAction(a.paste)
        bar.addSeparator()
        for action in (a.resume, a.pause, a.cancel, a.remove):
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(a.resume_all)
        bar.addAction(a.pause_all)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(a.settings)
        # Secondary commands show only their icon; the tooltip names them.
        for action in (a.paste, a.cancel, a.remove, a.resume_all, a.pause_all, a.settings):
            button = bar.widgetForAction(action)
            if button is not None:
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar = bar
        self.addToolBar(bar)

    def _build_menus(self) -> None:
        a = self.commands
        menubar = self.menuBar()
        file_menu = menubar.addMenu(self.tr("&File"))
        for action in (a.add, a.paste):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(a.import_list)
        file_menu.addAction(a.export_list)
        file_menu.addSeparator()
        file_menu.addAction(a.settings)
        file_menu.addSeparator()
        file_menu.addAction(a.quit)
        dl = menubar.addMenu(self.tr("&Downloads"))
        for action in (a.resume, a.pause, a.cancel):
            dl.addAction(action)
        dl.addSeparator()
        for action in (a.resume_all, a.pause_all, a.retry):
            dl.addAction(action)
        dl.addSeparator()
        for action in (a.remove, a.remove_with_file):
            dl.addAction(action)
        dl.addSeparator()
        for action in (a.open_file, a.open_folder, a.copy_url, a.properties):
            dl.addAction(action)
        dl.addSeparator()
        dl.addAction(a.select_all)
        dl.addAction(a.find)
        help_menu = menubar.addMenu(self.tr("&Help"))
        help_menu.addAction(a.open_logs)
        help_menu.addAction(a.about)

    def _build_filter_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("filter_bar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 6, 8, 6)
        self.filters = SegmentedFilter(
            [
                (Category.ALL.value, self.tr("All")),
                (Category.ACTIVE.value, self.tr("Active")),
                (Category.COMPLETED.value, self.tr("Completed")),
                (Category.FAILED.value, self.tr("Failed")),
                (Category.CANCELLED.value, self.tr("Cancelled")),
            ]
        )
        self.filters.button(Category.ACTIVE.value).setToolTip(
            self.tr("Downloading, retrying, queued or paused")
        )
        self.search = QLineEdit()
        self.search.setObjectName("search_edit")
        self.search.setPlaceholderText(self.tr("Search name or address"))
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.action_icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMaximumWidth(320)
        self.search.setMinimumWidth(200)
        self.filters.setVisible(False)  # the sidebar shows these groups (and kept in step)
        row.addWidget(self.filters)
        row.addStretch(1)
        row.addWidget(self.search)
        return bar

    def _connect(self) -> None:
        a = self.commands
        a.add.triggered.connect(lambda: self.show_add_dialog())
        a.paste.triggered.connect(self.paste_urls)
        a.import_list.triggered.connect(self.lists.ask_import)
        a.export_list.triggered.connect(self.lists.ask_export)
        a.pause.triggered.connect(lambda: self.controller.pause(self._ids()))
        a.resume.triggered.connect(lambda: self.controller.resume(self._ids()))
        a.pause_all.triggered.connect(self.controller.pause_all)
        a.resume_all.triggered.connect(self.controller.resume_all)
        a.cancel.triggered.connect(self.cancel_selected)
        a.remove.triggered.connect(lambda: self.remove_selected(delete_file=False))
        a.remove_with_file.triggered.connect(lambda: self.remove_selected(delete_file=True))
        a.retry.triggered.connect(self.retry_failed)
        a.open_file.triggered.connect(self.open_files)
        a.open_folder.triggered.connect(self.open_folders)
        a.copy_url.triggered.connect(self.copy_urls)
        a.properties.triggered.connect(self.show_properties)
        a.settings.triggered.connect(self.show_settings)
        a.quit.triggered.connect(self.request_quit)
        a.select_all.triggered.connect(self.view.selectAll)
        a.find.triggered.connect(self._focus_search)
        a.show_window.triggered.connect(self.bring_to_front)
        a.about.triggered.connect(self.show_about)
        a.open_logs.triggered.connect(self.open_log_folder)
        # Window-wide shortcuts work whichever child has focus (the line edit keeps its own
        # Ctrl+C/Ctrl+V/Delete through ShortcutOverride).
        for action in (
            a.add,
            a.paste,
            a.pause,
            a.resume,
            a.pause_all,
            a.resume_all,
            a.cancel,
            a.remove,
            a.remove_with_file,
            a.retry,
            a.open_file,
            a.open_folder,
            a.copy_url,
            a.properties,
            a.settings,
            a.quit,
            a.select_all,
            a.find,
        ):
            self.addAction(action)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self._clear_search)

        self.filters.selected.connect(self._on_category)
        self.search.textChanged.connect(self.proxy.set_search)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.model.rows_applied.connect(self._on_rows_applied)
        self.model.state_changed.connect(self.tray.on_state_changed)
        self.controller.tick.connect(self._on_tick)
        self.controller.message.connect(lambda text: self.status.showMessage(text, 8000))
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
        counts = self.model.state_counts()
        self.filters.set_count(Category.ALL.value, len(self.model.jobs()))
        self.filters.set_count(Category.ACTIVE.value, sum(counts[s] for s in ACTIVE_FILTER_STATES))
        self.filters.set_count(Category.COMPLETED.value, counts[JobState.COMPLETED])
        self.filters.set_count(Category.FAILED.value, counts[JobState.FAILED])
        self.filters.set_count(Category.CANCELLED.value, counts[JobState.CANCELLED])
        self._update_actions()
        self.status.update_counts()
        self.tray.update_tooltip()
        self.view.viewport().update()  # the empty-list hint depends on the row count
        self.extras.on_rows_applied()

    def _on_tick(self) -> None:
        self.status.update_speed()
        self.tray.update_tooltip()
        self.extras.on_tick()

    def _on_category(self, key: str) -> None:
        self.proxy.set_category(Category(key))
        self.extras.sidebar.select(Category(key))
        self._update_actions()

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _clear_search(self) -> None:
        self.search.clear()
        self.view.setFocus()

    # ---- commands --------------------------------------------------------------------------

    def show_add_dialog(
        self, urls: list[str] | None = None, note: str = "", dest_dir: str | None = None
    ) -> AddDialog:
        """Open (or refill) the add dialog; one at a time, so a burst of drops can't stack."""
        remembered = self.ui_state.last_dest_dir()
        if remembered is not None and not folder_usable(remembered):
            remembered = None  # a folder that went away or became read-only since
        dest = dest_dir or remembered or self.options.resolved_download_dir()
        if (open_dialog := self.add_dialog) is not None and open_dialog.isVisible():
            dialog = open_dialog
            if urls:
                existing = dialog.urls()
                merged = existing + [u for u in urls if u not in existing]
                dialog.urls_edit.setPlainText("\n".join(merged))
            if note:
                dialog.note_label.setText(note)
                dialog.note_label.setVisible(True)
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        if urls is None:
            text = QGuiApplication.clipboard().text() or ""
            # "copy a link, press Ctrl+N"; a pattern (file[01-20].jpg) is kept whole
            urls = pasted_links(text) or clipboard_links() or None
        dialog = AddDialog(
            self,
            urls=urls,
            dest_dir=dest,
            connections=self.options.connections,
            start=self.options.start_on_add,
            note=note,
        )
        dialog.submitted.connect(self._on_add_submitted)
        dialog.finished.connect(dialog.deleteLater)
        if dest_dir is None:
            TypeFolderFollower(dialog, self.options.folder_for)
        self._add_ref.set(dialog)
        dialog.open()
        return dialog

    def _on_add_submitted(self, request: AddRequest) -> None:
        # Only a folder that took a download is worth offering again (AddFlow remembers it).
        self.add_flow.submit(request)

    def offer_urls(self, content: DropContent, dest_dir: str | None = None) -> None:
        """A drop, a paste or a forwarded launch: confirm with the add dialog."""
        note = drop.ignored_note(content)
        if not content.urls:
            self.status.showMessage(note or self.tr("No download links found"), 8000)
            return
        if self.options.add_without_asking:
            self.add_flow.add_without_asking(content.urls, dest_dir)
            if note:
                self.status.showMessage(note, 8000)
            return
        self.show_add_dialog(content.urls, note=note, dest_dir=dest_dir)

    def paste_urls(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        patterned = pasted_links(mime.text()) if mime.hasText() else None
        # file[001-100].jpg: the dialog expands it and shows the count first, even with "add
        # without asking" (one pasted line can stand for thousands of downloads)
        if patterned:
            self.show_add_dialog(patterned)
            return
        self.offer_urls(drop.read_mime(mime))

    def cancel_selected(self) -> None:
        ids = self._ids(
            lambda j: j.state in (JobState.QUEUED, JobState.DOWNLOADING, JobState.PAUSED)
        )
        if not ids:
            return
        self._ask(
            self.tr("Cancel downloads?"),
            self.tr(
                "Cancel %n download(s)? The data downloaded so far is discarded; "
                "you can start again later with Retry.",
                "",
                len(ids),
            ),
            self.tr("Cancel Downloads"),
            lambda: self.controller.cancel(ids),
        )

    def remove_selected(self, delete_file: bool) -> None:
        jobs = self.selected_jobs()
        if not jobs:
            return
        ids = [j.id for j in jobs]
        if delete_file:
            self._ask(
                self.tr("Delete files?"),
                self.tr(
                    "Remove %n download(s) from the list and delete their files from disk?",
                    "",
                    len(ids),
                ),
                self.tr("Delete Files"),
                lambda: self.controller.remove(ids, delete_file=True),
            )
            return
        # Running ones count even before their first checkpoint (job.done still 0).
        partial = [j for j in jobs if has_partial_data(j, self.model.progress_of(j.id))]
        if partial:
            names = [display_name(j) for j in partial]
            remove = functools.partial(self._remove_unfinished, ids)
            self._question_ref.set(ask_remove_unfinished(self, names, remove))
            return
        self.controller.remove(ids)

    def _remove_unfinished(self, ids: list[int], delete_partial: bool) -> None:
        self.controller.remove(ids, keep_partial=not delete_partial)

    def _ask(self, title: str, text: str, confirm: str, on_yes: Callable[[], None]) -> QMessageBox:
        return self._question_ref.set(ask(self, title, text, confirm, on_yes))

    def retry_failed(self) -> None:
        ids = self._ids(lambda j: j.state is JobState.FAILED)
        if not ids:
            ids = [j.id for j in self.model.jobs() if j.state is JobState.FAILED]
        if ids:
            self.retry_feedback.retried(self.controller.retry(ids).done)

    def open_files(self) -> None:
        for job in self.selected_jobs():
            if job.state is JobState.COMPLETED and job.path:
                self._open_path(job.path)

    def open_folders(self) -> None:
        seen: set[str] = set()
        for job in self.selected_jobs():
            if job.dest_dir not in seen:
                seen.add(job.dest_dir)
                self._open_path(job.dest_dir)

    def _open_path(self, path: str) -> None:
        if not os.path.exists(path):
            self.status.showMessage(self.tr("Not found: %1").replace("%1", path), 8000)
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            self.status.showMessage(
                self.tr("No application could open %1").replace("%1", path), 8000
            )

    def copy_urls(self) -> None:
        urls = [j.url for j in self.selected_jobs()]
        if urls:
            QGuiApplication.clipboard().setText("\n".join(urls))
            self.status.showMessage(self.tr("Copied %n address(es)", "", len(urls)), 4000)

    def show_properties(self, job_id: int | None = None) -> PropertiesDialog | None:
        if job_id is None or isinstance(job_id, bool):
            jobs = self.selected_jobs()
            if not jobs:
                return None
            job_id = jobs[0].id
        existing = self.properties_dialogs.get(job_id)
        if existing is not None and alive(existing):
            existing.raise_()
            existing.activateWindow()
            return existing
        dialog = PropertiesDialog(self, self.controller, job_id)
        self.properties_dialogs[job_id] = dialog
        dialog.refresh_requested.connect(self.extras.refresh.start)
        dialog.finished.connect(functools.partial(self._forget_properties, job_id))
        dialog.finished.connect(dialog.deleteLater)
        dialog.show()
        return dialog

    def _forget_properties(self, job_id: int, _result: int = 0) -> None:
        self.properties_dialogs.pop(job_id, None)

    def _on_job_log(self, job_id: int, message: str) -> None:
        dialog = self.properties_dialogs.get(job_id)
        if dialog is not None and alive(dialog):
            dialog.append_history(job_id, message)

    def show_settings(self) -> SettingsDialog:
        if (open_dialog := self.settings_dialog) is not None and open_dialog.isVisible():
            open_dialog.raise_()
            return open_dialog
        dialog = SettingsDialog(self, self.options, tray_available=tray_available())
        dialog.submitted.connect(self.apply_options)
        dialog.finished.connect(dialog.deleteLater)
        self._settings_ref.set(dialog)
        dialog.open()
        return dialog

    def apply_options(self, options: Options) -> None:
        """Store the new settings and apply them at once (engine, tray, status bar)."""
        try:
            save_options(self.store, options)
        except Exception as exc:
            self.status.showMessage(self.tr("Settings not saved: %1").replace("%1", str(exc)), 8000)
            return
        self.options = options
        self.controller.apply_options(options)
        self.tray.notify_enabled = options.notify
        self.status.set_download_dir(options.resolved_download_dir())
        self.extras.set_options(options)
        self.clipwatch.set_enabled(options.clipboard_monitor)

    def _data_dir(self) -> Path:
        """The data folder: where the queue database (and so everything else) lives."""
        path = getattr(self.store, "path", None)
        return Path(path).parent if path else resolve_data_dir()

    def open_log_folder(self) -> None:
        folder = log_dir(self._data_dir())
        folder.mkdir(parents=True, exist_ok=True)
        self._open_path(str(folder))

    def show_about(self) -> QMessageBox:
        box = self._about_ref.get()
        if box is None:
            box = self._about_ref.set(about_box(self, self._data_dir()))
            box.open()
        box.raise_()
        return box

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
        a = self.commands
        menu = QMenu(self)
        menu.setObjectName("context_menu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in (a.resume, a.pause, a.cancel):
            menu.addAction(action)
        menu.addSeparator()
        for action in (a.open_file, a.open_folder, a.copy_url):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(a.retry)
        menu.addSeparator()
        for action in (a.remove, a.remove_with_file):
            menu.addAction(action)
        self.extras.extend_context_menu(menu)
        menu.addSeparator()
        menu.addAction(a.properties)
        return menu

    # ---- drag and drop ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if drop.may_contain_urls(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.view.set_drop_hint(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if drop.may_contain_urls(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.view.set_drop_hint(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self.view.set_drop_hint(False)
        content = drop.read_mime(event.mimeData())
        # Always a copy: a Move would let the source (a file manager) delete what was dragged.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        # Open the dialog after the drag has finished, so the source isn't left waiting.
        QTimer.singleShot(0, lambda: self.offer_urls(content))

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
        if not running:
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
