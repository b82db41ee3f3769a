"""Re-rolling slow connections: the decision (pure, property-tested) and the mechanism end to
end against the fault server, where some TCP connections get a slow path and new ones don't."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app.engine import reroll
from app.engine.engine import Engine
from app.engine.reroll import MIN_AGE, MIN_LEFT, SLOW_RATIO, Conn, budget_for, to_reroll
from app.options import Options
from app.store import JobState, JobStore
from tests.engine_helpers import KIB, MIB, file_sha, payload, run_engine, settings, sha
from tests.support.faultserver import FaultServer

OLD = MIN_AGE + 1.0
LOTS = 64 * MIB


def conns(*speeds: float, age: float = OLD, left: int = LOTS) -> list[Conn]:
    return [Conn(s, age, left) for s in speeds]


# --------------------------------------------------------------------------- the decision


def test_the_slow_half_is_picked_slowest_first() -> None:
    cs = conns(2e6, 16e6, 1.5e6, 16e6, 2e6, 16e6, 2.5e6, 16e6)
    assert to_reroll(cs, 24) == [2, 0, 4, 6]


def test_most_connections_slow_still_found() -> None:
    # the plain median of a slow one's peers would be slow itself and hide them all
    cs = conns(2e6, 2e6, 2e6, 2e6, 2e6, 16e6, 16e6, 16e6)
    assert sorted(to_reroll(cs, 24)) == [0, 1, 2, 3, 4]


def test_equal_throttle_never_rerolls() -> None:
    assert to_reroll(conns(*[1e6] * 8), 24) == []
    assert to_reroll(conns(1e6, 0.9e6, 1.1e6, 0.5e6), 24) == []  # noise, not a slow path


def test_young_nearly_done_unmeasured_or_out_of_budget_stay() -> None:
    fast = [Conn(16e6, OLD, LOTS)] * 3
    assert to_reroll([Conn(1e6, MIN_AGE / 2, LOTS), *fast], 24) == []
    assert to_reroll([Conn(1e6, OLD, MIN_LEFT - 1), *fast], 24) == []
    assert to_reroll([Conn(4e6, OLD, MIN_LEFT), Conn(60e6, OLD, LOTS)], 24) == []  # < 1 s left
    assert to_reroll([Conn(0.0, OLD, LOTS), *fast], 24) == []
    assert to_reroll(conns(1e6, 16e6, 16e6), 0) == []
    assert to_reroll(conns(1e6, 0.5e6, 16e6, 16e6), 1) == [1]


def test_budget_is_bounded_by_connections() -> None:
    assert budget_for(8) == 24
    assert budget_for(0) == reroll.BUDGET_PER_CONNECTION


speed = st.floats(min_value=0.0, max_value=1e9, allow_nan=False)
conn = st.builds(Conn, speed, st.floats(min_value=0, max_value=100), st.integers(0, 1 << 32))


@given(st.lists(conn, max_size=12), st.integers(0, 40))
def test_picks_are_slow_measured_and_bounded(cs: list[Conn], budget: int) -> None:
    picked = to_reroll(cs, budget)
    assert len(picked) == len(set(picked)) <= budget
    assert len(picked) < max(1, len(cs))
    for i in picked:
        c = cs[i]
        assert c.age >= MIN_AGE and c.left >= MIN_LEFT and c.speed > 0
        fastest_peer = max(p.speed for j, p in enumerate(cs) if j != i)
        assert c.speed < SLOW_RATIO * fastest_peer
    speeds = [cs[i].speed for i in picked]
    assert speeds == sorted(speeds)


@given(
    st.lists(st.floats(min_value=1.0, max_value=1e9), min_size=2, max_size=12),
    st.floats(min_value=1.0, max_value=3.99),
)
def test_speeds_within_a_factor_of_four_never_reroll(base: list[float], spread: float) -> None:
    low = min(base)
    cs = conns(*[min(s, low * spread) for s in base])
    assert to_reroll(cs, 100) == []


# --------------------------------------------------------------------------- end to end

FAST_RATE = 2 * MIB
SLOW_RATE = 128 * KIB


def _slow_connections(*nths: int) -> object:
    """The 1st, 3rd … connection to ask for the file (by `nths`) is slow; others aren't.
    Counted per file: other requests (a published checksum, say) don't shift the count."""
    order: list[int] = []

    def rate(cid: int) -> int | None:
        if cid not in order:
            order.append(cid)
        return SLOW_RATE if order.index(cid) + 1 in nths else None

    rate.order = order  # type: ignore[attr-defined]
    return rate


