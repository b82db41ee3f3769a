"""The Settings dialog: edits an Options value; the window saves it and applies it live."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine.errors import BadInput
from app.options import Options, keeps_downloading
from app.ui.dialogs.optionfields import option_label, option_spin
from app.ui.dialogs.settings_more import MoreSettings
from app.ui.dialogs.settings_network import NetworkSettings
from app.ui.dialogs.settings_schedule import ScheduleSettings
from app.ui.widgets import FolderPicker

KB = 1000  # the UI shows SI units, like QLocale's formattedDataSize


class SettingsDialog(QDialog):
    """Emits `submitted(Options)` on OK; it never touches the store or the engine itself."""

    submitted = Signal(object)  # Options

    def __init__(self, parent: QWidget | None, options: Options, *, tray_available: bool) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(520)
        self._options = options

        self.folder = FolderPicker(options.resolved_download_dir())
        self.max_concurrent = option_spin("max_concurrent", options.max_concurrent)
        self.connections = option_spin("connections", options.connections)
        self.stall_timeout = option_spin("stall_timeout", options.stall_timeout)
        self.stall_timeout.setSingleStep(5)
        self.retry_for = option_spin("retry_for", options.retry_for)
        self.retry_for.setSingleStep(30)
        self.limit_enabled = QCheckBox(self.tr("Limit to"))
        self.limit_enabled.setObjectName("limit_enabled")
        self.limit = QSpinBox()
        self.limit.setObjectName("limit_spin")
        self.limit.setRange(1, 10_000_000)
        self.limit.setSuffix(" " + self.tr("kB/s"))
        self.limit.setSingleStep(100)
        self.limit.setAccelerated(True)
        limited = options.speed_limit is not None
        self.limit_enabled.setChecked(limited)
        self.limit.setValue(max(1, (options.speed_limit or 1_000_000) // KB))
        self.limit.setEnabled(limited)
        self.limit_enabled.toggled.connect(self.limit.setEnabled)
        limit_row = QHBoxLayout()
        limit_row.addWidget(self.limit_enabled)
        limit_row.addWidget(self.limit, 1)

        self.start_on_add = QCheckBox(self.tr("Start downloads as soon as they are added"))
        self.start_on_add.setChecked(options.start_on_add)
        self.minimize_to_tray = QCheckBox(
            self.tr("Closing the window keeps Tether running in the tray")
        )
        self.minimize_to_tray.setChecked(options.minimize_to_tray and tray_available)
        self.minimize_to_tray.setEnabled(tray_available)
        if not tray_available:
            self.minimize_to_tray.setToolTip(self.tr("This desktop has no system tray"))
        # "auto" (the default) follows the tray option until the user ticks this one himself
        self.keep_downloading = QCheckBox(self.tr("Keep downloading after the window closes"))
        self.keep_downloading.setObjectName("keep_downloading")
        self.keep_downloading.setChecked(keeps_downloading(options))
        self._keep_chosen = options.keep_downloading != "auto"
        self.keep_downloading.clicked.connect(self._choose_keep)
        self.minimize_to_tray.toggled.connect(self._follow_tray)
        self.notify = QCheckBox(self.tr("Notify when a download completes or fails"))
        self.notify.setChecked(options.notify)
        self.auto_checksum = QCheckBox(
            self.tr("Verify downloads with checksums the server publishes (SHA256SUMS, …)")
        )
        self.auto_checksum.setObjectName("auto_checksum")
        self.auto_checksum.setChecked(options.auto_checksum)

        downloads = QGroupBox(self.tr("Downloads"))
        form = QFormLayout(downloads)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("Download folder:"), self.folder)
        form.addRow(option_label("max_concurrent"), self.max_concurrent)
        form.addRow(option_label("connections"), self.connections)
        form.addRow(self.tr("Total speed:"), limit_row)
        form.addRow(option_label("stall_timeout"), self.stall_timeout)
        form.addRow(option_label("retry_for"), self.retry_for)
        form.addRow("", self.start_on_add)
        form.addRow("", self.auto_checksum)

        # Each language named in itself, so a user who cannot read the current one finds theirs.
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.addItem(self.tr("System default"), "system")
        self.language.addItem("English", "en")
        self.language.addItem("简体中文", "zh_CN")
        self.language.setCurrentIndex(max(0, self.language.findData(options.language)))
        restart = QLabel(self.tr("Applies the next time Tether starts."))
        restart.setEnabled(False)
        language_row = QHBoxLayout()
        language_row.addWidget(self.language)
        language_row.addWidget(restart, 1)

        behaviour = QGroupBox(self.tr("Desktop"))
        box = QVBoxLayout(behaviour)
        box.addWidget(self.minimize_to_tray)
        box.addWidget(self.keep_downloading)
        box.addWidget(self.notify)
        desktop_form = QFormLayout()
        desktop_form.addRow(self.tr("Language:"), language_row)
        box.addLayout(desktop_form)

        hint = QLabel(
            self.tr("Changes apply at once; connections apply to downloads that start next.")
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.folder.changed.connect(lambda _t: self.ok_button.setEnabled(bool(self.folder.path())))

        self.more = MoreSettings(options)
        self.schedule = ScheduleSettings(options)
        pages = QTabWidget()
        general = QWidget()
        page = QVBoxLayout(general)
        page.addWidget(downloads)
        page.addWidget(behaviour)
        page.addWidget(hint)
        page.addStretch(1)
        pages.addTab(general, self.tr("General"))
        pages.addTab(self.more, self.tr("Adding"))
        self.network = NetworkSettings(options)
        pages.addTab(self.network, self.tr("Network"))
        pages.addTab(self.schedule, self.tr("Schedule"))
        self.pages = pages
        layout = QVBoxLayout(self)
        layout.addWidget(pages)
        layout.addStretch(1)
        layout.addWidget(buttons)

    def _choose_keep(self) -> None:
        self._keep_chosen = True

    def _follow_tray(self, on: bool) -> None:
        if not self._keep_chosen:
            self.keep_downloading.setChecked(on)

    def options(self) -> Options:
        options = dataclasses.replace(
            self._options,
            download_dir=self.folder.path(),
            max_concurrent=self.max_concurrent.value(),
            connections=self.connections.value(),
            speed_limit=self.limit.value() * KB if self.limit_enabled.isChecked() else None,
            start_on_add=self.start_on_add.isChecked(),
            minimize_to_tray=self.minimize_to_tray.isChecked(),
            keep_downloading=(
                ("yes" if self.keep_downloading.isChecked() else "no")
                if self._keep_chosen
                else "auto"
            ),
            notify=self.notify.isChecked(),
            auto_checksum=self.auto_checksum.isChecked(),
            saved_speed_limit=self.limit.value() * KB,  # what the toolbar's toggle turns on
            retry_for=self.retry_for.value(),
            stall_timeout=self.stall_timeout.value(),
            language=self.language.currentData(),
        )
        return self.schedule.apply(self.network.apply(self.more.apply(options)))

    def accept(self) -> None:
        if not self.folder.path():
            return
        try:
            options = self.options()
        except BadInput as exc:  # a bad site rule or proxy: say which, keep the dialog open
            self.pages.setCurrentWidget(self.network)
            self.network.show_error(str(exc))
            return
        self.submitted.emit(options)
        super().accept()
