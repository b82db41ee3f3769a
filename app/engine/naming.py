"""Choosing a safe, unique file name: nothing is ever created outside the chosen directory."""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable, Collection
from urllib.parse import unquote, urlsplit

from app.engine.headers import filename_from_content_disposition

FALLBACK_NAME = "download"
MAX_NAME_BYTES = 200  # leaves room for " (123)" and ".part" under the common 255-byte limit
# Windows ignores spaces after a device name: "nul .txt" is NUL too.
_WINDOWS_RESERVED = re.compile(
    r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])[ ]*(\..*)?$", re.IGNORECASE
)
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Characters that render as nothing or reverse text direction: a name must look like what it is.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def name_from_url(url: str) -> str | None:
    """The last path segment, percent-decoded; None if the path ends in '/' or is empty."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    segment = path.rsplit("/", 1)[-1]
    if not segment:
        return None
    return unquote(segment, errors="replace")


def _truncate_utf8(name: str, limit: int) -> str:
    """Cut to `limit` UTF-8 bytes, keeping the extension when it is short."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, ext = os.path.splitext(name)
    if len(ext.encode("utf-8")) > 16:
        stem, ext = name, ""
    budget = limit - len(ext.encode("utf-8"))
    stem = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(" .")
    return (stem or FALLBACK_NAME) + ext


def sanitize(name: str | None) -> str:
    """Make a single safe path component out of anything a server or URL gave us (pure).

    No separators, no '..', no control or invisible characters, no leading dot (hidden files),
    no trailing dot/space (Windows), Windows-reserved device names prefixed, length capped.
    """
    if not name:
        return FALLBACK_NAME
    text = unicodedata.normalize("NFC", name)
    # Keep only the last component of anything path-like, whichever separator it uses.
    text = re.split(r"[/\\]", text)[-1]
    text = _INVISIBLE.sub("", text)
    text = _FORBIDDEN.sub("_", text)
    text = text.strip().lstrip(".").rstrip(". ")
    text = text.strip()
    if not text or set(text) <= {".", "_", " "}:
        return FALLBACK_NAME
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    text = _truncate_utf8(text, MAX_NAME_BYTES)
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    return text


def choose_name(content_disposition: str | None, final_url: str, original_url: str) -> str:
    """The sanitised name for a download: header first, then the final URL, then the original."""
    for candidate in (
        filename_from_content_disposition(content_disposition),
        name_from_url(final_url),
        name_from_url(original_url),
    ):
        if candidate and sanitize(candidate) != FALLBACK_NAME:
            return sanitize(candidate)
    return FALLBACK_NAME


def numbered(name: str, n: int) -> str:
    """`file (n).ext` — the number goes before the extension (`.tar.gz` kept whole)."""
    if n == 0:
        return name
    lower = name.lower()
    for double in (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"):
        if lower.endswith(double) and len(name) > len(double):
            return f"{name[: -len(double)]} ({n}){name[-len(double) :]}"
    stem, ext = os.path.splitext(name)
    return f"{stem} ({n}){ext}"


def unique_name(
    directory: str,
    name: str,
    taken: Collection[str] = (),
    exists: Callable[[str], bool] = os.path.lexists,
    held: Callable[[str], bool] = lambda _name: False,
) -> str:
    """First of name, name (1), name (2)… free on disk (also as .part), not in `taken` and not
    `held` (asked only of the candidates tried: answering may cost a file-system look)."""
    folded = {t.casefold() for t in taken}
    for n in range(0, 10_000):
        candidate = numbered(name, n)
        path = os.path.join(directory, candidate)
        if (
            candidate.casefold() in folded
            or held(candidate)
            or exists(path)
            or exists(path + ".part")
        ):
            continue
        return candidate
    raise RuntimeError("no free file name after 10000 tries")


def is_inside(directory: str, name: str) -> bool:
    """True when directory/name stays inside directory (a last line of defence)."""
    base = os.path.realpath(directory)
    target = os.path.realpath(os.path.join(base, name))
    return os.path.dirname(target) == base


class NameBook:
    """The file names jobs have reserved, by job: two jobs never pick the same path, even before
    either file exists. Thread-safe (download threads reserve names).

    A completed job holds its name only while its file is there: once the user deletes the
    file, downloading the same URL again gets the same name back, not `name (1)`.
    """

    def __init__(
        self,
        is_completed: Callable[[int], bool] = lambda _job_id: False,
        exists: Callable[[str], bool] = os.path.lexists,
    ) -> None:
        self._lock = threading.Lock()
        self._names: dict[int, tuple[str, str]] = {}
        self._is_completed = is_completed
        self._exists = exists

    def record(self, job_id: int, dest_dir: str, name: str) -> None:
        with self._lock:
            self._names[job_id] = (dest_dir, name)

    def forget(self, job_id: int) -> None:
        with self._lock:
            self._names.pop(job_id, None)

    def reserve(self, dest_dir: str, base: str, job_id: int) -> str:
        """A name no other job and no file in dest_dir has (the job's own may be kept)."""
        with self._lock:
            # Every job of the store is loaded, so memory knows every reserved name: no SQL.
            # Only the names actually tried are checked on disk (a completed job holds its name
            # while its file is there): checking every job of the folder made a batch of N
            # files cost N² stats.
            others: dict[str, list[tuple[int, str]]] = {}
            for jid, (d, n) in self._names.items():
                if d == dest_dir and jid != job_id:
                    others.setdefault(n.casefold(), []).append((jid, n))
            own = self._names.get(job_id)
            own_name = own[1] if own is not None else None

            def held(candidate: str) -> bool:
                return any(
                    n != own_name and self._holds(jid, dest_dir, n)
                    for jid, n in others.get(candidate.casefold(), ())
                )

            name = unique_name(dest_dir, base, (), self._exists, held)
            self._names[job_id] = (dest_dir, name)
            return name

    def _holds(self, job_id: int, dest_dir: str, name: str) -> bool:
        # An unfinished job holds its name whatever the disk says (its file may not exist yet);
        # a completed one only while its file exists. The file check alone would let a
        # case-sensitive disk hand out `a.bin` beside a completed `A.bin`: keep it in `taken`.
        return not self._is_completed(job_id) or self._exists(os.path.join(dest_dir, name))
