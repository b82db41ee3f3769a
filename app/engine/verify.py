"""Which checksum a finished file is verified against: the job's own, the server's Digest
header, or one published beside the file (looked up while the download runs)."""

from __future__ import annotations

import threading

from app.engine import checksums, http
from app.engine.autochecksum import ChecksumFinder, Found, Lookup, names_for
from app.store.models import Job

# How long the finish step waits for a published checksum still being looked up.
LOOKUP_WAIT = 20.0


def stored_checksum(job: Job) -> checksums.Checksum | None:
    """The checksum the user gave the job, if any (pure)."""
    found = checksums.from_stored(job.checksum)
    if found is None and job.sha256:
        found = checksums.make("sha256", job.sha256)
    return found


class Verifier:
    """Auto-checksum for one job; `finder` None: don't look for published checksums."""

    def __init__(self, finder: ChecksumFinder | None) -> None:
        self._finder = finder
        self._lookup: Lookup | None = None
        self._found: Found | None = None
        self._go = threading.Event()

    def look_for(self, probe: http.ProbeResult, job: Job) -> None:
        """The probe's Digest headers now, published files on a Lookup thread."""
        if self._finder is None or self._lookup or self._found or stored_checksum(job):
            return
        # an encoded answer's digest is of the encoded bytes: not comparable to the file's
        if probe.response is not None and not probe.encoded:
            whole = probe.status == 206 and probe.body_start == 0 and probe.body_end == probe.size
            stated = checksums.from_response_headers(probe.status, probe.response.headers, whole)
            if stated is not None:
                self._found = Found(stated, "the server's Digest header")
                return
        names = names_for(probe.final_url, job.url, job.file_name)
        answered, found = self._finder.known_now(probe.final_url, names)
        if answered:  # a batch's later files: the folder's lists are already here
            self._found = found
            return
        self._lookup = Lookup(self._finder, probe.final_url, names, self._go)

    def transfer_connected(self) -> None:
        """The transfer's connections are open (or it ended): a lookup may now ask."""
        self._go.set()

    def known(self, job: Job) -> checksums.Checksum | None:
        """The checksum known before the first byte (the job's own, or a Digest header):
        the one worth hashing the bytes for as they arrive (inorder.py)."""
        stored = stored_checksum(job)
        if stored is not None:
            return stored
        return self._found.checksum if self._found is not None else None

    def found(self, stop: threading.Event) -> Found | None:
        """A checksum found for the file, waiting up to LOOKUP_WAIT for a lookup under way."""
        self._go.set()
        found = self._found
        if found is None and self._lookup is not None:
            found = self._lookup.result(LOOKUP_WAIT, stop)
        return found

    def cancel(self) -> None:
        if self._lookup is not None:
            self._lookup.cancel()
        self._go.set()  # a lookup still waiting to start ends now
