"""The bar above the queue: the state-group buttons with their counts, and the search field.

The sidebar shows the same groups and is what the user sees; these buttons stay hidden and
in step with it (extras.py), so a filter chosen either way reads the same. The texts keep
the "MainWindow" translation context they had when the window built this bar itself (written
out in full, so pyside6-lupdate finds them), so the catalogue's entries still apply.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from app.store.models import JobState
from app.ui import icons
from app.ui.proxy import ACTIVE_FILTER_STATES, Category
from app.ui.widgets import SegmentedFilter


class FilterBar(QWidget):
    """`filters` (the group buttons) and `search`; Escape in the search field clears it and
    emits `search_left`, so the window can hand the focus back to the queue."""

    search_left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filter_bar")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        self.filters = SegmentedFilter(
            [
                (Category.ALL.value, QCoreApplication.translate("MainWindow", "All")),
                (Category.ACTIVE.value, QCoreApplication.translate("MainWindow", "Active")),
                (Category.COMPLETED.value, QCoreApplication.translate("MainWindow", "Completed")),
                (Category.FAILED.value, QCoreApplication.translate("MainWindow", "Failed")),
                (Category.CANCELLED.value, QCoreApplication.translate("MainWindow", "Cancelled")),
            ]
        )
        self.filters.button(Category.ACTIVE.value).setToolTip(
            QCoreApplication.translate("MainWindow", "Downloading, retrying, queued or paused")
        )
        self.search = QLineEdit()
        self.search.setObjectName("search_edit")
        self.search.setPlaceholderText(
            QCoreApplication.translate("MainWindow", "Search name or address")
        )
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.action_icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMaximumWidth(320)
        self.search.setMinimumWidth(200)
        self.filters.setVisible(False)  # the sidebar shows these groups (and kept in step)
        row.addWidget(self.filters)
        row.addStretch(1)
        row.addWidget(self.search)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self._clear_search)

    def set_counts(self, total: int, counts: Mapping[JobState, int]) -> None:
        """Each group's button reads its number of jobs."""
        self.filters.set_count(Category.ALL.value, total)
        self.filters.set_count(Category.ACTIVE.value, sum(counts[s] for s in ACTIVE_FILTER_STATES))
        self.filters.set_count(Category.COMPLETED.value, counts[JobState.COMPLETED])
        self.filters.set_count(Category.FAILED.value, counts[JobState.FAILED])
        self.filters.set_count(Category.CANCELLED.value, counts[JobState.CANCELLED])

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _clear_search(self) -> None:
        self.search.clear()
        self.search_left.emit()
