"""What must hold for any input to the parsers: shared by the hypothesis tests and the atheris
harness (tests/fuzz/atheris_harness.py). Each `check_*` raises AssertionError on a violation;
any other exception escaping a parser is a bug too."""

from __future__ import annotations

import math
import os
from urllib.parse import urlsplit

from app.engine import naming
from app.engine.errors import BadInput, DownloadError
from app.engine.headers import (
    ContentRange,
    UnsatisfiedRange,
    filename_from_content_disposition,
    if_range_validator,
    is_identity_encoding,
    parse_content_length,
    parse_content_range,
    parse_retry_after,
)
from app.engine.http import check_ranged_answer
from app.engine.urls import redact, validate_url
from app.urls import extract_urls

# Windows device names (with or without an extension), compared case-insensitively
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
_RESERVED |= {f"{p}{s}" for p in ("com", "lpt") for s in "¹²³"}
_BIDI_AND_INVISIBLE = {chr(c) for c in (*range(0x200B, 0x2010), *range(0x202A, 0x202F))}
_BIDI_AND_INVISIBLE |= {chr(c) for c in range(0x2066, 0x206A)} | {"\ufeff"}
_WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)} | {"\x7f"}


def check_url(text: str) -> None:
    try:
        url = validate_url(text)
    except BadInput as exc:
        message = str(exc)
        assert "\n" not in message
        parts = _split(text.strip())
        if parts is not None and getattr(parts, "password", None):
            assert text.strip() not in message, "credentials in an error message"
        return
    assert url == text.strip()
    parts = urlsplit(url)
    assert parts.scheme.lower() in ("http", "https") and parts.hostname
    assert not any(c.isspace() and c in "\r\n\t " for c in url)
    check_redact(url)


def _split(text: str) -> object:
    try:
        parts = urlsplit(text)
        _ = parts.port
        return parts
    except ValueError:
        return None


def check_redact(text: str) -> None:
    out = redact(text)
    parts = _split(text)
    if parts is not None and getattr(parts, "password", None):
        assert out != text, "redact() kept the credentials"
    red = _split(out)
    if red is not None:
        assert getattr(red, "password", None) is None, "redact() kept a password"


def check_extract(text: str) -> None:
    found = extract_urls(text)
    assert len(found) == len(set(found))
    for url in found:
        assert validate_url(url) == url
        assert url in text


def check_content_range(value: str) -> None:
    cr = parse_content_range(value)
    if isinstance(cr, ContentRange):
        assert 0 <= cr.first <= cr.last and cr.length >= 1
        assert cr.total is None or cr.last < cr.total
    elif isinstance(cr, UnsatisfiedRange):
        assert cr.total >= 0
    else:
        assert cr is None


def check_headers(value: str) -> None:
    check_content_range(value)
    ra = parse_retry_after(value, now=1_700_000_000.0)
    assert ra is None or (math.isfinite(ra) and ra >= 0)
    cl = parse_content_length(value)
    assert cl is None or cl >= 0
    name = filename_from_content_disposition(value)
    assert name is None or isinstance(name, str)
    if name is not None:
        check_name(name)
    is_identity_encoding(value)
    v = if_range_validator(value, value)
    assert v is None or not v.startswith(("W/", "w/"))


def check_ranged(status: int, headers: dict[str, str], first: int, total: int) -> None:
    """An answer is written only where it fits: the returned last byte is inside the file."""
    try:
        last = check_ranged_answer(status, headers, first, total, '"e"', None)
    except DownloadError:
        return
    assert status == 206
    assert first <= last < total


def check_name(raw: str, directory: str = "/srv/downloads") -> str:
    name = naming.sanitize(raw)
    assert name and isinstance(name, str)
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name not in (".", "..") and not name.startswith(".")
    assert not name.endswith((".", " ")), repr(name)
    assert not (set(name) & _WINDOWS_FORBIDDEN), repr(name)
    assert not (set(name) & _BIDI_AND_INVISIBLE), repr(name)
    assert name.split(".")[0].strip().lower() not in _RESERVED, repr(name)
    assert len(name.encode("utf-8")) <= naming.MAX_NAME_BYTES + 1, len(name.encode())
    # what the OS would see: never outside the folder, also once numbered and as a .part
    for candidate in (name, naming.numbered(name, 9999) + ".part"):
        joined = os.path.normpath(os.path.join(directory, candidate))
        assert os.path.dirname(joined) == directory, (raw, candidate)
        assert len(candidate.encode("utf-8")) <= 255
    return name


def check_choose_name(cd: str, url: str) -> None:
    name = naming.choose_name(cd, url, url)
    check_name(name)
    assert naming.sanitize(name) == name, "sanitize() is not idempotent"


def check_drop(formats: dict[str, bytes]) -> None:
    from app.ui import dropparse

    result = dropparse.parse_mime(formats)
    assert len(result.urls) == len(set(result.urls)) <= dropparse.MAX_URLS
    for url in result.urls:
        assert dropparse.is_download_url(url), url
    for path in result.link_files:
        assert path.lower().endswith(dropparse.LINK_FILE_SUFFIXES)
    for name, data in formats.items():
        text = data.decode("utf-8", errors="replace")
        dropparse.parse_link_file(name or "x.txt", text)
        dropparse.parse_link_file("a.url", text)
        dropparse.parse_link_file("a.webloc", text)


def check_published_checksums(text: str, name: str = "f.iso") -> None:
    """What servers publish (Digest headers, SUMS lists, sidecars) and what users type: only
    well-formed checksums come out, and only BadInput (one line) escapes."""
    from app.engine import checksums as ck

    found = [
        *ck.parse_digest_header(text),
        *ck.parse_repr_digest(text),
        ck.parse_sums(text, [name]),
        ck.parse_sums(text, [name], "sha256"),
        ck.parse_sidecar(text, [name], "md5"),
        ck.from_response_headers(206, {"Digest": text, "Repr-Digest": text}, False),
    ]
    for c in found:
        assert c is None or (len(c.hex) == ck.HEX_LENGTHS[c.algo] and c.hex == c.hex.lower())
    try:
        c = ck.parse_checksum(text)
    except BadInput as exc:
        assert "\n" not in str(exc)
    else:
        assert ck.from_stored(str(c)) == c


def check_lists(text: str) -> None:
    """URL patterns and input files: a count known before expanding, the cap kept, one-line
    errors; every entry read has a URL."""
    from app.engine.patterns import count, expand
    from app.inputfile import parse_any

    try:
        n = count(text)
        urls = expand(text, limit=200)
    except BadInput as exc:
        assert "\n" not in str(exc)
    else:
        assert len(urls) == n <= 200
    try:
        entries = parse_any(text)
    except BadInput as exc:
        assert "\n" not in str(exc)
    else:
        assert all(e.url and not e.url[0].isspace() for e in entries)
