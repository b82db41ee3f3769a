"""One unit system (issue 9): the command line prints and parses what the window shows
(decimal SI, as QLocale.formattedDataSize with DataSizeSIFormat)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from PySide6.QtCore import QLocale

from app.ui import formatting
from app.units import human_size, parse_rate

REPO = Path(__file__).resolve().parents[1]


@given(st.integers(0, 10**14))
def test_cli_sizes_read_like_the_window(n: int) -> None:
    # the window reads its locale once (formatting._current); the CLI always writes en_US
    before = list(formatting._current)
    formatting._current[:] = [QLocale("en_US").name()]
    try:
        assert human_size(n) == formatting.size(n)
    finally:
        formatting._current[:] = before


def test_rates_are_decimal_unless_binary_is_spelled_out() -> None:
    assert parse_rate("500K") == parse_rate("500kB/s") == 500_000
    assert parse_rate("2M") == parse_rate("2MB") == 2_000_000
    assert parse_rate("500KiB") == 512_000
    assert parse_rate("4MiB/s") == 4 * 1024 * 1024


def test_help_states_the_units() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "get", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert "1000" in out and "KiB" in out
