"""The window's scheduler and power parts: "Scheduled — starts at 01:00" in the row, the
context menu's Start at… and When done, the Schedule settings applied live, and the countdown
(with Cancel) before Tether quits, sleeps or shuts down when the queue finishes.

The decisions live in app/automation.py (Qt-free); this module only shows and asks.
"""

from __future__ import annotations

import shlex
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.automation import Automation
from app.engine.oncomplete import parse_command
from app.engine.onfinish import Countdown, FinishAction
from app.options import Options
from app.store.models import Job, JobState
from app.store.plans import OnComplete

if TYPE_CHECKING:
    from app.ui.controller import AddRequest
    from app.ui.dialogs.add import AddDialog
    from app.ui.mainwindow import MainWindow

# anything with something left to download, a retrying job too
_SCHEDULABLE = JobState.UNFINISHED


class FinishPrompt(QDialog):
    """'Shutting down in 42 s' with Cancel; closes itself when the countdown ends."""

    def __init__(self, parent: QWidget | None, countdown: Countdown, action: FinishAction) -> None:
        super().__init__(parent)
        self.setObjectName("finish_prompt")
        self.setWindowTitle(self.tr("Downloads finished"))
        self.countdown = countdown
        self.action = action
        self.label = QLabel()
        self.label.setObjectName("finish_label")
        self.label.setMinimumWidth(360)
        buttons = QDialogButtonBox()
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.now_button = QPushButton(self.tr("Now"))
        buttons.addButton(self.now_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button.clicked.connect(self.reject)
        self.now_button.clicked.connect(self._now)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("All downloads have finished.")))
        layout.addWidget(self.label)
        layout.addWidget(buttons)
        countdown.on_tick = self.show_left
        self.rejected.connect(countdown.cancel)

    def text(self, left: int) -> str:
        return {
            FinishAction.QUIT: self.tr("Tether quits in %n s.", "", left),
            FinishAction.SLEEP: self.tr("The computer goes to sleep in %n s.", "", left),
            FinishAction.SHUTDOWN: self.tr("The computer shuts down in %n s.", "", left),
        }.get(self.action, "")

    def show_left(self, left: int) -> None:
        self.label.setText(self.text(left))
        if left <= 0:
            self.accept()

    def _now(self) -> None:
        self.countdown.finish_now()
        self.accept()


class StartAtDialog(QDialog):
    """A date and time for the selected downloads to start at, or Clear."""

    def __init__(self, parent: QWidget | None, initial: datetime, ids: list[int]) -> None:
        super().__init__(parent)
        self.setObjectName("start_at_dialog")
        self.setWindowTitle(self.tr("Start at"))
        self.ids = ids
        self.cleared = False
        start = QDateTime.fromSecsSinceEpoch(
            int(initial.replace(second=0, microsecond=0).timestamp())
        )
        self.edit = QDateTimeEdit(start)
        self.edit.setObjectName("start_at_edit")
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        clear = buttons.addButton(self.tr("Clear"), QDialogButtonBox.ButtonRole.ResetRole)
        clear.setToolTip(self.tr("Follow the queue hours again"))
        clear.clicked.connect(self._clear)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Don't start before:")))
        layout.addWidget(self.edit)
        layout.addWidget(buttons)

    def _clear(self) -> None:
        self.cleared = True
        self.accept()

    def when(self) -> datetime | None:
        if self.cleared:
            return None
        value = self.edit.dateTime().toPython()
        assert isinstance(value, datetime)
        return value


