"""Filtering of the queue (by state group, by kind of file, and a search text) for the view."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from app.store.models import Job, JobState
from app.ui.filetypes import FileKind, classify
from app.ui.model import STATE_ROLE, JobTableModel, display_name


class Category(enum.Enum):
    ALL = "all"
    ACTIVE = "active"  # queued, downloading, retrying or paused: not finished either way
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DOWNLOADING = "downloading"  # the sidebar's finer groups
    QUEUED = "queued"  # waiting for a slot, or paused


def _states(*names: str) -> frozenset[JobState]:
    """States by value, so a group names its states in one place."""
    return frozenset(s for s in JobState if s.value in names)


ACTIVE_FILTER_STATES = _states("queued", "downloading", "paused", "retrying")
STATES: dict[Category, frozenset[JobState] | None] = {
    Category.ALL: None,
    Category.ACTIVE: ACTIVE_FILTER_STATES,
    Category.COMPLETED: _states("completed"),
    Category.FAILED: _states("failed"),
    Category.CANCELLED: _states("cancelled"),
    Category.DOWNLOADING: _states("downloading", "retrying"),
    Category.QUEUED: _states("queued", "paused"),
}


class KindCache:
    """Each job's kind of file, classified once per name (counts run on every event batch)."""

    def __init__(self) -> None:
        self._kinds: dict[int, tuple[str, FileKind]] = {}

    def kind(self, job: Job) -> FileKind:
        name = display_name(job)
        cached = self._kinds.get(job.id)
        if cached is not None and cached[0] == name:
            return cached[1]
        kind = classify(name)
        self._kinds[job.id] = (name, kind)
        return kind


class JobFilterProxy(QSortFilterProxyModel):
    """Filters rows; sorting is handed to the source model, which sorts its cache in Python
    (far faster than per-comparison data() calls) and keeps rows still between sorts."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._category = Category.ALL
        self._kind: FileKind | None = None
        self.kinds = KindCache()
        self._needle = ""
        # Kept here rather than asked with sourceModel(): in PySide 6.11 sourceModel() adds a
        # reference to the model that is never dropped, so a model once filtered (and its
        # timers) outlived its window for the rest of the process.
        self._source: JobTableModel | None = None
        # Progress ticks announce only display/progress roles; naming our own filter role
        # means they never make the proxy re-filter.
        self.setFilterRole(STATE_ROLE)
        self.setDynamicSortFilter(True)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        super().setSourceModel(model)
        assert isinstance(model, JobTableModel)
        self._source = model

    def source(self) -> JobTableModel:
        assert self._source is not None, "setSourceModel first"
        return self._source

    def category(self) -> Category:
        return self._category

    def set_category(self, category: Category) -> None:
        if category is not self._category:
            self._refilter(lambda: setattr(self, "_category", category))

    def kind(self) -> FileKind | None:
        return self._kind

    def set_kind(self, kind: FileKind | None) -> None:
        if kind is not self._kind:
            self._refilter(lambda: setattr(self, "_kind", kind))

    def set_search(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle != self._needle:
            self._refilter(lambda: setattr(self, "_needle", needle))

    def _refilter(self, change: Callable[[], None]) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        job = self.source().job_at(source_row)
        states = STATES[self._category]
        if states is not None and job.state not in states:
            return False
        if self._kind is not None and self.kinds.kind(job) is not self._kind:
            return False
        if self._needle:
            return (
                self._needle in display_name(job).casefold() or self._needle in job.url.casefold()
            )
        return True

    def multiData(self, index: QModelIndex | QPersistentModelIndex, span: Any) -> None:
        """Hand the whole role span to the source in one Python call (see
        JobTableModel.multiData); Qt's proxy would ask the source role by role."""
        if index.isValid():
            self.source().multiData(self.mapToSource(index), span)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source().sort(column, order)
