"""End-to-end: the real engine against a real local server with faults switched on.

Every test ends with the right bytes (SHA-256) or a clear error — never a wrong file marked done.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import time
from pathlib import Path

import pytest

from app.engine.engine import Engine
from app.store import JobState
from tests.engine_helpers import (
    KIB,
    MIB,
    RefusedPort,
    download,
    file_sha,
    payload,
    run_engine,
    settings,
    sha,
    wait_for,
)
from tests.support.faultserver import FaultServer


def ranged_requests(server: FaultServer, path: str) -> list[object]:
    return [r for r in server.requests if r.path == path and r.range is not None]


def test_multi_connection_download_is_exact(server: FaultServer, tmp_path: Path) -> None:
    data = payload(3 * MIB + 123)
    server.add_file("/f.bin", data)
    job = download(tmp_path, server.url("/f.bin"), connections=4)
    assert job.state == JobState.COMPLETED, job.error
    assert job.path == str(tmp_path / "out" / "f.bin")
    assert file_sha(job.path) == sha(data)
    assert not os.path.exists(job.path + ".part")
    ranged = ranged_requests(server, "/f.bin")
    assert len({r.range_start for r in ranged}) >= 4  # really several connections
    for r in ranged[1:]:  # every ranged request after the probe carries the validator
        assert r.headers.get("If-Range") == server.files["/f.bin"].etag
        assert r.headers.get("Accept-Encoding") == "identity"


def test_probe_body_is_the_first_piece_and_its_connection_is_reused(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(3 * MIB)
    server.add_file("/f.bin", data)
    job = download(tmp_path, server.url("/f.bin"), connections=1)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    server.wait_idle()
    ranged = ranged_requests(server, "/f.bin")
    assert len(ranged) == 2
    assert ranged[0].complete and ranged[0].range_start == 0
    assert ranged[1].connection_id == ranged[0].connection_id  # keep-alive
    assert server.bytes_served("/f.bin") == len(data)  # not one byte twice


def test_download_is_not_executable(server: FaultServer, tmp_path: Path) -> None:
    server.add_file("/run.sh", b"#!/bin/sh\necho hi\n")
    job = download(tmp_path, server.url("/run.sh"))
    assert job.state == JobState.COMPLETED
    assert job.path is not None
    assert os.stat(job.path).st_mode & 0o111 == 0


def test_server_without_ranges_single_stream(server: FaultServer, tmp_path: Path) -> None:
    data = payload(1 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.ranges = False
    job = download(tmp_path, server.url("/f.bin"))
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    assert not job.resumable


def test_dropped_connections_resume_where_they_broke(server: FaultServer, tmp_path: Path) -> None:
    data = payload(2 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.drop_after = 200 * KIB
    spec.drop_times = 6
    job = download(tmp_path, server.url("/f.bin"), connections=2)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    assert spec.drops == 6
    # resumed, not restarted: little more than the file was sent
    assert server.bytes_served("/f.bin") < len(data) * 1.3


def test_link_that_drops_every_few_hundred_kib_still_finishes(
    server: FaultServer, tmp_path: Path
) -> None:
    """The retry budget refills on new progress, so many drops are fine if each gets further."""
    data = payload(2 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.drop_after = 100 * KIB  # every response, forever
    job = download(tmp_path, server.url("/f.bin"), connections=2)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    assert spec.drops > 10


def test_server_that_always_cuts_at_same_byte_ends_in_error(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(1 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.ranges = False  # can't resume: every attempt restarts and dies at the same byte
    spec.short_body = 300 * KIB
    job = download(tmp_path, server.url("/f.bin"))
    assert job.state == JobState.FAILED
    assert job.error and "kept trying for" in job.error
    assert not os.path.exists(tmp_path / "out" / "f.bin")


def test_short_bodies_are_retried_not_written_as_complete(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(1 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.short_body = 100 * KIB
    spec.short_times = 3
    job = download(tmp_path, server.url("/f.bin"), connections=2)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)


def test_503_and_429_with_retry_after_are_honoured(server: FaultServer, tmp_path: Path) -> None:
    data = payload(256 * KIB)
    spec = server.add_file("/f.bin", data)
    spec.status_sequence = [(503, {"Retry-After": "1"}), (429, {"Retry-After": "1"})]
    started = time.monotonic()
    job = download(tmp_path, server.url("/f.bin"))
    took = time.monotonic() - started
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    assert took >= 1.9  # both waits honoured (the backoff alone would be ~0.05 s)


def test_retry_after_as_http_date(server: FaultServer, tmp_path: Path) -> None:
    import email.utils

    data = payload(64 * KIB)
    spec = server.add_file("/f.bin", data)
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    spec.status_sequence = [(503, {"Retry-After": when})]
    started = time.monotonic()
    job = download(tmp_path, server.url("/f.bin"))
    assert job.state == JobState.COMPLETED, job.error
    assert time.monotonic() - started >= 0.9


def test_stalled_server_is_a_transient_failure(server: FaultServer, tmp_path: Path) -> None:
    data = payload(1 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.stall_after = 100 * KIB
    spec.stall_seconds = 20
    spec.stall_times = 1
    started = time.monotonic()
    job = download(tmp_path, server.url("/f.bin"), connections=2, cfg=settings(stall_timeout=0.5))
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    assert time.monotonic() - started < 10


def test_gzip_encoding_is_never_spliced(server: FaultServer, tmp_path: Path) -> None:
    data = payload(512 * KIB)
    spec = server.add_file("/f.txt", data)
    spec.gzip = True
    job = download(tmp_path, server.url("/f.txt"))
    assert job.state == JobState.COMPLETED, job.error
    # Saved as the file it stands for (decoded), as a browser would.
    assert file_sha(job.path or "") == sha(data)
    assert gzip.decompress(spec.gzipped()) == data


def test_redirect_chain(server: FaultServer, tmp_path: Path) -> None:
    data = payload(300 * KIB)
    server.add_file("/files/real-name.iso", data)
    server.add_redirect("/a", "/b")
    server.add_redirect("/b", "/c", status=301)
    server.add_redirect("/c", "/files/real-name.iso", status=307)
    job = download(tmp_path, server.url("/a"))
    assert job.state == JobState.COMPLETED, job.error
    assert job.file_name == "real-name.iso"
    assert job.final_url == server.url("/files/real-name.iso")
    assert file_sha(job.path or "") == sha(data)


def test_content_disposition_cannot_escape_the_folder(server: FaultServer, tmp_path: Path) -> None:
    data = payload(10 * KIB)
    server.add_file("/x", data, content_disposition='attachment; filename="../../evil.sh"')
    job = download(tmp_path, server.url("/x"))
    assert job.state == JobState.COMPLETED, job.error
    assert job.file_name == "evil.sh"
    assert Path(job.path or "").parent == tmp_path / "out"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]


def test_content_disposition_filename_star_utf8(server: FaultServer, tmp_path: Path) -> None:
    server.add_file(
        "/dl?id=7",
        b"x" * 100,
        content_disposition='attachment; filename="fallback.txt"; '
        "filename*=UTF-8''%E2%82%AC%20rates%20%E6%97%A5%E6%9C%AC.txt",
    )
    job = download(tmp_path, server.url("/dl?id=7"))
    assert job.state == JobState.COMPLETED, job.error
    assert job.file_name == "€ rates 日本.txt"


def test_chunked_without_length(server: FaultServer, tmp_path: Path) -> None:
    data = payload(700 * KIB)
    spec = server.add_file("/c.bin", data)
    spec.chunked = True
    job = download(tmp_path, server.url("/c.bin"))
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    assert job.size == len(data)


def test_not_found_and_forbidden_fail_clearly(server: FaultServer, tmp_path: Path) -> None:
    job = download(tmp_path, server.url("/missing.bin"))
    assert job.state == JobState.FAILED
    assert job.error and "404" in job.error
    spec = server.add_file("/secret.bin", b"x")
    spec.status_always = 403
    job = download(tmp_path / "2", server.url("/secret.bin"))
    assert job.state == JobState.FAILED
    assert job.error and "403" in job.error
    assert not any((tmp_path / "2" / "out").glob("*")) or all(
        p.stat().st_size == 0 for p in (tmp_path / "2" / "out").iterdir()
    )


def test_error_status_pages_are_never_written(server: FaultServer, tmp_path: Path) -> None:
    data = payload(1 * MIB)
    spec = server.add_file("/f.bin", data)
    seen = {"n": 0}

    def errors_after_probe(req: object) -> None:
        seen["n"] += 1
        if seen["n"] == 1:  # the probe goes through, then three answers are error pages
            spec.status_sequence = [(500, {})] * 3

    spec.on_request = errors_after_probe  # type: ignore[assignment]
    job = download(tmp_path, server.url("/f.bin"), connections=2)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)


def test_sha256_checked_before_rename(server: FaultServer, tmp_path: Path) -> None:
    data = payload(200 * KIB)
    server.add_file("/f.bin", data)
    ok = download(tmp_path, server.url("/f.bin"), sha256=sha(data).upper())
    assert ok.state == JobState.COMPLETED
    bad = download(tmp_path / "b", server.url("/f.bin"), sha256="0" * 64)
    assert bad.state == JobState.FAILED
    assert bad.error and "checksum mismatch" in bad.error
    assert not (tmp_path / "b" / "out" / "f.bin").exists()
    assert (tmp_path / "b" / "out" / "f.bin.part").read_bytes() == data  # kept, not discarded


def test_wrong_content_range_is_never_written(server: FaultServer, tmp_path: Path) -> None:
    for fault in ("start", "total", "star"):
        data = payload(1 * MIB, seed=3)
        spec = server.add_file(f"/{fault}.bin", data)
        spec.wrong_content_range = fault
        job = download(tmp_path / fault, server.url(f"/{fault}.bin"), connections=3)
        if job.state == JobState.COMPLETED:
            assert file_sha(job.path or "") == sha(data), fault
        else:
            assert job.error, fault


def test_extra_bytes_stop_at_segment_end(server: FaultServer, tmp_path: Path) -> None:
    data = payload(1 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.extra_bytes = 5000
    job = download(tmp_path, server.url("/f.bin"), connections=3)
    if job.state == JobState.COMPLETED:
        assert file_sha(job.path or "") == sha(data)
    else:
        assert job.error


def test_multipart_answer_falls_back_to_a_plain_stream(server: FaultServer, tmp_path: Path) -> None:
    data = payload(600 * KIB)
    spec = server.add_file("/f.bin", data)
    spec.multipart = True
    job = download(tmp_path, server.url("/f.bin"), connections=3)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)


def test_file_changed_between_requests_restarts_never_splices(
    server: FaultServer, tmp_path: Path
) -> None:
    old = payload(2 * MIB, seed=1)
    new = payload(2 * MIB, seed=2)
    spec = server.add_file("/f.bin", old)
    spec.rate = 2 * MIB  # slow enough that the swap lands mid-transfer
    seen = {"n": 0}

    def swap(req: object) -> None:
        seen["n"] += 1
        if seen["n"] == 3:
            server.replace_file("/f.bin", new)

    spec.on_request = swap  # type: ignore[assignment]
    job = download(tmp_path, server.url("/f.bin"), connections=4)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(new)


def test_server_ignoring_if_range_but_changing_size_restarts(
    server: FaultServer, tmp_path: Path
) -> None:
    """A server that splices (ignores If-Range) is caught by the total in Content-Range."""
    old = payload(2 * MIB, seed=1)
    new = payload(2 * MIB + 4096, seed=2)
    spec = server.add_file("/f.bin", old)
    spec.if_range = False
    spec.rate = 2 * MIB
    seen = {"n": 0}

    def swap(req: object) -> None:
        seen["n"] += 1
        if seen["n"] == 3:
            server.replace_file("/f.bin", new)
            server.files["/f.bin"].if_range = False

    spec.on_request = swap  # type: ignore[assignment]
    job = download(tmp_path, server.url("/f.bin"), connections=4)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(new)


def test_pause_resume_keeps_bytes(server: FaultServer, tmp_path: Path) -> None:
    data = payload(3 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.rate = 1 * MIB  # per connection

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=3)
        await wait_for(
            lambda: (
                engine.progress().get(job.id) is not None
                and engine.progress()[job.id].done > 600 * KIB
            )
        )
        t0 = time.monotonic()
        engine.pause(job.id)
        await wait_for(lambda: engine.job(job.id).state == JobState.PAUSED, timeout=2)
        assert time.monotonic() - t0 < 1.0  # answered within a second
        paused = engine.job(job.id)
        assert 0 < paused.done < len(data)
        served_at_pause = server.bytes_served("/f.bin")
        await asyncio.sleep(0.3)
        assert server.bytes_served("/f.bin") - served_at_pause < 256 * KIB  # really stopped
        spec.rate = 3 * MIB
        engine.resume(job.id)
        await engine.wait_idle()
        done = engine.job(job.id)
        assert done.state == JobState.COMPLETED, done.error
        assert file_sha(done.path or "") == sha(data)

    run_engine(tmp_path, body)
    # a throttled link (like a real one) keeps little in flight: pausing wasted almost nothing
    assert server.bytes_served("/f.bin") < len(data) * 1.15


def test_resume_with_other_connection_count_resplits(server: FaultServer, tmp_path: Path) -> None:
    data = payload(4 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.rate = 1 * MIB

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=2)
        await wait_for(
            lambda: (
                engine.job(job.id).done > 0
                or (job.id in engine.progress() and engine.progress()[job.id].done > 500 * KIB)
            )
        )
        engine.pause(job.id)
        await wait_for(lambda: engine.job(job.id).state == JobState.PAUSED)
        before = len(ranged_requests(server, "/f.bin"))
        spec.rate = 512 * KIB
        engine.configure(job.id, connections=6)
        engine.resume(job.id)
        await wait_for(
            lambda: (
                engine.progress().get(job.id) is not None
                and engine.progress()[job.id].connections >= 5
            ),
            timeout=5,
        )
        spec.rate = None
        await engine.wait_idle()
        done = engine.job(job.id)
        assert done.state == JobState.COMPLETED, done.error
        assert file_sha(done.path or "") == sha(data)
        assert len(ranged_requests(server, "/f.bin")) - before >= 6

    run_engine(tmp_path, body)


def test_work_stealing_takes_over_a_slow_connection(server: FaultServer, tmp_path: Path) -> None:
    """The connection that started at byte 0 is held back; the others take its far half."""
    data = payload(4 * MIB)
    spec = server.add_file("/f.bin", data)

    def hold_first(req: object) -> None:
        if getattr(req, "range_start", None) == 0:
            time.sleep(0.8)

    spec.on_request = hold_first  # type: ignore[assignment]
    job = download(tmp_path, server.url("/f.bin"), connections=2)
    assert job.state == JobState.COMPLETED, job.error
    assert file_sha(job.path or "") == sha(data)
    starts = sorted(r.range_start for r in ranged_requests(server, "/f.bin") if r.range_start)
    # two planned segments start at 0 and 2 MiB; a steal adds a start inside [0, 2 MiB)
    assert any(0 < s < 2 * MIB for s in starts), starts


def test_cancel_discards_and_remove_deletes(server: FaultServer, tmp_path: Path) -> None:
    data = payload(2 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.rate = 512 * KIB

    async def body(engine: Engine) -> None:
        out = tmp_path / "out"
        job = engine.add(server.url("/f.bin"), str(out))
        await wait_for(lambda: (out / "f.bin.part").exists())
        engine.cancel(job.id)
        await wait_for(lambda: engine.job(job.id).state == JobState.CANCELLED, timeout=2)
        assert engine.job(job.id).error is None
        assert not (out / "f.bin.part").exists()
        spec.rate = None
        engine.retry(job.id)
        await engine.wait_idle()
        assert engine.job(job.id).state == JobState.COMPLETED
        assert (out / "f.bin").exists()
        engine.remove(job.id, delete_file=True)
        assert not (out / "f.bin").exists()
        assert all(j.id != job.id for j in engine.jobs())

    run_engine(tmp_path, body)


def test_two_jobs_same_name_get_distinct_files(server: FaultServer, tmp_path: Path) -> None:
    a, b = payload(100 * KIB, 1), payload(100 * KIB, 2)
    server.add_file("/one/file.tar.gz", a)
    server.add_file("/two/file.tar.gz", b)

    async def body(engine: Engine) -> None:
        j1 = engine.add(server.url("/one/file.tar.gz"), str(tmp_path / "out"))
        j2 = engine.add(server.url("/two/file.tar.gz"), str(tmp_path / "out"))
        await engine.wait_idle()
        names = {engine.job(j1.id).file_name, engine.job(j2.id).file_name}
        assert names == {"file.tar.gz", "file (1).tar.gz"}
        shas = {file_sha(engine.job(j).path or "") for j in (j1.id, j2.id)}
        assert shas == {sha(a), sha(b)}

    run_engine(tmp_path, body)


def test_a_deleted_download_gets_its_own_name_back(server: FaultServer, tmp_path: Path) -> None:
    data = payload(64 * KIB)
    server.add_file("/f.bin", data)
    out = tmp_path / "out"

    async def body(engine: Engine) -> None:
        first = engine.add(server.url("/f.bin"), str(out))
        await engine.wait_idle()
        assert engine.job(first.id).state == JobState.COMPLETED
        # while the file is there, a second copy never overwrites it
        again = engine.add(server.url("/f.bin"), str(out))
        await engine.wait_idle()
        assert engine.job(again.id).file_name == "f (1).bin"
        (out / "f.bin").unlink()  # the user deleted the first copy
        third = engine.add(server.url("/f.bin"), str(out))
        await engine.wait_idle()
        job = engine.job(third.id)
        assert job.state == JobState.COMPLETED, job.error
        assert job.file_name == "f.bin"
        assert file_sha(str(out / "f.bin")) == sha(data)
        assert file_sha(str(out / "f (1).bin")) == sha(data)  # the other copy untouched

    run_engine(tmp_path, body)


def test_speed_limit_is_shared(server: FaultServer, tmp_path: Path) -> None:
    data = payload(1 * MIB)
    server.add_file("/f.bin", data)
    started = time.monotonic()
    job = download(tmp_path, server.url("/f.bin"), connections=4, cfg=settings(speed_limit=1 * MIB))
    took = time.monotonic() - started
    assert job.state == JobState.COMPLETED
    assert took >= 0.6  # 1 MiB at 1 MiB/s across all four connections (minus the burst)


def test_unreachable_server_fails_with_one_line(tmp_path: Path, refused: RefusedPort) -> None:
    # held (bound, not listening) for the whole outage: no other test run can take the port
    job = download(tmp_path, refused.url)
    assert job.state == JobState.FAILED
    assert job.error and "refused" in job.error and "\n" not in job.error


def test_controls_work_from_any_thread(server: FaultServer, tmp_path: Path) -> None:
    import threading

    data = payload(2 * MIB)
    spec = server.add_file("/f.bin", data)
    spec.rate = 512 * KIB

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"))
        await wait_for(lambda: engine.bytes_done(job.id) > 0)
        loop = asyncio.get_running_loop()
        t0 = time.monotonic()
        await loop.run_in_executor(None, engine.pause, job.id)  # from a worker thread
        await wait_for(lambda: engine.job(job.id).state == JobState.PAUSED, timeout=1.5)
        assert time.monotonic() - t0 < 1.0
        added: list[int] = []
        t = threading.Thread(
            target=lambda: added.append(engine.add(server.url("/f.bin"), str(tmp_path / "o2")).id)
        )
        t.start()
        while t.is_alive():
            await asyncio.sleep(0.01)
        assert added and engine.job(added[0]).url == server.url("/f.bin")
        spec.rate = None
        await loop.run_in_executor(None, engine.resume, job.id)
        await engine.wait_idle()
        assert engine.job(job.id).state == JobState.COMPLETED
        assert file_sha(engine.job(added[0]).path or "") == sha(data)

    run_engine(tmp_path, body)


def test_writers_wait_for_a_slow_disk(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Backpressure: written-but-not-durable bytes stay bounded when fsync is slow, so a crash
    can never throw away (and re-download) more than that."""
    from app.engine.partfile import PartFile

    real_sync = PartFile.sync

    def slow_sync(self: PartFile) -> None:
        time.sleep(0.15)
        real_sync(self)

    monkeypatch.setattr(PartFile, "sync", slow_sync)
    data = payload(6 * MIB)
    server.add_file("/f.bin", data)
    cfg = settings(max_unsynced=512 * KIB, buffer_size=64 * KIB, checkpoint_interval=5.0)
    worst = 0

    async def body(engine: Engine) -> None:
        nonlocal worst
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=4)
        while engine.job(job.id).state != JobState.COMPLETED:
            d = engine._running.get(job.id)
            if d is not None:
                worst = max(worst, d.checkpoints.behind())
            await asyncio.sleep(0.005)
        assert file_sha(engine.job(job.id).path or "") == sha(data)

    run_engine(tmp_path, body, cfg)
    # the bound, plus one buffer per connection that was already being written
    assert 0 < worst <= 512 * KIB + 4 * 64 * KIB, worst


def test_remove_running_with_keep_partial_leaves_the_data(
    server: FaultServer, tmp_path: Path
) -> None:
    """The window's "also delete the data downloaded so far", unticked."""
    spec = server.add_file("/k.bin", payload(2 * MIB))
    spec.rate = 256 * KIB

    async def body(engine: Engine) -> None:
        out = tmp_path / "out"
        job = engine.add(server.url("/k.bin"), str(out))
        await wait_for(lambda: (out / "k.bin.part").exists())
        engine.remove(job.id, keep_partial=True)
        await wait_for(lambda: all(j.id != job.id for j in engine.jobs()), timeout=3)
        assert (out / "k.bin.part").exists()

    run_engine(tmp_path, body)
