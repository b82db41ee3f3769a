"""Weekly time windows (queue hours, a speed-limit schedule) and the pure decisions built on them:
which queued jobs may start now, and when anything next changes.

Times are local wall-clock times (naive `datetime`s from an injectable clock): "01:00–07:00
Mon–Fri" means what the user's clock says. A window belongs to the day it starts on, so
22:00–06:00 on Friday runs into Saturday morning. start == stop means the whole day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

MINUTES_PER_DAY = 24 * 60
ALL_DAYS = 0b1111111  # bit 0 = Monday … bit 6 = Sunday (datetime.weekday())
WEEKDAYS = 0b0011111
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Window:
    """Open from `start` to `stop` (minutes after midnight) on the days in `days`."""

    start: int
    stop: int
    days: int = ALL_DAYS

    def __post_init__(self) -> None:
        for value in (self.start, self.stop):
            if not 0 <= value < MINUTES_PER_DAY:
                raise ValueError(f"not a minute of the day: {value}")
        if not 0 <= self.days <= ALL_DAYS:
            raise ValueError(f"not a set of days: {self.days}")

    def _spans(self, around: datetime) -> list[tuple[datetime, datetime]]:
        """The window's occurrences that start from the day before `around` to 8 days on."""
        length = (self.stop - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY
        midnight = around.replace(hour=0, minute=0, second=0, microsecond=0)
        spans = []
        for offset in range(-1, 9):
            day = midnight + timedelta(days=offset)
            if self.days >> day.weekday() & 1:
                begin = day + timedelta(minutes=self.start)
                spans.append((begin, begin + timedelta(minutes=length)))
        return spans


def is_open(window: Window | None, now: datetime) -> bool:
    """None is a window that never closes."""
    if window is None:
        return True
    return any(begin <= now < end for begin, end in window._spans(now))


def next_change(window: Window | None, now: datetime) -> datetime | None:
    """The first moment after `now` when `is_open` flips, or None if it never does."""
    if window is None:
        return None
    current = is_open(window, now)
    edges = sorted({t for span in window._spans(now) for t in span if t > now})
    for edge in edges:  # touching spans (all day, every day) are not a change
        if is_open(window, edge) != current:
            return edge
    return None


def next_open(window: Window | None, now: datetime) -> datetime | None:
    """When the window next opens; None if it is open now (or never opens)."""
    if is_open(window, now):
        return None
    return next_change(window, now)


def may_start(now: datetime, hours: Window | None, start_at: datetime | None) -> bool:
    """A job with its own start time runs from then, whatever the queue hours; the others
    only while the queue hours are open."""
    if start_at is not None:
        return now >= start_at
    return is_open(hours, now)


def starts_at(now: datetime, hours: Window | None, start_at: datetime | None) -> datetime | None:
    """When a job that may not start now will be allowed to (None: it may start now)."""
    if may_start(now, hours, start_at):
        return None
    return start_at if start_at is not None else next_open(hours, now)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the scheduler does now: `held` queued jobs wait, `stop` running ones go back to
    the queue, and it looks again at `wake` (None: nothing is due)."""

    held: frozenset[int]
    stop: frozenset[int]
    wake: datetime | None


def decide(
    now: datetime,
    hours: Window | None,
    start_at: Mapping[int, datetime],
    waiting: Iterable[int],
    running: Iterable[int],
    speed: Window | None = None,
) -> Decision:
    """Given the clock, the schedule and the jobs (queued ids, running ids, per-job start
    times), which jobs are held or stopped, and when the next change is due."""
    held = frozenset(j for j in waiting if not may_start(now, hours, start_at.get(j)))
    stop = frozenset(j for j in running if not may_start(now, hours, start_at.get(j)))
    candidates = [next_change(hours, now), next_change(speed, now)]
    candidates += [start_at[j] for j in held if j in start_at]
    due = [t for t in candidates if t is not None and t > now]
    return Decision(held, stop, min(due) if due else None)


def limit_at(
    now: datetime, window: Window | None, limit: int | None, base: int | None
) -> int | None:
    """The speed limit in force: the schedule's `limit` inside its window, else `base`."""
    if window is not None and is_open(window, now):
        return limit
    return base


# ---------------------------------------------------------------------------- text
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_time(text: str) -> int:
    """'01:00' -> 60 (minutes after midnight); ValueError otherwise."""
    match = _TIME.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"not a time (HH:MM): {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_days(text: str) -> int:
    """'mon-fri', 'sat,sun', 'mon-wed,fri', 'all' -> a day mask; ValueError otherwise."""
    cleaned = text.strip().lower()
    if cleaned in ("all", "daily", "*"):
        return ALL_DAYS
    mask = 0
    for part in cleaned.split(","):
        first, _, last = part.strip().partition("-")
        try:
            a = DAY_NAMES.index(first.strip()[:3])
            b = DAY_NAMES.index(last.strip()[:3]) if last else a
        except ValueError:
            raise ValueError(f"not days (e.g. mon-fri): {text!r}") from None
        for k in range(7):  # a range may wrap: fri-mon
            if (k - a) % 7 <= (b - a) % 7:
                mask |= 1 << k
    if not mask:
        raise ValueError(f"no days in {text!r}")
    return mask


def format_days(mask: int) -> str:
    if mask == ALL_DAYS:
        return "all"
    names = [DAY_NAMES[k] for k in range(7) if mask >> k & 1]
    return ",".join(names)


def when_text(now: datetime, when: datetime) -> str:
    """'01:00' today, '01:00 tomorrow', else '01:00 Mon' within a week, else the date and time
    (the time first: it is what a narrow column still shows)."""
    hm = when.strftime("%H:%M")
    days = (when.date() - now.date()).days
    if days <= 0:
        return hm
    if days == 1:
        return f"{hm} tomorrow"
    if days < 7:
        return f"{hm} {DAY_NAMES[when.weekday()].capitalize()}"
    return when.strftime("%Y-%m-%d %H:%M")


def parse_start_at(text: str, now: datetime) -> datetime:
    """`--start-at`: 'HH:MM' (the next such time, today or tomorrow) or an ISO date-time."""
    try:
        minutes = parse_time(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"not a time (HH:MM) or date-time (ISO 8601): {text!r}") from None
        if when.tzinfo is not None:  # to local wall time, as the clock gives it
            when = when.astimezone().replace(tzinfo=None)
        return when
    today = now.replace(hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)
