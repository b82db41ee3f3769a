"""Human-readable sizes, speeds, durations and dates, in the user's locale.

Sizes read exactly like QLocale.formattedDataSize (SI units, one decimal, the locale's decimal
point and unit names), but QLocale is asked once per locale, not once per cell: every PySide
call releases the GIL, and while a hundred downloads run, taking it back can cost milliseconds.
The view formats hundreds of cells per frame, so these helpers stay in pure Python.
"""

from __future__ import annotations

import functools
import math
import time

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

from app.ui.i18n import tr_args


class Formatting:
    """The translation context of these texts (pyside6-lupdate reads `Formatting.tr("…")`)."""

    @staticmethod
    @functools.cache
    def tr(text: str) -> str:
        """Each template is looked up once per language (locale_changed() forgets them)."""
        return QCoreApplication.translate("Formatting", text)


@functools.cache
def _locale_units(name: str) -> tuple[str, tuple[str, ...]]:
    """(decimal point, unit suffixes for 1000**0..6), as QLocale `name` writes them."""
    locale = QLocale(name)
    fmt = QLocale.DataSizeFormat.DataSizeSIFormat
    point = locale.decimalPoint() or "."
    units = [locale.formattedDataSize(2, 1, fmt).split(" ", 1)[-1]]
    for k in range(1, 7):
        text = locale.formattedDataSize(2 * 1000**k, 1, fmt)
        units.append(text.split(" ", 1)[-1] if " " in text else text.lstrip("0123456789.,"))
    return point, tuple(units)


_current: list[str] = []


def _units() -> tuple[str, tuple[str, ...]]:
    if not _current:
        _current.append(QLocale().name())
    return _locale_units(_current[0])


def locale_changed() -> None:
    """Call after QLocale.setDefault(): the next size is formatted for the new locale."""
    _current.clear()
    Formatting.tr.cache_clear()


def size(n: int | None) -> str:
    """'1.5 MB' style (as QLocale.formattedDataSize with SI units); '—' when unknown."""
    if n is None:
        return "—"
    n = max(0, int(n))
    point, units = _units()
    if n < 1000:
        return f"{n} {units[0]}"
    k = min(6, int(math.log(n, 1000)))
    value = n / 1000**k
    if value >= 999.95 and k < 6:  # rounding would print "1000.0 kB"
        k += 1
        value = n / 1000**k
    return f"{value:.1f}".replace(".", point) + " " + units[k]


def speed(bytes_per_s: float | None) -> str:
    """'2.3 MB/s'; empty when nothing moves, so idle rows stay quiet."""
    if not bytes_per_s or bytes_per_s < 1:
        return ""
    return tr_args(Formatting.tr("%1/s"), size(int(bytes_per_s)))


def duration(seconds: float | None) -> str:
    """A short ETA: '45 s', '3 min', '1 h 20 min', '2 d 3 h'; '∞' when unknown."""
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return ""
    s = int(seconds + 0.5)
    if s < 60:
        return tr_args(Formatting.tr("%1 s"), s)
    m, s = divmod(s, 60)
    if m < 10:
        return tr_args(Formatting.tr("%1 min %2 s"), m, s)
    if m < 60:
        return tr_args(Formatting.tr("%1 min"), m)
    h, m = divmod(m, 60)
    if h < 24:
        return tr_args(Formatting.tr("%1 h %2 min"), h, m)
    d, h = divmod(h, 24)
    return tr_args(Formatting.tr("%1 d %2 h"), d, h)


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
    point = _units()[0]
    return f"{min(100.0, 100.0 * done / total):.1f}".replace(".", point) + "%"


def retrying(at: float | None, reason: str, attempt: int, now: float | None = None) -> str:
    """'Retrying in 17 s — connection refused (attempt 3)' for a job waiting out an outage."""
    left = max(0, round((at or 0.0) - (time.time() if now is None else now)))
    text = (
        Formatting.tr("Retrying in %1 s — %2 (attempt %3)")
        if reason
        else Formatting.tr("Retrying in %1 s")
    )
    return tr_args(text, left, reason, attempt)
