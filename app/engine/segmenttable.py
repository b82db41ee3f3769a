"""The segment table: one job's live byte ranges, who owns each, work stealing, bytes done and
the speed average (aria2's SegmentMan)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from app.engine.livesegment import LiveSegment
from app.engine.outage import ConnectionHealth
from app.engine.segments import steal_cut, takes_over, victim_speed
from app.store.models import SegmentRecord


class SegmentTable:
    """The segments of one run, guarded by `lock` (bounds and ownership; `health` too).

    Only a segment's owner advances its `done`, so reading progress needs no lock. In
    single-stream mode there are no segments: `stream_done` counts the bytes from 0.
    """

    def __init__(self, min_split: int) -> None:
        self.lock = threading.Lock()
        self.segments: list[LiveSegment] = []
        self.streaming = False
        self.stream_done = 0
        self.health = ConnectionHealth()  # under lock
        self.active = 0  # connections running now (shown to the user)
        self._min_split = min_split
        self._samples: deque[tuple[float, int]] = deque(maxlen=10)  # ~5 s at 2 Hz
        # Closes worker `key`'s connection now, calling its second argument just before, and
        # only if there is one to close (RunControl.cut); False if it has none open. Called
        # under `lock`, so the worker still owns the segment it was judged on.
        self.cutter: Callable[[int, Callable[[], None]], bool] = lambda key, before: False
        # Bumped (and waiters woken) when a segment is released — finished, or free again:
        # idle workers wait for that rather than polling, so the last one's end is seen at once.
        self.generation = 0
        self._changed = threading.Condition(self.lock)

    # ------------------------------------------------------------------ contents
    def use_segments(self, records: list[SegmentRecord]) -> None:
        self.streaming = False
        self.segments = [LiveSegment(r.start, r.end, r.done) for r in records]

    def use_stream(self) -> None:
        self.streaming = True
        self.stream_done = 0
        self.segments = []

    def clear(self) -> None:
        with self.lock:
            self.segments = []
        self.stream_done = 0

    def done_bytes(self) -> int:
        if self.streaming:
            return self.stream_done
        return sum(s.done for s in self.segments)

    def remaining(self) -> int:
        return sum(s.end - s.start - s.done for s in self.segments)

    def unfinished(self) -> int:
        """How many segments still have bytes to fetch."""
        return sum(1 for s in self.segments if s.end - s.start > s.done)

    def records(self) -> list[SegmentRecord]:
        """What a checkpoint writes: every non-empty segment's bounds and progress."""
        if self.streaming:
            return []
        with self.lock:
            return [SegmentRecord(s.start, s.end, s.done) for s in self.segments if s.end > s.start]

    def bounds(self, size: int | None) -> tuple[tuple[int, int, int], ...]:
        """(start, end, done) per segment, for the progress bar."""
        if self.streaming:
            return ((0, size, self.stream_done),) if size else ()
        return tuple((s.start, s.end, s.done) for s in list(self.segments))

    # ------------------------------------------------------------------ speed
    def sample(self) -> int:
        """Record the bytes done now for the speed average; returns them."""
        done = self.done_bytes()
        self._samples.append((time.monotonic(), done))
        return done

    def speed(self) -> float:
        """Bytes/s over the last few samples."""
        samples = self._samples
        if len(samples) < 2:
            return 0.0
        (t0, d0), (t1, d1) = samples[0], samples[-1]
        return max(0.0, (d1 - d0) / (t1 - t0)) if t1 > t0 else 0.0

    # ------------------------------------------------------------------ who fetches what
    def claim(
        self, my_speed: float, stop: threading.Event, limited: bool
    ) -> LiveSegment | bool | None:
        """An unowned segment with bytes left, else a piece of the one with most time left.

        Returns False when nothing is left to do at all, None when nothing is worth taking
        right now (others are still finishing), else the segment now owned by the caller.
        `limited`: a speed limit makes every connection wait alike, so quiet time means nothing.
        """
        with self.lock:
            if stop.is_set():
                return False
            free = [s for s in self.segments if not s.owned and s.end > s.start + s.done]
            if free:
                seg = max(free, key=lambda s: s.end - s.start - s.done)
                seg.owned = True
                seg.reserved = seg.start + seg.done
                seg.speed = 0.0
                seg.since = 0.0  # `owner` is stale until the new owner's answer comes
                return seg
            return self._steal(my_speed, limited)

    def _steal(self, my_speed: float, limited: bool) -> LiveSegment | bool | None:
        """Cut the far part off the segment that would take longest (under the lock), or all
        of it when its connection has gone quiet (segments.takes_over)."""
        victim = None
        most = speed = quiet = 0.0
        busy = False
        fallback = max(my_speed, 1.0)
        now = 0.0 if limited else time.monotonic()
        for s in self.segments:
            left = s.end - max(s.start + s.done, s.reserved)
            if left <= 0:
                continue
            busy = True
            q = now - max(s.since, s.last) if s.since and now else 0.0
            v = victim_speed(s.speed, q)
            time_left = left / (v if v > 0 else fallback)
            if time_left > most:
                victim, most, speed, quiet = s, time_left, v, q
        if victim is None:
            return False if not busy else None
        end = victim.end
        pos = max(victim.start + victim.done, victim.reserved)
        cut = pos
        # A thief not measured yet (a new connection) counts as this download's average one.
        thief = my_speed if my_speed > 0 else self.speed() / max(1, self.active)
        if not (takes_over(end - pos, quiet, thief) and self.drop(victim, pos)):
            if pos < victim.req_end < end:
                # Its current answer (e.g. the probe's bounded piece) is already on the way:
                # cut after it, between two requests, so nothing in flight is thrown away.
                pos = victim.req_end
            shared = steal_cut(pos, end, speed, my_speed, self._min_split)
            if shared is None:
                return None
            victim.end = cut = shared
        new = LiveSegment(cut, end)
        new.owned = True
        self.segments.append(new)
        self.segments.sort(key=lambda s: s.start)
        return new

    def drop(self, seg: LiveSegment, end: int | None = None) -> bool:
        """Close the connection fetching `seg` (under the lock, so its owner is still the one
        it was judged on): the owner's read fails with `reroll` set and it goes on at once — on
        a new connection, or, with `end` (a takeover: its bytes from there are someone else's),
        to other work. False, changing nothing, if that connection is not open."""

        def mark() -> None:
            # Only once the cut is sure, and before it: the owner reads these without the
            # table lock, so it must find them set when its read fails, and never see them
            # come and go while it is between two requests (it would stop early, or ask for
            # an empty range).
            if end is not None:
                seg.end = end
            seg.reroll = True

        return self.cutter(seg.owner, mark)

    def release(self, seg: LiveSegment) -> None:
        with self.lock:
            seg.owned = False
            self.generation += 1
            self._changed.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> None:
        """An idle worker's wait: until a segment is released after generation `seen` (read
        before its last claim, so a release in between is not missed), or `timeout`."""
        with self.lock:
            if self.generation == seen:
                self._changed.wait(timeout)

    def wake_idle(self) -> None:
        """Wake idle workers now (the run is stopping). Never blocks: a caller may hold the
        lock, and waiters look again within their timeout anyway."""
        if self.lock.acquire(blocking=False):
            try:
                self.generation += 1
                self._changed.notify_all()
            finally:
                self.lock.release()

    def reserve(self, seg: LiveSegment, pos: int, n: int, stop: threading.Event) -> int:
        """How many of `n` bytes read at `pos` belong to `seg` (a thief may have moved its end
        down); marks them as being written, so no thief cuts below them. -1: stopped."""
        with self.lock:
            if stop.is_set():
                return -1
            limit = seg.end - pos
            take = n if n <= limit else limit
            seg.reserved = pos + take
            return take
