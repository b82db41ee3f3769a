"""Qt glue for drops and pastes: QMimeData -> raw formats -> app.ui.dropparse.

Only reads: the clipboard and the dragged data are never modified, and a drop is always taken
as a copy, so a file manager never deletes what was dragged out of it.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QCoreApplication, QMimeData

from app.ui.dropparse import (
    MAX_LINK_FILE_BYTES,
    MIME_MOZ_URL,
    MIME_TEXT,
    MIME_TEXT_UTF8,
    MIME_URI_LIST,
    DropContent,
    dedupe,
    parse_link_file,
    parse_mime,
)

log = logging.getLogger("tether.ui.drop")

_FORMATS = (MIME_URI_LIST, MIME_MOZ_URL, MIME_TEXT_UTF8, MIME_TEXT)


def mime_formats(mime: QMimeData) -> dict[str, bytes]:
    """The formats we understand, as bytes; Qt's own URL/text accessors fill the gaps."""
    formats: dict[str, bytes] = {}
    for fmt in _FORMATS:
        if mime.hasFormat(fmt):
            formats[fmt] = bytes(mime.data(fmt).data())
    if MIME_URI_LIST not in formats and mime.hasUrls():
        lines = [u.toString() for u in mime.urls()]
        formats[MIME_URI_LIST] = "\r\n".join(lines).encode("utf-8")
    if MIME_TEXT not in formats and MIME_TEXT_UTF8 not in formats and mime.hasText():
        formats[MIME_TEXT_UTF8] = mime.text().encode("utf-8")
    return formats


def may_contain_urls(mime: QMimeData | None) -> bool:
    """Cheap check for dragEnter: is there anything we could read links from?"""
    if mime is None:
        return False
    return mime.hasUrls() or mime.hasText() or any(mime.hasFormat(f) for f in _FORMATS)


def read_link_files(paths: list[str]) -> tuple[list[str], list[str]]:
    """URLs inside dropped link files; files that can't be read are reported as ignored."""
    urls: list[str] = []
    ignored: list[str] = []
    for path in paths:
        try:
            if os.path.getsize(path) > MAX_LINK_FILE_BYTES:
                ignored.append(os.path.basename(path))
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                found = parse_link_file(path, fh.read())
        except OSError as exc:
            log.info("cannot read dropped file %s: %s", path, exc)
            ignored.append(os.path.basename(path))
            continue
        if found:
            urls.extend(found)
        else:
            ignored.append(os.path.basename(path))
    return urls, ignored


def read_mime(mime: QMimeData | None) -> DropContent:
    """Everything downloadable in a drop or the clipboard, link files included."""
    if mime is None:
        return DropContent()
    content = parse_mime(mime_formats(mime))
    if content.link_files:
        urls, ignored = read_link_files(content.link_files)
        content.urls = dedupe([*content.urls, *urls])
        content.ignored.extend(ignored)
        content.link_files = []
    return content


def _short(item: str) -> str:
    """A local file by its name, anything else cut to a readable length."""
    if item.startswith("file:"):
        item = os.path.basename(unquote(urlsplit(item).path)) or item
    return item if len(item) <= 60 else item[:59] + "…"


def ignored_note(content: DropContent, limit: int = 3) -> str:
    """'2 items were not links and were ignored: a, b' or ''."""
    if not content.ignored:
        return ""
    shown = [_short(i) for i in content.ignored[:limit]]
    more = len(content.ignored) - len(shown)
    n = len(content.ignored)
    text = QCoreApplication.translate("Drop", "%n item(s) ignored (not download links):", "", n)
    text += " " + ", ".join(shown)
    if more > 0:
        text += " " + QCoreApplication.translate("Drop", "and %n more", "", more)
    return text
