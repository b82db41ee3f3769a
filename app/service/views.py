"""How jobs, progress and engine events look on the wire (pure; no secret ever leaves here),
and back again for a client (the window's RemoteEngine).

Job dicts are built from an allow-list of fields, with URLs passed through `redact`, so a
field added to `Job` later (request headers, cookies …) is never sent by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.engine.events import EngineEvent, EventKind, Progress
from app.engine.urls import redact
from app.store.models import Job, JobState

JsonObj = dict[str, Any]


def job_dict(job: Job, done: int | None = None, verifying: bool = False) -> JsonObj:
    """One job for clients: `done` live when given (a running job's bytes on disk);
    `verifying`: a running job reading its file back for the checksum."""
    return {
        "id": job.id,
        "url": redact(job.url),
        "final_url": redact(job.final_url) if job.final_url else None,
        "state": job.state.value,
        "dest_dir": job.dest_dir,
        "file_name": job.file_name,
        "path": job.path,
        "size": job.size,
        "done": job.done if done is None else done,
        "error": job.error,
        "retry_at": job.retry_at,  # state "retrying": when the next try is due (Unix time)
        "retry_attempts": job.retry_attempts,
        "sha256": job.sha256,
        "checksum": job.checksum,  # "algo:hex", expected (given, or found published)
        "verified": job.verified,  # the algorithm the finished file was checked with
        "verifying": verifying,
        "connections": job.connections,
        "speed_limit": job.speed_limit,
        "resumable": job.resumable,
        "added_at": job.added_at,
        "finished_at": job.finished_at,
        "position": job.position,  # place in the queue's order
    }


def event_params(event: EngineEvent) -> JsonObj | None:
    """The `event` notification's params, or None for an event clients don't see."""
    if event.kind in (EventKind.ADDED, EventKind.CHANGED):
        if event.job is None:
            return None
        return {"kind": event.kind.value, "id": event.job_id, "job": job_dict(event.job)}
    if event.kind == EventKind.REMOVED:
        return {"kind": "removed", "id": event.job_id}
    if event.kind == EventKind.LOG:
        return {"kind": "log", "id": event.job_id, "message": event.message or ""}
    return None


def progress_entry(p: Progress, segments: bool) -> JsonObj:
    entry: JsonObj = {
        "done": p.done,
        "size": p.size,
        "speed": int(p.speed),  # whole bytes/s: float noise is not a change worth sending
        "connections": p.connections,
    }
    # Only once they happen (rerolls only grow; verifying lasts until the job stops running),
    # so the first entry of a job stays as short as it always was.
    if p.rerolls:
        entry["rerolls"] = p.rerolls
    if p.verifying:
        entry["verifying"] = True
    if segments:
        entry["segments"] = [list(s) for s in p.segments]
    return entry


def progress_snapshot(
    progress: Mapping[int, Progress], segments: bool, only: frozenset[int] | None = None
) -> dict[int, JsonObj]:
    return {
        jid: progress_entry(p, segments)
        for jid, p in progress.items()
        if only is None or jid in only
    }


def progress_delta(
    previous: Mapping[int, JsonObj], current: Mapping[int, JsonObj]
) -> list[JsonObj]:
    """What changed since the last batch a client got: per running job, its id and only the
    fields whose value differs (all of them for a job new to the client). Jobs that stopped
    running are left out: their state change arrives as an event."""
    out: list[JsonObj] = []
    for jid in sorted(current):
        now = current[jid]
        before = previous.get(jid)
        changed = {k: v for k, v in now.items() if before is None or before.get(k) != v}
        if changed:
            out.append({"id": jid, **changed})
    return out


# ---------------------------------------------------------------------------- client side
_JOB_FIELDS = (
    "final_url",
    "file_name",
    "size",
    "done",
    "error",
    "retry_at",
    "retry_attempts",
    "sha256",
    "checksum",
    "connections",
    "speed_limit",
    "resumable",
    "finished_at",
    "position",
)


def job_from_dict(d: JsonObj) -> Job:
    """A Job from the wire's job object (views.job_dict); URLs arrive redacted."""
    job = Job(
        id=int(d["id"]),
        url=str(d["url"]),
        dest_dir=str(d["dest_dir"]),
        state=JobState(d["state"]),
        added_at=float(d.get("added_at") or 0.0),
    )
    for name in _JOB_FIELDS:
        if d.get(name) is not None:
            setattr(job, name, d[name])
    return job


def progress_from(job_id: int, entry: JsonObj) -> Progress:
    segments = tuple(tuple(s) for s in entry.get("segments") or ())
    return Progress(
        job_id=job_id,
        done=int(entry.get("done") or 0),
        size=entry.get("size"),
        speed=float(entry.get("speed") or 0.0),
        connections=int(entry.get("connections") or 0),
        segments=segments,
        rerolls=int(entry.get("rerolls") or 0),
        verifying=bool(entry.get("verifying")),
    )
