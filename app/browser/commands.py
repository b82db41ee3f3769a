"""The CLI's `tether native-host` and `tether browser install|uninstall|status`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from app.browser import install as setup
from app.browser.build import FLAVOURS, build
from app.browser.manifests import BROWSERS


def add_parsers(sub: Any) -> None:
    """Add both commands to the CLI's subparsers."""
    host = sub.add_parser(
        "native-host", help="the browser extension's link to Tether (browsers start it)"
    )
    # Chrome passes the caller's origin (and on Windows --parent-window=N); Firefox the
    # manifest's path and the extension's id
    host.add_argument("caller", nargs=argparse.REMAINDER)
    browser = sub.add_parser("browser", help="connect Tether to web browsers (native messaging)")
    actions = browser.add_subparsers(dest="browser_action", metavar="ACTION", required=True)
    for name, text in (
        ("install", "write the host manifests for the browser extension"),
        ("uninstall", "remove them"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument(
            "--browser",
            choices=(*BROWSERS, "all"),
            default="all",
            help="one browser, or all those this account has used (default)",
        )
    actions.add_parser("status", help="which browsers have the manifest, where")
    ext = actions.add_parser(
        "extension", help="write the extension's files into DIR, to load it unpacked"
    )
    ext.add_argument("dir", metavar="DIR")
    ext.add_argument("--for", dest="flavour", choices=FLAVOURS, default="chromium")


def cmd_native_host(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.browser.host import main

    return main(data_dir, list(args.caller))


def cmd_browser(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    if args.browser_action == "install":
        lines = setup.install(data_dir, args.browser)
    elif args.browser_action == "uninstall":
        lines = setup.uninstall(data_dir, args.browser)
    elif args.browser_action == "extension":
        built = build(args.flavour, Path(args.dir).expanduser().resolve())
        lines = [
            f"{args.flavour} extension: {built} (load it unpacked; then `tether browser install`)"
        ]
    else:
        lines = setup.status()
    for line in lines:
        out.write(line + "\n")
    return 0
