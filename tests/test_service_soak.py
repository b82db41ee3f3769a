"""Clients coming and going leave nothing behind in the service (the short version of
tests/benchmarks/soak_bench.py): its fds and threads are back where they were, and the
downloads that ran meanwhile are exact."""

from __future__ import annotations

from tests.benchmarks.soak_bench import run


def test_client_churn_leaks_no_fds_or_threads_and_downloads_stay_exact() -> None:
    r = run(jobs=300, running=3, clients=8, seconds=4.0, rate=150_000, margin=10)
    before, after = r["before"], r["after"]
    assert r["errors"] == 0
    assert r["sessions"] >= 8  # every client got through at least once
    assert after["fds"] <= before["fds"], r
    assert after["threads"] <= before["threads"], r
    assert r["still_running_after_churn"] == 3  # measured while the same transfers ran
    assert r["exact_files"] == 3
