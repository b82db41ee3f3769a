"""Fault matrix: servers and disks that misbehave in every way the trust issue lists.

Every scenario ends with the right bytes (SHA-256) or a clear one-line error with the partial data
kept — never a wrong file reported complete. `outcome()` enforces that for every job.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine import samefile
from app.engine.engine import Engine
from app.engine.partfile import PartFile
from app.store import Job, JobState
from tests.engine_helpers import (
    KIB,
    MIB,
    download,
    file_sha,
    payload,
    run_engine,
    settings,
    sha,
    wait_for,
)
from tests.support.faultserver import ERROR_BODY, FaultServer, RequestLog
from tests.trust_helpers import read_jobs, run_tether


def outcome(job: Job, data: bytes) -> str:
    """'completed' (exact bytes) or 'failed' (one clear line, no final file). Nothing else."""
    print(f"outcome: {job.state.value} {job.error or ''}")
    if job.state == JobState.COMPLETED:
        assert job.path is not None
        assert file_sha(job.path) == sha(data), "a wrong file was reported complete"
        assert not os.path.exists(job.path + ".part")
        return "completed"
    assert job.state == JobState.FAILED, job.state
    assert job.error and "\n" not in job.error and "Traceback" not in job.error
    if job.path is not None:
        assert not os.path.exists(job.path), "a failed job left a final file"
    return "failed"


def never_contains(path: str | None, needle: bytes) -> None:
    for candidate in (path, (path or "") + ".part"):
        if candidate and os.path.exists(candidate):
            assert needle not in Path(candidate).read_bytes(), f"{needle!r} landed in {candidate}"


def after_first_request(server_spec_setter: object) -> object:
    """An on_request hook that runs `setter()` once, when the second request arrives."""
    seen = {"n": 0}

    def hook(req: RequestLog) -> None:
        seen["n"] += 1
        if seen["n"] == 2:
            server_spec_setter()  # type: ignore[operator]

    return hook


# ---------------------------------------------------------------------------- Content-Range lies
@pytest.mark.parametrize("fault", ["start", "end", "total", "star"])
@pytest.mark.parametrize("when", ["probe", "workers"])
def test_206_whose_content_range_differs_from_the_request(
    server: FaultServer, tmp_path: Path, fault: str, when: str
) -> None:
    """Other start / other end / other total / `bytes */N`: never written where it doesn't fit."""
    data = payload(2 * MIB + 5, seed=7)
    spec = server.add_file("/f.bin", data)
    if when == "probe":
        spec.wrong_content_range = fault
    else:
        spec.on_request = after_first_request(  # type: ignore[assignment]
            lambda: setattr(spec, "wrong_content_range", fault)
        )
    job = download(tmp_path, server.url("/f.bin"), connections=4)
    result = outcome(job, data)
    if fault in ("start", "end", "star"):
        # the server can't do ranges properly: one plain stream from 0 gets the file
        assert result == "completed", job.error
    else:
        # a total that contradicts itself: a clear error, or the right bytes
        assert result in ("completed", "failed")


@pytest.mark.parametrize("when", ["probe", "workers"])
def test_multipart_answer_to_a_single_range(server: FaultServer, tmp_path: Path, when: str) -> None:
    data = payload(1 * MIB + 77, seed=8)
    spec = server.add_file("/f.bin", data)
    if when == "probe":
        spec.multipart = True
    else:
        spec.on_request = after_first_request(  # type: ignore[assignment]
            lambda: setattr(spec, "multipart", True)
        )
    job = download(tmp_path, server.url("/f.bin"), connections=4)
    assert outcome(job, data) == "completed", job.error
    never_contains(job.path, b"FAULTSERVER_BYTERANGES_BOUNDARY")


@pytest.mark.parametrize("when", ["probe", "workers"])
def test_more_bytes_than_asked(server: FaultServer, tmp_path: Path, when: str) -> None:
    data = payload(1 * MIB, seed=9)
    spec = server.add_file("/f.bin", data)
    if when == "probe":
        spec.extra_bytes = 5000
    else:
        spec.on_request = after_first_request(  # type: ignore[assignment]
            lambda: setattr(spec, "extra_bytes", 5000)
        )
    job = download(tmp_path, server.url("/f.bin"), connections=3)
    outcome(job, data)
    never_contains(job.path, b"X" * 64)  # the filler past the end of the file


