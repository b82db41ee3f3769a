"""The queue model: qtmodeltester, batched events, progress diffs, sorting, filtering."""

from __future__ import annotations

from typing import Any

import pytest

from PySide6.QtCore import QModelIndex, Qt

from app.engine.events import EngineEvent, EventKind, Progress
from app.store.models import JobState
from app.ui.model import PROGRESS_ROLE, SORT_ROLE, Column, JobTableModel, ProgressView
from app.ui.proxy import Category, JobFilterProxy
from tests.support.fakeengine import make_job, sample_jobs


@pytest.fixture
def model(qtbot: Any) -> JobTableModel:
    m = JobTableModel()
    m.load(sample_jobs())
    return m


def test_qtmodeltester_on_loaded_model(qtmodeltester: Any, model: JobTableModel) -> None:
    qtmodeltester.check(model, force_py=True)


def test_qtmodeltester_through_proxy_while_events_arrive(
    qtmodeltester: Any, model: JobTableModel
) -> None:
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    model.queue_event(EngineEvent(EventKind.ADDED, 10, make_job(10)))
    model.queue_event(EngineEvent(EventKind.REMOVED, 2))
    model.queue_event(EngineEvent(EventKind.CHANGED, 3, make_job(3, JobState.FAILED, error="x")))
    model.flush_events()
    proxy.set_category(Category.FAILED)
    proxy.set_search("file")
    model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy, force_py=True)


def test_display_columns(model: JobTableModel) -> None:
    row = model.row_of(4)
    assert row is not None
    state = model.index(row, Column.STATE).data()
    assert state.startswith("Failed: 404 Not Found")
    assert model.index(row, Column.STATE).data(Qt.ItemDataRole.ToolTipRole).startswith("404")
    assert model.index(row, Column.SIZE).data() == "—"
    row1 = model.row_of(1)
    assert model.index(row1, Column.NAME).data() == "ubuntu-24.04-desktop-amd64.iso"
    assert "MB" in model.index(row1, Column.SIZE).data()
    assert model.index(row1, Column.PROGRESS).data() == "44.5%"
    assert not model.index(row1, Column.NAME).data(Qt.ItemDataRole.DecorationRole).isNull()


def test_events_are_batched_into_one_insert(qtbot: Any) -> None:
    m = JobTableModel()
    m.load([])
    inserted: list[tuple[int, int]] = []
    m.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    for i in range(1, 501):
        m.queue_event(EngineEvent(EventKind.ADDED, i, make_job(i)))
    assert m.rowCount() == 0  # nothing applied until the loop turns
    qtbot.waitUntil(lambda: m.rowCount() == 500)
    assert inserted == [(0, 499)]
    removed: list[tuple[int, int]] = []
    m.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    for i in list(range(1, 101)) + list(range(201, 301)):
        m.queue_event(EngineEvent(EventKind.REMOVED, i))
    m.flush_events()
    assert removed == [(200, 299), (0, 99)]  # last run first, so row numbers stay valid
    assert m.rowCount() == 300
    assert m.row_of(101) == 0 and m.row_of(301) == 100


def test_add_then_remove_in_one_batch_is_a_no_op(qtbot: Any) -> None:
    m = JobTableModel()
    m.load([])
    m.queue_event(EngineEvent(EventKind.ADDED, 1, make_job(1)))
    m.queue_event(EngineEvent(EventKind.REMOVED, 1))
    m.flush_events()
    assert m.rowCount() == 0


def test_state_transitions_are_reported(model: JobTableModel) -> None:
    seen: list[tuple[int, JobState, JobState]] = []
    model.state_changed.connect(lambda job, before: seen.append((job.id, before, job.state)))
    model.queue_event(EngineEvent(EventKind.CHANGED, 1, make_job(1, JobState.COMPLETED)))
    model.queue_event(EngineEvent(EventKind.CHANGED, 5, make_job(5, JobState.QUEUED)))
    model.flush_events()
    assert seen == [(1, JobState.DOWNLOADING, JobState.COMPLETED)]


def test_active_count_follows_states(model: JobTableModel) -> None:
    assert model.active_count() == 2  # downloading + queued
    counts: list[int] = []
    model.active_count_changed.connect(counts.append)
    model.queue_event(EngineEvent(EventKind.CHANGED, 1, make_job(1, JobState.PAUSED)))
    model.queue_event(EngineEvent(EventKind.CHANGED, 5, make_job(5, JobState.PAUSED)))
    model.flush_events()
    assert counts == [0]


def _prog(
    job_id: int,
    done: int,
    speed: float = 100.0,
    size: int = 1000,
    segments: tuple[tuple[int, int, int], ...] = (),
) -> Progress:
    return Progress(
        job_id=job_id,
        done=done,
        size=size,
        speed=speed,
        connections=len(segments),
        segments=segments,
    )


