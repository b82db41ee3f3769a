"""Credentials kept apart from URLs (issue 17): the split, the job_secrets table, the keyring
path, dropping on completion/removal, and moving them out of an older database's rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import keyring
import keyring.backend
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.store import JobState, JobStore
from app.store.schema import MIGRATIONS
from app.store.secrets import USERINFO, Credentials, split_userinfo, usable_keyring

PASSWORD = "pl4nted-Pa55"


# ---------------------------------------------------------------------------- the split (pure)
@pytest.mark.parametrize(
    ("url", "clean", "creds"),
    [
        ("https://alice:pw@host/file", "https://host/file", ("alice", "pw")),
        ("https://alice@host:8443/f?x=1#y", "https://host:8443/f?x=1#y", ("alice", "")),
        ("https://:pw@host/", "https://host/", ("", "pw")),
        ("https://@host/", "https://host/", None),
        ("https://a%40b:p%3Aw%2F@host/f", "https://host/f", ("a@b", "p:w/")),
        ("https://u:p@q@host/f", "https://host/f", ("u", "p@q")),
        ("https://host/@user/file", "https://host/@user/file", None),
        ("https://host/f?next=http://u:p@h/", "https://host/f?next=http://u:p@h/", None),
        ("https://host/f?", "https://host/f?", None),
        ("https://u:p@host", "https://host", ("u", "p")),
        ("https://u:p@host?q", "https://host?q", ("u", "p")),
    ],
)
def test_split_userinfo(url: str, clean: str, creds: tuple[str, str] | None) -> None:
    got_clean, got = split_userinfo(url)
    assert got_clean == clean
    assert (None if got is None else (got.username, got.password)) == creds


@given(
    user=st.text(max_size=20),
    password=st.text(min_size=1, max_size=20),
    host=st.sampled_from(["example.com", "127.0.0.1:8080", "[::1]:81", "xn--bcher-kva.example"]),
    tail=st.sampled_from(["", "/", "/f.bin", "/a/b?c=d&e=@f", "?q=1", "#frag", "/p@x"]),
)
def test_no_split_leaves_the_password_in_the_url(
    user: str, password: str, host: str, tail: str
) -> None:
    url = f"https://{quote(user, safe='')}:{quote(password, safe='')}@{host}{tail}"
    clean, creds = split_userinfo(url)
    assert clean == f"https://{host}{tail}"
    assert creds == Credentials(user, password)
    parts = urlsplit(clean)
    assert parts.password is None and parts.username is None


@given(st.text(max_size=80))
def test_a_split_url_never_has_user_info(text: str) -> None:
    clean, _ = split_userinfo("http://" + text)
    authority = clean[len("http://") :]
    for ch in "/?#":
        authority = authority.split(ch, 1)[0]
    assert "@" not in authority
    assert split_userinfo(clean) == (clean, None)  # idempotent


def test_credentials_repr_hides_the_password() -> None:
    assert PASSWORD not in repr(Credentials("alice", PASSWORD))


# ---------------------------------------------------------------------------- the store
def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TETHER_KEYRING", raising=False)
    assert usable_keyring() is None  # this headless box: keyring's fail backend


def test_add_keeps_credentials_out_of_the_row(tmp_path: Path, no_keyring: None) -> None:
    db = tmp_path / "t.sqlite3"
    store = JobStore.open(db)
    job = store.add_job(f"https://alice:{PASSWORD}@host/f.bin", str(tmp_path))
    assert job.url == "https://host/f.bin"
    assert store.secrets.credentials(job.id) == Credentials("alice", PASSWORD)
    assert store.secrets.backend_name == "store"
    job.final_url = f"https://bob:{PASSWORD}@cdn/f.bin"
    store.update_job(job, ["final_url"])
    assert job.final_url == "https://cdn/f.bin"
    assert store.find_unfinished(f"https://alice:{PASSWORD}@host/f.bin", str(tmp_path)) is not None
    store.close()
    rows = _rows(db, "SELECT url, final_url FROM jobs")
    assert rows == [("https://host/f.bin", "https://cdn/f.bin")]
    assert _rows(db, "SELECT job_id, kind FROM job_secrets") == [(job.id, USERINFO)]


def test_secrets_go_when_the_job_completes_or_is_removed(tmp_path: Path, no_keyring: None) -> None:
    store = JobStore.open(tmp_path / "t.sqlite3")
    done = store.add_job(f"https://a:{PASSWORD}@h/1", str(tmp_path))
    gone = store.add_job(f"https://a:{PASSWORD}@h/2", str(tmp_path))
    kept = store.add_job(f"https://a:{PASSWORD}@h/3", str(tmp_path))
    done.state = JobState.COMPLETED
    store.update_job(done, ["state"])
    store.delete_job(gone.id)
    assert store.secrets.credentials(done.id) is None
    assert store.secrets.credentials(gone.id) is None
    assert store.secrets.credentials(kept.id) is not None
    store.delete_job(kept.id)
    store.close()
    for path in tmp_path.iterdir():
        assert PASSWORD.encode() not in path.read_bytes(), path.name


def test_a_kill_between_completion_and_drop_is_swept_on_open(
    tmp_path: Path, no_keyring: None
) -> None:
    db = tmp_path / "t.sqlite3"
    store = JobStore.open(db)
    job = store.add_job(f"https://a:{PASSWORD}@h/1", str(tmp_path))
    store.close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("UPDATE jobs SET state = 'completed' WHERE id = ?", (job.id,))  # then SIGKILL
    conn.close()
    store = JobStore.open(db)
    assert store.secrets.credentials(job.id) is None
    store.close()
    for path in tmp_path.iterdir():
        assert PASSWORD.encode() not in path.read_bytes(), path.name


def test_an_older_database_has_its_credentials_moved_out_on_open(
    tmp_path: Path, no_keyring: None
) -> None:
    """A database written before job_secrets existed (schema 1), URLs with user:password."""
    db = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    for url, final in [
        (f"https://alice:{PASSWORD}@host/a", f"https://alice:{PASSWORD}@host/a"),
        ("https://host/@me/b", None),
        ("https://host/c", f"https://x:{PASSWORD}@cdn/c"),
    ]:
        conn.execute(
            "INSERT INTO jobs (url, final_url, dest_dir, state, added_at)"
            " VALUES (?, ?, ?, 'paused', 0)",
            (url, final, str(tmp_path)),
        )
    conn.close()
    store = JobStore.open(db)
    jobs, problems = store.load_jobs()
    assert not problems
    assert [(j.url, j.final_url) for j in jobs] == [
        ("https://host/a", "https://host/a"),
        ("https://host/@me/b", None),
        ("https://host/c", "https://cdn/c"),
    ]
    assert store.secrets.credentials(jobs[0].id) == Credentials("alice", PASSWORD)
    assert store.secrets.credentials(jobs[1].id) is None
    for job in jobs:
        store.delete_job(job.id)
    store.close()
    for path in tmp_path.iterdir():
        assert PASSWORD.encode() not in path.read_bytes(), path.name


# ---------------------------------------------------------------------------- the keyring
class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real (if forgetful) keyring backend, as a desktop's Secret Service would be."""

    # below keyring's fail backend: used only where a test sets it, never picked on its own
    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.items[(service, username)]


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv("TETHER_KEYRING", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_secrets_live_in_the_keyring_when_there_is_one(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    db = tmp_path / "t.sqlite3"
    store = JobStore.open(db)
    assert store.secrets.backend_name.startswith("keyring")
    job = store.add_job(f"https://alice:{PASSWORD}@host/f", str(tmp_path))
    assert store.secrets.credentials(job.id) == Credentials("alice", PASSWORD)
    assert [v for v in memory_keyring.items.values() if PASSWORD in v]
    store.close()
    # the database knows there is a secret, not what it is
    assert _rows(db, "SELECT kind, value FROM job_secrets") == [(USERINFO, None)]
    for path in tmp_path.iterdir():
        assert PASSWORD.encode() not in path.read_bytes(), path.name
    store = JobStore.open(db)  # a later run finds it again
    assert store.secrets.credentials(job.id) == Credentials("alice", PASSWORD)
    job.state = JobState.COMPLETED
    store.update_job(job, ["state"])
    assert memory_keyring.items == {}
    store.close()


def test_tether_keyring_0_keeps_secrets_in_the_store(
    tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TETHER_KEYRING", "0")
    store = JobStore.open(tmp_path / "t.sqlite3")
    job = store.add_job(f"https://alice:{PASSWORD}@host/f", str(tmp_path))
    assert store.secrets.backend_name == "store"
    assert memory_keyring.items == {}
    assert store.secrets.credentials(job.id) == Credentials("alice", PASSWORD)
    store.close()


def test_a_broken_keyring_falls_back_to_the_store(
    tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_: object) -> None:
        raise keyring.errors.KeyringLocked("locked")

    monkeypatch.setattr(memory_keyring, "set_password", locked)
    store = JobStore.open(tmp_path / "t.sqlite3")
    job = store.add_job(f"https://alice:{PASSWORD}@host/f", str(tmp_path))
    assert store.secrets.credentials(job.id) == Credentials("alice", PASSWORD)
    store.close()


def test_a_recreated_database_never_finds_an_old_keyring_entry(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = JobStore.open(tmp_path / "a.sqlite3")
    store.add_job(f"https://alice:{PASSWORD}@host/f", str(tmp_path))
    store.close()
    fresh = JobStore.open(tmp_path / "b.sqlite3")  # same job id 1, another queue
    job = fresh.add_job("https://host/f", str(tmp_path))
    fresh.set_credentials(job.id, None)
    assert fresh.secrets.credentials(job.id) is None
    fresh.close()


# ---------------------------------------------------------------------------- the engine
def test_a_new_url_replaces_or_forgets_the_credentials(tmp_path: Path, no_keyring: None) -> None:
    import asyncio

    from app.engine.engine import Engine

    async def body() -> None:
        store = JobStore.open(tmp_path / "t.sqlite3")
        engine = Engine(store)
        await engine.start()
        job = engine.add(f"https://alice:{PASSWORD}@host/f", str(tmp_path), start=False)
        assert job.url == "https://host/f"
        engine.set_url(job.id, "https://host/g")  # same host, no credentials given: kept
        assert store.secrets.credentials(job.id) == Credentials("alice", PASSWORD)
        engine.set_url(job.id, "https://bob:new@host/g")
        assert engine.job(job.id).url == "https://host/g"
        assert store.secrets.credentials(job.id) == Credentials("bob", "new")
        engine.refresh_credentials(job.id, "https://carol:x@host/g")
        assert store.secrets.credentials(job.id) == Credentials("carol", "x")
        assert engine.find_unfinished("https://carol:x@host/g", str(tmp_path)) is not None
        engine.set_url(job.id, "https://mirror.example/g")  # another host: never sent there
        assert store.secrets.credentials(job.id) is None
        await engine.shutdown()
        store.close()

    asyncio.run(asyncio.wait_for(body(), 30))
