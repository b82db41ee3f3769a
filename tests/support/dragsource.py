"""A tiny X client to drag links from, like a browser: `python3 -m tests.support.dragsource
URL...` shows a window titled "Drag source"; pressing and moving the mouse in it starts a
drag of the next URL (text/uri-list and text/plain), one URL per drag."""

from __future__ import annotations

import sys

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel


class DragSource(QLabel):
    def __init__(self, urls: list[str]) -> None:
        super().__init__("drag me")
        self.urls = list(urls)
        self.setWindowTitle("Drag source")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.resize(220, 140)
        self._press: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or not self.urls:
            return
        moved = (event.position().toPoint() - self._press).manhattanLength()
        if moved < QApplication.startDragDistance():
            return
        self._press = None
        url = self.urls.pop(0)
        mime = QMimeData()
        mime.setUrls([QUrl(url)])
        mime.setText(url)
        drag = QDrag(self)
        drag.setMimeData(mime)
        result = drag.exec(Qt.DropAction.CopyAction)
        print(f"dropped {url} {result.name}", flush=True)
        self.setText(f"{len(self.urls)} left")


def main() -> int:
    app = QApplication(sys.argv[:1])
    source = DragSource(sys.argv[1:])
    source.move(20, 60)
    source.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
