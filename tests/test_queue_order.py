"""Queue order: the pure reordering functions, the store's positions, the engine's scheduler
starting queued jobs by position (kept across restarts), and a per-job limit applied live."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app.engine.engine import Engine
from app.engine.queueorder import Move, move_before, reorder
from app.store import JobStore
from app.store.models import JobState
from tests.engine_helpers import FAST, KIB, MIB, payload, run_engine, wait_for
from tests.support.faultserver import FaultServer


def test_up_and_down_move_a_block_one_place() -> None:
    order = [1, 2, 3, 4, 5]
    assert reorder(order, {3}, Move.UP) == [1, 3, 2, 4, 5]
    assert reorder(reorder(order, {3}, Move.UP), {3}, Move.UP) == [3, 1, 2, 4, 5]
    assert reorder(order, {3, 4}, Move.UP) == [1, 3, 4, 2, 5]
    assert reorder(order, {1, 2}, Move.UP) == order  # already at the top
    assert reorder(order, {3}, Move.DOWN) == [1, 2, 4, 3, 5]
    assert reorder(order, {4, 5}, Move.DOWN) == order
    assert reorder(order, {2, 4}, Move.DOWN) == [1, 3, 2, 5, 4]


def test_top_and_bottom_keep_the_selection_order() -> None:
    order = [1, 2, 3, 4, 5]
    assert reorder(order, {4, 2}, Move.TOP) == [2, 4, 1, 3, 5]
    assert reorder(order, {4, 2}, Move.BOTTOM) == [1, 3, 5, 2, 4]
    assert reorder(order, set(), Move.TOP) == order


def test_moves_are_relative_to_what_the_user_sees() -> None:
    # 2 and 4 are hidden (e.g. completed, with the list showing queued jobs only).
    order = [1, 2, 3, 4, 5]
    scope = {1, 3, 5}
    assert reorder(order, {5}, Move.UP, scope) == [1, 2, 5, 4, 3]
    assert reorder(order, {5}, Move.TOP, scope) == [5, 2, 1, 4, 3]
    assert move_before(order, {5}, 3, scope) == [1, 2, 5, 4, 3]


def test_move_before_is_a_drop() -> None:
    order = [1, 2, 3, 4, 5]
    assert move_before(order, {5}, 1) == [5, 1, 2, 3, 4]
    assert move_before(order, {1, 2}, 5) == [3, 4, 1, 2, 5]
    assert move_before(order, {1}, None) == [2, 3, 4, 5, 1]
    assert move_before(order, {2, 3}, 3) == [1, 2, 3, 4, 5]  # onto itself: no change
    assert move_before(order, {2}, 99) == [1, 3, 4, 5, 2]  # unknown target: the end


orders = st.lists(st.integers(0, 50), unique=True, max_size=12)


@given(orders, st.data())
def test_every_move_is_a_permutation_that_keeps_hidden_jobs_in_place(order, data) -> None:  # type: ignore[no-untyped-def]
    selected = data.draw(st.sets(st.sampled_from(order)) if order else st.just(set()))
    scope = data.draw(st.none() | (st.sets(st.sampled_from(order)) if order else st.just(set())))
    before = data.draw(st.none() | (st.sampled_from(order) if order else st.none()))
    results = [reorder(order, selected, m, scope) for m in Move]
    results.append(move_before(order, selected, before, scope))
    for result in results:
        assert sorted(result) == sorted(order)
        if scope is not None:
            for k, job_id in enumerate(order):
                if job_id not in scope:
                    assert result[k] == job_id


def test_store_keeps_positions(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path / "db.sqlite3")
    a = store.add_job("https://e.org/a", str(tmp_path))
    b = store.add_job("https://e.org/b", str(tmp_path))
    store.set_positions([(a.id, 2), (b.id, 1)])
    store.close()
    store = JobStore.open(tmp_path / "db.sqlite3")
    assert store.positions() == {a.id: 2, b.id: 1}
    store.delete_job(a.id)
    assert store.positions() == {b.id: 1}
    store.close()


def test_scheduler_starts_queued_jobs_by_position_across_restarts(
    server: FaultServer, tmp_path: Path
) -> None:
    for name in ("a", "b", "c"):
        server.add_file(f"/{name}.bin", payload(2 * MIB)).rate = 256 * KIB
    out = str(tmp_path / "out")
    stopped = dataclasses.replace(FAST, max_concurrent=0)  # nothing starts until we say so
    ids: list[int] = []

    async def first(engine: Engine) -> None:
        for name in ("a", "b", "c"):
            ids.append(engine.add(server.url(f"/{name}.bin"), out).id)
        assert engine.queue_order() == ids
        engine.move([ids[2]], Move.UP)
        engine.move([ids[2]], Move.UP)  # twice: now first
        engine.move([ids[0]], "bottom")
        assert engine.queue_order() == [ids[2], ids[1], ids[0]]

    run_engine(tmp_path, first, stopped)

    async def second(engine: Engine) -> None:
        assert engine.queue_order() == [ids[2], ids[1], ids[0]]  # kept across the restart
        engine.apply_settings(dataclasses.replace(FAST, max_concurrent=1))
        assert engine.is_running(ids[2])
        assert not engine.is_running(ids[1]) and not engine.is_running(ids[0])
        engine.move_before([ids[0]], ids[1])  # the drop: c, a, b
        assert engine.queue_order() == [ids[2], ids[0], ids[1]]
        engine.pause(ids[2])
        await wait_for(lambda: engine.is_running(ids[0]))
        assert not engine.is_running(ids[1])
        assert engine.job(ids[2]).position == 1  # the download's own copy kept its place
        engine.pause_all()

    run_engine(tmp_path, second, stopped)


def test_per_job_speed_limit_applies_to_a_running_download(
    server: FaultServer, tmp_path: Path
) -> None:
    spec = server.add_file("/f.bin", payload(8 * MIB))
    spec.rate = 2 * MIB

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=2)
        await wait_for(lambda: engine.bytes_done(job.id) > 256 * KIB)
        engine.configure(job.id, speed_limit=64 * KIB)
        assert engine.job(job.id).speed_limit == 64 * KIB
        await asyncio.sleep(0.3)  # what was already in flight lands
        start = engine.bytes_done(job.id)
        await asyncio.sleep(1.0)  # a measuring window, not synchronisation
        assert engine.bytes_done(job.id) - start < 400 * KIB  # unlimited: ~2 MiB
        engine.configure(job.id, speed_limit=None)
        spec.rate = None
        await engine.wait_idle()
        done = engine.job(job.id)
        assert done.state == JobState.COMPLETED, done.error
        assert done.speed_limit is None

    run_engine(tmp_path, body)
