"""Splitting a file into ranges for the connections, and where to steal work (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from app.store.models import SegmentRecord

MIB = 1024 * 1024
MIN_SPLIT = 1 * MIB  # no piece smaller than this is worth a request of its own
ALIGN = 64 * 1024  # boundaries on 64 KiB keep writes page- and extent-aligned


def _align_up(value: int, align: int) -> int:
    return -(-value // align) * align


def durable_ranges(segments: Sequence[SegmentRecord]) -> list[tuple[int, int]]:
    """The merged [start, end) ranges whose bytes are known durable."""
    spans = sorted((s.start, s.start + s.done) for s in segments if s.done > 0)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def gaps(size: int, segments: Sequence[SegmentRecord]) -> list[tuple[int, int]]:
    """The [start, end) ranges of [0, size) not yet durable."""
    result: list[tuple[int, int]] = []
    pos = 0
    for a, b in durable_ranges(segments):
        a, b = min(a, size), min(b, size)
        if a > pos:
            result.append((pos, a))
        pos = max(pos, b)
    if pos < size:
        result.append((pos, size))
    return result


def split_gaps(
    ranges: Sequence[tuple[int, int]], pieces: int, min_size: int = MIN_SPLIT
) -> list[tuple[int, int]]:
    """Halve the largest range until there are `pieces` of them or none is ≥ 2×min_size."""
    work = [r for r in ranges if r[1] > r[0]]
    while len(work) < pieces:
        i = max(range(len(work)), key=lambda k: work[k][1] - work[k][0], default=-1)
        if i < 0:
            break
        a, b = work[i]
        cut = steal_point(a, b, min_size)
        if cut is None:
            break
        work[i : i + 1] = [(a, cut), (cut, b)]
    return sorted(work)


def plan(
    size: int, existing: Sequence[SegmentRecord], connections: int, min_size: int = MIN_SPLIT
) -> list[SegmentRecord]:
    """Segments for a (re)start: durable bytes kept as finished records, the gaps re-split.

    Works whatever the previous plan was, so a job can resume with more or fewer connections.
    """
    done = [SegmentRecord(a, b, b - a) for a, b in durable_ranges(existing) if a < size]
    done = [SegmentRecord(s.start, min(s.end, size), min(s.end, size) - s.start) for s in done]
    todo = [
        SegmentRecord(a, b, 0) for a, b in split_gaps(gaps(size, existing), connections, min_size)
    ]
    return sorted(done + todo, key=lambda s: s.start)


def steal_point(pos: int, end: int, min_size: int = MIN_SPLIT, align: int = ALIGN) -> int | None:
    """Where to cut [pos, end) so a thief takes the far half; None if it's too small to share.

    Both halves stay ≥ min_size, so no connection is idle while ≥ 2×min_size is left anywhere.
    """
    remaining = end - pos
    if remaining < 2 * min_size:
        return None
    cut = _align_up(pos + remaining // 2, align)
    if end - cut < min_size or cut - pos < min_size:
        cut = pos + remaining // 2
    return cut


MIN_STEAL = 256 * 1024  # below this a new request costs more than it saves
# A connection's speed is measured over windows that close on a read, so a link that delivers
# in bursts (a throttle granting a second's worth at a time) or stops keeps the rate of its last
# burst. One that brought nothing for this long is stalled now, whatever it measured before: a
# thief may take what it holds. Above pacing's MAX_PAUSE, so a slow link read in batches is not.
STALLED_AFTER = 0.6  # seconds
STALLED_SPEED = 1.0  # bytes/s: what a stalled victim counts as
WORTH_SECONDS = 0.3  # a victim with less time left than this finishes before a thief starts


# A takeover: an idle thief takes ALL of a quiet victim's range and its connection is dropped.
# Leaving the victim even a small piece makes the job wait for that connection's next bytes, and
# a throttled link sends in bursts up to a second apart (nginx's limit_rate), so the last piece
# of a download could wait a whole second on a link that has shown it is slow.
TAKEOVER_QUIET = 0.15  # seconds; quieter than this is just the gap between two reads
TAKEOVER_MARGIN = 2.0  # the victim has been quiet this many times what the thief needs


def takes_over(remaining: int, quiet: float, thief_speed: float) -> bool:
    """Whether a thief should take all `remaining` bytes of a victim whose connection brought
    nothing for `quiet` seconds, and drop that connection (pure).

    Yes once it is stalled (STALLED_AFTER), or once it has been quiet TAKEOVER_MARGIN times as
    long as the thief, at its measured `thief_speed`, needs for all of it: a link that stopped
    is likely to stay stopped about as long again. Never for an unmeasured thief before the
    stall, nor for a gap of under TAKEOVER_QUIET.
    """
    if remaining <= 0 or quiet < TAKEOVER_QUIET:
        return False
    if quiet > STALLED_AFTER:
        return True
    return thief_speed > 0 and quiet > TAKEOVER_MARGIN * remaining / thief_speed


def victim_speed(measured: float, quiet: float) -> float:
    """The speed to judge a victim by (pure): STALLED_SPEED when its connection brought nothing
    for `quiet` > STALLED_AFTER seconds, else `measured` (0 = unknown: steal_cut plays safe)."""
    return STALLED_SPEED if quiet > STALLED_AFTER else max(measured, 0.0)


def steal_cut(
    pos: int,
    end: int,
    victim_speed: float,
    thief_speed: float,
    min_split: int = MIN_SPLIT,
    align: int = ALIGN,
) -> int | None:
    """Where a thief should cut [pos, end) from a running victim, or None to leave it (pure).

    Both ends are sized so they finish together: the victim keeps R·v/(v+t). A steal always
    happens when ≥ 2×min_split is left (no connection idles while that much remains); below
    that, only when the victim is measured to need > WORTH_SECONDS more and the thief gets
    ≥ MIN_STEAL (each cut drops the victim's connection and the bytes in flight on it).
    Speeds ≤ 0 mean unknown: the cut falls back to halves.
    """
    remaining = end - pos
    if remaining <= 0:
        return None
    if victim_speed > 0 and thief_speed > 0:
        keep = int(remaining * victim_speed / (victim_speed + thief_speed))
    else:
        keep = remaining // 2
    # the victim always keeps something: a cut at `pos` would leave it an empty range
    cut = min(end, _align_up(pos + max(keep, 1), align))
    if end - cut < MIN_STEAL:
        cut = end - MIN_STEAL
    if cut <= pos:
        return None
    if remaining >= 2 * min_split:
        return cut
    if victim_speed <= 0:
        return None  # not measured yet: only the floor rule, no speculative cuts
    if remaining / victim_speed > WORTH_SECONDS and end - cut >= MIN_STEAL:
        return cut
    return None
