"""The window's Schedule tab, "Scheduled — starts at" rows, Start at… / When done in the
context menu and the finish countdown with Cancel: each used twice in one session. The power
action, the clock and the timers are fakes; nothing sleeps, nothing shuts down."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QDateTime, QTime
from PySide6.QtWidgets import QApplication, QMenu

from app.automation import Automation
from app.engine.engine import Engine
from app.engine.onfinish import FinishAction
from app.options import Options, load_options
from app.store import JobState, JobStore
from app.store.plans import JobPlans, OnComplete
from app.ui.controller import Controller
from app.ui.i18n import install_translators
from app.ui.mainwindow import MainWindow
from app.ui.model import Column, JobTableModel
from app.ui.schedule_ui import ScheduleUi
from tests.support.fakeengine import FakeEngine, sample_jobs
from tests.test_ui_window import select_ids

NOW = datetime(2026, 11, 30, 12, 0)  # a Monday, noon


class Timers:
    def __init__(self) -> None:
        self.pending: list[tuple[float, Callable[[], None], Handle]] = []

    def call_later(self, delay: float, callback: Callable[[], None]) -> Handle:
        handle = Handle()
        self.pending.append((delay, callback, handle))
        return handle

    def live(self) -> list[tuple[float, Callable[[], None], Handle]]:
        return [t for t in self.pending if not t[2].cancelled]

    def tick(self, n: int) -> None:
        for _ in range(n):
            live = self.live()
            assert live, "nothing armed"
            _delay, callback, handle = live[-1]
            handle.cancelled = True
            callback()


class Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Inhibit:
    def acquire(self) -> None:
        pass

    def release(self) -> None:
        pass


class Env:
    def __init__(self, window: MainWindow, automation: Automation, store: JobStore) -> None:
        self.window = window
        self.automation = automation
        self.store = store
        self.timers: Timers = Timers()
        self.ran: list[list[str]] = []
        self.quits = 0


@pytest.fixture
def env(qtbot: Any, tmp_path: Path) -> Iterator[Env]:
    install_translators(QApplication.instance())  # type: ignore[arg-type]
    store = JobStore.open(tmp_path / "data" / "db.sqlite3")
    jobs = sample_jobs()
    for job in jobs:  # the same ids in the real store, for the plans' foreign key
        store.add_job(job.url, str(tmp_path), state=job.state)
    model = JobTableModel()
    controller = Controller(model)
    fake = FakeEngine(jobs, on_event=controller.on_engine_event)
    controller.attach(fake)
    options = Options(download_dir=str(tmp_path))
    timers = Timers()
    engine = Engine(store)  # not started: it gives the scheduler its policy seam only
    automation = Automation(
        engine,
        store,
        options,
        inhibitor=Inhibit(),
        clock=lambda: NOW,
        call_later=timers.call_later,
    )
    automation.attach()
    window = MainWindow(controller, store, options)
    ui = ScheduleUi(window, automation)
    window.schedule_ui = ui  # type: ignore[attr-defined]
    e = Env(window, automation, store)
    e.timers = timers
    automation.power_runner = e.ran.append

    def quit_app() -> None:
        e.quits += 1

    automation.quit_app = quit_app
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield e
    automation.detach()
    window.request_quit()
    controller.detach()
    store.close()


def state_text(window: MainWindow, job_id: int) -> str:
    row = window.model.row_of(job_id)
    assert row is not None
    return str(window.model.data(window.model.index(row, Column.STATE)))


def test_schedule_tab_sets_hours_twice_and_rows_say_when(env: Env, qtbot: Any) -> None:
    window = env.window
    assert state_text(window, 5) == "Queued"
    for start, stop, expect in ((13, 14, "13:00"), (1, 7, "01:00 tomorrow")):
        dialog = window.show_settings()
        tab = dialog.schedule
        tab.hours.setChecked(True)
        tab.queue_start.setTime(QTime(start, 0))
        tab.queue_stop.setTime(QTime(stop, 0))
        tab.queue_days.set_mask(0b0011111)
        tab.speed.setChecked(True)
        tab.speed_limit.setValue(1000)
        tab.keep_awake.setChecked(False)
        tab.on_finish.setCurrentIndex(tab.on_finish.findData("sleep"))
        dialog.accept()
        stored = load_options(env.store)
        assert (stored.queue_hours, stored.queue_start, stored.queue_stop) == (
            True,
            start * 60,
            stop * 60,
        )
        assert stored.queue_days == 0b0011111 and stored.on_finish == "sleep"
        assert stored.speed_schedule and stored.speed_schedule_limit == 1_000_000
        scheduler = env.automation.scheduler
        assert scheduler is not None and scheduler.config.hours is not None
        assert scheduler.config.hours.start == start * 60  # applied live
        assert env.automation.finish_action is FinishAction.SLEEP
        assert not env.automation.awake._enabled
        assert state_text(window, 5) == f"Scheduled — starts at {expect}"
    assert state_text(window, 2) == "Paused"  # only queued rows wait for the schedule


def test_start_at_is_offered_for_every_unfinished_state_only(env: Env, qtbot: Any) -> None:
    """A retrying job can wait for a start time too; a completed one has nothing to start."""
    ui: ScheduleUi = env.window.schedule_ui  # type: ignore[attr-defined]
    job = sample_jobs()[0]
    for state in JobState:
        menu = QMenu()
        ui.extend_menu(menu, [replace(job, state=state)])
        start = next(a for a in menu.actions() if a.objectName() == "start_at_action")
        assert start.isEnabled() == (state != JobState.COMPLETED), state
        menu.deleteLater()


def test_start_at_and_when_done_from_the_context_menu_twice(env: Env, qtbot: Any) -> None:
    window = env.window
    ui: ScheduleUi = window.schedule_ui  # type: ignore[attr-defined]
    select_ids(window, 5)
    menu = window.context_menu()
    names = {a.objectName() for a in menu.actions()}
    assert "start_at_action" in names
    done_menu = menu.findChild(QMenu, "when_done_menu")
    assert done_menu is not None
    menu.close()
    for hour in (15, 16):
        dialog = ui.ask_start_at([5])
        dialog.edit.setDateTime(QDateTime(2026, 11, 30, hour, 30, 0))
        dialog.accept()
        assert env.automation.scheduler is not None
        assert env.automation.scheduler.start_at(5) == NOW.replace(hour=hour, minute=30)
        assert state_text(window, 5) == f"Scheduled — starts at {hour}:30"
    starts = JobPlans(env.store).start_times()
    assert datetime.fromtimestamp(starts[5]) == NOW.replace(hour=16, minute=30)
    dialog = ui.ask_start_at([5])
    dialog._clear()  # back to the queue hours (none set: it may start now)
    assert env.automation.scheduler.start_at(5) is None
    assert state_text(window, 5) == "Queued"

    for title, expect in (("Show in folder", OnComplete("folder")), ("Open the file", None)):
        menu = window.context_menu()
        done_menu = menu.findChild(QMenu, "when_done_menu")
        assert done_menu is not None
        action = next(a for a in done_menu.actions() if a.text() == title)
        action.trigger()
        menu.close()
        plan = env.automation.completion.plan(5)
        assert plan == (expect or OnComplete("open"))
    for command in ("notify-send Done {file}", "'my tool' --in {file}"):
        box = ui.ask_command([5])
        box.setTextValue(command)
        box.accept()
        plan = env.automation.completion.plan(5)
        assert plan is not None and plan.action == "run"
    assert plan.argv == ("my tool", "--in", "{file}")
    assert JobPlans(env.store).on_complete_all()[5] == plan


def test_countdown_prompt_cancelled_twice_then_sleep_and_quit(env: Env, qtbot: Any) -> None:
    window = env.window
    ui: ScheduleUi = window.schedule_ui  # type: ignore[attr-defined]
    for _ in range(2):
        countdown = env.automation.start_countdown(FinishAction.SHUTDOWN)
        prompt = ui.prompt
        assert prompt is not None and prompt.isVisible()
        assert "shuts down in 60 s" in prompt.label.text()
        env.timers.tick(5)
        assert "shuts down in 55 s" in prompt.label.text()
        prompt.cancel_button.click()
        assert countdown.cancelled
        assert env.timers.live() == []
        assert env.ran == []
    countdown = env.automation.start_countdown(FinishAction.SLEEP)
    env.timers.tick(60)
    assert countdown.fired and env.ran == [["systemctl", "suspend"]]
    assert ui.prompt is not None and not ui.prompt.isVisible()
    env.automation.start_countdown(FinishAction.QUIT)
    assert ui.prompt is not None
    ui.prompt.now_button.click()
    assert env.quits == 1 and len(env.ran) == 1


def test_add_dialog_when_done_goes_to_the_new_jobs_twice(env: Env, qtbot: Any) -> None:
    from app.ui.schedule_ui import WhenDoneField

    window = env.window
    completion = env.automation.completion
    engine = env.automation.engine
    for n, (key, command) in enumerate((("folder", ""), ("run", "'my tool' {file} --x"))):
        url = f"https://example.com/new{n}.bin"
        dialog = window.show_add_dialog([url])
        field = dialog.findChild(WhenDoneField)
        assert field is not None
        field.combo.setCurrentIndex(field.combo.findData(key))
        assert field.command.isHidden() == (key != "run")
        field.command.setText(command)
        seen: list[object] = []
        dialog.submitted.connect(seen.append)
        dialog.accept()
        assert seen  # the window's own add ran (the fake engine took it)
        # The real engine of the automation adds the same URL: the plan lands on that job.
        job = engine.add(url, str(env.store.path.parent), start=False)
        plan = completion.plan(job.id)
        assert plan is not None and plan.action == key
        if key == "run":
            assert plan.argv == ("my tool", "{file}", "--x")
        assert JobPlans(env.store).on_complete_all()[job.id] == plan


def test_when_done_only_reaches_links_really_added_twice(env: Env, qtbot: Any) -> None:
    """A link already in the queue, answered "show" at the conflict question, is not added: its
    "When done" must not wait for (and later land on) the next job of that URL."""
    from app.ui.schedule_ui import WhenDoneField

    window = env.window
    window.options = dataclasses.replace(window.options, queued_url_action="show")
    queued = next(j for j in window.model.jobs() if j.state is not JobState.COMPLETED)
    engine = env.automation.engine
    for _ in range(2):
        dialog = window.show_add_dialog([queued.url])
        field = dialog.findChild(WhenDoneField)
        assert field is not None
        field.combo.setCurrentIndex(field.combo.findData("run"))
        field.command.setText("touch {file}")
        dialog.accept()
        qtbot.waitUntil(lambda: not window.add_flow.busy())
        # a later add of the same URL elsewhere (a script, the browser) gets no plan
        job = engine.add(queued.url, str(env.store.path.parent), start=False)
        assert env.automation.completion.plan(job.id) is None
        engine.remove(job.id)
