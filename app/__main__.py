"""Entry point: `tether COMMAND …` runs headless (app.cli); `tether [URL…]` opens the window
(app.cli.parser reads both)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from app import cli, qtcheck
from app import log as applog
from app.clitext import translate
from app.paths import resolve_data_dir


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.parse(sys.argv[1:] if argv is None else argv)
    data_dir = resolve_data_dir(args.data_dir)
    applog.setup(data_dir, verbose=args.verbose)
    if args.command is not None:
        return cli.run(args, data_dir)
    # No command: the window, with any URLs given handed to it.
    problem = qtcheck.missing_platform_library(sys.platform, os.environ)
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return 2
    try:
        from app.ui.app import run_gui
    except ImportError as exc:
        problem = translate(f"the window cannot start ({exc}); use `tether get URL`")
        sys.stderr.write(f"tether: {problem}\n")
        return 2
    return run_gui(args.urls, args.window_output_dir, data_dir)


def entry() -> int:
    """Console-script wrapper: a closed pipe (`tether list | head`) is not an error."""
    try:
        return main()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(entry())
