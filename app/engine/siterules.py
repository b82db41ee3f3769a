"""Per-site rules: at most N connections to a host, its user agent, extra request headers.

A rule names hosts with a pattern: `files.example.com`, `*.example.com` (the domain and every
subdomain), `*` (every host). Several rules may match one URL: the more specific pattern wins
for the user agent and each header, and the smallest connection limit wins (a server that bans
more than two connections bans them whichever rule said so). Header values may be secrets
(Authorization, Cookie): `SiteRule.__repr__` never shows them, and nothing here logs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from app.engine.errors import BadInput

MAX_RULE_CONNECTIONS = 32


@dataclass(frozen=True, slots=True)
class SiteRule:
    """What applies to requests to the hosts `pattern` names; 0 / "" / () = no say."""

    pattern: str = "*"
    max_connections: int = 0
    user_agent: str = field(default="", repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        names = [name for name, _ in self.headers]
        return (
            f"SiteRule({self.pattern!r}, max_connections={self.max_connections}, "
            f"user_agent={'set' if self.user_agent else 'none'}, headers={names})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "max_connections": self.max_connections,
            "user_agent": self.user_agent,
            "headers": format_headers(self.headers),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> SiteRule:
        """From a stored or edited rule; raises BadInput when something makes no sense."""
        pattern = str(data.get("pattern", "")).strip().lower()
        if not pattern or any(c.isspace() or c in "/?#@" for c in pattern):
            raise BadInput(f"a site rule needs a host pattern like *.example.com, not {pattern!r}")
        limit = data.get("max_connections", 0) or 0
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise BadInput("a site rule's connection limit must be a number")
        if not 0 <= limit <= MAX_RULE_CONNECTIONS:
            raise BadInput(f"a site rule's connection limit must be 0-{MAX_RULE_CONNECTIONS}")
        agent = str(data.get("user_agent", "") or "").strip()
        raw = data.get("headers", "") or ""
        headers = parse_headers(raw.splitlines() if isinstance(raw, str) else raw)
        return SiteRule(pattern, limit, agent, headers)


@dataclass(frozen=True, slots=True)
class Effective:
    """The rules that apply to one URL, merged. `max_connections` 0: no limit."""

    max_connections: int = 0
    user_agent: str = field(default="", repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def header_dict(self, default_agent: str) -> dict[str, str]:
        """The headers a session sends: the user agent first, then the extra ones."""
        out = {"User-Agent": self.user_agent or default_agent}
        out.update(self.headers)
        return out

    def clamp(self, connections: int) -> int:
        return min(connections, self.max_connections) if self.max_connections else connections


def parse_header(line: str) -> tuple[str, str]:
    """`Name: value` (curl's and aria2's --header) → (Name, value) (pure)."""
    name, sep, value = line.partition(":")
    name = name.strip()
    if (
        not sep
        or not name
        or any(c.isspace() or ord(c) < 33 or c in '()<>@,;\\"/[]?={}' for c in name)
    ):
        raise BadInput("a header must be written 'Name: value'")
    value = value.strip()
    if any(c in value for c in "\r\n\0"):
        raise BadInput("a header value cannot contain line breaks")
    return name, value


def parse_headers(lines: Iterable[str]) -> tuple[tuple[str, str], ...]:
    return tuple(parse_header(line) for line in lines if line.strip())


def format_headers(headers: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers)


# What a client of the service sees in place of a site rule's header value (they may carry
# tokens): the rules themselves stay visible and editable, the values never leave the service.
HIDDEN = "(hidden)"


def masked_rules(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored site rules as a client may see them: every header value is HIDDEN (pure)."""
    out = []
    for rule in rules:
        shown = dict(rule)
        lines = str(rule.get("headers") or "").splitlines()
        shown["headers"] = "\n".join(
            f"{line.partition(':')[0].strip()}: {HIDDEN}" for line in lines if line.strip()
        )
        out.append(shown)
    return out


def unmasked_rules(
    edited: Iterable[Mapping[str, Any]], stored: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """A client's edited rules with each HIDDEN value put back from the stored rule for the same
    site and header name; a HIDDEN value with nothing stored behind it is dropped (pure)."""
    known: dict[tuple[str, str], str] = {}
    for rule in stored:
        pattern = str(rule.get("pattern", "")).strip().lower()
        for line in str(rule.get("headers") or "").splitlines():
            name, sep, value = line.partition(":")
            if sep:
                known[(pattern, name.strip().lower())] = value.strip()
    out = []
    for rule in edited:
        pattern = str(rule.get("pattern", "")).strip().lower()
        kept = []
        for line in str(rule.get("headers") or "").splitlines():
            name, _, value = line.partition(":")
            if value.strip() != HIDDEN:
                kept.append(line)
            elif (pattern, name.strip().lower()) in known:
                kept.append(f"{name.strip()}: {known[(pattern, name.strip().lower())]}")
        out.append({**rule, "headers": "\n".join(kept)})
    return out


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def matches(pattern: str, host: str) -> bool:
    """Does a rule's pattern name this host? `*.example.com` also names example.com (pure)."""
    pattern = pattern.strip().lower().rstrip(".")
    if not host:
        return False
    if pattern.startswith("*.") and host == pattern[2:]:
        return True
    return fnmatch.fnmatchcase(host, pattern)


def _specificity(pattern: str) -> tuple[int, int]:
    return (0 if any(c in pattern for c in "*?[") else 1, len(pattern.replace("*", "")))


def effective_rule(url: str, rules: Sequence[SiteRule]) -> Effective:
    """The merged rule for `url`'s host (pure): see the module docstring for who wins."""
    host = host_of(url)
    found = [r for r in rules if matches(r.pattern, host)]
    if not found:
        return Effective()
    found.sort(key=lambda r: _specificity(r.pattern))  # least specific first, stable
    limits = [r.max_connections for r in found if r.max_connections > 0]
    agent = ""
    merged: dict[str, tuple[str, str]] = {}
    for rule in found:
        agent = rule.user_agent or agent
        for name, value in rule.headers:
            merged[name.lower()] = (name, value)
    return Effective(min(limits) if limits else 0, agent, tuple(merged.values()))


def rules_from_settings(value: Any) -> tuple[SiteRule, ...]:
    """The stored `site_rules` setting (a list of dicts); bad entries are skipped."""
    if not isinstance(value, list | tuple):
        return ()
    out: list[SiteRule] = []
    for item in value:
        if isinstance(item, Mapping):
            try:
                out.append(SiteRule.from_dict(item))
            except BadInput:
                continue
    return tuple(out)


def host_share(
    url: str, rules: Sequence[SiteRule], in_use: Iterable[tuple[str, int]]
) -> int | None:
    """Connections a new job on `url`'s host may still open (pure): None when no rule limits
    that host, else the limit minus what running jobs on that host hold (`in_use`: their
    (host, connections)); 0 or less means it has to wait for one of them."""
    limit = effective_rule(url, rules).max_connections
    if not limit:
        return None
    host = host_of(url)
    return limit - sum(n for h, n in in_use if h == host)
