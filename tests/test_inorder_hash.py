"""The checksum is computed while the bytes arrive in order (#14): one connection reads nothing
back at the finish, several connections read back only what came out of order, once, under a
visible "verifying" state; a resumed run (killed, or paused) reads back and is still right."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine import finish, inorder
from app.engine.engine import Engine
from app.engine.inorder import InOrderHash
from app.store import JobState
from tests.engine_helpers import MIB, payload, run_engine, settings, sha, wait_for
from tests.support.faultserver import FaultServer
from tests.trust_helpers import db_path, quick_payload, read_jobs, run_tether


# ---------------------------------------------------------------------------- the hasher alone
def test_in_order_bytes_are_hashed_and_the_rest_read_back_once(tmp_path: Path) -> None:
    data = payload(300_000, seed=5)
    path = tmp_path / "f.part"
    path.write_bytes(data)
    h = InOrderHash("sha256")
    h.feed(0, data[:1000])
    h.feed(5000, data[5000:6000])  # out of order: ignored
    h.feed(1000, memoryview(data)[1000:4000])
    assert h.pos == 4000
    read: list[int] = []
    assert h.hexdigest_of(str(path), len(data), read.append) == sha(data)
    assert read == [len(data) - 4000]
    # everything in order: nothing read (the callback is never told), same digest
    whole = InOrderHash("sha512")
    for at in range(0, len(data), 65536):
        whole.feed(at, data[at : at + 65536])
    told: list[int] = []
    assert whole.hexdigest_of("/nonexistent", len(data), told.append) == (
        hashlib.sha512(data).hexdigest()
    )
    assert told == []
    whole.reset()
    assert whole.pos == 0


# ---------------------------------------------------------------------------- in the engine
@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, int]]]:
    """Every read-back of a .part for its checksum, as (start, end)."""
    seen: list[tuple[int, int]] = []
    original = inorder._hash_range

    def counting(h: Any, path: str, start: int, end: int) -> None:
        seen.append((start, end))
        original(h, path, start, end)

    def whole_file(path: str, algo: str) -> str:
        seen.append((0, Path(path).stat().st_size))
        return hashlib.new(algo, Path(path).read_bytes()).hexdigest()

    monkeypatch.setattr(inorder, "_hash_range", counting)
    monkeypatch.setattr(finish.checksums, "file_digest", whole_file)
    yield seen


def _get(tmp: Path, url: str, connections: int, expected: str) -> tuple[Any, str]:
    async def body(engine: Engine) -> tuple[Any, str]:
        job = engine.add(url, str(tmp / "out"), connections=connections, sha256=expected)
        await engine.wait_idle()
        return engine.job(job.id), " | ".join(m for _, m in engine.job_log(job.id))

    result = run_engine(tmp, body, settings(auto_checksum=False))
    assert isinstance(result, tuple)
    return result


def test_one_connection_hashes_in_order_and_reads_nothing_back(
    server: FaultServer, tmp_path: Path, reads: list[tuple[int, int]]
) -> None:
    for i in range(2):  # twice in one session; the second one is dropped half way
        data = payload(3 * MIB, seed=60 + i)
        spec = server.add_file(f"/one{i}.bin", data)
        if i == 1:
            spec.drop_after, spec.drop_times = MIB + 12345, 1  # resumed in the same run
        job, log = _get(tmp_path / str(i), server.url(f"/one{i}.bin"), 1, sha(data))
        assert job.state == JobState.COMPLETED, job.error
        assert job.verified == "sha256"
        assert Path(job.path).read_bytes() == data
        assert reads == [], "the finish read the file back"
        assert "verifying" not in log


def test_in_order_hash_still_catches_a_wrong_file(
    server: FaultServer, tmp_path: Path, reads: list[tuple[int, int]]
) -> None:
    data = payload(2 * MIB, seed=62)
    server.add_file("/bad.bin", data)
    job, _ = _get(tmp_path, server.url("/bad.bin"), 1, sha(b"another file"))
    assert job.state == JobState.FAILED and "checksum mismatch" in (job.error or "")
    assert reads == []


def test_several_connections_read_back_once_what_came_out_of_order(
    server: FaultServer, tmp_path: Path, reads: list[tuple[int, int]]
) -> None:
    for i in range(2):
        data = payload(4 * MIB, seed=64 + i)
        server.add_file(f"/many{i}.bin", data)
        reads.clear()
        job, log = _get(tmp_path / str(i), server.url(f"/many{i}.bin"), 4, sha(data))
        assert job.state == JobState.COMPLETED and job.verified == "sha256", job.error
        assert len(reads) == 1  # once, and only past the in-order frontier
        start, end = reads[0]
        assert end == len(data) and 0 < start < len(data)
        assert f"verifying: reading back {len(data) - start} bytes" in log


def test_verifying_is_visible_while_the_file_is_read_back(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = payload(4 * MIB, seed=66)
    server.add_file("/v.bin", data)
    seen: list[tuple[bool, bool]] = []
    box: dict[str, Any] = {}
    original = inorder._hash_range

    def watched(h: Any, path: str, start: int, end: int) -> None:
        engine, jid = box["engine"], box["id"]
        seen.append((engine.is_verifying(jid), engine.progress()[jid].verifying))
        original(h, path, start, end)

    monkeypatch.setattr(inorder, "_hash_range", watched)

    async def body(engine: Engine) -> Any:
        box["engine"] = engine
        job = engine.add(
            server.url("/v.bin"), str(tmp_path / "out"), connections=4, sha256=sha(data)
        )
        box["id"] = job.id
        await engine.wait_idle()
        assert not engine.is_verifying(job.id)
        return engine.job(job.id)

    job = run_engine(tmp_path, body, settings(auto_checksum=False))
    assert job.state == JobState.COMPLETED  # type: ignore[attr-defined]
    assert seen == [(True, True)]


def test_paused_and_resumed_falls_back_to_one_read_back(
    server: FaultServer, tmp_path: Path, reads: list[tuple[int, int]]
) -> None:
    data = payload(3 * MIB, seed=67)
    spec = server.add_file("/p.bin", data)
    spec.rate = 2 * MIB

    async def body(engine: Engine) -> Any:
        job = engine.add(
            server.url("/p.bin"), str(tmp_path / "out"), connections=1, sha256=sha(data)
        )
        await wait_for(lambda: engine.bytes_done(job.id) > MIB // 2)
        engine.pause(job.id)
        await engine.wait_idle()
        spec.rate = None
        engine.resume(job.id)
        await engine.wait_idle()
        return engine.job(job.id)

    job = run_engine(tmp_path, body, settings(auto_checksum=False))
    assert job.state == JobState.COMPLETED and job.verified == "sha256"  # type: ignore[attr-defined]
    assert reads == [(0, len(data))]  # the new run has no in-order state: one whole read


def test_killed_mid_file_then_resumed_verifies_by_reading_back(
    server: FaultServer, tmp_path: Path
) -> None:
    data = quick_payload(6 * MIB, seed=68)
    spec = server.add_file("/k.bin", data)
    spec.rate = 3 * MIB  # a few checkpoints before the end
    out, data_dir = tmp_path / "out", tmp_path / "data"
    args = ("get", server.url("/k.bin"), "-o", str(out), "-c", "1", "--sha256", sha(data))
    r = run_tether(*args, data=data_dir, killpoint="save:3")
    assert r.returncode == -9, r.stderr
    (job,) = read_jobs(data_dir)
    assert 0 < job.done < len(data)
    spec.rate = None
    r = run_tether(*args, data=data_dir)
    assert r.returncode == 0, r.stderr
    assert (out / "k.bin").read_bytes() == data
    conn = sqlite3.connect(db_path(data_dir))
    try:
        log = [m for (m,) in conn.execute("SELECT message FROM job_log ORDER BY rowid")]
    finally:
        conn.close()
    assert f"verifying: reading back {len(data)} bytes for the checksum" in log
    assert "verified: SHA-256 matches" in log
