"""A loop turn's engine events folded into one batch (rowchanges.fold_events), and the role
lookup the model answers with (jobcells.cell_value): pure, no model and no view."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from PySide6.QtCore import Qt

from app.engine.events import EngineEvent, EventKind, Progress
from app.store.models import Job, JobState
from app.ui.jobcells import (
    HANDLED_ROLES,
    JOB_ID_ROLE,
    PROGRESS_ROLE,
    RIGHT,
    SORT_ROLE,
    STATE_ROLE,
    Column,
    cell_value,
)
from app.ui.rowchanges import fold_events
from tests.support.fakeengine import make_job

ROWS = {i: make_job(i, JobState.QUEUED, position=i) for i in (1, 2, 3)}


def _changed(job_id: int, state: JobState, position: int | None = None) -> EngineEvent:
    job = make_job(job_id, state, position=job_id if position is None else position)
    return EngineEvent(EventKind.CHANGED, job_id, job)


def test_a_row_changed_twice_is_one_change_with_each_transition() -> None:
    events = [_changed(1, JobState.DOWNLOADING), _changed(1, JobState.COMPLETED)]
    batch = fold_events(events, ROWS.get)
    assert list(batch.changed) == [1] and batch.changed[1].state is JobState.COMPLETED
    assert [(j.state, before) for j, before in batch.transitions] == [
        (JobState.DOWNLOADING, JobState.QUEUED),
        (JobState.COMPLETED, JobState.DOWNLOADING),
    ]
    assert not batch.inserts and not batch.removals and not batch.moved


def test_added_and_removed_in_one_turn_comes_to_nothing() -> None:
    events = [EngineEvent(EventKind.ADDED, 9, make_job(9)), EngineEvent(EventKind.REMOVED, 9)]
    batch = fold_events(events, ROWS.get)
    assert not batch.inserts and not batch.removals and not batch.changed


def test_a_removed_row_drops_its_pending_change_and_logs_are_ignored() -> None:
    events = [
        _changed(2, JobState.PAUSED),
        EngineEvent(EventKind.REMOVED, 2),
        EngineEvent(EventKind.LOG, 3, None, "a line"),
    ]
    batch = fold_events(events, ROWS.get)
    assert batch.removals == {2} and not batch.changed


def test_a_new_position_is_a_move_and_the_rows_are_copies() -> None:
    event = _changed(3, JobState.QUEUED, position=0)
    batch = fold_events([event], ROWS.get)
    assert batch.moved and not batch.transitions
    assert event.job is not None
    assert batch.changed[3] == event.job and batch.changed[3] is not event.job
    assert batch.changed[3].segments is not event.job.segments


_EVENT = st.tuples(st.sampled_from([1, 2, 3, 4, 5]), st.sampled_from(list(JobState)), st.booleans())


@given(st.lists(_EVENT, max_size=12))
def test_applying_the_batch_ends_where_applying_each_event_does(
    raw: list[tuple[int, JobState, bool]],
) -> None:
    events: list[EngineEvent] = []
    gone: set[int] = set()
    for job_id, state, remove in raw:
        if job_id in gone and job_id in ROWS:
            continue  # the engine sends nothing for a job after its removal
        if remove:
            gone.add(job_id)
            events.append(EngineEvent(EventKind.REMOVED, job_id))
        else:
            events.append(EngineEvent(EventKind.CHANGED, job_id, make_job(job_id, state)))
    one_by_one: dict[int, Job] = dict(ROWS)
    for ev in events:
        if ev.kind is EventKind.REMOVED:
            one_by_one.pop(ev.job_id, None)
        elif ev.job is not None:
            one_by_one[ev.job_id] = ev.job
    batch = fold_events(events, ROWS.get)
    assert batch.removals <= ROWS.keys() and not batch.inserts.keys() & ROWS.keys()
    assert not batch.changed.keys() & batch.removals
    folded = {i: j for i, j in ROWS.items() if i not in batch.removals}
    folded.update(batch.changed)
    folded.update(batch.inserts)
    assert folded == one_by_one


def test_cell_value_answers_each_role_it_handles(qapp: object) -> None:
    job = make_job(7, JobState.DOWNLOADING, size=1000)
    live = {7: Progress(job_id=7, done=250, size=1000, speed=50.0, connections=1, segments=())}
    assert cell_value(job, Column.NAME, Qt.ItemDataRole.DisplayRole, live) == "file7.bin"
    assert cell_value(job, Column.PROGRESS, Qt.ItemDataRole.DisplayRole, live) == "25.0%"
    assert cell_value(job, Column.SIZE, Qt.ItemDataRole.TextAlignmentRole, live) == RIGHT
    assert cell_value(job, Column.NAME, Qt.ItemDataRole.TextAlignmentRole, live) is None
    assert cell_value(job, Column.STATE, JOB_ID_ROLE, live) == 7
    assert cell_value(job, Column.STATE, STATE_ROLE, live) is JobState.DOWNLOADING
    assert cell_value(job, Column.SPEED, SORT_ROLE, live) == (50.0, 7)
    view = cell_value(job, Column.PROGRESS, PROGRESS_ROLE, live)
    assert view.done == 250 and view.live
    assert cell_value(job, Column.NAME, PROGRESS_ROLE, live) is None
    assert cell_value(job, Column.STATE, Qt.ItemDataRole.ForegroundRole, live) is None
    failed = make_job(8, JobState.FAILED, error="404 Not Found")
    assert cell_value(failed, Column.STATE, Qt.ItemDataRole.ForegroundRole, {}) is not None
    assert Qt.ItemDataRole.EditRole not in HANDLED_ROLES
