"""Retry budget, backoff, URL checks, rate parsing and error classification."""

from __future__ import annotations

import random

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from app.engine.errors import (
    BadInput,
    PermanentError,
    TransientError,
    from_request_exception,
    status_error,
)
from app.engine.outage import OutageClock, duration, gave_up
from app.engine.retry import RetryPolicy, backoff_delay
from app.engine.urls import redact, validate_url
from app.units import parse_rate
from app.urls import extract_urls


def test_outage_clock_runs_out_without_progress() -> None:
    clock = OutageClock(retry_for=300)
    clock.progressed(100)
    clock.ended_run(1000.0)
    clock.ended_run(1100.0)
    assert clock.since == 1000.0 and clock.attempts == 2
    assert not clock.expired(1299.0)
    clock.progressed(100)  # not further than ever: the clock runs on
    assert clock.expired(1300.0)


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=200))
def test_outage_clock_restarts_only_on_new_progress(steps: list[int]) -> None:
    clock = OutageClock(retry_for=10)
    progress, now = 0, 0.0
    for step in steps:
        progress += step  # always further than ever: never gives up
        now += 60
        clock.ended_run(now)
        assert not clock.expired(now + 5)
        assert clock.progressed(progress)
        assert clock.since is None and clock.attempts == 0


@given(st.lists(st.floats(0, 100), min_size=1, max_size=50), st.integers(0, 10**6))
def test_a_server_that_always_cuts_at_the_same_byte_ends(gaps: list[float], cut: int) -> None:
    clock = OutageClock(retry_for=300)
    clock.progressed(cut)
    now = 0.0
    while not clock.expired(now):  # each run gets to `cut` again, never further
        assert not clock.progressed(cut)
        clock.ended_run(now)
        at = clock.next_try(now, RetryPolicy(), None, random.Random(1))
        assert now < at or clock.expired(now) or at == now
        now = max(at, now + gaps[clock.attempts % len(gaps)] / 100 + 0.01)
    assert now - (clock.since or 0) >= 300


def test_outage_next_try_backs_off_caps_and_lands_on_the_deadline() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=60)
    rng = random.Random(2)
    clock = OutageClock(retry_for=300)
    delays = []
    now = 0.0
    for _ in range(8):
        clock.ended_run(now)
        at = clock.next_try(now, policy, None, rng)
        delays.append(at - now)
        now = at
    assert delays[0] <= 1 and max(delays) <= 60 and delays[6] >= 30
    clock.ended_run(290.0)
    assert clock.next_try(290.0, policy, None, rng) <= 300.0  # the last try when time is up
    assert clock.next_try(290.0, policy, 120.0, rng) == 410.0  # Retry-After is honoured


def test_gave_up_line() -> None:
    assert gave_up("connection refused by the server", 300) == (
        "connection refused by the server (kept trying for 5 min 0 s)"
    )
    assert gave_up("cannot reach the proxy 127.0.0.1:3128 (connection refused)", 42) == (
        "cannot reach the proxy 127.0.0.1:3128 (connection refused; kept trying for 42 s)"
    )
    assert duration(7322) == "2 h 2 min"


def test_backoff_grows_caps_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=8, max_retry_after=100)
    rng = random.Random(3)
    delays = [backoff_delay(i, policy, None, rng) for i in range(1, 8)]
    assert all(0.5 <= d <= 8 for d in delays)
    assert delays[-1] >= 4  # grown to the cap (with jitter of at most half)
    assert backoff_delay(1, policy, 30, rng) == 30
    assert backoff_delay(1, policy, 10**6, rng) == 100


def test_status_classification() -> None:
    for code in (408, 429, 500, 502, 503, 504):
        assert isinstance(status_error(code), TransientError)
    for code in (401, 403, 404, 410):
        assert isinstance(status_error(code), PermanentError)
    assert "expired" in str(status_error(403))


def test_exception_classification() -> None:
    assert isinstance(
        from_request_exception(requests.ConnectionError("Connection refused")), TransientError
    )
    assert isinstance(from_request_exception(requests.ReadTimeout()), TransientError)
    err = from_request_exception(requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"))
    assert isinstance(err, PermanentError) and "certificate" in str(err)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "nope",
        "ftp://h/f",
        "file:///etc/passwd",
        "http://",
        "http://h:99999/",
        "http://h/ x",
        "javascript:alert(1)",
    ],
)
def test_bad_urls_are_one_line_errors(bad: str) -> None:
    with pytest.raises(BadInput) as info:
        validate_url(bad)
    assert "\n" not in str(info.value)


def test_good_urls() -> None:
    assert validate_url("  https://example.org/a?b=c  ") == "https://example.org/a?b=c"
    assert validate_url("http://[::1]:8080/x") == "http://[::1]:8080/x"


