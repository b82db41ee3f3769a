"""The queue's commands: `add` and `import` (queued, run by the owner of the data folder),
`list`, `export` and `remove`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from app import batch, cli_schedule
from app.cli.common import (
    EXIT_OK,
    CliError,
    check_ca_file,
    checked_dir,
    entries_of,
    entry_dir,
    find_service,
    job_to_dict,
    nothing_running,
    open_store,
    owned_store,
    queue_dir,
    remote_call,
    request_context,
)
from app.cli.progress import retry_text
from app.clitext import translate
from app.engine import naming
from app.engine.checksums import LABELS
from app.engine.context import save_context
from app.engine.errors import BadInput
from app.engine.urls import redact
from app.inputfile import Entry
from app.netargs import keep_network
from app.options import load_options, save_options
from app.requestargs import context_for
from app.store.jobstore import JobStore, StoreError
from app.store.models import Job, JobState
from app.store.plans import JobPlans
from app.units import human_size


def _queue(
    store: JobStore,
    entries: Sequence[Entry],
    dest: str,
    connections: int,
    out: TextIO,
    args: argparse.Namespace | None = None,
) -> list[int]:
    """Queued rows for `add` and `import` (no engine runs: names fixed by out= are reserved
    here against every other job and file in the folder)."""
    jobs, _ = store.load_jobs()
    taken: dict[str, set[str]] = {}
    for j in jobs:
        if j.file_name:
            taken.setdefault(j.dest_dir, set()).add(j.file_name)
    ids: list[int] = []
    for entry in entries:
        folder = entry_dir(entry, dest)
        job = store.add_job(
            entry.url,
            folder,
            state=JobState.QUEUED,
            connections=connections,
            checksum=entry.checksum,
        )
        if args is not None:
            save_context(store.secrets, job.id, context_for(args, entry.url))
        if entry.out:
            names = taken.setdefault(folder, set())
            job.file_name = naming.unique_name(folder, naming.sanitize(entry.out), names)
            names.add(job.file_name)
            store.update_job(job, ["file_name"])
        store.add_log(job.id, f"added {redact(entry.url)}")
        ids.append(job.id)
        if out.isatty():
            out.write(translate(f"queued {job.id}: {redact(entry.url)}") + "\n")
    return ids


def cmd_add(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    entries = entries_of(args)
    request_context(args)
    ca_file = check_ca_file(args.ca_certificate)
    chosen = checked_dir(args.output_dir) if args.output_dir else None
    client = find_service(data_dir, start=True)  # a queued job should download: start one
    if client is not None:
        from app.service import remote

        args.ca_certificate = ca_file  # checked, absolute
        folders = [entry_dir(e, "") or None for e in entries]  # an input file's dir=
        with client:
            return remote_call(lambda: remote.add(client, args, entries, folders, chosen, out, err))
    with owned_store(data_dir) as store:
        options = load_options(store)
        dest = queue_dir(args, options)
        if ca_file is not None:
            store.set_setting("ca_certificate", ca_file)  # the window runs what `add` queues
        kept = keep_network(options, args)
        if kept != options:
            save_options(store, kept)
        ids = _queue(store, entries, dest, args.connections or options.connections, out, args)
        plans, plan = JobPlans(store), cli_schedule.on_complete_plan(args)
        for job_id in ids:  # the window (or `resume`) runs them by these plans
            if args.start_at is not None:
                plans.set_start_at(job_id, args.start_at.timestamp())
            if plan is not None:
                plans.set_on_complete(job_id, plan)
        return EXIT_OK


def cmd_import(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    try:
        text = batch.read_text(args.file)
        entries = batch.import_entries(text, "stdin" if args.file == "-" else args.file)
    except BadInput as exc:
        raise CliError(str(exc)) from exc
    chosen = checked_dir(args.output_dir) if args.output_dir else None
    client = find_service(data_dir, start=True)  # like `add`: the owner's queue
    if client is not None:
        from app.service import remote

        folders = [entry_dir(e, "") or None for e in entries]
        with client:
            return remote_call(lambda: remote.add(client, args, entries, folders, chosen, out, err))
    with owned_store(data_dir) as store:
        options = load_options(store)
        dest = queue_dir(args, options)
        _queue(store, entries, dest, options.connections, out)
        return EXIT_OK


def cmd_export(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    store = open_store(data_dir)
    try:
        jobs, _problems = store.load_jobs()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()
    text = batch.export_text(jobs, as_json=args.json)
    if args.file == "-":
        out.write(text)
        return EXIT_OK
    try:
        Path(args.file).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from exc
    return EXIT_OK


def interrupted_ids(jobs: list[Job], nothing_running: Callable[[], bool]) -> set[int]:
    """The jobs the store says are downloading while no Tether runs: a run that stopped
    (killed, crashed) left them so, and they resume at the next start. The lock is only
    looked at when some job says downloading (taking it creates the folder's lock file)."""
    downloading = {j.id for j in jobs if j.state == JobState.DOWNLOADING}
    return downloading if downloading and nothing_running() else set()


def cmd_list(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    client = find_service(data_dir, wait=0)
    if client is not None:  # the owner's live view (bytes done of running jobs)
        from app.service import remote

        with client:
            jobs, verifying = remote_call(lambda: remote.list_jobs(client))
        problems: list[str] = []
        interrupted: set[int] = set()
    else:
        verifying = set()  # no service: nothing runs
        store = open_store(data_dir)
        try:
            jobs, problems = store.load_jobs()
        except StoreError as exc:
            raise CliError(str(exc)) from exc
        finally:
            store.close()
        interrupted = interrupted_ids(jobs, lambda: nothing_running(data_dir))
    for problem in problems:
        err.write("tether: " + translate(f"warning: {problem}") + "\n")
    if args.json:
        rows = [
            job_to_dict(j, verifying=j.id in verifying, interrupted=j.id in interrupted)
            for j in jobs
        ]
        json.dump(rows, out, indent=2)
        out.write("\n")
        return EXIT_OK
    if not jobs:
        out.write(translate("the queue is empty") + "\n")
        return EXIT_OK
    for job in jobs:
        size = human_size(job.size) if job.size is not None else "?"
        pct = f"{100 * job.done / job.size:5.1f}%" if job.size else "     "
        name = job.file_name or redact(job.url)
        state = "verifying" if job.id in verifying else job.state.value
        if job.id in interrupted:
            state = "interrupted"
        line = f"{job.id:>5}  {state:<11} {pct}  {size:>10}  {name}"
        if job.state == JobState.RETRYING:
            line += f"  ({translate(retry_text(job, time.time()))})"
        elif job.error:
            line += f"  ({translate(job.error)})"
        elif job.verified:
            line += f"  ({translate(f'verified {LABELS.get(job.verified, job.verified)}')})"
        out.write(line + "\n")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    client = find_service(data_dir)
    if client is not None:
        from app.service import remote

        with client:
            return remote_call(lambda: remote.remove(client, args.ids, args.delete_file))
    with owned_store(data_dir) as store:
        jobs, _ = store.load_jobs()
        by_id = {j.id: j for j in jobs}
        for jid in args.ids:
            if jid not in by_id:
                raise CliError(f"no job with id {jid}")
        for jid in args.ids:
            job = by_id[jid]
            for path, wanted in (
                (job.part_path, True),
                (job.path, args.delete_file and job.state == JobState.COMPLETED),
            ):
                if path and wanted:
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(path)
            store.delete_job(jid)
        return EXIT_OK
