"""What the window's commands do: the Add, Settings, Properties and About dialogs, the
questions before something loses data, opening files and folders, copying addresses.

A mixin of MainWindow (its public methods stay the window's); kept apart so the window's
module is only its construction and wiring. Dialogs and questions open window-modal without
nesting an event loop, so the engine keeps running on qasync's loop while they are up.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMessageBox

from app.options import Options, save_options
from app.paths import log_dir, resolve_data_dir
from app.store.models import JobState
from app.ui import drop
from app.ui.addflow import TypeFolderFollower, clipboard_links
from app.ui.controller import AddRequest
from app.ui.dialogs.about import about_box
from app.ui.dialogs.add import AddDialog, folder_usable, pasted_links
from app.ui.dialogs.confirm import ask, ask_remove_unfinished, has_partial_data
from app.ui.dialogs.properties import PropertiesDialog
from app.ui.dialogs.settings import SettingsDialog
from app.ui.dropparse import DropContent
from app.ui.i18n import tr_args
from app.ui.lifetime import alive
from app.ui.model import display_name
from app.ui.tray import tray_available

if TYPE_CHECKING:
    from app.store.models import Job
    from app.ui.addflow import AddFlow
    from app.ui.clipwatch import ClipboardWatcher
    from app.ui.controller import Controller
    from app.ui.extras import WindowExtras
    from app.ui.lifetime import DialogRef
    from app.ui.model import JobTableModel
    from app.ui.retryfeedback import RetryFeedback
    from app.ui.statusbar import QueueStatusBar
    from app.ui.tray import Tray
    from app.ui.uistate import UiState


if TYPE_CHECKING:
    _WindowBase = QMainWindow
else:
    _WindowBase = object


class WindowCommands(_WindowBase):
    """The handlers behind the window's actions (see actions.ACTIONS); `self` is the
    MainWindow, whose attributes (controller, model, status, options …) they use."""

    if TYPE_CHECKING:  # what MainWindow provides
        controller: Controller
        model: JobTableModel
        store: Any
        options: Options
        status: QueueStatusBar
        tray: Tray
        extras: WindowExtras
        clipwatch: ClipboardWatcher
        add_flow: AddFlow
        retry_feedback: RetryFeedback
        ui_state: UiState
        properties_dialogs: dict[int, PropertiesDialog]
        _add_ref: DialogRef[AddDialog]
        _settings_ref: DialogRef[SettingsDialog]
        _question_ref: DialogRef[QMessageBox]
        _about_ref: DialogRef[QMessageBox]
        # methods of MainWindow, as lupdate misreads `def`s in this block
        selected_jobs: Callable[[], list[Job]]
        _ids: Callable[..., list[int]]

    @property
    def add_dialog(self) -> AddDialog | None:
        return self._add_ref.get()

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        return self._settings_ref.get()

    def pause_selected(self) -> None:
        self.controller.pause(self._ids())

    def resume_selected(self) -> None:
        self.controller.resume(self._ids())

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
        # the same set that enables the action: a retrying job is cancelled too
        ids = self._ids(lambda j: j.state in JobState.CANCELLABLE)
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

    def _ask(
        self, title: str, text: str, confirm: str, on_yes: Callable[[], object]
    ) -> QMessageBox:
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
            self.status.showMessage(tr_args(self.tr("Not found: %1"), path), 8000)
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            self.status.showMessage(tr_args(self.tr("No application could open %1"), path), 8000)

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
            # a service's window saves through it (RemoteSettings), sending what changed
            saver = getattr(self.store, "save_options", None)
            if saver is not None:
                saver(options)
            else:
                save_options(self.store, options)
        except Exception as exc:
            self.status.showMessage(tr_args(self.tr("Settings not saved: %1"), exc), 8000)
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
