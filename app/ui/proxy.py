"""Filtering of the queue (All / Active / Completed / Failed / Cancelled, and a search text)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from app.store.models import JobState
from app.ui.model import STATE_ROLE, JobTableModel, display_name


class Category(enum.Enum):
    ALL = "all"
    ACTIVE = "active"  # queued, downloading, retrying or paused: not finished either way
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_FILTER_STATES = frozenset(
    {JobState.QUEUED, JobState.DOWNLOADING, JobState.RETRYING, JobState.PAUSED}
)
_STATES: dict[Category, frozenset[JobState] | None] = {
    Category.ALL: None,
    Category.ACTIVE: ACTIVE_FILTER_STATES,
    Category.COMPLETED: frozenset({JobState.COMPLETED}),
    Category.FAILED: frozenset({JobState.FAILED}),
    Category.CANCELLED: frozenset({JobState.CANCELLED}),
}


class JobFilterProxy(QSortFilterProxyModel):
    """Filters rows; sorting is handed to the source model, which sorts its cache in Python
    (far faster than per-comparison data() calls) and keeps rows still between sorts."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._category = Category.ALL
        self._needle = ""
        # Progress ticks announce only display/progress roles; naming our own filter role
        # means they never make the proxy re-filter.
        self.setFilterRole(STATE_ROLE)
        self.setDynamicSortFilter(True)

    def source(self) -> JobTableModel:
        model = self.sourceModel()
        assert isinstance(model, JobTableModel)
        return model

    def category(self) -> Category:
        return self._category

    def set_category(self, category: Category) -> None:
        if category is not self._category:
            self._refilter(lambda: setattr(self, "_category", category))

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
        states = _STATES[self._category]
        if states is not None and job.state not in states:
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
