"""Checkpoints: make the written bytes durable, then record their offsets — in that order — and
hold writers back while the disk is too far behind."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.engine.partfile import PartFile
from app.engine.segmenttable import SegmentTable
from app.store.jobstore import JobStore
from app.store.models import Job, SegmentRecord


class Checkpointer:
    """Snapshot offsets → fsync the data → persist them. Invariant: a persisted offset is never
    ahead of the bytes on disk, so a crash can only make offsets older, never wrong.

    Writers call `wait_durable()` when more than `max_unsynced` bytes are not yet durable;
    `request` asks the job thread for a checkpoint now, and each checkpoint wakes the waiters.
    """

    def __init__(
        self,
        store: JobStore,
        job: Job,
        table: SegmentTable,
        max_unsynced: int,
        request: Callable[[], None],
    ) -> None:
        self._store = store
        self._job = job
        self._table = table
        self._request = request
        self.max_unsynced = max_unsynced
        # Start syncing at half the bound: writers carry on meanwhile (they only block at the
        # full bound), so the disk always has the next batch and never idles.
        self.sync_early = max_unsynced // 2
        self._durable = threading.Condition()
        self.durable = 0  # bytes the last checkpoint made durable
        self._persisted: list[SegmentRecord] | None = None  # what the last checkpoint wrote

    def checkpoint(self, part: PartFile | None) -> None:
        if part is None:
            return
        job, table = self._job, self._table
        records = table.records()
        done = table.stream_done if table.streaming else sum(r.done for r in records)
        if records == self._persisted and done == job.done:
            return  # nothing new: no fsync, no transaction (many idle jobs stay cheap)
        if done:
            part.sync()
        self._store.save_progress(job.id, records, done)
        self._persisted = records
        job.segments = records
        job.done = done
        with self._durable:
            self.durable = done
            self._durable.notify_all()

    def behind(self) -> int:
        """Bytes written but not yet durable."""
        return self._table.done_bytes() - self.durable

    def wait_durable(self, stop: threading.Event) -> None:
        """Backpressure: the disk is behind; wait until a checkpoint makes our bytes durable
        (or the run stops: `wake()`)."""
        with self._durable:
            while not stop.is_set() and self.behind() > self.max_unsynced:
                self._request()  # the job thread checkpoints now, not at its next tick
                self._durable.wait()

    def wake(self) -> None:
        """The run is stopping: no writer may stay blocked."""
        with self._durable:
            self._durable.notify_all()

    def restarted(self) -> None:
        """The stream starts again from 0: nothing of it is durable."""
        with self._durable:
            self.durable = 0

    def forget(self) -> None:
        """The partial data is gone: the next checkpoint writes whatever there is."""
        self._persisted = None
        self.restarted()
