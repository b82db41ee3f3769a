"""Entry point: `tether COMMAND …` runs headless (app.cli); `tether [URL…]` opens the window."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app import cli, clitext, installed_version, qtcheck
from app import log as applog
from app.clitext import translate
from app.paths import resolve_data_dir


class _VersionAction(argparse.Action):
    """--version, reading package metadata only when asked (it costs ~30 ms to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="print the version and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"tether {installed_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tether",
        description="Tether: a download manager that never loses a byte. "
        "Without a command it opens the window (with any URLs given). "
        "Sizes and rates use decimal units, as the window shows them: 1 kB = 1000 bytes, "
        "1 MB = 1000 kB; KiB and MiB (1024-based) are accepted when written out.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the queue, settings and logs here (env: TETHER_DATA_DIR)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    cli.add_subcommands(parser)
    return parser


def _split_gui_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """For the window: (options, URLs). Options are the global ones plus -o DIR."""
    opts: list[str] = []
    urls: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg in ("--data-dir", "-o", "--output-dir"):
            opts += [arg, next(it, "")]
        elif arg.startswith(("--data-dir=", "--output-dir=")) or arg in ("-v", "--verbose"):
            opts.append(arg)
        else:
            urls.append(arg)
    return opts, urls


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    clitext.localize_parser(parser)  # `tether --help` in the locale's language
    commands = set(cli.COMMANDS)
    first_positional = next((a for a in _positionals(args_list)), None)
    if first_positional in commands or any(a in ("-h", "--help", "--version") for a in args_list):
        args = parser.parse_args(args_list)
        data_dir = resolve_data_dir(args.data_dir)
        applog.setup(data_dir, verbose=args.verbose)
        return cli.run(args, data_dir)
    # No subcommand: the window, with any bare URLs handed to it.
    gui_parser = argparse.ArgumentParser(prog="tether")
    gui_parser.add_argument("--data-dir")
    gui_parser.add_argument("-o", "--output-dir")
    gui_parser.add_argument("-v", "--verbose", action="store_true")
    opts, urls = _split_gui_args(args_list)
    gargs = gui_parser.parse_args(opts)
    bad = [u for u in urls if u.startswith("-")]
    if bad:
        parser.error(translate(f"unknown option {bad[0]}"))
    data_dir = resolve_data_dir(gargs.data_dir)
    applog.setup(data_dir, verbose=gargs.verbose)
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
    return run_gui(urls, gargs.output_dir, data_dir)


def _positionals(argv: Sequence[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--data-dir",):
            skip = True
            continue
        if a.startswith("-"):
            continue
        out.append(a)
    return out


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
