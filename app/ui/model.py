"""The download queue as a Qt table model: a row cache of Job copies fed by engine events.

`data()` only reads the cache and the latest progress snapshot: it never touches SQL or the
engine. Engine events are queued and applied in one batch per event-loop turn, so a burst (a
thousand URLs pasted, "remove all") costs one insert/remove per contiguous range and not one
model reset per job. Progress arrives as a whole snapshot (`update_progress`, ~4 Hz) and only
the rows and columns whose values moved are announced.
"""

from __future__ import annotations

import enum
import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.engine.checksums import LABELS
from app.engine.events import EngineEvent, EventKind, Progress
from app.store.models import ACTIVE_STATES, Job, JobState
from app.ui import formatting, icons

log = logging.getLogger("tether.ui.model")

AnyIndex = QModelIndex | QPersistentModelIndex


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
RESORT_MS = 1000
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 3  # a ProgressView, for the delegate
STATE_ROLE = Qt.ItemDataRole.UserRole + 4  # the JobState; the proxy filters on it

_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_HANDLED_ROLES = frozenset(
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
# Roles that a live progress tick changes; the proxy neither re-sorts nor re-filters on these.
_PROGRESS_ROLES = [_DISPLAY, _TOOLTIP, PROGRESS_ROLE]

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_STATE_ORDER = {
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
        JobState.QUEUED: JobTableModel.tr("Queued"),
        JobState.DOWNLOADING: JobTableModel.tr("Downloading"),
        JobState.PAUSED: JobTableModel.tr("Paused"),
        JobState.COMPLETED: JobTableModel.tr("Completed"),
        JobState.FAILED: JobTableModel.tr("Failed"),
        JobState.RETRYING: JobTableModel.tr("Retrying"),
        JobState.CANCELLED: JobTableModel.tr("Cancelled"),
    }[state]


class JobTableModel(QAbstractTableModel):
    """Rows are jobs in the order of `_rows`; `sort()` reorders the cache itself."""

    active_count_changed = Signal(int)
    # (job after, state before): lets the tray announce completions and failures.
    state_changed = Signal(object, object)
    rows_applied = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Job] = []
        self._row_of: dict[int, int] = {}
        self._progress: dict[int, Progress] = {}
        self._pending: list[EngineEvent] = []
        self._active = 0
        self._counts: dict[JobState, int] = dict.fromkeys(JobState, 0)
        self._retrying: list[int] = []  # ids of retrying rows (their countdown is refreshed)
        # "01:00" for a queued job the schedule holds (app/ui/schedule_ui.py), else None
        self.waiting_text: Callable[[Job], str | None] | None = None
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self.flush_events)
        # Sorted views stay sorted as values arrive (a size learnt later, a state change),
        # but at most once per RESORT_MS, so rows don't jump under the pointer at every tick.
        self._resort_timer = QTimer(self)
        self._resort_timer.setSingleShot(True)
        self._resort_timer.setInterval(RESORT_MS)
        self._resort_timer.timeout.connect(self._resort)
        self._headers = {
            Column.NAME: self.tr("Name"),
            Column.SIZE: self.tr("Size"),
            Column.PROGRESS: self.tr("Progress"),
            Column.SPEED: self.tr("Speed"),
            Column.ETA: self.tr("Time left"),
            Column.STATE: self.tr("Status"),
            Column.ADDED: self.tr("Added"),
        }

    # ---- queries -------------------------------------------------------------------------

    def job_at(self, row: int) -> Job:
        return self._rows[row]

    def row_of(self, job_id: int) -> int | None:
        return self._row_of.get(job_id)

    def job(self, job_id: int) -> Job | None:
        row = self._row_of.get(job_id)
        return None if row is None else self._rows[row]

    def jobs(self) -> Sequence[Job]:
        return self._rows

    def progress_of(self, job_id: int) -> Progress | None:
        return self._progress.get(job_id)

    def progress_snapshot(self) -> dict[int, Progress]:
        """The latest progress of every running job (read-only: the model owns it)."""
        return self._progress

    def active_count(self) -> int:
        """Jobs queued or downloading: while there are any, progress is worth polling."""
        return self._active

    def state_counts(self) -> dict[JobState, int]:
        """Jobs per state, recounted once per event batch (not per data() call)."""
        return self._counts

    def total_speed(self) -> float:
        return sum(p.speed for p in self._progress.values())

    def totals(self) -> tuple[int, int]:
        """(bytes done, bytes total) over unfinished jobs of known size, for the tray."""
        done = total = 0
        for job in self._rows:
            if job.state in ACTIVE_STATES and job.size:
                p = self._progress.get(job.id)
                done += p.done if p else job.done
                total += job.size
        return done, total

    def progress_view(self, job: Job) -> ProgressView:
        p = self._progress.get(job.id)
        if p is not None:
            return ProgressView(p.done, p.size or job.size, p.segments, job.state, True)
        segments = tuple((s.start, s.end, s.done) for s in job.segments)
        return ProgressView(job.done, job.size, segments, job.state, False)

    # ---- feeding ---------------------------------------------------------------------------

    def load(self, jobs: Iterable[Job]) -> None:
        """Replace every row (start-up, or after the engine restarted)."""
        self.beginResetModel()
        self._pending.clear()
        self._rows = [replace(j, segments=list(j.segments)) for j in jobs]
        self._progress.clear()
        if self._sort_column >= 0:
            self._rows.sort(key=self._sort_key(self._sort_column), reverse=self._descending())
        else:
            self._rows.sort(key=_queue_key)
        self._reindex()
        self.endResetModel()
        self._recount_active()
        self.rows_applied.emit()

    def queue_event(self, event: EngineEvent) -> None:
        """Take an engine event; it is applied with the others of this loop turn."""
        if event.kind is EventKind.LOG:
            return
        self._pending.append(event)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush_events(self) -> None:
        """Apply the queued events: removals, then changes, then inserts, each range at once."""
        events, self._pending = self._pending, []
        if not events:
            return
        inserts: dict[int, Job] = {}
        removals: set[int] = set()
        changed: dict[int, Job] = {}
        transitions: list[tuple[Job, JobState]] = []
        for ev in events:
            if ev.kind is EventKind.REMOVED:
                inserts.pop(ev.job_id, None)
                changed.pop(ev.job_id, None)
                if ev.job_id in self._row_of:
                    removals.add(ev.job_id)
                continue
            if ev.job is None:
                continue
            job = replace(ev.job, segments=list(ev.job.segments))
            if job.id in inserts or (job.id not in self._row_of):
                inserts[job.id] = job
                removals.discard(job.id)
            else:
                prev = changed.get(job.id) or self._rows[self._row_of[job.id]]
                if prev.state is not job.state:
                    transitions.append((job, prev.state))
                changed[job.id] = job
        moved = self._sort_column < 0 and any(
            job.position != self._rows[self._row_of[job_id]].position
            for job_id, job in changed.items()
        )
        self._apply_removals(removals)
        self._apply_changes(changed)
        self._apply_inserts(list(inserts.values()))
        if moved:  # unsorted means "in the queue's order", which just changed
            self.sort(-1, self._sort_order)
        self._recount_active()
        for job, before in transitions:
            self.state_changed.emit(job, before)
        self.rows_applied.emit()

    def _apply_removals(self, ids: set[int]) -> None:
        if not ids:
            return
        rows = sorted((self._row_of[i] for i in ids), reverse=True)
        # Contiguous runs, last first, so earlier row numbers stay valid.
        start = end = rows[0]
        runs: list[tuple[int, int]] = []
        for r in rows[1:]:
            if r == start - 1:
                start = r
            else:
                runs.append((start, end))
                start = end = r
        runs.append((start, end))
        for first, last in runs:
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
        for i in ids:
            self._progress.pop(i, None)
        self._reindex()

    def _apply_changes(self, jobs: dict[int, Job]) -> None:
        rows: list[int] = []
        for job_id, job in jobs.items():
            row = self._row_of[job_id]
            self._rows[row] = job
            if job.state not in ACTIVE_STATES:
                self._progress.pop(job_id, None)
            rows.append(row)
        last_col = len(Column) - 1
        for first, last in _runs(sorted(rows)):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_col))
        if rows:
            self._schedule_resort(0, last_col)

    def _apply_inserts(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        n = len(self._rows)
        self.beginInsertRows(QModelIndex(), n, n + len(jobs) - 1)
        self._rows.extend(jobs)
        for offset, job in enumerate(jobs):
            self._row_of[job.id] = n + offset
        self.endInsertRows()
        if self._sort_column >= 0:
            self.sort(self._sort_column, self._sort_order)

    def update_progress(self, snapshot: dict[int, Progress]) -> None:
        """Take a progress snapshot; announce only the cells it changes."""
        old = self._progress
        spans: dict[int, tuple[int, int]] = {}
        for job_id, p in snapshot.items():
            row = self._row_of.get(job_id)
            if row is None:
                continue
            prev = old.get(job_id)
            if prev == p:
                continue
            span = _changed_span(prev, p)
            if span is not None:
                spans[row] = span
        for job_id in old.keys() - snapshot.keys():
            row = self._row_of.get(job_id)
            if row is not None:
                spans[row] = (Column.SIZE, Column.ETA)
        for job_id in self._retrying:  # "Retrying in 17 s": the countdown moves
            row = self._row_of.get(job_id)
            if row is not None:
                first, _ = spans.get(row, (Column.STATE, Column.STATE))
                spans[row] = (first, Column.STATE)
        self._progress = {k: v for k, v in snapshot.items() if k in self._row_of}
        if not spans:
            return
        self._schedule_resort(
            min(first for first, _ in spans.values()), max(last for _, last in spans.values())
        )
        ordered = sorted(spans.items())
        # Group neighbouring rows with the same column span into one signal.
        i = 0
        while i < len(ordered):
            row, span = ordered[i]
            j = i
            while j + 1 < len(ordered) and ordered[j + 1] == (ordered[j][0] + 1, span):
                j += 1
            self.dataChanged.emit(
                self.index(row, span[0]), self.index(ordered[j][0], span[1]), _PROGRESS_ROLES
            )
            i = j + 1

    def _reindex(self) -> None:
        self._row_of = {job.id: row for row, job in enumerate(self._rows)}

    def _recount_active(self) -> None:
        counts: dict[JobState, int] = dict.fromkeys(JobState, 0)
        for j in self._rows:
            counts[j.state] += 1
        self._counts = counts
        self._retrying = [j.id for j in self._rows if j.state is JobState.RETRYING]
        # Retrying jobs count as active: the progress timer keeps their countdown moving.
        count = counts[JobState.QUEUED] + counts[JobState.DOWNLOADING] + len(self._retrying)
        if count != self._active:
            self._active = count
            self.active_count_changed.emit(count)

    # ---- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == _DISPLAY:
            return self._headers[Column(section)]
        if role == _ALIGN and section not in (Column.NAME, Column.STATE, Column.PROGRESS):
            return _RIGHT
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if role not in _HANDLED_ROLES or not index.isValid():
            return None
        row = index.row()
        if row >= len(self._rows):
            return None
        return self._value(self._rows[row], index.column(), role)

    def multiData(self, index: AnyIndex, span: Any) -> None:
        """Every role the view asks for a cell, in one call.

        This is what keeps painting cheap while download threads run: each call from C++ into
        Python must take the GIL, and under a hundred busy downloads each take waits. A
        delegate asks ~8 roles per cell; answering them together makes it one take per cell.
        """
        if not index.isValid():
            return
        row = index.row()
        if row >= len(self._rows):
            return
        job = self._rows[row]
        col = index.column()
        for role_data in span:
            role = role_data.role()
            role_data.setData(self._value(job, col, role) if role in _HANDLED_ROLES else None)

    def _value(self, job: Job, col: int, role: int) -> Any:
        if role == _DISPLAY:
            return self._display(job, col)
        if role == SORT_ROLE:
            return self._sort_key(col)(job)
        if role == _DECORATION:
            return icons.file_icon(display_name(job)) if col == Column.NAME else None
        if role == _ALIGN:
            if col in (Column.SIZE, Column.PROGRESS, Column.SPEED, Column.ETA, Column.ADDED):
                return _RIGHT
            return None
        if role == _TOOLTIP:
            return self._tooltip(job, col)
        if role == _FOREGROUND:
            if col == Column.STATE and job.state is JobState.FAILED:
                return error_color()
            return None
        if role == JOB_ID_ROLE:
            return job.id
        if role == STATE_ROLE:
            return job.state
        if role == PROGRESS_ROLE:
            return self.progress_view(job) if col == Column.PROGRESS else None
        return None

    def _display(self, job: Job, col: int) -> str | None:
        if col == Column.NAME:
            return display_name(job)
        if col == Column.SIZE:
            p = self._progress.get(job.id)
            total = job.size if job.size is not None else (p.size if p else None)
            return formatting.size(total)
        if col == Column.PROGRESS:
            view = self.progress_view(job)
            if view.state is JobState.COMPLETED:
                return "100%"
            if view.size:
                return formatting.percent(view.done, view.size)
            return formatting.size(view.done) if view.done else ""
        if col == Column.SPEED:
            p = self._progress.get(job.id)
            return formatting.speed(p.speed) if p else ""
        if col == Column.ETA:
            p = self._progress.get(job.id)
            return formatting.duration(p.eta) if p else ""
        if col == Column.STATE:
            if job.state is JobState.FAILED and job.error:
                return self.tr("Failed: %1").replace("%1", one_line(job.error))
            if job.state is JobState.RETRYING:
                return formatting.retrying(job.retry_at, one_line(job.error), job.retry_attempts)
            if job.state is JobState.QUEUED and self.waiting_text is not None:
                when = self.waiting_text(job)
                if when:
                    return self.tr("Scheduled — starts at %1").replace("%1", when)
            p = self._progress.get(job.id)
            if p is not None and p.verifying and job.state is JobState.DOWNLOADING:
                return self.tr("Verifying…")  # short: the column is narrow (tooltip: more)
            verified = job.verified
            if verified:
                return self.tr("Verified (%1)").replace("%1", LABELS.get(verified, verified))
            return state_text(job.state)
        if col == Column.ADDED:
            return formatting.timestamp(job.added_at)
        return None

    def _tooltip(self, job: Job, col: int) -> str | None:
        p = self._progress.get(job.id)
        if col == Column.STATE and p is not None and p.verifying:
            return self.tr("Every byte is here; reading the file back to check its checksum")
        if col == Column.STATE and job.error:
            return job.error
        if col == Column.STATE and job.verified and job.checksum:
            algo, _, digest = job.checksum.partition(":")
            return (
                self.tr("Completed; its %1 matches %2")
                .replace("%1", LABELS.get(algo, algo))
                .replace("%2", digest)
            )
        if col == Column.NAME:
            where = job.path or job.dest_dir
            return f"{display_name(job)}\n{where}\n{job.url}"
        if col == Column.PROGRESS:
            view = self.progress_view(job)
            if view.size:
                text = self.tr("%1 of %2").replace("%1", formatting.size(view.done))
                text = text.replace("%2", formatting.size(view.size))
            else:
                text = formatting.size(view.done)
            if view.live and view.segments:
                text += "\n" + self.tr("%n connection(s)", "", len(view.segments))
            return text
        if col == Column.ADDED:
            return formatting.full_timestamp(job.added_at)
        return None

    # ---- sorting ---------------------------------------------------------------------------

    def _schedule_resort(self, first_col: int, last_col: int) -> None:
        if first_col <= self._sort_column <= last_col and not self._resort_timer.isActive():
            self._resort_timer.start()

    def _resort(self) -> None:
        """Re-sort if the order changed; an unchanged order costs no layout change."""
        if self._sort_column < 0:
            return
        key = self._sort_key(self._sort_column)
        keys = [key(j) for j in self._rows]
        pairs = itertools.pairwise(keys)
        in_order = (
            all(a >= b for a, b in pairs) if self._descending() else all(a <= b for a, b in pairs)
        )
        if not in_order:
            self.sort(self._sort_column, self._sort_order)

    def _descending(self) -> bool:
        return self._sort_order == Qt.SortOrder.DescendingOrder

    def _sort_key(self, col: int) -> Callable[[Job], Any]:
        progress = self._progress
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
                f = self.progress_view(j).fraction
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
            return lambda j: (_STATE_ORDER[j.state], j.id)
        return lambda j: (j.added_at, j.id)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder the row cache with Python's sort (milliseconds for 10,000 rows).

        Values that change re-sort the rows at most once per RESORT_MS (see _resort), so a
        row whose size or state becomes known moves to its place, without jumping at every
        progress tick.
        """
        self._sort_column, self._sort_order = column, order
        if column >= len(Column):
            return
        self.layoutAboutToBeChanged.emit()
        old_ids = [j.id for j in self._rows]
        if column < 0:  # no sort column: the queue's order, the order jobs start in
            self._rows.sort(key=_queue_key)
        else:
            self._rows.sort(key=self._sort_key(column), reverse=self._descending())
        self._reindex()
        persistent = self.persistentIndexList()
        if persistent:
            new_from: list[QModelIndex] = []
            new_to: list[QModelIndex] = []
            for idx in persistent:
                row = idx.row()
                if 0 <= row < len(old_ids):
                    new_row = self._row_of[old_ids[row]]
                    new_from.append(idx)
                    new_to.append(self.index(new_row, idx.column()))
            self.changePersistentIndexList(new_from, new_to)
        self.layoutChanged.emit()


def _queue_key(job: Job) -> tuple[int, int]:
    return (job.position, job.id)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """[1,2,3,7,8] -> [(1,3),(7,8)] for a sorted list."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs


def _changed_span(prev: Progress | None, cur: Progress) -> tuple[int, int] | None:
    """The first and last column a new snapshot changes for one row."""
    cols: list[int] = []
    if prev is None or prev.size != cur.size:
        cols.append(Column.SIZE)
    if prev is None or prev.done != cur.done or prev.segments != cur.segments:
        cols.append(Column.PROGRESS)
    if prev is None or prev.speed != cur.speed:
        cols.append(Column.SPEED)
    if prev is None or prev.eta != cur.eta:
        cols.append(Column.ETA)
    if (prev is not None and prev.verifying) != cur.verifying:
        cols.append(Column.STATE)
    if not cols:
        return None
    return min(cols), max(cols)


def error_color() -> QColor:
    """A red readable on both light and dark window backgrounds."""
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    return QColor("#ff6b6b") if base.lightness() < 128 else QColor("#c62828")
