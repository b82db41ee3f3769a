"""The one argument parser: global options, then an optional command. Without a command the
words are URLs for the window (`tether URL…`); with one, its own options follow it. Global
options (--data-dir, -v) are accepted before or after the command, and after URLs.

Settings that the command line can set for a run (`-j`, `-c`, `--stall-timeout`, …) take
their flag, range, help and default from the option table (app/options.py), as the Settings
dialog does, so the two cannot disagree."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Callable, Sequence
from typing import Any

from app import cli_schedule, clihelp, installed_version
from app.clitext import translate
from app.netargs import add_network_args
from app.options import OPTION, Option, Options
from app.requestargs import add_request_args
from app.units import UNITS_HELP, parse_rate

# the commands that read -o DIR: a -o before the command applies to them too
_OUTPUT_COMMANDS = ("get", "add", "import")
_DEFAULTS = Options()
_USAGE = (
    "tether [-h] [--version] [--data-dir DIR] [-v] [-o DIR] [URL ...]\n"
    "       tether [--data-dir DIR] [-v] COMMAND [options]"
)


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


class _CommandOrURLs(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The subcommand when the first word names one; otherwise every word left (URLs and
    options) is the window's, read by `window` (URLs and options in any order)."""

    window: argparse.ArgumentParser

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        words = list(values)
        if words and words[0] in self._name_parser_map:
            super().__call__(parser, namespace, words, option_string)
            return
        if words and words[0].isalpha():  # a mistyped command, not a URL: say so
            near = difflib.get_close_matches(words[0], list(self._name_parser_map), 1, 0.75)
            if near:
                parser.error(translate(f"unknown command {words[0]!r} (did you mean {near[0]}?)"))
        setattr(namespace, self.dest, None)
        # a fresh namespace: argparse warns about a positional's dest already present
        for key, value in vars(self.window.parse_intermixed_args(words)).items():
            setattr(namespace, key, value)


class _TopParser(argparse.ArgumentParser):
    """The top level: a first word that names no command is not an error but the window's."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if not isinstance(action, _CommandOrURLs):
            super()._check_value(action, value)


def _add_globals(p: argparse.ArgumentParser, *, top: bool) -> None:
    """--data-dir and -v; below the top level they only set what is given (SUPPRESS), so a
    value given before the command is not reset by the command's parser."""
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None if top else argparse.SUPPRESS,
        help="keep the queue, settings and logs here (env: TETHER_DATA_DIR)",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="debug logging",
    )


# ---------------------------------------------------------------------------- settings
def setting_type(option: Option) -> Callable[[str], int | float]:
    """The converter for an option's flag: a number in the option's range (seconds may have
    a fraction on the command line), or one line saying what is accepted."""
    seconds = option.unit == "s"

    def convert(text: str) -> int | float:
        # argparse prints these after its own (localized) words: translated here, whole
        # sentences, so the catalogue can hold them
        try:
            value: int | float = float(text) if seconds else int(text)
        except ValueError:
            if seconds:
                message = translate(f"not a number of seconds: {text!r}")
            else:
                message = translate(f"not a number: {text!r}")
            raise argparse.ArgumentTypeError(message) from None
        low, high = option.minimum, option.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            if seconds:
                message = translate(f"must be between {low} and {high} seconds")
            else:
                message = translate(f"must be between {low} and {high}")
            raise argparse.ArgumentTypeError(message)
        return value

    convert.__name__ = option.key  # argparse names the converter in some messages
    return convert


def add_setting(p: argparse.ArgumentParser, key: str) -> None:
    """The option's flag, range and help as the option table declares them."""
    option = OPTION[key]
    default = getattr(_DEFAULTS, key)
    shown = option.range_text()
    text = f"{option.help}, {shown} (default {default})" if shown else option.help
    p.add_argument(
        *option.flags,
        type=setting_type(option),
        metavar="SECONDS" if option.unit == "s" else "N",
        help=text,  # dest: from the long flag (args.jobs, args.stall_timeout, …)
    )


def rate_arg(text: str) -> int:
    try:
        return parse_rate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(translate(str(exc))) from None


# ---------------------------------------------------------------------------- commands
def _batch_args(p: argparse.ArgumentParser) -> None:
    """URLs, patterns, lists and a checksum: what `get` and `add` take alike."""
    p.add_argument(
        "urls", nargs="*", metavar="URL", help="links; patterns like f[001-100].jpg, {a,b} expand"
    )
    p.add_argument(
        "-i",
        "--input-file",
        metavar="FILE",
        help="URLs from FILE (- for stdin): a list, or aria2's format with dir=/out=/checksum=",
    )
    p.add_argument("--globoff", action="store_true", help="take [] and {} in URLs literally")
    p.add_argument(
        "--checksum", metavar="ALGO=HEX", help="expected md5/sha-1/sha-256/sha-512 (one file)"
    )
    p.add_argument("--sha256", metavar="HEX", help="expected SHA-256 (one file)")


