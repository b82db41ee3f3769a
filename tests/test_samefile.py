"""A new link for a partial file: the same file by bytes (app/engine/samefile.py), or refused
in one line with the partial data kept."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app.engine import samefile
from app.engine.engine import Engine
from app.store.models import JobState
from tests.engine_helpers import KIB, MIB, payload, run_engine, wait_for
from tests.support.faultserver import FaultServer
from tests.trust_helpers import run_tether, spawn_tether

PIECE = samefile.PIECE


def test_three_pieces_spread_over_what_is_on_disk() -> None:
    assert samefile.pieces([(0, 10 * MIB)]) == [
        (0, PIECE),
        (5 * MIB - PIECE // 2, 5 * MIB + PIECE // 2),
        (10 * MIB - PIECE, 10 * MIB),
    ]
    # two runs of segments: a piece is clipped at the end of its run, never spans a hole
    assert samefile.pieces([(0, MIB), (4 * MIB, 5 * MIB)]) == [
        (0, PIECE),
        (MIB - PIECE // 2, MIB),
        (5 * MIB - PIECE, 5 * MIB),
    ]
    assert samefile.pieces([(0, 100)]) == [(0, 100)]
    assert samefile.pieces([]) == [] and samefile.pieces([(5, 5)]) == []
    assert samefile.merged([(10, 20), (0, 5), (5, 8), (15, 30)]) == [(0, 8), (10, 30)]


@given(st.lists(st.tuples(st.integers(0, 10**8), st.integers(1, 5 * 10**6)), max_size=8))
def test_pieces_lie_inside_the_bytes_we_have(runs: list[tuple[int, int]]) -> None:
    have = [(s, s + n) for s, n in runs]
    got = samefile.pieces(have)
    assert len(got) <= samefile.PIECES
    assert len(set(got)) == len(got)
    for start, end in got:
        assert 0 < end - start <= PIECE
        assert any(s <= start and end <= e for s, e in samefile.merged(have))
    if have:
        assert got


def test_compare_says_why_in_one_line() -> None:
    data = payload(300 * KIB)
    ours = lambda a, b: data[a:b]  # noqa: E731
    ranges = samefile.pieces([(0, len(data))])
    assert samefile.compare(len(data), len(data), ranges, ours, ours) is None
    other = bytearray(data)
    other[-1] ^= 1
    why = samefile.compare(len(data), len(data), ranges, ours, lambda a, b: bytes(other[a:b]))
    assert why is not None and "another file" in why and f"{len(data) - PIECE}" in why
    assert "another file (5 bytes" in (samefile.compare(len(data), 5, ranges, ours, ours) or "")

    def broken(_a: int, _b: int) -> bytes:
        raise samefile.SameFileError("it answered 403 to a range request")

    assert "403" in (samefile.compare(len(data), len(data), ranges, ours, broken) or "")


def _partial(server: FaultServer, engine: Engine, out: Path, data: bytes) -> int:
    """A job that got part of /a.bin, then failed on an expired link; its id."""
    spec = server.add_file("/a.bin", data)
    spec.rate = 1 * MIB
    job = engine.add(server.url("/a.bin"), str(out), connections=2)
    return job.id


def test_another_file_of_the_same_size_is_refused_then_the_right_link_continues(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(3 * MIB, seed=5)
    server.add_file("/impostor.bin", payload(len(data), seed=6))  # another file, same size
    server.add_file("/login.html", b"<html>please log in</html>", content_type="text/html")
    server.add_file("/mirror.bin", data)
    out = tmp_path / "out"

    async def body(engine: Engine) -> None:
        job_id = _partial(server, engine, out, data)
        await wait_for(lambda: engine.bytes_done(job_id) > 2 * MIB)
        engine.pause(job_id)
        await wait_for(lambda: engine.job(job_id).state == JobState.PAUSED)
        kept = engine.job(job_id).done
        part = Path(engine.job(job_id).part_path or "")
        before = part.read_bytes()
        for bad, words in (("/impostor.bin", "bytes at offset"), ("/login.html", "another file")):
            await wait_for(lambda: not engine.is_running(job_id))  # the last run wound down
            engine.set_url(job_id, server.url(bad))
            engine.resume(job_id)
            await wait_for(lambda: engine.job(job_id).state == JobState.FAILED)
            failed = engine.job(job_id)
            assert failed.error and words in failed.error and "\n" not in failed.error
            assert "partial data is kept" in failed.error
            assert failed.done == kept and part.read_bytes() == before
        engine.set_url(job_id, server.url("/mirror.bin"))
        engine.retry(job_id)
        await engine.wait_idle()
        done = engine.job(job_id)
        assert done.state == JobState.COMPLETED, done.error
        assert Path(done.path or "").read_bytes() == data
        assert server.bytes_served("/mirror.bin") < len(data)  # continued from the kept bytes
        assert any("new link checked" in m for _, m in engine.job_log(job_id))

    run_engine(tmp_path, body)


def test_the_cli_sets_a_new_link_after_a_kill_and_the_byte_check_decides(
    server: FaultServer, tmp_path: Path
) -> None:
    data = payload(4 * MIB, seed=9)
    server.add_file("/old.bin", data)
    server.add_file("/other.bin", payload(len(data), seed=10))
    server.add_file("/new.bin", data)
    store, out = tmp_path / "data", tmp_path / "o"
    proc = spawn_tether(
        "get", server.url("/old.bin"), "-o", str(out), "-c", "2", data=store, killpoint="save:2"
    )
    assert proc.wait(timeout=60) == -9
    part = out / "old.bin.part"
    kept = part.read_bytes()
    r = run_tether("set-url", "1", server.url("/other.bin"), data=store)
    assert r.returncode == 0, r.stderr
    r = run_tether("resume", "1", data=store)
    assert r.returncode == 1 and "another file" in r.stderr and r.stderr.count("\n") == 1
    assert part.read_bytes() == kept
    assert run_tether("set-url", "9", server.url("/new.bin"), data=store).returncode == 2
    assert run_tether("set-url", "1", server.url("/new.bin"), data=store).returncode == 0
    r = run_tether("resume", "1", data=store)
    assert r.returncode == 0, r.stderr
    assert (out / "old.bin").read_bytes() == data
