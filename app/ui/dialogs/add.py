"""The Add URLs dialog: many links at once (patterns like file[001-100].jpg expand, with a
count), destination, connections, a checksum of any algorithm, start or queue, and the
request's referrer, cookies and headers (request_fields.py).

Also the confirmation shown for a drop, a paste or URLs forwarded by a second launch: the same
dialog, prefilled, with a note about what was ignored.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.engine.checksums import Checksum, parse_checksum
from app.engine.engine import check_dest_dir
from app.engine.errors import BadInput
from app.engine.patterns import MAX_URLS, count, expand, has_pattern
from app.engine.settings import MAX_CONNECTIONS
from app.ui.controller import AddRequest
from app.ui.dialogs.request_fields import RequestFields
from app.ui.dropparse import dedupe, extract_urls
from app.ui.i18n import tr_args
from app.ui.widgets import FolderPicker

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


def _is_pattern_line(item: str) -> bool:
    if not item.lower().startswith(("http://", "https://")) or any(c.isspace() for c in item):
        return False
    try:
        return has_pattern(item)
    except BadInput:
        return True  # a broken pattern: shown as written, the dialog says what is wrong


def pasted_links(text: str) -> list[str] | None:
    """Pasted text holding URL patterns: the lines for the dialog, patterns as written (the
    usual link picking would cut `{a,b}` off); None when there are none."""
    lines: list[str] = []
    patterned = False
    for line in text.splitlines():
        if _is_pattern_line(line.strip()):
            lines.append(line.strip())
            patterned = True
        else:
            lines.extend(extract_urls(line))
    return lines if patterned else None


def read_links(text: str, patterns: bool = True) -> tuple[list[str], int, str | None]:
    """The dialog's reading of its text: (URLs, lines without a link, a pattern error).

    A line that is one URL with `[1-9]`/`{a,b}` in it is a pattern (unless `patterns` is off);
    any other line gives the links found in it. The count is checked before expanding.
    """
    urls: list[str] = []
    ignored = 0
    for line in text.splitlines():
        item = line.strip()
        if not item:
            continue
        if patterns and _is_pattern_line(item):
            try:
                n = count(item)
                if len(urls) + n > MAX_URLS:
                    return urls, ignored, f"{len(urls) + n:,} links: at most {MAX_URLS:,}"
                urls.extend(expand(item))
                continue
            except BadInput as exc:
                return urls, ignored, str(exc).split(" (use --globoff")[0]
        found = extract_urls(line)
        if found:
            urls.extend(found)
        else:
            ignored += 1
    return dedupe(urls), ignored, None


def read_checksum(text: str) -> Checksum | None:
    """The checksum field: `algo=HEX`/`algo:HEX`, or bare HEX named by its length; BadInput."""
    return parse_checksum(text) if text.strip() else None


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
        self.patterns = QCheckBox(self.tr("Expand [1-9], [01-99], [a-z] and {a,b} in links"))
        self.patterns.setObjectName("patterns_check")
        self.patterns.setChecked(True)
        self.checksum = QLineEdit()
        self.checksum.setObjectName("checksum_edit")
        self.checksum.setFont(mono)
        self.checksum.setPlaceholderText(
            self.tr("Optional: MD5, SHA-1, SHA-256 or SHA-512, checked when it finishes")
        )
        self.checksum.setClearButtonEnabled(True)
        self.checksum_kind = QLabel()
        self.checksum_kind.setObjectName("checksum_kind")
        checksum_row = QHBoxLayout()
        checksum_row.addWidget(self.checksum, 1)
        checksum_row.addWidget(self.checksum_kind)
        self.start_now = QCheckBox(self.tr("Start downloading now"))
        self.start_now.setObjectName("start_now")
        self.start_now.setChecked(start)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("Save to:"), self.folder)
        form.addRow(self.tr("Connections:"), self.connections)
        form.addRow(self.tr("Checksum:"), checksum_row)
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
        layout.addWidget(self.patterns)
        layout.addWidget(self.note_label)
        layout.addSpacing(6)
        layout.addLayout(form)
        self.request_fields = RequestFields()
        layout.addWidget(self.request_fields)
        # Full width under the form: in the form's field column it wrapped into a sliver
        # and its end was cut off.
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.urls_edit.textChanged.connect(self._validate)
        self.checksum.textChanged.connect(self._validate)
        self.patterns.toggled.connect(self._validate)
        self.folder.changed.connect(self._validate)
        self.folder.changed.connect(self._clear_folder_error)
        self.request_fields.changed.connect(self._validate)
        self._validate()
        if not urls:
            self.urls_edit.setFocus()

    def urls(self) -> list[str]:
        return read_links(self.urls_edit.toPlainText(), self.patterns.isChecked())[0]

    def _validate(self) -> None:
        urls, ignored, problem = read_links(self.urls_edit.toPlainText(), self.patterns.isChecked())
        if problem:
            text = tr_args(self.tr("Pattern: %1"), problem)
        elif urls:
            text = self.tr("%n link(s) will be added", "", len(urls))
        else:
            text = self.tr("No links yet")
        if ignored and not problem:
            text += " · " + self.tr("%n line(s) without a link will be skipped", "", ignored)
        self.count_label.setText(text)
        try:
            checksum = read_checksum(self.checksum.text())
            checksum_ok = True
        except BadInput:
            checksum, checksum_ok = None, False
        self.checksum_kind.setText(
            checksum.label if checksum else ("" if checksum_ok else self.tr("not a checksum"))
        )
        self.checksum.setEnabled(len(urls) <= 1)
        if len(urls) > 1:
            self.checksum.setToolTip(
                self.tr("A checksum applies to one file: add links one by one to use it")
            )
        else:
            self.checksum.setToolTip(
                self.tr("Paste it as published: the length tells the algorithm, or write sha256=…")
            )
        request_ok = self.request_fields.problem() is None
        ready = (
            bool(urls) and not problem and bool(self.folder.path()) and checksum_ok and request_ok
        )
        self.ok_button.setEnabled(ready)

    def request(self) -> AddRequest:
        """What the user asked for; BadInput if the Request fields cannot be used."""
        urls = self.urls()
        try:
            checksum = read_checksum(self.checksum.text()) if len(urls) == 1 else None
        except BadInput:
            checksum = None
        return AddRequest(
            urls=urls,
            dest_dir=os.path.abspath(self.folder.path()),
            connections=self.connections.value(),
            checksum=str(checksum) if checksum else None,
            start=self.start_now.isChecked(),
            context=self.request_fields.context_args(),
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
        try:
            request = self.request()
        except BadInput as exc:  # e.g. the cookie file cannot be read: say so, stay open
            self.request_fields.show_problem(str(exc))
            return
        self.submitted.emit(request)
        super().accept()
