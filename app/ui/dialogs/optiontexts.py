"""The option table's texts (app/options.py) that the Settings dialog shows, spelled out for
pyside6-lupdate: optionfields.py translates them at run time in the "Options" context, which
lupdate cannot see. tests/test_i18n.py checks this list against the table, so a changed title
or help text cannot slip past the catalogue."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

# the options the dialog builds rows or spin boxes from (optionfields.py refuses others)
DIALOG_OPTIONS = ("max_concurrent", "connections", "stall_timeout", "retry_for", "proxy_port")

TEXTS = (
    QT_TRANSLATE_NOOP("Options", "Downloads at the same time"),
    QT_TRANSLATE_NOOP("Options", "files downloaded at the same time"),
    QT_TRANSLATE_NOOP("Options", "Connections per download"),
    QT_TRANSLATE_NOOP("Options", "connections per file"),
    QT_TRANSLATE_NOOP("Options", "Retry a connection without data for"),
    QT_TRANSLATE_NOOP("Options", "retry a connection after this long without data"),
    QT_TRANSLATE_NOOP("Options", "Keep retrying without progress for"),
    QT_TRANSLATE_NOOP(
        "Options",
        "keep retrying a download that gets no further (server down, no network) for this long",
    ),
    QT_TRANSLATE_NOOP("Options", "Proxy port"),
    QT_TRANSLATE_NOOP("Options", "s"),
    QT_TRANSLATE_NOOP("Options", "%1:"),
)
