"""Auto-checksum end to end: Digest headers, sidecars and SUMS lists found and verified; a
mismatch fails clearly, keeps the .part, and a retry downloads from 0."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest

from app.engine.autochecksum import folder_of, names_for, sidecar_url
from app.engine.engine import Engine
from app.store import JobState
from tests.engine_helpers import KIB, MIB, download, payload, run_engine, settings, sha
from tests.support.faultserver import FaultServer


def b64(algo: str, data: bytes) -> str:
    return base64.b64encode(hashlib.new(algo, data).digest()).decode()


def history(engine: Engine, job_id: int) -> str:
    return " | ".join(m for _, m in engine.job_log(job_id))


def test_url_helpers() -> None:
    url = "https://h/pub/rel/my%20file.iso?token=1#x"
    assert folder_of(url) == "https://h/pub/rel/"
    assert sidecar_url(url, ".sha256") == "https://h/pub/rel/my%20file.iso.sha256"
    assert names_for(url, "https://h/dl?id=3", "my file (1).iso") == [
        "my file.iso",
        "dl",
        "my file (1).iso",
    ]


def test_repr_digest_on_a_206_is_trusted_and_verified_twice(
    server: FaultServer, tmp_path: Path
) -> None:
    for i in range(2):  # the action twice in one session
        data = payload(2 * MIB, seed=40 + i)
        spec = server.add_file(f"/r{i}.bin", data)
        spec.extra_headers = {"Repr-Digest": f"sha-512=:{b64('sha512', data)}:"}
        job = download(tmp_path / str(i), server.url(f"/r{i}.bin"))
        assert job.state == JobState.COMPLETED, job.error
        assert job.checksum == "sha512:" + hashlib.sha512(data).hexdigest()
        assert job.verified == "sha512"
        # found in the answer: no list or sidecar was asked for
        assert not server.requests_for(f"/r{i}.bin.sha256")


def test_digest_on_a_partial_206_is_ignored_but_trusted_when_whole(
    server: FaultServer, tmp_path: Path
) -> None:
    big = payload(2 * MIB, seed=42)
    spec = server.add_file("/big.bin", big)
    spec.extra_headers = {"Digest": f"SHA-256={b64('sha256', b'another body')}"}
    job = download(tmp_path / "a", server.url("/big.bin"))
    assert job.state == JobState.COMPLETED and job.checksum is None and job.verified is None

    small = payload(100 * KIB, seed=43)  # the probe's 206 carries the whole file
    spec = server.add_file("/small.bin", small)
    spec.extra_headers = {"Digest": f"SHA-256={b64('sha256', small)}"}
    job = download(tmp_path / "b", server.url("/small.bin"))
    assert job.state == JobState.COMPLETED and job.verified == "sha256"

    spec.extra_headers = {"Digest": f"SHA-256={b64('sha256', b'not it')}"}
    job = download(tmp_path / "c", server.url("/small.bin"))
    assert job.state == JobState.FAILED and "checksum mismatch" in (job.error or "")


def test_sidecars_verify_two_files_in_one_session(server: FaultServer, tmp_path: Path) -> None:
    a, b = payload(300 * KIB, seed=44), payload(700 * KIB, seed=45)
    server.add_file("/d/a.bin", a)
    server.add_file("/d/a.bin.sha256", f"{sha(a)}  a.bin\n".encode())
    server.add_file("/d/b.bin", b)
    server.add_file("/d/b.bin.md5", hashlib.md5(b).hexdigest().encode())

    async def body(engine: Engine) -> None:
        ja = engine.add(server.url("/d/a.bin"), str(tmp_path / "out"))
        jb = engine.add(server.url("/d/b.bin"), str(tmp_path / "out"))
        await engine.wait_idle()
        done_a, done_b = engine.job(ja.id), engine.job(jb.id)
        assert done_a.verified == "sha256", (done_a.error, history(engine, ja.id))
        assert done_b.verified == "md5", (done_b.error, history(engine, jb.id))
        assert "a.bin.sha256" in history(engine, ja.id)

    run_engine(tmp_path, body)


def test_sha256sums_in_the_folder_is_fetched_once_for_a_batch(
    server: FaultServer, tmp_path: Path
) -> None:
    files = {f"f{i}.iso": payload(200 * KIB, seed=50 + i) for i in range(4)}
    lines = [f"{sha(d)} *{n}" for n, d in files.items()] + [f"{'0' * 64}  other.iso"]
    for name, data in files.items():
        server.add_file(f"/rel/{name}", data)
    server.add_file("/rel/SHA256SUMS", ("\n".join(lines) + "\n").encode())

    async def body(engine: Engine) -> None:
        ids = [engine.add(server.url(f"/rel/{n}"), str(tmp_path / "out")).id for n in files]
        await engine.wait_idle()
        for jid in ids:
            assert engine.job(jid).verified == "sha256", engine.job(jid).error
        assert "SHA256SUMS" in history(engine, ids[0])

    run_engine(tmp_path, body, settings(max_concurrent=4))
    assert len(server.requests_for("/rel/SHA256SUMS")) == 1  # cached per folder
    assert len(server.requests_for("/rel/SHA512SUMS")) == 1  # a 404 is cached too


def test_mismatch_keeps_the_part_and_retry_downloads_from_zero(
    server: FaultServer, tmp_path: Path
) -> None:
    good = payload(1 * MIB + 5, seed=60)
    bad = bytearray(good)
    bad[500_000] ^= 0xFF
    server.add_file("/m/f.bin", bytes(bad))
    server.add_file("/m/SHA256SUMS", f"{sha(good)}  f.bin\n".encode())

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/m/f.bin"), str(tmp_path / "out"), connections=2)
        await engine.wait_idle()
        failed = engine.job(job.id)
        assert failed.state == JobState.FAILED
        assert failed.error is not None and failed.error.startswith("checksum mismatch: expected")
        assert sha(good) in failed.error and "f.bin.part" in failed.error
        assert Path(failed.part_path or "").read_bytes() == bytes(bad)  # kept as .part
        assert not Path(failed.path or "").exists() and failed.done == 0
        for _ in range(2):  # a second mismatch in the same session behaves the same
            server.reset_stats()
            engine.retry(job.id)
            await engine.wait_idle()
            assert engine.job(job.id).state == JobState.FAILED
            server.wait_idle()
            assert server.bytes_served("/m/f.bin") >= len(good)  # fetched again, from 0
        server.replace_file("/m/f.bin", good)
        engine.retry(job.id)
        await engine.wait_idle()
        done = engine.job(job.id)
        assert done.state == JobState.COMPLETED and done.verified == "sha256", done.error
        assert Path(done.path or "").read_bytes() == good

    run_engine(tmp_path, body)


def test_auto_checksum_can_be_turned_off(server: FaultServer, tmp_path: Path) -> None:
    data = payload(200 * KIB, seed=61)
    server.add_file("/o/f.bin", data)
    server.add_file("/o/SHA256SUMS", f"{'0' * 64}  f.bin\n".encode())
    job = download(tmp_path, server.url("/o/f.bin"), cfg=settings(auto_checksum=False))
    assert job.state == JobState.COMPLETED and job.checksum is None
    assert not server.requests_for("/o/SHA256SUMS")


def test_a_folder_without_sidecars_stops_being_asked(server: FaultServer, tmp_path: Path) -> None:
    from app.engine.autochecksum import SIDECAR_GIVE_UP, SIDECARS

    for i in range(6):
        server.add_file(f"/n/f{i}.bin", payload(20 * KIB, seed=70 + i))

    async def body(engine: Engine) -> None:
        ids = [engine.add(server.url(f"/n/f{i}.bin"), str(tmp_path / "out")).id for i in range(6)]
        await engine.wait_idle()
        assert all(engine.job(j).state == JobState.COMPLETED for j in ids)

    run_engine(tmp_path, body, settings(max_concurrent=1))
    asked = [r for r in server.requests if r.path.endswith(tuple(s for s, _ in SIDECARS))]
    assert len(asked) == SIDECAR_GIVE_UP * len(SIDECARS)
    assert len(server.requests_for("/n/SHA256SUMS")) == 1


def test_a_batchs_later_files_know_their_checksum_before_the_first_byte(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a folder's lists are cached, a file of the same folder needs no lookup thread: its
    checksum is known at the probe, so its bytes are hashed as they arrive (no read-back)."""
    from app.engine import autochecksum, finish, inorder

    files = {f"g{i}.iso": payload(300 * KIB, seed=80 + i) for i in range(4)}
    for name, data in files.items():
        server.add_file(f"/b/{name}", data)
    server.add_file("/b/SHA512SUMS", b"")  # empty: lists nothing, so SHA256SUMS decides
    sums = "".join(f"{sha(d)}  {n}\n" for n, d in files.items())
    server.add_file("/b/SHA256SUMS", sums.encode())
    lookups: list[str] = []
    original_lookup = autochecksum.Lookup.__init__

    def counting_lookup(self: Any, finder: Any, url: str, *rest: Any) -> None:
        lookups.append(url)
        original_lookup(self, finder, url, *rest)

    reads: list[tuple[int, int]] = []
    original_range = inorder._hash_range

    def counting_range(h: Any, path: str, start: int, end: int) -> None:
        reads.append((start, end))
        original_range(h, path, start, end)

    original_whole = finish.checksums.file_digest

    def counting_whole(path: str, algo: str) -> str:
        reads.append((0, -1))
        return original_whole(path, algo)

    monkeypatch.setattr(autochecksum.Lookup, "__init__", counting_lookup)
    monkeypatch.setattr(inorder, "_hash_range", counting_range)
    monkeypatch.setattr(finish.checksums, "file_digest", counting_whole)

    async def body(engine: Engine) -> None:
        for name in files:  # one after the other, as a queue with one slot runs them
            job = engine.add(server.url(f"/b/{name}"), str(tmp_path / "out"), connections=1)
            await engine.wait_idle()
            assert engine.job(job.id).verified == "sha256", engine.job(job.id).error

    run_engine(tmp_path, body, settings(max_concurrent=1))
    assert lookups == [server.url("/b/g0.iso")]  # only the first file looked
    assert len(reads) == 1  # the first file read back; the other three hashed in order
    assert len(server.requests_for("/b/SHA256SUMS")) == 1


