"""Header parsing: Content-Range, Content-Length, Retry-After, Content-Disposition, validators."""

from __future__ import annotations

import email.utils

from hypothesis import given
from hypothesis import strategies as st

from app.engine.headers import (
    ContentRange,
    UnsatisfiedRange,
    filename_from_content_disposition,
    if_range_validator,
    is_identity_encoding,
    parse_content_length,
    parse_content_range,
    parse_retry_after,
)


@given(st.integers(0, 2**60), st.integers(0, 2**60), st.integers(1, 2**60))
def test_content_range_round_trip(a: int, length: int, extra: int) -> None:
    first, last = a, a + length
    total = last + extra
    assert parse_content_range(f"bytes {first}-{last}/{total}") == ContentRange(first, last, total)
    assert parse_content_range(f"bytes {first}-{last}/*") == ContentRange(first, last, None)


@given(st.text())
def test_content_range_never_raises(text: str) -> None:
    result = parse_content_range(text)
    if isinstance(result, ContentRange):
        assert 0 <= result.first <= result.last
        assert result.total is None or result.last < result.total


def test_content_range_rejects_nonsense() -> None:
    assert parse_content_range("bytes 5-4/10") is None  # first > last
    assert parse_content_range("bytes 0-10/10") is None  # last beyond total
    assert parse_content_range("bytes=0-1/2") is None
    assert parse_content_range("items 0-1/2") is None
    assert parse_content_range("bytes 0-1/2, 3-4/5") is None
    assert parse_content_range("bytes */100") == UnsatisfiedRange(100)
    assert parse_content_range(None) is None
    assert parse_content_range("bytes 0-1/" + "9" * 30) is None


def test_content_length() -> None:
    assert parse_content_length("42") == 42
    assert parse_content_length("42, 42") == 42
    assert parse_content_length("42, 43") is None
    assert parse_content_length("-1") is None
    assert parse_content_length("４２") is None  # non-ASCII digits
    assert parse_content_length(None) is None


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("120") == 120.0
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert abs((parse_retry_after(date, now=now) or 0) - 30) < 1.01
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after(None) is None


@given(st.text())
def test_retry_after_never_raises(text: str) -> None:
    value = parse_retry_after(text)
    assert value is None or value >= 0


def test_if_range_prefers_strong_etag() -> None:
    lm = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert if_range_validator('"abc"', lm) == '"abc"'
    assert if_range_validator('W/"abc"', lm) == lm  # weak ETags are never validators
    assert if_range_validator('W/"abc"', None) is None
    assert if_range_validator(None, "not a date") is None
    assert if_range_validator("unquoted", None) is None


def test_identity_encoding() -> None:
    assert is_identity_encoding(None)
    assert is_identity_encoding("identity")
    assert not is_identity_encoding("gzip")
    assert not is_identity_encoding("identity, br")


def test_content_disposition_forms() -> None:
    cd = filename_from_content_disposition
    assert cd('attachment; filename="a b.txt"') == "a b.txt"
    assert cd("attachment; filename=plain.bin") == "plain.bin"
    assert cd("attachment; filename*=UTF-8''%E2%82%AC%20rates.txt") == "€ rates.txt"
    assert (
        cd("attachment; filename=\"fallback\"; filename*=utf-8''r%C3%A9sum%C3%A9.pdf")
        == "résumé.pdf"
    )
    assert cd("attachment; filename*=iso-8859-1'en'%A3%20rates") == "£ rates"
    assert cd('attachment; filename="quoted \\"inner\\".txt"') == 'quoted "inner".txt'
    assert cd('attachment; filename="semi;colon.txt"; size=3') == "semi;colon.txt"
    assert cd("attachment; filename*=bogus''x; filename=ok.txt") == "ok.txt"
    assert cd("inline") is None
    assert cd(None) is None
    assert (
        cd('attachment; filename="../../etc/passwd"') == "../../etc/passwd"
    )  # raw: sanitised later


@given(st.text())
def test_content_disposition_never_raises(text: str) -> None:
    result = filename_from_content_disposition(text)
    assert result is None or isinstance(result, str)


def test_range_after_416_asks_within_the_stated_size() -> None:
    from app.engine.http import range_after_416

    assert range_after_416(0, 1 << 20, UnsatisfiedRange(102400)) == 102400
    assert range_after_416(0, 1 << 20, None) is None  # no size given: ask without a range
    # a range inside the file refused, or the narrowed one refused again: no range at all
    assert range_after_416(0, 1 << 20, UnsatisfiedRange(5 << 20)) is None
    assert range_after_416(0, 102400, UnsatisfiedRange(102400)) is None
    assert range_after_416(0, 1 << 20, UnsatisfiedRange(0)) is False  # empty file
    assert range_after_416(7, 1 << 20, UnsatisfiedRange(5)) is False  # starts past the end
    assert range_after_416(7, 1 << 20, None) is False
    assert range_after_416(0, None, UnsatisfiedRange(10)) is False
