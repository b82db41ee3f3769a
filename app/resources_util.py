"""Find the files shipped in the `app.resources` package (icons, desktop file, metainfo). Qt-free.

The top-level `resources/` directory is installed as the package `app.resources` (see the
package-dir mapping in pyproject.toml). Where it is found, in order:

1. inside a PyInstaller bundle: `<sys._MEIPASS>/app/resources` (the spec copies it there);
2. the installed (or editable-installed) package, through `importlib.resources`;
3. a source checkout that was never installed: `<repo>/resources`, beside `app/`.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import sys
from importlib import resources
from pathlib import Path

from app import APP_ID

PACKAGE = "app.resources"

_extracted = contextlib.ExitStack()  # keeps files extracted from a zip import alive until exit
atexit.register(_extracted.close)


@functools.cache
def resources_root() -> Path:
    """The directory that holds the shipped resources (see the module docstring for the order)."""
    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        bundled = Path(meipass) / "app" / "resources"
        if bundled.is_dir():
            return bundled
    try:
        root = resources.files(PACKAGE)
    except ModuleNotFoundError:  # source tree: `resources/` is only mapped into `app` on install
        root = None
    if isinstance(root, Path):
        return root
    if root is not None:  # e.g. a zipapp: materialise the tree once
        return Path(_extracted.enter_context(resources.as_file(root)))
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource, e.g. `resource_path("icons", "tether.ico")`.

    The path may not exist (a caller asking for a file that was never shipped); check if it matters.
    """
    return resources_root().joinpath(*parts)


def app_icon_path() -> Path:
    """The scalable app icon (SVG). Qt needs its svg icon-engine/image-format plugin to load it."""
    return resource_path("icons", f"{APP_ID}.svg")


def app_icon_pngs() -> list[Path]:
    """The pre-rendered PNG app icons, smallest first (add each to a QIcon: crisp small sizes)."""
    hicolor = resource_path("icons", "hicolor")
    found = []
    for size_dir in hicolor.iterdir() if hicolor.is_dir() else ():
        png = size_dir / "apps" / f"{APP_ID}.png"
        if png.is_file():
            found.append((int(size_dir.name.partition("x")[0]), png))
    return [png for _, png in sorted(found)]
