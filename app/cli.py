"""`tether get|add|resume|list|remove`: the engine without Qt, for scripts and terminals."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from app import batch, cli_schedule
from app.automation import Automation
from app.engine import naming
from app.engine.checksums import LABELS
from app.engine.context import save_context
from app.engine.engine import Engine, check_dest_dir
from app.engine.errors import BadInput, PermanentError
from app.engine.events import EngineEvent, EventKind
from app.engine.settings import MAX_CONNECTIONS
from app.engine.tls import Trust, build_context
from app.engine.urls import redact
from app.errors import CliError as CliError  # one root for every error (app/errors.py)
from app.inputfile import Entry
from app.netargs import add_network_args, keep_network, network_changes
from app.options import Options, load_options, save_options
from app.paths import database_path
from app.requestargs import ContextArgs, add_request_args, context_for
from app.store.jobstore import JobStore, StoreError
from app.store.lock import DataDirLock
from app.store.models import Job, JobState
from app.store.plans import JobPlans
from app.units import UNITS_HELP, human_duration, human_size, parse_rate

if TYPE_CHECKING:
    from app.service.client import Client

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def connections_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= n <= MAX_CONNECTIONS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_CONNECTIONS}")
    return n


def stall_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError("must be between 1 and 3600 seconds")
    return value


def retry_for_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError("must be between 0 and 86400 seconds")
    return value


def rate_arg(text: str) -> int:
    try:
        return parse_rate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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


def add_subcommands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    get = sub.add_parser("get", help="download URLs now, in the foreground")
    _batch_args(get)
    get.add_argument("-o", "--output-dir", metavar="DIR", help="folder to save into (default: .)")
    get.add_argument(
        "-c",
        "--connections",
        type=connections_arg,
        metavar="N",
        help="connections per file, 1-32 (default 8)",
    )
    get.add_argument(
        "--no-auto-checksum",
        action="store_true",
        help="don't look for checksums the server publishes (Digest, SHA256SUMS, URL.sha256)",
    )
    get.add_argument(
        "--limit",
        type=rate_arg,
        metavar="RATE",
        help="total speed limit in bytes/s, e.g. 500K or 2M (" + UNITS_HELP + ")",
    )
    get.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="files downloaded at the same time (default 3)"
    )
    get.add_argument(
        "--stall-timeout",
        type=stall_arg,
        metavar="SECONDS",
        help="retry a connection after this long without data (default 30)",
    )
    get.add_argument(
        "--retry-for",
        type=retry_for_arg,
        metavar="SECONDS",
        help="keep retrying a download that gets no further for this long (default 300)",
    )
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
    add.add_argument("-c", "--connections", type=connections_arg, metavar="N")
    _trust_args(add, netrc=False, keep=True)
    add_network_args(add, headers=False)  # kept as settings, as --ca-certificate is
    add_request_args(add)

    resume = sub.add_parser(
        "resume", help="run unfinished jobs (all but cancelled ones, or the given ids) headless"
    )
    resume.add_argument("ids", nargs="*", type=int, metavar="ID")
    resume.add_argument(
        "--limit", type=rate_arg, metavar="RATE", help="total speed limit in bytes/s, as for get"
    )
    resume.add_argument("-j", "--jobs", type=int, metavar="N")
    resume.add_argument("--stall-timeout", type=stall_arg, metavar="SECONDS")
    resume.add_argument("--no-auto-checksum", action="store_true")
    _trust_args(resume)
    resume.add_argument("--retry-for", type=retry_for_arg, metavar="SECONDS")
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

    from app.service.daemon import add_service_parser

    add_service_parser(sub)

    from app.browser.commands import add_parsers

    add_parsers(sub)

    from app.seturl import add_parser as add_set_url

    add_set_url(sub)


# ---------------------------------------------------------------------------- helpers
def _open_store(data_dir: Path) -> JobStore:
    try:
        return JobStore.open(database_path(data_dir))
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def _lock(data_dir: Path) -> DataDirLock:
    lock = DataDirLock(data_dir)
    try:
        ok = lock.acquire()
    except OSError as exc:
        raise CliError(f"cannot use data directory {data_dir}: {exc.strerror}") from exc
    if not ok:
        raise CliError(
            f"Tether is already running with data directory {data_dir} "
            "(close it, or pass URLs to it with `tether URL`, or use --data-dir)"
        )
    return lock


def _service(data_dir: Path, *, start: bool = False, wait: float = 5.0) -> Client | None:
    """The service (or window) owning the data folder, if one answers; started if asked."""
    from app.service import daemon

    if start:
        return daemon.ensure_service(data_dir)
    return daemon.wait_for_service(data_dir, wait)


def _remote(action: Callable[[], T]) -> T:
    from app.service.remote import RemoteError

    try:
        return action()
    except RemoteError as exc:
        raise CliError(str(exc), exc.code) from exc


def job_to_dict(job: Job, done: int | None = None, verifying: bool = False) -> dict[str, object]:
    return {
        "id": job.id,
        "url": redact(job.url),
        "state": job.state.value,
        "path": job.path,
        "size": job.size,
        "done": job.done if done is None else done,
        "error": job.error,
        "retry_at": job.retry_at,
        "retry_attempts": job.retry_attempts,
        "sha256": job.sha256,
        "checksum": job.checksum,  # "algo:hex"
        "verified": job.verified,  # the algorithm the finished file was checked with, or None
        "verifying": verifying,  # running: every byte there, read back for the checksum
        "added_at": job.added_at,
        "finished_at": job.finished_at,
    }


def _entries(args: argparse.Namespace, stdin: TextIO | None = None) -> list[Entry]:
    """The downloads `get`/`add` were given: URLs (patterns expanded), -i FILE, a checksum."""
    try:
        text = batch.read_text(args.input_file, stdin) if args.input_file else None
        entries = batch.collect(
            args.urls,
            input_text=text,
            source="stdin" if args.input_file == "-" else (args.input_file or "input"),
            globoff=args.globoff,
            checksum=args.checksum,
            sha256=args.sha256,
        )
    except BadInput as exc:
        raise CliError(str(exc)) from exc
    if not entries:
        raise CliError("no URLs given (pass URLs, or -i FILE)")
    return entries


def _request_context(args: argparse.Namespace) -> ContextArgs:
    """--header/--cookie/--load-cookies/--referer/--user-agent, checked (requestargs.py)."""
    try:
        found = ContextArgs(args)
    except BadInput as exc:
        raise CliError(str(exc)) from exc
    args.request_context = found
    return found


def _entry_dir(entry: Entry, default: str) -> str:
    try:
        return check_dest_dir(entry.dir) if entry.dir else default
    except BadInput as exc:
        raise CliError(str(exc)) from exc


def _check_ca_file(text: str | None) -> str | None:
    """An absolute path to a readable file of PEM certificates, or CliError (exit 2)."""
    if text is None:
        return None
    path = os.path.abspath(os.path.expanduser(text))
    if not os.path.exists(path):
        raise CliError(f"--ca-certificate: no such file: {path}")
    if not os.path.isfile(path):
        raise CliError(f"--ca-certificate: not a file: {path}")
    if not os.access(path, os.R_OK):
        raise CliError(f"--ca-certificate: cannot read {path}")
    try:
        build_context(Trust("file", path, "--ca-certificate"))
    except PermanentError as exc:
        raise CliError(exc.reason) from exc
    return path


# ---------------------------------------------------------------------------- progress
class ProgressPrinter:
    """Live lines on a terminal (one per running file); silence when output isn't a tty."""

    def __init__(self, engine: Engine, ids: set[int], out: TextIO, err: TextIO) -> None:
        self.engine = engine
        self.ids = ids
        self.out = out
        self.err = err
        self.tty = out.isatty()
        self._lines = 0
        self._started = {jid: time.monotonic() for jid in ids}
        self._reported: dict[int, JobState] = {}
        # "01:00 tomorrow" for a queued job the schedule holds (the scheduler's waiting_text)
        self.waiting: Callable[[Job], str | None] | None = None

    def _clear(self) -> None:
        if self._lines:
            self.out.write(f"\x1b[{self._lines}F\x1b[J")
            self._lines = 0

    def on_event(self, event: EngineEvent) -> None:
        if event.job_id not in self.ids or event.kind != EventKind.CHANGED or event.job is None:
            return
        job = event.job
        if self._reported.get(job.id) == job.state:
            return  # a state is reported once, however many events repeat it
        if job.state in (JobState.COMPLETED, JobState.FAILED):
            self._reported[job.id] = job.state
        if job.state == JobState.COMPLETED and self.tty:
            self._clear()
            took = time.monotonic() - self._started.get(job.id, time.monotonic())
            self.out.write(f"done  {job.file_name}  {human_size(job.size or 0)} in {took:.1f} s\n")
            self.out.flush()
        elif job.state == JobState.FAILED:
            if self.tty:
                self._clear()
                self.out.flush()
            self.err.write(f"tether: {redact(job.url)}: {job.error}\n")
            self.err.flush()

    def refresh(self) -> None:
        if not self.tty:
            return
        width = max(40, min(120, _terminal_width()))
        lines = []
        for jid, p in sorted(self.engine.progress().items()):
            if jid not in self.ids:
                continue
            job = self.engine.job(jid)
            name = (job.file_name or redact(job.url))[: max(10, width - 58)]
            if p.verifying:  # every byte is there; reading the file back for its checksum
                text = f"{name}  {human_size(p.done)}  verifying checksum…"
            elif p.size:
                pct = 100.0 * p.done / p.size
                bar_w = 20
                fill = int(bar_w * p.done / p.size)
                bar = "#" * fill + "-" * (bar_w - fill)
                text = (
                    f"{name}  [{bar}] {pct:5.1f}%  {human_size(p.done)}/{human_size(p.size)}"
                    f"  {human_size(p.speed)}/s  eta {human_duration(p.eta)}  x{p.connections}"
                )
            else:
                text = f"{name}  {human_size(p.done)}  {human_size(p.speed)}/s"
            lines.append(text[:width])
        now = time.time()
        for jid in sorted(self.ids):
            job = self.engine.job(jid)
            if job.state == JobState.RETRYING:
                name = (job.file_name or redact(job.url))[: max(10, width - 58)]
                lines.append(f"{name}  {retry_text(job, now)}"[:width])
            elif job.state == JobState.QUEUED and self.waiting is not None:
                when = self.waiting(job)
                if when:
                    name = (job.file_name or redact(job.url))[: max(10, width - 58)]
                    lines.append(f"{name}  scheduled — starts at {when}"[:width])
        self._clear()
        if lines:
            self.out.write("\n".join(lines) + "\n")
            self._lines = len(lines)
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self._clear()
            self.out.flush()