def _trust_args(sub: argparse.ArgumentParser, *, netrc: bool = True, keep: bool = False) -> None:
    sub.add_argument(
        "--ca-certificate",
        metavar="FILE",
        help="trust the CA certificates in this PEM file instead of the system's"
        + (" (kept for this data folder, so the window uses it too)" if keep else ""),
    )
    if netrc:
        sub.add_argument(
            "--no-netrc", action="store_true", help="don't use ~/.netrc (or $NETRC) credentials"
        )


def _run_args(p: argparse.ArgumentParser) -> None:
    """The run-wide settings `get` and `resume` take for this run (not kept)."""
    p.add_argument(
        "--no-auto-checksum",
        action="store_true",
        help="don't look for checksums the server publishes (Digest, SHA256SUMS, URL.sha256)",
    )
    p.add_argument(
        "--limit",
        type=rate_arg,
        metavar="RATE",
        help="total speed limit in bytes/s, e.g. 500K or 2M (" + UNITS_HELP + ")",
    )
    add_setting(p, "max_concurrent")
    add_setting(p, "stall_timeout")
    add_setting(p, "retry_for")


def add_subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="tether")
    get = sub.add_parser("get", help="download URLs now, in the foreground")
    _batch_args(get)
    get.add_argument("-o", "--output-dir", metavar="DIR", help="folder to save into (default: .)")
    add_setting(get, "connections")
    _run_args(get)
    get.add_argument(
        "--again",
        action="store_true",
        help="download even if this URL was already downloaded into DIR",
    )
    _trust_args(get)
    # --header/--user-agent are the job's request context (requestargs.py), not run-wide
    add_network_args(get, headers=False)
    add_request_args(get)

    add = sub.add_parser(
        "add", help="queue URLs in the running Tether (its service starts if none runs)"
    )
    _batch_args(add)
    add.add_argument(
        "-o",
        "--output-dir",
        metavar="DIR",
        help="folder to save into (default: the configured download folder)",
    )
    add_setting(add, "connections")
    _trust_args(add, netrc=False, keep=True)
    add_network_args(add, headers=False)  # kept as settings, as --ca-certificate is
    add_request_args(add)

    resume = sub.add_parser(
        "resume", help="run unfinished jobs (all but cancelled ones, or the given ids) headless"
    )
    resume.add_argument("ids", nargs="*", type=int, metavar="ID")
    _run_args(resume)
    _trust_args(resume)
    add_network_args(resume)

    lst = sub.add_parser("list", help="print the queue")
    lst.add_argument("--json", action="store_true", help="machine-readable output")

    exp = sub.add_parser("export", help="write the queue as an aria2 input file (or JSON)")
    exp.add_argument("file", nargs="?", default="-", metavar="FILE", help="default: stdout")
    exp.add_argument("--json", action="store_true", help="JSON instead of aria2's format")

    imp = sub.add_parser("import", help="queue the downloads of an exported list or URL list")
    imp.add_argument(
        "file", metavar="FILE", help="aria2 input file, JSON export or URLs (- = stdin)"
    )
    imp.add_argument("-o", "--output-dir", metavar="DIR", help="folder for entries without dir=")

    rm = sub.add_parser("remove", help="remove jobs from the queue (partial data is deleted)")
    rm.add_argument("ids", nargs="+", type=int, metavar="ID")
    rm.add_argument("--delete-file", action="store_true", help="also delete completed files")
    cli_schedule.add_arguments(sub)  # --start-at, --on-complete[-run], --on-finish

    from app.service.command import add_service_parser

    add_service_parser(sub)

    from app.browser.commands import add_parsers

    add_parsers(sub)

    from app.seturl import add_parser as add_set_url

    add_set_url(sub)
    for command in sub.choices.values():
        _add_globals(command, top=False)
    return sub


def build_parser() -> argparse.ArgumentParser:
    parser = _TopParser(
        prog="tether",
        usage=_USAGE,
        description="Tether: a download manager that never loses a byte. "
        "Without a command it opens the window (with any URLs given). "
        "Sizes and rates use decimal units, as the window shows them: 1 kB = 1000 bytes, "
        "1 MB = 1000 kB; KiB and MiB (1024-based) are accepted when written out.",
    )
    parser.register("action", "parsers", _CommandOrURLs)
    parser.add_argument("--version", action=_VersionAction)
    _add_globals(parser, top=True)
    parser.add_argument(
        "-o",
        "--output-dir",
        dest="window_output_dir",
        metavar="DIR",
        help="the folder for URLs given to the window (before a command: that command's -o)",
    )
    parser.set_defaults(urls=[])
    sub = add_subcommands(parser)
    window = argparse.ArgumentParser(prog="tether", usage=_USAGE, add_help=False)
    window.add_argument("urls", nargs="*", metavar="URL")
    _add_globals(window, top=False)
    window.add_argument("-o", "--output-dir", dest="window_output_dir", default=argparse.SUPPRESS)
    assert isinstance(sub, _CommandOrURLs)
    sub.window = window
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The command line read; usage errors exit 2 with one line (argparse's own)."""
    parser = build_parser()
    clihelp.localize_parser(parser)  # `tether --help` and usage errors in the locale's language
    args = parser.parse_args(list(argv))
    if args.command in _OUTPUT_COMMANDS and args.output_dir is None:
        args.output_dir = args.window_output_dir
    return args
