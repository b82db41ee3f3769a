"""File ▸ Import… / Export…: the queue in and out as an aria2 input file or JSON.

The parsing and formatting are app.batch's (the same as `tether import/export`); this module
only asks for a file name, without nesting an event loop, and reports in the status bar.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from app import batch
from app.engine.errors import BadInput
from app.ui.controller import AddRequest
from app.ui.i18n import tr_args

FILTERS = ["Download lists (*.txt *.aria2 *.json *.lst)", "All files (*)"]


class ListTransfer(QObject):
    """Owned by the main window; `window` gives the controller, options, model and status."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window

    def _say(self, text: str) -> None:
        self._window.status.showMessage(text, 8000)

    def ask_import(self) -> QFileDialog:
        dialog = QFileDialog(self._parent_widget(), self.tr("Import Downloads"))
        dialog.setObjectName("import_dialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(FILTERS)
        dialog.fileSelected.connect(self.import_from)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def ask_export(self) -> QFileDialog:
        dialog = QFileDialog(self._parent_widget(), self.tr("Export Downloads"))
        dialog.setObjectName("export_dialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["aria2 input file (*.txt)", "JSON (*.json)"])
        dialog.selectFile("tether-downloads.txt")
        dialog.fileSelected.connect(self.export_to)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _parent_widget(self) -> QWidget | None:
        return self._window if isinstance(self._window, QWidget) else None

    def import_from(self, path: str) -> list[int]:
        """Queue every download of the file; the ids added (problems go to the status bar)."""
        try:
            entries = batch.import_entries(batch.read_text(path), os.path.basename(path))
        except BadInput as exc:
            self._say(tr_args(self.tr("Nothing imported: %1"), exc))
            return []
        if not entries:
            self._say(tr_args(self.tr("No downloads in %1"), os.path.basename(path)))
            return []
        options = self._window.options
        request = AddRequest(
            urls=[e.url for e in entries],
            dest_dir=options.resolved_download_dir(),
            connections=options.connections,
            start=options.start_on_add,
            entries={e.url: (e.dir, e.out, e.checksum) for e in entries},
        )
        return list(self._window.controller.add(request).done)

    def export_to(self, path: str) -> bool:
        jobs = list(self._window.model.jobs())
        text = batch.export_text(jobs, as_json=path.lower().endswith(".json"))
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            self._say(tr_args(self.tr("Not exported: %1"), exc.strerror or exc))
            return False
        self._say(self.tr("Exported %n download(s)", "", len(jobs)))
        return True
