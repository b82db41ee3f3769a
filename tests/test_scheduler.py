"""The scheduler on a real engine with a hand-driven clock and timer: queue hours hold, start,
send back and resume jobs; per-job start times; the speed-limit schedule; kept across restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from app.engine.engine import Engine
from app.engine.schedule import WEEKDAYS, Window
from app.engine.scheduler import QueueScheduler, ScheduleConfig
from app.store import JobStore
from app.store.models import JobState
from app.store.plans import JobPlans
from tests.engine_helpers import FAST, KIB, MIB, payload, wait_for
from tests.support.faultserver import FaultServer

MON = datetime(2026, 11, 30)
NIGHT = ScheduleConfig(hours=Window(60, 420, WEEKDAYS))


class FakeTime:
    """The wall clock and the loop's call_later, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.timers: list[tuple[float, Callable[[], None], FakeHandle]] = []

    def clock(self) -> datetime:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> FakeHandle:
        handle = FakeHandle()
        self.timers.append((delay, callback, handle))
        return handle

    def armed(self) -> list[float]:
        return [d for d, _c, h in self.timers if not h.cancelled]

    def fire(self, to: datetime) -> None:
        """Move the clock to `to` and fire the one armed timer (it must be due by then)."""
        live = [(d, c, h) for d, c, h in self.timers if not h.cancelled]
        assert len(live) == 1, f"one timer armed, not {len(live)}"
        delay, callback, handle = live[0]
        assert self.now + timedelta(seconds=delay) <= to
        self.now = to
        handle.cancelled = True
        callback()


class FakeHandle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def at(day: int, hour: int) -> datetime:
    return MON + timedelta(days=day, hours=hour)


async def _engine(tmp: Path) -> tuple[JobStore, Engine]:
    store = JobStore.open(tmp / "data" / "db.sqlite3")
    engine = Engine(store, FAST)
    await engine.start()
    return store, engine


async def _scheduled(
    tmp: Path, config: ScheduleConfig, t: FakeTime
) -> tuple[JobStore, Engine, QueueScheduler]:
    store = JobStore.open(tmp / "data" / "db.sqlite3")
    engine = Engine(store, FAST)
    sched = QueueScheduler(
        engine, config, plans=JobPlans(store), clock=t.clock, call_later=t.call_later
    )
    sched.install()
    await engine.start()
    sched.attach()
    return store, engine, sched


def test_queue_hours_hold_start_pause_and_resume_only_what_they_paused(
    server: FaultServer, tmp_path: Path
) -> None:
    server.add_file("/a.bin", payload(4 * MIB), rate=256 * KIB)
    server.add_file("/b.bin", payload(4 * MIB, seed=2), rate=256 * KIB)
    t = FakeTime(at(0, 0))

    async def body() -> None:
        store, engine, sched = await _scheduled(tmp_path, NIGHT, t)
        try:
            a = engine.add(server.url("/a.bin"), str(tmp_path / "out"))
            b = engine.add(server.url("/b.bin"), str(tmp_path / "out"))
            assert engine.running_ids() == []
            assert engine.job(a.id).state is JobState.QUEUED  # waits, still queued
            assert sched.waiting_text(engine.job(a.id)) == "01:00"
            assert sched.wake_at == at(0, 1)
            assert t.armed() == [3600.0]  # one timer, for the next change
            engine.pause(b.id)  # the user's pause
            t.fire(at(0, 1))
            assert engine.running_ids() == [a.id]
            assert sched.wake_at == at(0, 7)
            t.fire(at(0, 7))
            await wait_for(lambda: not engine.is_running(a.id))
            assert engine.job(a.id).state is JobState.QUEUED
            assert engine.job(b.id).state is JobState.PAUSED
            assert sched.waiting_text(engine.job(a.id)) == "01:00 tomorrow"
            assert any("queue hours" in m for _t, m in engine.job_log(a.id))
            t.fire(at(1, 1))
            assert engine.running_ids() == [a.id]  # only what the schedule paused
            assert engine.job(b.id).state is JobState.PAUSED
            # hours set twice in one session: always open, then closed again at once
            sched.set_config(ScheduleConfig())
            assert sched.wake_at is None and t.armed() == []
            engine.resume(b.id)
            assert sorted(engine.running_ids()) == [a.id, b.id]
            sched.set_config(ScheduleConfig(hours=Window(120, 180, WEEKDAYS)))  # 02:00–03:00
            await wait_for(lambda: engine.running_ids() == [])
            assert engine.job(a.id).state is JobState.QUEUED
            assert engine.job(b.id).state is JobState.QUEUED
            assert sched.wake_at == at(1, 2)
        finally:
            sched.detach()
            await engine.shutdown()
            store.close()

    asyncio.run(asyncio.wait_for(body(), 60))