def test_redact_hides_credentials() -> None:
    assert redact("https://user:s3cret@host/p") == "https://***@host/p"
    assert "s3cret" not in redact("http://a:s3cret@h:1/x?y")
    assert redact("http://host/p") == "http://host/p"


def test_bad_input_error_never_shows_password() -> None:
    with pytest.raises(BadInput) as info:
        validate_url("ftp://u:hunter2@host/f")
    assert "hunter2" not in str(info.value)


@given(st.text())
def test_extract_urls_never_raises(text: str) -> None:
    for url in extract_urls(text):
        assert validate_url(url) == url


def test_extract_urls_from_text() -> None:
    text = "see https://a.org/x.iso, and (http://b.org/wiki/Foo_(bar)) or ftp://no"
    assert extract_urls(text) == ["https://a.org/x.iso", "http://b.org/wiki/Foo_(bar)"]


def test_one_extractor_for_window_and_command_line() -> None:
    """The window's paste and drop read text with app.urls too: the two used to disagree."""
    from app.ui import dropparse

    text = "get *https://h/f.iso* or https://h/g.iso*, [https://h/a_[1].bin]"
    expected = ["https://h/f.iso", "https://h/g.iso", "https://h/a_[1].bin"]
    assert extract_urls(text) == expected
    assert dropparse.parse_text(text).urls == expected
    assert dropparse.extract_urls is extract_urls
    assert not hasattr(__import__("app.engine.urls").engine.urls, "extract_urls")


def test_parse_rate() -> None:
    assert parse_rate("500K") == 500_000  # decimal, like the window's kB/s
    assert parse_rate("2M") == 2_000_000
    assert parse_rate("1.5MiB/s") == int(1.5 * 1024 * 1024)
    assert parse_rate("800000") == 800000
    for bad in ("", "fast", "-1M", "0"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_an_outage_is_every_working_connection_down_at_once() -> None:
    from app.engine.outage import ConnectionHealth

    health = ConnectionHealth()
    health.working = 3  # A, B, C
    assert not health.failed(was_down=False, brought_nothing=True)  # A refused
    assert not health.failed(was_down=False, brought_nothing=False)  # B: a blip mid-transfer
    assert not health.failed(was_down=False, brought_nothing=True)  # C refused
    assert not health.failed(was_down=True, brought_nothing=True)  # C again: still two down
    health.down -= 1  # A got an answer again
    assert not health.failed(was_down=False, brought_nothing=True)  # B refused
    assert health.failed(was_down=False, brought_nothing=True)  # A refused: all three, one event
    single = ConnectionHealth()
    single.working = 1
    assert not single.failed(was_down=False, brought_nothing=False)  # retried in place
    assert single.failed(was_down=False, brought_nothing=True)


def test_after_run_retries_then_gives_up_with_one_line() -> None:
    clock = OutageClock(retry_for=60)
    rng = random.Random(4)
    first = clock.after_run(10, 100.0, "connection refused by the server", None, RetryPolicy(), rng)
    assert not first.give_up and 0.0 < first.delay <= 1.0
    assert (
        first.line
        == f"connection refused by the server; retrying in {first.delay:.1f} s (attempt 1)"
    )
    last = clock.after_run(10, 161.0, "connection refused by the server", None, RetryPolicy(), rng)
    assert last.give_up
    assert last.line == "connection refused by the server (kept trying for 1 min 1 s)"


def test_a_connection_waits_its_own_backoff_but_never_past_the_deadline() -> None:
    """The same verdict serves a connection's next try (its attempt count, not the runs')."""
    clock = OutageClock(retry_for=60)
    clock.failed(100.0)
    rng = random.Random(2)
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0)
    third = clock.verdict("connection lost", None, 3, 101.0, policy, rng)
    assert not third.give_up and 2.0 <= third.delay <= 4.0
    near_end = clock.verdict("connection lost", None, 9, 155.0, policy, rng)
    assert not near_end.give_up and near_end.delay <= 5.0  # lands on the deadline (160)
    assert clock.verdict("connection lost", 120.0, 1, 155.0, policy, rng).delay == 120.0
    assert clock.verdict("connection lost", None, 1, 160.0, policy, rng).give_up


def test_a_proxy_that_wants_a_login_is_permanent_and_named() -> None:
    exc = requests.exceptions.ProxyError(
        "Unable to connect to proxy: Tunnel connection failed: 407 Proxy Authentication Required"
    )
    err = from_request_exception(exc)
    assert isinstance(err, PermanentError)
    assert err.reason == "the proxy wants a login (407 Proxy Authentication Required)"
    assert isinstance(status_error(407), PermanentError) and "proxy" in str(status_error(407))
