"""The finish step: every byte there → verify (size, checksum) → fsync → rename the .part to its
final name → record `completed`. Only then. And the crash between the rename and the record."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.engine import checksums
from app.engine.errors import PermanentError, from_os_error
from app.engine.inorder import InOrderHash
from app.engine.outage import CLOCK_FIELDS
from app.engine.partfile import fsync_dir as _fsync_dir  # tests/killpoint.py replaces it
from app.engine.urls import redact
from app.engine.verify import stored_checksum
from app.store.models import JobState

if TYPE_CHECKING:
    from app.engine.download import Download


class Incomplete(Exception):
    """Internal: the workers ended with bytes missing; resume from the last checkpoint."""


def adopt_renamed_file(run: Download) -> bool:
    """A crash between the final rename and recording 'completed' leaves the whole file
    under its final name, no .part, and every byte recorded as done: record it as completed
    instead of fetching it all again into a second file."""
    job = run.job
    final, part_path = job.path, job.part_path
    if final is None or part_path is None or not job.size or job.done != job.size:
        return False
    if any(s.done != s.end - s.start for s in job.segments):
        return False
    if os.path.lexists(part_path) or os.path.islink(final) or not os.path.isfile(final):
        return False
    if os.path.getsize(final) != job.size:
        return False
    expected = stored_checksum(job)
    if expected is not None and _digest_of(final, expected.algo) != expected.hex:
        return False
    job.state = JobState.COMPLETED
    job.error = None
    job.finished_at = time.time()
    job.segments = []
    run.store.save_progress(job.id, [], job.done)
    run.changed("state", "error", "done", "finished_at")
    run.log(f"completed: {final} was already renamed when the last run stopped")
    return True


def finish(run: Download) -> bool:
    """Complete the job (True), or leave every byte for the next run when it was stopped."""
    job = run.job
    part = run.part
    assert part is not None
    run.checkpoints.checkpoint(run.part)
    done = run.done_bytes()
    if job.size is None:
        job.size = done
    elif done != job.size or part.size() != job.size:
        raise Incomplete()
    expected = _expected_checksum(run)
    if run.control.stop.is_set():
        return False  # paused while a lookup was awaited: every byte stays, finish next time
    if expected is not None:
        # The bytes hashed in order as they were written (inorder.py), then what came out of
        # order read back once: nothing at all for one connection.
        hasher = run.hasher if run.hasher is not None and run.hasher.algo == expected.algo else None
        try:
            digest = _digest_of(part.path, expected.algo, hasher, job.size, _reading_back(run))
        finally:
            run.verifying = False
        if digest != expected.hex:
            # Kept for the user to inspect; the recorded progress goes, so a retry
            # downloads every byte again instead of trusting any of these.
            _forget_progress(run)
            raise PermanentError(
                f"checksum mismatch: expected {expected.label} {expected.hex}, got {digest};"
                f" the file was kept as {os.path.basename(part.path)}"
            )
        run.log(f"verified: {expected.label} matches")
    part_path = part.path  # _checkpoint() above made every byte durable
    final = job.path
    assert final is not None
    if os.path.lexists(final):
        # Someone created the name while we downloaded: never overwrite their file.
        job.file_name = run.reserve_name(job.dest_dir, job.file_name or "download", job.id)
        final = job.path
        assert final is not None
    # Close before renaming: Windows can't rename a file that is still open.
    run.part = None
    part.release()
    try:
        os.rename(part_path, final)
    except OSError as exc:
        raise from_os_error(exc, final) from exc
    _fsync_dir(job.dest_dir)
    job.state = JobState.COMPLETED
    job.error = None
    job.done = job.size
    job.finished_at = time.time()
    job.segments = []
    job.retry_at = job.retry_since = None
    job.retry_attempts = job.retry_best = 0
    run.store.save_progress(job.id, [], job.done)
    run.changed("state", "error", "done", "size", "finished_at", "file_name", *CLOCK_FIELDS)
    run.log(f"completed: {redact(job.final_url or job.url)} → {final}")
    return True


def _expected_checksum(run: Download) -> checksums.Checksum | None:
    """The checksum to verify: the job's own, else one found (then stored with the job)."""
    expected = stored_checksum(run.job)
    if expected is not None:
        return expected
    found = run.verifier.found(run.control.stop)
    if found is None:
        return None
    job = run.job
    job.checksum = str(found.checksum)
    job.sha256 = found.checksum.hex if found.checksum.algo == "sha256" else job.sha256
    run.changed("checksum", "sha256")
    run.log(f"checksum found: {found.checksum.label} from {redact(found.source)}")
    return found.checksum


def _forget_progress(run: Download) -> None:
    """Record no byte as done (the .part stays on disk): the next run starts from 0."""
    run.table.clear()
    run.checkpoints.forget()
    run.job.segments = []
    run.job.done = 0
    run.store.save_progress(run.job.id, [], 0)


def _reading_back(run: Download) -> Callable[[int], None]:
    def say(left: int) -> None:
        run.verifying = True  # shown as "verifying" (progress, the list) while it reads
        run.log(f"verifying: reading back {left} bytes for the checksum")

    return say


def _digest_of(
    path: str,
    algo: str,
    hasher: InOrderHash | None = None,
    size: int | None = None,
    read_back: Callable[[int], None] | None = None,
) -> str:
    """The file's digest, from `hasher`'s in-order bytes plus the rest read back; the whole
    file read back without one. Module-level so a kill point can wrap it (tests/killpoint.py)."""
    if hasher is None or size is None:
        if read_back is not None and size is not None:
            read_back(size)
        return checksums.file_digest(path, algo)
    return hasher.hexdigest_of(path, size, read_back)