def retry_text(job: Job, now: float) -> str:
    """'retrying in 17 s — connection refused (attempt 3)' for a retrying job (pure)."""
    left = max(0, round((job.retry_at or now) - now))
    return f"retrying in {left} s — {job.error or 'no progress'} (attempt {job.retry_attempts})"


def _terminal_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 80


# ---------------------------------------------------------------------------- run
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
    ids: set[int] = set()
    for target in targets:
        if isinstance(target, int):
            ids.add(target)
            engine.resume(target)
            continue
        assert dest_dir is not None
        url, folder = target.url, _entry_dir(target, dest_dir)
        if not getattr(args, "again", False):
            finished = engine.find_completed(url, folder)
            if finished is not None:
                # Idempotent for scripts: the file is there already; --again fetches a new copy.
                if out.isatty():
                    out.write(f"already downloaded: {finished.path}\n")
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
    plan = cli_schedule.on_complete_plan(args)
    if automation is not None and plan is not None:
        for job_id in ids:
            automation.completion.set_plan(job_id, plan)
    printer = ProgressPrinter(engine, ids, out, err)
    if automation is not None and automation.scheduler is not None:
        printer.waiting = automation.scheduler.waiting_text
    engine.add_listener(printer.on_event)
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
        if automation is not None:
            automation.detach()
        await engine.shutdown()
        printer.finish()
    if stop.is_set():
        err.write("tether: interrupted; run the same command again to resume\n")
        return EXIT_INTERRUPTED
    failed = [engine.job(j) for j in ids if engine.job(j).state != JobState.COMPLETED]
    for job in failed:
        if job.state != JobState.FAILED:  # should not happen: say something rather than nothing
            err.write(f"tether: {redact(job.url)}: not finished ({job.state.value})\n")
    return EXIT_FAILED if failed else EXIT_OK


