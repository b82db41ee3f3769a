"""Reading and writing byte counts and rates for the command line (the GUI uses QLocale)."""

from __future__ import annotations

import re

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)?(?:/s)?\s*$", re.IGNORECASE)
_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_rate(text: str) -> int:
    """'500K', '2M', '1.5MiB/s', '800000' → bytes per second (binary multiples, like curl)."""
    m = _RATE.match(text)
    if not m:
        raise ValueError(f"not a rate: {text!r} (examples: 500K, 2M, 1.5M)")
    value = float(m.group(1)) * _FACTORS[m.group(2).lower()]
    if value < 1:
        raise ValueError(f"rate too small: {text!r}")
    return int(value)


def human_size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    s = int(seconds)
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60:02d}:{s % 60:02d}"
