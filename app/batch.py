"""What a batch of downloads is made of: URLs (patterns expanded), input files, one checksum.

Shared by `tether get/add/import/export` and the window's Add dialog and File menu; Qt-free.
Every problem is a BadInput with one line (the CLI prints it and exits 2).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from app.engine.checksums import check_sha256, parse_checksum
from app.engine.errors import BadInput
from app.engine.patterns import MAX_URLS, expand_all
from app.engine.urls import redact, validate_url
from app.inputfile import Entry, format_input, parse_any, parse_input
from app.store.models import Job


def read_text(path: str, stdin: TextIO | None = None) -> str:
    """A list file's text; `-` is standard input."""
    if path == "-":
        return (stdin or sys.stdin).read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not a text file (UTF-8)") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None


def collect(
    urls: Sequence[str],
    *,
    input_text: str | None = None,
    source: str = "input",
    globoff: bool = False,
    checksum: str | None = None,
    sha256: str | None = None,
) -> list[Entry]:
    """The downloads a command line asks for, validated.

    URL arguments are patterns unless `globoff`; an input file's lines are taken as written
    (aria2 doesn't expand them either). A checksum given on the command line is for one file.
    """
    expanded = list(urls) if globoff else expand_all(list(urls))
    entries = [Entry(u) for u in expanded]
    if input_text is not None:
        entries += parse_input(input_text, source)
    if len(entries) > MAX_URLS:
        raise BadInput(f"{len(entries):,} downloads at once; at most {MAX_URLS:,}")
    entries = [dataclasses.replace(e, url=validate_url(e.url)) for e in entries]
    if checksum and sha256:
        raise BadInput("give --checksum or --sha256, not both")
    wanted = None
    if checksum:
        wanted = str(parse_checksum(checksum))
    elif sha256:
        wanted = f"sha256:{check_sha256(sha256)}"
    if wanted is not None:
        if len(entries) != 1:
            raise BadInput(
                f"a checksum applies to one file, and this is {len(entries)}; "
                "give each its own with an input file's checksum= lines"
            )
        entries = [dataclasses.replace(entries[0], checksum=wanted)]
    return entries


def job_entries(jobs: Iterable[Job]) -> list[Entry]:
    return [Entry(j.url, j.dest_dir, j.file_name, j.checksum) for j in jobs]


def export_text(jobs: Iterable[Job], as_json: bool = False) -> str:
    """The queue as an aria2 input file (default) or JSON; URLs in full (it is the user's own
    list, meant to be imported again), but nothing of a job's secret request context."""
    jobs = list(jobs)
    if not as_json:
        return format_input(job_entries(jobs))
    rows = [
        {
            "url": j.url,
            "dir": j.dest_dir,
            "out": j.file_name,
            "checksum": j.checksum,
            "state": j.state.value,
            "size": j.size,
        }
        for j in jobs
    ]
    return json.dumps(rows, indent=2) + "\n"


def import_entries(text: str, source: str) -> list[Entry]:
    """An exported list (either format) or any URL list, validated."""
    entries = parse_any(text, source)
    if len(entries) > MAX_URLS:
        raise BadInput(f"{source}: {len(entries):,} downloads; at most {MAX_URLS:,} at once")
    out: list[Entry] = []
    for e in entries:
        try:
            out.append(dataclasses.replace(e, url=validate_url(e.url)))
        except BadInput as exc:
            raise BadInput(f"{source}: {redact(e.url)[:100]}: {exc}") from None
    return out
