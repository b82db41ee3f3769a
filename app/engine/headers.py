"""Parsing the HTTP headers a download depends on (pure functions, property-tested)."""

from __future__ import annotations

import email.utils
import re
import time
from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class ContentRange:
    """`Content-Range: bytes first-last/total`; `last` is inclusive; total None for `*`."""

    first: int
    last: int
    total: int | None

    @property
    def length(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True, slots=True)
class UnsatisfiedRange:
    """`Content-Range: bytes */total`, sent with 416."""

    total: int


_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_UNSATISFIED = re.compile(r"^\s*bytes\s+\*/(\d+)\s*$", re.IGNORECASE)
_MAX_DIGITS = 19  # beyond int64 a number is nonsense, not a file size


def parse_content_range(value: str | None) -> ContentRange | UnsatisfiedRange | None:
    """Parse Content-Range; None when absent or malformed (first > last, last >= total)."""
    if not value:
        return None
    m = _CONTENT_RANGE.match(value)
    if m:
        a, b, t = m.groups()
        if len(a) > _MAX_DIGITS or len(b) > _MAX_DIGITS or len(t) > _MAX_DIGITS:
            return None
        first, last = int(a), int(b)
        total = None if t == "*" else int(t)
        if first > last or (total is not None and last >= total):
            return None
        return ContentRange(first, last, total)
    m = _UNSATISFIED.match(value)
    if m and len(m.group(1)) <= _MAX_DIGITS:
        return UnsatisfiedRange(int(m.group(1)))
    return None


def parse_content_length(value: str | None) -> int | None:
    """A single non-negative integer; duplicates that agree are allowed (RFC 9110 8.6)."""
    if value is None:
        return None
    parts = {p.strip() for p in value.split(",")}
    if len(parts) != 1:
        return None
    (text,) = parts
    if not text.isdigit() or not text.isascii() or len(text) > _MAX_DIGITS:
        return None
    return int(text)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait: delta-seconds or an HTTP date. None when absent or unparseable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit() and text.isascii():
        return float(min(int(text), 10**9))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT even when the zone is missing
        import datetime as _dt

        when = when.replace(tzinfo=_dt.UTC)
    current = time.time() if now is None else now
    try:
        return max(0.0, when.timestamp() - current)
    except (OverflowError, OSError, ValueError):
        return None


def is_weak_etag(etag: str) -> bool:
    return etag.strip().startswith(("W/", "w/"))


def if_range_validator(etag: str | None, last_modified: str | None) -> str | None:
    """What to send as If-Range: a strong ETag, else Last-Modified, else nothing.

    Weak ETags never qualify: RFC 9110 forbids them in If-Range, and a server comparing them
    weakly could hand us a different representation to splice onto our bytes.
    """
    if etag and not is_weak_etag(etag) and etag.strip().startswith('"'):
        return etag.strip()
    if last_modified and email.utils.parsedate_tz(last_modified) is not None:
        return last_modified.strip()
    return None


def is_identity_encoding(value: str | None) -> bool:
    """True when Content-Encoding is absent or identity: the bytes are the file's bytes."""
    if value is None:
        return True
    codings = [c.strip().lower() for c in value.split(",") if c.strip()]
    return all(c == "identity" for c in codings)


def _split_params(value: str) -> list[tuple[str, str]]:
    """Split `type; a=b; c="d;e"` into (name, raw value) pairs, honouring quotes."""
    params: list[tuple[str, str]] = []
    i, n = 0, len(value)
    # skip the disposition type
    while i < n and value[i] != ";":
        i += 1
    while i < n:
        i += 1  # the ';'
        while i < n and value[i] in " \t":
            i += 1
        start = i
        while i < n and value[i] not in "=;":
            i += 1
        name = value[start:i].strip().lower()
        if i >= n or value[i] == ";":
            continue
        i += 1  # '='
        while i < n and value[i] in " \t":
            i += 1
        if i < n and value[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and value[i] != '"':
                if value[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(value[i])
                i += 1
            i += 1  # closing quote
            raw = "".join(chars)
            while i < n and value[i] != ";":
                i += 1
        else:
            start = i
            while i < n and value[i] != ";":
                i += 1
            raw = value[start:i].strip()
        if name:
            params.append((name, raw))
    return params


def _decode_ext_value(raw: str) -> str | None:
    """RFC 8187 `charset'lang'pct-encoded` → text; None if malformed or unknown charset."""
    parts = raw.split("'", 2)
    if len(parts) != 3:
        return None
    charset, _lang, encoded = parts
    charset = charset.strip().lower() or "utf-8"
    if charset not in ("utf-8", "iso-8859-1", "us-ascii"):
        return None
    try:
        return unquote(encoded, encoding=charset, errors="strict")
    except (UnicodeDecodeError, LookupError):
        return None


def filename_from_content_disposition(value: str | None) -> str | None:
    """The file name a server suggests (RFC 6266): `filename*` first, then `filename`.

    The result is raw and untrusted; naming.sanitize() must still run on it.
    """
    if not value:
        return None
    params = _split_params(value)
    for name, raw in params:
        if name == "filename*":
            decoded = _decode_ext_value(raw)
            if decoded:
                return decoded
    for name, raw in params:
        if name == "filename" and raw:
            # Many servers percent-encode UTF-8 in plain filename=; decode only valid UTF-8.
            if "%" in raw:
                try:
                    return unquote(raw, encoding="utf-8", errors="strict")
                except UnicodeDecodeError:
                    return raw
            return raw
    return None
