"""Re-rolling slow connections: which of a download's connections to close and open again.

Which TCP connection gets a slow path (a busy CDN edge, a congested route, a per-connection
throttle) is luck, and without this a download keeps a slow one to the end. A new connection
often lands elsewhere, so a connection far below its peers on the same file, for long enough to
be sure and with enough left for it to matter, is closed and opened again: its segment keeps
every byte written, and the new connection continues from there (nothing is fetched twice).
Only relative speed counts: a server that throttles every connection equally never triggers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SLOW_RATIO = 0.25  # slower than this fraction of the peers' reference speed is "far below"
# Seconds a connection is measured before it may be judged: long enough that TCP slow start
# and the smoothed rate have settled, short enough to help a download of a few seconds.
MIN_AGE = 1.0
MIN_LEFT = 2 * 1024 * 1024  # below this a reconnect costs about what it saves
# Seconds the slow connection would still need for its bytes at its own pace: less than this
# and work stealing is about to finish the job anyway.
MIN_SECONDS_LEFT = 1.0
BUDGET_PER_CONNECTION = 3  # re-rolls per download: at most this × connections


@dataclass(frozen=True, slots=True)
class Conn:
    """One running connection as the decision sees it."""

    speed: float  # smoothed bytes/s; 0 = not measured yet
    age: float  # seconds since this TCP connection started bringing this segment
    left: int  # bytes its segment still needs


def to_reroll(conns: Sequence[Conn], budget: int) -> list[int]:
    """Indexes of the connections to close and open again, slowest first (pure).

    A connection qualifies when it has been measured for MIN_AGE, runs below SLOW_RATIO of its
    measured peers' reference speed (the median of their faster half: when luck gave most
    connections the slow path, the plain median is itself slow and would hide them all), and
    still has MIN_LEFT bytes and MIN_SECONDS_LEFT of work at its own pace. At most `budget`
    are returned, and never all of them: someone must be fast for a connection to be slow.
    """
    if budget <= 0 or len(conns) < 2:
        return []
    picked: list[tuple[float, int]] = []
    for i, c in enumerate(conns):
        if c.age < MIN_AGE or c.speed <= 0 or c.left < MIN_LEFT:
            continue
        if c.left / c.speed < MIN_SECONDS_LEFT:
            continue
        peers = sorted(p.speed for j, p in enumerate(conns) if j != i and p.speed > 0)
        if not peers:
            continue
        if c.speed < SLOW_RATIO * _median(peers[len(peers) // 2 :]):
            picked.append((c.speed, i))
    picked.sort()
    return [i for _, i in picked[: min(budget, len(conns) - 1)]]


def _median(values: Sequence[float]) -> float:
    n = len(values)
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2


def budget_for(connections: int) -> int:
    """How many re-rolls one download may spend (bounded: a server whose every new connection
    is slow must not be reconnected to forever)."""
    return BUDGET_PER_CONNECTION * max(1, connections)
