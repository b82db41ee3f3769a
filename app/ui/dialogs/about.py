"""The About box: version, licence, where data and logs live. Opened window-modal, never with
exec(): a nested event loop would stall the engine running on qasync's loop."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.paths import log_dir
from app.ui.i18n import tr_args


def about_box(parent: QWidget, data_dir: Path) -> QMessageBox:
    from app import installed_version

    text = tr_args(
        QCoreApplication.translate(
            "MainWindow",
            "<h3>Tether %1</h3><p>A download manager that never loses a byte: downloads "
            "resume from where they stopped after a pause, a dropped link or a crash.</p>"
            "<p>Licensed under the GNU GPL, version 3 or later.</p>"
            "<p>Data: %2<br>Logs: %3</p>",
        ),
        html.escape(installed_version()),
        html.escape(str(data_dir)),
        html.escape(str(log_dir(data_dir))),
    )
    box = QMessageBox(parent)
    box.setObjectName("about_box")
    box.setWindowTitle(QCoreApplication.translate("MainWindow", "About Tether"))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(text)
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.finished.connect(box.deleteLater)
    return box
