"""Read coalescing is decided from a connection's measured rate (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.engine.pacing import MAX_PAUSE, SLOW_LINK, coalesce_pause

TLS_RECORD = 16 * 1024  # the most one read of an HTTPS body returns


def test_fast_or_unmeasured_links_never_wait() -> None:
    assert coalesce_pause(0.0) == 0.0
    assert coalesce_pause(SLOW_LINK) == 0.0
    assert coalesce_pause(300e6) == 0.0


def test_slow_links_wait_longer_the_slower_they_are() -> None:
    assert 0 < coalesce_pause(SLOW_LINK - 1) < coalesce_pause(20_000) <= MAX_PAUSE
    assert coalesce_pause(1.0) == MAX_PAUSE


@given(st.floats(min_value=1.0, max_value=SLOW_LINK - 1))
def test_a_fast_link_misjudged_as_slow_escapes(rate: float) -> None:
    """Waiting p after each read, a link that has a TLS record ready at every wakeup measures at
    least TLS_RECORD/p next window: at least double what made it wait (or the floor the cap
    allows), so within a few windows it is past SLOW_LINK and never waits again."""
    pause = coalesce_pause(rate)
    assert 0 < pause <= MAX_PAUSE
    assert TLS_RECORD / pause >= min(2 * rate, TLS_RECORD / MAX_PAUSE)
    steps, r = 0, rate
    while coalesce_pause(r) > 0:
        r = TLS_RECORD / coalesce_pause(r)
        steps += 1
    assert steps <= 4
