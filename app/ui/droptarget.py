"""The main window as a drop target: links dragged onto it (from a browser, a file manager, a
text editor) are taken as a copy and offered for download once the drag has ended.

A mixin of MainWindow, as windowcommands.py is: Qt calls these overrides on the window. What
the dragged data holds is read by drop.py; what is offered, by the window's offer_urls().
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QMainWindow

from app.ui import drop

if TYPE_CHECKING:
    from app.ui.dropparse import DropContent
    from app.ui.view import JobTableView

    _WindowBase = QMainWindow
else:
    _WindowBase = object


class DropTarget(_WindowBase):
    """Accepts drags that may hold links, shows the view's drop hint while one is over it."""

    if TYPE_CHECKING:  # what MainWindow provides
        view: JobTableView

        def offer_urls(self, content: DropContent) -> None: ...

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if drop.may_contain_urls(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.view.set_drop_hint(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if drop.may_contain_urls(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.view.set_drop_hint(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self.view.set_drop_hint(False)
        content = drop.read_mime(event.mimeData())
        # Always a copy: a Move would let the source (a file manager) delete what was dragged.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        # Open the dialog after the drag has finished, so the source isn't left waiting.
        QTimer.singleShot(0, lambda: self.offer_urls(content))
