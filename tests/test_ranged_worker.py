"""One ranged worker's loop on its own (no server): what it asks the segment table, and when."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from app.engine.livesegment import LiveSegment
from app.engine.ranged import RangedTransfer
from app.engine.ratelimit import TokenBucket
from app.engine.runcontrol import RunControl
from app.engine.segmenttable import SegmentTable
from app.store.models import SegmentRecord

MIB = 1 << 20


def _fake_run(table: SegmentTable, bucket: TokenBucket) -> Any:
    part = SimpleNamespace(acquire=lambda: None, release=lambda: None)
    return SimpleNamespace(
        table=table,
        control=RunControl(),
        part=part,
        bucket=bucket,
        settings=SimpleNamespace(buffer_size=64 * 1024),
        job=SimpleNamespace(id=1),
        session=lambda: object(),
        take_probe_session=lambda: None,
        give_back=lambda session: None,
    )


def test_a_speed_limit_set_while_a_worker_runs_stops_its_takeovers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Under a limit every connection waits its turn at the bucket, so a quiet connection is no
    # sign of a bad link: cutting it throws away what it read and churns connections. A limit
    # set on a running download (by the user, a schedule, or a global limit) counts too.
    table = SegmentTable(64 * 1024)
    table.use_segments([SegmentRecord(0, 8 * MIB, 0)])
    victim = table.segments[0]
    victim.owned, victim.owner, victim.speed = True, 3, float(MIB)
    victim.since = victim.last = time.monotonic()  # busy: nothing worth taking yet
    bucket = TokenBucket(None)
    run = _fake_run(table, bucket)
    transfer = RangedTransfer(run)
    cut: list[int] = []

    def cutter(key: int, before: Callable[[], None]) -> bool:
        before()
        cut.append(key)
        return True

    table.cutter = cutter
    fetched: list[LiveSegment] = []

    def fetch(wid: int, session: object, seg: LiveSegment, buf: bytearray) -> None:
        fetched.append(seg)
        seg.done = seg.end - seg.start

    monkeypatch.setattr(transfer, "_fetch_segment", fetch)
    claims = threading.Event()
    claim = table.claim

    def counted(*args: Any) -> Any:
        claims.set()
        return claim(*args)

    monkeypatch.setattr(table, "claim", counted)
    worker = threading.Thread(target=transfer._worker, args=(0, None), daemon=True)
    worker.start()
    try:
        assert claims.wait(10.0)  # the worker runs, idle, unlimited when it started
        bucket.set_rate(64 * 1024)  # then a limit: every connection now waits at the bucket
        victim.since = victim.last = time.monotonic() - 5.0  # quiet far past a stall
        claims.clear()
        assert claims.wait(10.0)  # it has looked again since
        time.sleep(0.3)  # and a few more times (every 0.1 s while idle)
        assert cut == []
    finally:
        run.control.halt()
        worker.join(10.0)
    assert not worker.is_alive()


def test_a_worker_waiting_on_the_disk_is_never_quiet_meanwhile() -> None:
    # A slow disk holds writers back (Checkpointer.wait_durable); a connection waiting there is
    # not a quiet link, and must not be taken over (its bytes in flight would be thrown away).
    from app.engine.segments import TAKEOVER_QUIET

    table = SegmentTable(64 * 1024)
    table.use_segments([SegmentRecord(0, 8 * MIB, 0)])
    seg = table.segments[0]
    seen: list[float] = []

    class SlowDisk:
        sync_early, max_unsynced = 1, 2

        def behind(self) -> int:
            return 3  # past the bound: the writer waits

        def wait_durable(self, stop: threading.Event) -> None:
            seen.append(seg.last)
            time.sleep(TAKEOVER_QUIET * 2)  # longer than any takeover waits for

    run = _fake_run(table, TokenBucket(None))
    run.checkpoints = SlowDisk()
    transfer = RangedTransfer(run)
    for _ in range(2):
        before = time.monotonic()
        transfer._hold_back(seg)
        assert seen[-1] == float("inf")  # never quiet while the disk holds it
        assert seg.last >= before  # and measured afresh from when it could read again
