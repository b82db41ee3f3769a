"""Byte counts and rates for the command line, in the window's unit system.

One system everywhere (issue 9): decimal SI, as QLocale.formattedDataSize(DataSizeSIFormat)
writes it in the window — kB = 1000 B, MB = 1000 kB. Binary multiples are accepted only when
spelled out (KiB, MiB, …), so `--limit 500K` and the Settings dialog's 500 kB/s are the same.
"""

from __future__ import annotations

import re

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(i?)b?)?(?:/s)?\s*$", re.IGNORECASE)
_POWER = {"k": 1, "m": 2, "g": 3, "t": 4}
UNITS_HELP = "decimal units: 1K = 1 kB = 1000 bytes, 1M = 1 MB = 10^6 (KiB, MiB: 1024-based)"


def parse_rate(text: str) -> int:
    """'500K', '500kB/s', '2M', '1.5MiB/s', '800000' → bytes per second.

    K/M/G/T (with or without B) are decimal; KiB/MiB/GiB/TiB are binary.
    """
    m = _RATE.match(text)
    if not m:
        raise ValueError(f"not a rate: {text!r} (examples: 500K, 2M, 1.5MB, 4MiB)")
    number, prefix, binary = m.group(1), (m.group(2) or "").lower(), m.group(3)
    base = 1024 if binary else 1000
    value = float(number) * base ** _POWER.get(prefix, 0)
    if value < 1:
        raise ValueError(f"rate too small: {text!r}")
    return int(value)


def human_size(n: float) -> str:
    """'950 bytes', '1.5 kB', '2.3 MB': the window's SI units."""
    units = ("B", "kB", "MB", "GB", "TB")
    for i, unit in enumerate(units):
        last = i == len(units) - 1
        if unit == "B" and abs(n) < 1000:
            return f"{n:.0f} bytes"  # as QLocale writes it
        # 999.96 kB would print as "1000.0 kB": that is already 1.0 MB.
        if unit != "B" and (abs(n) < 999.95 or last):
            return f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    s = int(seconds)
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60:02d}:{s % 60:02d}"
