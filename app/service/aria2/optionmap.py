"""aria2's option names over a job's fields and Tether's settings (getOption, changeOption,
getGlobalOption, changeGlobalOption). Values go out as strings, as aria2 sends them."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.engine.engine import Engine
from app.engine.inputs import KEEP, Keep
from app.engine.settings import MAX_CONNECTIONS
from app.options import OPTION, Options, load_options, save_options
from app.service.aria2 import mapping as m
from app.service.aria2.mapping import Aria2Error
from app.store.models import Job, JobState

_JOBS_RANGE = (OPTION["max_concurrent"].minimum or 1, OPTION["max_concurrent"].maximum or 1)


def job_options(job: Job) -> dict[str, str]:
    values: dict[str, object] = {
        "dir": job.dest_dir,
        "split": job.connections,
        "max-connection-per-server": job.connections,
        "max-download-limit": job.speed_limit or 0,
        "pause": job.state == JobState.PAUSED,
    }
    if job.file_name:
        values["out"] = job.file_name
    if job.checksum:
        algo, _, digest = job.checksum.partition(":")
        values["checksum"] = f"{algo.replace('sha', 'sha-')}={digest}"
    return m.option_strings(values)


def change_job_options(engine: Engine, job: Job, options: object) -> None:
    """The limit applies at once; connections on the job's next start. Others are ignored."""
    if not isinstance(options, dict):
        raise Aria2Error("Invalid params.", -32602)
    limit: int | Keep | None = KEEP
    if "max-download-limit" in options:
        limit = m.parse_size(options["max-download-limit"], "max-download-limit")
    connections = None
    for key in ("split", "max-connection-per-server"):
        if key in options:
            connections = m.parse_count(options[key], key, 1, 1 << 16)
    engine.configure(job.id, connections=connections, speed_limit=limit)


def global_options(engine: Engine) -> dict[str, str]:
    options = load_options(engine.store)
    return m.option_strings(
        {
            "dir": options.resolved_download_dir(),
            "max-concurrent-downloads": options.max_concurrent,
            "max-overall-download-limit": options.speed_limit or 0,
            "max-download-limit": 0,
            "split": options.connections,
            "max-connection-per-server": options.connections,
            "enable-rpc": True,
        }
    )


def change_global_options(engine: Engine, wanted: object) -> Options | None:
    """Save and apply what aria2's names ask; the new options, or None if nothing changed."""
    if not isinstance(wanted, dict):
        raise Aria2Error("Invalid params.", -32602)
    changes: dict[str, Any] = {}
    if "max-overall-download-limit" in wanted:
        limit = m.parse_size(wanted["max-overall-download-limit"], "max-overall-download-limit")
        changes["speed_limit"] = limit or None
    if "max-concurrent-downloads" in wanted:
        value = wanted["max-concurrent-downloads"]
        changes["max_concurrent"] = m.parse_count(value, "max-concurrent-downloads", *_JOBS_RANGE)
    for key in ("split", "max-connection-per-server"):
        if key in wanted:
            count = m.parse_count(wanted[key], key, 1, 1 << 16)
            changes["connections"] = min(count, MAX_CONNECTIONS)
    if isinstance(wanted.get("dir"), str) and wanted["dir"]:
        changes["download_dir"] = wanted["dir"]
    if not changes:
        return None
    options = dataclasses.replace(load_options(engine.store), **changes)
    try:
        save_options(engine.store, options)
    except (ValueError, TypeError) as exc:
        raise Aria2Error(str(exc)) from None
    engine.apply_settings(options.engine_settings(engine.settings))
    return options
