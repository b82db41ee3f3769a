"""What a download's end means for its job: paused, cancelled (its data discarded), removed
(its files deleted as asked), retrying (a timer for its next try), queued again, done."""

from __future__ import annotations

import contextlib
import os

from app.engine.download import Download, Outcome, StopReason
from app.engine.events import EngineEvent, EventKind
from app.engine.outage import CLOCK_FIELDS
from app.engine.runs import Runs
from app.store.models import Job, JobState


class RunEnds(Runs):
    """The loop-side end of a run, and forgetting a job. `Engine` adds the commands."""

    def _on_finished(self, download: Download) -> None:
        """A download's thread ended: record what its end means for the job."""
        jid = download.job.id
        if self._running.get(jid) is download:
            del self._running[jid]
            self._host_use.pop(jid, None)
            self._bandwidth.detach(jid)
        job = download.job
        reason = download.stop_reason
        if jid not in self._jobs:
            return
        cached = self._jobs[jid]
        if cached.url != job.url:  # set_url() ran while the download was winding down
            job.url, job.final_url = cached.url, cached.final_url
        if download.outcome == Outcome.STOPPED or (
            download.outcome != Outcome.COMPLETED
            and reason in (StopReason.CANCEL, StopReason.REMOVE)
        ):
            self._after_stop(job, reason)
        else:
            self._after_end(job, reason)
        self._resume_after_stop.discard(jid)
        self._schedule()
        if self._wakeup is not None:
            self._wakeup.set()

    def _after_stop(self, job: Job, reason: StopReason | None) -> None:
        """It stopped because it was asked to (pause, shutdown, cancel, remove)."""
        jid = job.id
        if reason == StopReason.REMOVE:
            self._forget_removed(job)
        elif reason == StopReason.CANCEL:
            self._jobs[jid] = job
            self._discard(job)
            job.error = None
            self._set_state(job, JobState.CANCELLED, "error", "done", *CLOCK_FIELDS)
        elif reason == StopReason.SHUTDOWN:
            job.state = JobState.DOWNLOADING  # resumes on the next start
            self._jobs[jid] = job
            self._store.update_job(job, ["state"])
        else:
            self._jobs[jid] = job
            if jid in self._resume_after_stop:
                self._resume_after_stop.discard(jid)
                self._set_state(job, JobState.QUEUED)
            else:
                self._set_state(job, JobState.PAUSED)

    def _after_end(self, job: Job, reason: StopReason | None) -> None:
        """It completed, failed, or an outage ended it (retrying)."""
        jid = job.id
        self._jobs[jid] = job
        if reason == StopReason.REMOVE:
            self._forget_removed(job)
        elif job.state == JobState.RETRYING:
            self._dispatch(EngineEvent(EventKind.CHANGED, jid, job.snapshot()))
            if jid in self._resume_after_stop:  # Resume/Retry was pressed meanwhile: now
                self._resume_after_stop.discard(jid)
                self.resume(jid)
            elif reason == StopReason.PAUSE:
                self._set_state(job, JobState.PAUSED)
            elif reason is None:
                self._arm_retry(job)  # SHUTDOWN: it stays retrying for the next start
        else:
            self._dispatch(EngineEvent(EventKind.CHANGED, jid, job.snapshot()))
            if jid in self._resume_after_stop and job.state == JobState.FAILED:
                job.error = None  # Retry was pressed as it failed
                self._set_state(job, JobState.QUEUED, "error")

    def _discard(self, job: Job) -> None:
        """Delete the .part and forget the progress (the job itself stays)."""
        part = job.part_path
        if part is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(part)
        job.done = 0
        job.segments = []
        job.retry_at = job.retry_since = None  # no outage goes on for a cancelled job
        job.retry_attempts = job.retry_best = 0
        self._store.save_progress(job.id, [], 0)
        self._store.add_log(job.id, "cancelled; partial data deleted")

    def _forget_removed(self, job: Job) -> None:
        """A running job's remove(), once its download has stopped."""
        jid = job.id
        keep = jid in self._keep_partial_on_remove
        self._forget(job, jid in self._delete_file_on_remove, keep)
        self._delete_file_on_remove.discard(jid)
        self._keep_partial_on_remove.discard(jid)

    def _forget(self, job: Job, delete_file: bool, keep_partial: bool = False) -> None:
        self._disarm(job.id)
        part = job.part_path
        if part is not None and not keep_partial:
            with contextlib.suppress(FileNotFoundError):
                os.remove(part)
        if delete_file and job.state == JobState.COMPLETED and job.path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(job.path)
        self._store.delete_job(job.id)
        self._jobs.pop(job.id, None)
        self._names.forget(job.id)
        if self._eligible is not None:
            self._eligible.discard(job.id)
        self._dispatch(EngineEvent(EventKind.REMOVED, job.id, None))
