"""A token bucket shared by worker threads: the global (and per-job) speed limit."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """`consume(n)` blocks until n bytes fit under `rate` bytes/s. rate None = unlimited.

    Debt-based: a consumer takes its tokens at once and sleeps off any deficit outside the
    lock, so many threads share the rate fairly without a busy loop.
    """

    def __init__(self, rate: float | None = None, burst_seconds: float = 0.25) -> None:
        self._lock = threading.Lock()
        self._rate = rate if rate and rate > 0 else None
        self._burst_seconds = burst_seconds
        self._tokens = 0.0
        self._stamp = time.monotonic()

    @property
    def rate(self) -> float | None:
        return self._rate

    def set_rate(self, rate: float | None) -> None:
        with self._lock:
            self._rate = rate if rate and rate > 0 else None
            self._tokens = 0.0
            self._stamp = time.monotonic()

    def consume(self, n: int, stop: threading.Event) -> None:
        """Take n tokens; sleep (interruptibly) while in debt."""
        if self._rate is None:
            return
        with self._lock:
            rate = self._rate
            if rate is None:
                return
            now = time.monotonic()
            burst = max(rate * self._burst_seconds, 16384.0)
            self._tokens = min(burst, self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            self._tokens -= n
            wait = -self._tokens / rate if self._tokens < 0 else 0.0
        if wait > 0:
            stop.wait(wait)
