"""The category sidebar: downloads by state (All, Downloading, Queued, Completed, Failed) and by
kind of file (Video, Audio, …), each with its count. Choosing one filters the list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from app.store.models import Job
from app.ui import icons
from app.ui.filetypes import FileKind
from app.ui.proxy import STATES, Category, KindCache

_KEY_ROLE = Qt.ItemDataRole.UserRole


class Sidebar(QTreeWidget):
    """Two groups of filters. `chosen(category, kind)`: kind None means any kind of file."""

    chosen = Signal(object, object)  # Category, FileKind | None

    def __init__(self, kinds: KindCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.kinds = kinds
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setUniformRowHeights(True)
        self.setIconSize(QSize(18, 18))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumWidth(150)
        status_names = {
            Category.ALL: (self.tr("All downloads"), "download"),
            Category.DOWNLOADING: (self.tr("Downloading"), "resume"),
            Category.QUEUED: (self.tr("Queued"), "pause"),
            Category.COMPLETED: (self.tr("Completed"), "open-file"),
            Category.FAILED: (self.tr("Failed"), "cancel"),
            Category.CANCELLED: (self.tr("Cancelled"), "remove"),
        }
        kind_names = {
            FileKind.VIDEO: self.tr("Video"),
            FileKind.AUDIO: self.tr("Audio"),
            FileKind.ARCHIVE: self.tr("Archives"),
            FileKind.DOCUMENT: self.tr("Documents"),
            FileKind.PROGRAM: self.tr("Programs"),
            FileKind.IMAGE: self.tr("Images"),
            FileKind.OTHER: self.tr("Other"),
        }
        self._labels: dict[object, str] = {}
        self._items: dict[object, QTreeWidgetItem] = {}
        status = self._group(self.tr("Status"))
        for category, (label, icon) in status_names.items():
            self._add(status, category, label, icons.action_icon(icon))
        by_type = self._group(self.tr("Type"))
        for kind, label in kind_names.items():
            self._add(by_type, kind, label, icons.file_icon("x." + _sample_ext(kind)))
        self.expandAll()
        self.setCurrentItem(self._items[Category.ALL])
        self.currentItemChanged.connect(self._on_current)

    def _group(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self, [title])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(0, font)
        return item

    def _add(self, parent: QTreeWidgetItem, key: object, label: str, icon: object) -> None:
        item = QTreeWidgetItem(parent, [label])
        item.setData(0, _KEY_ROLE, key)
        item.setIcon(0, icon)  # type: ignore[arg-type]
        self._labels[key] = label
        self._items[key] = item

    def has(self, key: Category | FileKind) -> bool:
        return key in self._items

    def item_for(self, key: Category | FileKind) -> QTreeWidgetItem:
        return self._items[key]

    def select(self, key: Category | FileKind) -> None:
        """Choose a filter from code (restored state, the old filter bar)."""
        item = self._items.get(key)
        if item is not None and item is not self.currentItem():
            self.setCurrentItem(item)

    def current_key(self) -> Category | FileKind:
        item = self.currentItem()
        key = item.data(0, _KEY_ROLE) if item is not None else None
        return key if isinstance(key, Category | FileKind) else Category.ALL

    def _on_current(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        key = item.data(0, _KEY_ROLE) if item is not None else None
        if isinstance(key, FileKind):
            self.chosen.emit(Category.ALL, key)
        elif isinstance(key, Category):
            self.chosen.emit(key, None)

    def update_counts(self, jobs: Sequence[Job]) -> None:
        """Recount (once per event batch; kinds are cached per job name)."""
        states = Counter(j.state for j in jobs)
        kinds = Counter(self.kinds.kind(j) for j in jobs)
        for category in (
            Category.ALL,
            Category.DOWNLOADING,
            Category.QUEUED,
            Category.COMPLETED,
            Category.FAILED,
            Category.CANCELLED,
        ):
            group = STATES[category]
            count = len(jobs) if group is None else sum(states[s] for s in group)
            self._set_count(category, count)
        for kind in FileKind:
            self._set_count(kind, kinds[kind])

    def count_text(self, key: Category | FileKind) -> str:
        return self._items[key].text(0)

    def _set_count(self, key: object, count: int) -> None:
        label = self._labels[key]
        text = f"{label}  ({count})" if count else label
        item = self._items[key]
        if item.text(0) != text:
            item.setText(0, text)


def _sample_ext(kind: FileKind) -> str:
    """A file name extension whose icon stands for the kind."""
    return {
        FileKind.VIDEO: "mp4",
        FileKind.AUDIO: "mp3",
        FileKind.ARCHIVE: "zip",
        FileKind.DOCUMENT: "pdf",
        FileKind.PROGRAM: "exe",
        FileKind.IMAGE: "png",
        FileKind.OTHER: "bin",
    }[kind]