# ---------------------------------------------------------------------------- 416
def _all_bytes_then_killed(server: FaultServer, tmp_path: Path, data: bytes) -> tuple:
    """`tether get --sha256` killed during its final verification: every byte is on disk."""
    out, data_dir = tmp_path / "out", tmp_path / "data"
    args = ("get", server.url("/f.bin"), "-o", str(out), "--sha256", sha(data))
    r = run_tether(*args, data=data_dir, killpoint="verify")
    assert r.returncode == -9, r.stderr
    (job,) = read_jobs(data_dir)
    assert job.done == len(data) and (out / "f.bin.part").exists()
    return args, data_dir, out


def test_416_when_the_file_is_already_complete_finishes(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(1 * MIB, seed=10)
    spec = server.add_file("/f.bin", data)
    args, data_dir, out = _all_bytes_then_killed(server, tmp_path, data)
    # the resumed probe is refused: the server says the file is exactly the bytes we have
    spec.status_sequence = [(416, {"Content-Range": f"bytes */{len(data)}"})]
    r = run_tether(*args, data=data_dir)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["f.bin"]
    assert file_sha(out / "f.bin") == sha(data)


def test_416_when_the_file_shrank_starts_over(server: FaultServer, tmp_path: Path) -> None:
    data = payload(3 * MIB, seed=11)
    smaller = payload(1 * MIB, seed=12)
    spec = server.add_file("/f.bin", data)
    spec.rate = 1 * MIB

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=1)
        await wait_for(lambda: engine.bytes_done(job.id) > 1200 * KIB)
        engine.pause(job.id)
        await wait_for(lambda: engine.job(job.id).state == JobState.PAUSED)
        assert engine.job(job.id).done > len(smaller)  # the first gap is past the new end
        spec.rate = None
        server.replace_file("/f.bin", smaller)  # → the resumed probe gets 416 bytes */1 MiB
        engine.resume(job.id)
        await engine.wait_idle()
        done = engine.job(job.id)
        assert outcome(done, smaller) == "completed", done.error
        log = " | ".join(m for _, m in engine.job_log(job.id))
        assert "starting over" in log, log

    run_engine(tmp_path, body)
    assert any(r.status == 416 for r in server.requests)


# ---------------------------------------------------------------------------- file swapped
@pytest.mark.parametrize("honours_if_range", [True, False])
def test_file_swapped_between_two_segments_requests(
    server: FaultServer, tmp_path: Path, honours_if_range: bool
) -> None:
    """Same size, new content. With If-Range the server sends a 200 (→ restart); a server that
    ignores If-Range sends a 206 of the new version — its ETag gives it away: never spliced."""
    old, new = payload(2 * MIB, seed=1), payload(2 * MIB, seed=2)
    spec = server.add_file("/f.bin", old)
    spec.rate = 2 * MIB
    spec.if_range = honours_if_range
    seen = {"n": 0}

    def swap(req: RequestLog) -> None:
        seen["n"] += 1
        if seen["n"] == 3:
            server.replace_file("/f.bin", new)

    spec.on_request = swap  # type: ignore[assignment]
    job = download(tmp_path, server.url("/f.bin"), connections=4)
    assert outcome(job, new) == "completed", job.error


# ---------------------------------------------------------------------------- trickle
async def _pause_latency(engine: Engine, job_id: int) -> float:
    t0 = time.monotonic()
    engine.pause(job_id)
    await wait_for(lambda: engine.job(job_id).state == JobState.PAUSED, timeout=3)
    return time.monotonic() - t0


def test_trickle_slower_than_data_but_faster_than_the_watchdog_makes_progress(
    server: FaultServer, tmp_path: Path
) -> None:
    """One byte every 0.3 s with a 2 s stall watchdog: not a stall. The job keeps getting bytes,
    pause answers within a second, and it completes exactly."""
    data = payload(12, seed=13)
    spec = server.add_file("/t.bin", data)
    spec.trickle = 0.3
    cfg = settings(stall_timeout=2.0)

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/t.bin"), str(tmp_path / "out"))
        await wait_for(lambda: engine.bytes_done(job.id) >= 3, timeout=5)
        seen = engine.bytes_done(job.id)
        await wait_for(lambda: engine.bytes_done(job.id) >= seen + 3, timeout=5)  # progress
        assert await _pause_latency(engine, job.id) < 1.0
        kept = engine.job(job.id).done
        assert kept > 0
        engine.resume(job.id)
        await engine.wait_idle()
        done = engine.job(job.id)
        assert outcome(done, data) == "completed", done.error

    run_engine(tmp_path, body, cfg)


