"""Human-readable sizes, speeds, durations and dates, in the user's locale."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale


def tr(text: str) -> str:
    return QCoreApplication.translate("Formatting", text)


def size(n: int | None) -> str:
    """'1.5 MB' style; '—' when unknown."""
    if n is None:
        return "—"
    return QLocale().formattedDataSize(max(0, int(n)), 1, QLocale.DataSizeFormat.DataSizeSIFormat)


def speed(bytes_per_s: float | None) -> str:
    """'2.3 MB/s'; empty when nothing moves, so idle rows stay quiet."""
    if not bytes_per_s or bytes_per_s < 1:
        return ""
    return tr("%1/s").replace("%1", size(int(bytes_per_s)))


def duration(seconds: float | None) -> str:
    """A short ETA: '45 s', '3 min', '1 h 20 min', '2 d 3 h'; '∞' when unknown."""
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return ""
    s = int(seconds + 0.5)
    if s < 60:
        return tr("%1 s").replace("%1", str(s))
    m, s = divmod(s, 60)
    if m < 10:
        return tr("%1 min %2 s").replace("%1", str(m)).replace("%2", str(s))
    if m < 60:
        return tr("%1 min").replace("%1", str(m))
    h, m = divmod(m, 60)
    if h < 24:
        return tr("%1 h %2 min").replace("%1", str(h)).replace("%2", str(m))
    d, h = divmod(h, 24)
    return tr("%1 d %2 h").replace("%1", str(d)).replace("%2", str(h))


def timestamp(epoch: float | None) -> str:
    """Time of day for today's entries, the short date otherwise."""
    if epoch is None:
        return ""
    dt = QDateTime.fromSecsSinceEpoch(int(epoch))
    locale = QLocale()
    today = time.localtime(epoch)[:3] == time.localtime()[:3]
    if locale.language() == QLocale.Language.C:
        # The C locale's short formats ("14 11 2023") read badly: use ISO 8601.
        return dt.toString("HH:mm" if today else "yyyy-MM-dd")
    if today:
        return locale.toString(dt.time(), QLocale.FormatType.ShortFormat)
    return locale.toString(dt.date(), QLocale.FormatType.ShortFormat)


def full_timestamp(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return QLocale().toString(
        QDateTime.fromSecsSinceEpoch(int(epoch)), QLocale.FormatType.LongFormat
    )


def percent(done: int, total: int | None) -> str:
    if not total:
        return ""
    return QLocale().toString(min(100.0, 100.0 * done / total), "f", 1) + "%"
