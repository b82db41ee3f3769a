"""The Add URLs dialog: many links at once, destination, connections, SHA-256, start or queue.

Also the confirmation shown for a drop, a paste or URLs forwarded by a second launch: the same
dialog, prefilled, with a note about what was ignored.
"""

from __future__ import annotations

import os
import re

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.engine.engine import check_dest_dir
from app.engine.errors import BadInput
from app.ui.controller import AddRequest
from app.ui.dropparse import extract_urls
from app.ui.widgets import FolderPicker

SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
MAX_CONNECTIONS = 32
_INVALID_STYLE = "QLineEdit { border: 2px solid #d64545; border-radius: 3px; }"


def folder_usable(path: str) -> bool:
    """Could downloads go here? The folder, or its nearest existing parent (it would be
    created), is writable. Nothing is created: this only decides what to prefill."""
    probe = os.path.abspath(os.path.expanduser(path)) if path else ""
    while probe and not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            return False
        probe = parent
    return bool(probe) and os.path.isdir(probe) and os.access(probe, os.W_OK | os.X_OK)


def folder_error(path: str) -> str | None:
    """Why downloads cannot be saved in `path` (the engine's own check), or None."""
    try:
        check_dest_dir(path)
    except BadInput as exc:
        return str(exc)
    return None


class AddDialog(QDialog):
    """Collects an AddRequest; emits `submitted` with it when the user confirms."""

    submitted = Signal(object)  # AddRequest

    def __init__(
        self,
        parent: QWidget | None,
        *,
        urls: list[str] | None = None,
        dest_dir: str = "",
        connections: int = 8,
        start: bool = True,
        note: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("add_dialog")
        self.setWindowTitle(self.tr("Add Downloads"))
        self.setMinimumWidth(560)

        self.urls_edit = QPlainTextEdit()
        self.urls_edit.setObjectName("urls_edit")
        self.urls_edit.setPlaceholderText(
            self.tr(
                "One link per line, e.g. https://example.com/file.iso\n"
                "Enter adds them; Shift+Enter starts a new line"
            )
        )
        self.urls_edit.installEventFilter(self)
        self.urls_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.urls_edit.setFont(mono)
        self.urls_edit.setMinimumHeight(140)
        if urls:
            self.urls_edit.setPlainText("\n".join(urls))

        self.count_label = QLabel()
        self.count_label.setObjectName("count_label")
        self.note_label = QLabel(note)
        self.note_label.setObjectName("note_label")
        self.note_label.setWordWrap(True)
        self.note_label.setVisible(bool(note))
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.folder = FolderPicker(dest_dir)
        # Shown whole (word-wrapped) when the folder is refused: the dialog stays open, so the
        # links typed or dropped are never lost (issue 9).
        self.error_label = QLabel()
        self.error_label.setObjectName("error_label")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        self.error_label.setStyleSheet("color: #d64545;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.connections = QSpinBox()
        self.connections.setObjectName("connections_spin")
        self.connections.setRange(1, MAX_CONNECTIONS)
        self.connections.setValue(max(1, min(MAX_CONNECTIONS, connections)))
        self.connections.setToolTip(
            self.tr("Parallel connections per download, when the server allows it")
        )
        self.sha256 = QLineEdit()
        self.sha256.setObjectName("sha256_edit")
        self.sha256.setFont(mono)
        self.sha256.setPlaceholderText(self.tr("Optional: checked when the download finishes"))
        self.sha256.setValidator(QRegularExpressionValidator(r"[0-9a-fA-F]{0,64}", self))
        self.sha256.setClearButtonEnabled(True)
        self.start_now = QCheckBox(self.tr("Start downloading now"))
        self.start_now.setObjectName("start_now")
        self.start_now.setChecked(start)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("Save to:"), self.folder)
        form.addRow(self.tr("Connections:"), self.connections)
        form.addRow(self.tr("SHA-256:"), self.sha256)
        form.addRow("", self.start_now)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Add"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        heading = QLabel(self.tr("Links to download:"))
        heading.setBuddy(self.urls_edit)
        layout.addWidget(heading)
        layout.addWidget(self.urls_edit, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.note_label)
        layout.addSpacing(6)
        layout.addLayout(form)
        # Full width under the form: in the form's field column it wrapped into a sliver
        # and its end was cut off.
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.urls_edit.textChanged.connect(self._validate)
        self.sha256.textChanged.connect(self._validate)
        self.folder.changed.connect(self._validate)
        self.folder.changed.connect(self._clear_folder_error)
        self._validate()
        if not urls:
            self.urls_edit.setFocus()

    def urls(self) -> list[str]:
        return extract_urls(self.urls_edit.toPlainText())

    def _ignored_lines(self) -> int:
        return sum(
            1
            for line in self.urls_edit.toPlainText().splitlines()
            if line.strip() and not extract_urls(line)
        )

    def _validate(self) -> None:
        urls = self.urls()
        ignored = self._ignored_lines()
        if urls:
            text = self.tr("%n link(s) will be added", "", len(urls))
        else:
            text = self.tr("No links yet")
        if ignored:
            text += " · " + self.tr("%n line(s) without a link will be skipped", "", ignored)
        self.count_label.setText(text)
        sha = self.sha256.text().strip()
        sha_ok = not sha or bool(SHA256_RE.match(sha))
        self.sha256.setEnabled(len(urls) <= 1)
        if len(urls) > 1:
            self.sha256.setToolTip(
                self.tr("A checksum applies to one file: add links one by one to use it")
            )
        else:
            self.sha256.setToolTip("")
        self.ok_button.setEnabled(bool(urls) and bool(self.folder.path()) and sha_ok)

    def request(self) -> AddRequest:
        urls = self.urls()
        sha = self.sha256.text().strip().lower()
        return AddRequest(
            urls=urls,
            dest_dir=os.path.abspath(self.folder.path()),
            connections=self.connections.value(),
            sha256=sha if sha and len(urls) == 1 else None,
            start=self.start_now.isChecked(),
        )

    def folder_invalid(self) -> bool:
        return bool(self.folder.edit.property("invalid"))

    def _show_folder_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(True)
        self.adjustSize()  # room for the whole message
        self.folder.edit.setProperty("invalid", True)
        self.folder.edit.setStyleSheet(_INVALID_STYLE)
        self.folder.edit.setFocus()
        self.folder.edit.selectAll()

    def _clear_folder_error(self, _text: str = "") -> None:
        if self.folder_invalid():
            self.error_label.setVisible(False)
            self.folder.edit.setProperty("invalid", False)
            self.folder.edit.setStyleSheet("")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter (or Ctrl+Enter) in the link box adds; Shift+Enter is a new line."""
        if watched is self.urls_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            # With nothing to add yet, Enter is just a new line.
            if enter and not shift and self.ok_button.isEnabled():
                self.accept()
                return True
        return super().eventFilter(watched, event)

    def accept(self) -> None:
        if not self.ok_button.isEnabled():
            return
        problem = folder_error(self.folder.path())
        if problem is not None:
            self._show_folder_error(problem)
            return
        self.submitted.emit(self.request())
        super().accept()