def _engine_settings(store: JobStore, args: argparse.Namespace) -> Engine:
    options = load_options(store)
    settings = options.engine_settings()
    import dataclasses

    changes: dict[str, object] = {}
    if getattr(args, "limit", None):
        changes["speed_limit"] = args.limit
    if getattr(args, "stall_timeout", None):
        changes["stall_timeout"] = args.stall_timeout
    if getattr(args, "retry_for", None) is not None:
        changes["retry_for"] = args.retry_for
    if getattr(args, "no_auto_checksum", False):
        changes["auto_checksum"] = False
    if getattr(args, "jobs", None):
        if not 1 <= args.jobs <= 64:
            raise CliError("--jobs must be between 1 and 64")
        changes["max_concurrent"] = args.jobs
    ca_file = getattr(args, "ca_certificate", None)  # checked by the command already
    if ca_file:
        changes["verify_tls"] = ca_file  # this run; `tether add --ca-certificate` keeps it
    if getattr(args, "no_netrc", False):
        changes["netrc"] = False
    if changes:
        settings = dataclasses.replace(settings, **changes)  # type: ignore[arg-type]
    settings = network_changes(settings, args)
    return Engine(store, settings, autostart=False)


def cmd_get(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    entries = _entries(args)
    _request_context(args)
    args.ca_certificate = _check_ca_file(args.ca_certificate)
    try:
        dest = check_dest_dir(args.output_dir or os.getcwd())
    except BadInput as exc:
        raise CliError(str(exc)) from exc
    client = _service(data_dir)
    if client is not None:
        from app.service import remote

        with client:
            folders = [_entry_dir(e, dest) for e in entries]
            code = _remote(lambda: remote.get(client, args, entries, folders, out, err))
        if code != EXIT_INTERRUPTED:
            cli_schedule.run_finish(args, out)  # --on-finish: here, not in the owner
        return code
    lock = _lock(data_dir)
    store = _open_store(data_dir)
    try:
        engine = _engine_settings(store, args)
        _report_problems(store, err)
        # `get` means now: no queue hours, but keep-awake and the when-done actions
        automation = Automation(engine, store, load_options(store), schedule=False)
        code = asyncio.run(_run_engine(engine, entries, args, dest, out, err, automation))
        if code != EXIT_INTERRUPTED:
            cli_schedule.run_finish(args, out)
        return code
    finally:
        store.close()
        lock.release()


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
        folder = _entry_dir(entry, dest)
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
            out.write(f"queued {job.id}: {redact(entry.url)}\n")
    return ids


def cmd_add(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    entries = _entries(args)
    _request_context(args)
    ca_file = _check_ca_file(args.ca_certificate)
    try:
        chosen = check_dest_dir(args.output_dir) if args.output_dir else None
    except BadInput as exc:
        raise CliError(str(exc)) from exc
    client = _service(data_dir, start=True)  # a queued job should download: start one
    if client is not None:
        from app.service import remote

        args.ca_certificate = ca_file  # checked, absolute
        folders = [_entry_dir(e, "") or None for e in entries]  # an input file's dir=
        with client:
            return _remote(lambda: remote.add(client, args, entries, folders, chosen, out, err))
    lock = _lock(data_dir)
    store = _open_store(data_dir)
    try:
        options = load_options(store)
        dest = _queue_dir(args, options)
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
    finally:
        store.close()
        lock.release()


def _queue_dir(args: argparse.Namespace, options: Options) -> str:
    """-o DIR, else the download folder of the settings; one line when it can't be used."""
    try:
        return check_dest_dir(args.output_dir or options.resolved_download_dir())
    except BadInput as exc:
        raise CliError(str(exc)) from exc


def cmd_import(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    try:
        text = batch.read_text(args.file)
        entries = batch.import_entries(text, "stdin" if args.file == "-" else args.file)
        chosen = check_dest_dir(args.output_dir) if args.output_dir else None
    except BadInput as exc:
        raise CliError(str(exc)) from exc
    client = _service(data_dir, start=True)  # like `add`: the owner's queue
    if client is not None:
        from app.service import remote

        folders = [_entry_dir(e, "") or None for e in entries]
        with client:
            return _remote(lambda: remote.add(client, args, entries, folders, chosen, out, err))
    lock = _lock(data_dir)
    store = _open_store(data_dir)
    try:
        options = load_options(store)
        dest = _queue_dir(args, options)
        _queue(store, entries, dest, options.connections, out)
        return EXIT_OK
    finally:
        store.close()
        lock.release()


def cmd_export(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    store = _open_store(data_dir)
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


def cmd_resume(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    args.ca_certificate = _check_ca_file(args.ca_certificate)
    client = _service(data_dir)
    if client is not None:
        from app.service import remote

        with client:
            code = _remote(lambda: remote.resume(client, args, out, err))
        if code != EXIT_INTERRUPTED:
            cli_schedule.run_finish(args, out)
        return code
    lock = _lock(data_dir)
    store = _open_store(data_dir)
    try:
        jobs, _problems = store.load_jobs()
        _report_problems(store, err)
        by_id = {j.id: j for j in jobs}
        if args.ids:
            for jid in args.ids:
                if jid not in by_id:
                    raise CliError(f"no job with id {jid}")
            targets = [j for j in (by_id[i] for i in args.ids) if j.state != JobState.COMPLETED]
        else:  # every unfinished job; cancelled ones only when named
            targets = [j for j in jobs if j.state not in (JobState.COMPLETED, JobState.CANCELLED)]
        if not targets:
            if out.isatty():
                out.write("nothing to resume\n")
            return EXIT_OK
        engine = _engine_settings(store, args)
        automation = Automation(engine, store, load_options(store))  # queue hours apply
        ids = [j.id for j in targets]
        code = asyncio.run(_run_engine(engine, ids, args, None, out, err, automation))
        if code != EXIT_INTERRUPTED:
            cli_schedule.run_finish(args, out)
        return code
    finally:
        store.close()
        lock.release()


def cmd_list(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    client = _service(data_dir, wait=0)
    if client is not None:  # the owner's live view (bytes done of running jobs)
        from app.service import remote

        with client:
            jobs, verifying = _remote(lambda: remote.list_jobs(client))
        problems: list[str] = []
    else:
        verifying = set()  # no service: nothing runs
        store = _open_store(data_dir)
        try:
            jobs, problems = store.load_jobs()
        except StoreError as exc:
            raise CliError(str(exc)) from exc
        finally:
            store.close()
    for problem in problems:
        err.write(f"tether: warning: {problem}\n")
    if args.json:
        json.dump([job_to_dict(j, verifying=j.id in verifying) for j in jobs], out, indent=2)
        out.write("\n")
        return EXIT_OK
    if not jobs:
        out.write("the queue is empty\n")
        return EXIT_OK
    for job in jobs:
        size = human_size(job.size) if job.size is not None else "?"
        pct = f"{100 * job.done / job.size:5.1f}%" if job.size else "     "
        name = job.file_name or redact(job.url)
        state = "verifying" if job.id in verifying else job.state.value
        line = f"{job.id:>5}  {state:<11} {pct}  {size:>10}  {name}"
        if job.state == JobState.RETRYING:
            line += f"  ({retry_text(job, time.time())})"
        elif job.error:
            line += f"  ({job.error})"
        elif job.verified:
            line += f"  (verified {LABELS.get(job.verified, job.verified)})"
        out.write(line + "\n")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    client = _service(data_dir)
    if client is not None:
        from app.service import remote

        with client:
            return _remote(lambda: remote.remove(client, args.ids, args.delete_file))
    lock = _lock(data_dir)
    store = _open_store(data_dir)
    try:
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
    finally:
        store.close()
        lock.release()


def _report_problems(store: JobStore, err: TextIO) -> None:
    try:
        _, problems = store.load_jobs()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for problem in problems:
        err.write(f"tether: warning: {problem}\n")


COMMANDS = {
    "get": cmd_get,
    "add": cmd_add,
    "resume": cmd_resume,
    "list": cmd_list,
    "export": cmd_export,
    "import": cmd_import,
    "remove": cmd_remove,
    "service": lambda *a: _service_command(*a),
    "set-url": lambda *a: _set_url_command(*a),
    "native-host": lambda *a: _browser_command("native-host", *a),
    "browser": lambda *a: _browser_command("browser", *a),
}


def _set_url_command(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.seturl import cmd_set_url

    return cmd_set_url(args, data_dir, out, err)


def _browser_command(
    name: str, args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO
) -> int:
    from app.browser import commands

    if name == "native-host":
        return commands.cmd_native_host(args, data_dir, out, err)
    return commands.cmd_browser(args, data_dir, out, err)


def _service_command(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.service.daemon import cmd_service

    return cmd_service(args, data_dir, out, err)


def run(
    args: argparse.Namespace, data_dir: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    try:
        return COMMANDS[args.command](args, data_dir, out, err)
    except CliError as exc:
        err.write(f"tether: {exc}\n")
        return exc.code
    except KeyboardInterrupt:
        err.write("tether: interrupted\n")
        return EXIT_INTERRUPTED
