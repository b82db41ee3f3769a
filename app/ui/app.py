"""Start-up and shut-down of the window process: a client of the data folder's service.

The window runs no engine and opens no store: it finds or starts the service (app/service/
window_link.py), claims the window role (a later launch hands its URLs over instead), pages
the queue in before the first paint, and from then on its model follows the subscription.
Quitting (menu, tray, SIGINT, SIGTERM) gives up the role and, unless the user wants downloads
to go on ("keep downloading after the window closes"), stops a service this window started
and no other client uses; the service writes the final checkpoints.
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
from typing import Any

import qasync
from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_ID
from app.engine.events import EngineEvent
from app.options import keeps_downloading
from app.paths import database_path
from app.service.client import Client, ServiceGone
from app.service.protocol import RpcError
from app.service.remote_automation import RemoteAutomation
from app.service.remote_engine import RemoteEngine
from app.service.remote_settings import RemoteSettings, options_from_values
from app.service.window_link import ServiceLink, open_service
from app.ui import icons
from app.ui.controller import Controller
from app.ui.dropparse import DropContent, dedupe, is_download_url
from app.ui.i18n import install_translators
from app.ui.mainwindow import MainWindow
from app.ui.model import JobTableModel
from app.ui.schedule_ui import ScheduleUi
from app.ui.service_status import ServiceStatus, service_status_text

__all__ = ["build_window", "run_gui", "service_status_text"]

log = logging.getLogger("tether.ui")


def run_gui(urls: list[str], dest_dir: str | None, data_dir: Path) -> int:
    """The window process; returns the exit code. Finds or starts the data folder's service
    and becomes its window, or hands the URLs to the window that already is."""
    early = _EarlySignals()  # a quit asked for while starting is kept for the window
    client, started, error = open_service(data_dir)
    if client is None:
        return _report_start_failure(error or f"tether: cannot reach the service for {data_dir}")
    try:
        claimed = bool(client.call("window.claim")["claimed"])
        if not claimed:
            handed = client.call("window.open_urls", urls=urls, dir=dest_dir)["delivered"]
            if handed:
                log.info("handed %d URL(s) to the running window", len(urls))
                client.close()
                return 0
            claimed = bool(client.call("window.claim")["claimed"])  # that window just quit
    except (ServiceGone, RpcError) as exc:
        client.close()
        return _report_start_failure(f"tether: the service did not answer: {exc}")
    if not claimed:
        client.close()
        sys.stderr.write("tether: another Tether window is starting; try again\n")
        return 1
    return _run_client(client, started, urls, dest_dir, data_dir, early)


class _EarlySignals:
    """SIGINT/SIGTERM before the window's SignalWatcher is up: remembered, not fatal."""

    def __init__(self) -> None:
        self.received: list[int] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda signum, _frame: self.received.append(signum))


def _report_start_failure(line: str) -> int:
    """One line on stderr and in a message box (a desktop launch has no terminal)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
    _make_app()
    QMessageBox.critical(None, "Tether", line.removeprefix("tether: "))
    return 1


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


def _run_client(
    client: Client,
    started: bool,
    urls: list[str],
    dest_dir: str | None,
    data_dir: Path,
    early: _EarlySignals,
) -> int:
    app = _make_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    model = JobTableModel()
    controller = Controller(model)
    link = ServiceLink(
        data_dir,
        loop.call_soon_threadsafe,
        on_event=controller.on_engine_event,
        on_notice=lambda method, _params: log.info("%s before the window was up", method),
        on_engine=controller.attach,
        on_status=lambda kind, detail: log.info("service %s %s", kind, detail),
    )
    try:
        engine = link.attach(client, started)
    except (ServiceGone, RpcError, OSError) as exc:
        client.close()
        return _report_start_failure(f"tether: could not load the queue from the service: {exc}")
    try:
        with loop:
            return int(
                loop.run_until_complete(
                    _main(app, link, engine, controller, urls, dest_dir, data_dir, early)
                )
            )
    finally:
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


def build_window(
    link: ServiceLink, engine: RemoteEngine, controller: Controller, data_dir: Path
) -> MainWindow:
    """The window over its service link: settings, plans, and every callback the link makes
    (events, notices, status, a new engine after a reconnection) pointed at it."""
    settings = RemoteSettings(link.call, str(database_path(data_dir)))
    options = settings.load()
    controller.attach(engine)
    window = MainWindow(controller, settings, options)
    # "Refresh address…" asks the browsers' extensions through the service
    window.extras.refresh.ask = lambda job_id: link.call("recapture", id=job_id)
    automation = RemoteAutomation(
        link.call, options, lambda: link.engine.progress() if link.engine is not None else {}
    )

    def load_plans() -> None:
        try:
            automation.load()
        except (ServiceGone, RpcError) as exc:
            log.warning("start times and when-done plans not loaded: %s", exc)

    load_plans()
    # the same names as the in-process Automation (app/ui/schedule_ui.py's only partner)
    window.schedule_ui = ScheduleUi(window, automation)  # type: ignore[arg-type,attr-defined]

    def on_event(event: EngineEvent) -> None:
        automation.on_event(event)
        controller.on_engine_event(event)

    def on_engine(new: RemoteEngine) -> None:
        controller.attach(new)
        load_plans()

    def on_notice(method: str, params: dict[str, Any]) -> None:
        if method == "ui.open_urls":
            forwarded = [u for u in params.get("urls") or () if isinstance(u, str)]
            log.info("another launch handed over %d URL(s)", len(forwarded))
            window.bring_to_front()
            if forwarded:
                folder = params.get("dir")
                window.offer_urls(
                    initial_content(forwarded), dest_dir=folder if isinstance(folder, str) else None
                )
        elif method == "settings" and isinstance(params.get("values"), dict):
            # another client (`tether` in a terminal) changed them: show them, save nothing
            settings.known = options_from_values(params["values"])
            if settings.known != window.options:
                window.apply_options(settings.known)
        elif method == "recapture.none" and isinstance(params.get("id"), int):
            window.extras.refresh.none_found(params["id"])
        elif method.startswith("finish."):
            automation.on_notice(method, params)

    link.on_event = on_event
    link.on_engine = on_engine
    link.on_notice = on_notice
    window.service_status = ServiceStatus(window.status, link.restart)  # type: ignore[attr-defined]
    link.on_status = window.service_status.show  # type: ignore[attr-defined]
    return window


def initial_content(urls: list[str]) -> DropContent:
    """URLs from the command line: the valid ones, and the rest noted as ignored."""
    good = dedupe(u for u in urls if is_download_url(u))
    return DropContent(urls=good, ignored=[u for u in urls if not is_download_url(u)])


async def _main(
    app: QApplication,
    link: ServiceLink,
    engine: RemoteEngine,
    controller: Controller,
    urls: list[str],
    dest_dir: str | None,
    data_dir: Path,
    early: _EarlySignals,
) -> int:
    window = build_window(link, engine, controller, data_dir)
    model = controller.model
    quit_event = asyncio.Event()
    window.quit_requested.connect(quit_event.set)
    watcher = SignalWatcher(lambda _s: window.request_quit())
    window.show()
    log.info("window shown with %d download(s)", model.rowCount())
    if early.received:
        window.request_quit()
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
        controller.detach()
        started = time.monotonic()
        stopped = link.close(stop=not keeps_downloading(window.options))
        log.info(
            "window closed (%s) in %.2f s",
            "service stopped" if stopped else "downloads go on in the service",
            time.monotonic() - started,
        )
        window.deleteLater()
        app.processEvents()
    return 0
