"""Preparing a run: the probe, whether the bytes already on disk still count, the file's name,
the .part file and the plan of segments."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from app.engine import http, naming, samefile
from app.engine.errors import PermanentError, RestartNeeded, TransientError, from_os_error
from app.engine.inorder import InOrderHash
from app.engine.partfile import PartFile
from app.engine.resume import check_space, stale_reason
from app.engine.runcontrol import Outage
from app.engine.segments import gaps, plan
from app.store.models import Job, JobState

if TYPE_CHECKING:
    from app.engine.download import Download


def prepare(run: Download, force_stream: bool) -> None:
    """Probe, then size the .part and fill the segment table (or set up a single stream)."""
    job = run.job
    if job.state != JobState.DOWNLOADING or job.error:
        job.state = JobState.DOWNLOADING
        job.error = None
        run.changed("state", "error")
    probe = run.probe = _probe_file(run, force_stream)
    if probe.status == 206 and probe.size is not None:
        run.ranged_size = probe.size
    elif (
        force_stream
        and probe.size is not None
        and run.ranged_size is not None
        and probe.size != run.ranged_size
    ):
        raise PermanentError(
            f"the server contradicts itself about the file's size ({run.ranged_size} vs "
            f"{probe.size} bytes); not saving an answer that can't be trusted"
        )

    # The name is chosen once and kept: a resumed job must find its own .part again.
    if job.file_name is None:
        base = naming.choose_name(probe.content_disposition, probe.final_url, job.url)
        job.file_name = run.reserve_name(job.dest_dir, base, job.id)
    if not naming.is_inside(job.dest_dir, job.file_name):
        raise PermanentError("refusing a file name that leaves the destination folder")

    resumable = probe.resumable and not force_stream and probe.size is not None
    part_path = job.part_path
    assert part_path is not None
    fresh = _keep_or_discard(run, probe, resumable, part_path)
    job.final_url = probe.final_url
    job.size = probe.size
    job.resumable = resumable
    job.etag = probe.etag
    job.last_modified = probe.last_modified
    run.changed("final_url", "size", "resumable", "etag", "last_modified", "file_name", "done")
    run.verifier.look_for(probe, job)
    _open_part(run, probe.size if resumable else None, part_path, fresh)
    run.hasher = in_order_hash(run)


def in_order_hash(run: Download) -> InOrderHash | None:
    """What hashes the bytes written in order from byte 0 in this run, if a checksum is known.

    A stream and a fresh plan start at byte 0. A resumed plan keeps the hasher of an earlier
    pass of this process (bytes [0, pos) on disk are still those it hashed); one whose first
    bytes came in another process has none: the finish reads the file back.
    """
    known = run.verifier.known(run.job)
    if known is None:
        return None
    table = run.table
    first = next((s for s in table.segments if s.start == 0), None)
    if table.streaming or (first is not None and first.done == 0):
        return InOrderHash(known.algo)
    old = run.hasher
    return old if old is not None and old.algo == known.algo else None


def _keep_or_discard(
    run: Download, probe: http.ProbeResult, resumable: bool, part_path: str
) -> bool:
    """Whether the bytes on disk still count; returns True when the run starts from 0."""
    job = run.job
    had_progress = job.done > 0 or any(s.done for s in job.segments)
    if is_new_link(job):
        _check_new_link(run, probe, part_path)
    elif had_progress:
        reason = stale_reason(job, probe.size, probe.validator, resumable, part_path)
        if reason:
            run.log(f"starting over from 0: {reason}")
            job.segments = []
            job.done = 0
            run.clock.reset()
            return True
    return not had_progress


def _open_part(run: Download, ranged_size: int | None, part_path: str, fresh: bool) -> None:
    """Open the .part: sized up front and planned in segments, or empty for a single stream."""
    job = run.job
    try:
        os.makedirs(job.dest_dir, exist_ok=True)
    except OSError as exc:
        raise from_os_error(exc, job.dest_dir) from exc
    part = run.part = PartFile(part_path)
    if ranged_size is not None:
        segs = plan(ranged_size, job.segments, run.connections, run.settings.min_split)
        check_space(job.dest_dir, ranged_size - sum(s.done for s in segs))
        if fresh:
            part.truncate(0)  # no stale bytes may survive under the new plan
        if part.size() != ranged_size:
            part.truncate(ranged_size)
        run.table.use_segments(segs)
    else:
        run.table.use_stream()
        if job.size is not None:
            check_space(job.dest_dir, job.size)
        part.truncate(0)
    run.checkpoints.checkpoint(part)


def _probe_file(run: Download, force_stream: bool) -> http.ProbeResult:
    """The probe; its connection is kept for the transfer's first request (keep-alive)."""
    session = run.session()
    url = run.job.url
    try:
        try:
            start, end = probe_span(run.job)
            result = http.probe(
                session, url, run.timeout(), ranged=not force_stream, start=start, end=end
            )
        except http.RangesBroken:
            if force_stream:
                raise PermanentError("the server's answers are malformed") from None
            raise
        except http.RangeNotSatisfiable as err:
            result = _after_416(run.job, url, err)
        except TransientError as err:
            # Nothing gets through: end the run, free the slot, try again later.
            raise Outage(err) from err
        run.probe_session = session
        return result
    except BaseException:
        run.give_back(session)
        raise