class WhenDoneField(QWidget):
    """ "When done: [Do nothing ▾] [command]" for the Add dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("when_done_field")
        self.combo = QComboBox()
        self.combo.setObjectName("when_done")
        for key, title in (
            ("none", self.tr("Do nothing")),
            ("open", self.tr("Open the file")),
            ("folder", self.tr("Show in folder")),
            ("run", self.tr("Run a command")),
        ):
            self.combo.addItem(title, key)
        self.command = QLineEdit()
        self.command.setObjectName("when_done_command")
        self.command.setPlaceholderText(self.tr("e.g. notify-send Done {file} (no shell)"))
        self.command.setVisible(False)
        self.combo.currentIndexChanged.connect(
            lambda _i: self.command.setVisible(self.combo.currentData() == "run")
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("When done:")))
        row.addWidget(self.combo)
        row.addWidget(self.command, 1)

    def plan(self) -> OnComplete | None:
        key = self.combo.currentData()
        if key in ("open", "folder"):
            return OnComplete(str(key))
        if key == "run":
            try:
                return OnComplete("run", parse_command(self.command.text()))
            except ValueError:
                return None
        return None


class ScheduleUi(QObject):
    """One per window, given the Automation the app wired to the engine."""

    def __init__(self, window: MainWindow, automation: Automation) -> None:
        super().__init__(window)
        self.window = window
        self.automation = automation
        self.prompt: FinishPrompt | None = None
        self.start_dialog: StartAtDialog | None = None
        self.command_dialog: QInputDialog | None = None
        window.model.waiting_text = self.waiting_text
        window.extras.context_hooks.append(self.extend_menu)
        window.extras.options_hooks.append(self._on_options)
        automation.quit_app = window.request_quit
        automation.on_countdown = self.show_countdown
        window.add_flow.about_to_add.connect(self._expect_when_done)
        self._show_add_dialog = window.show_add_dialog
        window.show_add_dialog = self.show_add_dialog  # type: ignore[method-assign]

    # ---- the Add dialog's "When done" ----------------------------------------------------

    def show_add_dialog(
        self, urls: list[str] | None = None, note: str = "", dest_dir: str | None = None
    ) -> AddDialog:
        dialog = self._show_add_dialog(urls, note, dest_dir)
        if dialog.findChild(WhenDoneField) is None:  # not a refilled one
            field = WhenDoneField(dialog)
            layout = dialog.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(layout.indexOf(dialog.buttons), field)
            # Ours first: the request carries the plan into AddFlow, which says which links it
            # really adds (about_to_add); only those expect it.
            dialog.submitted.disconnect(self.window._on_add_submitted)
            dialog.submitted.connect(lambda request: setattr(request, "when_done", field.plan()))
            dialog.submitted.connect(self.window._on_add_submitted)
        return dialog

    def _expect_when_done(self, request: AddRequest) -> None:
        if request.when_done is not None:
            self.automation.completion.expect(request.urls, request.when_done)

    def _on_options(self, options: Options) -> None:
        self.automation.apply_options(options)
        self.window.view.viewport().update()  # rows that now wait, or no longer do

    # ---- rows ---------------------------------------------------------------------------

    def waiting_text(self, job: Job) -> str | None:
        scheduler = self.automation.scheduler
        return None if scheduler is None else scheduler.waiting_text(job)

    def _repaint(self) -> None:
        self.window.view.viewport().update()
        self.window.extras.on_rows_applied()

    # ---- context menu -------------------------------------------------------------------

    def extend_menu(self, menu: QMenu, jobs: list[Job]) -> None:
        if not jobs:
            return
        ids = [j.id for j in jobs]
        start = menu.addAction(self.tr("Start at…"))
        start.setObjectName("start_at_action")
        start.setEnabled(
            self.automation.scheduler is not None and any(j.state in _SCHEDULABLE for j in jobs)
        )
        start.triggered.connect(lambda: self.ask_start_at(ids))
        done = QMenu(self.tr("When done"), menu)
        done.setObjectName("when_done_menu")
        current = {self._plan_key(self.automation.completion.plan(i)) for i in ids}
        for key, title, plan in (
            ("none", self.tr("Do nothing"), None),
            ("open", self.tr("Open the file"), OnComplete("open")),
            ("folder", self.tr("Show in folder"), OnComplete("folder")),
        ):
            action = done.addAction(title)
            action.setCheckable(True)
            action.setChecked(current == {key})
            action.triggered.connect(lambda _c=False, p=plan: self.set_on_complete(ids, p))
        run = done.addAction(self.tr("Run a command…"))
        run.setCheckable(True)
        run.setChecked(current == {"run"})
        run.triggered.connect(lambda: self.ask_command(ids))
        menu.addMenu(done)

    @staticmethod
    def _plan_key(plan: OnComplete | None) -> str:
        return "none" if plan is None else plan.action

    def ask_start_at(self, ids: list[int]) -> StartAtDialog:
        scheduler = self.automation.scheduler
        first = scheduler.start_at(ids[0]) if scheduler is not None else None
        initial = first or (datetime.now() + timedelta(hours=1)).replace(minute=0)
        dialog = StartAtDialog(self.window, initial, ids)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: self.set_start_at(ids, dialog.when()))
        dialog.finished.connect(dialog.deleteLater)
        self.start_dialog = dialog
        dialog.open()
        return dialog

    def set_start_at(self, ids: list[int], when: datetime | None) -> None:
        scheduler = self.automation.scheduler
        if scheduler is None:
            return
        waiting = []
        for job_id in ids:
            scheduler.set_start_at(job_id, when)
            job = self.window.model.job(job_id)
            if when is not None and job is not None and job.state is not JobState.QUEUED:
                waiting.append(job_id)
        if waiting:  # queued, so they start at that time
            self.window.controller.resume(waiting)
        self._repaint()

    def set_on_complete(self, ids: list[int], plan: OnComplete | None) -> None:
        for job_id in ids:
            self.automation.completion.set_plan(job_id, plan)

    def ask_command(self, ids: list[int]) -> QInputDialog:
        dialog = QInputDialog(self.window)
        dialog.setObjectName("command_dialog")
        dialog.setWindowTitle(self.tr("Run a command when done"))
        dialog.setLabelText(
            self.tr("Command ({file} is the downloaded file; run without a shell):")
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        plan = self.automation.completion.plan(ids[0])
        if plan is not None and plan.action == "run":
            dialog.setTextValue(shlex.join(plan.argv))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.textValueSelected.connect(lambda text: self._command_chosen(ids, text))
        dialog.finished.connect(dialog.deleteLater)
        self.command_dialog = dialog
        dialog.open()
        return dialog

    def _command_chosen(self, ids: list[int], text: str) -> None:
        try:
            argv = parse_command(text)
        except ValueError as exc:
            self.window.status.showMessage(str(exc), 8000)
            return
        self.set_on_complete(ids, OnComplete("run", argv))

    # ---- the queue finished -------------------------------------------------------------

    def show_countdown(self, countdown: Countdown, action: FinishAction) -> None:
        if self.prompt is not None:
            self.prompt.close()
        prompt = FinishPrompt(self.window, countdown, action)
        prompt.finished.connect(prompt.deleteLater)
        self.prompt = prompt
        prompt.show()
        prompt.raise_()
