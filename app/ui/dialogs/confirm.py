"""Questions before something that loses data: window-modal, never a nested event loop, and
naming what they are about (issue 9: Del on a running download removed it and its partial
data without a word)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from app.engine.events import Progress
from app.store.models import Job, JobState

MAX_NAMED = 8  # more names than this make a box taller than a small screen


def ask(
    parent: QWidget,
    title: str,
    text: str,
    confirm: str,
    on_yes: Callable[[], object],  # its result is ignored
    check: QCheckBox | None = None,
) -> QMessageBox:
    """A question with a confirm button and Cancel (the default); `on_yes` on confirm."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    box.setObjectName("question")
    if check is not None:
        box.setCheckBox(check)
    yes = box.addButton(confirm, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def done(_result: int) -> None:
        if box.clickedButton() is yes:
            on_yes()
        box.deleteLater()

    box.finished.connect(done)
    box.open()
    return box


def has_partial_data(job: Job, progress: Progress | None) -> bool:
    """Would removing this job lose downloaded bytes?"""
    if job.state is JobState.COMPLETED:
        return False
    if job.state is JobState.DOWNLOADING:
        return True
    return job.done > 0 or (progress is not None and progress.done > 0)


def names_html(names: Sequence[str]) -> str:
    """The first MAX_NAMED names as a list, then how many more."""
    shown = "".join(f"<li>{html.escape(n)}</li>" for n in names[:MAX_NAMED])
    more = len(names) - MAX_NAMED
    if more <= 0:
        return f"<ul>{shown}</ul>"
    tail = QCoreApplication.translate("Confirm", "and %n more", "", more)
    return f"<ul>{shown}</ul><p>{html.escape(tail)}</p>"


def ask_remove_unfinished(
    parent: QWidget, names: Sequence[str], on_yes: Callable[[bool], None]
) -> QMessageBox:
    """Remove unfinished downloads? `on_yes(delete_partial)`; the data is deleted unless the
    user unticks the box (kept, it stays on disk as the .part file)."""
    n = len(names)
    question = QCoreApplication.translate(
        "Confirm", "Remove %n unfinished download(s) from the list?", "", n
    )
    text = f"<p>{html.escape(question)}</p>{names_html(names)}"
    check = QCheckBox(
        QCoreApplication.translate("Confirm", "Also delete the data downloaded so far")
    )
    check.setObjectName("delete_partial")
    check.setChecked(True)
    box = ask(
        parent,
        QCoreApplication.translate("Confirm", "Remove downloads?"),
        text,
        QCoreApplication.translate("Confirm", "Remove"),
        lambda: on_yes(check.isChecked()),
        check,
    )
    box.setTextFormat(Qt.TextFormat.RichText)
    return box
