"""A job's secrets (the user:password of its URL, its cookies and headers), kept apart from it.

`https://alice:pw@host/f` is stored as `https://host/f` plus a secret: the url/final_url
columns, the history, logs and listings never hold credentials. The secret lives in the OS
keyring when a real one is available (TETHER_KEYRING=0 forces the store), else in the
`job_secrets` table of the private (0600) database. It is dropped, and the database's free
pages and WAL scrubbed, when the job completes or is removed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets as _random
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

log = logging.getLogger("tether.store")

USERINFO = "userinfo"  # kind of the credentials split out of a job's URL
CONTEXT = "context"  # kind of a job's request context (app/engine/context.py): cookies, headers
ENV_KEYRING = "TETHER_KEYRING"
_NAMESPACE_KEY = "secrets_namespace"  # settings key: keyring entries of this database only


@dataclass(frozen=True, slots=True)
class Credentials:
    """A user name and password (percent-decoded). repr() never shows the password."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=***)"

    def dumps(self) -> str:
        return json.dumps([self.username, self.password])

    @staticmethod
    def loads(text: str) -> Credentials | None:
        try:
            user, password = json.loads(text)
        except (TypeError, ValueError):
            return None
        if not isinstance(user, str) or not isinstance(password, str):
            return None
        return Credentials(user, password)


