"""When to retry and how long to wait: exponential backoff, jitter, Retry-After, a budget."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`attempts` retries are allowed between two moments of new progress."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 3600.0  # honour the server, but not for days


def backoff_delay(
    attempt: int, policy: RetryPolicy, retry_after: float | None, rng: random.Random
) -> float:
    """Delay before retry number `attempt` (1-based), full-jitter style (pure given rng)."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** max(0, attempt - 1)))
    delay: float = ceiling * (0.5 + rng.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_retry_after))
    return delay


class RetryBudget:
    """Shared by a job's workers. Refills only when the job gets further than it ever was.

    So a link that drops every few MiB still finishes, while a server that always cuts the file
    at the same byte runs the budget down and ends in an error instead of a loop.
    """

    def __init__(self, policy: RetryPolicy, rng: random.Random | None = None) -> None:
        self._policy = policy
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._best = -1
        self._used = 0

    def on_failure(self, progress: int, retry_after: float | None = None) -> float | None:
        """Record a transient failure at `progress` bytes: the delay to wait, or None to give up."""
        with self._lock:
            if progress > self._best:
                self._best = progress
                self._used = 0
            if self._used >= self._policy.attempts:
                return None
            self._used += 1
            return backoff_delay(self._used, self._policy, retry_after, self._rng)

    @property
    def used(self) -> int:
        return self._used
