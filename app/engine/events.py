"""What the engine tells the outside world: progress snapshots and job events."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.store.models import Job


@dataclass(frozen=True, slots=True)
class Progress:
    """A cheap snapshot of one running job, safe to take from any thread at any rate.

    `segments` is (start, end, done) per connection's range, so a view can paint where each
    connection is in the file. `speed` is a rolling average over the last few seconds.
    """

    job_id: int
    done: int
    size: int | None
    speed: float
    connections: int
    segments: tuple[tuple[int, int, int], ...]
    rerolls: int = 0  # slow connections closed and opened again in this run (reroll.py)
    verifying: bool = False  # every byte is there; the file is being read back for its checksum

    @property
    def eta(self) -> float | None:
        """Seconds left at the current speed, or None when unknown."""
        if self.size is None or self.speed <= 0:
            return None
        return max(0.0, (self.size - self.done) / self.speed)


class EventKind(enum.StrEnum):
    ADDED = "added"  # a new job exists
    CHANGED = "changed"  # state, name, size, error or URL changed
    REMOVED = "removed"  # the job is gone from the store
    LOG = "log"  # a human-readable line for the job's history (restart, retry, …)


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """Delivered on the event-loop thread. `job` is a copy of the job after the change."""

    kind: EventKind
    job_id: int
    job: Job | None = None
    message: str | None = None
