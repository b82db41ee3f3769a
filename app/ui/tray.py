"""The system tray icon: overall progress in its tooltip, a small menu, and notifications."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from app.store.models import Job, JobState
from app.ui import formatting, icons
from app.ui.actions import Actions
from app.ui.i18n import reason_text
from app.ui.model import JobTableModel, display_name, one_line


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


class Tray(QObject):
    """Exists even without a tray (tests, bare X servers): then it just does nothing."""

    activated = Signal()  # a click on the icon: show or hide the window
    message_clicked = Signal(object)  # the Job the last balloon was about

    def __init__(
        self, actions: Actions, model: JobTableModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.notify_enabled = True
        # Tried first (desktop notices with actions); returns False to fall back to a balloon.
        self.desktop_notify: Callable[[Job, str, str], bool] | None = None
        self.last_job: Job | None = None
        self.icon = QSystemTrayIcon(icons.app_icon(), self)
        # The tray icon does not own its menu (Qt's docs): the window does, so a closed and
        # deleted window takes it along instead of leaving a parentless menu alive.
        self.menu = QMenu(parent)
        self.menu.addAction(actions.show_window)
        self.menu.addSeparator()
        self.menu.addAction(actions.pause_all)
        self.menu.addAction(actions.resume_all)
        self.menu.addSeparator()
        self.menu.addAction(actions.quit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.icon.messageClicked.connect(lambda: self.message_clicked.emit(self.last_job))
        self.last_tooltip = ""
        self.last_message: tuple[str, str] | None = None
        if tray_available():
            self.icon.show()
        self.update_tooltip()

    def is_visible(self) -> bool:
        return self.icon.isVisible()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.activated.emit()

    def tooltip_text(self) -> str:
        lines = ["Tether"]
        active = self.model.active_count()
        if active:
            done, total = self.model.totals()
            line = self.tr("%n active download(s)", "", active)
            if total:
                line += f" — {formatting.percent(done, total)}"
            lines.append(line)
            speed = formatting.speed(self.model.total_speed())
            if speed:
                lines.append("↓ " + speed)
        else:
            lines.append(self.tr("Nothing downloading"))
        return "\n".join(lines)

    def update_tooltip(self) -> None:
        text = self.tooltip_text()
        if text != self.last_tooltip:
            self.last_tooltip = text
            self.icon.setToolTip(text)

    def on_state_changed(self, job: Job, before: JobState) -> None:
        """Announce completions and failures (one balloon per job, only on the transition)."""
        if not self.notify_enabled or before is job.state:
            return
        name = display_name(job)
        if job.state is JobState.COMPLETED:
            title = self.tr("Download complete")
            body = name
            kind = QSystemTrayIcon.MessageIcon.Information
        elif job.state is JobState.FAILED:
            title = self.tr("Download failed")
            body = f"{name}\n{one_line(reason_text(job.error or ''))}"
            kind = QSystemTrayIcon.MessageIcon.Warning
        else:
            return
        self.last_message = (title, body)
        self.last_job = job
        if self.desktop_notify is not None and self.desktop_notify(job, title, body):
            return
        if self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(title, body, kind, 5000)

    def hide(self) -> None:
        self.icon.hide()
