"""How long to wait before trying again: exponential backoff, jitter, Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff between tries; how long to keep trying is EngineSettings.retry_for (outage.py)."""

    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 3600.0  # honour the server, but not for days


def backoff_delay(
    attempt: int, policy: RetryPolicy, retry_after: float | None, rng: random.Random
) -> float:
    """Delay before retry number `attempt` (1-based), full-jitter style (pure given rng)."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** max(0, min(attempt, 64) - 1)))
    delay: float = ceiling * (0.5 + rng.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_retry_after))
    return delay
