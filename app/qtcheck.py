"""Can Qt's X11 platform plugin load here? Checked before the window's QApplication exists.

Qt ≥ 6.5 needs libxcb-cursor for its xcb plugin, and desktops often lack it; Qt then dies with
a generic "could not load the Qt platform plugin" and a wall of text (issue 9). Tether names
the package instead. Qt-free, and a pure decision with the environment passed in.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable, Mapping

XCB_CURSOR_SONAME = "libxcb-cursor.so.0"
INSTALL_HINT = (
    "tether: the window needs the X11 cursor library (libxcb-cursor.so.0), which is missing; "
    "install it (Debian/Ubuntu: libxcb-cursor0, Fedora: xcb-util-cursor, "
    "Arch: xcb-util-cursor) or use `tether get URL` without a window"
)


def _dlopen(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def xcb_cursor_available(
    find: Callable[[str], str | None] = ctypes.util.find_library,
    dlopen: Callable[[str], bool] = _dlopen,
) -> bool:
    """find_library reads ldconfig's cache; dlopen also sees LD_LIBRARY_PATH and bundles."""
    return bool(find("xcb-cursor")) or dlopen(XCB_CURSOR_SONAME)


def needs_xcb_cursor(platform: str, env: Mapping[str, str]) -> bool:
    """Will Qt load its xcb plugin: Linux, an X display, and no other platform chosen?"""
    if not platform.startswith("linux"):
        return False
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa and qpa.split(":", 1)[0].split(";", 1)[0] != "xcb":
        return False
    if not qpa and env.get("WAYLAND_DISPLAY"):
        return False  # Qt may well pick its Wayland plugin: never refuse a start that works
    return bool(env.get("DISPLAY"))


def missing_platform_library(
    platform: str,
    env: Mapping[str, str],
    available: Callable[[], bool] | None = None,
) -> str | None:
    """The one line to print when the window cannot start for a missing library, else None."""
    check = available or xcb_cursor_available
    if needs_xcb_cursor(platform, env) and not check():
        return INSTALL_HINT
    return None
