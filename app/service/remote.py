"""The CLI's commands when a service (or the window) owns the data folder: same output, same
exit codes as the local ones in app/cli/, the work done by the service's engine.

`get` and `resume` subscribe before they add or resume, follow their jobs' events until none
is queued or downloading, and draw the progress line from the subscription. Ctrl+C (or
SIGTERM) pauses their jobs, as quitting a local `get` stops them; the same command resumes.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import time
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any, TextIO

from app.cli_schedule import on_complete_plan
from app.clitext import translate
from app.inputfile import Entry
from app.netargs import kept_network_values, run_network_flags
from app.requestargs import context_for, context_json
from app.service import protocol as p
from app.service.client import Client, ServiceGone
from app.service.plans import plan_wire
from app.service.views import job_from_dict
from app.store.models import Job
from app.units import human_duration, human_size

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# "retrying" (waiting out a backoff) is still on its way; any other state is where it stopped
BUSY_STATES = ("queued", "downloading", "retrying")


class RemoteError(Exception):
    """One line for stderr and the exit code (the CLI's CliError, on this side)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _call(client: Client, method: str, **params: Any) -> Any:
    try:
        return client.call(method, **params)
    except p.RpcError as exc:
        raise RemoteError(exc.message, EXIT_USAGE) from None


def check_run_options(client: Client, args: argparse.Namespace) -> None:
    """Options that change how *this process* would run the engine can't change the owner's
    engine for one command: go on only if the owner already runs that way."""
    wanted: list[tuple[str, str, object]] = []
    if getattr(args, "ca_certificate", None):
        wanted.append(("--ca-certificate", "ca_certificate", args.ca_certificate))
    if getattr(args, "no_netrc", False):
        wanted.append(("--no-netrc", "use_netrc", False))
    if getattr(args, "retry_for", None) is not None:
        wanted.append(("--retry-for", "retry_for", args.retry_for))
    if getattr(args, "no_auto_checksum", False):
        wanted.append(("--no-auto-checksum", "auto_checksum", False))
    for flag in run_network_flags(args):
        # a proxy or headers for one run would change every download of the owner
        pid = client.info.get("pid")
        raise RemoteError(
            f"{flag} applies when this command runs the download itself, but the Tether running "
            f"for this data folder (pid {pid}) does: set it there (Settings › Network), or stop it"
        )
    if not wanted:
        return
    values = _call(client, "settings.get")["values"]
    for flag, key, value in wanted:
        if values.get(key) != value:
            pid = client.info.get("pid")
            raise RemoteError(
                f"{flag} applies when this command runs the download itself, but the Tether "
                f"running for this data folder (pid {pid}) does: change it there, or stop it"
            )


def all_jobs(client: Client) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = _call(client, "jobs.list", offset=offset, limit=1000)
        yield from page["jobs"]
        offset += len(page["jobs"])
        if not page["jobs"] or offset >= page["total"]:
            return


# ---------------------------------------------------------------------------- progress
def progress_line(name: str, entry: dict[str, Any], width: int) -> str:
    """The terminal line for one running job (pure), as the local `get` draws it."""
    done, size, speed = entry.get("done", 0), entry.get("size"), entry.get("speed", 0)
    name = name[: max(10, width - 58)]
    if entry.get("verifying"):  # every byte is there; reading the file back for its checksum
        text = f"{name}  {human_size(done)}  verifying checksum…"
    elif size:
        fill = int(20 * done / size)
        bar = "#" * fill + "-" * (20 - fill)
        eta = (size - done) / speed if speed > 0 else None
        text = (
            f"{name}  [{bar}] {100.0 * done / size:5.1f}%  {human_size(done)}/{human_size(size)}"
            f"  {human_size(speed)}/s  eta {human_duration(eta)}  x{entry.get('connections', 0)}"
        )
    else:
        text = f"{name}  {human_size(done)}  {human_size(speed)}/s"
    return text[:width]


class Watch:
    """Follows a set of jobs from the subscription until none is queued or downloading."""

    def __init__(self, client: Client, out: TextIO, err: TextIO) -> None:
        self.client = client
        self.out = out
        self.err = err
        self.tty = out.isatty()
        self.jobs: dict[int, dict[str, Any]] = {}
        self.ids: set[int] = set()
        self.progress: dict[int, dict[str, Any]] = {}
        self._lines = 0
        self._started: dict[int, float] = {}
        self._reported: set[int] = set()

    def track(self, job: dict[str, Any]) -> None:
        """Follow a job from a reply; events that came before the reply are older than it."""
        for message in self.client.take_pending():
            self.on_message(message)
        self.ids.add(job["id"])
        self.jobs[job["id"]] = job
        self._started.setdefault(job["id"], time.monotonic())

    def busy(self) -> bool:
        return any(self.jobs[i]["state"] in BUSY_STATES for i in self.ids)

    def on_message(self, message: dict[str, Any]) -> None:
        params = message.get("params") or {}
        if message.get("method") == "event":
            jid = params.get("id")
            if params.get("kind") in ("added", "changed") and jid in self.ids:
                self.jobs[jid] = params["job"]
                if params["job"]["state"] != "downloading":
                    self.progress.pop(jid, None)
                self._report(params["job"])
                self._draw()
            elif params.get("kind") == "removed" and jid in self.ids:
                self.jobs[jid] = {**self.jobs[jid], "state": "removed", "error": "removed"}
        elif message.get("method") == "progress":
            for entry in params.get("jobs", []):
                jid = entry.get("id")
                if jid in self.ids and self.jobs[jid]["state"] in BUSY_STATES:
                    self.progress[jid] = {**self.progress.get(jid, {}), **entry}
            self._draw()

    def _clear(self) -> None:
        if self._lines:
            self.out.write(f"\x1b[{self._lines}F\x1b[J")
            self._lines = 0

    def _report(self, job: dict[str, Any]) -> None:
        if job["state"] != "completed" or job["id"] in self._reported or not self.tty:
            return
        self._reported.add(job["id"])
        self._clear()
        took = time.monotonic() - self._started.get(job["id"], time.monotonic())
        size = human_size(job.get("size") or 0)
        self.out.write(translate(f"done  {job.get('file_name')}  {size} in {took:.1f} s") + "\n")
        self.out.flush()

    def _draw(self) -> None:
        if not self.tty:
            return
        from app.cli import _terminal_width

        width = max(40, min(120, _terminal_width()))
        lines = [
            progress_line(self.jobs[j].get("file_name") or self.jobs[j]["url"], e, width)
            for j, e in sorted(self.progress.items())
        ]
        from app.cli import retry_text

        now = time.time()
        for jid in sorted(self.ids):
            job = self.jobs[jid]
            if job["state"] == "retrying":
                name = (job.get("file_name") or job["url"])[: max(10, width - 58)]
                lines.append(f"{name}  {retry_text(job_from_dict(job), now)}"[:width])
        self._clear()
        if lines:
            self.out.write("\n".join(lines) + "\n")
            self._lines = len(lines)
        self.out.flush()

    def wait(self) -> int:
        """Until our jobs are idle: 0 all complete, 1 any not, 130 interrupted."""
        try:
            with _sigterm_as_interrupt():
                while self.busy():
                    message = self.client.next_notification(1.0)
                    if message is not None:
                        self.on_message(message)
        except KeyboardInterrupt:
            self._pause_ours()
            self._clear()
            self.err.write(
                "tether: " + translate("interrupted; run the same command again to resume") + "\n"
            )
            return EXIT_INTERRUPTED
        except ServiceGone:
            self._clear()
            self.err.write(
                "tether: "
                + translate("the Tether service stopped; run the same command again")
                + "\n"
            )
            return EXIT_FAILED
        self._clear()
        self.out.flush()
        unfinished = [
            self.jobs[i] for i in sorted(self.ids) if self.jobs[i]["state"] != "completed"
        ]
        for job in unfinished:
            if job["state"] == "failed":
                self.err.write(f"tether: {job['url']}: {translate(job['error'] or '')}\n")
            else:
                reason = translate(f"not finished ({job['state']})")
                self.err.write(f"tether: {job['url']}: {reason}\n")
        return EXIT_FAILED if unfinished else EXIT_OK

    def _pause_ours(self) -> None:
        for jid in sorted(self.ids):
            if self.jobs[jid]["state"] in BUSY_STATES:
                with contextlib.suppress(p.RpcError, ServiceGone, OSError):
                    self.client.call("pause", id=jid, timeout=5)


class _sigterm_as_interrupt:
    """SIGTERM ends a remote `get` like Ctrl+C does (as it does a local one)."""

    def __enter__(self) -> None:
        def handler(_signum: int, _frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        try:
            self._old: Any = signal.signal(signal.SIGTERM, handler)
        except ValueError:  # not the main thread
            self._old = None

    def __exit__(self, *_: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)


def _context(args: argparse.Namespace, url: str) -> dict[str, object] | None:
    """The entry's request context for `add` (--header, --cookie...: requestargs.py)."""
    return context_json(context_for(args, url))


# ---------------------------------------------------------------------------- commands
def get(
    client: Client,
    args: argparse.Namespace,
    entries: Sequence[Entry],
    folders: Sequence[str],
    out: TextIO,
    err: TextIO,
) -> int:
    """`tether get` on the owner's queue; `folders[i]` is entry i's absolute folder."""
    check_run_options(client, args)
    watch = Watch(client, out, err)
    _call(client, "subscribe", progress=out.isatty())
    for entry, folder in zip(entries, folders, strict=True):
        result = _call(
            client,
            "add",
            url=entry.url,
            dir=folder,
            connections=getattr(args, "connections", None),
            checksum=entry.checksum,
            file_name=entry.out,
            speed_limit=getattr(args, "limit", None),
            context=_context(args, entry.url),
            start=True,
            reuse=not getattr(args, "again", False),
            **plan_wire(None, on_complete_plan(args)),
        )
        job = result["job"]
        if result.get("reused") == "completed":
            if out.isatty():
                out.write(translate(f"already downloaded: {job['path']}") + "\n")
            continue
        watch.track(job)
    return watch.wait()


def add(
    client: Client,
    args: argparse.Namespace,
    entries: Sequence[Entry],
    folders: Sequence[str | None],
    default_dir: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """`tether add`: queue on the owner (its download folder unless -o or an entry's dir=)."""
    if getattr(args, "ca_certificate", None):  # kept for the data folder, as without a service
        _call(client, "settings.set", values={"ca_certificate": args.ca_certificate})
    if getattr(args, "all_proxy", None) is not None or getattr(args, "no_proxy", None):
        current = _call(client, "settings.get")["values"]
        network = kept_network_values(
            args, current.get("proxy_host") or "", current.get("proxy_port") or 0
        )
        _call(client, "settings.set", values=network)  # secrets go to the owner's storage
    for entry, folder in zip(entries, folders, strict=True):
        result = _call(
            client,
            "add",
            url=entry.url,
            dir=folder or default_dir,
            connections=getattr(args, "connections", None),
            checksum=entry.checksum,
            file_name=entry.out,
            context=_context(args, entry.url),
            start=True,
            **plan_wire(getattr(args, "start_at", None), on_complete_plan(args)),
        )
        if out.isatty():
            out.write(translate(f"queued {result['job']['id']}: {result['job']['url']}") + "\n")
    return EXIT_OK


def resume(client: Client, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    check_run_options(client, args)
    if args.ids:
        jobs = [_call(client, "jobs.get", id=jid)["job"] for jid in args.ids]
        targets = [j for j in jobs if j["state"] != "completed"]
    else:  # every unfinished job; cancelled ones only when named
        targets = [j for j in all_jobs(client) if j["state"] not in ("completed", "cancelled")]
    if not targets:
        if out.isatty():
            out.write(translate("nothing to resume") + "\n")
        return EXIT_OK
    watch = Watch(client, out, err)
    _call(client, "subscribe", progress=out.isatty())
    for job in targets:
        watch.track(_call(client, "resume", id=job["id"])["job"])
    return watch.wait()


def remove(client: Client, ids: list[int], delete_file: bool) -> int:
    for jid in ids:
        _call(client, "jobs.get", id=jid)  # every id checked before anything is removed
    for jid in ids:
        _call(client, "remove", id=jid, delete_file=delete_file)
    return EXIT_OK


def list_jobs(client: Client) -> tuple[list[Job], set[int]]:
    """The whole queue, page by page, as the CLI prints it, and which jobs are verifying."""
    rows = list(all_jobs(client))
    return [job_from_dict(d) for d in rows], {d["id"] for d in rows if d.get("verifying")}
