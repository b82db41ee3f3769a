"""The command line's scheduler and power options: `--start-at`, `--on-complete`,
`--on-complete-run` and `--on-finish`, and the countdown `--on-finish` prints.

`--on-complete-run 'CMD ARG…'` is one string split like a POSIX shell line (quotes work) and
then run *without* a shell: `{file}` in an argument is replaced by the completed file's path,
and without any `{file}` the path is added as the last argument.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from datetime import datetime
from typing import TextIO

from app.engine.oncomplete import parse_command
from app.engine.onfinish import (
    COUNTDOWN_S,
    CallLater,
    Countdown,
    FinishAction,
    PowerRunner,
    perform,
)
from app.engine.schedule import parse_start_at
from app.store.plans import OnComplete
from app.system import run_power_command

# Module attributes, so in-process tests can put a fake here: nothing real ever runs in tests.
POWER_RUNNER: PowerRunner = run_power_command
FINISH_VERBS = {FinishAction.SLEEP: "Suspending", FinishAction.SHUTDOWN: "Shutting down"}


def start_at_arg(text: str) -> datetime:
    try:
        return parse_start_at(text, datetime.now())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def command_arg(text: str) -> tuple[str, ...]:
    try:
        return parse_command(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _on_complete_args(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--on-complete",
        choices=("open", "folder"),
        help="when a file completes: open it, or open its folder",
    )
    group.add_argument(
        "--on-complete-run",
        type=command_arg,
        metavar="'CMD ARG…'",
        help="when a file completes, run CMD (no shell; {file} = the file's path, else it is "
        "added as the last argument)",
    )


def _on_finish_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--on-finish",
        choices=("quit", "sleep", "shutdown"),
        help="when every download has ended: sleep or shut down the computer after a 60 s "
        "countdown (Ctrl+C cancels); quit just ends, as tether always does",
    )


def add_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the options to the `get`, `add` and `resume` parsers."""
    parsers = sub.choices
    _on_complete_args(parsers["get"])
    _on_finish_arg(parsers["get"])
    _on_complete_args(parsers["add"])
    parsers["add"].add_argument(
        "--start-at",
        type=start_at_arg,
        metavar="HH:MM|ISO",
        help="don't start before this time (HH:MM: the next one; or e.g. 2026-12-24T08:00)",
    )
    _on_finish_arg(parsers["resume"])


def on_complete_plan(args: argparse.Namespace) -> OnComplete | None:
    if getattr(args, "on_complete_run", None):
        return OnComplete("run", tuple(args.on_complete_run))
    if getattr(args, "on_complete", None):
        return OnComplete(str(args.on_complete))
    return None


async def finish_countdown(
    action: FinishAction,
    out: TextIO,
    *,
    seconds: int = COUNTDOWN_S,
    runner: PowerRunner | None = None,
    call_later: CallLater | None = None,
    interrupt: asyncio.Event | None = None,
) -> bool:
    """Count down on `out`, then sleep or shut down; Ctrl+C (or `interrupt`) cancels.
    True if the action ran."""
    if action not in FINISH_VERBS:
        return False
    loop = asyncio.get_running_loop()
    stop = interrupt or asyncio.Event()
    ended = asyncio.Event()
    verb = FINISH_VERBS[action]
    tty = out.isatty()

    def tick(left: int) -> None:
        line = f"{verb} in {left} s — press Ctrl+C to cancel"
        if tty:
            out.write("\r\x1b[K" + line)
        elif left in (seconds, 10, 0) or left % 30 == 0:
            out.write(line + "\n")
        out.flush()

    def fire() -> None:
        perform(action, runner or POWER_RUNNER, lambda: None)
        ended.set()

    countdown = Countdown(seconds, tick, fire, call_later or loop.call_later)
    handlers = False
    if interrupt is None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                handlers = True
    countdown.start()
    stopper = asyncio.ensure_future(stop.wait())
    done = asyncio.ensure_future(ended.wait())
    try:
        await asyncio.wait({stopper, done}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        done.cancel()
        if handlers:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
    if countdown.fired:
        if tty:
            out.write("\n")
        return True
    countdown.cancel()
    out.write(("\n" if tty else "") + f"{verb.lower()} cancelled\n")
    out.flush()
    return False


def run_finish(args: argparse.Namespace, out: TextIO) -> None:
    """After `get`/`resume` ended without an interruption: the --on-finish action, if any."""
    choice = getattr(args, "on_finish", None)
    if choice:
        asyncio.run(finish_countdown(FinishAction(choice), out))
