"""The window's code shape (issue 10, item 7): the %N helper, the actions table, the free-space
timer that sleeps while nothing downloads, and no UI module grown past ~400 lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.engine.events import EngineEvent, EventKind
from app.store.models import JobState
from app.ui import statusbar
from app.ui.actions import ACTIONS, CONTEXT_MENU, MENUS, TOOLBAR, Actions
from app.ui.i18n import tr_args
from app.ui.model import JobTableModel
from app.ui.statusbar import QueueStatusBar
from tests.support.fakeengine import make_job

UI = Path(__file__).resolve().parent.parent / "app" / "ui"


def test_tr_args_fills_markers_in_one_pass_as_qstring_arg() -> None:
    assert tr_args("%1 of %2", "1 MB", "2 MB") == "1 MB of 2 MB"
    # a translation may put the markers in another order
    assert tr_args("%2 中的 %1", "1 MB", "2 MB") == "2 MB 中的 1 MB"
    # an argument holding a marker is not expanded again (chained replace() did that)
    assert tr_args("Could not replace %1: %2", "a%2b.iso", "disk full") == (
        "Could not replace a%2b.iso: disk full"
    )
    assert tr_args("%1%", 50) == "50%"
    assert tr_args("no markers", "x") == "no markers"
    assert tr_args("%1 and %3", "a") == "a and %3"  # a marker without an argument stays


def test_every_action_is_declared_once_and_every_layout_names_real_actions(qtbot: Any) -> None:
    names = [spec.name for spec in ACTIONS]
    assert len(names) == len(set(names))
    layouts = [TOOLBAR, CONTEXT_MENU, *(layout for _, layout in MENUS)]
    for layout in layouts:
        for word in layout.split():
            assert word in ("|", "~") or word in names, word
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    qtbot.addWidget(owner)
    actions = Actions(owner)
    for spec in ACTIONS:
        action = getattr(actions, spec.name)
        assert action.objectName() == f"action_{spec.name}"
        assert action.text() and action.toolTip()


def test_enabled_when_rules_follow_the_selection(qtbot: Any) -> None:
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    qtbot.addWidget(owner)
    a = Actions(owner)
    assert not a.pause.isEnabled() and not a.properties.isEnabled() and not a.retry.isEnabled()
    a.update_for(
        [make_job(1, JobState.DOWNLOADING)], any_failed=True, any_active=True, any_paused=False
    )
    assert a.pause.isEnabled() and not a.resume.isEnabled() and a.properties.isEnabled()
    assert a.retry.isEnabled() and a.pause_all.isEnabled() and not a.resume_all.isEnabled()
    assert not a.open_file.isEnabled()
    done = [make_job(2, JobState.COMPLETED), make_job(3, JobState.PAUSED)]
    a.update_for(done, any_failed=False, any_active=False, any_paused=True)
    assert a.open_file.isEnabled() and a.resume.isEnabled() and not a.properties.isEnabled()
    assert a.resume_all.isEnabled() and not a.retry.isEnabled()


def _set_state(model: JobTableModel, job_id: int, state: JobState) -> None:
    model.queue_event(EngineEvent(EventKind.CHANGED, job_id, make_job(job_id, state)))
    model.flush_events()


def test_free_space_timer_stops_when_nothing_downloads_and_restarts(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    looks: list[str] = []

    def fake_free_space(path: str) -> int:
        looks.append(path)
        return 5_000_000_000

    monkeypatch.setattr(statusbar, "free_space", fake_free_space)
    model = JobTableModel()
    model.load([make_job(1, JobState.PAUSED), make_job(2, JobState.COMPLETED)])
    bar = QueueStatusBar(model)
    qtbot.addWidget(bar)
    bar.set_download_dir(str(tmp_path))
    assert not bar.free_timer_active()  # idle at start: no timer
    assert bar.free_label.text() == "5.0 GB free"
    for _ in range(2):  # twice: it must come back after it stopped
        before = len(looks)
        _set_state(model, 1, JobState.DOWNLOADING)
        assert bar.free_timer_active()
        assert len(looks) == before + 1  # looked at once when the download started
        _set_state(model, 1, JobState.PAUSED)
        assert not bar.free_timer_active()
        assert len(looks) == before + 2  # and once more for what it left
    # queued counts as about to download; completed does not
    _set_state(model, 2, JobState.QUEUED)
    assert bar.free_timer_active()
    _set_state(model, 2, JobState.COMPLETED)
    assert not bar.free_timer_active()


def test_free_space_timer_runs_when_the_window_opens_on_running_downloads(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statusbar, "free_space", lambda path: 1000)
    model = JobTableModel()
    model.load([make_job(1, JobState.DOWNLOADING)])
    bar = QueueStatusBar(model)
    qtbot.addWidget(bar)
    assert bar.free_timer_active()
    model.load([make_job(1, JobState.CANCELLED)])
    assert not bar.free_timer_active()


def test_no_window_module_grows_past_about_400_lines() -> None:
    sizes = {p.name: p.read_text(encoding="utf-8").count("\n") for p in UI.rglob("*.py")}
    too_long = {name: n for name, n in sizes.items() if n > 430}
    assert not too_long, too_long