def test_trickle_slower_than_the_watchdog_still_progresses_and_pauses(
    server: FaultServer, tmp_path: Path
) -> None:
    """One byte every 3 s against a 1 s watchdog: each connection is declared stalled, but every
    reconnect brings a byte, so the retry budget (which refills on new progress) keeps it going.
    Pause still answers within a second."""
    data = payload(1000, seed=14)
    spec = server.add_file("/t.bin", data)
    spec.trickle = 3.0
    cfg = settings(stall_timeout=1.0)

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/t.bin"), str(tmp_path / "out"))
        await wait_for(lambda: engine.bytes_done(job.id) >= 2, timeout=10)
        assert engine.job(job.id).state == JobState.DOWNLOADING
        assert await _pause_latency(engine, job.id) < 1.0
        paused = engine.job(job.id)
        assert paused.state == JobState.PAUSED and paused.error is None

    run_engine(tmp_path, body, cfg)


# ---------------------------------------------------------------------------- HTML as 200
def test_html_error_page_with_200_to_a_range_request_is_never_written(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(2 * MIB, seed=15)
    spec = server.add_file("/f.bin", data)
    spec.html_200_on_range = True
    spec.html_200_min_start = 1  # the probe (from 0) is fine; every other range gets HTML
    job = download(tmp_path, server.url("/f.bin"), connections=4)
    outcome(job, data)
    never_contains(job.path, ERROR_BODY)
    part = (job.path or "") + ".part"
    if os.path.exists(part):
        assert ERROR_BODY not in Path(part).read_bytes()


# ---------------------------------------------------------------------------- redirect on resume
def test_redirect_to_another_host_on_resume_continues(server: FaultServer, tmp_path: Path) -> None:
    """Paused on host A; on resume A redirects to host B (127.0.0.2) serving the same file with
    the same validators: the job continues from its bytes, it does not restart."""
    data = payload(3 * MIB, seed=16)
    spec = server.add_file("/f.bin", data)
    spec.rate = 1 * MIB
    with FaultServer(host="127.0.0.2") as other:
        other.add_file("/mirror/f.bin", data)

        async def body(engine: Engine) -> None:
            job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=2)
            await wait_for(lambda: engine.bytes_done(job.id) > 800 * KIB)
            engine.pause(job.id)
            await wait_for(lambda: engine.job(job.id).state == JobState.PAUSED)
            kept_segments = engine.job(job.id).segments
            server.add_redirect("/f.bin", other.url("/mirror/f.bin"))
            engine.resume(job.id)
            await engine.wait_idle()
            done = engine.job(job.id)
            assert outcome(done, data) == "completed", done.error
            assert done.final_url == other.url("/mirror/f.bin")
            log = " | ".join(m for _, m in engine.job_log(job.id))
            assert "starting over" not in log, log
            other.wait_idle()
            # Continued, not restarted: host B was never asked for a byte kept from host A.
            # (Counting bytes served is no test of that: a thief's cut leaves what the server
            # already pushed into the victim's socket buffers counted as served.)
            for request in other.requests_for("/mirror/f.bin"):
                first = request.range_start
                assert first is not None, "a plain GET would start over"
                for seg in kept_segments:
                    assert not seg.start <= first < seg.start + seg.done, (first, seg)

        run_engine(tmp_path, body)


