"""Which rows and columns an update touches: pure decisions the model turns into as few Qt
signals as it can (one per contiguous block, never one per job), and one loop turn's engine
events folded into the removals, changes and inserts they add up to."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.engine.events import EngineEvent, EventKind, Progress
from app.store.models import Job, JobState
from app.ui.jobcells import Column

Span = tuple[int, int]  # first and last column


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """[1,2,3,7,8] -> [(1,3),(7,8)] for rows in ascending order."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def removal_runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Contiguous runs, last first, so removing one keeps the earlier row numbers valid."""
    return runs(sorted(rows))[::-1]


def changed_span(prev: Progress | None, cur: Progress) -> Span | None:
    """The first and last column a new snapshot changes for one row."""
    cols: list[int] = []
    if prev is None or prev.size != cur.size:
        cols.append(Column.SIZE)
    if prev is None or prev.done != cur.done or prev.segments != cur.segments:
        cols.append(Column.PROGRESS)
    if prev is None or prev.speed != cur.speed:
        cols.append(Column.SPEED)
    if prev is None or prev.eta != cur.eta:
        cols.append(Column.ETA)
    if (prev is not None and prev.verifying) != cur.verifying:
        cols.append(Column.STATE)
    if not cols:
        return None
    return min(cols), max(cols)


def progress_spans(
    old: Mapping[int, Progress],
    new: Mapping[int, Progress],
    row_of: Mapping[int, int],
    retrying: Iterable[int],
) -> dict[int, Span]:
    """Row -> the columns a progress snapshot changes (retrying rows: their countdown)."""
    spans: dict[int, Span] = {}
    for job_id, p in new.items():
        row = row_of.get(job_id)
        if row is None:
            continue
        prev = old.get(job_id)
        if prev == p:
            continue
        span = changed_span(prev, p)
        if span is not None:
            spans[row] = span
    for job_id in old.keys() - new.keys():  # stopped: speed and time left go blank
        row = row_of.get(job_id)
        if row is not None:
            spans[row] = (Column.SIZE, Column.ETA)
    for job_id in retrying:  # "Retrying in 17 s": the countdown moves
        row = row_of.get(job_id)
        if row is not None:
            first, _ = spans.get(row, (Column.STATE, Column.STATE))
            spans[row] = (first, Column.STATE)
    return spans


def span_blocks(spans: Mapping[int, Span]) -> list[tuple[int, int, Span]]:
    """(first row, last row, span): neighbouring rows with the same span become one block."""
    blocks: list[tuple[int, int, Span]] = []
    for row, span in sorted(spans.items()):
        if blocks and blocks[-1][1] == row - 1 and blocks[-1][2] == span:
            blocks[-1] = (blocks[-1][0], row, span)
        else:
            blocks.append((row, row, span))
    return blocks


def in_order(keys: list[Any], descending: bool) -> bool:
    """Are the keys already sorted (so a re-sort would change nothing)?"""
    pairs = itertools.pairwise(keys)
    if descending:
        return all(a >= b for a, b in pairs)
    return all(a <= b for a, b in pairs)


@dataclass(slots=True)
class EventBatch:
    """What a turn's events add up to: each job once, as its last event left it."""

    removals: set[int] = field(default_factory=set)  # ids of rows to remove
    changed: dict[int, Job] = field(default_factory=dict)  # id -> the row's new value
    inserts: dict[int, Job] = field(default_factory=dict)  # id -> a new row, in arrival order
    transitions: list[tuple[Job, JobState]] = field(default_factory=list)  # (after, before)
    moved: bool = False  # a changed job's queue position moved


def fold_events(events: Iterable[EngineEvent], current: Callable[[int], Job | None]) -> EventBatch:
    """Fold events in arrival order; `current` gives a job's row as the model has it (None:
    no row). A job added and removed in the same turn comes to nothing. Each job is a copy:
    the model's rows are never the sender's."""
    batch = EventBatch()
    for ev in events:
        if ev.kind is EventKind.REMOVED:
            batch.inserts.pop(ev.job_id, None)
            batch.changed.pop(ev.job_id, None)
            if current(ev.job_id) is not None:
                batch.removals.add(ev.job_id)
            continue
        if ev.job is None:
            continue
        job = replace(ev.job, segments=list(ev.job.segments))
        row = current(job.id)
        if job.id in batch.inserts or row is None:
            batch.inserts[job.id] = job
            batch.removals.discard(job.id)
        else:
            prev = batch.changed.get(job.id) or row
            if prev.state is not job.state:
                batch.transitions.append((job, prev.state))
            batch.changed[job.id] = job
    batch.moved = any(
        job.position != row.position
        for job_id, job in batch.changed.items()
        if (row := current(job_id)) is not None
    )
    return batch
