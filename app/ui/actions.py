"""The window's commands as QActions: text, icon, shortcut, and when each is enabled."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from app.store.models import Job, JobState
from app.ui import icons


class Actions(QObject):
    """One instance per window; the toolbar, menus and context menu share these actions."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)

        def make(
            name: str,
            text: str,
            icon: str | None,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
            tip: str,
        ) -> QAction:
            action = QAction(text, parent)
            action.setObjectName(f"action_{name}")
            if icon:
                action.setIcon(icons.action_icon(icon))
            if shortcut is not None:
                seq = QKeySequence(shortcut)
                action.setShortcut(seq)
                tip = f"{tip} ({seq.toString(QKeySequence.SequenceFormat.NativeText)})"
            action.setToolTip(tip)
            action.setStatusTip(tip)
            return action

        Std = QKeySequence.StandardKey
        self.add = make(
            "add", self.tr("&Add URLs…"), "add", Std.New, self.tr("Add one or more download links")
        )
        self.paste = make(
            "paste",
            self.tr("&Paste URLs"),
            "paste",
            Std.Paste,
            self.tr("Add every link in the clipboard"),
        )
        self.import_list = make(
            "import_list",
            self.tr("&Import…"),
            None,
            "Ctrl+I",
            self.tr("Add the downloads of a list (aria2 input file, JSON export or URLs)"),
        )
        self.export_list = make(
            "export_list",
            self.tr("&Export…"),
            None,
            "Ctrl+E",
            self.tr("Save the list of downloads as an aria2 input file or JSON"),
        )
        self.pause = make(
            "pause", self.tr("&Pause"), "pause", "Ctrl+P", self.tr("Pause the selected downloads")
        )
        self.resume = make(
            "resume",
            self.tr("&Resume"),
            "resume",
            "Ctrl+R",
            self.tr("Resume the selected downloads"),
        )
        self.pause_all = make(
            "pause_all",
            self.tr("Pause A&ll"),
            "pause-all",
            "Ctrl+Shift+P",
            self.tr("Pause every running download"),
        )
        self.resume_all = make(
            "resume_all",
            self.tr("Resume Al&l"),
            "resume-all",
            "Ctrl+Shift+R",
            self.tr("Resume every paused download"),
        )
        self.cancel = make(
            "cancel", self.tr("&Cancel"), "cancel", "Ctrl+.", self.tr("Stop the selected downloads")
        )
        self.remove = make(
            "remove",
            self.tr("Re&move"),
            "remove",
            Std.Delete,
            self.tr("Remove the selected downloads from the list"),
        )
        self.remove_with_file = make(
            "remove_with_file",
            self.tr("Remove with &File…"),
            "remove-file",
            "Shift+Del",
            self.tr("Remove the selected downloads and delete their files"),
        )
        self.retry = make(
            "retry",
            self.tr("Re&try Failed"),
            "retry",
            "Ctrl+T",
            self.tr("Try the failed downloads again"),
        )
        self.open_file = make(
            "open_file",
            self.tr("&Open File"),
            "open-file",
            "Ctrl+O",
            self.tr("Open the downloaded file"),
        )
        self.open_folder = make(
            "open_folder",
            self.tr("Open Containing &Folder"),
            "open-folder",
            "Ctrl+Shift+O",
            self.tr("Show the file in its folder"),
        )
        self.copy_url = make(
            "copy_url", self.tr("&Copy URL"), "copy", Std.Copy, self.tr("Copy the download links")
        )
        self.properties = make(
            "properties",
            self.tr("Propert&ies"),
            "properties",
            "Alt+Return",
            self.tr("Details, segments and history of the download"),
        )
        self.settings = make(
            "settings",
            self.tr("&Settings…"),
            "settings",
            "Ctrl+,",
            self.tr("Download folder, connections, speed limit"),
        )
        self.quit = make(
            "quit", self.tr("&Quit"), "quit", Std.Quit, self.tr("Pause downloads and quit")
        )
        self.select_all = make(
            "select_all",
            self.tr("Select &All"),
            None,
            Std.SelectAll,
            self.tr("Select every download in the list"),
        )
        self.find = make("find", self.tr("&Find"), None, Std.Find, self.tr("Search the list"))
        self.about = make(
            "about", self.tr("&About Tether"), None, None, self.tr("Version and license")
        )
        self.open_logs = make(
            "open_logs", self.tr("Open &Log Folder"), None, None, self.tr("Show Tether's log files")
        )
        self.show_window = make(
            "show_window", self.tr("&Show Tether"), None, None, self.tr("Show the main window")
        )
        self.update_for([], any_failed=False, any_active=False, any_paused=False)

    def selection_actions(self) -> Sequence[QAction]:
        return (
            self.pause,
            self.resume,
            self.cancel,
            self.remove,
            self.remove_with_file,
            self.open_file,
            self.open_folder,
            self.copy_url,
            self.properties,
        )

    def update_for(
        self, selected: Sequence[Job], *, any_failed: bool, any_active: bool, any_paused: bool
    ) -> None:
        """Enable what makes sense for the selection and the queue as a whole."""
        states = {j.state for j in selected}
        self.pause.setEnabled(bool(states & JobState.ACTIVE))
        # Resume on a retrying job tries now; on a cancelled one it starts again from 0.
        self.resume.setEnabled(
            bool(states & {JobState.PAUSED, JobState.FAILED, JobState.RETRYING, JobState.CANCELLED})
        )
        self.cancel.setEnabled(bool(states & JobState.CANCELLABLE))
        self.remove.setEnabled(bool(selected))
        self.remove_with_file.setEnabled(bool(selected))
        self.open_file.setEnabled(JobState.COMPLETED in states)
        self.open_folder.setEnabled(bool(selected))
        self.copy_url.setEnabled(bool(selected))
        self.properties.setEnabled(len(selected) == 1)
        self.retry.setEnabled(any_failed)
        self.pause_all.setEnabled(any_active)
        self.resume_all.setEnabled(any_paused)
