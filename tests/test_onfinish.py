"""When the queue finishes (countdown, cancel, the power action through a fake) and what each
job runs when it completes (an argument list, never a shell)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path

from app.engine.engine import Engine
from app.engine.oncomplete import CompletionActions, command_argv, parse_command
from app.engine.onfinish import (
    Countdown,
    FinishAction,
    FinishWatcher,
    perform,
    power_command,
)
from app.store import JobStore
from app.store.plans import JobPlans, OnComplete
from app.system import spawn
from tests.engine_helpers import FAST, KIB, payload, wait_for
from tests.support.faultserver import FaultServer


def _no_open(path: str) -> None:
    raise AssertionError(f"opened {path}")


class Timers:
    def __init__(self) -> None:
        self.pending: list[tuple[float, Callable[[], None], Handle]] = []

    def call_later(self, delay: float, callback: Callable[[], None]) -> Handle:
        handle = Handle()
        self.pending.append((delay, callback, handle))
        return handle

    def run_all(self) -> int:
        """Fire due timers until none is left; how many fired."""
        fired = 0
        while self.pending:
            _d, callback, handle = self.pending.pop(0)
            if not handle.cancelled:
                fired += 1
                callback()
        return fired


class Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def test_countdown_fires_after_sixty_ticks_and_cancel_prevents_it_twice() -> None:
    timers = Timers()
    ran: list[list[str]] = []
    ticks: list[int] = []

    def fire() -> None:
        perform(FinishAction.SHUTDOWN, ran.append, lambda: None)

    done = Countdown(60, ticks.append, fire, timers.call_later)
    done.start()
    assert timers.run_all() == 60
    assert ticks == list(range(60, -1, -1))
    assert done.fired and ran == [power_command(FinishAction.SHUTDOWN)]
    for _ in range(2):  # cancelled twice in one session: nothing runs
        ran.clear()
        c = Countdown(60, lambda _s: None, fire, timers.call_later)
        c.start()
        for _tick in range(10):
            _d, callback, _h = timers.pending.pop(0)
            callback()
        c.cancel()
        assert timers.run_all() == 0
        assert ran == [] and not c.fired and c.left == 50


def test_power_commands_and_quit() -> None:
    assert power_command(FinishAction.SLEEP, "linux") == ["systemctl", "suspend"]
    assert power_command(FinishAction.SHUTDOWN, "linux") == ["systemctl", "poweroff"]
    assert power_command(FinishAction.SLEEP, "win32")[0] == "rundll32.exe"  # type: ignore[index]
    assert power_command(FinishAction.SHUTDOWN, "darwin")[0] == "osascript"  # type: ignore[index]
    assert power_command(FinishAction.QUIT) is None
    quits: list[int] = []
    ran: list[list[str]] = []
    perform(FinishAction.QUIT, ran.append, lambda: quits.append(1))
    perform(FinishAction.NOTHING, ran.append, lambda: quits.append(1))
    assert quits == [1] and ran == []


def test_watcher_reports_each_time_the_queue_finishes(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/a.bin", payload(128 * KIB))
    server.add_file("/b.bin", payload(128 * KIB, seed=2))
    finished: list[int] = []

    async def body() -> None:
        store = JobStore.open(tmp_path / "data" / "db.sqlite3")
        engine = Engine(store, FAST)
        await engine.start()
        watcher = FinishWatcher(engine, lambda: finished.append(1))
        watcher.attach()
        try:
            engine.add(server.url("/a.bin"), str(tmp_path / "out"))
            engine.add(server.url("/b.bin"), str(tmp_path / "out"))
            await engine.wait_idle()
            await wait_for(lambda: finished == [1])  # once for both, not per job
            engine.add(server.url("/a.bin"), str(tmp_path / "again"))
            await engine.wait_idle()
            await wait_for(lambda: finished == [1, 1])
        finally:
            watcher.detach()
            await engine.shutdown()
            store.close()

    asyncio.run(asyncio.wait_for(body(), 60))


def test_command_argv_and_parse() -> None:
    assert command_argv(["echo", "{file}"], "/d/a b;c") == ["echo", "/d/a b;c"]
    assert command_argv(["echo", "--in={file}"], "/x") == ["echo", "--in=/x"]
    assert command_argv(["notify"], "/x") == ["notify", "/x"]
    assert parse_command("'my tool' -v '{file}'") == ("my tool", "-v", "{file}")
    for bad in ("", "  ", "'open"):
        try:
            parse_command(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")


RECORDER = "import json, sys; open(sys.argv[1], 'a').write(json.dumps(sys.argv[2:]) + '\\n')"


def test_command_runs_once_per_completed_job_without_a_shell(
    server: FaultServer, tmp_path: Path
) -> None:
    server.add_file("/a.bin", payload(64 * KIB))
    server.add_file("/b.bin", payload(64 * KIB, seed=2))
    record = tmp_path / "argv.jsonl"
    canary = tmp_path / "out" / "pwned"  # what a shell would create (the command's cwd)
    tricky = "a b; touch pwned; .bin"

    async def body() -> list[str]:
        store = JobStore.open(tmp_path / "data" / "db.sqlite3")
        engine = Engine(store, FAST)
        await engine.start()
        # the real runner: a process, no shell
        actions = CompletionActions(engine, JobPlans(store), opener=_no_open, runner=spawn)
        actions.attach()
        try:
            cmd = (sys.executable, "-c", RECORDER, str(record), "{file}", "done")
            out = str(tmp_path / "out")
            a = engine.add(server.url("/a.bin"), out, file_name=tricky, start=False)
            b = engine.add(server.url("/b.bin"), out, start=False)
            for job in (a, b):
                actions.set_plan(job.id, OnComplete("run", cmd))
                engine.resume(job.id)
            await engine.wait_idle()
            await wait_for(lambda: record.exists() and len(record.read_text().splitlines()) == 2)
            engine.configure(a.id, connections=2)  # more events for a completed job
            assert JobPlans(store).on_complete_all()[a.id].argv == cmd  # kept in the store
            return [engine.job(a.id).path or "", engine.job(b.id).path or ""]
        finally:
            actions.detach()
            await engine.shutdown()
            store.close()

    paths = asyncio.run(asyncio.wait_for(body(), 60))
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert sorted(lines) == sorted([[paths[0], "done"], [paths[1], "done"]])
    assert "; touch" in paths[0]
    assert not canary.exists()


def test_open_and_folder_go_to_the_opener(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/a.bin", payload(64 * KIB))
    server.add_file("/b.bin", payload(64 * KIB, seed=2))
    opened: list[str] = []

    async def body() -> None:
        store = JobStore.open(tmp_path / "data" / "db.sqlite3")
        engine = Engine(store, FAST)
        await engine.start()
        actions = CompletionActions(
            engine, JobPlans(store), opener=opened.append, runner=lambda *_a: None
        )
        actions.attach()
        try:
            out = str(tmp_path / "out")
            a = engine.add(server.url("/a.bin"), out, start=False)
            b = engine.add(server.url("/b.bin"), out, start=False)
            actions.set_plan(a.id, OnComplete("open"))
            actions.set_plan(b.id, OnComplete("folder"))
            engine.resume(a.id)
            engine.resume(b.id)
            await engine.wait_idle()
            await wait_for(lambda: len(opened) == 2)
            assert sorted(opened) == sorted([engine.job(a.id).path, out])
        finally:
            actions.detach()
            await engine.shutdown()
            store.close()

    asyncio.run(asyncio.wait_for(body(), 60))
