"""The extension for each browser family from the one source in resources/browser/.

The source manifest serves both (Chromium reads `background.service_worker`, Firefox
`background.scripts`); each build keeps only what its browser reads, so neither warns:
Chromium's drops `browser_specific_settings` and `scripts`, Firefox's the service worker and
the Chromium `key`.
"""

from __future__ import annotations

import copy
import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

FLAVOURS = ("chromium", "firefox")
_NOT_SHIPPED = ("package.json",)


def source_dir() -> Path:
    """resources/browser, in an installed package or else the checkout this code runs from."""
    checkout = Path(__file__).resolve().parents[2] / "resources" / "browser"
    try:
        installed = Path(str(resources.files("app.resources") / "browser"))
    except ModuleNotFoundError:  # a checkout run as it is (PYTHONPATH), not installed
        return checkout
    return installed if (installed / "manifest.json").exists() else checkout


def manifest_for(source: dict[str, Any], flavour: str) -> dict[str, Any]:
    """The manifest one browser family gets (pure)."""
    out = copy.deepcopy(source)
    background = out.get("background", {})
    if flavour == "firefox":
        out.pop("key", None)
        background.pop("service_worker", None)
    else:
        out.pop("browser_specific_settings", None)
        background.pop("scripts", None)
    return out


def build(flavour: str, dest: Path, source: Path | None = None) -> Path:
    """Copy the extension into `dest` (replaced) with its browser's manifest."""
    if flavour not in FLAVOURS:
        raise ValueError(f"no extension build for {flavour!r}")
    src = source or source_dir()
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*_NOT_SHIPPED, "__pycache__"))
    manifest = json.loads((src / "manifest.json").read_text())
    (dest / "manifest.json").write_text(json.dumps(manifest_for(manifest, flavour), indent=2))
    return dest
