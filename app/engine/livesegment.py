"""A segment being downloaded right now: its bounds, progress and its connection's state."""

from __future__ import annotations


class LiveSegment:
    """A live range [start, end). `pos` is reserved up to, `done` is written up to.

    Only the owning worker advances pos/done; a thief may lower `end` (under the job lock)
    but never below `pos`, so bytes in flight are never claimed twice.
    """

    __slots__ = (
        "done",
        "end",
        "last",
        "owned",
        "owner",
        "req_end",
        "reroll",
        "reserved",
        "since",
        "since_done",
        "speed",
        "start",
    )

    def __init__(self, start: int, end: int, done: int = 0) -> None:
        self.start = start
        self.end = end
        self.done = done
        self.owned = False
        # Bytes up to `reserved` are being written now (set under the lock before the write):
        # a thief may cut anywhere from there, with no safety margin.
        self.reserved = start + done
        self.speed = 0.0  # the owner's smoothed bytes/s, to size steals by time left
        self.req_end = 0  # where the owner's current response body ends (bytes in flight)
        # For re-rolling a slow connection (reroll.py): the owner's socket key, when its
        # current connection started on this segment and `done` then (its average speed over
        # its whole life is what counts: throttled links arrive in bursts that fool a short
        # window), and "we closed it on purpose".
        self.owner = -1
        self.since = 0.0
        self.since_done = done
        self.last = 0.0  # when the owner's connection last brought bytes (stalls show there)
        self.reroll = False
