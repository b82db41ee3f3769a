"""aria2 input files, URL lists and JSON lists: parsing and formatting (pure)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.errors import BadInput
from app.inputfile import Entry, format_input, parse_any, parse_input, parse_json

SHA = "ab" * 32


def test_aria2_format() -> None:
    text = (
        "# a comment\n"
        "http://h/a.iso\thttp://mirror/a.iso\n"
        "  dir=/tmp/x\n"
        "  out=renamed.iso\n"
        f"  checksum=sha-256={SHA.upper()}\n"
        "  split=5\n"
        "\n"
        "http://h/b.bin\n"
        "\tout=b2.bin\n"
        "http://h/c.bin\n"
    )
    a, b, c = parse_input(text)
    assert a == Entry(
        "http://h/a.iso", "/tmp/x", "renamed.iso", f"sha256:{SHA}", ("http://mirror/a.iso",)
    )
    assert b == Entry("http://h/b.bin", out="b2.bin")
    assert c == Entry("http://h/c.bin")


def test_plain_url_list() -> None:
    assert [e.url for e in parse_input("http://a/1\r\nhttp://a/2\r\n\r\n")] == [
        "http://a/1",
        "http://a/2",
    ]


@pytest.mark.parametrize(
    "text,line",
    [
        ("  out=x\nhttp://h/a\n", "line 1"),
        ("http://h/a\n  out=../etc/passwd\n", "line 2"),
        ("http://h/a\n\n  checksum=sha-256=abc\n", "line 3"),
        ("http://h/a\n  nonsense\n", "line 2"),
    ],
)
def test_errors_name_the_line(text: str, line: str) -> None:
    with pytest.raises(BadInput, match=line) as info:
        parse_input(text, "list.txt")
    assert "list.txt" in str(info.value) and "\n" not in str(info.value)


def test_json_round_trip_and_detection() -> None:
    rows = [
        {"url": "http://h/a", "dest_dir": "/d", "file_name": "a", "checksum": "md5:" + "0" * 32},
        {"url": "http://h/b", "sha256": SHA},
    ]
    got = parse_any(json.dumps(rows))
    assert got == [
        Entry("http://h/a", "/d", "a", "md5:" + "0" * 32),
        Entry("http://h/b", checksum=f"sha256:{SHA}"),
    ]
    with pytest.raises(BadInput, match="item 1"):
        parse_json('[{"nourl": 1}]')
    with pytest.raises(BadInput):
        parse_json("{}")


_name = st.text(alphabet="abcXYZ019._-", min_size=1, max_size=12).filter(lambda s: s not in ".")
_entry = st.builds(
    Entry,
    url=st.from_regex(r"https?://[a-z]{1,8}\.example/[a-z0-9/._-]{0,20}", fullmatch=True),
    dir=st.none() | st.from_regex(r"/[a-z0-9 /._-]{0,20}[a-z0-9]", fullmatch=True),
    out=st.none() | _name.filter(lambda s: s != ".."),
    checksum=st.none()
    | st.sampled_from([f"sha256:{SHA}", "md5:" + "1" * 32, "sha512:" + "f" * 128]),
)


@given(st.lists(_entry, max_size=8))
def test_format_then_parse_is_identity(entries: list[Entry]) -> None:
    assert parse_input(format_input(entries)) == entries


@given(st.text(max_size=300))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        entries = parse_any(text)
    except BadInput as exc:
        assert "\n" not in str(exc)
        return
    assert all(e.url for e in entries)
