"""A token bucket shared by a download's worker threads: its share of the speed limit."""

from __future__ import annotations

import threading
import time

# A waiter re-reads the rate at least this often, so a limit changed or lifted while a
# connection sleeps off its debt applies within a fraction of a second, not after the debt.
_WAIT_SLICE = 0.1
_MIN_CHUNK = 16 * 1024
_MAX_CHUNK = 1024 * 1024


class TokenBucket:
    """`consume(n)` blocks until n bytes fit under `rate` bytes/s. rate None = unlimited.

    Debt-based: a consumer takes its tokens at once and sleeps off any deficit outside the
    lock, so many threads share the rate without a busy loop. `chunk` is how much a reader
    should ask for at once: about a tenth of a second's worth, so a low limit is smooth
    instead of one 1 MiB burst every few seconds.
    """

    def __init__(self, rate: float | None = None, burst_seconds: float = 0.25) -> None:
        self._lock = threading.Lock()
        self._rate = rate if rate and rate > 0 else None
        self._burst_seconds = burst_seconds
        self._tokens = 0.0
        self._stamp = time.monotonic()
        self.chunk = self._chunk_for(self._rate)
        # Set when a consumer had to wait: its owner wanted more than the rate (see bandwidth.py).
        self.waited = False

    @staticmethod
    def _chunk_for(rate: float | None) -> int:
        if rate is None:
            return _MAX_CHUNK
        return int(max(_MIN_CHUNK, min(_MAX_CHUNK, rate / 10)))

    @property
    def rate(self) -> float | None:
        return self._rate

    def set_rate(self, rate: float | None) -> None:
        """Change the rate now; threads already waiting follow it within _WAIT_SLICE.

        The debt is kept (clamped to a burst's worth), so rebalancing shares many times a
        second lets no extra bytes through.
        """
        new = rate if rate and rate > 0 else None
        with self._lock:
            old = self._rate
            if old is not None:
                self._refill(old, time.monotonic())
            else:
                self._tokens = 0.0
                self._stamp = time.monotonic()
            self._rate = new
            if new is not None:
                burst = max(new * self._burst_seconds, 16384.0)
                self._tokens = max(-burst, min(burst, self._tokens))
            self.chunk = self._chunk_for(new)

    def _refill(self, rate: float, now: float) -> None:
        burst = max(rate * self._burst_seconds, 16384.0)
        self._tokens = min(burst, self._tokens + (now - self._stamp) * rate)
        self._stamp = now

    def consume(self, n: int, stop: threading.Event) -> None:
        """Take n tokens; sleep (interruptibly) while in debt."""
        if self._rate is None:
            return
        with self._lock:
            rate = self._rate
            if rate is None:
                return
            self._refill(rate, time.monotonic())
            self._tokens -= n
            if self._tokens >= 0:
                return
            self.waited = True
        while True:
            with self._lock:
                rate = self._rate
                if rate is None:
                    return
                self._refill(rate, time.monotonic())
                if self._tokens >= 0:
                    return
                wait = -self._tokens / rate
            if stop.wait(min(wait, _WAIT_SLICE)):
                return
