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
from app.engine.retry import RetryBudget, RetryPolicy, backoff_delay
from app.engine.urls import extract_urls, redact, validate_url
from app.units import parse_rate


def test_budget_runs_out_without_progress() -> None:
    budget = RetryBudget(RetryPolicy(attempts=3), random.Random(1))
    assert all(budget.on_failure(100) is not None for _ in range(3))
    assert budget.on_failure(100) is None


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=200))
def test_budget_refills_only_on_new_progress(steps: list[int]) -> None:
    budget = RetryBudget(RetryPolicy(attempts=2), random.Random(0))
    progress = 0
    for step in steps:
        progress += step  # always further than ever: never gives up
        assert budget.on_failure(progress) is not None


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


def test_parse_rate() -> None:
    assert parse_rate("500K") == 500_000  # decimal, like the window's kB/s
    assert parse_rate("2M") == 2_000_000
    assert parse_rate("1.5MiB/s") == int(1.5 * 1024 * 1024)
    assert parse_rate("800000") == 800000
    for bad in ("", "fast", "-1M", "0"):
        with pytest.raises(ValueError):
            parse_rate(bad)
