"""Properties of one download: addresses, file, validators, per-segment progress, history.

The URL is editable for a failed or paused job (a fresh link for an expired one); the engine
checks that the new address serves the same file before it continues.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine.checksums import LABELS
from app.store.models import Job, JobState
from app.ui import formatting, icons
from app.ui.controller import Controller
from app.ui.dropparse import is_download_url
from app.ui.i18n import tr_args
from app.ui.model import ProgressView, display_name, state_text
from app.ui.progressbar import paint_progress
from app.ui.refresh import refreshable

REFRESH_MS = 1000


class SegmentBar(QWidget):
    """The progress bar of the list, larger."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view: ProgressView | None = None
        self.setMinimumHeight(22)

    def set_view(self, view: ProgressView) -> None:
        if view != self._view:
            self._view = view
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(400, 22)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._view is None:
            return
        painter = QPainter(self)
        paint_progress(
            painter, QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), self._view, self.palette()
        )
        painter.end()


def _set(widget: QLabel | QLineEdit, text: str) -> None:
    """Only touch a widget whose text changed: keeps the user's selection across refreshes."""
    if widget.text() != text:
        widget.setText(text)
        if isinstance(widget, QLineEdit):
            widget.setCursorPosition(0)


def _field() -> QLineEdit:
    """A read-only, frameless line: long URLs and paths scroll instead of wrapping away."""
    edit = QLineEdit()
    edit.setReadOnly(True)
    edit.setFrame(False)
    # Look like the labels around it, on any palette.
    edit.setStyleSheet("QLineEdit { background: transparent; border: none; padding: 0; }")
    return edit


