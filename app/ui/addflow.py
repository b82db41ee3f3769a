"""The way links get added from the window: per-type default folders, "add without asking",
and the questions for links already in the list or files already on disk (one at a time,
window-modal, each answer optionally remembered)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFile, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from app.ui.conflicts import OPTION_KEY, Conflict, ConflictKind, find_conflict, remembered
from app.ui.controller import AddRequest
from app.ui.dialogs.exists import ConflictQuestion
from app.ui.dropparse import extract_urls
from app.ui.filetypes import classify_url, url_name
from app.ui.i18n import tr_args
from app.ui.model import display_name

if TYPE_CHECKING:
    from app.ui.dialogs.add import AddDialog
    from app.ui.mainwindow import MainWindow


def folder_for_urls(urls: list[str], folder_for: Callable[[str | None], str]) -> str:
    """The folder for a batch: its kind's folder when every link is of one kind, else the
    usual download folder."""
    kinds = {classify_url(u) for u in urls}
    kind = kinds.pop() if len(kinds) == 1 else None
    return folder_for(kind.value if kind is not None else None)


class AddFlow(QObject):
    """Takes AddRequests, checks each link for conflicts, asks or applies the remembered
    answer, then hands what is left to the controller."""

    # the request as it goes to the controller: only the links that survived the questions
    about_to_add = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.question: ConflictQuestion | None = None
        self._queue: list[AddRequest] = []
        self._request: AddRequest | None = None
        self._todo: list[str] = []
        self._accepted: list[str] = []

    # ---- entry points ------------------------------------------------------------------

    def add_without_asking(self, urls: list[str], dest_dir: str | None) -> None:
        """Dropped, pasted or handed-over links when the user chose not to confirm them."""
        options = self.window.options
        by_folder: dict[str, list[str]] = {}
        for url in urls:
            folder = dest_dir or folder_for_urls([url], options.folder_for)
            by_folder.setdefault(folder, []).append(url)
        for folder, batch in by_folder.items():
            self.submit(
                AddRequest(
                    urls=batch,
                    dest_dir=folder,
                    connections=options.connections,
                    start=options.start_on_add,
                )
            )

    def submit(self, request: AddRequest) -> None:
        self._queue.append(request)
        if self._request is None:
            self._next_request()

    def busy(self) -> bool:
        return self._request is not None

    # ---- the walk through one request --------------------------------------------------

    def _next_request(self) -> None:
        if not self._queue:
            self._request = None
            return
        self._request = self._queue.pop(0)
        self._todo = list(self._request.urls)
        self._accepted = []
        self._step()

    def _step(self) -> None:
        request = self._request
        assert request is not None
        jobs = self.window.model.jobs()
        while self._todo:
            url = self._todo.pop(0)
            conflict = find_conflict(url, request.dest_dir, jobs)
            if conflict is None:
                self._accepted.append(url)
                continue
            choice = remembered(conflict.kind, self.window.options)
            if choice is None:
                self._ask(conflict)
                return
            self._apply(conflict, choice)
        self._finish()

    def _ask(self, conflict: Conflict) -> None:
        job = self.window.model.job(conflict.job_id) if conflict.job_id is not None else None
        if job is not None:
            name = display_name(job)
        else:
            name = os.path.basename(conflict.path or "") or url_name(conflict.url)
        question = ConflictQuestion(self.window, conflict, name, self._answered)
        self.question = question
        question.open()

    def _answered(self, choice: str | None, remember: bool) -> None:
        question, self.question = self.question, None
        if question is not None:
            question.deleteLater()
            if choice is not None:
                self._apply(question.conflict, choice)
                if remember:
                    self._remember(question.conflict.kind, choice)
        # Continue after the box has gone: the next question must not stack on this one.
        QTimer.singleShot(0, self._step)

    def _remember(self, kind: ConflictKind, choice: str) -> None:
        w = self.window
        remembered_choice: dict[str, Any] = {OPTION_KEY[kind]: choice}
        w.apply_options(dataclasses.replace(w.options, **remembered_choice))

    def _apply(self, conflict: Conflict, choice: str) -> None:
        w = self.window
        if choice == "add" or choice == "rename":
            self._accepted.append(conflict.url)  # the engine numbers the new file's name
        elif choice == "show" and conflict.job_id is not None:
            w.select_job(conflict.job_id)
        elif choice == "open" and conflict.path:
            w._open_path(conflict.path)
        elif choice == "overwrite" and conflict.path:
            # To the trash rather than gone: "replace" clicked by mistake must be undoable.
            if not QFile.moveToTrash(conflict.path):
                try:
                    os.remove(conflict.path)
                except OSError as exc:
                    w.status.showMessage(
                        tr_args(
                            self.tr("Could not replace %1: %2"),
                            conflict.path,
                            exc.strerror or exc,
                        ),
                        8000,
                    )
                    return
            self._accepted.append(conflict.url)

    def _finish(self) -> None:
        request = self._request
        assert request is not None
        if self._accepted:
            accepted = dataclasses.replace(request, urls=list(self._accepted))
            self.about_to_add.emit(accepted)
            outcome = self.window.controller.add(accepted)
            if outcome.done:
                # only a folder that took a download is worth offering again
                self.window.ui_state.set_last_dest_dir(request.dest_dir)
                self.window.select_job(outcome.done[-1])
        self._next_request()


class TypeFolderFollower(QObject):
    """Keeps the Add dialog's folder on the links' kind folder (Settings › Folders) until the
    user picks a folder themselves."""

    def __init__(self, dialog: AddDialog, folder_for: Callable[[str | None], str]) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.folder_for = folder_for
        self.user_chose = False
        self._default = dialog.folder.path()
        dialog.folder.edit.textEdited.connect(self._edited)
        dialog.folder.button.clicked.connect(self._edited)
        dialog.urls_edit.textChanged.connect(self.follow)
        self.follow()

    def _edited(self, *_args: object) -> None:
        self.user_chose = True

    def follow(self) -> None:
        if self.user_chose:
            return
        urls = self.dialog.urls()
        kinds = {classify_url(u) for u in urls}
        kind = kinds.pop() if len(kinds) == 1 else None
        folder = self.folder_for(kind.value) if kind is not None else self._default
        if kind is not None and folder == self.folder_for(None):
            folder = self._default  # no folder of its own: keep the usual choice
        if self.dialog.folder.path() != folder:
            self.dialog.folder.set_path(folder)


def clipboard_links() -> list[str]:
    """Links in the clipboard's text, for prefilling the Add dialog."""
    clipboard = QGuiApplication.clipboard()
    return extract_urls(clipboard.text() or "") if clipboard is not None else []