def test_per_job_start_time_is_kept_and_survives_a_restart(
    server: FaultServer, tmp_path: Path
) -> None:
    spec = server.add_file("/a.bin", payload(1 * MIB), rate=128 * KIB)
    t = FakeTime(at(0, 12))

    async def first() -> int:
        store, engine, sched = await _scheduled(tmp_path, ScheduleConfig(), t)
        job = engine.add(server.url("/a.bin"), str(tmp_path / "out"))
        assert engine.running_ids() == [job.id]
        sched.set_start_at(job.id, at(0, 14))
        # already running when the time was set: it goes back to the queue until then
        await wait_for(lambda: not engine.is_running(job.id))
        assert engine.job(job.id).state is JobState.QUEUED
        sched.detach()
        await engine.shutdown()
        store.close()
        return job.id

    job_id = asyncio.run(asyncio.wait_for(first(), 60))

    async def second() -> None:
        store, engine, sched = await _scheduled(tmp_path, ScheduleConfig(), t)
        try:
            assert sched.start_at(job_id) == at(0, 14)
            assert engine.running_ids() == []
            assert sched.waiting_text(engine.job(job_id)) == "14:00"
            t.fire(at(0, 14))
            assert engine.running_ids() == [job_id]
            await engine.wait_idle()
            assert engine.job(job_id).state is JobState.COMPLETED
        finally:
            sched.detach()
            await engine.shutdown()
            store.close()

    t.timers.clear()
    spec.rate = None
    asyncio.run(asyncio.wait_for(second(), 60))


def test_a_paused_job_with_its_own_time_arms_the_timer_when_resumed(tmp_path: Path) -> None:
    t = FakeTime(at(0, 12))

    async def body() -> None:
        store, engine, sched = await _scheduled(tmp_path, ScheduleConfig(), t)
        try:
            job = engine.add("http://127.0.0.1:9/a.bin", str(tmp_path / "out"), start=False)
            sched.set_start_at(job.id, at(0, 15))
            assert sched.wake_at is None  # paused: nothing to wake for
            for _ in range(2):  # resumed, paused and resumed again
                engine.resume(job.id)
                assert engine.running_ids() == []
                # one timer, capped at an hour (a wall clock may jump meanwhile)
                assert sched.wake_at == at(0, 15) and t.armed() == [3600.0]
                engine.pause(job.id)
        finally:
            sched.detach()
            await engine.shutdown()
            store.close()

    asyncio.run(asyncio.wait_for(body(), 30))


def test_speed_limit_schedule_applies_live_at_its_boundaries(tmp_path: Path) -> None:
    t = FakeTime(at(0, 8))
    office = ScheduleConfig(speed=Window(9 * 60, 18 * 60, WEEKDAYS), speed_limit=1_000_000)

    async def body() -> None:
        store, engine = await _engine(tmp_path)
        sched = QueueScheduler(engine, office, clock=t.clock, call_later=t.call_later)
        sched.attach()
        try:
            bandwidth = engine._bandwidth
            assert bandwidth.global_limit is None
            t.fire(at(0, 9))
            assert bandwidth.global_limit == 1_000_000
            t.fire(at(0, 18))
            assert bandwidth.global_limit is None
            t.fire(at(1, 9))
            assert bandwidth.global_limit == 1_000_000
            # the user's own limit is what applies outside the window, also when changed live
            import dataclasses

            engine.apply_settings(dataclasses.replace(engine.settings, speed_limit=5_000_000))
            assert bandwidth.global_limit == 1_000_000
            t.fire(at(1, 18))
            assert bandwidth.global_limit == 5_000_000
        finally:
            sched.detach()
            await engine.shutdown()
            store.close()

    asyncio.run(asyncio.wait_for(body(), 30))
