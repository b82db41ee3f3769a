"""Clipboard monitoring (opt-in): a link to a file copied anywhere is offered in a small popup
near the status bar (or the screen's corner while the window is hidden) with Download and
Ignore. Nothing is added without a click, and each link is offered once per session."""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.dropparse import extract_urls
from app.ui.filetypes import classify_url, url_name
from app.ui.i18n import tr_args

OFFER_SECONDS = 20  # the popup goes away on its own: an offer, not a question
MAX_OFFERED = 50  # links in one copy: more is a page of links, not a file someone copied


def file_links(text: str) -> list[str]:
    """The links in copied text whose name says they are files of a known kind (pure): web
    pages (.html, no extension, `?id=3`) are not offered."""
    if not text or len(text) > 1_000_000:
        return []
    return [u for u in extract_urls(text) if classify_url(u) is not None][:MAX_OFFERED]


class ClipOffer(QFrame):
    """The popup: what was copied, and Download / Ignore. Non-modal, never takes focus."""

    download = Signal(list)  # list[str]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setObjectName("clip_offer")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.urls: list[str] = []
        self.title = QLabel()
        self.title.setObjectName("clip_offer_title")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.detail = QLabel()
        self.detail.setObjectName("clip_offer_detail")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("clip_download")
        self.download_button.setDefault(True)
        self.ignore_button = QPushButton(self.tr("Ignore"))
        self.ignore_button.setObjectName("clip_ignore")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ignore_button)
        buttons.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(OFFER_SECONDS * 1000)
        self.timer.timeout.connect(self.hide)
        self.download_button.clicked.connect(self._download)
        self.ignore_button.clicked.connect(self.hide)

    def offer(self, urls: list[str], anchor: QWidget | None) -> None:
        self.urls = list(urls)
        name = url_name(urls[0]) or urls[0]
        host = urlsplit(urls[0]).hostname or ""
        if len(urls) == 1:
            self.title.setText(self.tr("Download the copied link?"))
            self.detail.setText(_elide(name) + "\n" + tr_args(self.tr("from %1"), host))
        else:
            self.title.setText(self.tr("Download %n copied links?", "", len(urls)))
            self.detail.setText(_elide(name) + self.tr(" and %n more", "", len(urls) - 1))
        self.detail.setToolTip(urls[0] if len(urls) == 1 else "\n".join(urls[:10]))
        self.adjustSize()
        self.move(self._place(anchor))
        self.show()
        self.raise_()
        self.timer.start()

    def _place(self, anchor: QWidget | None) -> QPoint:
        """Above the bottom-right corner of the window's status bar, else of the screen (where
        the tray usually is)."""
        size = self.sizeHint()
        if anchor is not None and anchor.isVisible():
            corner = anchor.mapToGlobal(QPoint(anchor.width(), 0))
            return QPoint(corner.x() - size.width() - 8, corner.y() - size.height() - 8)
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return QPoint(0, 0)
        area = screen.availableGeometry()
        return QPoint(area.right() - size.width() - 12, area.bottom() - size.height() - 12)

    def _download(self) -> None:
        self.hide()
        self.download.emit(self.urls)

    def hideEvent(self, event: object) -> None:
        self.timer.stop()


def _elide(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ClipboardWatcher(QObject):
    """Watches QClipboard.dataChanged while enabled; `offered(list[str])` for new file links;
    `accepted(list[str])` when the user clicks Download."""

    offered = Signal(list)
    accepted = Signal(list)

    def __init__(self, anchor: QWidget | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.anchor = anchor
        self.enabled = False
        self.seen: set[str] = set()
        self.popup = ClipOffer(parent if isinstance(parent, QWidget) else None)
        self.popup.download.connect(self.accepted)
        self._clipboard = QGuiApplication.clipboard()

    def set_enabled(self, enabled: bool) -> None:
        if enabled == self.enabled:
            return
        self.enabled = enabled
        if enabled:
            self._clipboard.dataChanged.connect(self.check)
        else:
            self._clipboard.dataChanged.disconnect(self.check)
            self.popup.hide()

    def check(self) -> None:
        """A clipboard change: offer the file links not offered before (Tether's own copies,
        e.g. "Copy link" from the list, are not offered back)."""
        if not self.enabled or self._clipboard.ownsClipboard():
            return
        fresh = [u for u in file_links(self._clipboard.text() or "") if u not in self.seen]
        if not fresh:
            return
        self.seen.update(fresh)
        self.offered.emit(fresh)
        self.popup.offer(fresh, self.anchor)

    def close(self) -> None:
        self.set_enabled(False)
        self.popup.deleteLater()
