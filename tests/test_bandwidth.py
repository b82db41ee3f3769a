"""Speed limits: fair shares (pure), buckets that follow a change at once, and the engine
applying global and per-job limits to downloads that are already running (issue 9: 2 and 9)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app.engine.bandwidth import Bandwidth, fair_shares
from app.engine.engine import Engine
from app.engine.ratelimit import TokenBucket
from tests.engine_helpers import MIB, payload, run_engine, settings, wait_for
from tests.support.faultserver import FaultServer

demand = st.one_of(st.none(), st.floats(min_value=0, max_value=1e9, allow_nan=False))


@given(
    total=st.floats(min_value=1, max_value=1e9, allow_nan=False),
    demands=st.dictionaries(st.integers(0, 50), demand, min_size=1, max_size=12),
)
def test_fair_shares_are_max_min_fair(total: float, demands: dict[int, float | None]) -> None:
    shares = fair_shares(total, demands)
    assert set(shares) == set(demands)
    assert sum(shares.values()) <= total * (1 + 1e-9) + 1e-6
    for key, share in shares.items():
        want = demands[key]
        assert share >= 0
        if want is not None:
            assert share <= want + 1e-6
        unmet = want is None or share < want - 1e-6
        if unmet:  # nobody gets more than one whose demand is not met
            assert all(other <= share * (1 + 1e-9) + 1e-6 for other in shares.values())
    if any(d is None for d in demands.values()):
        assert abs(sum(shares.values()) - total) <= total * 1e-9 + 1e-6


def test_fair_shares_examples() -> None:
    assert fair_shares(900.0, {1: None, 2: None, 3: None}) == {1: 300.0, 2: 300.0, 3: 300.0}
    assert fair_shares(900.0, {1: 100.0, 2: None, 3: None}) == {1: 100.0, 2: 400.0, 3: 400.0}


def test_a_new_download_gets_its_share_at_once() -> None:
    bw = Bandwidth(1_000_000)
    first = bw.attach(1, None)
    assert first.rate == 1_000_000
    second = bw.attach(2, None)
    assert first.rate == second.rate == 500_000
    bw.detach(1)
    assert second.rate == 1_000_000
    bw.detach(2)


def test_an_own_limit_below_the_share_frees_the_rest_for_others() -> None:
    bw = Bandwidth(1_000_000)
    slow = bw.attach(1, 100_000)
    fast = bw.attach(2, None)
    assert slow.rate == 100_000
    assert fast.rate == 900_000
    bw.set_own_limit(1, None)
    assert slow.rate == fast.rate == 500_000
    bw.set_global(None)
    assert slow.rate is None and fast.rate is None
    bw.set_own_limit(2, 300_000)
    assert fast.rate == 300_000


def test_a_download_that_cannot_use_its_share_leaves_it_to_the_others() -> None:
    bw = Bandwidth(1_000_000)
    a = bw.attach(1, None)
    b = bw.attach(2, None)
    t0 = time.monotonic()
    bw.rebalance({1: 0, 2: 0}, now=t0)
    a.waited = True  # job 1's connections had to wait for tokens: it wants more
    # after 2 s: job 1 used its 500 kB/s, job 2 (a slow server) only 50 kB/s
    bw.rebalance({1: 1_000_000, 2: 100_000}, now=t0 + 2)
    assert b.rate is not None and b.rate < 200_000
    assert a.rate is not None and a.rate > 800_000


def test_lifting_a_limit_wakes_a_waiting_connection_at_once() -> None:
    bucket = TokenBucket(10_000)
    stop = threading.Event()
    done = threading.Event()

    def consumer() -> None:
        bucket.consume(200_000, stop)  # 20 s of debt at the old rate
        done.set()

    t = threading.Thread(target=consumer, daemon=True)
    t.start()
    assert not done.wait(0.3)
    bucket.set_rate(None)
    assert done.wait(2.0), "a lifted limit must not wait out the old debt"
    stop.set()
    t.join(2)


def test_a_bucket_keeps_its_debt_across_a_change() -> None:
    bucket = TokenBucket(100_000)
    gone = threading.Event()
    gone.set()  # take the tokens without sleeping the debt off
    bucket.consume(20_000, gone)
    bucket.set_rate(90_000)
    # rebalancing must not forgive what was taken: the limit still holds on average
    start = time.monotonic()
    bucket.consume(1, threading.Event())
    assert time.monotonic() - start > 0.15


# ----------------------------------------------------------------- live, end to end
def _rate(engine: Engine, job_id: int, seconds: float) -> float:
    before = engine.bytes_done(job_id)
    time.sleep(seconds)
    return (engine.bytes_done(job_id) - before) / seconds


async def _measure(engine: Engine, ids: list[int], seconds: float) -> dict[int, float]:
    before = {i: engine.bytes_done(i) for i in ids}
    await asyncio.sleep(seconds)
    return {i: (engine.bytes_done(i) - before[i]) / seconds for i in ids}


def test_a_global_limit_set_while_downloads_run_applies_to_them(
    tmp_path: Path, server: FaultServer
) -> None:
    """Issue 9 bug 2: 3 downloads at ~2.4 MB/s each ignored a 1000 kB/s limit for 30 s."""
    for i in range(3):
        server.add_file(f"/f{i}.bin", payload(40 * MIB, seed=i), rate=2_400_000)

    async def body(engine: Engine) -> None:
        ids = [
            engine.add(server.url(f"/f{i}.bin"), str(tmp_path / "out"), connections=1).id
            for i in range(3)
        ]
        await wait_for(lambda: all(engine.bytes_done(i) > 0 for i in ids), 10)
        free = sum((await _measure(engine, ids, 1.0)).values())
        assert free > 4_000_000, f"unlimited: {free:.0f} B/s"
        for _ in range(2):  # set and lift it twice in one session
            engine.apply_settings(settings(max_concurrent=3, speed_limit=1_000_000))
            await asyncio.sleep(1.0)  # within a second
            limited = await _measure(engine, ids, 2.0)
            assert sum(limited.values()) < 1_400_000, f"limited: {limited}"
            # shared fairly: nobody starves
            assert min(limited.values()) > 150_000, f"limited: {limited}"
            engine.apply_settings(settings(max_concurrent=3, speed_limit=None))
            await asyncio.sleep(1.0)
            lifted = sum((await _measure(engine, ids, 1.0)).values())
            assert lifted > 4_000_000, f"lifted: {lifted:.0f} B/s"
        for i in ids:
            engine.pause(i)

    run_engine(tmp_path, body, settings(max_concurrent=3))


def test_a_job_limit_set_while_it_runs_applies_at_once(tmp_path: Path, server: FaultServer) -> None:
    server.add_file("/big.bin", payload(40 * MIB), rate=2_000_000)

    async def body(engine: Engine) -> None:
        jid = engine.add(server.url("/big.bin"), str(tmp_path / "out"), connections=2).id
        await wait_for(lambda: engine.bytes_done(jid) > 0, 10)
        for _ in range(2):
            engine.configure(jid, speed_limit=300_000)
            await asyncio.sleep(1.0)
            rate = (await _measure(engine, [jid], 2.0))[jid]
            assert rate < 450_000, f"job limit: {rate:.0f} B/s"
            engine.configure(jid, speed_limit=None)
            await asyncio.sleep(1.0)
            rate = (await _measure(engine, [jid], 1.0))[jid]
            assert rate > 1_000_000, f"lifted: {rate:.0f} B/s"
        engine.pause(jid)

    run_engine(tmp_path, body, settings(max_concurrent=3))


def test_a_new_download_gets_its_share_under_a_global_limit(
    tmp_path: Path, server: FaultServer
) -> None:
    """Issue 9 bug 9: a new download sat at 0 % for 7-10 s while an older one kept it all."""
    server.add_file("/old.bin", payload(40 * MIB, seed=1))
    server.add_file("/new.bin", payload(40 * MIB, seed=2))
    server.add_file("/newer.bin", payload(40 * MIB, seed=3))

    async def body(engine: Engine) -> None:
        old = engine.add(server.url("/old.bin"), str(tmp_path / "out"), connections=8).id
        await wait_for(lambda: engine.bytes_done(old) > 500_000, 10)
        for name in ("/new.bin", "/newer.bin"):  # twice: a second newcomer too
            new = engine.add(server.url(name), str(tmp_path / "out"), connections=1).id
            await wait_for(lambda new=new: engine.bytes_done(new) > 0, 2.0)
            await asyncio.sleep(1.0)
            rates = await _measure(engine, [old, new], 2.0)
            assert rates[new] > 0.5 * rates[old], f"unfair: {rates}"
            engine.pause(new)
        engine.pause(old)

    run_engine(tmp_path, body, settings(max_concurrent=3, speed_limit=1_000_000))
