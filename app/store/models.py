"""Plain records the store hands out: jobs, their segments, their states."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import ClassVar

# Connections one download may open (aria2 caps its split at 16; IDM at 32).
MAX_CONNECTIONS = 32


class JobState(enum.StrEnum):
    """Where a job is in its life. Values are what the database and `tether list` show."""

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    # It can't make progress now (server down, network lost): it holds no download slot and
    # starts again by itself at `retry_at`.
    RETRYING = "retrying"
    CANCELLED = "cancelled"  # stopped by the user, partial data discarded; restartable

    # Named sets of states (filled in below: members don't exist yet inside the class body).
    # Running or waiting to run: it holds or wants a download slot; pause stops it.
    ACTIVE: ClassVar[frozenset[JobState]]
    # Everything but completed: it still has something to download.
    UNFINISHED: ClassVar[frozenset[JobState]]
    # Not running and not completed: start/resume may run it.
    RESTARTABLE: ClassVar[frozenset[JobState]]
    # It has a place in the queue or data on disk that cancel would drop.
    CANCELLABLE: ClassVar[frozenset[JobState]]


JobState.ACTIVE = frozenset({JobState.QUEUED, JobState.DOWNLOADING, JobState.RETRYING})
JobState.UNFINISHED = frozenset(JobState) - {JobState.COMPLETED}
JobState.RESTARTABLE = JobState.UNFINISHED - {JobState.DOWNLOADING}
JobState.CANCELLABLE = JobState.ACTIVE | {JobState.PAUSED}
# the older name, still imported here and there
ACTIVE_STATES = JobState.ACTIVE


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A byte range [start, end) of the file of which the first `done` bytes are durable."""

    start: int
    end: int
    done: int


@dataclass(slots=True)
class Job:
    """One download as persisted. `file_name` is set once the probe has chosen it."""

    id: int
    url: str
    dest_dir: str
    state: JobState
    added_at: float
    final_url: str | None = None
    file_name: str | None = None
    size: int | None = None
    done: int = 0
    resumable: bool = False
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    connections: int = 8
    sha256: str | None = None  # kept in step with `checksum` when that is a SHA-256
    speed_limit: int | None = None  # bytes/s for this job only; None = unlimited
    finished_at: float | None = None
    # The outage clock (app/engine/outage.py), kept across runs and restarts: when the next
    # try is due, when the outage began, how many runs it ended, the furthest ever reached.
    retry_at: float | None = None
    retry_since: float | None = None
    retry_attempts: int = 0
    retry_best: int = 0
    checksum: str | None = None  # "algo:hex" (checksums.Checksum's str); verified at the finish
    segments: list[SegmentRecord] = field(default_factory=list)
    position: int = 0  # place in the queue's order (kept in the queue_order table)

    def snapshot(self) -> Job:
        """A copy safe to hand to another thread (segments are immutable records)."""
        return dataclasses.replace(self, segments=list(self.segments))

    @property
    def verified(self) -> str | None:
        """The algorithm the finished file was checked with ("sha256"), or None."""
        if self.state != JobState.COMPLETED or not self.checksum or ":" not in self.checksum:
            return None
        return self.checksum.partition(":")[0]

    @property
    def path(self) -> str | None:
        """The final path of the file (not the .part), once a name is chosen."""
        if self.file_name is None:
            return None
        import os.path

        return os.path.join(self.dest_dir, self.file_name)

    @property
    def part_path(self) -> str | None:
        p = self.path
        return None if p is None else p + ".part"