def test_a_lookups_404s_keep_their_connection(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/k/f.bin", payload(50 * KIB, seed=90))
    job = download(tmp_path, server.url("/k/f.bin"))
    assert job.state == JobState.COMPLETED
    asked = [r for r in server.requests if r.path.startswith("/k/") and r.path != "/k/f.bin"]
    from app.engine.autochecksum import FOLDER_LISTS, SIDECARS

    assert len(asked) == len(FOLDER_LISTS) + len(SIDECARS)  # all 404
    # the sidecars (asked all at once) reuse the lists' connections instead of one connection
    # per 404: the error pages are read to their end
    assert len({r.connection_id for r in asked}) <= len(SIDECARS)


def test_the_lookup_asks_only_once_the_transfer_has_its_connections(
    server: FaultServer, tmp_path: Path
) -> None:
    """Its small requests never take a connection (and a per-connection throttle's luck) from
    the download: every worker's connection is opened before the lookup's first request."""
    for i in range(2):
        data = payload(4 * MIB, seed=95 + i)
        spec = server.add_file(f"/w{i}/f.bin", data)
        spec.rate = 4 * MIB  # long enough for the lookup to have a choice
        job = download(tmp_path / str(i), server.url(f"/w{i}/f.bin"), connections=4)
        assert job.state == JobState.COMPLETED, job.error
        mine = [r for r in server.requests if r.path.startswith(f"/w{i}/")]
        file_conns = [r.connection_id for r in mine if r.path == f"/w{i}/f.bin"]
        first_lookup = next(r for r in mine if r.path != f"/w{i}/f.bin")
        assert len(set(file_conns)) >= 4  # the probe's and three more
        opened_before = {r.connection_id for r in mine if r.time < first_lookup.time}
        assert set(file_conns[:4]) <= opened_before
        assert first_lookup.connection_id > max(file_conns[:4])
