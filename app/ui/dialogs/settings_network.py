"""The Settings dialog's Network tab: the proxy (with its login and no-proxy list), per-site
rules (a small table: hosts, connection limit, user agent; the selected rule's headers below)
and clipboard monitoring. The password and header values are secrets: options.py keeps them
with the secret storage, and nothing here logs them."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine.errors import BadInput
from app.engine.siterules import MAX_RULE_CONNECTIONS, SiteRule
from app.options import Options
from app.ui.dialogs.optionfields import option_spin
from app.ui.i18n import tr_args

_EXPLICIT = ("http", "https", "socks5")


class NetworkSettings(QWidget):
    """Edits the network part of an Options value; `apply(options)` returns it updated or
    raises BadInput with one line to show (a bad host pattern or header line)."""

    def __init__(self, options: Options, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.setObjectName("proxy_mode")
        for value, label in (
            ("none", self.tr("No proxy")),
            ("system", self.tr("The system's proxy settings")),
            ("http", self.tr("HTTP proxy")),
            ("https", self.tr("HTTPS proxy")),
            ("socks5", self.tr("SOCKS5 proxy (names resolved by the proxy)")),
        ):
            self.mode.addItem(label, value)
        self.mode.setCurrentIndex(max(0, self.mode.findData(options.proxy_mode)))
        self.host = QLineEdit(options.proxy_host)
        self.host.setObjectName("proxy_host")
        self.host.setPlaceholderText(self.tr("proxy.example.com"))
        self.port = option_spin("proxy_port", options.proxy_port)
        self.port.setObjectName("proxy_port")
        self.user = QLineEdit(options.proxy_user)
        self.user.setObjectName("proxy_user")
        self.user.setPlaceholderText(self.tr("user name (optional)"))
        self.password = QLineEdit(options.proxy_password)
        self.password.setObjectName("proxy_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("password"))
        self.no_proxy = QLineEdit(options.no_proxy)
        self.no_proxy.setObjectName("no_proxy")
        self.no_proxy.setPlaceholderText(self.tr("localhost, .lan, 10.0.0.0/8"))
        server_row = QHBoxLayout()
        server_row.addWidget(self.host, 1)
        server_row.addWidget(QLabel(self.tr("Port:")))
        server_row.addWidget(self.port)
        login_row = QHBoxLayout()
        login_row.addWidget(self.user, 1)
        login_row.addWidget(self.password, 1)

        proxy = QGroupBox(self.tr("Proxy"))
        form = QFormLayout(proxy)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("Connect through:"), self.mode)
        form.addRow(self.tr("Server:"), server_row)
        form.addRow(self.tr("Login:"), login_row)
        form.addRow(self.tr("Without proxy:"), self.no_proxy)
        self.mode.currentIndexChanged.connect(self._mode_changed)

        self.rules = QTableWidget(0, 3)
        self.rules.setObjectName("site_rules")
        self.rules.setHorizontalHeaderLabels(
            [self.tr("Hosts"), self.tr("Max connections"), self.tr("User agent")]
        )
        self.rules.verticalHeader().setVisible(False)
        self.rules.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rules.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.rules.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.rules.setMinimumHeight(110)
        self.headers = QPlainTextEdit()
        self.headers.setObjectName("site_headers")
        self.headers.setPlaceholderText(
            self.tr("Extra headers for these hosts, one per line:\nName: value")
        )
        self.headers.setFixedHeight(64)
        self.headers.setEnabled(False)
        self._row_headers: list[str] = []
        self._current = -1
        self.add_rule = QPushButton(self.tr("Add site"))
        self.add_rule.setObjectName("add_site_rule")
        self.remove_rule = QPushButton(self.tr("Remove"))
        self.remove_rule.setObjectName("remove_site_rule")
        self.add_rule.clicked.connect(lambda: self.append_rule(SiteRule("*.example.com", 2)))
        self.remove_rule.clicked.connect(self._remove_current)
        self.rules.currentCellChanged.connect(lambda row, *_: self._select(row))
        for data in options.site_rules:
            try:
                self.append_rule(SiteRule.from_dict(data))
            except BadInput:
                continue
        if self.rules.rowCount():
            self.rules.setCurrentCell(0, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_rule)
        buttons.addWidget(self.remove_rule)
        buttons.addStretch(1)
        sites = QGroupBox(self.tr("Sites"))
        box = QVBoxLayout(sites)
        box.addWidget(self.rules)
        box.addWidget(QLabel(self.tr("Headers sent to the selected row's hosts:")))
        box.addWidget(self.headers)
        box.addLayout(buttons)

        self.clipboard = QCheckBox(
            self.tr("Offer links to files copied to the clipboard (video, archives, …)")
        )
        self.clipboard.setObjectName("clipboard_monitor")
        self.clipboard.setChecked(options.clipboard_monitor)
        self.error = QLabel()
        self.error.setObjectName("network_error")
        self.error.setStyleSheet("color: palette(link)")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(proxy)
        layout.addWidget(sites, 1)
        layout.addWidget(self.clipboard)
        layout.addWidget(self.error)
        self._mode_changed()

    # ---- proxy -------------------------------------------------------------------------
    def _mode_changed(self) -> None:
        explicit = self.mode.currentData() in _EXPLICIT
        for widget in (self.host, self.port, self.user, self.password):
            widget.setEnabled(explicit)
        self.no_proxy.setEnabled(self.mode.currentData() != "none")

    # ---- rules -------------------------------------------------------------------------
    def append_rule(self, rule: SiteRule) -> int:
        self._store_headers()
        row = self.rules.rowCount()
        self.rules.insertRow(row)
        self.rules.setItem(row, 0, QTableWidgetItem(rule.pattern))
        limit = QSpinBox()
        limit.setRange(0, MAX_RULE_CONNECTIONS)
        limit.setSpecialValueText(self.tr("no limit"))
        limit.setValue(rule.max_connections)
        self.rules.setCellWidget(row, 1, limit)
        self.rules.setItem(row, 2, QTableWidgetItem(rule.user_agent))
        self._row_headers.append("\n".join(f"{n}: {v}" for n, v in rule.headers))
        self.rules.setCurrentCell(row, 0)
        return row

    def _store_headers(self) -> None:
        if 0 <= self._current < len(self._row_headers):
            self._row_headers[self._current] = self.headers.toPlainText()

    def _select(self, row: int) -> None:
        self._store_headers()
        self._current = row
        valid = 0 <= row < len(self._row_headers)
        self.headers.setEnabled(valid)
        self.headers.setPlainText(self._row_headers[row] if valid else "")

    def _remove_current(self) -> None:
        row = self.rules.currentRow()
        if row < 0:
            return
        self._current = -1  # its headers go with it
        del self._row_headers[row]
        self.rules.removeRow(row)
        self._select(self.rules.currentRow())

    def rule_dicts(self) -> tuple[dict[str, Any], ...]:
        """The table as stored rules; raises BadInput for the first bad row."""
        self._store_headers()
        out: list[dict[str, Any]] = []
        for row in range(self.rules.rowCount()):
            pattern = (self.rules.item(row, 0) or QTableWidgetItem()).text().strip()
            agent = (self.rules.item(row, 2) or QTableWidgetItem()).text().strip()
            spin = self.rules.cellWidget(row, 1)
            limit = spin.value() if isinstance(spin, QSpinBox) else 0
            if not pattern and not agent and not limit and not self._row_headers[row].strip():
                continue  # an empty row is no rule
            try:
                rule = SiteRule.from_dict(
                    {
                        "pattern": pattern,
                        "max_connections": limit,
                        "user_agent": agent,
                        "headers": self._row_headers[row],
                    }
                )
            except BadInput as exc:
                self.rules.setCurrentCell(row, 0)
                raise BadInput(tr_args(self.tr("Site %1: %2"), pattern or "?", exc)) from None
            out.append(rule.to_dict())
        return tuple(out)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def apply(self, options: Options) -> Options:
        rules = self.rule_dicts()
        mode = self.mode.currentData()
        if mode in _EXPLICIT and not self.host.text().strip():
            raise BadInput(self.tr("The proxy needs a server name or address"))
        self.show_error("")
        return dataclasses.replace(
            options,
            proxy_mode=mode,
            proxy_host=self.host.text().strip(),
            proxy_port=self.port.value(),
            proxy_user=self.user.text(),
            proxy_password=self.password.text(),
            no_proxy=self.no_proxy.text().strip(),
            site_rules=rules,
            clipboard_monitor=self.clipboard.isChecked(),
        )
