"""`tether get` and `tether resume`: the engine in this process (or the running service's),
with progress on the terminal, until every job has ended."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app import cli_schedule
from app.automation import Automation
from app.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    check_ca_file,
    checked_dir,
    entries_of,
    entry_dir,
    find_service,
    owned_store,
    remote_call,
    report_problems,
    request_context,
)
from app.cli.progress import ProgressPrinter
from app.clitext import translate
from app.engine.errors import BadInput
from app.engine.urls import redact
from app.inputfile import Entry
from app.netargs import network_changes
from app.options import load_options
from app.requestargs import context_for
from app.store.jobstore import JobStore
from app.store.models import JobState

if TYPE_CHECKING:
    from app.engine.engine import Engine


async def _run_engine(
    engine: Engine,
    targets: Sequence[Entry | int],
    args: argparse.Namespace,
    dest_dir: str | None,
    out: TextIO,
    err: TextIO,
    automation: Automation | None = None,
) -> int:
    """Start/resume the targets: an Entry adds or resumes by URL, an int resumes that job."""
    if automation is not None:
        automation.install()
    await engine.start()
    if automation is not None:
        automation.attach()
    printer: ProgressPrinter | None = None
    try:
        ids = _start(engine, targets, args, dest_dir, out)
        plan = cli_schedule.on_complete_plan(args)
        if automation is not None and plan is not None:
            for job_id in ids:
                automation.completion.set_plan(job_id, plan)
        printer = ProgressPrinter(engine, ids, out, err)
        if automation is not None and automation.scheduler is not None:
            printer.waiting = automation.scheduler.waiting_text
        engine.add_listener(printer.on_event)
        interrupted = await _watch(engine, ids, printer)
    finally:
        if automation is not None:
            automation.detach()
        await engine.shutdown()
        if printer is not None:
            printer.finish()
    if interrupted:
        err.write(
            "tether: " + translate("interrupted; run the same command again to resume") + "\n"
        )
        return EXIT_INTERRUPTED
    failed = [engine.job(j) for j in ids if engine.job(j).state != JobState.COMPLETED]
    for job in failed:
        if job.state != JobState.FAILED:  # should not happen: say something rather than nothing
            err.write(
                f"tether: {redact(job.url)}: {translate(f'not finished ({job.state.value})')}\n"
            )
    return EXIT_FAILED if failed else EXIT_OK


def _start(
    engine: Engine,
    targets: Sequence[Entry | int],
    args: argparse.Namespace,
    dest_dir: str | None,
    out: TextIO,
) -> set[int]:
    """The jobs this run waits for: resumed by id, or by URL (the same unfinished job), or
    added; a file already downloaded into its folder is skipped unless --again."""
    ids: set[int] = set()
    for target in targets:
        if isinstance(target, int):
            ids.add(target)
            engine.resume(target)
            continue
        assert dest_dir is not None
        url, folder = target.url, entry_dir(target, dest_dir)
        if not getattr(args, "again", False):
            finished = engine.find_completed(url, folder)
            if finished is not None:
                # Idempotent for scripts: the file is there already; --again fetches a new copy.
                if out.isatty():
                    out.write(translate(f"already downloaded: {finished.path}") + "\n")
                continue
        existing = engine.find_unfinished(url, folder)
        if existing is not None and target.checksum and existing.checksum != target.checksum:
            existing = None  # another expected file: not the same job
        if existing is not None:
            ids.add(existing.id)
            engine.refresh_credentials(existing.id, url)
            fresh = context_for(args, url)
            if fresh:
                engine.set_context(existing.id, fresh)
            if getattr(args, "connections", None):
                engine.configure(existing.id, connections=args.connections)
            engine.resume(existing.id)
        else:
            try:
                job = engine.add(
                    url,
                    folder,
                    connections=getattr(args, "connections", None),
                    checksum=target.checksum,
                    file_name=target.out,
                    context=context_for(args, url),
                )
            except BadInput as exc:
                raise CliError(str(exc)) from exc
            ids.add(job.id)
    return ids


async def _watch(engine: Engine, ids: set[int], printer: ProgressPrinter) -> bool:
    """Refresh the progress lines until the jobs end; True if Ctrl+C or SIGTERM came first."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    idle = asyncio.ensure_future(engine.wait_idle(ids))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        while not idle.done():
            await asyncio.wait({idle, stopper}, timeout=0.5, return_when=asyncio.FIRST_COMPLETED)
            if stopper.done():
                break
            printer.refresh()
    finally:
        stopper.cancel()
        idle.cancel()
    return stop.is_set()


