"""aria2's view of a job (pure): GIDs, status strings, status dicts, option strings.

aria2 clients read every number as a decimal *string* and every flag as "true"/"false"; field
names and status strings are aria2's (doc/manual-src/en/aria2c.rst, "RPC interface").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.engine.context import RequestContext
from app.engine.errors import BadInput
from app.engine.urls import redact
from app.store.models import Job, JobState

JsonObj = dict[str, Any]

PIECE_LENGTH = 1 << 20  # aria2's default --piece-length for HTTP: what its bitfield counts
# A job id is a positive SQLite rowid; its GID is the id as 16 hex digits, so the mapping
# is stable across restarts with no stored column (aria2's own GIDs are random 64-bit).
GID_RE = re.compile(r"^[0-9a-fA-F]{16}$")

STATUS = {
    JobState.QUEUED: "waiting",
    JobState.DOWNLOADING: "active",
    # server or network down: it holds no slot and starts again by itself, as a waiting one
    JobState.RETRYING: "waiting",
    JobState.PAUSED: "paused",
    JobState.COMPLETED: "complete",
    JobState.FAILED: "error",
    JobState.CANCELLED: "removed",
}
STOPPED = frozenset({"complete", "error", "removed"})


class Aria2Error(Exception):
    """An aria2 error reply: aria2 answers almost every failure with code 1 and one line."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------- GIDs
def gid_of(job_id: int) -> str:
    return f"{job_id:016x}"


def job_id_of(gid: object) -> int:
    """The job id a GID names (Aria2Error with aria2's words if it names none)."""
    if not isinstance(gid, str) or not GID_RE.match(gid):
        raise Aria2Error(f"Bad GID {str(gid)[:40]}")
    value = int(gid, 16)
    if value <= 0 or value >= 1 << 63:
        raise Aria2Error(f"GID {gid} is not found")
    return value


# ---------------------------------------------------------------------------- numbers
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([kKmMgG]?)\s*$")


def parse_size(value: object, name: str) -> int:
    """aria2's size strings: "0", "512K", "1M", "2G" (also a plain int)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    m = _SIZE_RE.match(value) if isinstance(value, str) else None
    if m is None:
        raise Aria2Error(f"We encountered a problem while processing the option '--{name}'.")
    unit = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()]
    return int(m.group(1)) * unit


def parse_count(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        number = -1
    if not low <= number <= high:
        raise Aria2Error(f"We encountered a problem while processing the option '--{name}'.")
    return number


def parse_bool(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise Aria2Error(f"We encountered a problem while processing the option '--{name}'.")


# ---------------------------------------------------------------------------- addUri options
@dataclass(frozen=True, slots=True)
class AddSpec:
    """What an addUri's options ask of engine.add (None: the default)."""

    dir: str | None = None
    out: str | None = None
    connections: int | None = None
    speed_limit: int | None = None
    checksum: str | None = None
    paused: bool = False
    context: RequestContext | None = None  # header / referer / user-agent: the job's own


# Accepted and ignored (docs/PROTOCOL.md).
IGNORED_OPTIONS = frozenset({"continue", "allow-overwrite"})


def parse_request_context(options: Mapping[str, Any]) -> RequestContext | None:
    """aria2's `header` (a string or a list of "Name: value"), `referer` and `user-agent`
    as the job's request context (a secret of the job, as the browser's cookies are)."""
    raw = options.get("header")
    lines = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    if raw is not None and not all(isinstance(x, str) for x in lines):
        raise Aria2Error("We encountered a problem while processing the option '--header'.")
    pairs: list[tuple[str, str]] = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise Aria2Error("We encountered a problem while processing the option '--header'.")
        pairs.append((name.strip(), value.strip()))
    referrer, agent = options.get("referer"), options.get("user-agent")
    for name, value in (("referer", referrer), ("user-agent", agent)):
        if value is not None and not isinstance(value, str):
            raise Aria2Error(f"We encountered a problem while processing the option '--{name}'.")
    try:
        context = RequestContext.build(
            referrer=referrer or None, user_agent=agent or None, headers=pairs
        )
    except BadInput:  # its line never quotes a value: nor does ours
        raise Aria2Error(
            "We encountered a problem while processing the option '--header'."
        ) from None
    return context or None


def parse_add_options(options: object, max_connections: int) -> AddSpec:
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise Aria2Error("options must be a struct")
    split = options.get("split")
    per_server = options.get("max-connection-per-server")
    counts = [
        parse_count(v, k, 1, 1 << 16)
        for k, v in (("split", split), ("max-connection-per-server", per_server))
        if v is not None
    ]
    connections = min(min(counts), max_connections) if counts else None
    limit = options.get("max-download-limit")
    speed = parse_size(limit, "max-download-limit") if limit is not None else None
    directory = options.get("dir")
    out = options.get("out")
    checksum = options.get("checksum")
    for name, value in (("dir", directory), ("out", out), ("checksum", checksum)):
        if value is not None and not isinstance(value, str):
            raise Aria2Error(f"We encountered a problem while processing the option '--{name}'.")
    pause = options.get("pause")
    return AddSpec(
        dir=directory or None,
        out=out or None,
        connections=connections,
        speed_limit=speed or None,
        checksum=checksum or None,
        paused=parse_bool(pause, "pause") if pause is not None else False,
        context=parse_request_context(options),
    )


