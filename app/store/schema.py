"""The database schema and its migrations, numbered by PRAGMA user_version."""

from __future__ import annotations

import sqlite3

from app.errors import SchemaTooNew as SchemaTooNew

# Each entry upgrades from version i to i+1. Never edit a shipped entry: append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE jobs (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        url           TEXT    NOT NULL,
        final_url     TEXT,
        dest_dir      TEXT    NOT NULL,
        file_name     TEXT,
        size          INTEGER,
        done          INTEGER NOT NULL DEFAULT 0,
        state         TEXT    NOT NULL,
        resumable     INTEGER NOT NULL DEFAULT 0,
        etag          TEXT,
        last_modified TEXT,
        error         TEXT,
        connections   INTEGER NOT NULL DEFAULT 8,
        sha256        TEXT,
        speed_limit   INTEGER,
        added_at      REAL    NOT NULL,
        finished_at   REAL
    );
    CREATE INDEX jobs_state ON jobs(state);
    CREATE INDEX jobs_url_dir ON jobs(url, dest_dir);
    CREATE TABLE segments (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        start  INTEGER NOT NULL,
        "end"  INTEGER NOT NULL,
        done   INTEGER NOT NULL,
        PRIMARY KEY (job_id, start)
    ) WITHOUT ROWID;
    CREATE TABLE job_log (
        job_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        at      REAL    NOT NULL,
        message TEXT    NOT NULL
    );
    CREATE INDEX job_log_job ON job_log(job_id);
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # The queue's order (moved by the user; the engine starts queued jobs by it). A table of its
    # own, so the jobs table and its readers stay as they are.
    """
    CREATE TABLE queue_order (
        job_id   INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL
    );
    INSERT INTO queue_order (job_id, position) SELECT id, id FROM jobs;
    """,
    # Credentials split out of URLs (and later cookies/headers); value NULL = in the OS keyring.
    # Rows of older databases whose URLs still carry credentials are moved here on open
    # (JobStore._move_credentials_out: splitting a URL needs Python, not SQL).
    """
    CREATE TABLE job_secrets (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        kind   TEXT    NOT NULL,
        value  TEXT,
        PRIMARY KEY (job_id, kind)
    ) WITHOUT ROWID;
    """,
    # 4: the outage clock of a retrying job (see app/engine/outage.py)
    """
    ALTER TABLE jobs ADD COLUMN retry_at REAL;
    ALTER TABLE jobs ADD COLUMN retry_since REAL;
    ALTER TABLE jobs ADD COLUMN retry_attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN retry_best INTEGER NOT NULL DEFAULT 0
    """,
    # 5: "algo:hex" of any supported algorithm (md5, sha1, sha256, sha512), the user's or one the
    # server published. `sha256` stays, kept in step for sha256, so an older Tether still reads it.
    """
    ALTER TABLE jobs ADD COLUMN checksum TEXT;
    UPDATE jobs SET checksum = 'sha256:' || lower(sha256) WHERE sha256 IS NOT NULL
    """,
    # 6: secrets that belong to no job (the proxy's login, site rules' headers), as job_secrets:
    # value NULL = in the OS keyring (app/store/secrets.py).
    """
    CREATE TABLE app_secrets (
        name  TEXT PRIMARY KEY,
        value TEXT
    ) WITHOUT ROWID
    """,
    # 7: per-job plans (app/store/plans.py): a start time (epoch seconds) and what to do when
    # it completes (JSON: {"action": "open"|"folder"|"run", "argv": [...]}).
    """
    CREATE TABLE job_plans (
        job_id      INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
        start_at    REAL,
        on_complete TEXT
    ) WITHOUT ROWID
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to SCHEMA_VERSION; each step in its own transaction."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"database schema {version} is newer than this Tether ({SCHEMA_VERSION})"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process (a `tether list` next to a first `tether get`) may have taken
            # this step while we waited for the write lock: read the version again under it.
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= target:
                conn.execute("COMMIT")
                continue
            for statement in MIGRATIONS[target - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target:d}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION
