"""The pure parts of the network settings: proxy URLs, the no-proxy list, which proxy a URL
gets, the merged site rule for a URL, header lines, and the options round trip (secrets apart)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.errors import BadInput
from app.engine.proxy import ProxyConfig, bypassed, parse_no_proxy, parse_proxy_url, proxies_for
from app.engine.settings import EngineSettings
from app.engine.siterules import (
    SiteRule,
    effective_rule,
    host_share,
    matches,
    parse_header,
    rules_from_settings,
)
from app.netargs import keep_network, network_changes
from app.options import Options, load_options, save_options
from app.store.jobstore import JobStore

SECRET = "s3cr3t-P@ss:word/"


# ---------------------------------------------------------------------------- proxy
@pytest.mark.parametrize(
    ("text", "mode", "host", "port", "user", "password"),
    [
        ("127.0.0.1:3128", "http", "127.0.0.1", 3128, "", ""),
        ("http://proxy.lan", "http", "proxy.lan", 8080, "", ""),
        ("https://u:p@proxy.lan:443", "https", "proxy.lan", 443, "u", "p"),
        ("socks5://a%40b:p%3Aw@[::1]:1081", "socks5", "::1", 1081, "a@b", "p:w"),
        ("socks5h://h", "socks5", "h", 1080, "", ""),
    ],
)
def test_parse_proxy_url(
    text: str, mode: str, host: str, port: int, user: str, password: str
) -> None:
    cfg = parse_proxy_url(text)
    assert (cfg.mode, cfg.host, cfg.port, cfg.username, cfg.password) == (
        mode,
        host,
        port,
        user,
        password,
    )


@pytest.mark.parametrize("text", ["ftp://h:1", "http://", "http://h:99999", "socks4://h"])
def test_bad_proxy_urls_are_one_line_without_the_value(text: str) -> None:
    with pytest.raises(BadInput) as info:
        parse_proxy_url(text.replace("h", f"u:{SECRET}@h", 1) if "h:" in text else text)
    assert SECRET not in str(info.value)


def test_empty_proxy_is_none() -> None:
    assert parse_proxy_url(" ").mode == "none"


@given(
    user=st.text(min_size=1, max_size=12),
    password=st.text(max_size=12),
    mode=st.sampled_from(["http", "https", "socks5"]),
)
def test_credentials_round_trip_and_never_show(user: str, password: str, mode: str) -> None:
    cfg = ProxyConfig(mode, "proxy.example", 3128, user, password)
    back = parse_proxy_url(cfg.url())
    assert (back.username, back.password, back.host, back.port) == (user, password, cfg.host, 3128)
    assert cfg.label == "proxy.example:3128"
    if len(password) > 3:
        assert password not in repr(cfg) and password not in cfg.label


@pytest.mark.parametrize(
    ("url", "entries", "expected"),
    [
        ("http://example.com/f", ("example.com",), True),
        ("http://a.example.com/f", ("example.com",), True),
        ("http://a.example.com/f", ("*.example.com",), True),
        ("http://a.example.com/f", (".example.com",), True),
        ("http://badexample.com/f", ("example.com",), False),
        ("http://host:8080/f", ("host:8080",), True),
        ("http://host:8081/f", ("host:8080",), False),
        ("http://10.1.2.3/f", ("10.0.0.0/8",), True),
        ("http://11.1.2.3/f", ("10.0.0.0/8",), False),
        ("http://[::1]:80/f", ("::1",), True),
        ("http://anything/f", ("*",), True),
        ("http://Example.COM./f", ("example.com",), True),
        ("http://x/f", (), False),
    ],
)
def test_no_proxy_matching(url: str, entries: tuple[str, ...], expected: bool) -> None:
    assert bypassed(url, entries) is expected


def test_parse_no_proxy() -> None:
    assert parse_no_proxy("a.com, .b.org\n10.0.0.0/8  a.com") == ("a.com", ".b.org", "10.0.0.0/8")


@given(host=st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8}){0,3}", fullmatch=True))
def test_a_listed_host_and_its_subdomains_go_direct(host: str) -> None:
    cfg = ProxyConfig("http", "p", 1, no_proxy=(host,))
    assert proxies_for(f"http://{host}/f", cfg) == {}
    assert proxies_for(f"https://sub.{host}:8443/f", cfg) == {}
    assert proxies_for(f"http://x{host}/f", cfg) != {}


def test_which_proxy_a_url_gets() -> None:
    env = {"HTTPS_PROXY": "http://e:1", "no_proxy": "internal"}
    assert proxies_for("https://a/f", ProxyConfig("system"), env) == {"https": "http://e:1"}
    assert proxies_for("https://internal/f", ProxyConfig("system"), env) == {}
    assert proxies_for("https://a/f", ProxyConfig("none"), env) == {}
    socks = ProxyConfig("socks5", "s", 1080, "u", "p")
    assert proxies_for("http://a/f", socks) == {
        "http": "socks5h://u:p@s:1080",
        "https": "socks5h://u:p@s:1080",
    }
    assert proxies_for("http://a/f", ProxyConfig("http")) == {}  # no host: direct


# ---------------------------------------------------------------------------- site rules
def test_patterns() -> None:
    assert matches("*.example.com", "a.example.com")
    assert matches("*.example.com", "example.com")
    assert not matches("*.example.com", "badexample.com")
    assert matches("files.example.com", "files.example.com")
    assert not matches("files.example.com", "x.files.example.com")
    assert matches("*", "anything")


def test_the_most_specific_rule_wins_and_the_smallest_limit() -> None:
    rules = (
        SiteRule("*", 4, "Everyone/1", (("X-A", "all"), ("X-B", "all"))),
        SiteRule("*.example.com", 0, "Example/1", (("x-a", "example"),)),
        SiteRule("dl.example.com", 2, "", (("X-C", "dl"),)),
    )
    rule = effective_rule("https://dl.example.com:8443/f", rules)
    assert rule.max_connections == 2
    assert rule.user_agent == "Example/1"
    assert dict(rule.headers) == {"x-a": "example", "X-B": "all", "X-C": "dl"}
    assert effective_rule("http://other.org/f", rules).max_connections == 4
    assert effective_rule("http://other.org/f", ()).max_connections == 0


rule_st = st.builds(
    SiteRule,
    pattern=st.sampled_from(["*", "*.example.com", "example.com", "a.example.com", "*.org"]),
    max_connections=st.integers(0, 32),
    user_agent=st.sampled_from(["", "A/1", "B/2"]),
)


@given(rules=st.lists(rule_st, max_size=6), n=st.integers(1, 32))
def test_clamping_never_raises_connections(rules: list[SiteRule], n: int) -> None:
    for url in ("http://a.example.com/", "http://x.org/", "http://other/"):
        rule = effective_rule(url, rules)
        assert 1 <= rule.clamp(n) <= n
        limits = [
            r.max_connections
            for r in rules
            if r.max_connections and matches(r.pattern, url.split("/")[2])
        ]
        assert rule.clamp(n) == min([n, *limits])


@given(rules=st.lists(rule_st, max_size=6))
def test_rule_order_does_not_matter_for_the_limit(rules: list[SiteRule]) -> None:
    url = "http://a.example.com/f"
    assert (
        effective_rule(url, rules).max_connections
        == effective_rule(url, list(reversed(rules))).max_connections
    )


def test_host_share() -> None:
    rules = (SiteRule("*.a.com", 3), SiteRule("*", 0, "UA"))
    assert host_share("http://b.com/f", rules, [("b.com", 8)]) is None
    assert host_share("http://x.a.com/f", rules, []) == 3
    assert host_share("http://x.a.com/f", rules, [("x.a.com", 2), ("y.a.com", 3)]) == 1
    assert host_share("http://x.a.com/f", rules, [("x.a.com", 3)]) == 0


@pytest.mark.parametrize("line", ["NoColon", ": value", "Bad Name: v", "X: a\rb"])
def test_bad_header_lines(line: str) -> None:
    with pytest.raises(BadInput):
        parse_header(line)


def test_header_lines() -> None:
    assert parse_header("Authorization:  Bearer abc ") == ("Authorization", "Bearer abc")
    assert parse_header("X-Empty:") == ("X-Empty", "")


def test_rule_repr_hides_values() -> None:
    rule = SiteRule("h", 2, "UA", (("Cookie", SECRET),))
    assert SECRET not in repr(rule) and "Cookie" in repr(rule)
    assert SECRET not in repr(effective_rule("http://h/", (rule,)))


def test_stored_rules_skip_bad_entries() -> None:
    stored = [
        {"pattern": "*.a.com", "max_connections": 2, "user_agent": "", "headers": "X: 1"},
        {"pattern": "", "max_connections": 2},
        {"pattern": "b.com", "max_connections": 99},
        "junk",
    ]
    assert rules_from_settings(stored) == (SiteRule("*.a.com", 2, "", (("X", "1"),)),)


# ---------------------------------------------------------------------------- options, CLI
def test_secret_options_stay_out_of_the_settings_table(tmp_path: Path) -> None:
    store = JobStore.open(tmp_path / "db.sqlite3", use_keyring=False)
    try:
        rules = (
            {"pattern": "h", "max_connections": 2, "user_agent": "", "headers": "C: " + SECRET},
        )
        opts = dataclasses.replace(
            load_options(store),
            proxy_mode="socks5",
            proxy_host="p",
            proxy_port=1080,
            proxy_user="me",
            proxy_password=SECRET,
            site_rules=rules,
        )
        save_options(store, opts)
        save_options(store, opts)  # unchanged: nothing rewritten
        back = load_options(store)
        assert back.proxy_password == SECRET and back.site_rules == rules
        assert back.engine_settings().proxy == ProxyConfig("socks5", "p", 1080, "me", SECRET)
        assert SECRET not in repr(back)
        settings_text = json.dumps(store.all_settings())
        assert SECRET not in settings_text and "me" not in json.loads(settings_text).values()
        save_options(
            store, dataclasses.replace(back, proxy_user="", proxy_password="", site_rules=())
        )
        assert load_options(store).proxy_password == ""
    finally:
        store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert SECRET.encode() not in raw  # forgotten and scrubbed
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    assert conn.execute("SELECT count(*) FROM app_secrets").fetchone()[0] == 0
    conn.close()


def test_cli_network_arguments_over_stored_settings() -> None:
    stored = EngineSettings(site_rules=(SiteRule("h", 2, "Stored/1", (("X-A", "a"),)),))
    args = argparse.Namespace(
        all_proxy=parse_proxy_url("socks5://127.0.0.1:9"),
        no_proxy="a.com,b.com",
        header=[("X-A", "cli")],
        user_agent="Cli/1",
    )
    out = network_changes(stored, args)
    assert out.proxy.mode == "socks5" and out.proxy.no_proxy == ("a.com", "b.com")
    rule = effective_rule("http://h/", out.site_rules)
    assert (rule.max_connections, rule.user_agent, dict(rule.headers)) == (
        2,
        "Cli/1",
        {"X-A": "cli"},
    )
    other = effective_rule("http://elsewhere/", out.site_rules)
    assert (other.user_agent, dict(other.headers)) == ("Cli/1", {"X-A": "cli"})
    none = argparse.Namespace(all_proxy=None, no_proxy=None, header=None, user_agent=None)
    assert network_changes(stored, none) is stored
    kept = keep_network(Options(), args)
    assert (kept.proxy_mode, kept.proxy_port, kept.no_proxy) == ("socks5", 9, "a.com, b.com")
