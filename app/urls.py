"""Finding download URLs in free text: what a paste, a drop, the clipboard or a link file
holds. One extractor for the window, the clipboard watcher and the command line; Qt-free and
fuzzed (tests/fuzz). A URL it returns is one the engine accepts (app.engine.urls.validate_url).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.engine.errors import BadInput
from app.engine.urls import validate_url

MAX_URL_LENGTH = 8192
MAX_URLS = 10_000

# A URL in running text: scheme, then anything up to whitespace or characters that cannot
# appear unescaped in a URL. Trailing punctuation is trimmed afterwards (see _trim): a `*`
# too, so Markdown's *https://h/f.iso* gives the file, not `f.iso*`.
_URL_IN_TEXT = re.compile(r"(?i)\bhttps?://[^\s<>\"'`{}|\\^\x00-\x1f\x7f]+")
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


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
    """True for a URL the engine takes as written: absolute http(s), a host, no whitespace."""
    if not text or len(text) > MAX_URL_LENGTH:
        return False
    try:
        return validate_url(text) == text
    except BadInput:
        return False


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