def _after_416(job: Job, url: str, err: http.RangeNotSatisfiable) -> http.ProbeResult:
    """416 `bytes */total` to a resumed probe. Same total and every byte on disk: the file is
    complete, go and finish (and verify). Another total: the file changed, start over."""
    if job.size is None or not any(s.done for s in job.segments):
        raise err
    if err.total != job.size:
        if is_new_link(job):
            raise PermanentError(
                f"the new link is another file ({err.total} bytes, not {job.size} bytes);"
                " the partial data is kept"
            )
        raise RestartNeeded(
            f"the file's size changed on the server ({job.size} → {err.total} bytes)"
        )
    if job.done != job.size:
        raise err
    return http.ProbeResult(
        final_url=job.final_url or url,
        status=206,
        size=job.size,
        resumable=True,
        etag=job.etag,
        last_modified=job.last_modified,
        content_disposition=None,
        encoded=False,
        response=None,
    )


def probe_span(job: Job) -> tuple[int, int | None]:
    """The first missing range, so a resumed probe fetches only bytes we still need (pure)."""
    if job.size is None or not job.resumable or not any(s.done for s in job.segments):
        return 0, None
    missing = gaps(job.size, job.segments)
    if missing:
        return missing[0]
    return max(0, job.size - 1), job.size  # all there: one byte checks the validator


def is_new_link(job: Job) -> bool:
    """Bytes on disk but no final URL: set_url() gave a new link since they came (pure)."""
    had_progress = job.done > 0 or any(s.done for s in job.segments)
    return had_progress and job.final_url is None and job.size is not None and job.resumable


def _check_new_link(run: Download, probe: http.ProbeResult, part_path: str) -> None:
    """The same file by bytes (samefile.py), else PermanentError: the partial data stays
    for a better link. Its validators then replace the old link's."""
    job = run.job
    assert job.size is not None
    size = job.size
    if not (probe.resumable and probe.status == 206):
        raise PermanentError(
            "the new link cannot resume downloads, so it can't be checked to be the same "
            "file; the partial data is kept"
        )
    ranges = samefile.pieces([(s.start, s.start + s.done) for s in job.segments if s.done])
    try:
        fd = os.open(part_path, os.O_RDONLY)
    except OSError as exc:
        raise from_os_error(exc, part_path) from exc
    session = run.sessions.acquire(probe.final_url)
    try:
        reason = samefile.compare(
            size,
            probe.size,
            ranges,
            lambda a, b: os.pread(fd, b - a, a),
            lambda a, b: samefile.fetch_range(session, probe.final_url, a, b, size, run.timeout()),
        )
    finally:
        run.sessions.release(session, probe.final_url)
        os.close(fd)
    if reason is not None:
        raise PermanentError(f"{reason}; the partial data is kept")
    run.log(f"new link checked: same size, {len(ranges)} pieces on disk match")
