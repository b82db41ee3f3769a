"""The pure drop/paste parser: every MIME format, link files, and properties under hypothesis."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from app.ui.dropparse import (
    MAX_URLS,
    MIME_MOZ_URL,
    MIME_TEXT,
    MIME_TEXT_UTF8,
    MIME_URI_LIST,
    decode_utf16_or_utf8,
    extract_urls,
    is_download_url,
    parse_link_file,
    parse_mime,
    parse_moz_url,
    parse_text,
    parse_uri_list,
)

# --- examples --------------------------------------------------------------------------------


def test_extract_urls_from_prose() -> None:
    text = (
        "Get it from https://example.com/a.iso, or (mirror: http://m.example.org/a.iso). "
        "Also <https://x.io/file?x=1&y=2>! Not ftp:/broken nor mailto:me@x.y."
    )
    assert extract_urls(text) == [
        "https://example.com/a.iso",
        "http://m.example.org/a.iso",
        "https://x.io/file?x=1&y=2",
    ]


def test_extract_keeps_balanced_parentheses_and_dedupes() -> None:
    text = "https://en.wikipedia.org/wiki/Foo_(bar) and https://en.wikipedia.org/wiki/Foo_(bar)"
    assert extract_urls(text) == ["https://en.wikipedia.org/wiki/Foo_(bar)"]


def test_is_download_url() -> None:
    assert is_download_url("https://example.com/x")
    assert not is_download_url("ftp://example.com/x")  # the engine fetches http(s) only
    assert is_download_url("HTTP://EXAMPLE.COM/")
    assert not is_download_url("https://")
    assert not is_download_url("file:///etc/passwd")
    assert not is_download_url("javascript:alert(1)")
    assert not is_download_url("https://exa mple.com/")
    assert not is_download_url("https://example.com:99999/")
    assert not is_download_url("https://example.com/" + "a" * 9000)


def test_uri_list_with_comments_files_and_crlf() -> None:
    text = (
        "# dragged from a file manager\r\n"
        "https://example.com/one.zip\r\n"
        "file:///home/me/notes.txt\r\n"
        "file:///home/me/photo.jpg\r\n"
        "mailto:me@example.com\r\n"
        "https://example.com/one.zip\r\n"
    )
    content = parse_uri_list(text)
    assert content.urls == ["https://example.com/one.zip"]
    assert content.link_files == ["/home/me/notes.txt"]
    assert content.ignored == ["file:///home/me/photo.jpg", "mailto:me@example.com"]


def test_moz_url_utf16_pairs() -> None:
    data = "https://example.com/a.bin\nA file\nhttps://example.com/b.bin\nB file".encode(
        "utf-16-le"
    )
    assert parse_moz_url(data).urls == ["https://example.com/a.bin", "https://example.com/b.bin"]
    with_bom = "\ufeffhttps://example.com/c.bin\nC".encode("utf-16")
    assert parse_moz_url(with_bom).urls == ["https://example.com/c.bin"]
    assert parse_moz_url(b"https://example.com/d.bin\nD").urls == ["https://example.com/d.bin"]


def test_plain_text_notes_lines_without_links() -> None:
    content = parse_text("hello\nhttps://example.com/a\n\n  see also https://example.com/b  \n")
    assert content.urls == ["https://example.com/a", "https://example.com/b"]
    assert content.ignored == ["hello"]


def test_parse_mime_prefers_uri_list_then_moz_then_text() -> None:
    both = {
        MIME_URI_LIST: b"https://example.com/from-uri-list\r\n",
        MIME_MOZ_URL: "https://example.com/from-moz\nT".encode("utf-16-le"),
        MIME_TEXT: b"https://example.com/from-text",
    }
    assert parse_mime(both).urls == ["https://example.com/from-uri-list"]
    del both[MIME_URI_LIST]
    assert parse_mime(both).urls == ["https://example.com/from-moz"]
    del both[MIME_MOZ_URL]
    assert parse_mime(both).urls == ["https://example.com/from-text"]
    # A uri-list with nothing downloadable falls through to the text.
    mixed = {MIME_URI_LIST: b"mailto:x@y.z\r\n", MIME_TEXT_UTF8: b"x https://e.com/f y"}
    assert parse_mime(mixed).urls == ["https://e.com/f"]
    assert parse_mime({}).urls == []
    assert parse_mime({MIME_TEXT: b"nothing here"}).ignored == ["nothing here"]


def test_link_files() -> None:
    url_file = "[InternetShortcut]\r\nURL=https://example.com/x.iso\r\nIconIndex=0\r\n"
    assert parse_link_file("x.url", url_file) == ["https://example.com/x.iso"]
    desktop = "[Desktop Entry]\nType=Link\nName=X\nURL=https://example.com/y.iso\n"
    assert parse_link_file("y.desktop", desktop) == ["https://example.com/y.iso"]
    webloc = "<plist><dict><key>URL</key><string>https://example.com/z.iso</string></dict></plist>"
    assert parse_link_file("z.webloc", webloc) == ["https://example.com/z.iso"]
    assert parse_link_file("list.txt", "a https://a.com/1\nb https://b.com/2") == [
        "https://a.com/1",
        "https://b.com/2",
    ]
    assert parse_link_file("evil.url", "URL=file:///etc/passwd") == []


def test_url_count_is_capped() -> None:
    text = "\n".join(f"https://example.com/{i}" for i in range(MAX_URLS + 50))
    assert len(extract_urls(text)) == MAX_URLS


# --- properties ------------------------------------------------------------------------------

_host = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){1,3}", fullmatch=True)
_path = st.lists(
    st.text(alphabet=string.ascii_letters + string.digits + "-_.~%", min_size=1, max_size=12),
    max_size=5,
).map(lambda parts: "/" + "/".join(parts))
_urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https"]),
    _host,
    _path,
).filter(lambda u: not u.endswith(tuple(".,;:!?'\"*")))
_separators = st.sampled_from([" ", "\n", "\r\n", "\t", " , ", "; ", " and ", "\n\n"])


@given(st.lists(_urls, min_size=1, max_size=20), _separators)
def test_urls_joined_by_separators_come_back(urls: list[str], sep: str) -> None:
    expected = list(dict.fromkeys(urls))
    assert extract_urls(sep.join(urls)) == expected
    assert parse_uri_list("\r\n".join(urls)).urls == expected
    moz = "\n".join(f"{u}\ntitle {i}" for i, u in enumerate(urls)).encode("utf-16-le")
    assert parse_moz_url(moz).urls == expected


@given(st.text(max_size=400))
def test_extracted_urls_are_valid_and_in_the_text(text: str) -> None:
    for url in extract_urls(text):
        assert is_download_url(url)
        assert url in text


@given(st.binary(max_size=400))
def test_any_bytes_never_raise(data: bytes) -> None:
    for fmt in (MIME_URI_LIST, MIME_MOZ_URL, MIME_TEXT, MIME_TEXT_UTF8):
        content = parse_mime({fmt: data})
        assert all(is_download_url(u) for u in content.urls)
    decode_utf16_or_utf8(data)


def test_trim_is_linear_on_bracket_floods() -> None:
    import time

    text = "http://a/" + ")" * 200_000
    started = time.process_time()
    assert extract_urls(text) == ["http://a/"]
    assert time.process_time() - started < 2.0  # quadratic took minutes


def test_pasted_paths_are_never_read_as_link_files() -> None:
    result = parse_text("/home/me/links.txt\nfile:///home/me/x.url")
    assert result.link_files == [] and len(result.ignored) == 2
