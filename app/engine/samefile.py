"""Is a new link the same file? Checked by bytes before a partial download continues from it.

An expired link refreshed by hand, by the browser or over RPC may point at another file (or a
login page). Validators do not settle it: two CDN hosts send different ETags for the same
bytes, and a matching ETag from another host proves nothing. So (DESIGN.md, "A new URL for a
partial file"): same size, and three 64 KiB pieces already on disk, spread over what we have,
come back byte for byte from the new link. Any mismatch refuses the link in one line and keeps
the partial data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import requests

from app.engine.headers import ContentRange, parse_content_range

PIECE = 64 * 1024
PIECES = 3

Fetch = Callable[[int, int], bytes]  # the new link's bytes [start, end), or SameFileError


class SameFileError(Exception):
    """The new link could not be checked or is another file; one line, no secrets."""


def merged(have: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-empty, non-overlapping intervals [start, end) (pure)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted((s, e) for s, e in have if e > s):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def pieces(
    have: Sequence[tuple[int, int]], count: int = PIECES, piece: int = PIECE
) -> list[tuple[int, int]]:
    """Up to `count` ranges of at most `piece` bytes inside the bytes we have: at the start,
    the middle and the end of them (pure). Fewer when less than `count` pieces are on disk."""
    runs = merged(have)
    total = sum(e - s for s, e in runs)
    if total == 0:
        return []
    span = min(piece, total)
    if count <= 1 or total <= span:
        wanted = [0]
    else:
        step = (total - span) / (count - 1)
        wanted = sorted({round(i * step) for i in range(count)})
    out: list[tuple[int, int]] = []
    for logical in wanted:
        # map a position in the concatenated runs back to a file offset, clipped to its run
        left = logical
        for start, end in runs:
            if left < end - start:
                begin = start + left
                stop = min(end, begin + span)
                if (begin, stop) not in out:
                    out.append((begin, stop))
                break
            left -= end - start
    return out


def compare(
    size: int,
    new_size: int | None,
    ranges: Sequence[tuple[int, int]],
    ours: Fetch,
    theirs: Fetch,
) -> str | None:
    """Why the new link is not our file, or None if it is (pure but for the two readers)."""
    if new_size != size:
        shown = "an unknown size" if new_size is None else f"{new_size} bytes"
        return f"the new link is another file ({shown}, not {size} bytes)"
    if not ranges:
        return None
    for start, end in ranges:
        try:
            got = theirs(start, end)
        except SameFileError as exc:
            return f"the new link could not be checked: {exc}"
        if got != ours(start, end):
            return f"the new link is another file: its bytes at offset {start} differ"
    return None


def fetch_range(
    session: requests.Session,
    url: str,
    start: int,
    end: int,
    size: int,
    timeout: float | tuple[float, float],
) -> bytes:
    """Bytes [start, end) of `url` by one ranged GET; SameFileError unless a 206 for exactly
    that range of a file of `size` bytes answers."""
    headers = {"Range": f"bytes={start}-{end - 1}", "Accept-Encoding": "identity"}
    try:
        with session.get(url, headers=headers, stream=True, timeout=timeout) as resp:
            if resp.status_code != 206:
                raise SameFileError(f"it answered {resp.status_code} to a range request")
            cr = parse_content_range(resp.headers.get("Content-Range"))
            if not isinstance(cr, ContentRange) or (cr.first, cr.last + 1, cr.total) != (
                start,
                end,
                size,
            ):
                raise SameFileError("it answered another range than asked")
            body = b""
            for chunk in resp.iter_content(PIECE):
                body += chunk
                if len(body) > end - start:
                    break
    except requests.RequestException as exc:
        raise SameFileError(type(exc).__name__) from None
    if len(body) != end - start:
        raise SameFileError("it sent another number of bytes than asked")
    return body
