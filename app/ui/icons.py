"""Icons: the system theme first, bundled SVGs tinted to the palette as the fallback.

Bundled action icons are drawn with `currentColor`; a small icon engine renders them at the
exact device-pixel size asked for (crisp at any HiDPI scale) in the palette's text colour, so
they follow light and dark themes. File-type icons come from the theme by MIME type, else from a
bundled page shape per broad category; both are cached per file extension.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeDatabase, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app import APP_ID

log = logging.getLogger("tether.ui.icons")

APP_ICON_NAME = APP_ID

# Our name -> freedesktop theme names to try first.
THEME_NAMES: dict[str, tuple[str, ...]] = {
    "add": ("list-add",),
    "paste": ("edit-paste",),
    "pause": ("media-playback-pause",),
    "resume": ("media-playback-start",),
    "pause-all": ("media-playback-pause",),
    "resume-all": ("media-playback-start",),
    "cancel": ("process-stop", "media-playback-stop"),
    "remove": ("list-remove", "edit-delete"),
    "remove-file": ("edit-delete", "user-trash"),
    "retry": ("view-refresh",),
    "open-file": ("document-open",),
    "open-folder": ("folder-open",),
    "copy": ("edit-copy",),
    "properties": ("document-properties",),
    "settings": ("preferences-system", "configure"),
    "quit": ("application-exit",),
    "search": ("edit-find",),
    "download": ("document-save", "download"),
}


def _actions_dir() -> Path | None:
    """Where the bundled SVGs live: the installed `app.resources`, else the source tree."""
    try:
        from app import resources_util

        path = resources_util.resource_path("icons", "actions")
        if path.is_dir():
            return path
    except Exception:
        pass
    try:
        path = Path(str(resources.files("app.resources") / "icons" / "actions"))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    source = Path(__file__).resolve().parents[2] / "resources" / "icons" / "actions"
    return source if source.is_dir() else None


@functools.cache
def _svg_text(name: str) -> bytes | None:
    folder = _actions_dir()
    if folder is None:
        return None
    path = folder / f"{name}.svg"
    try:
        return path.read_bytes()
    except OSError:
        return None


class TintedSvgEngine(QIconEngine):
    """Renders an SVG drawn with `currentColor` at the requested device size and colour."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._cache: dict[tuple[int, int, int, str], QPixmap] = {}

    def _color(self, mode: QIcon.Mode) -> QColor:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        if mode == QIcon.Mode.Selected:
            return palette.color(QPalette.ColorRole.HighlightedText)
        return palette.color(QPalette.ColorRole.WindowText)

    def _render(self, painter: QPainter, rect: QRectF, mode: QIcon.Mode) -> None:
        color = self._color(mode).name()
        data = self._svg.replace(b"currentColor", color.encode())
        renderer = QSvgRenderer(QByteArray(data))
        renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        renderer.render(painter, rect)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._render(painter, QRectF(rect), mode)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        w = max(1, round(size.width() * scale))
        h = max(1, round(size.height() * scale))
        color = self._color(mode).name()
        key = (w, h, int(mode.value), color)
        cached = self._cache.get(key)
        if cached is None:
            cached = QPixmap(w, h)
            cached.fill(Qt.GlobalColor.transparent)
            painter = QPainter(cached)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._render(painter, QRectF(0, 0, w, h), mode)
            painter.end()
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = cached
        result = QPixmap(cached)
        result.setDevicePixelRatio(scale)
        return result

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def clone(self) -> QIconEngine:
        return TintedSvgEngine(self._svg)

    def key(self) -> str:
        return "TetherTintedSvg"

    def isNull(self) -> bool:
        return False

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def availableSizes(
        self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off
    ) -> list[QSize]:
        return [QSize(s, s) for s in (16, 22, 24, 32, 48, 64)]

    def iconName(self) -> str:
        return ""

    def point(self) -> QPoint:
        return QPoint()


