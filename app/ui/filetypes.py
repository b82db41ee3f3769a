"""What kind of file a download is (video, audio, archive, …), decided from its name alone.

Pure and Qt-free: the sidebar counts and filters by it, and the Add path uses it to choose a
per-type default folder before anything has been fetched (so only the URL's name is known).
"""

from __future__ import annotations

import enum
import posixpath
from urllib.parse import unquote, urlsplit


class FileKind(enum.Enum):
    VIDEO = "video"
    AUDIO = "audio"
    ARCHIVE = "archive"
    DOCUMENT = "document"
    PROGRAM = "program"
    IMAGE = "image"
    OTHER = "other"


_EXTENSIONS: dict[FileKind, frozenset[str]] = {
    FileKind.VIDEO: frozenset(
        [
            "mp4",
            "mkv",
            "webm",
            "avi",
            "mov",
            "wmv",
            "flv",
            "m4v",
            "mpg",
            "mpeg",
            "ts",
            "m2ts",
            "3gp",
            "ogv",
            "vob",
            "rmvb",
        ]
    ),
    FileKind.AUDIO: frozenset(
        [
            "mp3",
            "flac",
            "wav",
            "ogg",
            "oga",
            "opus",
            "m4a",
            "aac",
            "wma",
            "aiff",
            "ape",
            "alac",
            "mka",
        ]
    ),
    FileKind.ARCHIVE: frozenset(
        [
            "zip",
            "rar",
            "7z",
            "tar",
            "gz",
            "tgz",
            "bz2",
            "tbz2",
            "xz",
            "txz",
            "zst",
            "tzst",
            "lz",
            "lzma",
            "z",
            "cab",
            "iso",
            "img",
            "dmg",
        ]
    ),
    FileKind.DOCUMENT: frozenset(
        [
            "pdf",
            "doc",
            "docx",
            "odt",
            "rtf",
            "txt",
            "md",
            "epub",
            "mobi",
            "djvu",
            "xls",
            "xlsx",
            "ods",
            "csv",
            "ppt",
            "pptx",
            "odp",
            "tex",
        ]
    ),
    FileKind.PROGRAM: frozenset(
        [
            "exe",
            "msi",
            "msix",
            "appx",
            "apk",
            "deb",
            "rpm",
            "appimage",
            "flatpak",
            "snap",
            "pkg",
            "bin",
            "run",
            "sh",
            "jar",
        ]
    ),
    FileKind.IMAGE: frozenset(
        [
            "jpg",
            "jpeg",
            "png",
            "gif",
            "webp",
            "bmp",
            "tif",
            "tiff",
            "svg",
            "heic",
            "avif",
            "ico",
            "raw",
        ]
    ),
}
# Two-part suffixes whose last part alone would say less ("x.tar.gz" is an archive either way,
# but "x.tar.zst" should not fall to OTHER if zst were missing).
_COMPOUND = ("tar.gz", "tar.bz2", "tar.xz", "tar.zst", "tar.lz")


def classify(name: str) -> FileKind:
    """The kind of a file name (or a URL's last path segment) by its extension."""
    base = name.strip().rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    if base.endswith(".part"):
        base = base[: -len(".part")]
    for compound in _COMPOUND:
        if base.endswith("." + compound):
            return FileKind.ARCHIVE
    _root, ext = posixpath.splitext(base)
    ext = ext.lstrip(".")
    if not ext or not _root:
        return FileKind.OTHER
    for kind, extensions in _EXTENSIONS.items():
        if ext in extensions:
            return kind
    return FileKind.OTHER


def url_name(url: str) -> str:
    """The file name a URL suggests before the server is asked: its last path segment."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return ""
    return unquote(path.rstrip("/").rsplit("/", 1)[-1])


def classify_url(url: str) -> FileKind | None:
    """The kind a URL's own name suggests, or None when it says nothing (e.g. `/download?id=3`)."""
    name = url_name(url)
    kind = classify(name) if name else FileKind.OTHER
    return None if kind is FileKind.OTHER else kind
