"""Commands added for issue 9: move in the queue, the quick speed-limit toggle, the details
panel toggle, and the per-download speed limit and connections submenus."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from app.engine.inputs import KEEP, Keep
from app.store.models import Job, JobState
from app.ui import formatting
from app.ui.actions import new_action
from app.ui.i18n import tr_args

KB = 1000
LIMIT_PRESETS = (0, 50 * KB, 200 * KB, 500 * KB, 1000 * KB, 2000 * KB, 5000 * KB, 10_000 * KB)
CONNECTION_PRESETS = (1, 2, 4, 8, 16, 32)


class QueueActions(QObject):
    """Shared by the menus, the context menu, the toolbar and the tray."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)

        def make(name: str, text: str, shortcut: str | None, tip: str, icon: str = "") -> QAction:
            return new_action(parent, name, text, tip, icon or None, shortcut)

        self.move_up = make("move_up", self.tr("Move &Up"), "Ctrl+Up", self.tr("Start earlier"))
        self.move_down = make(
            "move_down", self.tr("Move &Down"), "Ctrl+Down", self.tr("Start later")
        )
        self.move_top = make(
            "move_top", self.tr("Move to &Top"), "Ctrl+Home", self.tr("Start next")
        )
        self.move_bottom = make(
            "move_bottom", self.tr("Move to &Bottom"), "Ctrl+End", self.tr("Start last")
        )
        self.toggle_limit = make(
            "toggle_limit",
            self.tr("&Limit Speed"),
            "Ctrl+L",
            self.tr("Switch the total speed limit on or off"),
            "limit",
        )
        self.toggle_limit.setCheckable(True)
        self.show_details = make(
            "show_details",
            self.tr("&Details Panel"),
            "F4",
            self.tr("Show the selected download's details under the list"),
            "properties",
        )
        self.show_details.setCheckable(True)
        self.show_sidebar = make(
            "show_sidebar", self.tr("&Sidebar"), "F9", self.tr("Show the categories")
        )
        self.show_sidebar.setCheckable(True)

    def moves(self) -> tuple[QAction, ...]:
        return (self.move_up, self.move_down, self.move_top, self.move_bottom)

    def all(self) -> tuple[QAction, ...]:
        return (*self.moves(), self.toggle_limit, self.show_details, self.show_sidebar)

    def update_for(self, selected: Sequence[Job]) -> None:
        # Finished jobs move too: the order is also how the user arranges the list.
        for action in self.moves():
            action.setEnabled(bool(selected))

    def set_limit_state(self, limit: int | None, saved: int) -> None:
        """The toggle shows whether a total limit is on, and which."""
        self.toggle_limit.blockSignals(True)
        self.toggle_limit.setChecked(limit is not None)
        self.toggle_limit.blockSignals(False)
        value = formatting.speed(limit if limit is not None else saved)
        if limit is not None:
            text = tr_args(self.tr("Speed limited to %1 (click for full speed)"), value)
        else:
            text = tr_args(self.tr("Full speed (click to limit to %1)"), value)
        self.toggle_limit.setToolTip(text)
        self.toggle_limit.setStatusTip(text)


def limit_text(limit: int) -> str:
    return (
        QCoreApplication.translate("QueueActions", "Unlimited")
        if not limit
        else formatting.speed(limit)
    )


def knob_menus(
    parent: QWidget, jobs: Sequence[Job], configure: Callable[[int | None, int | Keep], None]
) -> tuple[QMenu, QMenu]:
    """'Speed Limit' and 'Connections' submenus for the selected jobs; a check marks the value
    they all share. `configure(connections or None, limit or KEEP)` applies a choice."""
    limits = {j.speed_limit or 0 for j in jobs}
    conns = {j.connections for j in jobs}
    limit_menu = QMenu(QCoreApplication.translate("QueueActions", "Speed &Limit"), parent)
    limit_menu.setObjectName("limit_menu")
    group = QActionGroup(limit_menu)
    values = sorted(set(LIMIT_PRESETS) | (limits if len(limits) == 1 else set()))
    for value in values:
        action = limit_menu.addAction(limit_text(value))
        action.setObjectName(f"limit_{value}")
        action.setCheckable(True)
        action.setChecked(limits == {value})
        group.addAction(action)
        action.triggered.connect(lambda _c=False, v=value: configure(None, v))
    conn_menu = QMenu(QCoreApplication.translate("QueueActions", "&Connections"), parent)
    conn_menu.setObjectName("connections_menu")
    group = QActionGroup(conn_menu)
    for n in sorted(set(CONNECTION_PRESETS) | (conns if len(conns) == 1 else set())):
        action = conn_menu.addAction(str(n))
        action.setObjectName(f"connections_{n}")
        action.setCheckable(True)
        action.setChecked(conns == {n})
        group.addAction(action)
        action.triggered.connect(lambda _c=False, v=n: configure(v, KEEP))
    enabled = any(j.state is not JobState.COMPLETED for j in jobs)
    limit_menu.setEnabled(enabled)
    conn_menu.setEnabled(enabled)
    if any(j.state is JobState.DOWNLOADING for j in jobs):
        conn_menu.setToolTip(
            QCoreApplication.translate("QueueActions", "Applies when the download next starts")
        )
        conn_menu.setToolTipsVisible(True)
    return limit_menu, conn_menu
