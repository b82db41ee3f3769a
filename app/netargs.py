"""The command line's network options, spelt as aria2 spells them: --all-proxy, --no-proxy,
--header, --user-agent. Values may hold secrets (a proxy password, an Authorization header):
error messages never repeat them."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from app.engine.errors import BadInput
from app.engine.proxy import ProxyConfig, parse_no_proxy, parse_proxy_url
from app.engine.settings import EngineSettings
from app.engine.siterules import SiteRule, parse_header
from app.options import Options


def proxy_arg(text: str) -> ProxyConfig:
    try:
        return parse_proxy_url(text)
    except BadInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def header_arg(text: str) -> tuple[str, str]:
    try:
        return parse_header(text)
    except BadInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_network_args(sub: argparse.ArgumentParser, *, headers: bool = True) -> None:
    sub.add_argument(
        "--all-proxy",
        type=proxy_arg,
        metavar="URL",
        help="use this proxy: [http|https|socks5]://[user:password@]host:port ('' for none)",
    )
    sub.add_argument(
        "--no-proxy",
        metavar="LIST",
        help="hosts reached without the proxy, comma separated (example.com, .lan, 10.0.0.0/8)",
    )
    if headers:
        sub.add_argument(
            "--header",
            action="append",
            type=header_arg,
            metavar="'NAME: VALUE'",
            help="send this header with every request of this run (repeatable)",
        )
        sub.add_argument("-U", "--user-agent", metavar="TEXT", help="the User-Agent to send")


def network_changes(settings: EngineSettings, args: argparse.Namespace) -> EngineSettings:
    """This run's proxy and headers on top of the stored settings."""
    changes: dict[str, Any] = {}
    proxy: ProxyConfig | None = getattr(args, "all_proxy", None)
    no_proxy = getattr(args, "no_proxy", None)
    if proxy is not None or no_proxy is not None:
        base = proxy or settings.proxy
        extra = parse_no_proxy(no_proxy) if no_proxy is not None else base.no_proxy
        changes["proxy"] = dataclasses.replace(base, no_proxy=extra)
    headers: list[tuple[str, str]] = getattr(args, "header", None) or []
    agent: str = (getattr(args, "user_agent", None) or "").strip()
    if headers or agent:
        # The command line wins over stored rules (a more specific rule would win over "*"):
        # its agent and headers go into every rule, and into a "*" rule for every other host.
        run = SiteRule("*", 0, agent, tuple(headers))
        changes["site_rules"] = (*(_overlay(r, run) for r in settings.site_rules), run)
    return dataclasses.replace(settings, **changes) if changes else settings


def _overlay(rule: SiteRule, run: SiteRule) -> SiteRule:
    names = {name.lower() for name, _ in run.headers}
    kept = tuple(h for h in rule.headers if h[0].lower() not in names)
    return dataclasses.replace(
        rule, user_agent=run.user_agent or rule.user_agent, headers=kept + run.headers
    )


def kept_network_values(
    args: argparse.Namespace, proxy_host: str, proxy_port: int
) -> dict[str, Any]:
    """`tether add --all-proxy/--no-proxy`: the settings to keep for the data folder (the
    window or the service runs the job later), as option values; {} when none was given."""
    values: dict[str, Any] = {}
    proxy: ProxyConfig | None = getattr(args, "all_proxy", None)
    no_proxy = getattr(args, "no_proxy", None)
    if proxy is not None:
        values.update(
            proxy_mode=proxy.mode,
            proxy_host=proxy.host or proxy_host,
            proxy_port=proxy.port or proxy_port,
            proxy_user=proxy.username,
            proxy_password=proxy.password,
        )
    if no_proxy is not None:
        values["no_proxy"] = ", ".join(parse_no_proxy(no_proxy))
    return values


def keep_network(options: Options, args: argparse.Namespace) -> Options:
    """`tether add --all-proxy`: kept as the data folder's setting (the window runs the job)."""
    values = kept_network_values(args, options.proxy_host, options.proxy_port)
    return dataclasses.replace(options, **values) if values else options


def run_network_flags(args: argparse.Namespace) -> list[str]:
    """The network options given for this run only (get/resume), by their flag."""
    flags = []
    if getattr(args, "all_proxy", None) is not None:
        flags.append("--all-proxy")
    if getattr(args, "no_proxy", None) is not None:
        flags.append("--no-proxy")
    if getattr(args, "header", None):
        flags.append("--header")
    if getattr(args, "user_agent", None):
        flags.append("--user-agent")
    return flags
