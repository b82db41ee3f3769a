"""Every exception Tether raises on purpose, under one root (httpx's _exceptions.py style).

    TetherError
     ├── BadInput              the user asked for something impossible (bad URL, unwritable dir)
     │    └── PatternError       a bad filter or site-rule pattern (engine/patterns.py)
     ├── DownloadError         a transfer went wrong; `reason` is one human line
     │    ├── TransientError     retry with backoff: timeout, reset, stall, 5xx, 408, 429
     │    ├── RestartNeeded      the partial data is stale (file changed): start again from 0
     │    ├── RangesBroken       the server mangles ranges: one plain stream from 0
     │    └── PermanentError     ask the user: 404/410, 401/403, disk full, permission, TLS
     │         └── RangeNotSatisfiable   a 416 to the probe, with the total it names
     ├── StoreError            the database can't be used; one line saying what and where
     │    └── SchemaTooNew       written by a newer Tether
     └── CliError              one line for stderr, and the exit code (app/cli/)

Lower-level errors (requests, urllib3, OSError) are classified into this tree at one boundary,
app/engine/errors.py, so the rest of the engine only ever sees these types. The classes are
also importable from the modules that raise them (app.engine.errors, app.engine.http,
app.store.jobstore, app.store.schema).
"""

from __future__ import annotations


class TetherError(Exception):
    """Base of everything Tether raises on purpose."""


class BadInput(TetherError):
    """Input that can never work: say so in one line, change nothing."""


class DownloadError(TetherError):
    """A transfer failed; str(err) is a one-line reason fit for a user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientError(DownloadError):
    """Worth retrying. `retry_after` is the server's wish in seconds, if it said one."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class RestartNeeded(DownloadError):
    """The bytes already on disk belong to another version of the file."""


class PermanentError(DownloadError):
    """Retrying will not help; the user has to act (new link, free space, permissions)."""


class RangeNotSatisfiable(PermanentError):
    """A 416 to the probe: `total` is the size the server's `bytes */total` says the file has."""

    def __init__(self, reason: str, total: int) -> None:
        super().__init__(reason)
        self.total = total


class RangesBroken(DownloadError):
    """The server mangles range requests (ignores them, multipart, wrong start, encodings).

    The data on disk may still be good, but the only safe way on is one plain stream from 0.
    `total` is the size a Content-Range claimed, if any: a later plain answer must agree with it.
    """

    def __init__(self, reason: str, total: int | None = None) -> None:
        super().__init__(reason)
        self.total = total


class StoreError(TetherError):
    """The database can't be used; str() is one line telling the user what and where."""


class SchemaTooNew(StoreError):
    """The database was written by a newer Tether."""


class CliError(TetherError):
    """One line for stderr, and the exit code (2: usage, by default)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code
