"""A window's end: once quit and closed nothing of it keeps waking up, once deleted nothing of it
stays alive (not its controller, model or tray menu), and the suite's own check (conftest.py)
names a window a test leaves open."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path
from typing import Any

import shiboken6

from PySide6.QtCore import QCoreApplication, QEvent, QTimer

from app.engine.events import EngineEvent, EventKind
from app.options import Options
from app.store.models import JobState
from app.ui.controller import Controller
from app.ui.mainwindow import MainWindow
from app.ui.model import JobTableModel
from tests.support.fakeengine import FakeEngine, make_job, sample_jobs
from tests.test_ui_window import DictStore

ROOT = Path(__file__).resolve().parents[1]


def _open(qtbot: Any, tmp_path: Path) -> tuple[MainWindow, Controller, FakeEngine]:
    model = JobTableModel()
    controller = Controller(model)
    engine = FakeEngine(sample_jobs(), on_event=controller.on_engine_event)
    controller.attach(engine)
    # not given to qtbot: these tests delete the window themselves (conftest's check would
    # still catch one they left)
    window = MainWindow(controller, DictStore(), Options(download_dir=str(tmp_path)))
    window.show()
    qtbot.waitExposed(window)
    return window, controller, engine


def _repeating_timers(window: MainWindow) -> list[str]:
    """Timers that would fire for ever (a single shot fires once and is done)."""
    return [
        f"{type(t.parent()).__name__}/{t.interval()}"
        for t in window.findChildren(QTimer)
        if t.isActive() and not t.isSingleShot()
    ]


def test_a_quit_window_stops_its_timers_and_they_stay_stopped(qtbot: Any, tmp_path: Path) -> None:
    for _ in range(2):  # two windows in one session, one after the other
        window, controller, engine = _open(qtbot, tmp_path)
        assert window.model.active_count() > 0  # a download runs: both timers are on
        assert controller.is_polling() and window.status.free_timer_active()
        window.request_quit()
        assert window.close()
        assert not window.isVisible()
        assert _repeating_timers(window) == []
        assert not controller.is_polling()
        # the service still reports (the link closes after the window): nothing restarts
        started = make_job(99, JobState.DOWNLOADING, file_name="late.bin")
        controller.on_engine_event(EngineEvent(EventKind.ADDED, started.id, job=started))
        window.model.flush_events()
        assert window.model.active_count() > 1
        assert _repeating_timers(window) == [] and not controller.is_polling()
        assert window.close()  # closing again changes nothing
        assert _repeating_timers(window) == []
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del engine


def _open_and_delete(qtbot: Any, tmp_path: Path) -> tuple[list[weakref.ref[Any]], Any]:
    window, controller, engine = _open(qtbot, tmp_path)
    window.extras.columns.save_now()  # what a header change does: a debounced save
    menu = window.tray.menu
    refs = [weakref.ref(o) for o in (window, controller, controller.model, engine)]
    window.request_quit()
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return refs, menu


def test_a_deleted_window_takes_its_controller_model_and_tray_menu_along(
    qtbot: Any, tmp_path: Path
) -> None:
    for _ in range(2):
        refs, menu = _open_and_delete(qtbot, tmp_path)
        assert not shiboken6.isValid(menu)  # the tray menu went with the window
        del menu
        qtbot.wait(400)  # past the window's own short timers (ScreenKeeper's 300 ms)
        gc.collect()
        alive = [type(r()).__name__ for r in refs if r() is not None]
        assert alive == []


LEAKY = """
from PySide6.QtWidgets import QWidget

KEPT = []


def test_leaves_a_window_open(qtbot):
    window = QWidget()
    window.setObjectName("leaky")
    window.show()
    KEPT.append(window)


def test_closes_its_window(qtbot):
    window = QWidget()
    window.setObjectName("tidy")
    qtbot.addWidget(window)
    window.show()
"""


def test_the_suite_fails_a_test_that_leaves_a_window_open(tmp_path: Path) -> None:
    (tmp_path / "test_leaky.py").write_text(textwrap.dedent(LEAKY))
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    for _ in range(2):  # the first report, then the same again in a fresh run
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "tests.conftest",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                "-o",
                "qt_api=pyside6",
                "-q",
                "--rootdir",
                str(tmp_path),
                str(tmp_path / "test_leaky.py"),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        out = result.stdout + result.stderr
        assert result.returncode == 1, out
        assert "windows left alive by this test: QWidget('leaky', visible)" in out
        assert "2 passed, 1 error" in out, out  # a teardown error, after the test passed
        assert "tidy" not in out
