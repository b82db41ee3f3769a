"""Lists of downloads in and out: plain URL lists, aria2's input-file format, and JSON.

aria2's format (its manual, "Input File"): one download per line — a URL, or several
tab-separated mirrors of the same file (Tether takes the first) — followed by indented option
lines such as ` dir=/path`, ` out=name`, ` checksum=sha-256=HEX`; `#` starts a comment. A plain
list of URLs is the same format without options. Options Tether has no use for are skipped, as
aria2 itself skips unknown ones. Parsing and formatting are pure; the CLI and window do the I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from app.engine.checksums import from_stored, parse_checksum
from app.engine.errors import BadInput

# aria2 spells algorithms with a dash; Tether reads both spellings and writes aria2's.
_ARIA2_ALGO = {"md5": "md5", "sha1": "sha-1", "sha256": "sha-256", "sha512": "sha-512"}
MAX_ENTRIES = 100_000


@dataclass(frozen=True, slots=True)
class Entry:
    """One download of a list. `checksum` is the stored "algo:hex" form, already validated."""

    url: str
    dir: str | None = None
    out: str | None = None
    checksum: str | None = None
    mirrors: tuple[str, ...] = ()


def _check_out(value: str, where: str) -> str:
    name = value.strip()
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise BadInput(f"{where}: out= must be a plain file name, not {value[:80]!r}")
    return name


def _checksum(value: str, where: str) -> str:
    try:
        return str(parse_checksum(value))
    except BadInput as exc:
        raise BadInput(f"{where}: {exc}") from None


def parse_input(text: str, source: str = "input") -> list[Entry]:
    """Entries of an aria2 input file or URL list; BadInput names the line that is wrong."""
    entries: list[Entry] = []
    current: dict[str, object] | None = None

    def close() -> None:
        if current is not None:
            entries.append(Entry(**current))  # type: ignore[arg-type]

    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{source}, line {number}"
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[0] in " \t":
            key, sep, value = raw.strip().partition("=")
            if current is None:
                raise BadInput(f"{where}: an option line before any URL")
            if not sep:
                raise BadInput(f"{where}: expected name=value, got {raw.strip()[:80]!r}")
            key = key.strip().lower()
            if key == "dir":
                current["dir"] = value.strip() or None
            elif key == "out":
                current["out"] = _check_out(value, where)
            elif key == "checksum":
                current["checksum"] = _checksum(value, where)
            continue  # split=, header=, … : aria2 options with no meaning here
        close()
        if len(entries) >= MAX_ENTRIES:
            raise BadInput(f"{source}: more than {MAX_ENTRIES:,} downloads")
        urls = [u.strip() for u in raw.split("\t") if u.strip()]
        current = {"url": urls[0], "mirrors": tuple(urls[1:])}
    close()
    return entries


def format_input(entries: Iterable[Entry]) -> str:
    """aria2's input-file format, readable by `aria2c -i` and by `tether get -i`."""
    lines: list[str] = []
    for e in entries:
        lines.append("\t".join((e.url, *e.mirrors)))
        if e.dir:
            lines.append(f"  dir={e.dir}")
        if e.out:
            lines.append(f"  out={e.out}")
        c = from_stored(e.checksum)
        if c is not None:
            lines.append(f"  checksum={_ARIA2_ALGO[c.algo]}={c.hex}")
    return "\n".join(lines) + ("\n" if lines else "")


def parse_json(text: str, source: str = "input") -> list[Entry]:
    """A JSON export (`tether export --json`): a list of objects with at least "url"."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise BadInput(f"{source}: expected a JSON list of downloads")
    entries: list[Entry] = []
    for i, item in enumerate(data, 1):
        where = f"{source}, item {i}"
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise BadInput(f'{where}: expected an object with a "url"')
        folder = item.get("dir", item.get("dest_dir"))
        out = item.get("out", item.get("file_name"))
        checksum = item.get("checksum") or (
            f"sha256={item['sha256']}" if isinstance(item.get("sha256"), str) else None
        )
        entries.append(
            Entry(
                url=item["url"],
                dir=folder if isinstance(folder, str) and folder else None,
                out=_check_out(out, where) if isinstance(out, str) and out else None,
                checksum=_checksum(checksum, where) if isinstance(checksum, str) else None,
            )
        )
    return entries


def parse_any(text: str, source: str = "input") -> list[Entry]:
    """JSON when it looks like JSON, else aria2's format."""
    if text.lstrip().startswith("["):
        return parse_json(text, source)
    return parse_input(text, source)
