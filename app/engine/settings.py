"""The knobs the engine runs with; the UI and CLI build these from stored options."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine.proxy import ProxyConfig
from app.engine.retry import RetryPolicy
from app.engine.segments import MIN_SPLIT
from app.engine.siterules import SiteRule
from app.store.models import MAX_CONNECTIONS

__all__ = ["MAX_CONNECTIONS", "EngineSettings"]


@dataclass(frozen=True, slots=True)
class EngineSettings:
    max_concurrent: int = 3
    connections: int = 8
    speed_limit: int | None = None  # bytes/s for all downloads together
    stall_timeout: float = 30.0  # no byte for this long = a transient failure
    connect_timeout: float = 15.0
    checkpoint_interval: float = 0.5  # a kill -9 re-fetches at most ~this long of data
    min_split: int = MIN_SPLIT
    buffer_size: int = 1024 * 1024  # one reused buffer per connection
    # Writers wait when this much is written but not yet durable: when the network outruns the
    # disk, page cache would otherwise hold gigabytes a crash throws away (and re-downloads).
    max_unsynced: int = 64 * 1024 * 1024
    max_restarts: int = 3  # from-zero restarts in one run before "the file keeps changing"
    verify_tls: bool | str = True  # True (system store/env, see tls.py) or a CA file; never off
    netrc: bool = True  # ~/.netrc (or $NETRC) credentials for hosts whose URL has none
    # How long a job keeps trying through an outage (server restart, network loss) without
    # getting further than it ever was, before it fails; across runs and app restarts.
    retry_for: float = 300.0
    # Close a connection far slower than its peers and open a new one (reroll.py): which path a
    # TCP connection gets is luck. Off only to measure what it brings (the benchmark does).
    reroll_slow: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Look for a checksum the server publishes (Digest headers, SHA256SUMS, URL.sha256) when the
    # job has none, and verify the file with it.
    auto_checksum: bool = True
    # Which proxy requests go through (proxy.py; "system": the environment, as before), and
    # per-site connection limits, user agents and headers (siterules.py); applied per session.
    proxy: ProxyConfig = field(default_factory=ProxyConfig)
    site_rules: tuple[SiteRule, ...] = ()

    def clamp_connections(self, n: int | None) -> int:
        value = self.connections if n is None else n
        return max(1, min(MAX_CONNECTIONS, int(value)))
