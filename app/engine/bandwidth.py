"""Sharing the global speed limit fairly between running downloads, and applying changes live.

Each running download has one TokenBucket (its connections share it). Its rate is the smaller
of its own limit and its share of the global limit. Shares are max-min fair: a download that
cannot use its equal share (a slow server, its own lower limit) keeps what it uses and the
rest goes to the others, so a newly started download gets its part at once instead of waiting
behind an older one's debt, and one with 16 connections gets no more than one with 2.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from app.engine.ratelimit import TokenBucket

K = TypeVar("K", bound=Hashable)

# A download that never waited on its bucket is bounded elsewhere (server, disk): its demand
# is what it uses plus headroom to grow, and the spare goes to the others.
_HEADROOM = 1.5
_MIN_DEMAND = 32 * 1024.0
_SETTLE = 1.5  # seconds a download runs before its measured rate says anything


def fair_shares(total: float, demands: Mapping[K, float | None]) -> dict[K, float]:
    """Max-min fair split of `total` (pure). A demand of None takes whatever it is given.

    Nobody gets more than it demands; nobody with an unmet demand gets less than anyone else;
    the shares add up to `total` whenever some demand is unbounded.
    """
    shares: dict[K, float] = {}
    left = total
    pending = sorted(demands.items(), key=lambda kv: float("inf") if kv[1] is None else kv[1])
    for index, (key, demand) in enumerate(pending):
        equal = left / (len(pending) - index)
        give = equal if demand is None or demand >= equal else max(0.0, demand)
        shares[key] = give
        left -= give
    return shares


@dataclass(slots=True)
class _Running:
    bucket: TokenBucket
    own_limit: float | None
    started: float
    last_done: int | None = None
    last_time: float = 0.0
    measured: float | None = None


class Bandwidth:
    """The engine's side of the limits: one bucket per running download, rates set from here.

    Called on the engine's loop thread only; buckets are read by worker threads.
    """

    def __init__(self, global_limit: float | None) -> None:
        self._global = global_limit if global_limit and global_limit > 0 else None
        self._running: dict[int, _Running] = {}

    @property
    def global_limit(self) -> float | None:
        return self._global

    def needs_rebalancing(self) -> bool:
        """Only a global limit over two or more downloads needs periodic measuring."""
        return self._global is not None and len(self._running) > 1

    def attach(self, job_id: int, own_limit: float | None) -> TokenBucket:
        """A bucket for a download that starts now; shares are recomputed at once."""
        entry = _Running(TokenBucket(own_limit), _positive(own_limit), time.monotonic())
        self._running[job_id] = entry
        self.rebalance({})
        return entry.bucket

    def detach(self, job_id: int) -> None:
        if self._running.pop(job_id, None) is not None:
            self.rebalance({})

    def set_global(self, limit: float | None) -> None:
        self._global = _positive(limit)
        self.rebalance({})

    def set_own_limit(self, job_id: int, limit: float | None) -> None:
        entry = self._running.get(job_id)
        if entry is not None:
            entry.own_limit = _positive(limit)
            entry.measured = None  # its old pace says nothing about the new limit
            self.rebalance({})

    def rebalance(self, done: Mapping[int, int], now: float | None = None) -> None:
        """Recompute every rate. `done` (bytes so far per job) updates measured rates."""
        now = time.monotonic() if now is None else now
        for job_id, entry in self._running.items():
            current = done.get(job_id)
            if current is None:
                continue
            if entry.last_done is not None and now - entry.last_time > 0.2:
                entry.measured = max(0.0, (current - entry.last_done) / (now - entry.last_time))
            if entry.last_done is None or now - entry.last_time > 0.2:
                entry.last_done, entry.last_time = current, now
        demands: dict[int, float | None] = {}
        for job_id, entry in self._running.items():
            demands[job_id] = _demand(entry, now)
            if job_id in done:
                entry.bucket.waited = False  # a fresh look over the next interval
        if self._global is None:
            for entry in self._running.values():
                _set(entry.bucket, entry.own_limit)
            return
        for job_id, share in fair_shares(self._global, demands).items():
            _set(self._running[job_id].bucket, max(share, 1.0))


def _demand(entry: _Running, now: float) -> float | None:
    """What a download would use: unbounded (or its own limit) while our bucket holds it back;
    what it measurably uses, plus room to grow, when something else (the server) does."""
    own = entry.own_limit
    bucket = entry.bucket
    if bucket.waited or entry.measured is None or now - entry.started < _SETTLE:
        return own
    grow = max(_MIN_DEMAND, entry.measured * _HEADROOM)
    return grow if own is None else min(own, grow)


def _set(bucket: TokenBucket, rate: float | None) -> None:
    old = bucket.rate
    if old == rate:
        return
    # Small drifts are not worth a lock round-trip for every worker.
    if old is not None and rate is not None and abs(old - rate) <= 0.02 * old:
        return
    bucket.set_rate(rate)


def _positive(value: float | None) -> float | None:
    return value if value is not None and value > 0 else None
