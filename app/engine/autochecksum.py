"""Finding the checksum a server publishes next to a file, off the download's own threads.

Once the probe has named the file, a `Lookup` thread asks (small GETs, 404 = none):
SHA512SUMS and SHA256SUMS in the same folder (cached per folder URL, so a batch of 500 files
from one release folder fetches each list once), then the sidecars `URL.sha512`, `URL.sha256`,
`URL.sha256sum`, `URL.md5`. The download never waits for it until its finish step; once a
folder's lists are cached, its other files need no thread at all (`known_now`) and know their
checksum before their first byte.
A lookup never fails a download: every error means "nothing found".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

import requests

from app.engine.checksums import Checksum, parse_sidecar, parse_sums
from app.engine.errors import DownloadError
from app.engine.sessions import SessionPool

log = logging.getLogger("tether.engine")

SIDECAR_LIMIT = 64 * 1024  # a sidecar is one line; more is not a sidecar
LIST_LIMIT = 1024 * 1024  # a release folder's SUMS list (Debian's: a few KiB)
CACHE_SECONDS = 600.0  # a batch's lookups share lists fetched in the last ten minutes
# (list name, the algorithm it lists); strongest first: the first list naming the file wins
FOLDER_LISTS = (("SHA512SUMS", "sha512"), ("SHA256SUMS", "sha256"))
SIDECARS = ((".sha512", "sha512"), (".sha256", "sha256"), (".sha256sum", "sha256"), (".md5", "md5"))
# After this many files of one folder had no sidecar (and none had one), its other files don't
# ask: a batch of 500 files from a folder without sidecars would otherwise cost 2,000 404s.
SIDECAR_GIVE_UP = 3


@dataclass(frozen=True, slots=True)
class Found:
    """A published checksum and where it came from (for the job's history)."""

    checksum: Checksum
    source: str


def names_for(url: str, original_url: str, file_name: str | None) -> list[str]:
    """The names a list may use for the file: the URLs' last segments, then our file name."""
    out: list[str] = []
    bases = [unquote(urlsplit(u).path.rsplit("/", 1)[-1]) for u in (url, original_url)]
    for name in (*bases, file_name):
        if name and name not in out:
            out.append(name)
    return out


def folder_of(url: str) -> str:
    """`https://h/a/b/f.iso?x#y` → `https://h/a/b/` (query and fragment dropped)."""
    parts = urlsplit(url)
    path = parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def sidecar_url(url: str, suffix: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path + suffix, "", ""))