# ---------------------------------------------------------------------------- status
def error_code(message: str | None) -> str:
    """aria2's exit status for a failure, guessed from Tether's one line (1: unknown)."""
    text = (message or "").lower()
    rules = (
        ("checksum", "32"),
        ("404", "3"),
        ("410", "3"),
        ("not found", "3"),
        ("401", "24"),
        ("403", "24"),
        ("no space", "9"),
        ("disk full", "9"),
        ("timed out", "2"),
        ("timeout", "2"),
        ("permission", "16"),
        ("connection", "6"),
        ("network", "6"),
    )
    for needle, code in rules:
        if needle in text:
            return code
    return "1"


def done_ranges(job: Job, segments: Sequence[tuple[int, int, int]] | None) -> list[tuple[int, int]]:
    """[start, end) ranges on disk: live segments when running, else the checkpoint."""
    if job.state == JobState.COMPLETED and job.size is not None:
        return [(0, job.size)]
    triples = segments if segments is not None else [(s.start, s.end, s.done) for s in job.segments]
    return [(start, start + done) for start, _end, done in triples if done > 0]


def bitfield(size: int, ranges: Iterable[tuple[int, int]], piece: int = PIECE_LENGTH) -> str:
    """aria2's bitfield: one bit per piece, the first piece in the high bit, as hex."""
    pieces = math.ceil(size / piece)
    bits = bytearray(math.ceil(pieces / 8))
    covered = sorted(ranges)
    for index in range(pieces):
        lo, hi = index * piece, min(size, (index + 1) * piece)
        if any(start <= lo and hi <= end for start, end in covered):
            bits[index // 8] |= 0x80 >> (index % 8)
    return bits.hex()


def uris(job: Job) -> list[JsonObj]:
    used = job.state in (JobState.DOWNLOADING, JobState.COMPLETED, JobState.FAILED)
    return [{"uri": redact(job.url), "status": "used" if used else "waiting"}]


def files(job: Job, completed: int) -> list[JsonObj]:
    return [
        {
            "index": "1",
            "path": job.path or "",
            "length": str(job.size or 0),
            "completedLength": str(completed),
            "selected": "true",
            "uris": uris(job),
        }
    ]


def status_dict(
    job: Job,
    *,
    done: int | None = None,
    speed: float = 0.0,
    connections: int = 0,
    segments: Sequence[tuple[int, int, int]] | None = None,
    keys: Iterable[str] | None = None,
) -> JsonObj:
    """aria2.tellStatus for one job; `done`/`speed`/`segments` live when it runs."""
    completed = job.done if done is None else done
    if job.state == JobState.COMPLETED and job.size is not None:
        completed = job.size
    size = job.size or 0
    status = STATUS.get(job.state, "waiting")
    out: JsonObj = {
        "gid": gid_of(job.id),
        "status": status,
        "totalLength": str(size),
        "completedLength": str(completed),
        "uploadLength": "0",
        "downloadSpeed": str(int(speed)) if status == "active" else "0",
        "uploadSpeed": "0",
        "connections": str(connections) if status == "active" else "0",
        "pieceLength": str(PIECE_LENGTH),
        "numPieces": str(math.ceil(size / PIECE_LENGTH)),
        "dir": job.dest_dir,
        "files": files(job, completed),
    }
    if size:
        out["bitfield"] = bitfield(size, done_ranges(job, segments))
    if status in STOPPED:
        if status == "error":
            out["errorCode"] = error_code(job.error)
            out["errorMessage"] = job.error or ""
        elif status == "removed":
            out["errorCode"], out["errorMessage"] = "31", ""  # aria2's error_code::REMOVED
        else:
            out["errorCode"], out["errorMessage"] = "0", ""
    if keys is not None:
        wanted = set(keys)
        out = {k: v for k, v in out.items() if k in wanted}
    return out


def global_stat(statuses: Iterable[str], speed: float) -> JsonObj:
    counts = {"active": 0, "waiting": 0, "stopped": 0}
    for status in statuses:
        if status == "active":
            counts["active"] += 1
        elif status in STOPPED:
            counts["stopped"] += 1
        else:
            counts["waiting"] += 1
    return {
        "downloadSpeed": str(int(speed)),
        "uploadSpeed": "0",
        "numActive": str(counts["active"]),
        "numWaiting": str(counts["waiting"]),
        "numStopped": str(counts["stopped"]),
        "numStoppedTotal": str(counts["stopped"]),
    }


def window(items: Sequence[Any], offset: object, num: object) -> list[Any]:
    """tellWaiting/tellStopped paging: a negative offset counts from the end, backwards."""
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise Aria2Error("offset must be an integer")
    if isinstance(num, bool) or not isinstance(num, int) or num < 0:
        raise Aria2Error("num must be a non-negative integer")
    if offset >= 0:
        return list(items[offset : offset + num])
    start = len(items) + offset  # -1 is the last one, then going backwards
    if start < 0:
        return []
    return [items[i] for i in range(start, max(-1, start - num), -1)]


def new_position(length: int, current: int, pos: object, how: object) -> int:
    """changePosition: where an item at `current` lands (clamped as aria2 does)."""
    if isinstance(pos, bool) or not isinstance(pos, int):
        raise Aria2Error("pos must be an integer")
    if how == "POS_SET":
        target = pos
    elif how == "POS_CUR":
        target = current + pos
    elif how == "POS_END":
        target = length - 1 + pos
    else:
        raise Aria2Error("Illegal argument: how must be POS_SET, POS_CUR or POS_END")
    return max(0, min(length - 1, target))


def option_strings(values: Mapping[str, object]) -> dict[str, str]:
    """Options as aria2 sends them: everything a string."""
    out = {}
    for key, value in values.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif value is not None:
            out[key] = str(value)
    return out
