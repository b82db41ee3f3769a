"""The table's selection across a full reload of the model (the service came back after a
restart and every row was loaded again): a model reset drops Qt's selection, but the user's
selected downloads are still there, so they stay selected and the toolbar keeps acting on them."""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
)
from PySide6.QtWidgets import QTableView

from app.ui.model import JobTableModel


class SelectionKeeper(QObject):
    """Remembers the selected and current job ids before the model resets, restores them after."""

    def __init__(
        self, view: QTableView, proxy: QSortFilterProxyModel, model: JobTableModel
    ) -> None:
        super().__init__(view)
        self._view, self._proxy, self._model = view, proxy, model
        self._selected: list[int] = []
        self._current: int | None = None
        # connected after the proxy's own handlers: it has reset itself when restore runs
        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)

    def _job_id(self, proxy_row: int) -> int | None:
        source = self._proxy.mapToSource(self._proxy.index(proxy_row, 0))
        return self._model.job_at(source.row()).id if source.isValid() else None

    def _remember(self) -> None:
        rows = self._view.selectionModel().selectedRows()
        self._selected = [i for i in (self._job_id(r.row()) for r in rows) if i is not None]
        current = self._view.currentIndex()
        self._current = self._job_id(current.row()) if current.isValid() else None

    def _proxy_index(self, job_id: int) -> QModelIndex | None:
        row = self._model.row_of(job_id)
        if row is None:
            return None
        index = self._proxy.mapFromSource(self._model.index(row, 0))
        return index if index.isValid() else None

    def _restore(self) -> None:
        selected, current = self._selected, self._current
        self._selected, self._current = [], None
        if not selected and current is None:
            return
        sm = self._view.selectionModel()
        flags = QItemSelectionModel.SelectionFlag
        if current is not None and (index := self._proxy_index(current)) is not None:
            sm.setCurrentIndex(index, flags.NoUpdate)
        selection = QItemSelection()
        for job_id in selected:
            index = self._proxy_index(job_id)
            if index is not None:
                selection.select(index, index)
        if not selection.isEmpty():
            sm.select(selection, flags.ClearAndSelect | flags.Rows)
