"""The download queue as a Qt table model: a row cache of Job copies fed by engine events.

`data()` only reads the cache and the latest progress snapshot: it never touches SQL or the
engine. Engine events are queued and applied in one batch per event-loop turn, so a burst (a
thousand URLs pasted, "remove all") costs one insert/remove per contiguous range and not one
model reset per job. Progress arrives as a whole snapshot (`update_progress`, ~4 Hz) and only
the rows and columns whose values moved are announced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from app.engine.events import EngineEvent, EventKind, Progress
from app.store.models import Job, JobState
from app.ui.jobcells import (
    HANDLED_ROLES,
    JOB_ID_ROLE,
    PROGRESS_ROLE,
    RIGHT,
    SORT_ROLE,
    STATE_ROLE,
    Column,
    ProgressView,
    cell_value,
    display_name,
    header_text,
    one_line,
    progress_view,
    queue_key,
    sort_key,
    state_text,
)
from app.ui.rowchanges import (
    fold_events,
    in_order,
    progress_spans,
    removal_runs,
    runs,
    span_blocks,
)

# Re-exported: the window's modules and the tests know these as the model's.
__all__ = [
    "JOB_ID_ROLE",
    "PROGRESS_ROLE",
    "SORT_ROLE",
    "STATE_ROLE",
    "Column",
    "JobTableModel",
    "ProgressView",
    "display_name",
    "one_line",
    "state_text",
]


AnyIndex = QModelIndex | QPersistentModelIndex

RESORT_MS = 1000

_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
# Roles that a live progress tick changes; the proxy neither re-sorts nor re-filters on these.
_PROGRESS_ROLES = [_DISPLAY, Qt.ItemDataRole.ToolTipRole, PROGRESS_ROLE]


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
            if job.state in JobState.ACTIVE and job.size:
                p = self._progress.get(job.id)
                done += p.done if p else job.done
                total += job.size
        return done, total

    def progress_view(self, job: Job) -> ProgressView:
        return progress_view(job, self._progress.get(job.id))

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
            self._rows.sort(key=queue_key)
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
        batch = fold_events(events, self.job)
        self._apply_removals(batch.removals)
        self._apply_changes(batch.changed)
        self._apply_inserts(list(batch.inserts.values()))
        if batch.moved and self._sort_column < 0:  # unsorted is the queue's order: it changed
            self.sort(-1, self._sort_order)
        self._recount_active()
        for job, before in batch.transitions:
            self.state_changed.emit(job, before)
        self.rows_applied.emit()

    def _apply_removals(self, ids: set[int]) -> None:
        if not ids:
            return
        for first, last in removal_runs(self._row_of[i] for i in ids):
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
            if job.state not in JobState.ACTIVE:
                self._progress.pop(job_id, None)
            rows.append(row)
        last_col = len(Column) - 1
        for first, last in runs(sorted(rows)):
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
        spans = progress_spans(self._progress, snapshot, self._row_of, self._retrying)
        self._progress = {k: v for k, v in snapshot.items() if k in self._row_of}
        if not spans:
            return
        self._schedule_resort(
            min(first for first, _ in spans.values()), max(last for _, last in spans.values())
        )
        for first, last, (col0, col1) in span_blocks(spans):
            self.dataChanged.emit(self.index(first, col0), self.index(last, col1), _PROGRESS_ROLES)

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
            return header_text(Column(section))
        if role == _ALIGN and section not in (Column.NAME, Column.STATE, Column.PROGRESS):
            return RIGHT
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
        if role not in HANDLED_ROLES or not index.isValid():
            return None
        row = index.row()
        if row >= len(self._rows):
            return None
        return cell_value(self._rows[row], index.column(), role, self._progress, self.waiting_text)

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
            value = (
                cell_value(job, col, role, self._progress, self.waiting_text)
                if role in HANDLED_ROLES
                else None
            )
            role_data.setData(value)

    # ---- sorting ---------------------------------------------------------------------------

    def _schedule_resort(self, first_col: int, last_col: int) -> None:
        if first_col <= self._sort_column <= last_col and not self._resort_timer.isActive():
            self._resort_timer.start()

    def _resort(self) -> None:
        """Re-sort if the order changed; an unchanged order costs no layout change."""
        if self._sort_column < 0:
            return
        key = self._sort_key(self._sort_column)
        if not in_order([key(j) for j in self._rows], self._descending()):
            self.sort(self._sort_column, self._sort_order)

    def _descending(self) -> bool:
        return self._sort_order == Qt.SortOrder.DescendingOrder

    def _sort_key(self, col: int) -> Callable[[Job], Any]:
        return sort_key(col, self._progress)

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
            self._rows.sort(key=queue_key)
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
