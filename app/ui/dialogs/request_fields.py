"""The Add dialog's Request section: referrer, cookies (a line or a cookies.txt file) and
extra headers, as `tether get --referer/--cookie/--load-cookies/--header` take them.

Read by the CLI's own code (app/requestargs.py), so the dialog and the command line accept
and refuse the same things. What is typed here becomes each new job's request context, a
secret of the job: never shown in the list, the history or the logs.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.errors import BadInput
from app.requestargs import ContextArgs, header_lines

_INVALID_STYLE = "color: #d64545;"


class RequestFields(QWidget):
    """A collapsed "Request" section; `changed` on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("request_fields")
        self.toggle = QToolButton()
        self.toggle.setObjectName("request_toggle")
        self.toggle.setText(self.tr("Request: referrer, cookies, headers"))
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self.set_expanded)

        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.referrer = QLineEdit()
        self.referrer.setObjectName("referrer_edit")
        self.referrer.setPlaceholderText(self.tr("The page the links are on (sent as Referer)"))
        self.cookies = QLineEdit()
        self.cookies.setObjectName("cookies_edit")
        self.cookies.setFont(mono)
        self.cookies.setPlaceholderText(self.tr("name=value; name2=value2"))
        self.cookie_file = QLineEdit()
        self.cookie_file.setObjectName("cookie_file_edit")
        self.cookie_file.setPlaceholderText(self.tr("A cookies.txt exported from a browser"))
        self.cookie_file.setToolTip(
            self.tr("Netscape format, as curl and wget read it: each link gets its site's cookies")
        )
        self.cookie_file.setClearButtonEnabled(True)
        browse = QPushButton(self.tr("Choose…"))
        browse.setObjectName("cookie_file_browse")
        browse.clicked.connect(self._choose_file)
        file_row = QHBoxLayout()
        file_row.setContentsMargins(0, 0, 0, 0)
        file_row.addWidget(self.cookie_file, 1)
        file_row.addWidget(browse)
        self.headers = QPlainTextEdit()
        self.headers.setObjectName("headers_edit")
        self.headers.setFont(mono)
        self.headers.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.headers.setPlaceholderText(
            self.tr("One per line, e.g.\nAuthorization: Bearer …\nUser-Agent: …")
        )
        self.headers.setFixedHeight(self.headers.fontMetrics().lineSpacing() * 4 + 12)
        self.error_label = QLabel()
        self.error_label.setObjectName("request_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(_INVALID_STYLE)
        self.error_label.setVisible(False)

        self.body = QWidget()
        form = QFormLayout(self.body)
        form.setContentsMargins(18, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("Referrer:"), self.referrer)
        form.addRow(self.tr("Cookies:"), self.cookies)
        form.addRow(self.tr("Cookie file:"), file_row)
        form.addRow(self.tr("Headers:"), self.headers)
        form.addRow(self.error_label)
        self.body.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)
        for edit in (self.referrer, self.cookies, self.cookie_file):
            edit.textChanged.connect(self.changed)
        self.headers.textChanged.connect(self.changed)

    def set_expanded(self, expanded: bool) -> None:
        self.toggle.setChecked(expanded)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)
        window = self.window()
        if window is not None and not expanded:
            window.adjustSize()

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Cookie File"),
            os.path.dirname(self.cookie_file.text()) or os.path.expanduser("~"),
            self.tr("Cookie files (*.txt);;All files (*)"),
        )
        if path:
            self.cookie_file.setText(path)

    def _args(self, read_file: bool) -> ContextArgs:
        path = self.cookie_file.text().strip()
        if path and not read_file and not os.path.isfile(os.path.expanduser(path)):
            raise BadInput(f"no cookie file {path}")
        return ContextArgs.of(
            headers=header_lines(self.headers.toPlainText()),
            cookie=self.cookies.text().strip(),
            cookie_file=os.path.expanduser(path) if read_file and path else None,
            referer=self.referrer.text().strip(),
        )

    def problem(self) -> str | None:
        """What is wrong with the fields (one line, never a value), shown under them."""
        try:
            self._args(read_file=False)
        except BadInput as exc:
            self.show_problem(str(exc))
            return str(exc)
        self.show_problem(None)
        return None

    def show_problem(self, message: str | None) -> None:
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))
        if message:
            self.set_expanded(True)

    def context_args(self) -> ContextArgs | None:
        """The fields read for real (the cookie file too); None when all are empty.
        BadInput in one line if something cannot be used."""
        found = self._args(read_file=True)
        return found if found else None
