"""Pure parsing of dropped or pasted content into download URLs (no Qt: unit-tested on its own).

Browsers and file managers offer the same drag in several formats. We read, in order of how much
they can be trusted: `text/uri-list` (RFC 2483), `text/x-moz-url` (UTF-16, URL and title lines
alternating) and plain text, from which every http(s) URL is picked out. Local files dropped
from a file manager count only when they are link files (`.url`, `.desktop`, `.webloc`, or a small
`.txt` list of URLs); the Qt glue reads them and hands their text to `parse_link_file`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

# What the engine can fetch (app.engine.urls): offering more would only fail later.
DOWNLOAD_SCHEMES = frozenset({"http", "https"})
MAX_URL_LENGTH = 8192
MAX_URLS = 10_000
LINK_FILE_SUFFIXES = (".url", ".desktop", ".webloc", ".txt")
MAX_LINK_FILE_BYTES = 1 << 20

# A URL in running text: scheme, then anything up to whitespace or characters that cannot
# appear unescaped in a URL. Trailing punctuation is trimmed afterwards (see _trim).
_URL_IN_TEXT = re.compile(r"(?i)\bhttps?://[^\s<>\"'`{}|\\^\x00-\x1f\x7f]+")
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


@dataclass(slots=True)
class DropContent:
    """What a drop or a paste yielded: download URLs, local link files to read, and the rest."""

    urls: list[str] = field(default_factory=list)
    link_files: list[str] = field(default_factory=list)  # local paths, read by the Qt glue
    ignored: list[str] = field(default_factory=list)  # items that were not download URLs

    def merge(self, other: DropContent) -> None:
        self.urls = dedupe([*self.urls, *other.urls])
        self.link_files.extend(p for p in other.link_files if p not in self.link_files)
        self.ignored.extend(other.ignored)


def dedupe(urls: Iterable[str]) -> list[str]:
    """Keep the first occurrence of each URL, in order, capped at MAX_URLS."""
    seen: set[str] = set()
    out: list[str] = []
    for url in urls:
        if url not in seen:
            seen.add(url)
            out.append(url)
            if len(out) >= MAX_URLS:
                break
    return out


def is_download_url(text: str) -> bool:
    """True for a well-formed absolute http/https URL with a host and no whitespace."""
    if not text or len(text) > MAX_URL_LENGTH:
        return False
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return False
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        return False
    del port
    return parts.scheme.lower() in DOWNLOAD_SCHEMES and bool(parts.hostname)


def _trim(candidate: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets that ended up after a URL.

    Bracket counts are taken once and updated as characters go: a pasted line of 100k ')' must
    cost linear time, not freeze the window.
    """
    counts = {c: candidate.count(c) for c in (*_PAIRS, *_PAIRS.values())}
    end = len(candidate)
    while end:
        last = candidate[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last in _PAIRS and counts[last] > counts[_PAIRS[last]]:
            counts[last] -= 1
            end -= 1
        else:
            break
    return candidate[:end]


def extract_urls(text: str) -> list[str]:
    """Every download URL found in free text, in order, without duplicates."""
    found: list[str] = []
    for match in _URL_IN_TEXT.finditer(text):
        url = _trim(match.group(0))
        if is_download_url(url):
            found.append(url)
    return dedupe(found)


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
