"""URL patterns as curl and aria2 expand them: `[001-100]`, `[a-z]`, `[1-10:2]`, `{one,two}`.

A pattern is parsed into pieces (each a list of alternatives, a literal being a list of one);
the URLs are their product, in order. The count is known before anything is expanded, so a
pattern that would make millions of URLs is refused at once. `\\[`, `\\]`, `\\{`, `\\}` and
`\\,` are literal; brackets that are not a range (an IPv6 host `[::1]`) stay as they are.
"""

from __future__ import annotations

import itertools
import math
import re
import string

from app.engine.errors import BadInput

MAX_URLS = 10_000  # a batch bigger than this is almost surely a typo in a range

_NUM_RANGE = re.compile(r"\[(\d{1,18})-(\d{1,18})(?::(\d{1,9}))?\]")
_ABC_RANGE = re.compile(r"\[([a-zA-Z])-([a-zA-Z])(?::(\d{1,9}))?\]")
# Looks like a range but isn't a valid one: an error rather than a literal (e.g. `[9-1]`).
_RANGE_LIKE = re.compile(r"\[[0-9a-zA-Z]+-[0-9a-zA-Z]*(?::[^\]]*)?\]")
_ESCAPABLE = "[]{},"


class PatternError(BadInput):
    """A pattern that can't be expanded; str() is one line."""


# A literal is a str; a pattern is its alternatives, or a number range with its zero-pad width.
Piece = str | list[str] | tuple[range, int]


def _num_range(m: re.Match[str]) -> tuple[range, int]:
    first, last, step_text = m.group(1), m.group(2), m.group(3)
    step = int(step_text) if step_text else 1
    lo, hi = int(first), int(last)
    if step < 1:
        raise PatternError(f"bad step in {m.group(0)!r}: it must be 1 or more")
    if hi < lo:
        raise PatternError(f"bad range {m.group(0)!r}: it goes backwards")
    # curl's rule: a first number written with leading zeros sets the width of every number
    width = len(first) if first.startswith("0") and len(first) > 1 else 0
    return range(lo, hi + 1, step), width


def _piece_at(url: str, i: int) -> tuple[Piece, int] | None:
    """The pattern piece starting at url[i] and the index after it, or None (a literal)."""
    if url[i] == "[":
        m = _NUM_RANGE.match(url, i)
        if m:
            return _num_range(m), m.end()
        m = _ABC_RANGE.match(url, i)
        if m:
            a, b, step_text = m.group(1), m.group(2), m.group(3)
            step = int(step_text) if step_text else 1
            if a.islower() != b.islower():
                raise PatternError(f"bad range {m.group(0)!r}: mixes lower and upper case")
            if step < 1 or b < a:
                raise PatternError(f"bad range {m.group(0)!r}")
            letters = string.ascii_lowercase if a.islower() else string.ascii_uppercase
            return list(letters[letters.index(a) : letters.index(b) + 1 : step]), m.end()
        m = _RANGE_LIKE.match(url, i)
        if m:
            raise PatternError(f"bad range {m.group(0)!r} (use [1-9], [01-99], [a-z] or [1-9:2])")
        return None
    if url[i] == "{":
        alts: list[str] = []
        cur: list[str] = []
        j = i + 1
        while j < len(url):
            c = url[j]
            if c == "\\" and j + 1 < len(url) and url[j + 1] in _ESCAPABLE:
                cur.append(url[j + 1])
                j += 2
                continue
            if c == "{" or c == "[":
                raise PatternError("patterns can't be nested inside {…}")
            if c == ",":
                alts.append("".join(cur))
                cur = []
            elif c == "}":
                alts.append("".join(cur))
                return alts, j + 1
            else:
                cur.append(c)
            j += 1
        raise PatternError("unmatched '{' in the URL (use --globoff to take it literally)")
    return None


def parse(url: str) -> list[Piece]:
    """Split a URL into literal and pattern pieces (PatternError for a broken pattern)."""
    pieces: list[Piece] = []
    literal: list[str] = []
    i = 0
    while i < len(url):
        c = url[i]
        if c == "\\" and i + 1 < len(url) and url[i + 1] in _ESCAPABLE:
            literal.append(url[i + 1])
            i += 2
            continue
        found = _piece_at(url, i) if c in "[{" else None
        if found is None:
            if c == "}":
                raise PatternError("unmatched '}' in the URL (use --globoff to take it literally)")
            literal.append(c)
            i += 1
            continue
        if literal:
            pieces.append("".join(literal))
            literal = []
        piece, i = found
        pieces.append(piece)
    if literal:
        pieces.append("".join(literal))
    return pieces


def _size(piece: Piece) -> int:
    if isinstance(piece, str):
        return 1
    if isinstance(piece, tuple):
        return len(piece[0])
    return len(piece)


def _values(piece: Piece) -> list[str]:
    if isinstance(piece, str):
        return [piece]
    if isinstance(piece, tuple):
        numbers, width = piece
        return [str(n).zfill(width) for n in numbers]
    return piece


def count(url: str) -> int:
    """How many URLs the pattern makes (without making them)."""
    return math.prod(_size(p) for p in parse(url))


def has_pattern(url: str) -> bool:
    """True when the URL has a range or a {…} list (even of one: its braces go)."""
    return any(not isinstance(p, str) for p in parse(url))


def _too_many(n: int, limit: int) -> PatternError:
    return PatternError(
        f"the pattern makes {n:,} URLs; at most {limit:,} at once "
        "(use --globoff to take URLs literally)"
    )


def expand(url: str, limit: int = MAX_URLS) -> list[str]:
    """Every URL the pattern stands for, in order; PatternError past `limit`."""
    pieces = parse(url)
    n = math.prod(_size(p) for p in pieces)
    if n > limit:
        raise _too_many(n, limit)
    return ["".join(parts) for parts in itertools.product(*(_values(p) for p in pieces))]


def expand_all(urls: list[str], limit: int = MAX_URLS) -> list[str]:
    """Several patterns, with one limit for all of them together."""
    total = sum(count(u) for u in urls)
    if total > limit:
        raise _too_many(total, limit)
    return [out for url in urls for out in expand(url, limit)]
