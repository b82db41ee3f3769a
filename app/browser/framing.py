"""Native messaging framing: each message is a 4-byte length (native byte order) then UTF-8 JSON.

Browsers send up to 64 MiB to a host and accept at most 1 MB from it (Chrome's and Firefox's
documented limits). The extension only sends small requests, so the host takes up to
MAX_INCOMING and treats anything larger as a broken stream: it answers once and quits, since a
stream whose length prefix cannot be trusted cannot be resynchronised.
"""

from __future__ import annotations

import json
import struct
from typing import IO, Any

MAX_OUTGOING = 1024 * 1024  # host → browser: the browsers' cap
MAX_INCOMING = 4 * 1024 * 1024  # browser → host: 64 MiB allowed by the spec, far more than we use
_LENGTH = struct.Struct("=I")


class FramingError(Exception):
    """The stream broke the framing (truncated, oversized, not a JSON object); one line."""


def encode(message: dict[str, Any]) -> bytes:
    """The bytes of one message to the browser; FramingError if over the 1 MB cap."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(body) > MAX_OUTGOING:
        raise FramingError(f"a message of {len(body)} bytes is over the browsers' 1 MB limit")
    return _LENGTH.pack(len(body)) + body


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    parts: list[bytes] = []
    left = n
    while left:
        chunk = stream.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def read_message(stream: IO[bytes], limit: int = MAX_INCOMING) -> dict[str, Any] | None:
    """The next message, None at a clean end of stream (the browser closed the port)."""
    head = _read_exact(stream, _LENGTH.size)
    if not head:
        return None
    if len(head) < _LENGTH.size:
        raise FramingError("the stream ended inside a length prefix")
    (length,) = _LENGTH.unpack(head)
    if length > limit:
        raise FramingError(f"a message of {length} bytes is over the {limit} byte limit")
    body = _read_exact(stream, length)
    if len(body) < length:
        raise FramingError("the stream ended inside a message")
    return decode(body)


def decode(body: bytes) -> dict[str, Any]:
    """One message body: a JSON object, or FramingError."""

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(body.decode("utf-8"), parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FramingError("a message that is not UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise FramingError("a message that is not a JSON object")
    return value


def write_message(stream: IO[bytes], message: dict[str, Any]) -> None:
    stream.write(encode(message))
    stream.flush()
