"""`tether COMMAND …`: the engine without Qt, for scripts and terminals.

parser.py reads the command line (one parser, the command optional); common.py holds what
every command shares; run.py runs `get` and `resume`; queue.py `add`, `import`, `list`,
`export` and `remove`; progress.py prints the progress lines. The `service`, `set-url`,
`native-host` and `browser` commands live with what they drive and are imported when run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from app.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    job_to_dict,
)
from app.cli.parser import add_subcommands, build_parser, parse
from app.cli.progress import ProgressPrinter, retry_text, terminal_width
from app.cli.queue import cmd_add, cmd_export, cmd_import, cmd_list, cmd_remove
from app.cli.run import cmd_get, cmd_resume
from app.clitext import translate

__all__ = [
    "COMMANDS",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "ProgressPrinter",
    "_terminal_width",
    "add_subcommands",
    "build_parser",
    "job_to_dict",
    "parse",
    "retry_text",
    "run",
]

Command = Callable[[argparse.Namespace, Path, TextIO, TextIO], int]
_terminal_width = terminal_width  # the service client's progress lines use it too


def _service(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.service.command import cmd_service

    return cmd_service(args, data_dir, out, err)


def _set_url(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.seturl import cmd_set_url

    return cmd_set_url(args, data_dir, out, err)


def _native_host(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.browser import commands

    return commands.cmd_native_host(args, data_dir, out, err)


def _browser(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.browser import commands

    return commands.cmd_browser(args, data_dir, out, err)


COMMANDS: dict[str, Command] = {
    "get": cmd_get,
    "add": cmd_add,
    "resume": cmd_resume,
    "list": cmd_list,
    "export": cmd_export,
    "import": cmd_import,
    "remove": cmd_remove,
    "service": _service,
    "set-url": _set_url,
    "native-host": _native_host,
    "browser": _browser,
}


def run(
    args: argparse.Namespace, data_dir: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    try:
        return COMMANDS[args.command](args, data_dir, out, err)
    except CliError as exc:
        err.write(f"tether: {translate(str(exc))}\n")
        return exc.code
    except KeyboardInterrupt:
        err.write("tether: " + translate("interrupted") + "\n")
        return EXIT_INTERRUPTED
