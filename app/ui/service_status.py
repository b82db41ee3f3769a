"""The window's word on its link to the service, in the status bar: one line that stays while
the service is not answering or was stopped on request (a later bulk-action message must not
hide it), with a button to start a stopped service again; passing news (lost, reconnected,
a late refusal) as transient messages.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar

from app.ui.i18n import tr_args

STATUS_MS = 15000


def service_status_text(kind: str, detail: str) -> str:
    """The status bar's one line about the link to the service (`detail` goes to the log,
    except a refusal's reason, which is what the user needs to know). Literal translate()
    calls: lupdate finds only those."""
    if kind == "lost":  # short: the status bar shares its width
        return QCoreApplication.translate("ServiceLink", "Tether's service stopped; restarting it…")
    if kind == "stopped":
        return QCoreApplication.translate(
            "ServiceLink", "Tether's service was stopped; downloads are paused"
        )
    if kind == "stalled":
        return QCoreApplication.translate(
            "ServiceLink", "Tether's service is not answering; commands wait for it"
        )
    if kind == "answering":
        return QCoreApplication.translate("ServiceLink", "Tether's service is answering again")
    if kind == "refused":
        return tr_args(
            QCoreApplication.translate("ServiceLink", "The service refused a command: %1"), detail
        )
    return QCoreApplication.translate("ServiceLink", "Reconnected to the Tether service")


class ServiceStatus(QObject):
    """`show(kind, detail)` is ServiceLink's on_status; `restart` starts a stopped service."""

    def __init__(self, bar: QStatusBar, restart: Callable[[], bool]) -> None:
        super().__init__(bar)
        self.bar = bar
        self._restart = restart
        self.label = QLabel()
        self.label.setObjectName("service_label")
        self.label.setContentsMargins(8, 0, 8, 0)
        self.start_button = QPushButton(self.tr("Start the service"))
        self.start_button.setObjectName("start_service_button")
        self.start_button.setFlat(True)
        self.start_button.clicked.connect(self.start_service)
        bar.insertPermanentWidget(0, self.label)
        bar.insertPermanentWidget(1, self.start_button)
        self.label.hide()
        self.start_button.hide()
        self.kind = ""  # the lasting state shown: "", "stalled" or "stopped"

    def show(self, kind: str, detail: str) -> None:
        text = service_status_text(kind, detail)
        if kind in ("stalled", "stopped"):
            self._set_lasting(kind, text)
        elif kind == "lost":
            self._set_lasting("", "")
            self.bar.showMessage(text, 0)  # stays until reconnected
        elif kind == "answering":
            if self.kind == "stalled":
                self._set_lasting("", "")
                self.bar.showMessage(text, STATUS_MS)
        else:  # reconnected, refused
            if kind == "reconnected":
                self._set_lasting("", "")
            self.bar.showMessage(text, STATUS_MS)

    def _set_lasting(self, kind: str, text: str) -> None:
        self.kind = kind
        self.label.setText(text)
        self.label.setVisible(bool(kind))
        self.start_button.setVisible(kind == "stopped")

    def start_service(self) -> None:
        if self._restart():
            self._set_lasting("", "")
