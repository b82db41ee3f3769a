"""Segment planning and stealing: full coverage, no overlap, durable bytes kept."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from app.engine.segments import gaps, plan, split_gaps, steal_point
from app.store.models import SegmentRecord

MIN = 64 * 1024


def _check_cover(size: int, segs: list[SegmentRecord]) -> None:
    pos = 0
    for s in sorted(segs, key=lambda s: s.start):
        assert s.start == pos, segs
        assert s.end > s.start or size == 0
        assert 0 <= s.done <= s.end - s.start
        pos = s.end
    assert pos == size


@st.composite
def progress(draw: st.DrawFn) -> tuple[int, list[SegmentRecord]]:
    size = draw(st.integers(0, 50 * 1024 * 1024))
    cuts = sorted(set(draw(st.lists(st.integers(0, size), max_size=12))) | {0, size})
    segs = []
    for a, b in itertools.pairwise(cuts):
        segs.append(SegmentRecord(a, b, draw(st.integers(0, b - a))))
    return size, segs


@given(progress(), st.integers(1, 32))
def test_plan_covers_file_and_keeps_durable_bytes(
    prog: tuple[int, list[SegmentRecord]], n: int
) -> None:
    size, old = prog
    new = plan(size, old, n, MIN)
    _check_cover(size, new)
    assert sum(s.done for s in new) == sum(s.done for s in old)
    assert gaps(size, new) == gaps(size, old)
    todo = [s for s in new if s.done == 0]
    assert len(todo) <= max(n, len(gaps(size, old)))


@given(st.integers(1, 10**10), st.integers(1, 32))
def test_fresh_plan_uses_connections_when_big_enough(size: int, n: int) -> None:
    segs = plan(size, [], n, MIN)
    _check_cover(size, segs)
    if size >= 2 * MIN * n:
        assert len(segs) == n
    assert all(s.end - s.start >= MIN for s in segs) or len(segs) == 1


@given(st.integers(0, 10**12), st.integers(0, 10**9))
def test_steal_point_leaves_both_halves_big_enough(pos: int, length: int) -> None:
    end = pos + length
    cut = steal_point(pos, end, MIN)
    if length < 2 * MIN:
        assert cut is None
    else:
        assert cut is not None
        assert cut - pos >= MIN and end - cut >= MIN


def test_split_gaps_halves_largest_first() -> None:
    assert split_gaps([(0, 4 * MIN)], 2, MIN) == [(0, 2 * MIN), (2 * MIN, 4 * MIN)]
    assert split_gaps([(0, MIN)], 4, MIN) == [(0, MIN)]


def test_resume_with_fewer_connections_keeps_gaps() -> None:
    old = [SegmentRecord(0, 100, 50), SegmentRecord(100, 200, 0), SegmentRecord(200, 300, 100)]
    new = plan(300, old, 1, 10)
    assert [(s.start, s.end, s.done) for s in new] == [(0, 50, 50), (50, 200, 0), (200, 300, 100)]


@given(
    st.integers(0, 10**10),
    st.integers(0, 10**9),
    st.floats(0, 1e9, allow_nan=False),
    st.floats(0, 1e9, allow_nan=False),
)
def test_steal_cut_is_inside_and_worth_it(pos: int, length: int, v: float, t: float) -> None:
    from app.engine.segments import MIN_STEAL, steal_cut

    end = pos + length
    cut = steal_cut(pos, end, v, t, MIN)
    if cut is not None:
        assert pos < cut <= end - MIN_STEAL  # beyond the victim's reserved bytes, never empty
    # the floor: a big remainder is always shared (when the victim can keep a byte and the
    # thief still gets MIN_STEAL: at exactly MIN_STEAL one of them would get nothing)
    if length >= 2 * MIN and length > MIN_STEAL:
        assert cut is not None


def test_steal_cut_gives_a_fast_thief_most_of_a_slow_victim() -> None:
    from app.engine.segments import steal_cut

    mib = 1024 * 1024
    cut = steal_cut(0, 9 * mib, victim_speed=2 * mib, thief_speed=16 * mib, min_split=mib)
    assert cut is not None and cut <= 1 * mib + 64 * 1024  # victim keeps ~1/9
    # a small tail on a slow link is still worth taking
    assert steal_cut(0, 1536 * 1024, 2 * mib, 16 * mib, mib) is not None
    # but not when the victim is about to finish anyway
    assert steal_cut(0, 300 * 1024, 16 * mib, 16 * mib, mib) is None


def test_a_quiet_victim_counts_as_stalled_whatever_it_measured_before() -> None:
    from app.engine.segments import STALLED_AFTER, STALLED_SPEED, steal_cut, victim_speed

    # a throttle that grants a second's worth at a time keeps the rate of its last burst ...
    assert victim_speed(8e6, STALLED_AFTER / 2) == 8e6
    assert victim_speed(0.0, STALLED_AFTER / 2) == 0.0  # not measured yet: unknown
    # ... until it has brought nothing for a while: then a thief may take what it holds
    assert victim_speed(8e6, STALLED_AFTER + 0.01) == STALLED_SPEED
    assert victim_speed(0.0, STALLED_AFTER + 0.01) == STALLED_SPEED
    mib = 1024 * 1024
    cut = steal_cut(0, mib, victim_speed(8e6, STALLED_AFTER + 0.01), 16e6)
    assert cut is not None and cut <= 64 * 1024  # the thief takes nearly all of it
    assert steal_cut(0, mib, victim_speed(8e6, 0.1), 16e6) is None  # 0.13 s left: leave it


def test_a_thief_takes_over_a_quiet_victim_only_when_it_would_be_done_well_before() -> None:
    from app.engine.segments import STALLED_AFTER, TAKEOVER_QUIET, takes_over

    mib = 1024 * 1024
    # a throttled link between two bursts: quiet 0.4 s; a 16 MiB/s thief needs 0.06 s for 1 MiB
    assert takes_over(mib, 0.4, 16 * mib)
    # the same gap, but the rest would take the thief 1.25 s: share it (steal_cut) instead
    assert not takes_over(20 * mib, 0.4, 16 * mib)
    # a gap between two reads is not quiet; an unmeasured thief waits for the stall ...
    assert not takes_over(64 * 1024, TAKEOVER_QUIET / 2, 16 * mib)
    assert not takes_over(mib, 0.4, 0.0)
    # ... after which anyone may take all of it, however much is left
    assert takes_over(100 * mib, STALLED_AFTER + 0.01, 0.0)
    assert not takes_over(0, 10.0, 16 * mib)  # nothing left: nothing to take


@given(
    st.integers(1, 1 << 34),
    st.floats(0.0, 100.0, allow_nan=False),
    st.floats(0.0, 1e10, allow_nan=False),
    st.floats(1.0, 10.0),
)
def test_takeover_is_monotonic_in_quiet_time(
    remaining: int, quiet: float, thief: float, more: float
) -> None:
    """A victim that stays quiet longer never stops qualifying; a faster thief never stops."""
    from app.engine.segments import takes_over

    if takes_over(remaining, quiet, thief):
        assert takes_over(remaining, quiet * more, thief)
        assert takes_over(remaining, quiet, thief * more)
