"""`tether set-url ID URL`: a fresh link for a paused or failed job (an expired one).

The job continues from its partial data only if the new link is the same file: the engine
checks by bytes when it resumes (app/engine/samefile.py); otherwise the job fails with one line
and keeps its data.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from app.clitext import translate
from app.engine.errors import BadInput
from app.engine.urls import may_send_credentials, redact, validate_url
from app.store.models import JobState
from app.store.secrets import split_userinfo


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "set-url",
        help="give a paused or failed job a new link (it continues only if it is the same file)",
    )
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("url", metavar="URL")


def cmd_set_url(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.cli.common import EXIT_OK, CliError, find_service, owned_store
    from app.service import protocol as p

    client = find_service(data_dir)
    if client is not None:
        with client:
            try:
                job = client.call("set_url", id=args.id, url=args.url)["job"]
            except p.RpcError as exc:
                raise CliError(exc.message) from None
        if out.isatty():
            out.write(translate(f"job {job['id']}: new link {job['url']}") + "\n")
        return EXIT_OK
    with owned_store(data_dir) as store:
        jobs, _ = store.load_jobs()
        job = next((j for j in jobs if j.id == args.id), None)
        if job is None:
            raise CliError(f"no job with id {args.id}")
        if job.state == JobState.COMPLETED:
            raise CliError(f"job {args.id} is completed; its URL cannot change")
        try:
            new_url = validate_url(args.url)
        except BadInput as exc:
            raise CliError(str(exc)) from None
        clean, creds = split_userinfo(new_url)
        if creds is None and not may_send_credentials(job.url, clean):
            store.set_credentials(job.id, None)  # never for another host (as the engine does)
        job.url = new_url  # the store splits credentials out into the job's secret
        job.final_url = None  # the next start checks the new link by bytes
        store.update_job(job, ["url", "final_url"])
        store.add_log(job.id, f"URL changed to {redact(job.url)}")
        if out.isatty():
            url = redact(job.url)
            out.write(translate(f"job {job.id}: new link {url}; `tether resume {job.id}`") + "\n")
        return EXIT_OK