def test_progress_emits_only_changed_rows_and_columns(qtbot: Any) -> None:
    m = JobTableModel()
    m.load([make_job(i, JobState.DOWNLOADING, size=1000) for i in range(1, 11)])
    changes: list[tuple[int, int, int, int, list[int]]] = []
    m.dataChanged.connect(
        lambda a, b, roles: changes.append((a.row(), b.row(), a.column(), b.column(), roles))
    )
    m.update_progress({3: _prog(3, 10), 4: _prog(4, 10), 8: _prog(8, 10)})
    # rows 3 and 4 (ids 3,4 -> rows 2,3) are neighbours with the same span: one signal.
    assert [(c[0], c[1]) for c in changes] == [(2, 3), (7, 7)]
    assert all(c[2] == Column.SIZE and c[3] == Column.ETA for c in changes)
    changes.clear()
    # Same snapshot again: nothing to say.
    m.update_progress({3: _prog(3, 10), 4: _prog(4, 10), 8: _prog(8, 10)})
    assert changes == []
    # Only speed moved for one row: speed and ETA columns of that row only.
    m.update_progress({3: _prog(3, 10), 4: _prog(4, 10), 8: _prog(8, 10, speed=50.0)})
    assert [(c[0], c[1], c[2], c[3]) for c in changes] == [(7, 7, Column.SPEED, Column.ETA)]
    assert Qt.ItemDataRole.DisplayRole in changes[0][4]
    changes.clear()
    # A job leaving the snapshot gets one last update that clears its speed.
    m.update_progress({3: _prog(3, 10), 4: _prog(4, 10)})
    assert [(c[0], c[1]) for c in changes] == [(7, 7)]
    assert m.index(7, Column.SPEED).data() == ""


def test_progress_role_carries_segments(model: JobTableModel) -> None:
    row = model.row_of(1)
    view = model.index(row, Column.PROGRESS).data(PROGRESS_ROLE)
    assert isinstance(view, ProgressView)
    assert len(view.segments) == 4 and not view.live
    model.update_progress({1: _prog(1, 500, size=1000, segments=((0, 500, 300), (500, 1000, 200)))})
    view = model.index(row, Column.PROGRESS).data(PROGRESS_ROLE)
    assert view.live and view.segments == ((0, 500, 300), (500, 1000, 200))
    assert model.index(row, Column.SPEED).data().endswith("/s")
    assert model.index(row, Column.ETA).data() == "5 s"


def test_sort_reorders_cache_and_keeps_persistent_indexes(model: JobTableModel) -> None:
    from PySide6.QtCore import QPersistentModelIndex

    keep = QPersistentModelIndex(model.index(model.row_of(3), Column.NAME))
    model.sort(Column.NAME, Qt.SortOrder.AscendingOrder)
    names = [model.index(r, Column.NAME).data() for r in range(model.rowCount())]
    assert names == sorted(names, key=str.casefold)
    assert keep.data() == "report-2024.pdf"
    model.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    sizes = [model.index(r, Column.SIZE).data(SORT_ROLE)[0] for r in range(model.rowCount())]
    assert sizes == sorted(sizes, reverse=True)
    # New rows land in sorted position while a sort is active.
    model.queue_event(EngineEvent(EventKind.ADDED, 99, make_job(99, size=10 << 30)))
    model.flush_events()
    assert model.job_at(0).id == 99


def test_filter_categories_and_search(model: JobTableModel) -> None:
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    assert proxy.rowCount() == 5
    proxy.set_category(Category.ACTIVE)
    assert proxy.rowCount() == 3
    proxy.set_category(Category.COMPLETED)
    assert proxy.rowCount() == 1
    proxy.set_category(Category.FAILED)
    assert proxy.rowCount() == 1
    proxy.set_category(Category.ALL)
    proxy.set_search("  BUNNY ")
    assert proxy.rowCount() == 1
    proxy.set_search("example.com/files/file5")  # URL matches too
    assert proxy.rowCount() == 1
    proxy.set_search("")
    # A state change re-filters dynamically.
    proxy.set_category(Category.FAILED)
    model.queue_event(EngineEvent(EventKind.CHANGED, 3, make_job(3, JobState.FAILED, error="e")))
    model.flush_events()
    assert proxy.rowCount() == 2


def test_proxy_sort_is_done_by_source(model: JobTableModel) -> None:
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.STATE, Qt.SortOrder.AscendingOrder)
    states = [proxy.index(r, Column.STATE).data(SORT_ROLE)[0] for r in range(proxy.rowCount())]
    assert states == sorted(states)


def test_data_is_cheap_on_unknown_roles_and_invalid_index(model: JobTableModel) -> None:
    assert model.data(QModelIndex()) is None
    assert model.index(0, 0).data(Qt.ItemDataRole.SizeHintRole) is None
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Name"


def test_retrying_row_counts_down_and_counts_as_active(qtbot: Any) -> None:
    import time

    m = JobTableModel()
    m.load(
        [
            make_job(
                1,
                JobState.RETRYING,
                error="connection refused by the server",
                retry_at=time.time() + 17.4,
                retry_attempts=3,
            ),
            make_job(2, JobState.CANCELLED),
        ]
    )
    row = m.row_of(1)
    assert row is not None
    assert m.index(row, Column.STATE).data() == (
        "Retrying in 17 s — connection refused by the server (attempt 3)"
    )
    assert m.active_count() == 1  # the progress timer keeps the countdown moving
    changed: list[int] = []
    m.dataChanged.connect(lambda first, last, roles=(): changed.append(first.row()))
    m.update_progress({})  # a tick with no running job still refreshes the countdown
    assert changed == [row]
    cancelled = m.row_of(2)
    assert cancelled is not None and m.index(cancelled, Column.STATE).data() == "Cancelled"
    proxy = JobFilterProxy()
    proxy.setSourceModel(m)
    proxy.set_category(Category.ACTIVE)
    assert proxy.rowCount() == 1
    proxy.set_category(Category.FAILED)
    assert proxy.rowCount() == 0
    proxy.set_category(Category.CANCELLED)
    assert proxy.rowCount() == 1
