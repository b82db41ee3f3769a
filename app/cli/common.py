"""What every command shares: the one-line error and exit codes, the data folder opened for
writing (locked, then the store), the running service, and checked batch input."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from app import batch
from app.clitext import translate
from app.engine.errors import BadInput, PermanentError
from app.engine.inputs import check_dest_dir
from app.engine.urls import redact
from app.errors import CliError as CliError  # one root for every error (app/errors.py)
from app.inputfile import Entry
from app.options import Options
from app.paths import database_path
from app.requestargs import ContextArgs
from app.store.jobstore import JobStore, StoreError
from app.store.lock import DataDirLock
from app.store.models import Job

if TYPE_CHECKING:
    from app.service.client import Client

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def open_store(data_dir: Path) -> JobStore:
    """The store for reading (`list`, `export`): no lock, a service may own it."""
    try:
        return JobStore.open(database_path(data_dir))
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def lock_data_dir(data_dir: Path) -> DataDirLock:
    lock = DataDirLock(data_dir)
    try:
        ok = lock.acquire(wait=DataDirLock.PATIENCE)
    except OSError as exc:
        raise CliError(f"cannot use data directory {data_dir}: {exc.strerror}") from exc
    if not ok:
        raise CliError(
            f"Tether is already running with data directory {data_dir} "
            "(close it, or pass URLs to it with `tether URL`, or use --data-dir)"
        )
    return lock


def nothing_running(data_dir: Path) -> bool:
    """True when no Tether owns the data folder: its lock, taken for a moment, was free."""
    try:
        return DataDirLock.is_free(data_dir)
    except OSError:  # cannot tell (a read-only folder): assume something may be running
        return False


@contextmanager
def owned_store(data_dir: Path) -> Iterator[JobStore]:
    """The data folder locked for this process, and its store open for writing; both let go
    on the way out, whatever happens (one owner per data folder: DESIGN.md)."""
    lock = lock_data_dir(data_dir)
    try:
        store = open_store(data_dir)
        try:
            yield store
        finally:
            store.close()
    finally:
        lock.release()


def find_service(data_dir: Path, *, start: bool = False, wait: float = 5.0) -> Client | None:
    """The service (or window) owning the data folder, if one answers; started if asked."""
    from app.service import ondemand

    if start:
        return ondemand.ensure_service(data_dir)
    return ondemand.wait_for_service(data_dir, wait)


def remote_call(action: Callable[[], T]) -> T:
    """Run a call on the service; its error becomes the CLI's one line and exit code."""
    from app.service.remote import RemoteError

    try:
        return action()
    except RemoteError as exc:
        raise CliError(str(exc), exc.code) from exc


def job_to_dict(
    job: Job, done: int | None = None, verifying: bool = False, interrupted: bool = False
) -> dict[str, object]:
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
        # "downloading" in the store, but nothing runs: it resumes at the next start
        "interrupted": interrupted,
        "added_at": job.added_at,
        "finished_at": job.finished_at,
    }


def entries_of(args: argparse.Namespace, stdin: TextIO | None = None) -> list[Entry]:
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


def request_context(args: argparse.Namespace) -> ContextArgs:
    """--header/--cookie/--load-cookies/--referer/--user-agent, checked (requestargs.py)."""
    try:
        found = ContextArgs(args)
    except BadInput as exc:
        raise CliError(str(exc)) from exc
    args.request_context = found
    return found


def checked_dir(path: str) -> str:
    """A folder to save into, made and checked; CliError (one line) when it can't be used."""
    try:
        return check_dest_dir(path)
    except BadInput as exc:
        raise CliError(str(exc)) from exc


def entry_dir(entry: Entry, default: str) -> str:
    return checked_dir(entry.dir) if entry.dir else default


def queue_dir(args: argparse.Namespace, options: Options) -> str:
    """-o DIR, else the download folder of the settings; one line when it can't be used."""
    return checked_dir(args.output_dir or options.resolved_download_dir())


def check_ca_file(text: str | None) -> str | None:
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
    from app.engine.tls import Trust, build_context  # ssl: only when a file is given

    try:
        build_context(Trust("file", path, "--ca-certificate"))
    except PermanentError as exc:
        raise CliError(exc.reason) from exc
    return path


def report_problems(store: JobStore, err: TextIO) -> None:
    """Rows the store could not read, as warnings (the rest still runs)."""
    try:
        _, problems = store.load_jobs()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for problem in problems:
        err.write("tether: " + translate(f"warning: {problem}") + "\n")
