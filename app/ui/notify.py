"""Desktop notifications with actions (Open, Show in Folder) through the freedesktop
notification service over D-Bus, where there is one (Linux desktops). Elsewhere the tray's
own message is used, and clicking it opens the folder (see Tray.message_clicked)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Q_ARG, Q_RETURN_ARG, QMetaObject, QObject, Qt, Signal, Slot

from app import APP_ID

log = logging.getLogger("tether.ui")

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
APP_ICON = APP_ID
CALL_TIMEOUT_MS = 800  # the call blocks (see notify): a stuck service must not freeze us long


class DesktopNotifier(QObject):
    """`notify()` returns False when the service is missing, so the caller falls back."""

    open_file = Signal(str)
    open_folder = Signal(str)

    def __init__(self, parent: QObject | None = None, bus: object | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._iface: object | None = None
        self._checked = False
        self._targets: dict[int, str] = {}  # notification id -> the file it is about

    def _interface(self) -> object | None:
        """Found once, on the first notification (introspection is a round trip)."""
        if self._checked:
            return self._iface
        self._checked = True
        try:
            from PySide6.QtCore import SLOT
            from PySide6.QtDBus import QDBusConnection, QDBusInterface
        except ImportError:  # a build of Qt without D-Bus (Windows, macOS)
            return None
        bus = self._bus if self._bus is not None else QDBusConnection.sessionBus()
        assert isinstance(bus, QDBusConnection)
        if not bus.isConnected() or bus.interface() is None:
            return None
        if not bus.interface().isServiceRegistered(SERVICE).value():
            return None
        iface = QDBusInterface(SERVICE, PATH, SERVICE, bus, self)
        if not iface.isValid():
            return None
        iface.setTimeout(CALL_TIMEOUT_MS)
        # the SLOT-string overload is missing from PySide's stubs
        bus.connect(SERVICE, PATH, SERVICE, "ActionInvoked", self, SLOT("_on_action(uint,QString)"))  # type: ignore[call-overload]
        self._iface = iface
        return iface

    def available(self) -> bool:
        return self._interface() is not None

    def notify(self, title: str, body: str, path: str | None) -> bool:
        """Show a notice; with `path`, offer to open the file or its folder."""
        iface = self._interface()
        if iface is None:
            return False
        actions = (
            [
                "default",
                self.tr("Show in Folder"),
                "open",
                self.tr("Open"),
                "folder",
                self.tr("Show in Folder"),
            ]
            if path
            else []
        )
        try:
            # Through the interface's introspected signature: Python ints would go out as
            # int32 where the spec wants uint32, and strict services reject the call. This
            # call blocks (for at most CALL_TIMEOUT_MS).
            nid = QMetaObject.invokeMethod(  # type: ignore[call-overload]  # stubs: 9 Q_ARGs
                iface,
                "Notify",
                Qt.ConnectionType.DirectConnection,
                Q_RETURN_ARG("uint"),
                Q_ARG(str, "Tether"),
                Q_ARG("uint", 0),
                Q_ARG(str, APP_ICON),
                Q_ARG(str, title),
                Q_ARG(str, body),
                Q_ARG("QStringList", actions),
                Q_ARG("QVariantMap", {}),
                Q_ARG(int, -1),
            )
        except Exception as exc:
            log.warning("desktop notification failed: %s", exc)
            return False
        if not isinstance(nid, int) or nid <= 0:
            return False
        if path:
            self._targets[nid] = path
            while len(self._targets) > 50:  # old notices that were never clicked
                del self._targets[next(iter(self._targets))]
        return True

    @Slot("uint", str)
    def _on_action(self, nid: int, key: str) -> None:
        path = self._targets.pop(nid, None)
        if path is None:  # another application's notification
            return
        if key == "open":
            self.open_file.emit(path)
        else:
            self.open_folder.emit(path)
