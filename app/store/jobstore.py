"""JobStore: the one writer of Tether's SQLite database (jobs, segments, log, settings)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from app.errors import StoreError as StoreError  # importable from here too
from app.store import private
from app.store.models import Job, JobState, SegmentRecord
from app.store.rows import JOB_COLUMNS, UPDATABLE, CorruptRow, row_to_job
from app.store.schema import SchemaTooNew, migrate
from app.store.secrets import (
    USERINFO,
    Credentials,
    SecretStore,
    move_credentials_out,
    split_userinfo,
    strip_userinfo,
)

_MAX_LOG_PER_JOB = 200


# Several processes opening a new database at once (a window, a `tether list`, a browser's
# host): switching it to WAL can answer "database is locked" at once, without waiting for the
# busy timeout. That is not damage: the set-up (idempotent) is tried again for a while.
SETUP_LOCKED_WAIT_S = 10.0


def _set_up(conn: sqlite3.Connection) -> None:
    deadline = time.monotonic() + SETUP_LOCKED_WAIT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # deleted rows (a job's credentials) are overwritten, not left in free pages
            conn.execute("PRAGMA secure_delete=ON")
            # NORMAL in WAL mode: a commit survives an app crash; fsync at checkpoints. The data
            # file is fsynced before offsets are written, which is what the invariant needs.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn)
            return
        except sqlite3.OperationalError as exc:
            locked = "locked" in str(exc) or "busy" in str(exc)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class JobStore:
    """Thread-safe access to the database through one connection and one lock.

    Engine threads checkpoint through here; the lock makes this process the single writer,
    and the data-dir lock (store.lock) makes it the single process.
    """

    def __init__(
        self, conn: sqlite3.Connection, path: Path, *, use_keyring: bool | None = None
    ) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path
        self._closed = False
        self.secrets = SecretStore(conn, self._lock, use_keyring)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: Path | str, *, use_keyring: bool | None = None) -> JobStore:
        """Open (creating and migrating) the database file; StoreError with one line if we can't.

        `use_keyring` None: the OS keyring for secrets unless TETHER_KEYRING=0 (secrets.py).
        """
        db = Path(path)
        try:
            private.private_dir(db.parent)
        except OSError as exc:
            raise StoreError(f"cannot create data directory {db.parent}: {exc.strerror}") from exc
        try:
            # SQLite creates files 0644 & ~umask, and gives -wal/-shm the database's mode:
            # creating the database 0600 first makes all three private from the first byte.
            private.private_file(db)
            for suffix in ("-wal", "-shm", "-journal"):
                private.tighten(db.with_name(db.name + suffix))
        except OSError as exc:
            raise StoreError(f"cannot open database {db}: {exc.strerror}") from exc
        try:
            conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False, timeout=10.0)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {db}: {exc}") from exc
        try:
            _set_up(conn)
        except SchemaTooNew as exc:
            conn.close()
            raise StoreError(f"{db}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"the database {db} is damaged ({exc}); move it aside to start with an empty queue"
            ) from exc
        store = cls(conn, db, use_keyring=use_keyring)
        try:
            move_credentials_out(conn, store.secrets)
            store.secrets.sweep()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"the database {db} is damaged ({exc})") from exc
        return store

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._conn.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def integrity_check(self) -> str:
        with self._lock:
            return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    # ------------------------------------------------------------------ jobs
    def add_job(
        self,
        url: str,
        dest_dir: str,
        *,
        state: JobState = JobState.QUEUED,
        connections: int = 8,
        sha256: str | None = None,
        speed_limit: int | None = None,
        checksum: str | None = None,
    ) -> Job:
        """A new row; `user:password@` in the URL goes to the job's secrets, never the row.

        `checksum` is "algo:hex"; a bare `sha256` (the older spelling) becomes one.
        """
        now = time.time()
        url, creds = split_userinfo(url)
        if checksum is None and sha256:
            checksum = f"sha256:{sha256.lower()}"
        if checksum and checksum.startswith("sha256:"):
            sha256 = checksum.partition(":")[2]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                cur = self._conn.execute(
                    "INSERT INTO jobs (url, dest_dir, state, connections, sha256, speed_limit,"
                    " added_at, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (url, dest_dir, state.value, connections, sha256, speed_limit, now, checksum),
                )
                jid = cur.lastrowid
                assert jid is not None
                if creds is not None:
                    self.secrets.put(jid, USERINFO, creds.dumps())
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return Job(
            id=jid,
            url=url,
            dest_dir=dest_dir,
            state=state,
            added_at=now,
            connections=connections,
            sha256=sha256,
            speed_limit=speed_limit,
            checksum=checksum,
        )

    def load_jobs(self) -> tuple[list[Job], list[str]]:
        """All jobs with their segments, and a one-line note per row that had to be skipped."""
        problems: list[str] = []
        jobs: list[Job] = []
        with self._lock:
            try:
                rows = self._conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs ORDER BY id").fetchall()
                seg_rows = self._conn.execute(
                    'SELECT job_id, start, "end", done FROM segments ORDER BY job_id, start'
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"the database {self.path} is damaged ({exc})") from exc
        segs: dict[int, list[SegmentRecord]] = {}
        bad_segs: set[int] = set()
        for job_id, start, end, done in seg_rows:
            if not all(isinstance(v, int) for v in (start, end, done)) or not (
                0 <= start <= end and 0 <= done <= end - start
            ):
                bad_segs.add(job_id)
                continue
            segs.setdefault(job_id, []).append(SegmentRecord(start, end, done))
        for row in rows:
            try:
                job = row_to_job(row)
            except (CorruptRow, TypeError, ValueError) as exc:
                problems.append(f"job {row[0]}: corrupt record ({exc}); skipped")
                continue
            if job.id in bad_segs:
                problems.append(f"job {job.id}: corrupt progress record; it will start over")
                job.segments = []
                job.done = 0
            else:
                job.segments = segs.get(job.id, [])
            jobs.append(job)
        return jobs, problems

    def get_job(self, job_id: int) -> Job | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            if row is None:
                return None
            seg_rows = self._conn.execute(
                'SELECT start, "end", done FROM segments WHERE job_id = ? ORDER BY start', (job_id,)
            ).fetchall()
        try:
            job = row_to_job(row)
        except (CorruptRow, TypeError, ValueError) as exc:
            raise StoreError(f"job {job_id}: corrupt record ({exc})") from exc
        job.segments = [SegmentRecord(*r) for r in seg_rows]
        return job

    def find_unfinished(self, url: str, dest_dir: str) -> Job | None:
        """The newest unfinished job for this URL and folder (so `get` resumes, not duplicates)."""
        url = split_userinfo(url)[0]
        states = tuple(s.value for s in JobState.UNFINISHED)
        marks = ",".join("?" * len(states))
        with self._lock:
            row = self._conn.execute(
                f"SELECT id FROM jobs WHERE url = ? AND dest_dir = ? AND state IN ({marks})"
                " ORDER BY id DESC LIMIT 1",
                (url, dest_dir, *states),
            ).fetchone()
        if row is None:
            return None
        try:
            return self.get_job(int(row[0]))
        except StoreError:
            return None

    def update_job(self, job: Job, fields: Iterable[str] | None = None) -> None:
        """Write the given columns (default all) of `job` to its row.

        Credentials in a new URL become the job's secret (both on `job` and in the row); a
        final URL never keeps any. A completed job's secrets are dropped.
        """
        names = tuple(fields) if fields is not None else UPDATABLE
        for name in names:
            if name not in UPDATABLE:
                raise ValueError(f"not an updatable column: {name}")
        creds: Credentials | None = None
        if "url" in names:
            job.url, creds = split_userinfo(job.url)
        if "final_url" in names:
            job.final_url = strip_userinfo(job.final_url)
        values: list[Any] = []
        for name in names:
            value = getattr(job, name)
            if isinstance(value, JobState):
                value = value.value
            elif isinstance(value, bool):
                value = int(value)
            values.append(value)
        assignments = ", ".join(f"{name} = ?" for name in names)
        with self._lock:
            if self._closed:
                return  # a straggling thread after shutdown; see save_progress
            self._conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*values, job.id))
            if creds is not None:
                self.secrets.put(job.id, USERINFO, creds.dumps())
            if "state" in names and job.state == JobState.COMPLETED:
                self.secrets.drop(job.id)

    def set_credentials(self, job_id: int, creds: Credentials | None) -> None:
        """New credentials for the job's URL (None: forget them, e.g. for a URL on another host)."""
        with self._lock:
            if creds is None:
                self.secrets.drop(job_id, USERINFO)
            else:
                self.secrets.put(job_id, USERINFO, creds.dumps())

    def save_progress(self, job_id: int, segments: Sequence[SegmentRecord], done: int) -> None:
        """Replace the job's segments and its byte count in one transaction.

        Callers must have made these bytes durable first (fsync): see DESIGN.md, Checkpoint.
        """
        rows = [(job_id, s.start, s.end, s.done) for s in segments]
        with self._lock:
            if self._closed:
                # A download thread that outlived shutdown: its last durable checkpoint stands
                # (older offsets are always safe), so dropping this one loses nothing.
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM segments WHERE job_id = ?", (job_id,))
                self._conn.executemany(
                    'INSERT INTO segments (job_id, start, "end", done) VALUES (?, ?, ?, ?)', rows
                )
                self._conn.execute("UPDATE jobs SET done = ? WHERE id = ?", (done, job_id))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def delete_job(self, job_id: int) -> None:
        with self._lock:
            self.secrets.drop(job_id)
            self._conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    # ------------------------------------------------------------------ queue order
    def positions(self) -> dict[int, int]:
        """Each job's place in the queue (jobs added by an older Tether may be missing)."""
        with self._lock:
            rows = self._conn.execute("SELECT job_id, position FROM queue_order").fetchall()
        return {int(j): int(p) for j, p in rows if isinstance(p, int)}

    def set_positions(self, items: Iterable[tuple[int, int]]) -> None:
        """Write (job id, position) pairs in one transaction."""
        rows = list(items)
        if not rows:
            return
        with self._lock:
            if self._closed:
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT INTO queue_order (job_id, position) VALUES (?, ?)"
                    " ON CONFLICT(job_id) DO UPDATE SET position = excluded.position",
                    rows,
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    # ------------------------------------------------------------------ history
    def add_log(self, job_id: int, message: str, at: float | None = None) -> None:
        with self._lock:
            if self._closed:
                return
            self._conn.execute(
                "INSERT INTO job_log (job_id, at, message) VALUES (?, ?, ?)",
                (job_id, time.time() if at is None else at, message),
            )
            # keep the history bounded: a flapping link must not grow the database forever
            self._conn.execute(
                "DELETE FROM job_log WHERE job_id = ? AND rowid NOT IN "
                "(SELECT rowid FROM job_log WHERE job_id = ? ORDER BY at DESC LIMIT ?)",
                (job_id, job_id, _MAX_LOG_PER_JOB),
            )

    def job_log(self, job_id: int) -> list[tuple[float, str]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT at, message FROM job_log WHERE job_id = ? ORDER BY at, rowid", (job_id,)
            ).fetchall()
        return [(float(a), str(m)) for a, m in rows]

    # ------------------------------------------------------------------ settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except (TypeError, ValueError):
            return default

    def set_setting(self, key: str, value: Any) -> None:
        text = json.dumps(value)
        with self._lock:
            self._conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, text),
            )

    def all_settings(self) -> dict[str, Any]:
        with self._lock:
            rows = self._conn.execute("SELECT key, value FROM settings").fetchall()
        result: dict[str, Any] = {}
        for key, text in rows:
            try:
                result[str(key)] = json.loads(text)
            except (TypeError, ValueError):
                continue
        return result