# ---------------------------------------------------------------------------- expired link
def test_link_expires_mid_transfer_then_continues_with_a_fresh_url(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(3 * MIB, seed=17)
    spec = server.add_file("/signed.bin", data)
    spec.rate = 512 * KIB
    spec.drop_after = 256 * KIB  # connections break now and then and must ask again
    server.add_file("/fresh.bin", data)

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/signed.bin"), str(tmp_path / "out"), connections=3)
        await wait_for(lambda: engine.bytes_done(job.id) > 600 * KIB)
        spec.status_always = 403  # every new request now meets an expired link
        await wait_for(lambda: engine.job(job.id).state == JobState.FAILED, timeout=20)
        failed = engine.job(job.id)
        assert failed.error and "403" in failed.error and "\n" not in failed.error
        part = Path(failed.part_path or "")
        assert failed.done > 0 and part.exists() and part.stat().st_size > 0
        with pytest.raises(Exception, match="unsupported scheme"):
            engine.set_url(job.id, "ftp://nope/x")  # validated: a bad URL is refused
        before = server.bytes_served()
        server.files["/fresh.bin"].rate = 2 * MIB  # paced like a real link
        engine.set_url(job.id, server.url("/fresh.bin"))
        engine.retry(job.id)
        await engine.wait_idle()
        done = engine.job(job.id)
        assert outcome(done, data) == "completed", done.error
        # the bytes still missing, some slack, and the same-file check (three 64 KiB pieces)
        check = samefile.PIECES * samefile.PIECE
        assert server.bytes_served() - before <= len(data) - failed.done + 256 * KIB + check
        assert any("new link checked" in m for _, m in engine.job_log(job.id))

    run_engine(tmp_path, body)


# ---------------------------------------------------------------------------- disk full
@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode().strip()})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def test_disk_full_mid_transfer_fails_clearly_and_resumes_after_space_is_freed(
    server: FaultServer, tmp_path: Path
) -> None:
    """A 4 MiB tmpfs; the .part is sparse, so a filler file eats the space after the start."""
    data = payload(3 * MIB, seed=18)
    spec = server.add_file("/f.bin", data)
    spec.rate = 1 * MIB
    with tmpfs(tmp_path / "small", "4m") as dest:

        async def body(engine: Engine) -> None:
            job = engine.add(server.url("/f.bin"), str(dest), connections=2)
            await wait_for(lambda: engine.bytes_done(job.id) > 500 * KIB)
            filler = dest / "filler"
            with open(filler, "wb") as f, contextlib.suppress(OSError):  # every free byte
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            await wait_for(lambda: engine.job(job.id).state == JobState.FAILED, timeout=20)
            failed = engine.job(job.id)
            assert failed.error and "disk full" in failed.error, failed.error
            assert "\n" not in failed.error
            assert failed.done > 0 and Path(failed.part_path or "").exists()
            filler.unlink()
            spec.rate = 2 * MIB
            before = server.bytes_served()
            engine.retry(job.id)
            await engine.wait_idle()
            done = engine.job(job.id)
            assert outcome(done, data) == "completed", done.error
            log = " | ".join(m for _, m in engine.job_log(job.id))
            assert "starting over" not in log, log  # resumed, not restarted
            assert server.bytes_served() - before < len(data), log

        run_engine(tmp_path, body)


def test_not_enough_space_up_front_is_a_clear_error(server: FaultServer, tmp_path: Path) -> None:
    data = payload(3 * MIB, seed=19)
    server.add_file("/f.bin", data)
    with tmpfs(tmp_path / "small", "2m") as dest:
        job = download(tmp_path, server.url("/f.bin"), connections=2)  # into tmp_path/out: fine
        assert outcome(job, data) == "completed"

        async def body(engine: Engine) -> None:
            j = engine.add(server.url("/f.bin"), str(dest))
            await engine.wait_idle()
            failed = engine.job(j.id)
            assert failed.state == JobState.FAILED
            assert failed.error and "not enough disk space" in failed.error

        run_engine(tmp_path / "second", body)


def test_injected_enospc_writer(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where tmpfs can't be mounted: a writer that fails with ENOSPC after 600 KiB."""
    data = payload(2 * MIB, seed=20)
    spec = server.add_file("/f.bin", data)
    spec.rate = 1 * MIB
    real_write = PartFile.write_at
    state = {"written": 0, "full": True}

    def write_at(self: PartFile, chunk: memoryview | bytes, offset: int) -> None:
        if state["full"] and state["written"] > 600 * KIB:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, chunk, offset)
        state["written"] += len(chunk)

    monkeypatch.setattr(PartFile, "write_at", write_at)

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=2)
        await wait_for(lambda: engine.job(job.id).state == JobState.FAILED, timeout=20)
        failed = engine.job(job.id)
        assert failed.error and failed.error.startswith("disk full"), failed.error
        assert failed.done > 0 and Path(failed.part_path or "").exists()
        state["full"] = False
        spec.rate = None
        engine.retry(job.id)
        await engine.wait_idle()
        assert outcome(engine.job(job.id), data) == "completed"

    run_engine(tmp_path, body)