def engine_for(store: JobStore, args: argparse.Namespace) -> Engine:
    """An engine with the stored settings and this run's flags on top (not kept)."""
    options = load_options(store)
    settings = options.engine_settings()
    changes: dict[str, object] = {}
    if getattr(args, "limit", None):
        changes["speed_limit"] = args.limit
    if getattr(args, "stall_timeout", None):
        changes["stall_timeout"] = args.stall_timeout
    if getattr(args, "retry_for", None) is not None:
        changes["retry_for"] = args.retry_for
    if getattr(args, "no_auto_checksum", False):
        changes["auto_checksum"] = False
    if getattr(args, "jobs", None):  # in range: the parser checks it (the option table's)
        changes["max_concurrent"] = args.jobs
    ca_file = getattr(args, "ca_certificate", None)  # checked by the command already
    if ca_file:
        changes["verify_tls"] = ca_file  # this run; `tether add --ca-certificate` keeps it
    if getattr(args, "no_netrc", False):
        changes["netrc"] = False
    if changes:
        settings = dataclasses.replace(settings, **changes)  # type: ignore[arg-type]
    settings = network_changes(settings, args)
    from app.engine.engine import Engine  # here: a `get` handed to a service never needs it

    return Engine(store, settings, autostart=False)


def cmd_get(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    entries = entries_of(args)
    request_context(args)
    args.ca_certificate = check_ca_file(args.ca_certificate)
    dest = checked_dir(args.output_dir or os.getcwd())
    client = find_service(data_dir)
    if client is not None:
        from app.service import remote

        with client:
            folders = [entry_dir(e, dest) for e in entries]
            code = remote_call(lambda: remote.get(client, args, entries, folders, out, err))
        if code != EXIT_INTERRUPTED:
            cli_schedule.run_finish(args, out)  # --on-finish: here, not in the owner
        return code
    with owned_store(data_dir) as store:
        engine = engine_for(store, args)
        report_problems(store, err)
        # `get` means now: no queue hours, but keep-awake and the when-done actions
        automation = Automation(engine, store, load_options(store), schedule=False)
        code = asyncio.run(_run_engine(engine, entries, args, dest, out, err, automation))
        if code != EXIT_INTERRUPTED:
            cli_schedule.run_finish(args, out)
        return code


def cmd_resume(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    args.ca_certificate = check_ca_file(args.ca_certificate)
    client = find_service(data_dir)
    if client is not None:
        from app.service import remote

        with client:
            code = remote_call(lambda: remote.resume(client, args, out, err))
        if code != EXIT_INTERRUPTED:
            cli_schedule.run_finish(args, out)
        return code
    with owned_store(data_dir) as store:
        jobs, _problems = store.load_jobs()
        report_problems(store, err)
        by_id = {j.id: j for j in jobs}
        if args.ids:
            for jid in args.ids:
                if jid not in by_id:
                    raise CliError(f"no job with id {jid}")
            targets = [j for j in (by_id[i] for i in args.ids) if j.state != JobState.COMPLETED]
        else:  # every unfinished job; cancelled ones only when named
            targets = [j for j in jobs if j.state in JobState.UNFINISHED - {JobState.CANCELLED}]
        if not targets:
            if out.isatty():
                out.write(translate("nothing to resume") + "\n")
            return EXIT_OK
        engine = engine_for(store, args)
        automation = Automation(engine, store, load_options(store))  # queue hours apply
        ids = [j.id for j in targets]
        code = asyncio.run(_run_engine(engine, ids, args, None, out, err, automation))
        if code != EXIT_INTERRUPTED:
            cli_schedule.run_finish(args, out)
        return code
