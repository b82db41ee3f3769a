"""Read coalescing: how long a connection waits between reads, decided from its measured rate."""

from __future__ import annotations

# Below this rate a link is "slow": waiting between reads lets the kernel gather a few packets,
# so hundreds of slow connections cost a few wakeups (and GIL handovers) a second each instead
# of one per packet. At or above it a connection never waits.
SLOW_LINK = 128 * 1024  # bytes/s
# A slow link waits about as long as it takes to bring this much. It is less than one TLS record
# (16 KiB, the most one read of an HTTPS body returns): a fast link misjudged as slow still gets
# at least a record per wakeup, so its measured rate at least doubles every window until it
# passes SLOW_LINK and stops waiting. (Deciding from the size of one read instead kept every
# HTTPS download waiting, at ~0.3 MB/s.)
WAKE_BYTES = 8 * 1024
MAX_PAUSE = 0.5  # seconds; bounds how late stop() and a stalled link are noticed
WINDOW = 0.25  # seconds over which a connection's rate is measured


def coalesce_pause(rate: float) -> float:
    """Seconds to wait after each read on a connection that brought `rate` bytes/s over the
    last window (pure). 0 for a fast link or one not yet measured (rate <= 0 means unknown)."""
    if rate <= 0.0 or rate >= SLOW_LINK:
        return 0.0
    pause = WAKE_BYTES / rate
    return pause if pause < MAX_PAUSE else MAX_PAUSE
