"""`tether add --start-at/--on-complete-run`, `get --on-complete-run/--on-finish`: kept in the
store, run without a shell, and the countdown is cancellable (the power action is a fake)."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app import cli, cli_schedule
from app.engine.onfinish import FinishAction
from app.paths import database_path
from app.store import JobStore
from app.store.plans import JobPlans
from tests.engine_helpers import KIB, payload
from tests.support.faultserver import FaultServer
from tests.test_cli import tether

RECORDER = "import json, sys; open(sys.argv[1], 'a').write(json.dumps(sys.argv[2:]) + '\\n')"


def run(*argv: str, data: Path) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    cli.add_subcommands(parser)
    args = parser.parse_args(list(argv))
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(args, data, out, err)
    return code, out.getvalue(), err.getvalue()


def test_add_keeps_start_time_and_command(tmp_path: Path) -> None:
    """`add` queues on the service it starts; the plans are kept, the job waits for its time."""
    data = tmp_path / "d"
    try:
        r = tether(
            "add",
            "http://127.0.0.1:9/a.bin",
            "-o",
            str(tmp_path),
            "--start-at",
            "2030-01-02T03:04",
            "--on-complete-run",
            "notify-send 'Got it' {file}",
            data=data,
        )
        assert r.returncode == 0, r.stderr
        r = tether(
            "add",
            "http://127.0.0.1:9/b.bin",
            "-o",
            str(tmp_path),
            "--start-at",
            "01:00",
            "--on-complete",
            "folder",
            data=data,
        )
        assert r.returncode == 0, r.stderr
        rows = json.loads(tether("list", "--json", data=data).stdout)
        assert rows[0]["state"] == "queued"  # held by its own time, not downloading
        r = tether("add", "http://127.0.0.1:9/c.bin", "--start-at", "soon", data=data)
        assert r.returncode == 2 and "not a time" in r.stderr
    finally:
        assert tether("service", "stop", data=data).returncode == 0
    store = JobStore.open(database_path(data))
    try:
        plans = JobPlans(store)
        starts = plans.start_times()
        assert datetime.fromtimestamp(starts[1]) == datetime(2030, 1, 2, 3, 4)
        second = datetime.fromtimestamp(starts[2])
        assert (second.hour, second.minute) == (1, 0)
        assert second - datetime.now() <= timedelta(days=1)
        done = plans.on_complete_all()
        assert done[1].action == "run" and done[1].argv == ("notify-send", "Got it", "{file}")
        assert done[2].action == "folder"
    finally:
        store.close()


def test_get_runs_the_command_per_file_and_then_the_finish_action(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add_file("/a b;c.bin", payload(64 * KIB))
    server.add_file("/d.bin", payload(64 * KIB, seed=2))
    record = tmp_path / "argv.jsonl"
    ran: list[list[str]] = []
    monkeypatch.setattr(cli_schedule, "POWER_RUNNER", ran.append)
    monkeypatch.setattr(cli_schedule, "COUNTDOWN_S", 0)
    original = cli_schedule.finish_countdown

    async def quick(action: FinishAction, out: object, **kw: object) -> bool:
        return await original(action, out, seconds=0)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_schedule, "finish_countdown", quick)
    command = f'{sys.executable} -c "{RECORDER}" {record} {{file}}'
    out_dir = tmp_path / "out"
    code, out, err = run(
        "get",
        server.url("/a%20b%3Bc.bin"),
        server.url("/d.bin"),
        "-o",
        str(out_dir),
        "--on-complete-run",
        command,
        "--on-finish",
        "sleep",
        data=tmp_path / "d",
    )
    assert code == 0, err
    lines = _lines_when(record, 2)
    assert lines == [[str(out_dir / "a b;c.bin")], [str(out_dir / "d.bin")]]
    assert ran == [["systemctl", "suspend"]] or sys.platform != "linux"
    assert "Suspending in 0 s" in out


def _lines_when(record: Path, n: int) -> list[list[str]]:
    """The recorded argv lists once there are n (the commands run detached from tether)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if record.exists():
            lines = record.read_text().splitlines()
            if len(lines) >= n:
                return sorted(json.loads(x) for x in lines)
        time.sleep(0.05)  # waiting for another process's output, not for time to pass
    raise AssertionError(f"{record} has fewer than {n} lines")


def _interrupt_after(ticks: int, stop: asyncio.Event) -> Callable[..., object]:
    loop = asyncio.get_running_loop()
    count = {"n": 0}

    def call_later(_delay: float, callback: Callable[[], None]) -> asyncio.Handle:
        count["n"] += 1
        if count["n"] > ticks:
            stop.set()  # Ctrl+C during the countdown
        return loop.call_soon(callback)

    return call_later


def test_countdown_cancelled_twice_never_runs_the_action() -> None:
    ran: list[list[str]] = []

    async def body() -> list[bool]:
        results = []
        for _ in range(2):
            stop = asyncio.Event()
            out = io.StringIO()
            results.append(
                await cli_schedule.finish_countdown(
                    FinishAction.SHUTDOWN,
                    out,
                    runner=ran.append,
                    call_later=_interrupt_after(3, stop),  # type: ignore[arg-type]
                    interrupt=stop,
                )
            )
            assert "Shutting down in 60 s — press Ctrl+C to cancel" in out.getvalue()
            assert "shutting down cancelled" in out.getvalue()
        return results

    assert asyncio.run(body()) == [False, False]
    assert ran == []


def test_countdown_runs_the_action_at_zero() -> None:
    ran: list[list[str]] = []

    async def body() -> bool:
        loop = asyncio.get_running_loop()
        out = io.StringIO()
        done = await cli_schedule.finish_countdown(
            FinishAction.SHUTDOWN,
            out,
            runner=ran.append,
            call_later=lambda _d, cb: loop.call_soon(cb),
            interrupt=asyncio.Event(),
        )
        assert out.getvalue().count("Shutting down in") == 4  # 60, 30, 10 and 0
        return done

    assert asyncio.run(body()) is True
    assert len(ran) == 1


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_printer_shows_when_a_held_job_starts(tmp_path: Path) -> None:
    from app.engine.engine import Engine
    from app.store.models import JobState

    store = JobStore.open(tmp_path / "db.sqlite3")
    try:
        job = store.add_job("https://example.com/night.iso", str(tmp_path), state=JobState.QUEUED)
        job.file_name = "night.iso"
        engine = Engine(store)
        engine._jobs[job.id] = job  # not started: the printer only reads the cache
        out = _Tty()
        printer = cli.ProgressPrinter(engine, {job.id}, out, io.StringIO())
        printer.waiting = lambda _j: "01:00 tomorrow"
        for _ in range(2):
            printer.refresh()
        assert out.getvalue().count("night.iso  scheduled — starts at 01:00 tomorrow") == 2
    finally:
        store.close()
