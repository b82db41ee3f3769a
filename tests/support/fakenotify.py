"""A stand-in org.freedesktop.Notifications service for tests (run as a process on a private
session bus). Each Notify call is appended to the file named in argv[1]; 200 ms later the
notice's action is "invoked": "open" for odd ids, "folder" for even ones."""

from __future__ import annotations

import sys

from PySide6.QtCore import ClassInfo, QCoreApplication, QObject, QTimer, Signal, Slot
from PySide6.QtDBus import QDBusConnection


@ClassInfo({"D-Bus Interface": "org.freedesktop.Notifications"})
class Service(QObject):
    ActionInvoked = Signal("uint", str)

    def __init__(self, log_path: str) -> None:
        super().__init__()
        self.log_path = log_path
        self.count = 0

    @Slot(str, "uint", str, str, str, "QStringList", "QVariantMap", int, result="uint")
    def Notify(  # the D-Bus method's name
        self,
        app: str,
        replaces: int,
        icon: str,
        summary: str,
        body: str,
        actions: list[str],
        hints: dict[str, object],
        timeout: int,
    ) -> int:
        self.count += 1
        nid = self.count
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{nid}\t{app}\t{summary}\t{body}\t{','.join(actions)}\n")
        key = "open" if nid % 2 else "folder"
        QTimer.singleShot(200, lambda: self.ActionInvoked.emit(nid, key))
        return nid


def main() -> None:
    app = QCoreApplication(sys.argv)
    bus = QDBusConnection.sessionBus()
    service = Service(sys.argv[1])
    options = (
        QDBusConnection.RegisterOption.ExportAllSlots
        | QDBusConnection.RegisterOption.ExportAllSignals
    )
    if not bus.registerObject("/org/freedesktop/Notifications", service, options):
        sys.exit(2)
    if not bus.registerService("org.freedesktop.Notifications"):
        sys.exit(3)
    with open(sys.argv[1], "a", encoding="utf-8") as log:
        log.write("ready\n")
    app.exec()


if __name__ == "__main__":
    main()
