"""Property-based fuzzing (hypothesis) of everything that parses untrusted text: URLs, the
headers a download depends on, file names, dropped/pasted MIME data, published checksums (Digest
headers, SUMS lists, sidecars), URL patterns and input files.

No exception escapes a parser, and no name ever resolves outside the destination folder (also for
Windows-style paths, reserved device names, Unicode tricks and very long names). The number of
examples scales with TETHER_FUZZ_EXAMPLES (default 300 per property; the count run is printed).
"""

from __future__ import annotations

import os
import urllib.parse
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fuzz import invariants as inv

EXAMPLES = int(os.environ.get("TETHER_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
RUN: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _count() -> Iterator[None]:
    yield
    print(f"\nfuzz cases run (hypothesis): {sum(RUN.values())} {dict(RUN)}")


# ---------------------------------------------------------------------------- strategies
TRICKY_NAMES = (
    "..",
    ".",
    "...",
    " . ",
    "../../etc/passwd",
    "..\\..\\Windows\\system32\\evil.dll",
    "C:\\Users\\me\\file.txt",
    "C:evil.txt",
    "\\\\server\\share\\x",
    "/abs/path",
    "CON",
    "con.txt",
    "LPT1 ",
    "aux.tar.gz",
    "Nul.",
    "COM¹.log",
    "prn .txt",
    "\u202egpj.exe",  # RTL override: looks like "exe.jpg"
    "photo\u202e\u2066gnp.exe",
    "a\uff0fb",  # fullwidth solidus
    "\uff0e\uff0e",  # fullwidth full stops
    "\u2024\u2024",  # one-dot leaders
    "e\u0301",  # NFD é
    "\u200b.hidden",
    "\ufeffname",
    ".bashrc",
    "name.\u200b",
    "x" * 300,
    "é" * 200 + ".txt",
    "日本語" * 40 + ".tar.gz",
    "a" * 250 + "." + "b" * 30,
    "\x00\x01\x1f",
    "file?.txt",
    '<>:"|?*',
    " leading and trailing ",
    "%2e%2e%2fescape",
    "..%2F..%2Fescape",
)
TRICKY = st.sampled_from(TRICKY_NAMES)
NAMES = st.one_of(
    TRICKY,
    st.text(max_size=400),
    st.lists(st.one_of(TRICKY, st.text(max_size=20)), max_size=6).map("/".join),
    st.lists(st.one_of(TRICKY, st.text(max_size=20)), max_size=6).map("\\".join),
)
SCHEMES = st.sampled_from(["http", "https", "HTTP", "ftp", "file", "javascript", "data", ""])
HOSTS = st.one_of(
    st.sampled_from(["127.0.0.1", "example.com", "[::1]", "[::1", "xn--nxasmq6b.com", "a..b", ""]),
    st.text(max_size=30),
)
PORTS = st.one_of(
    st.just(""), st.integers(-5, 70000).map(lambda p: f":{p}"), st.text(max_size=6).map(":".__add__)
)
USERINFO = st.one_of(
    st.just(""),
    st.tuples(st.text(max_size=10), st.text(max_size=10)).map(lambda t: f"{t[0]}:{t[1]}@"),
)
URLS = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda s, u, h, p, path: f"{s}://{u}{h}{p}/{path}",
        SCHEMES,
        USERINFO,
        HOSTS,
        PORTS,
        st.text(max_size=60),
    ),
)


def _disposition(name: str, star: bool, quoted: bool) -> str:
    if star:
        return "attachment; filename*=UTF-8''" + urllib.parse.quote(name, safe="")
    if quoted:
        return 'attachment; filename="' + name.replace('"', '\\"') + '"'
    return "attachment; filename=" + name


DISPOSITIONS = st.one_of(
    st.text(max_size=200),
    st.builds(_disposition, NAMES, st.booleans(), st.booleans()),
    st.builds(
        lambda a, b: a + "; " + b,
        st.builds(_disposition, NAMES, st.just(False), st.booleans()),
        st.builds(_disposition, NAMES, st.just(True), st.just(False)),
    ),
)


# ---------------------------------------------------------------------------- URLs
@FUZZ
@given(URLS)
@example("http://user:pa ss@host/x")
@example("http://[@:\x85@127.0.0.1/")  # a whitespace char in the userinfo of a bad authority
@example("http://a/" + "(" * 2000 + ")" * 2000)
def test_validate_url_and_redact(text: str) -> None:
    RUN["url"] += 1
    inv.check_url(text)
    inv.check_redact(text)


@FUZZ
@given(st.lists(st.one_of(URLS, st.text(max_size=40)), max_size=20).map(" ".join))
def test_extract_urls_from_text(text: str) -> None:
    RUN["extract"] += 1
    inv.check_extract(text)


