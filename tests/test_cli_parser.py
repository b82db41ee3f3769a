"""One parser (issue 10): an optional command, global options anywhere, and the settings the
command line shares with the Settings dialog declared once (app/options.py)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import parse
from app.cli.parser import build_parser
from app.options import OPTION, OPTIONS, Options

ROOT = Path(__file__).resolve().parents[1]
FLAGGED = [o for o in OPTIONS if o.flags]


def test_a_global_option_before_a_command_still_runs_the_command() -> None:
    args = parse(["-o", "/tmp/x", "list"])
    assert args.command == "list" and args.window_output_dir == "/tmp/x"


def test_output_dir_before_get_is_gets_own() -> None:
    assert parse(["-o", "/tmp/x", "get", "http://h/f"]).output_dir == "/tmp/x"
    assert parse(["-o", "/a", "get", "-o", "/b", "http://h/f"]).output_dir == "/b"


@pytest.mark.parametrize(
    "argv",
    [
        ["--data-dir", "D", "-v", "get", "http://h/f"],
        ["get", "http://h/f", "--data-dir", "D", "-v"],
        ["get", "--data-dir", "D", "http://h/f", "--verbose"],
        ["-v", "get", "http://h/f", "--data-dir", "D"],
    ],
)
def test_global_options_before_or_after_the_command(argv: list[str]) -> None:
    args = parse(argv)
    assert (args.command, args.urls, args.data_dir, args.verbose) == (
        "get",
        ["http://h/f"],
        "D",
        True,
    )


def test_without_a_command_the_words_are_the_windows_urls_in_any_order() -> None:
    args = parse(["http://h/1", "-v", "http://h/2", "--data-dir", "D", "-o", "O"])
    assert args.command is None
    assert (args.urls, args.verbose, args.data_dir, args.window_output_dir) == (
        ["http://h/1", "http://h/2"],
        True,
        "D",
        "O",
    )
    bare = parse([])
    assert (bare.command, bare.urls, bare.data_dir, bare.verbose) == (None, [], None, False)


@pytest.mark.parametrize(
    "argv", [["--bogus"], ["http://h/f", "--bogus"], ["get", "--bogus"], ["remove"]]
)
def test_bad_usage_is_one_error_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert next(line for line in err.splitlines() if "error:" in line).startswith("tether")


def test_a_mistyped_command_is_named_not_opened_as_a_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for typo, meant in (("lst", "list"), ("gett", "get"), ("remve", "remove")):
        with pytest.raises(SystemExit) as exited:
            parse([typo, "1"])
        assert exited.value.code == 2
        assert f"unknown command {typo!r} (did you mean {meant}?)" in capsys.readouterr().err
    assert parse(["example"]).urls == ["example"]  # nothing like a command: the window's


def _numbers(option: object) -> list[tuple[str, bool]]:
    """Values at and just beyond the option's range, and whether the CLI must take them."""
    low, high = OPTION[option.key].minimum, OPTION[option.key].maximum  # type: ignore[attr-defined]
    assert low is not None and high is not None
    return [(str(low), True), (str(high), True), (str(low - 1), False), (str(high + 1), False)]


@pytest.mark.parametrize("option", FLAGGED, ids=lambda o: o.key)
def test_each_flagged_setting_has_the_option_tables_range(option: object) -> None:
    flag = OPTION[option.key].flags[-1]  # type: ignore[attr-defined]
    commands = [c for c in ("get", "resume", "add") if flag in _flags_of(c)]
    assert commands, f"{flag} is on no command"
    for command in commands:
        extra = ["http://h/f"] if command in ("get", "add") else []
        for text, ok in _numbers(option):
            argv = [command, *extra, flag, text]
            if ok:
                args = parse(argv)
                assert getattr(args, flag.lstrip("-").replace("-", "_")) == float(text)
            else:
                with pytest.raises(SystemExit):
                    parse(argv)


def _flags_of(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {s for a in sub.choices[command]._actions for s in a.option_strings}


def test_help_states_each_settings_range_and_default() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "get", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    flat = " ".join(out.split())
    for option in FLAGGED:
        assert f"{option.range_text()} (default {getattr(Options(), option.key)})" in flat


def test_minus_o_then_list_runs_list_end_to_end(tmp_path: Path) -> None:
    """The issue's example: this opened the window with 'list' as a URL."""
    done = subprocess.run(
        [sys.executable, "-m", "app", "-o", str(tmp_path), "list", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "the queue is empty\n", "")


def test_owned_store_holds_the_folder_and_lets_go_even_on_an_error(tmp_path: Path) -> None:
    """The one 'lock the data folder, open the store' of get/add/import/resume/remove/set-url."""
    from app.cli.common import CliError, owned_store

    with owned_store(tmp_path) as store:
        assert store.load_jobs() == ([], [])
        with pytest.raises(CliError, match="already running"), owned_store(tmp_path):
            pass  # a second owner of the same folder is refused, with one line
    with pytest.raises(CliError, match="no job"), owned_store(tmp_path):
        raise CliError("no job with id 7")
    with owned_store(tmp_path) as store:  # free again: the error let go of lock and store
        store.set_setting("x", 1)
