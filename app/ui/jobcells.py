"""What each cell of the queue shows: the columns and roles, a job's texts, tooltips and sort
keys, as functions of a Job and its latest progress, and cell_value(), which answers a role
with them. The model (model.py) only looks them up.

Texts are translated in the "JobTableModel" context, the model's own, written out as
QCoreApplication.translate("JobTableModel", …) so that pyside6-lupdate finds every one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.engine.checksums import LABELS
from app.engine.events import Progress
from app.store.models import Job, JobState
from app.ui import formatting, icons
from app.ui.i18n import QT_TRANSLATE_NOOP, reason_text, tr_args


class Column(enum.IntEnum):
    NAME = 0
    SIZE = 1
    PROGRESS = 2
    SPEED = 3
    ETA = 4
    STATE = 5
    ADDED = 6


SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a plain Python value that orders the column
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 2
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 3  # a ProgressView, for the delegate
STATE_ROLE = Qt.ItemDataRole.UserRole + 4  # the JobState; the proxy filters on it

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
# The roles cell_value() answers; the model answers None to any other without a lookup.
HANDLED_ROLES = frozenset(
    {
        _DISPLAY,
        _DECORATION,
        _TOOLTIP,
        _ALIGN,
        _FOREGROUND,
        SORT_ROLE,
        JOB_ID_ROLE,
        PROGRESS_ROLE,
        STATE_ROLE,
    }
)
STATE_ORDER = {
    JobState.DOWNLOADING: 0,
    JobState.RETRYING: 1,
    JobState.QUEUED: 2,
    JobState.PAUSED: 3,
    JobState.FAILED: 4,
    JobState.CANCELLED: 5,
    JobState.COMPLETED: 6,
}


@dataclass(frozen=True, slots=True)
class ProgressView:
    """What the progress delegate paints: overall bytes and where each connection stands."""

    done: int
    size: int | None
    segments: tuple[tuple[int, int, int], ...]
    state: JobState
    live: bool  # True while the engine reports the job as running

    @property
    def fraction(self) -> float | None:
        if self.state is JobState.COMPLETED:
            return 1.0
        if not self.size:
            return None
        return min(1.0, max(0.0, self.done / self.size))


def progress_view(job: Job, progress: Progress | None) -> ProgressView:
    """The live progress while the job runs, else what the store last recorded."""
    if progress is not None:
        return ProgressView(
            progress.done, progress.size or job.size, progress.segments, job.state, True
        )
    segments = tuple((s.start, s.end, s.done) for s in job.segments)
    return ProgressView(job.done, job.size, segments, job.state, False)


def display_name(job: Job) -> str:
    """The chosen file name, else the last URL path segment, else the host."""
    if job.file_name:
        return job.file_name
    try:
        parts = urlsplit(job.url)
    except ValueError:
        return job.url
    tail = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return tail or parts.hostname or job.url


def one_line(text: str | None, limit: int = 120) -> str:
    if not text:
        return ""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def state_text(state: JobState) -> str:
    return {
        JobState.QUEUED: QCoreApplication.translate("JobTableModel", "Queued"),
        JobState.DOWNLOADING: QCoreApplication.translate("JobTableModel", "Downloading"),
        JobState.PAUSED: QCoreApplication.translate("JobTableModel", "Paused"),
        JobState.COMPLETED: QCoreApplication.translate("JobTableModel", "Completed"),
        JobState.FAILED: QCoreApplication.translate("JobTableModel", "Failed"),
        JobState.RETRYING: QCoreApplication.translate("JobTableModel", "Retrying"),
        JobState.CANCELLED: QCoreApplication.translate("JobTableModel", "Cancelled"),
    }[state]


_HEADERS = {
    Column.NAME: QT_TRANSLATE_NOOP("JobTableModel", "Name"),
    Column.SIZE: QT_TRANSLATE_NOOP("JobTableModel", "Size"),
    Column.PROGRESS: QT_TRANSLATE_NOOP("JobTableModel", "Progress"),
    Column.SPEED: QT_TRANSLATE_NOOP("JobTableModel", "Speed"),
    Column.ETA: QT_TRANSLATE_NOOP("JobTableModel", "Time left"),
    Column.STATE: QT_TRANSLATE_NOOP("JobTableModel", "Status"),
    Column.ADDED: QT_TRANSLATE_NOOP("JobTableModel", "Added"),
}


def header_text(col: Column) -> str:
    """Translated when asked, not when the model is made: the model exists before the window
    installs the language chosen in Settings."""
    return QCoreApplication.translate("JobTableModel", _HEADERS[col])


def status_text(job: Job, waiting: Callable[[Job], str | None] | None) -> str:
    """The Status cell: the state, or why it failed, when it retries or starts, verified."""
    if job.state is JobState.FAILED and job.error:
        return tr_args(
            QCoreApplication.translate("JobTableModel", "Failed: %1"),
            one_line(reason_text(job.error)),
        )
    if job.state is JobState.RETRYING:
        return formatting.retrying(
            job.retry_at, one_line(reason_text(job.error or "")), job.retry_attempts
        )
    if job.state is JobState.QUEUED and waiting is not None:
        when = waiting(job)
        if when:
            return tr_args(
                QCoreApplication.translate("JobTableModel", "Scheduled — starts at %1"), when
            )
    if job.verified:
        label = LABELS.get(job.verified, job.verified)
        return tr_args(QCoreApplication.translate("JobTableModel", "Verified (%1)"), label)
    return state_text(job.state)


def display_text(
    job: Job,
    col: int,
    progress: Progress | None,
    waiting: Callable[[Job], str | None] | None = None,
) -> str | None:
    """What a cell reads (DisplayRole)."""
    if col == Column.NAME:
        return display_name(job)
    if col == Column.SIZE:
        total = job.size if job.size is not None else (progress.size if progress else None)
        return formatting.size(total)
    if col == Column.PROGRESS:
        view = progress_view(job, progress)
        if view.state is JobState.COMPLETED:
            return "100%"
        if view.size:
            return formatting.percent(view.done, view.size)
        return formatting.size(view.done) if view.done else ""
    if col == Column.SPEED:
        return formatting.speed(progress.speed) if progress else ""
    if col == Column.ETA:
        return formatting.duration(progress.eta) if progress else ""
    if col == Column.STATE:
        if progress is not None and progress.verifying and job.state is JobState.DOWNLOADING:
            # short: the Status column is narrow; the tooltip says what it does
            return QCoreApplication.translate("JobTableModel", "Verifying…")
        return status_text(job, waiting)
    if col == Column.ADDED:
        return formatting.timestamp(job.added_at)
    return None


def tooltip_text(job: Job, col: int, progress: Progress | None) -> str | None:
    """A cell's tooltip: the whole error, the checksum that matched, bytes and connections."""
    if col == Column.STATE and progress is not None and progress.verifying:
        return QCoreApplication.translate(
            "JobTableModel", "Every byte is here; reading the file back to check its checksum"
        )
    if col == Column.STATE and job.error:
        return reason_text(job.error)
    if col == Column.STATE and job.verified and job.checksum:
        algo, _, digest = job.checksum.partition(":")
        text = QCoreApplication.translate("JobTableModel", "Completed; its %1 matches %2")
        return tr_args(text, LABELS.get(algo, algo), digest)
    if col == Column.NAME:
        where = job.path or job.dest_dir
        return f"{display_name(job)}\n{where}\n{job.url}"
    if col == Column.PROGRESS:
        view = progress_view(job, progress)
        if view.size:
            done, total = formatting.size(view.done), formatting.size(view.size)
            text = tr_args(QCoreApplication.translate("JobTableModel", "%1 of %2"), done, total)
        else:
            text = formatting.size(view.done)
        if view.live and view.segments:
            n = len(view.segments)
            text += "\n" + QCoreApplication.translate("JobTableModel", "%n connection(s)", "", n)
        return text
    if col == Column.ADDED:
        return formatting.full_timestamp(job.added_at)
    return None


