"""Pure parsing of dropped or pasted content into download URLs (no Qt: unit-tested on its own).
URLs in running text are found by app.urls, the one extractor.

Browsers and file managers offer the same drag in several formats. We read, in order of how much
they can be trusted: `text/uri-list` (RFC 2483), `text/x-moz-url` (UTF-16, URL and title lines
alternating) and plain text, from which every http(s) URL is picked out. Local files dropped
from a file manager count only when they are link files (`.url`, `.desktop`, `.webloc`, or a small
`.txt` list of URLs); the Qt glue reads them and hands their text to `parse_link_file`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

# URLs in text are found by app.urls (one extractor for the whole app); the window's modules
# still import these names from here.
from app.urls import MAX_URL_LENGTH, MAX_URLS, dedupe, extract_urls, is_download_url

__all__ = [
    "MAX_URLS",
    "MAX_URL_LENGTH",
    "DropContent",
    "dedupe",
    "extract_urls",
    "is_download_url",
    "parse_link_file",
    "parse_mime",
    "parse_moz_url",
    "parse_text",
    "parse_uri_list",
]

LINK_FILE_SUFFIXES = (".url", ".desktop", ".webloc", ".txt")
MAX_LINK_FILE_BYTES = 1 << 20


@dataclass(slots=True)
class DropContent:
    """What a drop or a paste yielded: download URLs, local link files to read, and the rest."""

    urls: list[str] = field(default_factory=list)
    link_files: list[str] = field(default_factory=list)  # local paths, read by the Qt glue
    ignored: list[str] = field(default_factory=list)  # items that were not download URLs


def parse_text(text: str) -> DropContent:
    """Plain text: URLs anywhere in it; each non-blank line without one is noted as ignored."""
    result = DropContent()
    urls: list[str] = []
    for line in text.splitlines():
        line_urls = extract_urls(line)
        if line_urls:
            urls.extend(line_urls)
        elif line.strip():
            # Local link files count only when dropped (text/uri-list), never from pasted text:
            # a paste must not make Tether read files the user didn't hand it.
            result.ignored.append(line.strip())
    result.urls = dedupe(urls)
    return result


def _local_path(uri: str) -> str | None:
    """The local path of a file:// URI (or an absolute path), else None."""
    if uri.startswith("/"):
        return uri
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    return unquote(parts.path) or None


def _is_link_file(path: str) -> bool:
    return path.lower().endswith(LINK_FILE_SUFFIXES)


def parse_uri_list(text: str) -> DropContent:
    """RFC 2483 text/uri-list: one URI per line, '#' lines are comments."""
    result = DropContent()
    urls: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if is_download_url(line):
            urls.append(line)
            continue
        path = _local_path(line)
        if path is not None and _is_link_file(path):
            result.link_files.append(path)
        else:
            result.ignored.append(line)
    result.urls = dedupe(urls)
    return result


def decode_utf16_or_utf8(data: bytes) -> str:
    """Decode text/x-moz-url, which Firefox sends as UTF-16 (BOM or not); others use UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if len(data) >= 2 and len(data) % 2 == 0 and data[1::2].count(0) * 2 >= len(data) // 2:
        # Mostly-ASCII UTF-16-LE has a zero in every odd byte.
        return data.decode("utf-16-le", errors="replace")
    return data.decode("utf-8", errors="replace")


def parse_moz_url(data: bytes) -> DropContent:
    """text/x-moz-url: lines alternate URL and title; titles are not URLs to download."""
    text = decode_utf16_or_utf8(data).replace("\x00", "").lstrip("\ufeff")
    lines = text.splitlines()
    result = DropContent()
    urls: list[str] = []
    for line in lines[0::2]:
        line = line.strip()
        if not line:
            continue
        if is_download_url(line):
            urls.append(line)
        else:
            result.ignored.append(line)
    result.urls = dedupe(urls)
    return result


def parse_link_file(name: str, text: str) -> list[str]:
    """URLs inside a link file: `URL=` in .url/.desktop, `<string>` in .webloc, any in .txt."""
    lower = name.lower()
    if lower.endswith((".url", ".desktop")):
        urls = []
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip().upper() == "URL" and is_download_url(value.strip()):
                urls.append(value.strip())
        return dedupe(urls)
    if lower.endswith(".webloc"):
        return extract_urls(" ".join(re.findall(r"<string>([^<]*)</string>", text)))
    return extract_urls(text)


MIME_URI_LIST = "text/uri-list"
MIME_MOZ_URL = "text/x-moz-url"
MIME_TEXT = "text/plain"
MIME_TEXT_UTF8 = "text/plain;charset=utf-8"


def parse_mime(formats: Mapping[str, bytes]) -> DropContent:
    """The best reading of a drag's formats; the first format that yields anything wins.

    Browsers put the same link into every format, so merging them would only repeat it; a file
    manager offers text/uri-list alone.
    """
    readers = (
        (MIME_URI_LIST, lambda b: parse_uri_list(b.decode("utf-8", errors="replace"))),
        (MIME_MOZ_URL, parse_moz_url),
        (MIME_TEXT_UTF8, lambda b: parse_text(b.decode("utf-8", errors="replace"))),
        (MIME_TEXT, lambda b: parse_text(decode_utf16_or_utf8(b))),
    )
    fallback: DropContent | None = None
    for mime, reader in readers:
        data = formats.get(mime)
        if data is None:
            continue
        content = reader(data)
        if content.urls or content.link_files:
            return content
        if fallback is None:
            fallback = content
    return fallback if fallback is not None else DropContent()
