"""URL pattern expansion (curl/aria2 style): unit and property tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.errors import BadInput
from app.engine.patterns import MAX_URLS, PatternError, count, expand, expand_all, has_pattern


def test_zero_padded_numbers() -> None:
    urls = expand("http://h/file[001-100].jpg")
    assert (
        len(urls) == 100
        and urls[0] == "http://h/file001.jpg"
        and urls[-1] == "http://h/file100.jpg"
    )
    assert expand("http://h/[1-3]") == ["http://h/1", "http://h/2", "http://h/3"]
    assert expand("http://h/[08-11]") == [
        "http://h/08",
        "http://h/09",
        "http://h/10",
        "http://h/11",
    ]


def test_letters_steps_and_lists() -> None:
    assert expand("h/[a-e:2]") == ["h/a", "h/c", "h/e"]
    assert expand("h/[X-Z]") == ["h/X", "h/Y", "h/Z"]
    assert expand("h/[1-10:3]") == ["h/1", "h/4", "h/7", "h/10"]
    assert expand("http://{one,two}.h/{a,}x") == [
        "http://one.h/ax",
        "http://one.h/x",
        "http://two.h/ax",
        "http://two.h/x",
    ]


def test_literals_stay() -> None:
    assert expand("http://[::1]:8080/f") == ["http://[::1]:8080/f"]  # IPv6, not a range
    assert expand("http://h/a\\[1-2\\]\\{x\\}") == ["http://h/a[1-2]{x}"]
    assert expand("http://h/f[1].txt") == ["http://h/f[1].txt"]
    assert not has_pattern("http://h/plain?q=1") and has_pattern("http://h/{a}")


@pytest.mark.parametrize(
    "url", ["h/[9-1]", "h/[a-Z]", "h/[1-5:0]", "h/{a,b", "h/a}", "h/{a,[1-2]}", "h/[a-9]"]
)
def test_broken_patterns_are_one_line_errors(url: str) -> None:
    with pytest.raises(PatternError) as info:
        expand(url)
    assert isinstance(info.value, BadInput) and "\n" not in str(info.value)


def test_the_count_is_capped_before_expanding() -> None:
    with pytest.raises(PatternError, match="10,000"):
        expand("http://h/[1-1000000000000]/[1-1000000000]")
    assert count("http://h/[1-1000000000000]") == 1_000_000_000_000
    assert len(expand("h/[1-100]/[1-100]")) == MAX_URLS
    with pytest.raises(PatternError, match="10,001"):
        expand_all(["h/[1-100]/[1-100]", "h/x"])
    assert expand_all(["h/[1-2]", "h/x"]) == ["h/1", "h/2", "h/x"]


@given(st.integers(0, 500), st.integers(0, 60), st.integers(1, 7), st.booleans())
def test_numeric_ranges_match_python_ranges(lo: int, span: int, step: int, pad: bool) -> None:
    hi = lo + span
    first = str(lo).zfill(len(str(hi)) + 1) if pad else str(lo)
    urls = expand(f"u[{first}-{hi}:{step}]")
    width = len(first) if pad else 0
    assert urls == [f"u{str(n).zfill(width)}" for n in range(lo, hi + 1, step)]
    assert count(f"u[{first}-{hi}:{step}]") == len(urls)


_word = st.text(alphabet="abcxyz019._-/", max_size=6)


@given(st.lists(_word, min_size=1, max_size=5), st.lists(_word, min_size=1, max_size=4), _word)
def test_lists_expand_to_their_product(a: list[str], b: list[str], mid: str) -> None:
    urls = expand("{" + ",".join(a) + "}" + mid + "{" + ",".join(b) + "}")
    assert urls == [x + mid + y for x in a for y in b]
    assert count("{" + ",".join(a) + "}" + mid + "{" + ",".join(b) + "}") == len(a) * len(b)


@given(st.text(max_size=40))
def test_any_text_expands_or_fails_cleanly(text: str) -> None:
    try:
        n = count(text)
        urls = expand(text)
    except PatternError:
        return
    assert len(urls) == n


@given(st.text(alphabet=st.characters(blacklist_characters="[]{}\\"), max_size=40))
def test_text_without_pattern_characters_is_itself(text: str) -> None:
    assert expand(text) == [text] and not has_pattern(text)