def bundled_icon(name: str) -> QIcon:
    """A bundled SVG, tinted to the palette; a null icon if the file is missing."""
    svg = _svg_text(name)
    if svg is None:
        log.debug("no bundled icon %s", name)
        return QIcon()
    if b"currentColor" not in svg:
        folder = _actions_dir()
        return QIcon(str(folder / f"{name}.svg")) if folder else QIcon()
    return QIcon(TintedSvgEngine(svg))


_action_cache: dict[str, QIcon] = {}


def action_icon(name: str) -> QIcon:
    """The theme's icon for an action, else ours."""
    icon = _action_cache.get(name)
    if icon is None:
        icon = QIcon()
        for theme_name in THEME_NAMES.get(name, ()):
            if QIcon.hasThemeIcon(theme_name):
                icon = QIcon.fromTheme(theme_name)
                break
        if icon.isNull():
            icon = bundled_icon(name)
        _action_cache[name] = icon
    return icon


def app_icon() -> QIcon:
    """The application icon: the packaged SVG (+ PNG sizes), else the theme's, else ours."""
    icon = QIcon()
    try:
        from app import resources_util

        svg = resources_util.app_icon_path()
        if svg.is_file():
            icon.addFile(str(svg))
        for png in resources_util.app_icon_pngs():
            icon.addFile(str(png))
    except Exception as exc:
        log.debug("no packaged app icon: %s", exc)
    if not icon.isNull():
        return icon
    if QIcon.hasThemeIcon(APP_ICON_NAME):
        return QIcon.fromTheme(APP_ICON_NAME)
    folder = _actions_dir()
    if folder is not None and (folder / "tether.svg").is_file():
        return QIcon(str(folder / "tether.svg"))
    return action_icon("download")


# ---- file types ---------------------------------------------------------------------------

_mime_db: QMimeDatabase | None = None
_file_icon_cache: dict[str, QIcon] = {}

_ARCHIVE_HINTS = ("zip", "tar", "compressed", "archive", "rar", "7z", "xz", "bzip", "gzip", "zstd")
_DISK_HINTS = ("iso", "disk-image", "cd-image", "raw-disk", "apple-diskimage")
_EXEC_HINTS = (
    "executable",
    "msdownload",
    "x-sharedlib",
    "debian-package",
    "rpm",
    "appimage",
    "x-msi",
    "flatpak",
)
_DOC_HINTS = (
    "pdf",
    "document",
    "msword",
    "officedocument",
    "epub",
    "rtf",
    "spreadsheet",
    "presentation",
)


def file_category(mime_name: str) -> str:
    """A broad family for a MIME type: picks the bundled file icon."""
    top = mime_name.split("/", 1)[0]
    if top in ("video", "audio", "image"):
        return top
    if any(h in mime_name for h in _DISK_HINTS):
        return "disk"
    if any(h in mime_name for h in _ARCHIVE_HINTS):
        return "archive"
    if any(h in mime_name for h in _EXEC_HINTS):
        return "executable"
    if top == "text" or any(h in mime_name for h in _DOC_HINTS):
        return "document"
    return "generic"


def file_icon(file_name: str) -> QIcon:
    """The icon for a file name's type; cached per extension so data() stays cheap."""
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    icon = _file_icon_cache.get(suffix)
    if icon is not None:
        return icon
    global _mime_db
    if _mime_db is None:
        _mime_db = QMimeDatabase()
    mime = _mime_db.mimeTypeForFile(
        f"x.{suffix}" if suffix else "x", QMimeDatabase.MatchMode.MatchExtension
    )
    icon = QIcon()
    for theme_name in (mime.iconName(), mime.genericIconName()):
        if theme_name and QIcon.hasThemeIcon(theme_name):
            icon = QIcon.fromTheme(theme_name)
            break
    if icon.isNull():
        icon = bundled_icon(f"file-{file_category(mime.name())}")
    _file_icon_cache[suffix] = icon
    return icon
