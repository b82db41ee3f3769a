"""Keep the machine awake while downloads run: hold a sleep inhibitor while at least one job
downloads and let go when the queue is idle.

Backends: logind's `Inhibit("sleep", …, "block")` over the system D-Bus on Linux (the answer is
a file descriptor; the inhibitor lasts until it is closed), `SetThreadExecutionState` on
Windows, `caffeinate -i -w PID` on macOS (app/system.py, which picks the backend: the engine
itself never starts a process). Anything that goes wrong is logged, never fatal: a
download is worth more than the inhibitor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any, Protocol

from app.engine.events import EngineEvent

if TYPE_CHECKING:
    from app.engine.engine import Engine

log = logging.getLogger("tether.awake")

LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"
WHO, WHY = "Tether", "Downloading"
CALL_TIMEOUT_S = 3.0


class Inhibitor(Protocol):
    def acquire(self) -> None: ...

    def release(self) -> None: ...


class KeepAwake:
    """Listens to the engine: acquire when the first job starts, release when none runs."""

    def __init__(self, engine: Engine, inhibitor: Inhibitor, *, enabled: bool = True) -> None:
        self._engine = engine
        self._inhibitor = inhibitor
        self._enabled = enabled
        self._settle_pending = False
        self.held = False

    def attach(self) -> None:
        self._engine.add_listener(self._on_event)
        self._settle()

    def detach(self) -> None:
        self._engine.remove_listener(self._on_event)
        self._set(False)

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        self._settle()

    def _on_event(self, _event: EngineEvent) -> None:
        if self._wanted():
            self._set(True)
        elif self.held and not self._settle_pending:
            # One job ending and the next starting happen in one go on the loop: look once
            # that is over, so the inhibitor isn't dropped and taken again between them.
            self._settle_pending = True
            try:
                asyncio.get_running_loop().call_soon(self._settle)
            except RuntimeError:  # no loop (a synchronous caller): decide now
                self._settle()

    def _wanted(self) -> bool:
        return self._enabled and bool(self._engine.running_ids())

    def _settle(self) -> None:
        self._settle_pending = False
        self._set(self._wanted())

    def _set(self, hold: bool) -> None:
        if hold == self.held:
            return
        self.held = hold
        try:
            if hold:
                self._inhibitor.acquire()
            else:
                self._inhibitor.release()
        except Exception as exc:
            log.warning("keeping the computer awake: %s", exc)


# ---------------------------------------------------------------------------- backends
class LogindInhibitor:
    """logind over the system bus ($DBUS_SYSTEM_BUS_ADDRESS, else the standard socket).

    Calls run on one worker thread, in order, so a slow bus never stalls the event loop.
    """

    def __init__(self, bus: str = "SYSTEM") -> None:
        self._bus = bus
        self._fd: int | None = None
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="inhibit")

    def acquire(self) -> None:
        self._worker.submit(self._acquire)

    def release(self) -> None:
        self._worker.submit(self._release)

    def wait(self) -> None:
        """Until the calls asked for so far are done (tests, shutdown)."""
        self._worker.submit(lambda: None).result(timeout=2 * CALL_TIMEOUT_S)

    @property
    def holding(self) -> bool:
        return self._fd is not None

    def _acquire(self) -> None:
        if self._fd is not None:
            return
        try:
            self._fd = inhibit_fd(self._bus)
            log.info("holding a sleep inhibitor")
        except Exception as exc:  # no logind, no bus, no permission: run without
            log.warning("cannot keep the computer awake (logind): %s", exc)

    def _release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
            log.info("released the sleep inhibitor")


def inhibit_fd(bus: str = "SYSTEM") -> int:
    """logind's Inhibit("sleep", "Tether", "Downloading", "block"): the fd that holds it."""
    from jeepney import DBusAddress, new_method_call  # type: ignore[import-untyped]
    from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

    address = DBusAddress(LOGIND_PATH, bus_name=LOGIND, interface=LOGIND_MANAGER)
    message = new_method_call(address, "Inhibit", "ssss", ("sleep", WHO, WHY, "block"))
    connection: Any = open_dbus_connection(bus=bus, enable_fds=True)
    try:
        reply: Any = connection.send_and_get_reply(message, timeout=CALL_TIMEOUT_S)
    finally:
        connection.close()
    body = reply.body
    if not body or not hasattr(body[0], "to_raw_fd"):
        raise OSError(f"logind answered {body!r}")
    return int(body[0].to_raw_fd())


class WindowsInhibitor:
    """SetThreadExecutionState on the loop's thread (the state belongs to the thread)."""

    ES_CONTINUOUS = 0x80000000
    ES_SYSTEM_REQUIRED = 0x00000001

    def _call(self, flags: int) -> None:
        import ctypes

        windll: Any = getattr(ctypes, "windll")  # noqa: B009 (Windows only)
        windll.kernel32.SetThreadExecutionState(flags)

    def acquire(self) -> None:
        self._call(self.ES_CONTINUOUS | self.ES_SYSTEM_REQUIRED)

    def release(self) -> None:
        self._call(self.ES_CONTINUOUS)


class NoInhibitor:
    def acquire(self) -> None:
        log.info("no way to keep this computer awake here")

    def release(self) -> None:
        pass
