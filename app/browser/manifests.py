"""Where each browser looks for native messaging host manifests, and what they say (pure).

Chromium-family browsers read `<config>/NativeMessagingHosts/<name>.json` (Linux, macOS) or the
file a registry key under HKCU names (Windows) and let only `allowed_origins` connect; Firefox
reads `~/.mozilla/native-messaging-hosts/` (Linux), `~/Library/Application Support/Mozilla/
NativeMessagingHosts/` (macOS) or HKCU\\Software\\Mozilla\\NativeMessagingHosts (Windows) and
lets only `allowed_extensions` connect. Flatpak'd browsers read the same paths inside their
sandbox home, `~/.var/app/<app id>/`.

On Linux a Chromium-family browser looks in `NativeMessagingHosts/` under its *user data dir*:
`~/.config/<browser>` by default (what we write), `<dir>` when started with `--user-data-dir`
(tests/test_browser_e2e.py runs Chromium on a temp HOME's default profile for that reason).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath

HOST_NAME = "org.tether.native"
# The extension's Chromium id derives from the public key in resources/browser/manifest.json
# (sha256 of the DER key, first 32 hex digits spelled a-p): it is the same on every machine.
CHROMIUM_EXTENSION_ID = "okhdgoelnnlolieomnapiehldiajkpbh"
GECKO_EXTENSION_ID = "browser@tether-downloads.org"
ALLOWED_ORIGINS = (f"chrome-extension://{CHROMIUM_EXTENSION_ID}/",)
ALLOWED_EXTENSIONS = (GECKO_EXTENSION_ID,)

BROWSERS = ("chrome", "chromium", "edge", "brave", "vivaldi", "firefox")

# browser → (Linux config dir under ~/.config, macOS dir under Application Support,
#            Windows registry key under HKCU, Flatpak app id)
_WHERE: dict[str, tuple[str, str, str, str]] = {
    "chrome": ("google-chrome", "Google/Chrome", r"Software\Google\Chrome", "com.google.Chrome"),
    "chromium": ("chromium", "Chromium", r"Software\Chromium", "org.chromium.Chromium"),
    "edge": (
        "microsoft-edge",
        "Microsoft Edge",
        r"Software\Microsoft\Edge",
        "com.microsoft.Edge",
    ),
    "brave": (
        "BraveSoftware/Brave-Browser",
        "BraveSoftware/Brave-Browser",
        r"Software\BraveSoftware\Brave-Browser",
        "com.brave.Browser",
    ),
    "vivaldi": ("vivaldi", "Vivaldi", r"Software\Vivaldi", "com.vivaldi.Vivaldi"),
    "firefox": ("", "Mozilla", r"Software\Mozilla", "org.mozilla.firefox"),
}


@dataclass(frozen=True, slots=True)
class Target:
    """One place a browser reads our manifest from. `registry_key` is set on Windows (its
    default value names `manifest`); `flatpak` names the sandboxed app it is for."""

    browser: str
    manifest: PurePath
    registry_key: str | None = None
    flatpak: str | None = None
    # the folder whose existence says this browser (or its sandbox) is there
    evidence: PurePath | None = None

    @property
    def firefox(self) -> bool:
        return self.browser == "firefox"

    @property
    def label(self) -> str:
        return f"{self.browser} (flatpak {self.flatpak})" if self.flatpak else self.browser


def targets(
    system: str, home: str, env: Mapping[str, str], browsers: Sequence[str] = BROWSERS
) -> list[Target]:
    """Every manifest location for these browsers on `system` ("linux", "darwin", "win32")."""
    found: list[Target] = []
    name = f"{HOST_NAME}.json"
    for browser in browsers:
        linux_dir, mac_dir, reg, flatpak_id = _WHERE[browser]
        if system == "win32":
            base = PureWindowsPath(env.get("LOCALAPPDATA") or f"{home}\\AppData\\Local")
            found.append(
                Target(
                    browser,
                    base / "Tether" / "NativeMessagingHosts" / browser / name,
                    registry_key=f"HKEY_CURRENT_USER\\{reg}\\NativeMessagingHosts\\{HOST_NAME}",
                )
            )
        elif system == "darwin":
            app_support = PurePosixPath(home) / "Library" / "Application Support"
            found.append(
                Target(
                    browser,
                    app_support / mac_dir / "NativeMessagingHosts" / name,
                    evidence=app_support / mac_dir,
                )
            )
        else:
            config = PurePosixPath(env.get("XDG_CONFIG_HOME") or f"{home}/.config")
            sandbox = PurePosixPath(home) / ".var" / "app" / flatpak_id
            if browser == "firefox":
                folder = PurePosixPath(home) / ".mozilla"
                found.append(
                    Target(browser, folder / "native-messaging-hosts" / name, evidence=folder)
                )
                inner = sandbox / ".mozilla" / "native-messaging-hosts" / name
            else:
                found.append(
                    Target(
                        browser,
                        config / linux_dir / "NativeMessagingHosts" / name,
                        evidence=config / linux_dir,
                    )
                )
                inner = sandbox / "config" / linux_dir / "NativeMessagingHosts" / name
            found.append(Target(browser, inner, flatpak=flatpak_id, evidence=sandbox))
    return found


def manifest(target: Target, host_path: str) -> dict[str, object]:
    """The manifest's content for one target (the host's absolute path inside)."""
    base: dict[str, object] = {
        "name": HOST_NAME,
        "description": "Tether download manager",
        "path": host_path,
        "type": "stdio",
    }
    if target.firefox:
        base["allowed_extensions"] = list(ALLOWED_EXTENSIONS)
    else:
        base["allowed_origins"] = list(ALLOWED_ORIGINS)
    return base


def manifest_text(target: Target, host_path: str) -> str:
    return json.dumps(manifest(target, host_path), indent=2) + "\n"


def launcher_text(system: str, command: Sequence[str], pythonpath: str | None) -> str:
    """The script the manifests point at: browsers run `path` with no arguments of ours, so
    this one adds the interpreter, the data folder and `native-host`."""
    if system == "win32":
        args = " ".join(f'"{a}"' for a in command)
        env = f'set "PYTHONPATH={pythonpath};%PYTHONPATH%"\r\n' if pythonpath else ""
        return f"@echo off\r\n{env}{args} native-host %*\r\n"
    env = ""
    if pythonpath:
        env = f"PYTHONPATH={shlex.quote(pythonpath)}${{PYTHONPATH:+:$PYTHONPATH}} "
        env = f"export {env.strip()}\n"
    args = " ".join(shlex.quote(a) for a in command)
    return (
        "#!/bin/sh\n# Tether's native messaging host (written by `tether browser install`)\n"
        f'{env}exec {args} native-host "$@"\n'
    )


def caller_allowed(argv: Sequence[str]) -> bool:
    """Whether the browser that started the host is running our extension (pure).

    Chrome passes the caller's origin (`chrome-extension://<id>/`) first; Firefox passes the
    manifest's path, then the extension's id.
    """
    if argv and argv[0].startswith("chrome-extension://"):
        return argv[0] in ALLOWED_ORIGINS
    return len(argv) >= 2 and argv[1] in ALLOWED_EXTENSIONS
