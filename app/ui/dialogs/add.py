"""The Add URLs dialog: many links at once, destination, connections, SHA-256, start or queue.

Also the confirmation shown for a drop, a paste or URLs forwarded by a second launch: the same
dialog, prefilled, with a note about what was ignored.
"""

from __future__ import annotations

import os
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QRegularExpressionValidator
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

from app.ui.controller import AddRequest
from app.ui.dropparse import extract_urls
from app.ui.widgets import FolderPicker

SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
MAX_CONNECTIONS = 32


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
            self.tr("One link per line, e.g. https://example.com/file.iso")
        )
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
        layout.addWidget(self.buttons)

        self.urls_edit.textChanged.connect(self._validate)
        self.sha256.textChanged.connect(self._validate)
        self.folder.changed.connect(self._validate)
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

    def accept(self) -> None:
        if not self.ok_button.isEnabled():
            return
        self.submitted.emit(self.request())
        super().accept()
