"""The Settings dialog's Schedule tab: queue hours, the speed-limit schedule, keeping the
computer awake and what happens when the queue finishes."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.options import FINISH_CHOICES, Options

KB = 1000


class DayPicker(QWidget):
    """Seven check boxes, Monday first; `days_mask()` is bit 0 = Monday."""

    def __init__(self, mask: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        titles = (
            self.tr("Mon"),
            self.tr("Tue"),
            self.tr("Wed"),
            self.tr("Thu"),
            self.tr("Fri"),
            self.tr("Sat"),
            self.tr("Sun"),
        )
        self.boxes: list[QCheckBox] = []
        for k, title in enumerate(titles):
            box = QCheckBox(title)
            box.setObjectName(f"{name}_{k}")
            box.setChecked(bool(mask >> k & 1))
            row.addWidget(box)
            self.boxes.append(box)
        row.addStretch(1)

    def days_mask(self) -> int:
        return sum(1 << k for k, box in enumerate(self.boxes) if box.isChecked())

    def set_mask(self, mask: int) -> None:
        for k, box in enumerate(self.boxes):
            box.setChecked(bool(mask >> k & 1))


def _time_edit(minutes: int, name: str) -> QTimeEdit:
    edit = QTimeEdit(QTime(minutes // 60, minutes % 60))
    edit.setObjectName(name)
    edit.setDisplayFormat("HH:mm")
    return edit


def _minutes(edit: QTimeEdit) -> int:
    t = edit.time()
    return t.hour() * 60 + t.minute()


class ScheduleSettings(QWidget):
    """Edits its part of an Options value; `apply(options)` returns it updated."""

    def __init__(self, options: Options, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("schedule_settings")
        # ---- queue hours
        self.hours = QGroupBox(self.tr("Run the queue only at set hours"))
        self.hours.setObjectName("queue_hours")
        self.hours.setCheckable(True)
        self.hours.setChecked(options.queue_hours)
        self.queue_start = _time_edit(options.queue_start, "queue_start")
        self.queue_stop = _time_edit(options.queue_stop, "queue_stop")
        self.queue_days = DayPicker(options.queue_days, "queue_day")
        times = QHBoxLayout()
        times.addWidget(self.queue_start)
        times.addWidget(_label(self.tr("to")))
        times.addWidget(self.queue_stop)
        times.addStretch(1)
        form = QFormLayout(self.hours)
        form.addRow(self.tr("From:"), times)
        form.addRow(self.tr("On:"), self.queue_days)
        form.addRow(
            "",
            _hint(
                self.tr(
                    "Outside these hours queued downloads wait; running ones pause at the "
                    "end and continue at the next start. A download's own start time "
                    "(Start at… in its menu) wins over these hours."
                )
            ),
        )

        # ---- speed schedule
        self.speed = QGroupBox(self.tr("Limit the speed at set hours"))
        self.speed.setObjectName("speed_schedule")
        self.speed.setCheckable(True)
        self.speed.setChecked(options.speed_schedule)
        self.speed_limit = QSpinBox()
        self.speed_limit.setObjectName("speed_schedule_limit")
        self.speed_limit.setRange(1, 10_000_000)
        self.speed_limit.setSuffix(" " + self.tr("kB/s"))
        self.speed_limit.setSingleStep(100)
        self.speed_limit.setValue(max(1, options.speed_schedule_limit // KB))
        self.speed_limit.setMinimumWidth(160)
        self.speed_limit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.speed_start = _time_edit(options.speed_schedule_start, "speed_schedule_start")
        self.speed_stop = _time_edit(options.speed_schedule_stop, "speed_schedule_stop")
        self.speed_days = DayPicker(options.speed_schedule_days, "speed_day")
        speed_times = QHBoxLayout()
        speed_times.addWidget(self.speed_start)
        speed_times.addWidget(_label(self.tr("to")))
        speed_times.addWidget(self.speed_stop)
        speed_times.addStretch(1)
        speed_form = QFormLayout(self.speed)
        speed_form.addRow(self.tr("Limit to:"), self.speed_limit)
        speed_form.addRow(self.tr("From:"), speed_times)
        speed_form.addRow(self.tr("On:"), self.speed_days)
        speed_form.addRow("", _hint(self.tr("Other times the speed limit of the General tab.")))

        # ---- power
        power = QGroupBox(self.tr("Power"))
        self.keep_awake = QCheckBox(self.tr("Keep the computer awake while downloading"))
        self.keep_awake.setObjectName("keep_awake")
        self.keep_awake.setChecked(options.keep_awake)
        self.on_finish = QComboBox()
        self.on_finish.setObjectName("on_finish")
        labels = {
            "nothing": self.tr("Do nothing"),
            "quit": self.tr("Quit Tether"),
            "sleep": self.tr("Put the computer to sleep"),
            "shutdown": self.tr("Shut down the computer"),
        }
        for value in FINISH_CHOICES:
            self.on_finish.addItem(labels[value], value)
        self.on_finish.setCurrentIndex(max(0, self.on_finish.findData(options.on_finish)))
        power_form = QFormLayout(power)
        power_form.addRow("", self.keep_awake)
        power_form.addRow(self.tr("When all downloads are done:"), self.on_finish)
        power_form.addRow(
            "", _hint(self.tr("Tether counts down for a minute first; you can cancel."))
        )

        layout = QVBoxLayout(self)
        layout.addWidget(self.hours)
        layout.addWidget(self.speed)
        layout.addWidget(power)
        layout.addStretch(1)

    def apply(self, options: Options) -> Options:
        return dataclasses.replace(
            options,
            queue_hours=self.hours.isChecked(),
            queue_start=_minutes(self.queue_start),
            queue_stop=_minutes(self.queue_stop),
            # no day ticked is "every day" rather than a queue that never runs
            queue_days=self.queue_days.days_mask() or 0b1111111,
            speed_schedule=self.speed.isChecked(),
            speed_schedule_limit=self.speed_limit.value() * KB,
            speed_schedule_start=_minutes(self.speed_start),
            speed_schedule_stop=_minutes(self.speed_stop),
            speed_schedule_days=self.speed_days.days_mask() or 0b1111111,
            keep_awake=self.keep_awake.isChecked(),
            on_finish=str(self.on_finish.currentData()),
        )


def _label(text: str) -> QWidget:
    return QLabel(text)


def _hint(text: str) -> QWidget:
    hint = QLabel(text)
    hint.setWordWrap(True)
    hint.setEnabled(False)
    return hint
