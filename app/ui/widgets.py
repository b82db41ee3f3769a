"""Small reusable widgets: a folder picker and a segmented filter bar."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from app.ui import icons


class FolderPicker(QWidget):
    """A path field with a Browse button; the dialog opens window-modal, never blocking."""

    changed = Signal(str)

    def __init__(self, path: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(path)
        self.edit.setObjectName("folder_edit")
        self.edit.setClearButtonEnabled(False)
        self.edit.textChanged.connect(self.changed)
        self.button = QPushButton(self.tr("Browse…"))
        self.button.setIcon(icons.action_icon("open-folder"))
        self.button.clicked.connect(self._browse)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self._dialog: QFileDialog | None = None

    def path(self) -> str:
        return os.path.expanduser(self.edit.text().strip())

    def set_path(self, path: str) -> None:
        self.edit.setText(path)

    def _browse(self) -> None:
        dialog = QFileDialog(
            self, self.tr("Choose a folder"), self.path() or os.path.expanduser("~")
        )
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.set_path)
        self._dialog = dialog
        dialog.open()


class SegmentedFilter(QWidget):
    """A row of exclusive toggle buttons ('All 12', 'Active 3', …)."""

    selected = Signal(str)

    def __init__(self, items: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._buttons: dict[str, QToolButton] = {}
        self._labels: dict[str, str] = {}
        for key, label in items:
            button = QToolButton()
            button.setObjectName(f"filter_{key}")
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setText(label)
            button.clicked.connect(functools.partial(self.selected.emit, key))
            self._group.addButton(button)
            self._buttons[key] = button
            self._labels[key] = label
            layout.addWidget(button)
        if items:
            self._buttons[items[0][0]].setChecked(True)

    def button(self, key: str) -> QToolButton:
        return self._buttons[key]

    def set_current(self, key: str) -> None:
        if key in self._buttons:
            self._buttons[key].setChecked(True)

    def current(self) -> str:
        for key, button in self._buttons.items():
            if button.isChecked():
                return key
        return next(iter(self._buttons), "")

    def set_count(self, key: str, count: int) -> None:
        label = self._labels[key]
        self._buttons[key].setText(f"{label}  {count}" if count else label)
