"""`tether browser install|uninstall|status`: the host's launcher and its manifests on disk
(and, on Windows, the HKCU registry keys that name them)."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import app
from app.browser.manifests import (
    BROWSERS,
    HOST_NAME,
    Target,
    launcher_text,
    manifest_text,
    targets,
)

LAUNCHER = "tether-native-host"


def launcher_path(data_dir: Path, system: str = sys.platform) -> Path:
    name = f"{LAUNCHER}.cmd" if system == "win32" else LAUNCHER
    return data_dir / "native-host" / name


def host_command(data_dir: Path) -> tuple[list[str], str | None]:
    """How to run this Tether (an interpreter and the package, or the frozen executable)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--data-dir", str(data_dir)], None
    package_root = str(Path(app.__file__).resolve().parent.parent)
    return [sys.executable, "-m", "app", "--data-dir", str(data_dir)], package_root


def chosen(name: str | None) -> list[str]:
    return list(BROWSERS) if name in (None, "all") else [str(name)]


def _exists(path: object) -> bool:
    return path is not None and Path(str(path)).exists()


def install(
    data_dir: Path,
    browser: str | None,
    *,
    system: str = sys.platform,
    home: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """Write the launcher and the manifests; one line per place written or skipped."""
    home = home or os.path.expanduser("~")
    env = os.environ if env is None else env
    launcher = launcher_path(data_dir, system)
    launcher.parent.mkdir(parents=True, exist_ok=True)
    command, pythonpath = host_command(data_dir)
    launcher.write_text(launcher_text(system, command, pythonpath), newline="")
    launcher.chmod(0o755)
    lines = [f"host: {launcher}"]
    explicit = browser not in (None, "all")
    for target in targets(system, home, env, chosen(browser)):
        if target.flatpak and not _exists(target.evidence):
            continue  # that sandboxed browser is not installed
        if not explicit and target.evidence is not None and not _exists(target.evidence):
            continue  # `all`: only the browsers this account has used
        path = Path(str(target.manifest))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(manifest_text(target, str(launcher)))
        if target.registry_key is not None:
            _set_registry(target.registry_key, str(path))
            lines.append(f"{target.label}: {path} (registry {target.registry_key})")
        else:
            lines.append(f"{target.label}: {path}")
    if len(lines) == 1:
        lines.append("no browser found (name one with --browser)")
    return lines


def uninstall(
    data_dir: Path,
    browser: str | None,
    *,
    system: str = sys.platform,
    home: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    home = home or os.path.expanduser("~")
    env = os.environ if env is None else env
    lines: list[str] = []
    for target in targets(system, home, env, chosen(browser)):
        path = Path(str(target.manifest))
        if target.registry_key is not None:
            _delete_registry(target.registry_key)
        if path.exists():
            path.unlink()
            lines.append(f"removed {target.label}: {path}")
    if browser in (None, "all"):
        with contextlib.suppress(FileNotFoundError):
            launcher_path(data_dir, system).unlink()
    return lines or ["nothing was installed"]


def status(
    *,
    system: str = sys.platform,
    home: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """Which browsers have the manifest, and whether the host it names is there."""
    home = home or os.path.expanduser("~")
    env = os.environ if env is None else env
    lines = []
    for target in targets(system, home, env):
        lines.append(f"{target.label}: {_describe(target)}")
    return lines


def _describe(target: Target) -> str:
    path = Path(str(target.manifest))
    if not path.exists():
        return "not installed"
    try:
        host = json.loads(path.read_text()).get("path", "")
    except (OSError, ValueError, AttributeError):
        return f"unreadable manifest {path}"
    state = "installed" if Path(str(host)).exists() else "installed, but its host is missing"
    return f"{state}: {path} → {host}"


# ---------------------------------------------------------------------------- Windows
def _split_key(key: str) -> str:
    return key.removeprefix("HKEY_CURRENT_USER\\")


def _set_registry(key: str, manifest_path: str) -> None:
    """HKCU\\...\\NativeMessagingHosts\\<name> whose default value is the manifest's path."""
    winreg: Any = importlib.import_module("winreg")  # Windows only
    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, _split_key(key)) as handle:
        winreg.SetValueEx(handle, "", 0, winreg.REG_SZ, manifest_path)


def _delete_registry(key: str) -> None:
    winreg: Any = importlib.import_module("winreg")
    with contextlib.suppress(OSError):
        winreg.DeleteKey(winreg.HKEY_CURRENT_USER, _split_key(key))


def browser_names() -> Sequence[str]:
    return (*BROWSERS, "all")


__all__ = ["HOST_NAME", "browser_names", "install", "status", "uninstall"]
