"""The status bar: how many downloads run, the total speed, free space in the download folder."""

from __future__ import annotations

import os
import shutil

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.store.models import JobState
from app.ui import formatting
from app.ui.i18n import tr_args
from app.ui.model import JobTableModel

FREE_SPACE_INTERVAL_MS = 5000


def free_space(path: str) -> int | None:
    """Free bytes on the file system of path (or its nearest existing parent)."""
    probe = os.path.abspath(os.path.expanduser(path or "."))
    while probe and not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


class QueueStatusBar(QStatusBar):
    """Permanent labels on the right; transient messages (errors of bulk actions) on the left."""

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.download_dir = ""
        self.active_label = QLabel()
        self.active_label.setObjectName("active_label")
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speed_label")
        self.speed_label.setMinimumWidth(90)
        self.free_label = QLabel()
        self.free_label.setObjectName("free_label")
        for label in (self.active_label, self.speed_label, self.free_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.addPermanentWidget(label)
        # Free space only moves while something downloads (or another program writes, which
        # the next download's start shows): no wake-ups for an idle window in the tray.
        self._free_timer = QTimer(self)
        self._free_timer.setInterval(FREE_SPACE_INTERVAL_MS)
        self._free_timer.timeout.connect(self.update_free_space)
        model.active_count_changed.connect(self._on_active_count)
        self._on_active_count(model.active_count())

    def _on_active_count(self, count: int) -> None:
        if count and not self._free_timer.isActive():
            self._free_timer.start()
            self.update_free_space()
        elif not count and self._free_timer.isActive():
            self._free_timer.stop()
            self.update_free_space()  # what the last download left

    def stop(self) -> None:
        """The window closed for good: no more wake-ups, whatever the model still hears."""
        self.model.active_count_changed.disconnect(self._on_active_count)
        self._free_timer.stop()

    def free_timer_active(self) -> bool:
        return self._free_timer.isActive()

    def set_download_dir(self, path: str) -> None:
        self.download_dir = path
        self.update_free_space()

    def update_counts(self) -> None:
        counts = self.model.state_counts()
        running = counts.get(JobState.DOWNLOADING, 0)
        queued = counts.get(JobState.QUEUED, 0)
        retrying = counts.get(JobState.RETRYING, 0)
        text = self.tr("%n downloading", "", running)
        if retrying:
            text += " · " + self.tr("%n retrying", "", retrying)
        if queued:
            text += " · " + self.tr("%n queued", "", queued)
        self.active_label.setText(text)
        self.update_speed()

    def update_speed(self) -> None:
        speed = formatting.speed(self.model.total_speed())
        self.speed_label.setText("↓ " + speed if speed else "")

    def update_free_space(self) -> None:
        free = free_space(self.download_dir)
        if free is None:
            self.free_label.setText("")
            return
        self.free_label.setText(tr_args(self.tr("%1 free"), formatting.size(free)))
        self.free_label.setToolTip(tr_args(self.tr("Free space in %1"), self.download_dir))