def split_userinfo(url: str) -> tuple[str, Credentials | None]:
    """The URL without `user:password@`, and those credentials if any were given (pure).

    The authority ends at the first '/', '?' or '#', and the user info at its last '@', as
    urllib and urllib3 split it; the rest of the URL is kept byte for byte.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, None
    end = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if i != -1:
            end = min(end, i)
    authority = rest[:end]
    if "@" not in authority:
        return url, None
    userinfo, _, hostport = authority.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = scheme + sep + hostport + rest[end:]
    if not user and not password:
        return clean, None
    return clean, Credentials(unquote(user), unquote(password))


def strip_userinfo(url: str | None) -> str | None:
    return None if url is None else split_userinfo(url)[0]


# ---------------------------------------------------------------------------- keyring
def keyring_wanted(env: dict[str, str] | os._Environ[str] | None = None) -> bool:
    value = (os.environ if env is None else env).get(ENV_KEYRING, "").strip().lower()
    return value not in ("0", "no", "false", "off")


def usable_keyring() -> Any | None:
    """The OS keyring backend if a real one is there (not keyring's fail/null/empty chain)."""
    try:
        import keyring
        import keyring.backends.chainer
        import keyring.backends.fail
        import keyring.backends.null

        backend = keyring.get_keyring()
    except Exception:  # no keyring package, or a backend that breaks on import
        return None
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return None
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return backend if backend.backends else None
    return backend


class SecretStore:
    """Secrets by (job, kind). Shares the JobStore's connection and lock.

    A row's value is NULL when the secret itself is in the keyring: jobs without secrets (most
    of them) never touch the keyring, which may be a D-Bus round trip.
    """

    def __init__(
        self, conn: sqlite3.Connection, lock: threading.RLock, use_keyring: bool | None = None
    ) -> None:
        self._conn = conn
        self._lock = lock
        self.lock = lock
        self._use_keyring = keyring_wanted() if use_keyring is None else use_keyring
        self._backend: Any | None = None
        self._probed = False

    @property
    def backend_name(self) -> str:
        """ "keyring (<backend>)" or "store": which one new secrets go to, for the README's
        promise and for diagnostics."""
        backend = self._keyring()
        return f"keyring ({backend.name})" if backend is not None else "store"

    def _keyring(self) -> Any | None:
        if not self._use_keyring:
            return None
        if not self._probed:
            self._backend = usable_keyring()
            self._probed = True
        return self._backend

    def _service(self) -> str:
        """A random name per database, so a deleted and recreated queue never finds an old
        job's keyring entry under a reused id."""
        row = self._conn.execute(
            "SELECT value FROM settings WHERE key = ?", (_NAMESPACE_KEY,)
        ).fetchone()
        if row is not None:
            with contextlib.suppress(TypeError, ValueError):
                return f"tether/{json.loads(row[0])}"
        token = _random.token_hex(8)
        self._conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            (_NAMESPACE_KEY, json.dumps(token)),
        )
        return f"tether/{token}"

    def put(self, job_id: int, kind: str, value: str) -> None:
        with self._lock:
            backend = self._keyring()
            stored: str | None = value
            if backend is not None:
                try:
                    backend.set_password(self._service(), f"{job_id}:{kind}", value)
                    stored = None
                except Exception as exc:  # a locked or broken keyring: the store still works
                    log.warning("keyring unavailable (%s); keeping the secret in the store", exc)
            self._conn.execute(
                "INSERT OR REPLACE INTO job_secrets (job_id, kind, value) VALUES (?, ?, ?)",
                (job_id, kind, stored),
            )

    def get(self, job_id: int, kind: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM job_secrets WHERE job_id = ? AND kind = ?", (job_id, kind)
            ).fetchone()
            return None if row is None else self._stored(row[0], f"{job_id}:{kind}")

    # ------------------------------------------------------------ secrets of no job
    def put_app(self, name: str, value: str | None) -> None:
        """A setting that is a secret (options.py marks them): keyring or app_secrets; None or
        "" forgets it (and scrubs the files)."""
        with self._lock:
            if not value:
                row = self._conn.execute(
                    "SELECT value FROM app_secrets WHERE name = ?", (name,)
                ).fetchone()
                if row is None:
                    return
                if row[0] is None:
                    backend = self._keyring() or usable_keyring()
                    if backend is not None:
                        with contextlib.suppress(Exception):
                            backend.delete_password(self._service(), f"app:{name}")
                self._conn.execute("DELETE FROM app_secrets WHERE name = ?", (name,))
                self.scrub()
                return
            if self.get_app(name) == value:
                return  # saving unchanged settings must not rewrite the keyring
            backend = self._keyring()
            stored: str | None = value
            if backend is not None:
                try:
                    backend.set_password(self._service(), f"app:{name}", value)
                    stored = None
                except Exception as exc:
                    log.warning("keyring unavailable (%s); keeping the secret in the store", exc)
            self._conn.execute(
                "INSERT OR REPLACE INTO app_secrets (name, value) VALUES (?, ?)", (name, stored)
            )
            self.scrub()  # the old value's pages

    def get_app(self, name: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM app_secrets WHERE name = ?", (name,)
            ).fetchone()
            return None if row is None else self._stored(row[0], f"app:{name}")

    def _stored(self, value: object, key: str) -> str | None:
        """A row's value: the secret itself, or NULL when it lives in the keyring under key."""
        if value is not None:
            return str(value)
        backend = self._keyring() or usable_keyring()
        if backend is None:
            return None
        try:
            found = backend.get_password(self._service(), key)
        except Exception as exc:
            log.warning("keyring unavailable (%s)", exc)
            return None
        return None if found is None else str(found)

    def credentials(self, job_id: int) -> Credentials | None:
        text = self.get(job_id, USERINFO)
        return None if text is None else Credentials.loads(text)

    def drop(self, job_id: int, kind: str | None = None) -> None:
        """Forget the job's secrets (all, or one kind) and scrub them from the files."""
        with self._lock:
            if kind is None:
                rows = self._conn.execute(
                    "SELECT kind, value FROM job_secrets WHERE job_id = ?", (job_id,)
                ).fetchall()
            else:
                rows = self._conn.execute(
                    "SELECT kind, value FROM job_secrets WHERE job_id = ? AND kind = ?",
                    (job_id, kind),
                ).fetchall()
            if not rows:
                return
            for row_kind, value in rows:
                if value is None:
                    self._forget_in_keyring(job_id, str(row_kind))
            if kind is None:
                self._conn.execute("DELETE FROM job_secrets WHERE job_id = ?", (job_id,))
            else:
                self._conn.execute(
                    "DELETE FROM job_secrets WHERE job_id = ? AND kind = ?", (job_id, kind)
                )
            self.scrub()

    def _forget_in_keyring(self, job_id: int, kind: str) -> None:
        backend = self._keyring() or usable_keyring()
        if backend is None:
            return
        with contextlib.suppress(Exception):  # already gone, or the keyring is locked
            backend.delete_password(self._service(), f"{job_id}:{kind}")

    def sweep(self) -> None:
        """Drop what completed jobs still hold: a kill between recording the completion and
        dropping the secret must not keep it forever (run on open)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT job_id FROM job_secrets"
                " WHERE job_id IN (SELECT id FROM jobs WHERE state = 'completed')"
            ).fetchall()
        for (job_id,) in rows:
            self.drop(int(job_id))

    def scrub(self) -> None:
        """Deleted secrets out of the files: secure_delete zeroed the database pages; a
        TRUNCATE checkpoint moves them into the database and empties the WAL, which still held
        the old page images. Best effort: another process reading the database (a `tether
        list`) can keep the WAL from being emptied until the next scrub."""
        with self._lock, contextlib.suppress(sqlite3.DatabaseError):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def move_credentials_out(conn: sqlite3.Connection, secrets: SecretStore) -> None:
    """Older versions kept `user:pass@` inside url/final_url: split them into secrets (on open,
    idempotent; a URL with an '@' elsewhere is left as it is)."""
    with secrets.lock:
        rows = conn.execute(
            "SELECT id, url, final_url FROM jobs"
            " WHERE instr(url, '@') > 0 OR instr(final_url, '@') > 0"
        ).fetchall()
        moved = False
        for jid, url, final_url in rows:
            clean, creds = split_userinfo(str(url))
            clean_final = strip_userinfo(final_url)
            if clean == url and clean_final == final_url:
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                if creds is not None:
                    secrets.put(int(jid), USERINFO, creds.dumps())
                conn.execute(
                    "UPDATE jobs SET url = ?, final_url = ? WHERE id = ?",
                    (clean, clean_final, jid),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            moved = True
        if moved:
            secrets.scrub()
