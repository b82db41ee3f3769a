"""Outages: a job that can't make progress tries again later, until `retry_for` without progress.

One outage is one event, not one failure per connection: a server restart that breaks eight
connections at once ends the run once (the job becomes `retrying` and frees its slot), and the
clock that decides when to stop trying runs across runs and app restarts. The clock restarts
only when the job gets further than it has ever been, so a server that always cuts the file at
the same byte still ends in an error, not a loop.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.engine.retry import RetryPolicy, backoff_delay

# The Job fields that persist the clock (app/store/models.py)
CLOCK_FIELDS = ("retry_at", "retry_since", "retry_attempts", "retry_best")


@dataclass(frozen=True, slots=True)
class Verdict:
    """After a failure: give up (`line` is the one line to fail with) or wait `delay` seconds
    and try again (`line` says so in the job's log)."""

    give_up: bool
    delay: float
    line: str


@dataclass(slots=True)
class OutageClock:
    """A job's retry budget: time without new progress. Persisted with the job
    (retry_since/attempts/best); it refills only when the job gets further than ever."""

    retry_for: float
    best: int = 0  # the furthest the job has ever been, in bytes
    since: float | None = None  # wall time the current outage began; None: no outage
    attempts: int = 0  # runs that this outage has ended so far

    def progressed(self, done: int) -> bool:
        """Record `done` bytes; further than ever stops the clock (returns True)."""
        if done > self.best:
            self.best = done
            self.since = None
            self.attempts = 0
            return True
        return False

    def failed(self, now: float) -> None:
        """A failure without new progress: the outage begins now, unless it already runs."""
        if self.since is None:
            self.since = now

    def ended_run(self, now: float) -> None:
        """A run ended for this outage: one more attempt."""
        self.failed(now)
        self.attempts += 1

    def expired(self, now: float) -> bool:
        return self.since is not None and now - self.since >= self.retry_for

    def next_try(
        self,
        now: float,
        policy: RetryPolicy,
        retry_after: float | None,
        rng: random.Random,
        attempt: int | None = None,
    ) -> float:
        """Wall time of the next try: capped exponential backoff with jitter (by `attempt`,
        else by the runs this outage ended), at least what Retry-After asked, and never past
        the end of `retry_for` unless the server asked for that itself (so the last try lands
        when the time is up)."""
        delay = backoff_delay(max(1, attempt or self.attempts), policy, retry_after, rng)
        at = now + delay
        if retry_after is None and self.since is not None:
            at = min(at, max(now, self.since + self.retry_for))
        return at

    def verdict(
        self,
        reason: str,
        retry_after: float | None,
        attempt: int,
        now: float,
        policy: RetryPolicy,
        rng: random.Random,
    ) -> Verdict:
        """Give up or wait: the one place it is decided, for a connection's next try and for
        a job's next run alike. Give up once `retry_for` has passed without getting further;
        else wait the backoff for try number `attempt` (next_try)."""
        delay = self.next_try(now, policy, retry_after, rng, attempt) - now
        if self.expired(now):
            return Verdict(True, delay, gave_up(reason, now - (self.since or now)))
        return Verdict(False, delay, f"{reason}; retrying in {delay:.1f} s (attempt {attempt})")

    def after_run(
        self,
        done: int,
        now: float,
        reason: str,
        retry_after: float | None,
        policy: RetryPolicy,
        rng: random.Random,
    ) -> Verdict:
        """A run ended in this outage at `done` bytes: when to run again, or the one line to
        fail with once `retry_for` has passed without progress."""
        self.progressed(done)
        self.ended_run(now)
        return self.verdict(reason, retry_after, self.attempts, now, policy, rng)

    def reset(self) -> None:
        """The partial data was discarded (file changed) or the user asked again: start afresh."""
        self.best = 0
        self.since = None
        self.attempts = 0


class ConnectionHealth:
    """A job's working connections, and how many brought nothing on their last try: all of
    them at once is an outage. Not locked itself: the job's lock guards it."""

    __slots__ = ("down", "working")

    def __init__(self) -> None:
        self.working = 0
        self.down = 0

    def failed(self, was_down: bool, brought_nothing: bool) -> bool:
        """Record one connection's failed try; True when every working connection is down."""
        self.down += int(brought_nothing) - int(was_down)
        return brought_nothing and self.down >= self.working


def gave_up(reason: str, seconds: float) -> str:
    """The one line a job fails with after an outage (pure).

    >>> gave_up("connection refused by the server", 300)
    'connection refused by the server (kept trying for 5 min 0 s)'
    """
    kept = f"kept trying for {duration(seconds)}"
    if reason.endswith(")"):
        return f"{reason[:-1]}; {kept})"
    return f"{reason} ({kept})"


def duration(seconds: float) -> str:
    """'45 s', '5 min 0 s', '2 h 3 min' (pure)."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"
