"""The Settings dialog's issue-9 part: adding links without asking, a folder per kind of file,
and the remembered answers to "already there" questions (which can be reset to Ask here)."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QVBoxLayout, QWidget

from app.options import (
    COMPLETED_URL_CHOICES,
    EXISTS_CHOICES,
    FILE_KINDS,
    QUEUED_URL_CHOICES,
    Options,
)
from app.ui.widgets import FolderPicker


class MoreSettings(QWidget):
    """Edits its part of an Options value; `apply(options)` returns it updated."""

    def __init__(self, options: Options, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.without_asking = QCheckBox(
            self.tr("Add dropped, pasted and handed-over links without asking")
        )
        self.without_asking.setObjectName("add_without_asking")
        self.without_asking.setChecked(options.add_without_asking)
        kind_titles = {
            "video": self.tr("Video:"),
            "audio": self.tr("Audio:"),
            "archive": self.tr("Archives:"),
            "document": self.tr("Documents:"),
            "program": self.tr("Programs:"),
            "image": self.tr("Images:"),
        }
        self.folders: dict[str, FolderPicker] = {}
        folders = QGroupBox(self.tr("Folders by kind of file"))
        folders.setToolTip(self.tr("Empty: the download folder"))
        form = QFormLayout(folders)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for kind in FILE_KINDS:
            picker = FolderPicker(getattr(options, f"folder_{kind}"))
            picker.edit.setObjectName(f"folder_{kind}")
            picker.edit.setPlaceholderText(self.tr("The download folder"))
            self.folders[kind] = picker
            form.addRow(kind_titles[kind], picker)

        labels = {
            "ask": self.tr("Ask"),
            "overwrite": self.tr("Replace the file"),
            "rename": self.tr("Save under a new name"),
            "open": self.tr("Open the existing file"),
            "show": self.tr("Show it in the list"),
            "add": self.tr("Add it again"),
        }
        self.choices: dict[str, QComboBox] = {}
        answers = QGroupBox(self.tr("When a link is already here"))
        answer_form = QFormLayout(answers)
        for key, title, values in (
            ("exists_action", self.tr("The file exists:"), EXISTS_CHOICES),
            ("queued_url_action", self.tr("The link is in the list:"), QUEUED_URL_CHOICES),
            ("completed_url_action", self.tr("It was downloaded:"), COMPLETED_URL_CHOICES),
        ):
            combo = QComboBox()
            combo.setObjectName(key)
            for value in values:
                combo.addItem(labels[value], value)
            combo.setCurrentIndex(max(0, combo.findData(getattr(options, key))))
            self.choices[key] = combo
            answer_form.addRow(title, combo)

        layout = QVBoxLayout(self)
        layout.addWidget(self.without_asking)
        layout.addWidget(folders)
        layout.addWidget(answers)
        layout.addStretch(1)

    def apply(self, options: Options) -> Options:
        values: dict[str, object] = {
            f"folder_{kind}": picker.path() for kind, picker in self.folders.items()
        }
        values.update({key: combo.currentData() for key, combo in self.choices.items()})
        values["add_without_asking"] = self.without_asking.isChecked()
        return dataclasses.replace(options, **values)  # type: ignore[arg-type]
