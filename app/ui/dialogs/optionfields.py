"""Settings-dialog fields built from the option table (app/options.py), so the dialog's
ranges, labels and tooltips are the command line's: one declaration, no disagreement."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QSpinBox

from app.options import OPTION, Option

# an option without an upper bound still needs one for a spin box
_SPIN_CEILING = 1_000_000_000


def _tr(text: str) -> str:
    return QCoreApplication.translate("Options", text)


def option_label(key: str) -> str:
    """The form row's label: the option's title, translated, with a colon."""
    return _tr(OPTION[key].title) + ":"


def option_tooltip(option: Option) -> str:
    """What the setting does and what it accepts, as `tether --help` says it."""
    text = _tr(option.help or option.title)
    shown = option.range_text()
    return f"{text[:1].upper()}{text[1:]} ({shown})" if shown else text[:1].upper() + text[1:]


def option_spin(key: str, value: int) -> QSpinBox:
    """A spin box with the option's range, unit and tooltip, named `<key>_spin` for tests."""
    option = OPTION[key]
    spin = QSpinBox()
    spin.setObjectName(f"{key}_spin")
    spin.setRange(
        1 if option.minimum is None else option.minimum,
        _SPIN_CEILING if option.maximum is None else option.maximum,
    )
    if option.unit:
        spin.setSuffix(" " + _tr(option.unit))
    spin.setValue(value)
    spin.setToolTip(option_tooltip(option))
    return spin