class ChecksumFinder:
    """Fetches small published files; one per engine, shared by its downloads (thread-safe)."""

    def __init__(self, sessions: SessionPool, timeout: tuple[float, float] = (5.0, 10.0)) -> None:
        self._sessions = sessions
        self._timeout = timeout
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._fetching: dict[str, threading.Lock] = {}
        self._misses: dict[str, tuple[float, int]] = {}  # folder -> (since, files without)

    def get_text(self, url: str, limit: int) -> str | None:
        """The body of a 200 answer of at most `limit` bytes, else None (404, errors, too big)."""
        try:
            session = self._sessions.acquire(url)
        except DownloadError:  # e.g. an unusable CA file: the download itself says so
            return None
        try:
            resp = session.get(url, stream=True, timeout=self._timeout, allow_redirects=True)
        except (requests.RequestException, ValueError):
            session.close()
            return None
        try:
            if resp.status_code != 200:
                # read a short error page to its end: the connection then serves the next
                # lookup instead of being closed (a batch's 404s would each cost a connect)
                length = resp.headers.get("Content-Length", "")
                if length.isdigit() and int(length) <= SIDECAR_LIMIT:
                    resp.content  # noqa: B018 - drains the body
                return None
            body = bytearray()
            for chunk in resp.iter_content(16 * 1024):
                body += chunk
                if len(body) > limit:
                    return None
            return body.decode("utf-8", errors="replace")
        except requests.RequestException:
            return None
        finally:
            resp.close()
            self._sessions.release(session, url)

    def cached_list(self, url: str) -> str | None:
        """A folder's list, fetched once per CACHE_SECONDS however many downloads ask at once."""
        with self._lock:
            hit = self._cache.get(url)
            if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
                return hit[1]
            gate = self._fetching.setdefault(url, threading.Lock())
        with gate:  # the first asker fetches; the others wait for its answer
            with self._lock:
                hit = self._cache.get(url)
                if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
                    return hit[1]
            text = self.get_text(url, LIST_LIMIT)
            with self._lock:
                self._cache[url] = (time.monotonic(), text)
                self._fetching.pop(url, None)
            return text

    def known_now(self, url: str, names: Sequence[str]) -> tuple[bool, Found | None]:
        """(True, the answer) when the cache alone answers (the folder's lists are fresh and
        its sidecars not worth asking), so a batch's later files need no lookup thread and
        know their checksum before their first byte; (False, None) otherwise."""
        folder = folder_of(url)
        with self._lock:
            now = time.monotonic()
            texts = []
            for list_name, _ in FOLDER_LISTS:
                hit = self._cache.get(folder + list_name)
                if hit is None or now - hit[0] >= CACHE_SECONDS:
                    return False, None
                texts.append(hit[1])
        for (list_name, algo), text in zip(FOLDER_LISTS, texts, strict=True):
            found = parse_sums(text, names, algo) if text else None
            if found is not None:
                return True, Found(found, folder + list_name)
        if self._sidecars_worth_asking(folder):
            return False, None
        return True, None

    def find(self, url: str, names: Sequence[str], stop: threading.Event) -> Found | None:
        """The folder's lists, then the sidecars; each group asked all at once (a lookup costs
        two round trips, not six: the finish of a small file waits for it)."""
        folder = folder_of(url)
        list_urls = [folder + list_name for list_name, _ in FOLDER_LISTS]
        texts = _all_at_once(self.cached_list, list_urls)
        for (_, algo), list_url, text in zip(FOLDER_LISTS, list_urls, texts, strict=True):
            found = parse_sums(text, names, algo) if text else None
            if found is not None:
                return Found(found, list_url)
        if stop.is_set() or not self._sidecars_worth_asking(folder):
            return None
        sides = [sidecar_url(url, suffix) for suffix, _ in SIDECARS]
        texts = _all_at_once(lambda u: self.get_text(u, SIDECAR_LIMIT), sides)
        for (_, algo), side, text in zip(SIDECARS, sides, texts, strict=True):
            found = parse_sidecar(text, names, algo) if text else None
            if found is not None:
                with self._lock:
                    self._misses[folder] = (time.monotonic(), -1)  # this folder has them
                return Found(found, side)
        with self._lock:
            since, misses = self._misses.get(folder, (time.monotonic(), 0))
            if misses >= 0:
                self._misses[folder] = (since, misses + 1)
        return None

    def _sidecars_worth_asking(self, folder: str) -> bool:
        with self._lock:
            since, misses = self._misses.get(folder, (0.0, 0))
            if time.monotonic() - since > CACHE_SECONDS:
                self._misses.pop(folder, None)
                return True
            return misses < SIDECAR_GIVE_UP


# A lookup waits (at most this long) until the transfer's connections are open: its small
# requests must not take a connection slot, or a server's per-connection luck, from them.
START_WAIT = 2.0


def _all_at_once(fetch: Callable[[str], str | None], urls: Sequence[str]) -> list[str | None]:
    """fetch(url) for every url, on parallel threads (this one takes the first)."""
    out: list[str | None] = [None] * len(urls)

    def one(i: int) -> None:
        try:
            out[i] = fetch(urls[i])
        except Exception:  # a lookup never fails a download
            log.exception("checksum lookup failed")

    helpers = [
        threading.Thread(target=one, args=(i,), name="tether-checksum", daemon=True)
        for i in range(1, len(urls))
    ]
    for t in helpers:
        t.start()
    if urls:
        one(0)
    for t in helpers:
        t.join()
    return out


class Lookup:
    """One download's lookup, on its own daemon thread; `result()` waits for it (bounded).
    It starts asking once `go` is set (the transfer's connections are open) or START_WAIT."""

    def __init__(
        self,
        finder: ChecksumFinder,
        url: str,
        names: Sequence[str],
        go: threading.Event | None = None,
    ) -> None:
        self._go = go
        self._stop = threading.Event()
        self._done = threading.Event()
        self._found: Found | None = None
        self._thread = threading.Thread(
            target=self._main, args=(finder, url, list(names)), name="tether-checksum", daemon=True
        )
        self._thread.start()

    def _main(self, finder: ChecksumFinder, url: str, names: list[str]) -> None:
        try:
            if self._go is not None:
                self._go.wait(START_WAIT)
            if self._stop.is_set():
                return
            self._found = finder.find(url, names, self._stop)
        except Exception:  # a bug here must not touch the download
            log.exception("checksum lookup failed")
        finally:
            self._done.set()

    def result(self, timeout: float, stop: threading.Event | None = None) -> Found | None:
        """What was found, waiting at most `timeout` s; a set `stop` ends the wait early."""
        deadline = time.monotonic() + timeout
        while not self._done.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or (stop is not None and stop.is_set()):
                break
            self._done.wait(min(left, 0.1))  # short slices: `stop` has no waiter of its own
        return self._found

    def cancel(self) -> None:
        self._stop.set()
