"""The question asked when a link is already in the list or its file already exists: what to
do with it, with "remember my choice". Opens window-modal without a nested event loop."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtWidgets import QAbstractButton, QCheckBox, QMessageBox, QWidget

from app.engine.naming import unique_name
from app.engine.urls import redact
from app.ui.conflicts import Conflict, ConflictKind
from app.ui.i18n import tr_args


class ConflictQuestion(QMessageBox):
    """`on_answer(choice or None, remember)` once the user has answered (None: skip it)."""

    def __init__(
        self,
        parent: QWidget | None,
        conflict: Conflict,
        name: str,
        on_answer: Callable[[str | None, bool], None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conflict_question")
        self.setIcon(QMessageBox.Icon.Question)
        self.conflict = conflict
        self._on_answer = on_answer
        self.buttons_by_choice: dict[str, QAbstractButton] = {}
        accept = QMessageBox.ButtonRole.AcceptRole
        if conflict.kind is ConflictKind.FILE_EXISTS:
            self.setWindowTitle(self.tr("File already exists"))
            folder = os.path.dirname(conflict.path or "")
            self.setText(tr_args(self.tr("“%1” is already in %2."), name, folder))
            self.setInformativeText(self.tr("Replace it, or save the download under a new name?"))
            self._add("overwrite", self.tr("Replace"), QMessageBox.ButtonRole.DestructiveRole)
            new_name = unique_name(folder, name) if folder else name
            self._add("rename", tr_args(self.tr("Save as “%1”"), new_name), accept)
            self._add("open", self.tr("Open Existing"), QMessageBox.ButtonRole.ActionRole)
            default = "rename"
        elif conflict.kind is ConflictKind.IN_QUEUE:
            self.setWindowTitle(self.tr("Already in the list"))
            self.setText(tr_args(self.tr("“%1” is already in the download list."), name))
            self.setInformativeText(redact(conflict.url))  # no tokens or passwords on screen
            self._add("show", self.tr("Show It"), accept)
            self._add("add", self.tr("Add Again"), QMessageBox.ButtonRole.ActionRole)
            default = "show"
        else:
            self.setWindowTitle(self.tr("Already downloaded"))
            self.setText(tr_args(self.tr("“%1” was already downloaded."), name))
            self.setInformativeText(conflict.path or redact(conflict.url))
            self._add("open", self.tr("Open It"), accept)
            self._add("add", self.tr("Download Again"), QMessageBox.ButtonRole.ActionRole)
            default = "open"
        self.skip = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.buttons_by_choice[default])  # type: ignore[call-overload]
        self.remember = QCheckBox(self.tr("Remember my choice"))
        self.remember.setObjectName("remember_choice")
        self.remember.setToolTip(self.tr("You can change it again in Settings"))
        self.setCheckBox(self.remember)
        self.finished.connect(self._done)

    def _add(self, choice: str, text: str, role: QMessageBox.ButtonRole) -> None:
        button = self.addButton(text, role)
        button.setObjectName(f"choice_{choice}")
        self.buttons_by_choice[choice] = button

    def choose(self, choice: str | None) -> None:
        """Answer as if that button had been clicked (None: Cancel)."""
        button = self.skip if choice is None else self.buttons_by_choice[choice]
        button.click()

    def _done(self, _result: int) -> None:
        clicked = self.clickedButton()
        choice = next((c for c, b in self.buttons_by_choice.items() if b is clicked), None)
        self._on_answer(choice, self.remember.isChecked() and choice is not None)
