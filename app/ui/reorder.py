"""Drag rows within the list to change the queue's order (the drop lands before the row under
the pointer, or after it in its lower half). Links dragged in from outside are not ours: they
pass through to the window's own drop handling."""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelectionModel, QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QDrag, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QFrame, QTableView

from app.ui.model import JOB_ID_ROLE

MIME = "application/x-tether-job-ids"


class RowDragReorder(QObject):
    """An event filter on the view's viewport; `on_drop(ids, before_id or None)`."""

    def __init__(
        self,
        view: QTableView,
        on_drop: Callable[[list[int], int | None], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.on_drop = on_drop
        self._press: QPoint | None = None
        self._dragging = False
        viewport = view.viewport()
        viewport.setAcceptDrops(True)
        viewport.installEventFilter(self)
        self.line = QFrame(viewport)
        self.line.setObjectName("drop_line")
        self.line.setFrameShape(QFrame.Shape.NoFrame)
        self.line.setAutoFillBackground(True)
        self.line.setBackgroundRole(self.line.palette().ColorRole.Highlight)
        self.line.hide()

    def _selected_ids(self) -> list[int]:
        rows = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
        return [int(i.data(JOB_ID_ROLE)) for i in rows]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            return self._pressed(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.MouseMove and self._press is not None:
            return self._moved(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.MouseButtonRelease and self._press is not None:
            self._released(event)  # type: ignore[arg-type]
            return False
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            drag = event
            assert isinstance(drag, QDragMoveEvent)
            if not drag.mimeData().hasFormat(MIME):
                return False
            drag.setDropAction(Qt.DropAction.MoveAction)
            drag.accept()
            self._show_line(drag.position().toPoint())
            return True
        if kind == QEvent.Type.DragLeave:
            self.line.hide()
            return False
        if kind == QEvent.Type.Drop:
            drop = event
            assert isinstance(drop, QDropEvent)
            if not drop.mimeData().hasFormat(MIME):
                return False
            self.line.hide()
            ids = [int(i) for i in json.loads(bytes(drop.mimeData().data(MIME).data()))]
            drop.setDropAction(Qt.DropAction.MoveAction)
            drop.accept()
            self.on_drop(ids, self.target(drop.position().toPoint()))
            return True
        return False

    def _pressed(self, event: QMouseEvent) -> bool:
        self._press = None
        if event.button() != Qt.MouseButton.LeftButton or event.modifiers():
            return False
        index = self.view.indexAt(event.position().toPoint())
        if not index.isValid() or not self.view.selectionModel().isRowSelected(index.row()):
            return False
        self._press = event.position().toPoint()
        # A press on a selected row keeps a multi-row selection for the drag; the release
        # selects that row alone if no drag happened (what file managers do).
        return len(self.view.selectionModel().selectedRows()) > 1

    def _moved(self, event: QMouseEvent) -> bool:
        assert self._press is not None
        distance = (event.position().toPoint() - self._press).manhattanLength()
        if distance < QApplication.startDragDistance():
            return True
        self._press = None
        ids = self._selected_ids()
        if not ids:
            return False
        mime = QMimeData()
        mime.setData(MIME, json.dumps(ids).encode())
        drag = QDrag(self.view)
        drag.setMimeData(mime)
        self._dragging = True
        try:
            drag.exec(Qt.DropAction.MoveAction)
        finally:
            self._dragging = False
            self.line.hide()
        return True

    def _released(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        if press is None:
            return
        index = self.view.indexAt(event.position().toPoint())
        if index.isValid():
            self.view.selectionModel().select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.view.setCurrentIndex(index)

    def target_row(self, pos: QPoint) -> int:
        """The row a drop at `pos` lands before (rowCount(): after the last one)."""
        index = self.view.indexAt(pos)
        model = self.view.model()
        if not index.isValid():
            return 0 if pos.y() <= 0 else model.rowCount()
        rect = self.view.visualRect(index)
        return index.row() + 1 if pos.y() > rect.center().y() else index.row()

    def target(self, pos: QPoint) -> int | None:
        """The job a drop at `pos` lands before (None: the end of the list)."""
        model = self.view.model()
        row = self.target_row(pos)
        return _id(model, row) if row < model.rowCount() else None

    def _show_line(self, pos: QPoint) -> None:
        model = self.view.model()
        row = self.target_row(pos)
        if row < model.rowCount():
            y = self.view.visualRect(model.index(row, 0)).top()
        else:
            last = model.index(model.rowCount() - 1, 0)
            y = self.view.visualRect(last).bottom() if last.isValid() else 0
        self.line.setGeometry(0, max(0, y - 1), self.view.viewport().width(), 2)
        self.line.show()
        self.line.raise_()


def _id(model: object, row: int) -> int:
    return int(model.index(row, 0).data(JOB_ID_ROLE))  # type: ignore[attr-defined]
