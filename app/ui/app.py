"""Start-up and shut-down of the window process: single instance, lock, store, qasync, engine.

Order matters: a later launch must find the running window before it touches the lock or the
database; only the lock holder may take over the socket name; the engine starts before the
window shows so the first paint already has the queue; quitting (menu, tray, SIGINT, SIGTERM)
pauses every download with a final checkpoint and ends the process within ~2 s.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import qasync
from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QMessageBox

from app.automation import Automation
from app.engine.engine import Engine
from app.options import load_options
from app.paths import database_path
from app.service.daemon import serve_engine, take_over_from_service
from app.store import JobStore, StoreError
from app.store.lock import DataDirLock
from app.ui import icons
from app.ui.controller import Controller
from app.ui.dropparse import DropContent, dedupe, is_download_url
from app.ui.i18n import install_translators
from app.ui.mainwindow import MainWindow
from app.ui.model import JobTableModel
from app.ui.schedule_ui import ScheduleUi
from app.ui.single_instance import InstanceServer, forward, server_name

log = logging.getLogger("tether.ui")

APP_ID = "io.github.tether.Tether"
LOCK_WAIT_S = 5.0  # another launch holds the lock but isn't listening yet: it is starting
SHUTDOWN_TIMEOUT_S = 1.5


def run_gui(urls: list[str], dest_dir: str | None, data_dir: Path) -> int:
    """The window process; returns the exit code. Hands URLs over if Tether already runs."""
    name = server_name(data_dir)
    if forward(name, urls):
        log.info("handed %d URL(s) to the running window", len(urls))
        return 0
    lock = DataDirLock(data_dir)
    try:
        acquired = lock.acquire()
    except OSError as exc:
        sys.stderr.write(f"tether: cannot use data directory {data_dir}: {exc.strerror}\n")
        return 1
    if not acquired and take_over_from_service(data_dir, lock):
        acquired = True  # a service started on demand stopped and handed us the folder
    if not acquired:
        # Another process holds the data dir: a window still starting up, or a CLI run.
        deadline = time.monotonic() + LOCK_WAIT_S
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if forward(name, urls):
                return 0
        sys.stderr.write(
            f"tether: another Tether process is using {data_dir} "
            "(a `tether get` in a terminal?); try again when it has finished\n"
        )
        return 1
    try:
        return _run_locked(urls, dest_dir, data_dir, name)
    finally:
        lock.release()


def _make_app() -> QApplication:
    QApplication.setApplicationName("Tether")
    QApplication.setApplicationDisplayName("Tether")
    QApplication.setDesktopFileName(APP_ID)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    install_translators(app)
    app.setWindowIcon(icons.app_icon())
    # Closing the window may only hide it (tray) or ask first; quitting is explicit.
    app.setQuitOnLastWindowClosed(False)
    return app


def _run_locked(urls: list[str], dest_dir: str | None, data_dir: Path, name: str) -> int:
    app = _make_app()
    try:
        store = JobStore.open(database_path(data_dir))
    except StoreError as exc:
        sys.stderr.write(f"tether: {exc}\n")
        QMessageBox.critical(None, "Tether", str(exc))
        return 1
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    server = InstanceServer(name)
    if not server.listen():
        log.warning("later launches will not find this window")
    try:
        with loop:
            return loop.run_until_complete(_main(app, store, server, urls, dest_dir, data_dir))
    finally:
        server.close()
        store.close()
        asyncio.set_event_loop(None)


class SignalWatcher:
    """SIGINT/SIGTERM while Qt's C++ loop runs: Python handlers only run once the interpreter
    gets control, so the C-level handler writes to a socket that a QSocketNotifier watches."""

    def __init__(self, on_signal: Callable[[int], None]) -> None:
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._on_signal = on_signal
        self._old_fd = signal.set_wakeup_fd(self._write.fileno())
        self._old = {s: signal.signal(s, self._handler) for s in (signal.SIGINT, signal.SIGTERM)}
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)
        self._pending: list[int] = []

    def _handler(self, signum: int, _frame: object) -> None:
        self._pending.append(signum)

    def _drain(self) -> None:
        try:
            data = self._read.recv(64)
        except OSError:
            data = b""
        signals = list(data) + self._pending
        self._pending.clear()
        for signum in signals:
            if signum in (signal.SIGINT, signal.SIGTERM):
                log.info("signal %d: quitting", signum)
                self._on_signal(signum)
                return

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._old_fd)
        for s, old in self._old.items():
            signal.signal(s, old)
        self._read.close()
        self._write.close()


def initial_content(urls: list[str]) -> DropContent:
    """URLs from the command line: the valid ones, and the rest noted as ignored."""
    good = dedupe(u for u in urls if is_download_url(u))
    return DropContent(urls=good, ignored=[u for u in urls if not is_download_url(u)])


async def _main(
    app: QApplication,
    store: JobStore,
    server: InstanceServer,
    urls: list[str],
    dest_dir: str | None,
    data_dir: Path | None = None,
) -> int:
    options = load_options(store)
    model = JobTableModel()
    controller = Controller(model)
    engine = Engine(store, options.engine_settings(), on_event=controller.on_engine_event)
    automation = Automation(engine, store, options)  # queue hours, keep awake, when done
    automation.install()
    await engine.start()
    automation.attach()
    controller.attach(engine)
    # The data folder's owner serves the protocol, so `tether get/add` reach this engine.
    rpc = (
        await serve_engine(engine, data_dir, role="window", automation=automation)
        if data_dir
        else None
    )
    if engine.problems:
        log.warning("store problems: %s", "; ".join(engine.problems))

    window = MainWindow(controller, store, options)
    if rpc is not None:  # "Refresh address…" asks the browsers through the service
        window.extras.refresh.ask = rpc.api.ask_recapture
    window.schedule_ui = ScheduleUi(window, automation)  # type: ignore[attr-defined]
    quit_event = asyncio.Event()
    window.quit_requested.connect(quit_event.set)

    def on_forwarded(forwarded: list[str]) -> None:
        log.info("another launch handed over %d URL(s)", len(forwarded))
        window.bring_to_front()
        if forwarded:
            window.offer_urls(DropContent(urls=forwarded))

    server.urls_received.connect(on_forwarded)
    watcher = SignalWatcher(lambda _s: window.request_quit())
    window.show()
    if engine.problems:
        window.status.showMessage("; ".join(engine.problems), 15000)
    if urls:
        window.offer_urls(initial_content(urls), dest_dir=dest_dir)
    elif dest_dir:
        window.ui_state.set_last_dest_dir(dest_dir)

    try:
        await quit_event.wait()
    finally:
        watcher.close()
        window.hide()
        window.tray.hide()
        server.close()
        controller.detach()
        automation.detach()
        if rpc is not None:
            await rpc.close()
        started = time.monotonic()
        try:
            await asyncio.wait_for(
                engine.shutdown(timeout=SHUTDOWN_TIMEOUT_S), SHUTDOWN_TIMEOUT_S + 0.4
            )
        except TimeoutError:
            log.warning("engine shutdown took longer than %.1f s", SHUTDOWN_TIMEOUT_S)
        log.info("engine stopped in %.2f s", time.monotonic() - started)
        window.deleteLater()
        app.processEvents()
    return 0
