"""Weak handles on windows and dialogs the main window keeps, safe after Qt deleted them.

A dialog closed with deleteLater() (or WA_DeleteOnClose) leaves its Python wrapper behind; any
call on it raises "Internal C++ object already deleted". Issue 9: the Add dialog kept in an
attribute worked once per session. Every kept dialog goes through a DialogRef instead.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from shiboken6 import Shiboken

from PySide6.QtWidgets import QWidget

W = TypeVar("W", bound=QWidget)


def alive(widget: QWidget | None) -> bool:
    """True while the C++ object behind `widget` exists."""
    return widget is not None and Shiboken.isValid(widget)


class DialogRef(Generic[W]):
    """Holds at most one dialog; `get()` answers None once it finished or was deleted."""

    def __init__(self) -> None:
        self._widget: W | None = None

    def set(self, widget: W) -> W:
        self._widget = widget
        # Finished means gone for us, even before the deferred delete has run: a hidden,
        # finished dialog must never be refilled and raised again.
        widget.destroyed.connect(self.clear)
        finished = getattr(widget, "finished", None)
        if finished is not None:
            finished.connect(self.clear)
        return widget

    def clear(self, *_args: object) -> None:
        self._widget = None

    def get(self) -> W | None:
        widget = self._widget
        if widget is None or not alive(widget):
            self._widget = None
            return None
        return widget
