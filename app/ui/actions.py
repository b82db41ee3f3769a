"""The window's commands as QActions, declared in one table: name, text, tip, icon, shortcut,
what it does, and when it is enabled. The toolbar, menus, context menu and tray share them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from app.store.models import Job, JobState
from app.ui import icons
from app.ui.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from app.ui.mainwindow import MainWindow

_UNFINISHED = JobState.CANCELLABLE
_PAUSABLE = JobState.ACTIVE
# Resume on a retrying job tries now; on a cancelled one it starts again from 0.
# A queued job is already waiting for its turn: Resume has nothing to do there.
_RESUMABLE = JobState.RESTARTABLE - {JobState.QUEUED}


@dataclass(frozen=True, slots=True)
class Selection:
    """What the enabled-when rules look at: the selected jobs and the queue as a whole."""

    states: frozenset[JobState]
    count: int
    any_failed: bool
    any_active: bool
    any_paused: bool


_CJK_MNEMONIC = re.compile(r"\s*\(&\w\)")
Std = QKeySequence.StandardKey
Handler = Callable[["MainWindow"], object]
EnabledWhen = Callable[[Selection], bool]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str  # the attribute on Actions, and objectName "action_<name>"
    text: str  # source text, translated in the "Actions" context
    tip: str
    icon: str | None
    shortcut: Std | str | None
    handler: Handler | None  # None: the owner connects it (the tray's "Show Tether")
    enabled: EnabledWhen | None = None  # None: always enabled
    # Window-wide: the shortcut works whichever child has focus (a line edit keeps its own
    # Ctrl+C/Ctrl+V/Delete through ShortcutOverride).
    window_shortcut: bool = True


def _some(sel: Selection) -> bool:
    return sel.count > 0


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "add",
        QT_TRANSLATE_NOOP("Actions", "&Add URLs…"),
        QT_TRANSLATE_NOOP("Actions", "Add one or more download links"),
        "add",
        Std.New,
        lambda w: w.show_add_dialog(),
    ),
    ActionSpec(
        "paste",
        QT_TRANSLATE_NOOP("Actions", "&Paste URLs"),
        QT_TRANSLATE_NOOP("Actions", "Add every link in the clipboard"),
        "paste",
        Std.Paste,
        lambda w: w.paste_urls(),
    ),
    ActionSpec(
        "import_list",
        QT_TRANSLATE_NOOP("Actions", "&Import…"),
        QT_TRANSLATE_NOOP(
            "Actions", "Add the downloads of a list (aria2 input file, JSON export or URLs)"
        ),
        None,
        "Ctrl+I",
        lambda w: w.lists.ask_import(),
        window_shortcut=False,
    ),
    ActionSpec(
        "export_list",
        QT_TRANSLATE_NOOP("Actions", "&Export…"),
        QT_TRANSLATE_NOOP("Actions", "Save the list of downloads as an aria2 input file or JSON"),
        None,
        "Ctrl+E",
        lambda w: w.lists.ask_export(),
        window_shortcut=False,
    ),
    ActionSpec(
        "pause",
        QT_TRANSLATE_NOOP("Actions", "&Pause"),
        QT_TRANSLATE_NOOP("Actions", "Pause the selected downloads"),
        "pause",
        "Ctrl+P",
        lambda w: w.pause_selected(),
        lambda s: bool(s.states & _PAUSABLE),
    ),
    ActionSpec(
        "resume",
        QT_TRANSLATE_NOOP("Actions", "&Resume"),
        QT_TRANSLATE_NOOP("Actions", "Resume the selected downloads"),
        "resume",
        "Ctrl+R",
        lambda w: w.resume_selected(),
        lambda s: bool(s.states & _RESUMABLE),
    ),
    ActionSpec(
        "pause_all",
        QT_TRANSLATE_NOOP("Actions", "Pause A&ll"),
        QT_TRANSLATE_NOOP("Actions", "Pause every running download"),
        "pause-all",
        "Ctrl+Shift+P",
        lambda w: w.controller.pause_all(),
        lambda s: s.any_active,
    ),
    ActionSpec(
        "resume_all",
        QT_TRANSLATE_NOOP("Actions", "Resume Al&l"),
        QT_TRANSLATE_NOOP("Actions", "Resume every paused download"),
        "resume-all",
        "Ctrl+Shift+R",
        lambda w: w.controller.resume_all(),
        lambda s: s.any_paused,
    ),
    ActionSpec(
        "cancel",
        QT_TRANSLATE_NOOP("Actions", "&Cancel"),
        QT_TRANSLATE_NOOP("Actions", "Stop the selected downloads"),
        "cancel",
        "Ctrl+.",
        lambda w: w.cancel_selected(),
        lambda s: bool(s.states & _UNFINISHED),
    ),
    ActionSpec(
        "remove",
        QT_TRANSLATE_NOOP("Actions", "Re&move"),
        QT_TRANSLATE_NOOP("Actions", "Remove the selected downloads from the list"),
        "remove",
        Std.Delete,
        lambda w: w.remove_selected(delete_file=False),
        _some,
    ),
    ActionSpec(
        "remove_with_file",
        QT_TRANSLATE_NOOP("Actions", "Remove with &File…"),
        QT_TRANSLATE_NOOP("Actions", "Remove the selected downloads and delete their files"),
        "remove-file",
        "Shift+Del",
        lambda w: w.remove_selected(delete_file=True),
        _some,
    ),
    ActionSpec(
        "retry",
        QT_TRANSLATE_NOOP("Actions", "Re&try Failed"),
        QT_TRANSLATE_NOOP("Actions", "Try the failed downloads again"),
        "retry",
        "Ctrl+T",
        lambda w: w.retry_failed(),
        lambda s: s.any_failed,
    ),
    ActionSpec(
        "open_file",
        QT_TRANSLATE_NOOP("Actions", "&Open File"),
        QT_TRANSLATE_NOOP("Actions", "Open the downloaded file"),
        "open-file",
        "Ctrl+O",
        lambda w: w.open_files(),
        lambda s: JobState.COMPLETED in s.states,
    ),
    ActionSpec(
        "open_folder",
        QT_TRANSLATE_NOOP("Actions", "Open Containing &Folder"),
        QT_TRANSLATE_NOOP("Actions", "Show the file in its folder"),
        "open-folder",
        "Ctrl+Shift+O",
        lambda w: w.open_folders(),
        _some,
    ),
    ActionSpec(
        "copy_url",
        QT_TRANSLATE_NOOP("Actions", "&Copy URL"),
        QT_TRANSLATE_NOOP("Actions", "Copy the download links"),
        "copy",
        Std.Copy,
        lambda w: w.copy_urls(),
        _some,
    ),
    ActionSpec(
        "properties",
        QT_TRANSLATE_NOOP("Actions", "Propert&ies"),
        QT_TRANSLATE_NOOP("Actions", "Details, segments and history of the download"),
        "properties",
        "Alt+Return",
        lambda w: w.show_properties(),
        lambda s: s.count == 1,
    ),
    ActionSpec(
        "settings",
        QT_TRANSLATE_NOOP("Actions", "&Settings…"),
        QT_TRANSLATE_NOOP("Actions", "Download folder, connections, speed limit"),
        "settings",
        "Ctrl+,",
        lambda w: w.show_settings(),
    ),
    ActionSpec(
        "quit",
        QT_TRANSLATE_NOOP("Actions", "&Quit"),
        QT_TRANSLATE_NOOP("Actions", "Pause downloads and quit"),
        "quit",
        Std.Quit,
        lambda w: w.request_quit(),
    ),
    ActionSpec(
        "select_all",
        QT_TRANSLATE_NOOP("Actions", "Select &All"),
        QT_TRANSLATE_NOOP("Actions", "Select every download in the list"),
        None,
        Std.SelectAll,
        lambda w: w.view.selectAll(),
    ),
    ActionSpec(
        "find",
        QT_TRANSLATE_NOOP("Actions", "&Find"),
        QT_TRANSLATE_NOOP("Actions", "Search the list"),
        None,
        Std.Find,
        lambda w: w.focus_search(),
    ),
    ActionSpec(
        "about",
        QT_TRANSLATE_NOOP("Actions", "&About Tether"),
        QT_TRANSLATE_NOOP("Actions", "Version and license"),
        None,
        None,
        lambda w: w.show_about(),
        window_shortcut=False,
    ),
    ActionSpec(
        "open_logs",
        QT_TRANSLATE_NOOP("Actions", "Open &Log Folder"),
        QT_TRANSLATE_NOOP("Actions", "Show Tether's log files"),
        None,
        None,
        lambda w: w.open_log_folder(),
        window_shortcut=False,
    ),
    ActionSpec(
        "show_window",
        QT_TRANSLATE_NOOP("Actions", "&Show Tether"),
        QT_TRANSLATE_NOOP("Actions", "Show the main window"),
        None,
        None,
        lambda w: w.bring_to_front(),
        window_shortcut=False,
    ),
)


# Where the actions appear, by name: "|" is a separator, "~" the toolbar's stretch.
TOOLBAR = "add paste | resume pause cancel remove | resume_all pause_all ~ settings"
TOOLBAR_ICON_ONLY = "paste cancel remove resume_all pause_all settings"  # the tooltip names them
MENUS = (
    (
        QT_TRANSLATE_NOOP("MainWindow", "&File"),
        "add paste | import_list export_list | settings | quit",
    ),
    (
        QT_TRANSLATE_NOOP("MainWindow", "&Downloads"),
        "resume pause cancel | resume_all pause_all retry | remove remove_with_file"
        " | open_file open_folder copy_url properties | select_all find",
    ),
    (QT_TRANSLATE_NOOP("MainWindow", "&Help"), "open_logs about"),
)
CONTEXT_MENU = (
    "resume pause cancel | open_file open_folder copy_url | retry | remove remove_with_file"
)


def new_action(
    parent: QObject, name: str, text: str, tip: str, icon: str | None, shortcut: Std | str | None
) -> QAction:
    """A QAction with translated text: icon, shortcut, and a tooltip that names the keys."""
    action = QAction(text, parent)
    action.setObjectName(f"action_{name}")
    if _CJK_MNEMONIC.search(text):
        # A toolbar button would read "暂停(P)": Qt strips "&" and "…" from the text, not the
        # bracketed mnemonic Chinese and Japanese menus use.
        action.setIconText(_CJK_MNEMONIC.sub("", text).removesuffix("…"))
    if icon:
        action.setIcon(icons.action_icon(icon))
    if shortcut is not None:
        seq = QKeySequence(shortcut)
        action.setShortcut(seq)
        tip = f"{tip} ({seq.toString(QKeySequence.SequenceFormat.NativeText)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    return action


def make_action(spec: ActionSpec, parent: QObject) -> QAction:
    """The QAction for a row of ACTIONS, its text and tip translated."""
    text = QCoreApplication.translate("Actions", spec.text)
    tip = QCoreApplication.translate("Actions", spec.tip)
    return new_action(parent, spec.name, text, tip, spec.icon, spec.shortcut)


class Actions(QObject):
    """One instance per window: an attribute per row of ACTIONS (`commands.pause`, …)."""

    add: QAction
    paste: QAction
    import_list: QAction
    export_list: QAction
    pause: QAction
    resume: QAction
    pause_all: QAction
    resume_all: QAction
    cancel: QAction
    remove: QAction
    remove_with_file: QAction
    retry: QAction
    open_file: QAction
    open_folder: QAction
    copy_url: QAction
    properties: QAction
    settings: QAction
    quit: QAction
    select_all: QAction
    find: QAction
    about: QAction
    open_logs: QAction
    show_window: QAction

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._by_spec: list[tuple[ActionSpec, QAction]] = []
        for spec in ACTIONS:
            action = make_action(spec, parent)
            setattr(self, spec.name, action)
            self._by_spec.append((spec, action))
        self.update_for([], any_failed=False, any_active=False, any_paused=False)

    def connect_to(self, window: Any) -> None:
        """Run each row's handler on `window` when triggered; window-wide shortcuts."""
        for spec, action in self._by_spec:
            if spec.handler is not None:
                handler = spec.handler
                action.triggered.connect(lambda _checked=False, h=handler: h(window))
            if spec.window_shortcut:
                window.addAction(action)

    def named(self, layout: str) -> list[QAction | None]:
        """The actions of a layout string, None for each separator ("~" is the caller's)."""
        return [None if n == "|" else getattr(self, n) for n in layout.split() if n != "~"]

    def fill(self, target: QMenu | QToolBar, layout: str) -> None:
        for action in self.named(layout):
            if action is None:
                target.addSeparator()
            else:
                target.addAction(action)

    def update_for(
        self, selected: Sequence[Job], *, any_failed: bool, any_active: bool, any_paused: bool
    ) -> None:
        """Enable what makes sense for the selection and the queue as a whole."""
        sel = Selection(
            frozenset(j.state for j in selected),
            len(selected),
            any_failed=any_failed,
            any_active=any_active,
            any_paused=any_paused,
        )
        for spec, action in self._by_spec:
            if spec.enabled is not None:
                action.setEnabled(spec.enabled(sel))
