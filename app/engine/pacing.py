"""Read coalescing: how long a connection waits between reads, decided from its measured rate."""

from __future__ import annotations

import select
import socket
import ssl

# Below this rate a link is "slow": waiting between reads lets the kernel gather many packets,
# so hundreds of slow connections cost a couple of wakeups (and GIL handovers) a second each
# instead of one per packet. At or above it a connection never waits. The rate is measured,
# never guessed from the size of one read: an HTTPS read is at most one 16 KiB TLS record
# however fast the link (judging by read size kept every HTTPS download near 0.3 MB/s).
SLOW_LINK = 128 * 1024  # bytes/s
COALESCE_BYTES = 64 * 1024  # at most about this much waits in the kernel for us
MAX_PAUSE = 0.5  # seconds; bounds how late stop() and a stalled link are noticed
WINDOW = 0.25  # seconds over which a connection's rate is measured


def coalesce_pause(rate: float) -> float:
    """Seconds to wait, when nothing is ready to read, on a connection that brought `rate`
    bytes/s over the last window (pure). 0 for a fast link or one not yet measured."""
    if rate <= 0.0 or rate >= SLOW_LINK:
        return 0.0
    pause = COALESCE_BYTES / rate
    return pause if pause < MAX_PAUSE else MAX_PAUSE


def data_ready(sock: socket.socket | None) -> bool:
    """Whether a read would return at once (decrypted TLS bytes or bytes in the kernel).

    A connection that waits only when nothing is ready drains what arrived in one go: a fast
    link misjudged as slow is read at full speed and measured as fast in the next window.
    Called only on slow links, so its system call is never on a fast link's path.
    """
    if sock is None:
        return False
    try:
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        readable, _, _ = select.select((sock,), (), (), 0)
    except (OSError, ValueError):  # closed under us (stop()): the next read says so
        return True
    return bool(readable)
