"""A desktop without libxcb-cursor gets one line naming the package (issue 9), not Qt's
"could not load the Qt platform plugin xcb"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import app.__main__ as entry
from app import qtcheck
from app.qtcheck import missing_platform_library, needs_xcb_cursor, xcb_cursor_available


@pytest.mark.parametrize(
    ("platform", "env", "needed"),
    [
        ("linux", {"DISPLAY": ":0"}, True),
        ("linux", {"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
        ("linux", {"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb:no_grab"}, True),
        ("linux", {"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"}, False),
        ("linux", {"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ("linux", {}, False),  # no X display: Qt would not load xcb
        ("linux", {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ("linux", {"DISPLAY": ":0", "WAYLAND_DISPLAY": "w-0", "QT_QPA_PLATFORM": "xcb"}, True),
        ("win32", {"DISPLAY": ":0"}, False),
        ("darwin", {"DISPLAY": ":0"}, False),
    ],
)
def test_needs_xcb_cursor(platform: str, env: dict[str, str], needed: bool) -> None:
    assert needs_xcb_cursor(platform, env) is needed


def test_detection_uses_the_linker_cache_then_dlopen() -> None:
    assert xcb_cursor_available(lambda _n: "libxcb-cursor.so.0", lambda _n: False)
    assert xcb_cursor_available(lambda _n: None, lambda n: n == "libxcb-cursor.so.0")
    assert not xcb_cursor_available(lambda _n: None, lambda _n: False)


def test_missing_library_message_names_the_packages() -> None:
    line = missing_platform_library("linux", {"DISPLAY": ":0"}, lambda: False)
    assert line is not None and "\n" not in line
    for package in ("libxcb-cursor0", "xcb-util-cursor", "Debian", "Fedora", "Arch"):
        assert package in line
    assert missing_platform_library("linux", {"DISPLAY": ":0"}, lambda: True) is None


def test_tether_exits_2_with_one_line(monkeypatch: Any, capsys: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(qtcheck, "xcb_cursor_available", lambda: False)
    assert entry.main(["--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "libxcb-cursor0" in err
