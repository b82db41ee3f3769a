"""What Retry did, said out loud (issue 9: retrying a 404 changed nothing visible, because the
row went Queued → Failed within one repaint). Retry announces itself in the status bar and,
when a retried download fails again, says so with the time and the reason."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject

from app.store.models import Job, JobState
from app.ui.i18n import tr_args
from app.ui.model import JobTableModel, display_name, one_line

MESSAGE_MS = 15000


class RetryFeedback(QObject):
    """Remembers which jobs were retried until each one gets somewhere or fails again."""

    def __init__(
        self,
        model: JobTableModel,
        show: Callable[[str, int], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._show = show
        self._watching: set[int] = set()
        model.state_changed.connect(self._on_state_changed)

    def retried(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        self._watching.update(ids)
        self._show(self.tr("Retrying %n download(s)…", "", len(ids)), MESSAGE_MS)

    def _on_state_changed(self, job: Job, _before: JobState) -> None:
        if job.id not in self._watching:
            return
        if job.state is JobState.FAILED:
            self._watching.discard(job.id)
            when = time.strftime("%H:%M:%S", time.localtime())
            text = tr_args(
                self.tr("%1 failed again at %2: %3"),
                display_name(job),
                when,
                one_line(job.error) or self.tr("unknown error"),
            )
            self._show(text, MESSAGE_MS)
        elif job.state in (JobState.COMPLETED, JobState.PAUSED):
            self._watching.discard(job.id)
