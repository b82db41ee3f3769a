"""The window's "Refresh address…": a fresh link for a paused or failed download.

First the browser is asked (the service's `recapture`, the same path the native host uses
when a link dies with 401/403/410): its extension reopens the job's page in a background tab
and hands the fresh link over. With no browser connected, or no page known for the job, or
while waiting, the user can paste a link. Either way the engine checks by bytes that the new
link serves the same file before continuing (app/engine/samefile.py).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.store.models import Job, JobState
from app.ui.dropparse import is_download_url
from app.ui.lifetime import alive
from app.ui.model import display_name

if TYPE_CHECKING:
    from app.ui.mainwindow import MainWindow

# the service's recapture: {"asked": n, "reason": None | "no_browser" | "no_referrer"}
Ask = Callable[[int], dict[str, Any]]

WAIT_S = 45.0  # a page that has not given a fresh link by then will not
POLL_MS = 300


class Step(enum.Enum):
    """Where a refresh stands: what the dialog says."""

    ASKING = "asking"  # the browser is looking for a fresh link
    NO_BROWSER = "no_browser"
    NO_REFERRER = "no_referrer"
    NOT_FOUND = "not_found"  # asked, but nothing came back in time
    REFUSED = "refused"  # the service said no (e.g. the job started downloading)
    GOT_LINK = "got_link"


def refreshable(job: Job) -> bool:
    """A download whose address may change: stopped, with its partial data kept."""
    return job.state in (JobState.FAILED, JobState.PAUSED)


def first_step(answer: dict[str, Any] | None) -> Step:
    """The service's answer to `recapture` (None: no service to ask) → the dialog's step."""
    if answer is None:
        return Step.NO_BROWSER
    if int(answer.get("asked") or 0) > 0:
        return Step.ASKING
    return Step.NO_REFERRER if answer.get("reason") == "no_referrer" else Step.NO_BROWSER


def after_none_found(step: Step, asked: int, nones: int) -> Step:
    """A browser said it found no fresh link: not found once every browser asked has said so
    (another may still find one)."""
    return Step.NOT_FOUND if step is Step.ASKING and nones >= asked else step


def next_step(step: Step, asked_url: str, job: Job | None, waited: float) -> Step:
    """While asking: the job's URL changed (the browser's link arrived), or time ran out."""
    if step is not Step.ASKING or job is None:
        return step
    if job.url != asked_url:
        return Step.GOT_LINK
    return Step.NOT_FOUND if waited >= WAIT_S else step


class RefreshDialog(QDialog):
    """One job's refresh: what the browser is doing, and a field for a pasted link."""

    def __init__(
        self, parent: QWidget | None, window: MainWindow, job: Job, ask: Ask | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("refresh_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.main = window
        self.job_id = job.id
        self.asked_url = job.url
        self.setWindowTitle(self.tr("Refresh Address — %1").replace("%1", display_name(job)))
        self.setMinimumWidth(560)
        self.status_label = QLabel()
        self.status_label.setObjectName("refresh_status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("refresh_url")
        self.url_edit.setPlaceholderText(self.tr("Paste a fresh link to the same file"))
        self.url_edit.setClearButtonEnabled(True)
        self.use_button = QPushButton(self.tr("Use This Link"))
        self.use_button.setObjectName("refresh_use")
        self.use_button.setToolTip(
            self.tr("Tether checks a few pieces already downloaded before continuing from it")
        )
        self.use_button.clicked.connect(self.use_pasted)
        self.url_edit.textChanged.connect(self._update_button)
        self.url_edit.returnPressed.connect(self.use_pasted)
        row = QHBoxLayout()
        row.addWidget(self.url_edit, 1)
        row.addWidget(self.use_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self._started = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self.step = Step.NO_BROWSER
        self.asked = 0  # browsers asked
        self.nones = 0  # of them, those that found no fresh link
        self._ask(ask)
        self._update_button()

    def _ask(self, ask: Ask | None) -> None:
        try:
            answer = ask(self.job_id) if ask is not None else None
        except Exception as exc:  # the service refused: say why, the field still works
            self._show(Step.REFUSED, str(exc))
            return
        self._show(first_step(answer))
        self.asked = int((answer or {}).get("asked") or 0)
        if self.step is Step.ASKING:
            self._timer.start()

    def _show(self, step: Step, detail: str = "") -> None:
        self.step = step
        texts = {
            Step.ASKING: self.tr(
                "Asking your browser to open this download's page again and find a fresh "
                "link to it… You can also paste one below."
            ),
            Step.NO_BROWSER: self.tr(
                "No browser with Tether's extension is connected. Open the download's page, "
                "copy the file's link and paste it below."
            ),
            Step.NO_REFERRER: self.tr(
                "Tether does not know the page this download came from, so the browser "
                "cannot refresh it. Copy a fresh link to the file and paste it below."
            ),
            Step.NOT_FOUND: self.tr(
                "The browser found no fresh link on the download's page. Copy one from the "
                "page and paste it below."
            ),
            Step.REFUSED: self.tr("Could not ask the browser: %1").replace("%1", detail),
            Step.GOT_LINK: self.tr(
                "The browser found a fresh link. Tether checks that it is the same file, "
                "then continues."
            ),
        }
        self.status_label.setText(texts[step])

    def _poll(self) -> None:
        job = self.main.model.job(self.job_id)
        step = next_step(self.step, self.asked_url, job, time.monotonic() - self._started)
        if job is None:
            self._timer.stop()
            self.reject()
            return
        if step is not self.step:
            self._timer.stop()
            self._show(step)
            if step is Step.GOT_LINK:
                self.main.controller.message.emit(self.status_label.text())
                self.accept()

    def none_found(self) -> None:
        self.nones += 1
        step = after_none_found(self.step, self.asked, self.nones)
        if step is not self.step:
            self._timer.stop()
            self._show(step)

    def _update_button(self) -> None:
        new = self.url_edit.text().strip()
        self.use_button.setEnabled(is_download_url(new) and new != self.asked_url)

    def use_pasted(self) -> None:
        """The pasted link: set it and continue; the engine's byte check decides."""
        new = self.url_edit.text().strip()
        if not self.use_button.isEnabled():
            return
        controller = self.main.controller
        job = self.main.model.job(self.job_id)
        if job is not None and not refreshable(job):
            controller.pause([self.job_id])  # it started meanwhile: the address waits for it
        if not controller.set_url(self.job_id, new).done:
            return  # the controller said why in the status bar
        controller.resume([self.job_id])
        self._timer.stop()
        controller.message.emit(
            self.tr("Checking that the new link serves the same file, then continuing")
        )
        self.accept()


class RefreshAddress(QObject):
    """Owns the context-menu entry and one refresh dialog per job."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ask: Ask | None = None  # set by the app once its service is up
        self.dialogs: dict[int, RefreshDialog] = {}

    def extend_menu(self, menu: QMenu, jobs: list[Job]) -> None:
        action = menu.addAction(self.tr("Refresh Address…"))
        action.setObjectName("action_refresh_address")
        action.setToolTip(
            self.tr("Get a fresh link for an expired one, from the browser or pasted")
        )
        action.setEnabled(len(jobs) == 1 and refreshable(jobs[0]))
        if jobs:
            job_id = jobs[0].id
            action.triggered.connect(lambda: self.start(job_id))

    def none_found(self, job_id: int) -> None:
        """The service relayed a browser's "no fresh link" for the job."""
        dialog = self.dialogs.get(job_id)
        if dialog is not None and alive(dialog):
            dialog.none_found()

    def start(self, job_id: int) -> RefreshDialog | None:
        existing = self.dialogs.get(job_id)
        if existing is not None and alive(existing):
            existing.raise_()
            existing.activateWindow()
            return existing
        job = self.window.model.job(job_id)
        if job is None:
            return None
        dialog = RefreshDialog(self.window, self.window, job, self.ask)
        self.dialogs[job_id] = dialog
        dialog.finished.connect(lambda _r: self.dialogs.pop(job_id, None))
        dialog.show()
        return dialog
