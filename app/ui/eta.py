"""Steady speeds and times left for the window (issue 9: the ETA jumped ±40 s between
readings 0.4 s apart).

The engine's speed follows the link closely, which is right for the status bar's total but
makes "time left" jitter. Each job's speed is smoothed with an exponentially weighted moving
average whose weight depends on the time between readings (not on how often they come), so
the result is the same at 4 Hz or 1 Hz: roughly the mean over the last TAU_S seconds.
"""

from __future__ import annotations

import dataclasses
import math

from app.engine.events import Progress

TAU_S = 5.0


def ewma(previous: float, sample: float, dt: float, tau: float = TAU_S) -> float:
    """The average after a sample `dt` seconds after the previous one."""
    if dt <= 0:
        return previous
    alpha = 1.0 - math.exp(-dt / tau)
    return previous + alpha * (sample - previous)


class SpeedSmoother:
    """Per-job smoothed speeds; `apply` returns the snapshot with those speeds, so every
    reader of Progress.speed and Progress.eta (model, tray, Properties) sees the same."""

    def __init__(self, tau: float = TAU_S) -> None:
        self._tau = tau
        self._state: dict[int, tuple[float, float]] = {}  # job id -> (time, speed)

    def apply(self, snapshot: dict[int, Progress], now: float) -> dict[int, Progress]:
        out: dict[int, Progress] = {}
        state: dict[int, tuple[float, float]] = {}
        for job_id, p in snapshot.items():
            prev = self._state.get(job_id)
            if prev is None or p.speed <= 0:
                # A new transfer starts from its first reading; a stalled one shows no ETA
                # rather than a stale guess.
                speed = p.speed
            else:
                speed = ewma(prev[1], p.speed, now - prev[0], self._tau)
            state[job_id] = (now, speed)
            out[job_id] = p if speed == p.speed else dataclasses.replace(p, speed=speed)
        self._state = state  # jobs that stopped are forgotten
        return out
