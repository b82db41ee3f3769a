"""Read coalescing is decided from a connection's measured rate (pure), and a connection waits
only when nothing is ready to read."""

from __future__ import annotations

import socket

from hypothesis import given
from hypothesis import strategies as st

from app.engine.pacing import COALESCE_BYTES, MAX_PAUSE, SLOW_LINK, coalesce_pause, data_ready


def test_fast_or_unmeasured_links_never_wait() -> None:
    assert coalesce_pause(0.0) == 0.0
    assert coalesce_pause(SLOW_LINK) == 0.0
    assert coalesce_pause(300e6) == 0.0


@given(st.floats(min_value=1.0, max_value=SLOW_LINK - 1), st.floats(0.0, 1.0))
def test_slow_links_wait_boundedly_and_longer_the_slower(rate: float, frac: float) -> None:
    pause = coalesce_pause(rate)
    assert 0 < pause <= MAX_PAUSE
    assert rate * pause <= COALESCE_BYTES * 1.000001  # what waits in the kernel stays small
    slower = 1.0 + (rate - 1.0) * frac
    assert coalesce_pause(slower) >= pause


def test_data_ready_says_whether_a_read_would_return_at_once() -> None:
    assert not data_ready(None)
    a, b = socket.socketpair()
    with a, b:
        assert not data_ready(a)
        b.sendall(b"x")
        assert data_ready(a)  # a fast link is drained without waiting
        a.recv(1)
        assert not data_ready(a)
    assert data_ready(a)  # closed under us: the read that follows reports it
