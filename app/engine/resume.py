"""Whether the bytes a job already has can be continued, and room for the rest."""

from __future__ import annotations

import os
import shutil

from app.engine.errors import PermanentError
from app.engine.headers import if_range_validator
from app.store.models import Job


def stale_reason(
    job: Job, size: int | None, validator: str | None, resumable: bool, part_path: str
) -> str | None:
    """Why the bytes `job` has can't be continued under a probe that found `size` and
    `validator`, or None if they can."""
    if not resumable:
        return "the server does not support resuming"
    if job.size is not None and size != job.size:
        return f"the file's size changed on the server ({job.size} → {size} bytes)"
    old = if_range_validator(job.etag, job.last_modified)
    if old is None:
        return "the server gives no way to tell whether the file changed"
    if validator != old:
        return "the file changed on the server"
    try:
        on_disk = os.path.getsize(part_path)
    except OSError:
        return "the partial file is missing"
    furthest = max((s.start + s.done for s in job.segments if s.done), default=job.done)
    if on_disk < furthest:
        return "the partial file is shorter than recorded"
    return None


def check_space(folder: str, needed: int) -> None:
    """Fail at once (not at 99 %) when the folder can't hold the bytes still to come."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if needed > free:
        raise PermanentError(
            f"not enough disk space in {folder}: need {needed} more bytes, {free} free"
        )