def _file_connections(server: FaultServer) -> list[int]:
    return sorted({r.connection_id for r in server.requests if r.path == "/f.bin"})


def _history(tmp: Path, job_id: int) -> list[str]:
    store = JobStore.open(tmp / "data" / "db.sqlite3")
    try:
        return [m for _, m in store.job_log(job_id)]
    finally:
        store.close()


def test_slow_connections_are_replaced_and_their_bytes_kept(
    server: FaultServer, tmp_path: Path
) -> None:
    """The 1st and 3rd TCP connections are slow, later ones fast: both slow ones are closed,
    new connections continue their segments where they stopped, nothing is fetched twice."""
    data = payload(16 * MIB)
    spec = server.add_file("/f.bin", data, rate=FAST_RATE)
    slow = _slow_connections(1, 3)
    spec.connection_rate = slow  # type: ignore[assignment]
    seen: list[int] = []

    async def body(engine: Engine) -> int:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=4)
        while engine.job(job.id).state not in (JobState.COMPLETED, JobState.FAILED):
            p = engine.progress().get(job.id)
            if p is not None:
                seen.append(p.rerolls)
            await asyncio.sleep(0.05)
        await engine.wait_idle()
        return job.id

    job_id = run_engine(tmp_path, body, settings(min_split=1 * MIB))
    assert isinstance(job_id, int)
    store = JobStore.open(tmp_path / "data" / "db.sqlite3")
    job = store.get_job(job_id)
    store.close()
    assert job is not None and job.state == JobState.COMPLETED, job and job.error
    assert file_sha(job.path or "") == sha(data)
    lines = [m for m in _history(tmp_path, job_id) if "reconnecting" in m]
    assert len(lines) >= 2, _history(tmp_path, job_id)
    assert max(seen, default=0) >= 2
    ranged = [r for r in server.requests if r.path == "/f.bin"]
    order = slow.order  # type: ignore[attr-defined]
    first_four, later = order[:4], order[4:]
    for cut in (r for r in ranged if r.connection_id in (order[0], order[2])):
        assert not cut.complete  # cut short on purpose, not waited out
        stopped_at = (cut.range_start or 0) + cut.body_bytes_sent
        # a new connection asked for the rest, from about where the slow one stopped
        assert any(
            r.connection_id in later
            and stopped_at - 256 * KIB <= (r.range_start or 0) <= stopped_at
            for r in ranged
        ), (cut, first_four, [(r.connection_id, r.range) for r in ranged])
    # what was in flight on a closed connection is all that may come twice
    assert server.bytes_served("/f.bin") <= len(data) + 512 * KIB


def test_equal_throttle_on_every_connection_never_rerolls(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(6 * MIB)
    server.add_file("/f.bin", data, rate=1 * MIB)

    async def body(engine: Engine) -> tuple[int, int]:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=4)
        most = 0
        while engine.job(job.id).state != JobState.COMPLETED:
            p = engine.progress().get(job.id)
            most = max(most, p.rerolls if p is not None else 0)
            await asyncio.sleep(0.05)
        return job.id, most

    result = run_engine(tmp_path, body, settings(min_split=1 * MIB, reroll_slow=True))
    assert isinstance(result, tuple)
    job_id, most = result
    assert most == 0
    assert not [m for m in _history(tmp_path, job_id) if "reconnecting" in m]
    assert len(_file_connections(server)) == 4


def test_reroll_can_be_turned_off(server: FaultServer, tmp_path: Path) -> None:
    assert Options(reroll_slow=False).engine_settings().reroll_slow is False
    data = payload(6 * MIB)
    spec = server.add_file("/f.bin", data, rate=FAST_RATE)
    spec.connection_rate = _slow_connections(1, 3)  # type: ignore[assignment]

    async def body(engine: Engine) -> int:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=4)
        await engine.wait_idle()
        return job.id

    job_id = run_engine(tmp_path, body, settings(min_split=1 * MIB, reroll_slow=False))
    assert isinstance(job_id, int)
    assert not [m for m in _history(tmp_path, job_id) if "reconnecting" in m]
    assert len(_file_connections(server)) == 4