def test_read_only_destination(server: FaultServer, tmp_path: Path) -> None:
    """The folder turns read-only while paused (a remount: root ignores permission bits): the job
    fails with one clear line, the partial data stays, and it resumes once writable again."""
    data = payload(3 * MIB, seed=21)
    spec = server.add_file("/f.bin", data)
    spec.rate = 1 * MIB
    with tmpfs(tmp_path / "vol", "16m") as dest:

        def remount(mode: str) -> None:
            subprocess.run(["mount", "-o", f"remount,{mode}", str(dest)], check=True)

        async def body(engine: Engine) -> None:
            job = engine.add(server.url("/f.bin"), str(dest), connections=2)
            await wait_for(lambda: engine.bytes_done(job.id) > 600 * KIB)
            engine.pause(job.id)
            await wait_for(lambda: engine.job(job.id).state == JobState.PAUSED)
            kept = engine.job(job.id).done
            remount("ro")
            try:
                engine.resume(job.id)
                await wait_for(lambda: engine.job(job.id).state == JobState.FAILED, timeout=10)
                failed = engine.job(job.id)
                assert failed.error and "no permission to write" in failed.error, failed.error
                assert "\n" not in failed.error
                assert failed.done == kept and Path(failed.part_path or "").exists()
                with pytest.raises(Exception, match="cannot write to folder"):
                    engine.add(server.url("/f.bin"), str(dest))  # a new job: refused up front
            finally:
                remount("rw")
            spec.rate = None
            engine.retry(job.id)
            await engine.wait_idle()
            assert outcome(engine.job(job.id), data) == "completed"

        run_engine(tmp_path, body)
        r = None
        remount("ro")
        try:
            r = run_tether("get", server.url("/f.bin"), "-o", str(dest), data=tmp_path / "cli")
        finally:
            remount("rw")
        assert r is not None and r.returncode == 2
        assert r.stderr.count("\n") == 1 and "cannot write to folder" in r.stderr


# ---------------------------------------------------------------------------- .part tampered
@pytest.mark.parametrize("tamper", ["delete", "truncate", "shorten_tail", "corrupt"])
def test_part_changed_behind_tethers_back_while_paused(
    server: FaultServer, tmp_path: Path, tamper: str
) -> None:
    data = payload(3 * MIB, seed=22)
    spec = server.add_file("/f.bin", data)
    spec.rate = 1 * MIB
    digest = sha(data) if tamper == "corrupt" else None

    async def body(engine: Engine) -> None:
        job = engine.add(server.url("/f.bin"), str(tmp_path / "out"), connections=3, sha256=digest)
        await wait_for(lambda: engine.bytes_done(job.id) > 900 * KIB)
        engine.pause(job.id)
        await wait_for(lambda: engine.job(job.id).state == JobState.PAUSED)
        paused = engine.job(job.id)
        part = Path(paused.part_path or "")
        if tamper == "delete":
            part.unlink()
        elif tamper == "truncate":
            os.truncate(part, 1000)
        elif tamper == "shorten_tail":
            furthest = max(s.start + s.done for s in paused.segments)
            os.truncate(part, furthest)  # nothing recorded is lost: resume, don't restart
        else:
            with open(part, "r+b") as f:  # same length, other bytes: only a checksum can tell
                f.write(b"\xff" * 4096)
        spec.rate = None
        engine.resume(job.id)
        await engine.wait_idle()
        done = engine.job(job.id)
        log = " | ".join(m for _, m in engine.job_log(job.id))
        if tamper == "corrupt":
            assert done.state == JobState.FAILED and "checksum mismatch" in (done.error or "")
            outcome(done, data)
            engine.retry(job.id)  # the bad data was discarded: a retry fetches it all again
            await engine.wait_idle()
            done = engine.job(job.id)
        assert outcome(done, data) == "completed", (done.error, log)
        if tamper in ("delete", "truncate"):
            assert "starting over" in log, log
        if tamper == "shorten_tail":
            assert "starting over" not in log, log

    run_engine(tmp_path, body)
