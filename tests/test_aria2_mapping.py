"""The pure aria2 mapping: GIDs, bitfields, status dicts, option strings, paging, positions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.context import RequestContext
from app.options import Options
from app.service.aria2 import mapping as m
from app.service.aria2.launch import config_from, is_loopback, parse_listen, refusal
from app.service.aria2.mapping import Aria2Error
from app.store.models import Job, JobState, SegmentRecord


def job(state: JobState = JobState.QUEUED, **kw: object) -> Job:
    base: dict[str, object] = {"id": 7, "url": "http://h/f.bin", "dest_dir": "/d", "added_at": 1.0}
    base.update(kw)
    return Job(state=state, **base)  # type: ignore[arg-type]


@given(st.integers(min_value=1, max_value=(1 << 63) - 1))
def test_gid_round_trip(job_id: int) -> None:
    gid = m.gid_of(job_id)
    assert len(gid) == 16 and int(gid, 16) == job_id
    assert m.job_id_of(gid) == job_id
    assert m.job_id_of(gid.upper()) == job_id


@pytest.mark.parametrize("bad", ["", "xyz", "1" * 15, "1" * 17, 5, None, "0" * 16, "f" * 16])
def test_bad_gids_are_aria2_errors(bad: object) -> None:
    with pytest.raises(Aria2Error) as info:
        m.job_id_of(bad)
    assert info.value.code == 1


@given(
    st.integers(min_value=1, max_value=20 * m.PIECE_LENGTH),
    st.lists(st.tuples(st.integers(0, 1 << 25), st.integers(0, 1 << 25)), max_size=8),
)
def test_bitfield_marks_exactly_the_covered_pieces(size: int, raw: list[tuple[int, int]]) -> None:
    ranges = [(min(a, b), max(a, b)) for a, b in raw]
    text = m.bitfield(size, ranges)
    pieces = math.ceil(size / m.PIECE_LENGTH)
    assert len(text) == 2 * math.ceil(pieces / 8)
    bits = int(text, 16) if text else 0
    width = 8 * len(text) // 2
    for i in range(width):
        on = bool(bits >> (width - 1 - i) & 1)
        if i >= pieces:
            assert not on  # padding bits stay clear
            continue
        lo, hi = i * m.PIECE_LENGTH, min(size, (i + 1) * m.PIECE_LENGTH)
        assert on == any(s <= lo and hi <= e for s, e in ranges)


def test_bitfield_whole_file() -> None:
    assert m.bitfield(2 * m.PIECE_LENGTH, [(0, 2 * m.PIECE_LENGTH)]) == "c0"
    assert m.bitfield(9 * m.PIECE_LENGTH, [(0, 9 * m.PIECE_LENGTH)]) == "ff80"


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (JobState.QUEUED, "waiting"),
        (JobState.RETRYING, "waiting"),
        (JobState.DOWNLOADING, "active"),
        (JobState.PAUSED, "paused"),
        (JobState.COMPLETED, "complete"),
        (JobState.FAILED, "error"),
        (JobState.CANCELLED, "removed"),
    ],
)
def test_every_state_has_an_aria2_status(state: JobState, status: str) -> None:
    d = m.status_dict(job(state, size=10, done=10 if state == JobState.COMPLETED else 0))
    assert d["status"] == status
    assert ("errorCode" in d) == (status in m.STOPPED)
    for key in ("totalLength", "completedLength", "downloadSpeed", "connections", "numPieces"):
        assert isinstance(d[key], str) and d[key].isdigit()


def test_status_fields_and_key_filter() -> None:
    j = job(
        JobState.DOWNLOADING,
        size=3 * m.PIECE_LENGTH,
        file_name="f.bin",
        url="http://user:pw@h/f.bin",
        segments=[SegmentRecord(0, m.PIECE_LENGTH, m.PIECE_LENGTH)],
    )
    d = m.status_dict(j, done=m.PIECE_LENGTH, speed=1234.7, connections=3)
    assert d["gid"] == "0000000000000007"
    assert d["downloadSpeed"] == "1234" and d["connections"] == "3"
    assert d["bitfield"] == "80" and d["numPieces"] == "3"
    assert d["files"][0]["path"] == "/d/f.bin"
    assert d["files"][0]["uris"] == [{"uri": "http://***@h/f.bin", "status": "used"}]
    assert m.status_dict(j, keys=["gid", "status"]) == {"gid": d["gid"], "status": "active"}
    live = m.status_dict(j, segments=[(0, m.PIECE_LENGTH, 10), (m.PIECE_LENGTH, 3 << 20, 1 << 20)])
    assert live["bitfield"] == "40"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("server answered 404 Not Found", "3"),
        ("checksum mismatch: expected x", "32"),
        ("server answered 403", "24"),
        ("connection refused by the server", "6"),
        ("something odd", "1"),
        (None, "1"),
    ],
)
def test_error_codes(message: str | None, code: str) -> None:
    assert m.error_code(message) == code


def test_add_options() -> None:
    spec = m.parse_add_options(
        {
            "dir": "/x",
            "out": "a.bin",
            "split": "16",
            "max-connection-per-server": "4",
            "max-download-limit": "1M",
            "checksum": "sha-256=" + "a" * 64,
            "pause": "true",
            "header": ["X: y"],
            "user-agent": "ua",
        },
        32,
    )
    context = RequestContext.build(user_agent="ua", headers=[("X", "y")])
    assert spec == m.AddSpec("/x", "a.bin", 4, 1 << 20, "sha-256=" + "a" * 64, True, context)
    assert "ua" not in repr(spec)  # the context is a secret: never in a repr or a log line
    assert m.parse_add_options(None, 32) == m.AddSpec()
    assert m.parse_add_options({"split": "64"}, 32).connections == 32
    for bad in ({"split": "0"}, {"max-download-limit": "fast"}, {"pause": "yes"}, {"dir": 3}):
        with pytest.raises(Aria2Error):
            m.parse_add_options(bad, 32)
    with pytest.raises(Aria2Error):
        m.parse_add_options(["not", "a", "struct"], 32)


@given(st.integers(0, 1 << 20), st.sampled_from(["", "K", "k", "M", "G"]))
def test_sizes(n: int, unit: str) -> None:
    scale = {"": 1, "K": 1 << 10, "k": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit]
    assert m.parse_size(f"{n}{unit}", "x") == n * scale


@given(st.lists(st.integers(), max_size=30), st.integers(-40, 40), st.integers(0, 40))
def test_window_pages_like_aria2(items: list[int], offset: int, num: int) -> None:
    page = m.window(items, offset, num)
    assert len(page) <= num
    if offset >= 0:
        assert page == items[offset : offset + num]
    elif page:
        assert page[0] == items[len(items) + offset]  # -1: the last one, then backwards
        assert page == list(reversed(items))[-offset - 1 :][:num]


@given(st.integers(1, 50), st.data())
def test_positions_clamp(length: int, data: st.DataObject) -> None:
    current = data.draw(st.integers(0, length - 1))
    pos = data.draw(st.integers(-100, 100))
    how = data.draw(st.sampled_from(["POS_SET", "POS_CUR", "POS_END"]))
    target = m.new_position(length, current, pos, how)
    assert 0 <= target < length
    if how == "POS_SET" and 0 <= pos < length:
        assert target == pos


def test_position_bad_how() -> None:
    with pytest.raises(Aria2Error):
        m.new_position(3, 0, 1, "POS_SIDEWAYS")


def test_option_strings_and_stat() -> None:
    assert m.option_strings({"a": True, "b": 3, "c": None, "d": "x"}) == {
        "a": "true",
        "b": "3",
        "d": "x",
    }
    stat = m.global_stat(["active", "waiting", "paused", "complete", "error"], 10.9)
    assert stat["numActive"] == "1" and stat["numWaiting"] == "2" and stat["numStopped"] == "2"
    assert stat["downloadSpeed"] == "10"


def test_listen_and_refusal() -> None:
    assert parse_listen("6800") == ("127.0.0.1", 6800)
    assert parse_listen("0.0.0.0:7000") == ("0.0.0.0", 7000)
    assert parse_listen("[::1]:7000") == ("::1", 7000)
    for bad in ("x", "70000", "h:0"):
        with pytest.raises(ValueError):
            parse_listen(bad)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.com")
    assert config_from(Options()) is None
    on = Options(aria2_rpc=True, aria2_rpc_all_interfaces=True)
    config = config_from(on)
    assert config is not None and config.host == "0.0.0.0" and config.port == 6800
    assert refusal(config) is not None
    config = config_from(on, secret="hunter2")
    assert config is not None and refusal(config) is None
    assert "hunter2" not in repr(config) and "hunter2" not in repr(on)  # never printed
    local = config_from(Options(), "6900")
    assert local is not None and refusal(local) is None
    default = config_from(Options(aria2_rpc_port=6811), "")  # the flag without a value
    assert default is not None and (default.host, default.port) == ("127.0.0.1", 6811)
