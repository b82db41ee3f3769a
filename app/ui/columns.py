"""The list's column chooser: right-click the header to show or hide columns. Order, widths and
visibility are saved as they change (debounced), not only at exit, so a `kill -9` keeps them."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from app.ui.model import Column

SAVE_DELAY_MS = 500  # a drag resizes a column on every mouse move: save once it rests


class ColumnChooser(QObject):
    """Owns the header's context menu and the saving of its state."""

    def __init__(
        self,
        view: QTableView,
        save: Callable[[bytes], None],
        reset: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or view)
        self.view = view
        self._save = save
        self._reset = reset
        self.menu: QMenu | None = None
        header = view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._popup)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        header.sectionMoved.connect(lambda *_: self._timer.start())
        header.sectionResized.connect(lambda *_: self._timer.start())
        header.sortIndicatorChanged.connect(lambda *_: self._timer.start())

    @property
    def header(self) -> QHeaderView:
        return self.view.horizontalHeader()

    def save_pending(self) -> bool:
        return self._timer.isActive()

    def save_now(self) -> None:
        self._timer.stop()
        self._save(bytes(self.header.saveState().data()))

    def build_menu(self) -> QMenu:
        menu = QMenu(self.view)
        menu.setObjectName("header_menu")
        model = self.view.model()
        header = self.header
        for col in Column:
            title = model.headerData(col, Qt.Orientation.Horizontal) if model else col.name
            action = menu.addAction(str(title))
            action.setObjectName(f"column_{col.name.lower()}")
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(col))
            if col is Column.NAME:  # a list without names is no list
                action.setEnabled(False)
            action.toggled.connect(functools.partial(self.set_visible, col))
        menu.addSeparator()
        reset = menu.addAction(self.tr("Reset Columns"))
        reset.setObjectName("column_reset")
        reset.triggered.connect(self.reset)
        return menu

    def _popup(self, pos: QPoint) -> None:
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = self.build_menu()
        self.menu.popup(self.header.mapToGlobal(pos))

    def set_visible(self, col: Column, visible: bool) -> None:
        if col is Column.NAME and not visible:
            return
        self.header.setSectionHidden(col, not visible)
        self.save_now()

    def reset(self) -> None:
        header = self.header
        for col in Column:
            header.setSectionHidden(col, False)
            header.moveSection(header.visualIndex(col), col)
        self._reset()
        self.save_now()
