"""The pure schedule decisions: weekly windows, which jobs may start, when to wake next."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.schedule import (
    ALL_DAYS,
    WEEKDAYS,
    Window,
    decide,
    format_days,
    is_open,
    limit_at,
    may_start,
    next_change,
    next_open,
    parse_days,
    parse_start_at,
    parse_time,
    starts_at,
    when_text,
)

MON = datetime(2026, 11, 30)  # a Monday
NIGHT = Window(60, 420, WEEKDAYS)  # 01:00–07:00 Mon–Fri


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MON + timedelta(days=day, hours=hour, minutes=minute)


def test_queue_hours_open_and_close_on_chosen_days() -> None:
    assert not is_open(NIGHT, at(0, 0, 59))
    assert is_open(NIGHT, at(0, 1))
    assert is_open(NIGHT, at(0, 6, 59))
    assert not is_open(NIGHT, at(0, 7))
    assert is_open(NIGHT, at(4, 3))  # Friday
    assert not is_open(NIGHT, at(5, 3))  # Saturday


def test_next_change_and_next_open() -> None:
    assert next_change(NIGHT, at(0, 0)) == at(0, 1)
    assert next_change(NIGHT, at(0, 1)) == at(0, 7)
    assert next_open(NIGHT, at(0, 3)) is None
    assert next_open(NIGHT, at(4, 8)) == at(7, 1)  # Friday morning: next Monday
    assert next_change(None, at(0, 0)) is None
    every_day_all_day = Window(0, 0, ALL_DAYS)
    assert is_open(every_day_all_day, at(2, 13))
    assert next_change(every_day_all_day, at(2, 13)) is None  # touching spans are no change


def test_window_across_midnight_belongs_to_its_first_day() -> None:
    late = Window(22 * 60, 6 * 60, 1 << 4)  # Friday 22:00 – Saturday 06:00
    assert is_open(late, at(5, 5))
    assert not is_open(late, at(5, 22, 30))  # Saturday night is not in it
    assert next_change(late, at(5, 5)) == at(5, 6)


def test_per_job_start_time_wins_over_queue_hours() -> None:
    noon = at(0, 12)
    assert not may_start(noon, NIGHT, None)
    assert may_start(noon, NIGHT, at(0, 11))
    assert not may_start(noon, None, at(0, 13))
    assert starts_at(noon, NIGHT, None) == at(1, 1)
    assert starts_at(noon, NIGHT, at(0, 13)) == at(0, 13)
    assert starts_at(at(0, 2), NIGHT, None) is None


def test_decide_holds_stops_and_wakes_at_the_first_change() -> None:
    d = decide(at(0, 7), NIGHT, {3: at(0, 9)}, waiting=[1, 2, 3], running=[4])
    assert d.held == {1, 2, 3}
    assert d.stop == {4}
    assert d.wake == at(0, 9)  # job 3's own time comes before the hours reopen
    d = decide(at(0, 9), NIGHT, {3: at(0, 9)}, waiting=[1], running=[3])
    assert d.held == {1}
    assert d.stop == frozenset()
    assert d.wake == at(1, 1)
    speed = Window(9 * 60, 18 * 60, WEEKDAYS)
    assert decide(at(0, 8), None, {}, [], [], speed).wake == at(0, 9)


def test_limit_at() -> None:
    office = Window(9 * 60, 18 * 60, WEEKDAYS)
    assert limit_at(at(0, 10), office, 1_000_000, None) == 1_000_000
    assert limit_at(at(0, 19), office, 1_000_000, None) is None
    assert limit_at(at(5, 10), office, 1_000_000, 5) == 5
    assert limit_at(at(0, 10), None, 1_000_000, 7) == 7


def test_text_forms() -> None:
    assert parse_time("01:00") == 60
    assert parse_time("7:05") == 425
    for bad in ("24:00", "1:60", "noon", ""):
        with pytest.raises(ValueError):
            parse_time(bad)
    assert parse_days("mon-fri") == WEEKDAYS
    assert parse_days("sat,sun") == 0b1100000
    assert parse_days("fri-mon") == 0b1110001
    assert parse_days("all") == ALL_DAYS
    assert format_days(WEEKDAYS) == "mon,tue,wed,thu,fri"
    with pytest.raises(ValueError):
        parse_days("funday")
    assert when_text(at(0, 0), at(0, 1)) == "01:00"
    assert when_text(at(0, 12), at(1, 1)) == "01:00 tomorrow"
    assert when_text(at(4, 12), at(7, 1)) == "01:00 Mon"
    assert parse_start_at("01:00", at(0, 12)) == at(1, 1)
    assert parse_start_at("13:00", at(0, 12)) == at(0, 13)
    assert parse_start_at("2026-12-24T08:00", at(0, 12)) == datetime(2026, 12, 24, 8)
    with pytest.raises(ValueError):
        parse_start_at("soon", at(0, 12))


windows = st.builds(
    Window,
    st.integers(0, 1439),
    st.integers(0, 1439),
    st.integers(1, ALL_DAYS),
)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1))


@settings(max_examples=300, deadline=None)
@given(windows, moments)
def test_next_change_is_the_first_flip(window: Window, now: datetime) -> None:
    change = next_change(window, now)
    if change is None:  # never flips: open all week, or (impossible with a day) never open
        assert all(is_open(window, now + timedelta(hours=h)) for h in range(0, 24 * 8, 5))
        return
    assert change > now
    assert change - now <= timedelta(days=7)
    assert is_open(window, change) != is_open(window, now)
    # nothing flips in between (sampled each minute-ish on the way)
    step = max(timedelta(minutes=1), (change - now) / 200)
    t = now
    while t + step < change:
        t += step
        assert is_open(window, t) == is_open(window, now)


@settings(max_examples=200, deadline=None)
@given(windows, moments, st.dictionaries(st.integers(1, 20), moments, max_size=5))
def test_decide_agrees_with_may_start(
    window: Window, now: datetime, start_at: dict[int, datetime]
) -> None:
    ids = list(range(1, 21))
    d = decide(now, window, start_at, waiting=ids[:10], running=ids[10:])
    for j in ids[:10]:
        assert (j in d.held) == (not may_start(now, window, start_at.get(j)))
    for j in ids[10:]:
        assert (j in d.stop) == (not may_start(now, window, start_at.get(j)))
    if d.wake is not None:
        assert d.wake > now
    for j in d.held | d.stop:  # whatever waits has a time it will be let go at
        assert starts_at(now, window, start_at.get(j)) is not None