# ---------------------------------------------------------------------------- headers
CR_TEXT = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda a, b, t, sp: f"bytes{sp}{a}-{b}/{t}",
        st.integers(-3, 2**70),
        st.integers(-3, 2**70),
        st.one_of(st.integers(-3, 2**70).map(str), st.just("*")),
        st.sampled_from([" ", "  ", "", "\t"]),
    ),
    st.integers(-3, 2**70).map(lambda t: f"bytes */{t}"),
)


@FUZZ
@given(st.one_of(CR_TEXT, DISPOSITIONS, st.text(max_size=80)))
@example("Wed, 21 Oct 2015 07:28:00 GMT")
@example("Fri, 31 Dec 9999 23:59:59 GMT")
@example("99999999999999999999999")
def test_header_parsers_never_raise(value: str) -> None:
    RUN["headers"] += 1
    inv.check_headers(value)


PUBLISHED = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.tuples(
            st.sampled_from(["", "\\", "SHA256 (", "MD5 ("]),
            st.text(alphabet="0123456789abcdefABCDEF", max_size=130),
            st.sampled_from(["  ", " *", ") = ", " "]),
            st.sampled_from(["f.iso", "./f.iso", "g.iso", "f.iso)", ""]),
        ).map("".join),
        max_size=5,
    ).map("\n".join),
    st.lists(
        st.tuples(
            st.sampled_from(["sha-256", "SHA-512", "md5", "SHA", "x"]),
            st.sampled_from(["=", "=:"]),
            st.text(alphabet="ABCabc0123+/=:", max_size=90),
        ).map("".join),
        max_size=3,
    ).map(", ".join),
)


@FUZZ
@given(PUBLISHED)
def test_published_checksum_parsers(text: str) -> None:
    RUN["checksums"] += 1
    inv.check_published_checksums(text)


@FUZZ
@given(
    st.one_of(
        st.text(max_size=120),
        st.lists(
            st.sampled_from(
                ["[1-9]", "[01-20:3]", "[a-z]", "{a,b}", "http://h/", "\\[", "\n  out=x"]
            ),
            max_size=6,
        ).map("".join),
    )
)
def test_url_patterns_and_input_files(text: str) -> None:
    RUN["lists"] += 1
    inv.check_lists(text)


@FUZZ
@given(
    st.sampled_from([200, 206, 206, 206, 204, 302, 404, 416, 429, 500]),
    st.integers(0, 10_000),
    st.integers(1, 10_000),
    st.dictionaries(
        st.sampled_from(
            ["Content-Range", "Content-Length", "Content-Type", "Content-Encoding", "ETag"]
        ),
        st.one_of(CR_TEXT, st.sampled_from(["multipart/byteranges", "gzip", '"e"', '"f"'])),
    ),
)
def test_ranged_answer_is_written_only_where_it_fits(
    status: int, first: int, extra: int, headers: dict[str, str]
) -> None:
    RUN["ranged"] += 1
    inv.check_ranged(status, headers, first, first + extra)


# ---------------------------------------------------------------------------- names
@FUZZ
@given(NAMES)
def test_sanitized_names_stay_inside_the_folder(raw: str) -> None:
    RUN["name"] += 1
    inv.check_name(raw)


@FUZZ
@given(DISPOSITIONS, st.one_of(URLS, NAMES.map(lambda n: "http://h/" + urllib.parse.quote(n))))
def test_chosen_names_from_headers_and_urls(cd: str, url: str) -> None:
    RUN["choose"] += 1
    inv.check_choose_name(cd, url)


def test_every_tricky_name_can_really_be_created(tmp_path: object) -> None:
    """On this file system: each sanitised tricky name (also numbered, as a .part) is created
    inside the folder and nowhere else."""
    from pathlib import Path

    from app.engine import naming

    folder = Path(str(tmp_path)) / "dest"
    folder.mkdir()
    for raw in TRICKY_NAMES:
        name = naming.sanitize(raw)
        for candidate in (name, naming.numbered(name, 9999) + ".part"):
            path = folder / candidate
            path.write_bytes(b"x")
            assert path.resolve().parent == folder.resolve()
            assert naming.is_inside(str(folder), candidate)
        RUN["created"] += 1
    outside = {p for p in Path(str(tmp_path)).iterdir()} - {folder}
    assert not outside


# ---------------------------------------------------------------------------- drop MIME
MIME_KEYS = st.sampled_from(
    ["text/uri-list", "text/x-moz-url", "text/plain", "text/plain;charset=utf-8", "x/other"]
)
DROP_TEXT = st.lists(st.one_of(URLS, st.text(max_size=30), NAMES), max_size=12).map("\r\n".join)
DROP_BYTES = st.one_of(
    st.binary(max_size=300),
    DROP_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    DROP_TEXT.map(lambda t: t.encode("utf-16", "surrogatepass")),
    DROP_TEXT.map(lambda t: t.encode("utf-16-le", "surrogatepass")),
)


@FUZZ
@given(st.dictionaries(MIME_KEYS, DROP_BYTES, max_size=4))
def test_drop_parser_never_raises(formats: dict[str, bytes]) -> None:
    RUN["drop"] += 1
    inv.check_drop(formats)
