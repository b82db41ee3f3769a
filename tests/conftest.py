"""Test-wide setup: headless Qt before any Qt import, a fault-injecting HTTP server fixture."""

from __future__ import annotations

import os
import sys

# Must happen before anything imports PySide6: there is no display on CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/tether-test-runtime")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
# The tests read the English source messages, whatever language the machine speaks (the window
# and the CLI follow the locale); tests/test_i18n.py and test_cli_i18n.py ask for Chinese.
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from tests.engine_helpers import RefusedPort  # noqa: E402
from tests.support.faultserver import FaultServer  # noqa: E402


@pytest.fixture(autouse=True)
def _no_service_outlives_its_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """`tether add` starts a detached service on demand (app/service/ondemand.py): whatever a
    test started that way for a data folder under its tmp_path is killed when it ends."""
    wanted = "tmp_path" in request.fixturenames and os.path.isdir("/proc")
    base = str(request.getfixturevalue("tmp_path")).encode() if wanted else b""
    yield
    if not wanted:
        return
    import contextlib
    import signal

    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"service" in argv and any(a == base or a.startswith(base + b"/") for a in argv):
            with contextlib.suppress(OSError):
                os.kill(int(entry), signal.SIGKILL)


def _qt_windows() -> dict[int, Any]:
    """The application's parentless windows by C++ address, or {} while Qt isn't loaded (this
    never imports Qt: a CLI-only run stays Qt-free). Owned windows (a menu, a dialog with a
    parent) go with their owner, so the owner is the one named."""
    if "PySide6.QtWidgets" not in sys.modules:
        return {}
    import shiboken6

    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        return {}
    return {
        shiboken6.getCppPointer(w)[0]: w
        for w in QApplication.topLevelWidgets()
        if w.parentWidget() is None and type(w).__name__ not in _PROCESS_WIDE_WINDOWS
    }


# Windows Qt itself keeps for the whole process by design, reused rather than leaked.
_PROCESS_WIDE_WINDOWS = frozenset(
    {
        "QTipLabel",  # QToolTip's one label: hidden and kept, shown again by the next tooltip
    }
)


@pytest.fixture(autouse=True)
def _no_window_outlives_its_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test closes and deletes every window and dialog it opens (qtbot.addWidget, or close()
    and deleteLater()): one left alive keeps its timers firing into later tests, against an
    engine or a folder that is gone. pytest-qt's own teardown (closing what qtbot.addWidget
    took) has run by the time this checks."""
    before = set(_qt_windows())
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    # deleteLater() outside a running event loop waits for an explicit flush
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if {"qtbot", "qapp"} & set(request.fixturenames):
        # A controller and its model (Python-owned, with timers) held only by a cycle with
        # the test's fake engine die whenever the collector next runs, maybe inside Qt's event
        # dispatch in a later test: collected here, between tests, instead.
        gc.collect()
    left = [w for key, w in _qt_windows().items() if key not in before]
    if left:
        names = ", ".join(
            f"{type(w).__name__}({w.objectName()!r}{', visible' if w.isVisible() else ''})"
            for w in left
        )
        for w in left:  # one leak is reported once, not again by every later test
            w.close()
            w.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        pytest.fail(f"windows left alive by this test: {names}", pytrace=False)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def refused() -> Iterator[RefusedPort]:
    """A port where every connection is refused (a server that is down)."""
    port = RefusedPort()
    yield port
    port.release()


# pytest-qt processes Qt's pending events after every test once a QApplication exists, Qt
# tests or not. Twice in four full runs on 2026-12-01 that crashed the process (SIGSEGV inside
# processEvents after tests/zoo/test_zoo_faults.py's 4th test, a CLI test long after the
# window tests; faulthandler showed no other Python thread; root cause not found yet: see the
# closing note). Tests that use no Qt fixture don't run Qt's events: what earlier windows left
# behind waits for the next Qt test (or the process's end, below).
# Since then windows no longer outlive their tests (_no_window_outlives_its_test) and leaks that
# kept every window's controller (its 250 ms poll running), model and tray menu alive for the
# session are fixed. Without this workaround (-p no:randomly) nothing crashed on 2026-12-01 in
# 3 runs after those fixes (the full suite; test_ui_*, display journeys and zoo alone; the
# same with a full garbage collection forced inside every processEvents), but nothing crashed
# in the same 3 runs of the code before them either: unexplained still, so this stays.
_QT_TEST = [False]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _QT_TEST[0] = bool({"qtbot", "qapp"} & set(getattr(item, "fixturenames", ())))


def _only_for_qt_tests() -> None:
    try:
        import pytestqt.plugin as qt_plugin
    except ImportError:
        return
    process = qt_plugin._process_events

    def process_events() -> None:
        if _QT_TEST[0]:
            process()

    qt_plugin._process_events = process_events  # type: ignore[assignment]


_only_for_qt_tests()


# PySide6's own atexit cleanup (PySide::destroyQCoreApplication) segfaulted in this test process
# (6.11.3) on wrappers of QLocalSockets the old single-instance tests left behind; those tests
# and that code are gone, but the root cause was never found, so this stays. The app itself exits
# cleanly: test_ui_app checks real exit codes. So once pytest has reported everything, the
# process ends with pytest's own status, skipping that step.
_EXIT_STATUS = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _EXIT_STATUS
    _EXIT_STATUS = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if "PySide6.QtCore" in sys.modules and not hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS)
