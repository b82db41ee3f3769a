"""The parts Download was split into, each on its own: the segment table (who fetches what),
the checkpointer (durable before recorded; writers held back on a Condition) and run control
(stopping wakes every waiter)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

from app.engine.checkpoint import Checkpointer
from app.engine.partfile import PartFile
from app.engine.runcontrol import RunControl
from app.engine.segmenttable import SegmentTable
from app.store.jobstore import JobStore
from app.store.models import Job, JobState, SegmentRecord

MIB = 1 << 20


def table_of(*records: tuple[int, int, int], min_split: int = MIB) -> SegmentTable:
    table = SegmentTable(min_split)
    table.use_segments([SegmentRecord(*r) for r in records])
    return table


def test_a_free_segment_goes_before_any_stealing() -> None:
    table = table_of((0, 4 * MIB, 0), (4 * MIB, 16 * MIB, 0))
    stop = threading.Event()
    first = table.claim(0.0, stop, limited=False)
    assert first is table.segments[1]  # the one with most left
    second = table.claim(0.0, stop, limited=False)
    assert second is table.segments[0]
    assert len(table.segments) == 2


def test_stealing_cuts_the_far_part_of_the_longest_and_the_victim_stops_there() -> None:
    table = table_of((0, 32 * MIB, 0))
    stop = threading.Event()
    victim = table.claim(0.0, stop, limited=False)
    assert not isinstance(victim, bool) and victim is not None
    stolen = table.claim(0.0, stop, limited=False)
    assert not isinstance(stolen, bool) and stolen is not None
    assert victim.end == stolen.start and stolen.end == 32 * MIB
    assert 0 < stolen.start < 32 * MIB
    # bytes the victim already read past its new end are not its to write
    pos = stolen.start - 1000
    assert table.reserve(victim, pos, 64 * 1024, stop) == 1000
    assert table.done_bytes() == 0 and table.remaining() == 32 * MIB


def test_nothing_left_and_nothing_worth_taking_are_told_apart() -> None:
    stop = threading.Event()
    done = table_of((0, MIB, MIB))
    assert done.claim(0.0, stop, limited=False) is False
    small = table_of((0, MIB, 0))  # owned, and too small to split
    assert small.claim(0.0, stop, limited=False) is small.segments[0]
    assert small.claim(0.0, stop, limited=False) is None
    stop.set()
    assert small.claim(0.0, stop, limited=False) is False
    assert small.reserve(small.segments[0], 0, 10, stop) == -1


def test_records_and_progress_in_stream_mode() -> None:
    table = SegmentTable(MIB)
    table.use_stream()
    table.stream_done = 5000
    assert table.records() == [] and table.done_bytes() == 5000
    assert table.bounds(10_000) == ((0, 10_000, 5000),) and table.bounds(None) == ()


class _Store:
    def __init__(self) -> None:
        self.saved: list[tuple[list[SegmentRecord], int]] = []

    def save_progress(self, job_id: int, records: list[SegmentRecord], done: int) -> None:
        self.saved.append((list(records), done))


class _Part:
    def __init__(self, path: Path) -> None:
        self.syncs = 0
        self.path = str(path)

    def sync(self) -> None:
        self.syncs += 1


def checkpointer(table: SegmentTable, requests: list[int]) -> tuple[Checkpointer, _Store, Job]:
    store = _Store()
    job = Job(id=1, url="http://h/f", dest_dir="/tmp", state=JobState.DOWNLOADING, added_at=0.0)
    cp = Checkpointer(cast(JobStore, store), job, table, 4 * MIB, lambda: requests.append(1))
    return cp, store, job


def test_a_checkpoint_syncs_before_it_records_and_skips_when_nothing_is_new(
    tmp_path: Path,
) -> None:
    table = table_of((0, 8 * MIB, 3 * MIB))
    cp, store, job = checkpointer(table, [])
    part = _Part(tmp_path / "f.part")
    cp.checkpoint(cast(PartFile, part))
    assert part.syncs == 1 and store.saved == [([SegmentRecord(0, 8 * MIB, 3 * MIB)], 3 * MIB)]
    assert cp.durable == 3 * MIB and job.done == 3 * MIB and cp.behind() == 0
    cp.checkpoint(cast(PartFile, part))
    assert part.syncs == 1 and len(store.saved) == 1  # nothing new: no fsync, no transaction


def test_a_writer_too_far_ahead_waits_for_the_next_checkpoint(tmp_path: Path) -> None:
    table = table_of((0, 64 * MIB, 0))
    requests: list[int] = []
    cp, store, _ = checkpointer(table, requests)
    table.segments[0].done = 10 * MIB  # 10 MiB written, none durable, the bound is 4 MiB
    stop = threading.Event()
    released = threading.Event()

    def writer() -> None:
        cp.wait_durable(stop)
        released.set()

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    assert not released.wait(0.3)  # held back
    assert requests  # and it asked the job thread for a checkpoint
    cp.checkpoint(cast(PartFile, _Part(tmp_path / "f.part")))
    assert released.wait(5), "the checkpoint did not wake the writer"
    t.join(5)
    assert store.saved[-1][1] == 10 * MIB


def test_halting_the_run_wakes_a_writer_held_back(tmp_path: Path) -> None:
    table = table_of((0, 64 * MIB, 0))
    cp, _, _ = checkpointer(table, [])
    control = RunControl()
    control.on_halt(cp.wake)
    table.segments[0].done = 10 * MIB
    released = threading.Event()

    def writer() -> None:
        cp.wait_durable(control.stop)
        released.set()

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    assert not released.wait(0.3)
    control.halt()
    assert released.wait(5), "halt() left a writer blocked"
    assert control.wake.is_set() and control.stop.is_set()
    t.join(5)


def _cutting(cut: list[int]) -> Callable[[int, Callable[[], None]], bool]:
    """A cutter that finds every owner's connection open: notes whose it closes."""

    def cutter(key: int, before: Callable[[], None]) -> bool:
        before()
        cut.append(key)
        return True

    return cutter