def _selectable(text: str = "", wrap: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(wrap)
    return label


class PropertiesDialog(QDialog):
    """Shows one job; refreshes itself once a second from the model's cache (no SQL)."""

    refresh_requested = Signal(int)  # "Refresh Address…" for this job (app/ui/refresh.py)

    def __init__(self, parent: QWidget | None, controller: Controller, job_id: int) -> None:
        super().__init__(parent)
        self.setObjectName("properties_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.controller = controller
        self.job_id = job_id
        self.setMinimumSize(620, 480)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

        self.icon_label = QLabel()
        self.title_label = QLabel()
        title_font = QFont(self.title_label.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label = _selectable(wrap=True)
        self.state_label.setObjectName("state_label")
        header = QHBoxLayout()
        header.addWidget(self.icon_label)
        titles = QVBoxLayout()
        titles.addWidget(self.title_label)
        titles.addWidget(self.state_label)
        header.addLayout(titles, 1)

        # General
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("url_edit")
        self.url_button = QPushButton(self.tr("Use New Address"))
        self.url_button.setObjectName("url_button")
        self.url_button.setToolTip(
            self.tr("Continue from this address; Tether checks it serves the same file")
        )
        self.url_button.clicked.connect(self._apply_url)
        self.refresh_button = QPushButton(self.tr("Refresh Address…"))
        self.refresh_button.setObjectName("refresh_button")
        self.refresh_button.setToolTip(
            self.tr("Ask the browser for a fresh link from the download's page, or paste one")
        )
        self.refresh_button.clicked.connect(lambda: self.refresh_requested.emit(self.job_id))
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.url_button)
        url_row.addWidget(self.refresh_button)
        self.final_url_label = _field()
        self.path_label = _field()
        self.size_label = _selectable()
        self.done_label = _selectable()
        self.resumable_label = _selectable()
        self.etag_label = _field()
        self.etag_label.setFont(mono)
        self.modified_label = _selectable()
        self.sha256_label = _field()
        self.sha256_label.setFont(mono)
        self.added_label = _selectable()
        self.finished_label = _selectable()
        general = QWidget()
        form = QFormLayout(general)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("Address:"), url_row)
        form.addRow(self.tr("Final address:"), self.final_url_label)
        form.addRow(self.tr("File:"), self.path_label)
        form.addRow(self.tr("Size:"), self.size_label)
        form.addRow(self.tr("Downloaded:"), self.done_label)
        form.addRow(self.tr("Resumable:"), self.resumable_label)
        form.addRow(self.tr("ETag:"), self.etag_label)
        form.addRow(self.tr("Last modified:"), self.modified_label)
        form.addRow(self.tr("Checksum:"), self.sha256_label)
        form.addRow(self.tr("Added:"), self.added_label)
        form.addRow(self.tr("Finished:"), self.finished_label)

        # Segments
        self.bar = SegmentBar()
        self.segments = QTableWidget(0, 4)
        self.segments.setObjectName("segments_table")
        self.segments.setHorizontalHeaderLabels(
            [self.tr("From"), self.tr("To"), self.tr("Done"), self.tr("Progress")]
        )
        self.segments.verticalHeader().setVisible(False)
        self.segments.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.segments.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.segments.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.segments.setAlternatingRowColors(True)
        seg_page = QWidget()
        seg_layout = QVBoxLayout(seg_page)
        seg_layout.addWidget(self.bar)
        seg_layout.addWidget(self.segments, 1)

        # History
        self.history = QPlainTextEdit()
        self.history.setObjectName("history_text")
        self.history.setReadOnly(True)
        self.history.setFont(mono)

        self.tabs = QTabWidget()
        self.tabs.addTab(general, self.tr("General"))
        self.tabs.addTab(seg_page, self.tr("Segments"))
        self.tabs.addTab(self.history, self.tr("History"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

        self._url_dirty = False
        self.url_edit.textEdited.connect(self._on_url_edited)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()
        self.load_history()

    def job(self) -> Job | None:
        return self.controller.model.job(self.job_id)

    def _on_url_edited(self, _text: str) -> None:
        self._url_dirty = True
        self._update_url_button()

    def _url_editable(self, job: Job) -> bool:
        return job.state in (
            JobState.FAILED,
            JobState.PAUSED,
            JobState.RETRYING,
            JobState.CANCELLED,
        )

    def _update_url_button(self) -> None:
        job = self.job()
        new = self.url_edit.text().strip()
        self.url_button.setEnabled(
            job is not None and self._url_editable(job) and new != job.url and is_download_url(new)
        )

    def _apply_url(self) -> None:
        job = self.job()
        new = self.url_edit.text().strip()
        if job is None or not is_download_url(new):
            return
        outcome = self.controller.set_url(self.job_id, new)
        if outcome.done:
            self._url_dirty = False
        self.refresh()
        self.load_history()

    def refresh(self) -> None:
        job = self.job()
        if job is None:
            _set(self.state_label, self.tr("This download was removed."))
            self.url_edit.setReadOnly(True)
            self.url_button.setEnabled(False)
            self.refresh_button.setEnabled(False)
            self._timer.stop()
            return
        name = display_name(job)
        self.setWindowTitle(tr_args(self.tr("Properties — %1"), name))
        _set(self.title_label, name)
        self.icon_label.setPixmap(icons.file_icon(name).pixmap(40, 40))
        view = self.controller.model.progress_view(job)
        progress = self.controller.model.progress_of(job.id)
        status = state_text(job.state)
        if progress is not None and progress.speed > 0:
            status += " · " + formatting.speed(progress.speed)
            eta = formatting.duration(progress.eta)
            if eta:
                status += " · " + tr_args(self.tr("%1 left"), eta)
        if job.error:
            status += "\n" + job.error
        _set(self.state_label, status)

        editable = self._url_editable(job)
        self.url_edit.setReadOnly(not editable)
        if not self._url_dirty:
            self.url_edit.setText(job.url)
            self.url_edit.setCursorPosition(0)
        self._update_url_button()
        self.refresh_button.setEnabled(refreshable(job))
        _set(self.final_url_label, job.final_url or "—")
        _set(self.path_label, job.path or job.dest_dir)
        _set(self.size_label, formatting.size(view.size))
        pct = formatting.percent(view.done, view.size)
        _set(self.done_label, formatting.size(view.done) + (f"  ({pct})" if pct else ""))
        _set(
            self.resumable_label,
            self.tr("Yes")
            if job.resumable
            else self.tr("No — restarts from the beginning after a break"),
        )
        _set(self.etag_label, job.etag or "—")
        _set(self.modified_label, job.last_modified or "—")
        algo, _, digest = (job.checksum or "").partition(":")
        checksum = f"{LABELS.get(algo, algo)} {digest}" if digest else (job.sha256 or "—")
        if job.verified:
            checksum += "  ✓ " + self.tr("verified")
        _set(self.sha256_label, checksum)
        _set(self.added_label, formatting.full_timestamp(job.added_at))
        _set(self.finished_label, formatting.full_timestamp(job.finished_at) or "—")

        self.bar.set_view(view)
        self._fill_segments(view)

    def _fill_segments(self, view: ProgressView) -> None:
        rows = view.segments
        if self.segments.rowCount() != len(rows):
            self.segments.setRowCount(len(rows))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, (start, end, done) in enumerate(rows):
            length = max(1, end - start)
            values = (
                formatting.size(start),
                formatting.size(end),
                formatting.size(done),
                formatting.percent(done, length),
            )
            for c, value in enumerate(values):
                item = self.segments.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(right)
                    self.segments.setItem(r, c, item)
                if item.text() != value:
                    item.setText(value)

    def load_history(self) -> None:
        """The job's error/restart history; runs SQL, so only on open and after an edit."""
        lines = []
        for when, message in self.controller.job_history(self.job_id):
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
            lines.append(f"{stamp}  {message}")
        self.history.setPlainText("\n".join(lines) if lines else self.tr("Nothing happened yet."))

    def append_history(self, job_id: int, message: str) -> None:
        if job_id != self.job_id:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        if self.history.toPlainText() == self.tr("Nothing happened yet."):
            self.history.clear()
        self.history.appendPlainText(f"{stamp}  {message}")

    def done(self, result: int) -> None:
        self._timer.stop()
        super().done(result)
