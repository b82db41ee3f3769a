"""Each setting declared once (issue 10): the Settings dialog and the command line read the
same range, label and help from app/options.py, so they cannot disagree."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from PySide6.QtWidgets import QSpinBox

from app.cli.parser import setting_type
from app.options import OPTION, OPTIONS, Options
from app.ui.dialogs.settings import SettingsDialog
from tests import test_ui_journeys

win = test_ui_journeys.win  # the window over a fake engine, as a fixture here too

# the settings the command line can set for a run, and the dialog's spin box for each
FLAGGED = [o for o in OPTIONS if o.flags]


def test_every_field_of_options_is_one_declared_option() -> None:
    fields = [f.name for f in dataclasses.fields(Options)]
    assert [o.key for o in OPTIONS] == fields
    for option in OPTIONS:
        assert option.default == getattr(Options(), option.key)
        if option.kind is int and not option.nullable:
            assert option.minimum is not None


@pytest.mark.parametrize("option", FLAGGED, ids=lambda o: o.key)
def test_dialog_and_command_line_agree(option: Any, qtbot: Any) -> None:
    dialog = SettingsDialog(None, Options(), tray_available=False)
    qtbot.addWidget(dialog)
    spin = dialog.findChild(QSpinBox, f"{option.key}_spin")
    assert spin is not None, f"the dialog has no field for {option.key}"
    assert (spin.minimum(), spin.maximum()) == (option.minimum, option.maximum)
    assert option.range_text() in spin.toolTip()
    convert = setting_type(option)
    assert convert(str(spin.minimum())) == spin.minimum()
    assert convert(str(spin.maximum())) == spin.maximum()
    for outside in (spin.minimum() - 1, spin.maximum() + 1):
        with pytest.raises(Exception, match="must be between"):
            convert(str(outside))


def test_the_dialog_saves_what_its_fields_show(qtbot: Any) -> None:
    dialog = SettingsDialog(None, Options(), tray_available=False)
    qtbot.addWidget(dialog)
    for option in FLAGGED:
        spin = dialog.findChild(QSpinBox, f"{option.key}_spin")
        spin.setValue(option.maximum)
    saved = dialog.options()
    assert [getattr(saved, o.key) for o in FLAGGED] == [o.maximum for o in FLAGGED]


def test_the_disagreements_the_issue_found_are_settled() -> None:
    # --jobs took 1-64 and the dialog 1-20; --stall-timeout 1-3600 and the store 5-3600
    assert (OPTION["max_concurrent"].minimum, OPTION["max_concurrent"].maximum) == (1, 64)
    assert (OPTION["stall_timeout"].minimum, OPTION["stall_timeout"].maximum) == (1, 3600)


def test_stall_timeout_set_twice_in_the_window_is_kept_and_applied(win: Any, qtbot: Any) -> None:
    """The dialog's new field: typed, saved for the data folder, applied to the engine live."""
    window, engine, store = win
    for seconds in (12, 45):
        dialog = window.show_settings()
        field = dialog.findChild(QSpinBox, "stall_timeout_spin")
        field.selectAll()
        qtbot.keyClicks(field, str(seconds))
        dialog.accept()
        assert store["stall_timeout"] == seconds
        applied = [c[1] for c in engine.calls if c[0] == "apply_settings"][-1]
        assert applied.stall_timeout == float(seconds)
    assert window.show_settings().stall_timeout.value() == 45  # reopened: what was saved