def _running(table: SegmentTable, seg_index: int, owner: int, quiet: float, speed: float) -> None:
    """Make a segment look owned by worker `owner`, measured at `speed`, quiet for `quiet` s."""
    import time

    seg = table.segments[seg_index]
    seg.owned, seg.owner, seg.speed = True, owner, speed
    seg.since = seg.last = time.monotonic() - quiet


def test_a_quiet_victim_is_taken_over_whole_and_its_connection_cut() -> None:
    # the last piece of a download on a throttled link that has gone quiet between bursts
    table = table_of((0, 8 * MIB, 6 * MIB))
    _running(table, 0, owner=3, quiet=0.4, speed=8 * MIB)
    cut: list[int] = []
    table.cutter = _cutting(cut)
    stop = threading.Event()
    stolen = table.claim(16 * MIB, stop, limited=False)
    assert not isinstance(stolen, bool) and stolen is not None
    victim = table.segments[0]
    assert cut == [3]  # the victim's own connection, no other
    assert (stolen.start, stolen.end) == (6 * MIB, 8 * MIB)  # all of it: nothing left to wait for
    assert victim.end == 6 * MIB and victim.reroll  # its owner wakes, finds it ended, moves on
    assert table.remaining() == 2 * MIB  # nothing lost, nothing counted twice


def test_a_takeover_that_cannot_cut_changes_nothing_and_shares_instead() -> None:
    # between two requests the owner has no connection to cut: an ordinary steal (or none)
    table = table_of((0, 32 * MIB, 0))
    _running(table, 0, owner=1, quiet=0.4, speed=2 * MIB)
    table.cutter = lambda key, before: False
    stolen = table.claim(16 * MIB, threading.Event(), limited=False)
    assert not isinstance(stolen, bool) and stolen is not None
    victim = table.segments[0]
    assert not victim.reroll and 0 < victim.end == stolen.start < 32 * MIB


def test_a_speed_limited_run_never_takes_over() -> None:
    # under a speed limit every connection waits alike: quiet says nothing about the link
    table = table_of((0, 8 * MIB, 6 * MIB))
    _running(table, 0, owner=3, quiet=5.0, speed=MIB)
    cut: list[int] = []
    table.cutter = _cutting(cut)
    table.claim(16 * MIB, threading.Event(), limited=True)
    assert cut == []


