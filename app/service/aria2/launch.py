"""Whether and where to serve aria2's RPC: command-line flags over the stored options."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.engine.engine import Engine
from app.options import Options

if TYPE_CHECKING:  # aiohttp is imported only by a process that serves aria2's RPC
    from app.service.aria2.transport import Aria2Server

log = logging.getLogger("tether.aria2")


def parse_listen(text: str) -> tuple[str, int]:
    """`[HOST:]PORT` → (host, port); the host defaults to loopback. ValueError if bad."""
    host, _, port_text = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"port out of range: {port}")
    return host, port


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Aria2Config:
    host: str
    port: int
    secret: str | None = field(default=None, repr=False)


def config_from(
    options: Options, listen: str | None = None, secret: str | None = None
) -> Aria2Config | None:
    """`--aria2-rpc [[HOST:]PORT]` / `--rpc-secret` win over the options; None: not enabled.
    ValueError for a bad HOST:PORT."""
    if listen is None and not options.aria2_rpc:
        return None
    if listen:  # "" (the flag without a value): where the options say
        host, port = parse_listen(listen)
    else:
        host = "0.0.0.0" if options.aria2_rpc_all_interfaces else "127.0.0.1"
        port = options.aria2_rpc_port
    chosen = secret if secret is not None else options.aria2_rpc_secret
    return Aria2Config(host, port, chosen or None)


def refusal(config: Aria2Config) -> str | None:
    """Why this configuration must not start (one line), or None."""
    if not is_loopback(config.host) and not config.secret:
        return (
            f"refusing to serve aria2's RPC on {config.host} without a secret: "
            "give --rpc-secret (or listen on 127.0.0.1)"
        )
    return None


async def start_aria2(
    engine: Engine,
    config: Aria2Config,
    on_shutdown: Callable[[], None],
    on_settings: Callable[[Options], None] | None = None,
) -> Aria2Server | None:
    """The running server, or None (logged) if it may not or cannot listen."""
    reason = refusal(config)
    if reason is not None:
        log.warning("%s", reason)
        return None
    from app.service.aria2.transport import Aria2Server

    server = Aria2Server(
        engine, secret=config.secret, on_shutdown=on_shutdown, on_settings=on_settings
    )
    try:
        await server.start(config.host, config.port)
    except OSError as exc:
        log.warning("cannot serve aria2's RPC on %s:%d: %s", config.host, config.port, exc)
        await server.close()
        return None
    return server
