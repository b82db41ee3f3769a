"""Is a link about to be added already here? In the list (unfinished or completed), or as a
file at the destination. Pure: the Add path asks the user (or applies a remembered choice)."""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.engine.naming import name_from_url, sanitize
from app.store.models import Job, JobState


class ConflictKind(enum.Enum):
    IN_QUEUE = "queued"  # an unfinished job has this link
    COMPLETED = "completed"  # a completed job has it and its file is still there
    FILE_EXISTS = "exists"  # a file with the link's name is already at the destination


# The answers each question offers, as stored in Options when the user says "remember".
CHOICES: dict[ConflictKind, tuple[str, ...]] = {
    ConflictKind.IN_QUEUE: ("show", "add"),
    ConflictKind.COMPLETED: ("open", "add"),
    ConflictKind.FILE_EXISTS: ("overwrite", "rename", "open"),
}
OPTION_KEY = {
    ConflictKind.IN_QUEUE: "queued_url_action",
    ConflictKind.COMPLETED: "completed_url_action",
    ConflictKind.FILE_EXISTS: "exists_action",
}


@dataclass(frozen=True, slots=True)
class Conflict:
    url: str
    kind: ConflictKind
    job_id: int | None = None
    path: str | None = None


def find_conflict(
    url: str,
    dest_dir: str,
    jobs: Sequence[Job],
    exists: Callable[[str], bool] = os.path.exists,
) -> Conflict | None:
    """The first reason to ask before adding `url` into `dest_dir`, or None."""
    url = url.strip()
    same = [j for j in jobs if j.url == url or j.final_url == url]
    unfinished = [j for j in same if j.state is not JobState.COMPLETED]
    if unfinished:
        return Conflict(url, ConflictKind.IN_QUEUE, unfinished[-1].id)
    done = [j for j in same if j.path is not None and exists(j.path)]
    if done:
        return Conflict(url, ConflictKind.COMPLETED, done[-1].id, done[-1].path)
    raw = name_from_url(url)
    if raw:
        path = os.path.join(os.path.abspath(os.path.expanduser(dest_dir)), sanitize(raw))
        if exists(path):
            return Conflict(url, ConflictKind.FILE_EXISTS, None, path)
    return None


def remembered(kind: ConflictKind, options: object) -> str | None:
    """The stored answer for this kind of question, or None to ask."""
    value = getattr(options, OPTION_KEY[kind], "ask")
    return value if value in CHOICES[kind] else None