def test_an_idle_worker_wakes_when_a_segment_is_released_not_at_its_next_poll() -> None:
    # the last segment's end is what idle workers wait for: they must see it at once
    table = table_of((0, MIB, 0))
    seg = table.claim(0.0, threading.Event(), limited=False)
    assert not isinstance(seg, bool) and seg is not None
    seen = table.generation
    woke = threading.Event()

    def idle() -> None:
        table.wait_for_change(seen, timeout=60.0)
        woke.set()

    t = threading.Thread(target=idle, daemon=True)
    t.start()
    table.release(seg)
    assert woke.wait(10.0)  # long before the 60 s timeout
    t.join(10.0)
    # a release between reading the generation and waiting is not missed either
    seen = table.generation
    table.release(seg)
    table.wait_for_change(seen, timeout=60.0)  # returns at once: the generation moved


def test_stopping_wakes_idle_workers_and_never_blocks_a_caller_holding_the_lock() -> None:
    table = table_of((0, MIB, 0))
    seen = table.generation
    woke = threading.Event()
    t = threading.Thread(
        target=lambda: (table.wait_for_change(seen, timeout=60.0), woke.set()), daemon=True
    )
    t.start()
    with table.lock:
        table.wake_idle()  # held by us: must return, not deadlock (waiters poll anyway)
    table.wake_idle()
    assert woke.wait(10.0)


def test_a_thief_not_measured_yet_counts_as_the_downloads_average_connection() -> None:
    # a re-opened connection has no speed of its own yet; the download's does
    import time

    table = table_of((0, 8 * MIB, 7 * MIB))
    _running(table, 0, owner=2, quiet=0.3, speed=0.0)
    cut: list[int] = []
    table.cutter = _cutting(cut)
    table.claim(0.0, threading.Event(), limited=False)
    assert cut == []  # nothing known about anyone: wait for the stall rule
    now = time.monotonic()
    table._samples.extend([(now - 1.0, 0), (now, 64 * MIB)])  # 64 MiB/s over 4 connections
    table.active = 4
    table.segments[0].reroll = False
    table.claim(0.0, threading.Event(), limited=False)
    assert cut == [2]  # 1 MiB at ~16 MiB/s: 0.06 s, and it has been quiet 0.3 s


class _SpyLock:
    """RunControl's lock, noting what the victim's owner could see each time it is taken."""

    def __init__(self, seen: list[tuple[int, bool]], table: SegmentTable) -> None:
        self._lock = threading.Lock()
        self._seen = seen
        self._table = table

    def __enter__(self) -> None:
        seg = self._table.segments[0]
        self._seen.append((seg.end, seg.reroll))
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_a_takeover_failing_to_cut_never_shows_the_owner_a_moved_end() -> None:
    # between two requests the owner holds no connection and reads its segment's end without
    # the table lock (to stop, or to ask for the range up to it): while the thief looks for
    # a connection to cut, the owner must still see its own end and no re-roll flag
    table = table_of((0, 32 * MIB, 0))
    _running(table, 0, owner=1, quiet=5.0, speed=2 * MIB)  # stalled: taken over whole
    control = RunControl()
    seen: list[tuple[int, bool]] = []
    control._lock = cast(threading.Lock, _SpyLock(seen, table))
    table.cutter = control.cut
    stolen = table.claim(16 * MIB, threading.Event(), limited=False)
    assert seen == [(32 * MIB, False)]
    assert not isinstance(stolen, bool) and stolen is not None
    assert not table.segments[0].reroll and table.segments[0].end == stolen.start


def test_a_takeover_cuts_the_owners_socket_with_its_segment_already_ended() -> None:
    import socket

    table = table_of((0, 8 * MIB, 6 * MIB))
    _running(table, 0, owner=3, quiet=0.4, speed=8 * MIB)
    control = RunControl()
    table.cutter = control.cut
    ours, theirs = socket.socketpair()
    try:
        control._sockets[3] = ours  # what register() does with the owner's response
        woke: list[tuple[bytes, int, bool]] = []

        def owner() -> None:
            data = ours.recv(1)  # blocked in its read until the cut
            woke.append((data, table.segments[0].end, table.segments[0].reroll))

        t = threading.Thread(target=owner, daemon=True)
        t.start()
        stolen = table.claim(16 * MIB, threading.Event(), limited=False)
        t.join(10.0)
        assert woke == [(b"", 6 * MIB, True)]  # its read failed, its segment ends where it is
        assert not isinstance(stolen, bool) and stolen is not None
        assert (stolen.start, stolen.end) == (6 * MIB, 8 * MIB)
    finally:
        ours.close()
        theirs.close()
