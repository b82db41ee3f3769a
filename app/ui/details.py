"""The details panel under the list: the selected download's address, file, history, speed
graph and per-connection table, with its own speed limit and connections.

It replaces most trips to the modal Properties dialog. It reads the model's cache only (plus
the job's history once per selection), and it updates only while visible, only for the
selected job, on the model's ~4 Hz progress tick.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine.events import Progress
from app.engine.settings import MAX_CONNECTIONS
from app.engine.urls import redact
from app.store.models import Job, JobState
from app.ui import formatting
from app.ui.i18n import reason_text, tr_args
from app.ui.model import JobTableModel, display_name, one_line, state_text
from app.ui.speedgraph import SpeedGraph, SpeedHistory

KB = 1000  # SI, like every size the window shows
EDIT_DELAY_MS = 600  # a spin box settles before the engine is told (arrows repeat quickly)


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    start: int
    end: int
    done: int
    speed: float | None  # None: not running
    state: str  # "done" | "active" | "waiting" | "stopped"


class ConnectionRates:
    """Per-connection speed from successive segment snapshots of one job, over the last few
    seconds (a 250 ms tick alone jumps with every chunk, more so under a speed limit).

    A segment is known by its start: a steal shortens the victim's end and adds a new start,
    so keys stay stable while ranges move.
    """

    WINDOW_S = 3.0

    def __init__(self) -> None:
        self._samples: dict[int, deque[tuple[float, int]]] = {}

    def reset(self) -> None:
        self._samples.clear()

    def update(
        self, segments: Sequence[tuple[int, int, int]], now: float, live: bool
    ) -> list[ConnectionRow]:
        rows = []
        seen: dict[int, deque[tuple[float, int]]] = {}
        for start, end, done in sorted(segments):
            samples = self._samples.get(start) or deque()
            samples.append((now, done))
            while len(samples) > 2 and samples[0][0] < now - self.WINDOW_S:
                samples.popleft()
            seen[start] = samples
            speed: float | None = None
            if live:
                (t0, d0), (t1, d1) = samples[0], samples[-1]
                speed = max(0.0, (d1 - d0) / (t1 - t0)) if t1 > t0 else 0.0
            if start + done >= end:
                state = "done"
            elif not live:
                state = "stopped"
            else:
                state = "active" if speed else "waiting"
            rows.append(ConnectionRow(start, end, done, speed, state))
        self._samples = seen
        return rows


def _limit_spin(name: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setKeyboardTracking(False)  # typing "500" is one change, not three
    spin.setToolTip(tip)
    return spin


class DetailsPanel(QWidget):
    """Shows one job (or a hint); `configure_requested(job_id, connections, speed_limit)` asks the
    window to change its knobs. It always carries both values (a Qt signal carries ints, not
    KEEP): the speed limit in bytes/s, 0 for unlimited."""

    configure_requested = Signal(int, int, int)

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("details_panel")
        self.model = model
        self.history = SpeedHistory()
        self.rates = ConnectionRates()
        self.job_id: int | None = None
        self._shown: Job | None = None
        self._history_source: object = None

        self.title = QLabel()
        self.title.setObjectName("details_title")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label = QLabel()
        self.state_label.setObjectName("details_state")
        self.url_field = self._field("details_url")
        self.path_field = self._field("details_path")
        self.size_label = QLabel()
        self.limit_spin = _limit_spin("details_limit", self.tr("This download's own speed limit"))
        self.limit_spin.setRange(0, 10_000_000)
        self.limit_spin.setSingleStep(100)
        self.limit_spin.setSuffix(" " + self.tr("kB/s"))
        self.limit_spin.setSpecialValueText(self.tr("Unlimited"))
        self.connections_spin = _limit_spin(
            "details_connections", self.tr("Connections for this download")
        )
        self.connections_spin.setRange(1, MAX_CONNECTIONS)
        self.connections_hint = QLabel(self.tr("(from its next start)"))
        self.connections_hint.setEnabled(False)
        knobs = QHBoxLayout()
        knobs.addWidget(self.limit_spin)
        knobs.addSpacing(12)
        knobs.addWidget(QLabel(self.tr("Connections:")))
        knobs.addWidget(self.connections_spin)
        knobs.addWidget(self.connections_hint)
        knobs.addStretch(1)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("Address:"), self.url_field)
        form.addRow(self.tr("File:"), self.path_field)
        form.addRow(self.tr("Size:"), self.size_label)
        form.addRow(self.tr("Speed limit:"), knobs)
        # Re-rolls (engine/reroll.py): shown once one happened, so a user who sees a
        # connection vanish from the table knows why.
        self.rerolls_label = QLabel()
        self.rerolls_label.setObjectName("details_rerolls")
        self.rerolls_label.setToolTip(
            self.tr(
                "Connections far slower than the others are closed and opened again: a new "
                "connection often takes a faster path. Nothing is fetched twice."
            )
        )
        form.addRow(self.tr("Slow connections:"), self.rerolls_label)
        self._form = form
        self.graph = SpeedGraph()
        left = QVBoxLayout()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.state_label)
        left.addLayout(head)
        left.addLayout(form)
        left.addWidget(self.graph, 1)

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("connections_table")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Range"), self.tr("Downloaded"), self.tr("Speed"), self.tr("State")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no size hints per update
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        cols = self.table.horizontalHeader()
        # The range needs the room; the rest are short and sized to what they hold.
        cols.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        cols.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        cols.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("details_history")
        self.log_view.setReadOnly(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, self.tr("Connections"))
        self.tabs.addTab(self.log_view, self.tr("History"))

        self.empty = QLabel(self.tr("Select a download to see its details"))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.body = QWidget()
        row = QHBoxLayout(self.body)
        row.setContentsMargins(0, 0, 0, 0)
        row.addLayout(left, 1)
        row.addWidget(self.tabs, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.addWidget(self.empty)
        outer.addWidget(self.body)

        self._edit_timer = QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(EDIT_DELAY_MS)
        self._edit_timer.timeout.connect(self._send_now)
        self.limit_spin.valueChanged.connect(lambda _v: self._edit_timer.start())
        self.connections_spin.valueChanged.connect(lambda _v: self._edit_timer.start())
        self.set_job(None)

    @staticmethod
    def _field(name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setReadOnly(True)
        edit.setFrame(False)
        edit.setStyleSheet("QLineEdit { background: transparent; border: none; padding: 0; }")
        return edit

    # ---- feeding ---------------------------------------------------------------------------

    def set_job(self, job_id: int | None, history: list[tuple[float, str]] | None = None) -> None:
        """Show another job (None: the hint). `history` is its log, read once by the caller."""
        if self._edit_timer.isActive():  # an edit still waiting belongs to the job it was for
            self._edit_timer.stop()
            self._send_now()
        if job_id != self.job_id:
            self.rates.reset()
        self.job_id = job_id
        self._shown = None
        job = self.model.job(job_id) if job_id is not None else None
        self.empty.setVisible(job is None)
        self.body.setVisible(job is not None)
        self.log_view.setPlainText(
            "\n".join(f"{formatting.full_timestamp(at)}  {msg}" for at, msg in history or [])
        )
        self.refresh()

    def append_history(self, job_id: int, message: str) -> None:
        if job_id == self.job_id:
            self.log_view.appendPlainText(f"{formatting.full_timestamp(time.time())}  {message}")

    def record(self) -> None:
        """The progress tick: keep every running job's minute, repaint if anyone looks."""
        self.history.record(self.model.progress_snapshot(), time.monotonic())
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        job = self.model.job(self.job_id) if self.job_id is not None else None
        if job is None:
            if self.job_id is not None:  # removed
                self.job_id = None
                self.empty.setVisible(True)
                self.body.setVisible(False)
            return
        if job is not self._shown:  # the row changed (state, name, limit…): static fields
            self._fill_static(job)
            self._shown = job
        p = self.model.progress_of(job.id)
        view = self.model.progress_view(job)
        done = view.done
        size = view.size
        text = formatting.size(size) if size else self.tr("unknown")
        if job.state is not JobState.COMPLETED and done:
            text = tr_args(
                self.tr("%1 of %2 (%3)"),
                formatting.size(done),
                formatting.size(size) if size else "?",
                formatting.percent(done, size) if size else "…",
            )
        if p is not None and p.speed:
            text += "  ·  " + formatting.speed(p.speed)
            if p.eta is not None:
                text += "  ·  " + formatting.duration(p.eta)
        if self.size_label.text() != text:
            self.size_label.setText(text)
        self._show_run_state(job, p)
        now = time.monotonic()
        self.graph.set_samples(self.history.samples(job.id), now, view.live)
        self._fill_connections(self.rates.update(view.segments, now, view.live))

    def _show_run_state(self, job: Job, p: Progress | None) -> None:
        """What only the live run knows: re-rolled connections, the checksum's read-back."""
        rerolls = p.rerolls if p is not None else 0
        self._form.setRowVisible(self.rerolls_label, rerolls > 0)
        if rerolls:
            text = self.tr("%1 reconnected").replace("%1", str(rerolls))
            if self.rerolls_label.text() != text:
                self.rerolls_label.setText(text)
        if p is not None and p.verifying and job.state is JobState.DOWNLOADING:
            self.state_label.setText(self.tr("Verifying checksum…"))

    def _fill_static(self, job: Job) -> None:
        self.title.setText(display_name(job))
        status = state_text(job.state)
        if job.error:
            status += ": " + one_line(reason_text(job.error), 80)
        self.state_label.setText(status)
        self.state_label.setToolTip(reason_text(job.error or ""))
        url = redact(job.url)
        if self.url_field.text() != url:
            self.url_field.setText(url)
            self.url_field.setCursorPosition(0)
        path = job.path or job.dest_dir
        if self.path_field.text() != path:
            self.path_field.setText(path)
            self.path_field.setCursorPosition(0)
        editing = self._edit_timer.isActive() or self.limit_spin.hasFocus()
        if not editing:
            for spin, value in (
                (self.limit_spin, (job.speed_limit or 0) // KB),
                (self.connections_spin, job.connections),
            ):
                spin.blockSignals(True)
                spin.setValue(value)
                spin.blockSignals(False)
        finished = job.state is JobState.COMPLETED
        self.limit_spin.setEnabled(not finished)
        self.connections_spin.setEnabled(not finished)
        self.connections_hint.setVisible(job.state is JobState.DOWNLOADING)

    def _fill_connections(self, rows: list[ConnectionRow]) -> None:
        table = self.table
        if table.rowCount() != len(rows):
            table.setRowCount(len(rows))
        states = {
            "done": self.tr("done"),
            "active": self.tr("receiving"),
            "waiting": self.tr("waiting"),
            "stopped": self.tr("stopped"),
        }
        for r, row in enumerate(rows):
            length = row.end - row.start
            start = formatting.size(row.start) if row.start else "0"
            cells = (
                f"{start} – {formatting.size(row.end)}",
                f"{formatting.size(row.done)} · {formatting.percent(row.done, length)}",
                formatting.speed(row.speed) if row.speed is not None else "",
                states[row.state],
            )
            for c, text in enumerate(cells):
                item = table.item(r, c)
                if item is None:
                    item = QTableWidgetItem(text)
                    table.setItem(r, c, item)
                elif item.text() != text:
                    item.setText(text)

    def _send_now(self) -> None:
        job = self.model.job(self.job_id) if self.job_id is not None else None
        if job is None:
            return
        limit = self.limit_spin.value() * KB
        connections = self.connections_spin.value()
        if limit != (job.speed_limit or 0) or connections != job.connections:
            self.configure_requested.emit(job.id, connections, limit)
