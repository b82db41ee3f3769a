"""A job's row in the jobs table: its columns, and the checks that turn a row into a Job (a row
that makes no sense is skipped with a reason, never silently 'fixed')."""

from __future__ import annotations

import sqlite3
from typing import Any

from app.store.models import MAX_CONNECTIONS, Job, JobState

JOB_COLUMNS = (
    "id, url, final_url, dest_dir, file_name, size, done, state, resumable, etag, "
    "last_modified, error, connections, sha256, speed_limit, added_at, finished_at, "
    "retry_at, retry_since, retry_attempts, retry_best, checksum"
)
UPDATABLE = (
    "url",
    "final_url",
    "dest_dir",
    "file_name",
    "size",
    "done",
    "state",
    "resumable",
    "etag",
    "last_modified",
    "error",
    "connections",
    "sha256",
    "speed_limit",
    "finished_at",
    "retry_at",
    "retry_since",
    "retry_attempts",
    "retry_best",
    "checksum",
)


class CorruptRow(ValueError):
    """A row whose values make no sense; it is skipped, never silently 'fixed'."""


def row_to_job(row: sqlite3.Row | tuple[Any, ...]) -> Job:
    (
        jid,
        url,
        final_url,
        dest_dir,
        file_name,
        size,
        done,
        state,
        resumable,
        etag,
        lm,
        error,
        connections,
        sha256,
        speed_limit,
        added_at,
        finished_at,
        retry_at,
        retry_since,
        retry_attempts,
        retry_best,
        checksum,
    ) = tuple(row)
    try:
        job_state = JobState(state)
    except ValueError as exc:
        raise CorruptRow(f"unknown state {state!r}") from exc
    if not isinstance(url, str) or not url or not isinstance(dest_dir, str) or not dest_dir:
        raise CorruptRow("missing URL or destination")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise CorruptRow(f"bad size {size!r}")
    if not isinstance(done, int) or done < 0 or (size is not None and done > size):
        raise CorruptRow(f"bad progress {done!r}")
    if file_name is not None and (
        not isinstance(file_name, str)
        or "/" in file_name
        or "\\" in file_name
        or file_name in ("", ".", "..")
    ):
        raise CorruptRow(f"bad file name {file_name!r}")
    if not isinstance(connections, int) or not 1 <= connections <= MAX_CONNECTIONS:
        raise CorruptRow(f"bad connection count {connections!r}")
    if not isinstance(added_at, int | float):
        raise CorruptRow("bad timestamp")
    return Job(
        id=int(jid),
        url=url,
        final_url=final_url,
        dest_dir=dest_dir,
        file_name=file_name,
        size=size,
        done=done,
        state=job_state,
        resumable=bool(resumable),
        etag=etag,
        last_modified=lm,
        error=error,
        connections=connections,
        sha256=sha256,
        speed_limit=speed_limit,
        added_at=float(added_at),
        finished_at=finished_at,
        retry_at=retry_at if isinstance(retry_at, int | float) else None,
        retry_since=retry_since if isinstance(retry_since, int | float) else None,
        retry_attempts=retry_attempts if isinstance(retry_attempts, int) else 0,
        retry_best=retry_best if isinstance(retry_best, int) else 0,
        checksum=checksum if checksum else (f"sha256:{sha256.lower()}" if sha256 else None),
    )