def sort_key(col: int, progress: Mapping[int, Progress]) -> Callable[[Job], Any]:
    """A key that orders jobs as column `col` shows them; ties keep the order jobs came in."""
    if col == Column.NAME:
        return lambda j: (display_name(j).casefold(), j.id)
    if col == Column.SIZE:
        # As the Size column shows it: the job's size, else the one the transfer learnt.
        def size(j: Job) -> tuple[int, int]:
            if j.size is not None:
                return (j.size, j.id)
            p = progress.get(j.id)
            return (p.size if p is not None and p.size is not None else -1, j.id)

        return size
    if col == Column.PROGRESS:

        def frac(j: Job) -> tuple[float, int]:
            f = progress_view(j, progress.get(j.id)).fraction
            return (f if f is not None else -1.0, j.id)

        return frac
    if col == Column.SPEED:
        return lambda j: (progress[j.id].speed if j.id in progress else 0.0, j.id)
    if col == Column.ETA:

        def eta(j: Job) -> tuple[float, int]:
            p = progress.get(j.id)
            e = p.eta if p else None
            return (e if e is not None else float("inf"), j.id)

        return eta
    if col == Column.STATE:
        return lambda j: (STATE_ORDER[j.state], j.id)
    return lambda j: (j.added_at, j.id)


def queue_key(job: Job) -> tuple[int, int]:
    return (job.position, job.id)


def error_color() -> QColor:
    """A red readable on both light and dark window backgrounds."""
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    return QColor("#ff6b6b") if base.lightness() < 128 else QColor("#c62828")


def cell_value(
    job: Job,
    col: int,
    role: int,
    progress: Mapping[int, Progress],
    waiting: Callable[[Job], str | None] | None = None,
) -> Any:
    """What the cell of `job` in column `col` answers for `role` (one of HANDLED_ROLES), given
    the latest progress of every running job; None where the cell has nothing for it."""
    if role == _DISPLAY:
        return display_text(job, col, progress.get(job.id), waiting)
    if role == SORT_ROLE:
        return sort_key(col, progress)(job)
    if role == _DECORATION:
        return icons.file_icon(display_name(job)) if col == Column.NAME else None
    if role == _ALIGN:
        if col in (Column.SIZE, Column.PROGRESS, Column.SPEED, Column.ETA, Column.ADDED):
            return RIGHT
        return None
    if role == _TOOLTIP:
        return tooltip_text(job, col, progress.get(job.id))
    if role == _FOREGROUND:
        if col == Column.STATE and job.state is JobState.FAILED:
            return error_color()
        return None
    if role == JOB_ID_ROLE:
        return job.id
    if role == STATE_ROLE:
        return job.state
    if role == PROGRESS_ROLE:
        return progress_view(job, progress.get(job.id)) if col == Column.PROGRESS else None
    return None
