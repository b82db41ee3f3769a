"""RemoteEngine (the window's engine over the socket) against a real service in-process:
paged load, commands, the event and progress cache, settings and URL hand-over, loss."""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.errors import BadInput
from app.engine.events import EngineEvent, EventKind
from app.engine.inputs import KEEP
from app.service import protocol as p
from app.service.client import ServiceGone
from app.service.remote_engine import RemoteEngine
from app.store import JobStore
from app.store.models import JobState
from tests.engine_helpers import MIB, file_sha, payload, sha
from tests.support.faultserver import FaultServer
from tests.test_service_server import ServiceThread


class Window:
    """What the window does with a RemoteEngine: posts run on 'its' thread when pumped."""

    def __init__(self, svc: ServiceThread, page: int = 1000) -> None:
        self.posted: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.events: list[EngineEvent] = []
        self.notices: list[tuple[str, dict[str, Any]]] = []
        self.lost: list[str] = []
        self.engine = RemoteEngine(
            svc.client(),
            self.posted.put,
            on_event=self.events.append,
            on_notice=lambda m, params: self.notices.append((m, params)),
            on_lost=self.lost.append,
            page=page,
        )

    def pump(self, until: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not until():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            with contextlib.suppress(queue.Empty):
                self.posted.get(timeout=0.05)()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def svc(data: Path) -> Iterator[ServiceThread]:
    with ServiceThread(data) as service:
        yield service


def test_the_queue_loads_in_pages_with_its_order(data: Path, tmp_path: Path) -> None:
    data.mkdir(parents=True)
    store = JobStore.open(data / "db.sqlite3")
    for i in range(2500):
        store.add_job(f"http://127.0.0.1:9/f{i}", str(tmp_path), state=JobState.PAUSED)
    store.close()
    with ServiceThread(data) as service:
        window = Window(service, page=1000)
        try:
            jobs = window.engine.jobs()
            assert len(jobs) == 2500 and len({j.id for j in jobs}) == 2500
            assert all(j.state is JobState.PAUSED for j in jobs)
            assert sorted(j.position for j in jobs) == list(range(1, 2501))
            assert window.engine.job(jobs[0].id).url.startswith("http://127.0.0.1:9/")
            assert window.events == []  # the model starts from jobs(); nothing twice
        finally:
            window.engine.close()


def test_commands_answer_and_their_events_arrive_before_the_call_returns(
    svc: ServiceThread, tmp_path: Path
) -> None:
    window = Window(svc)
    engine = window.engine
    try:
        job = engine.add("http://127.0.0.1:9/a.bin", str(tmp_path), start=False, connections=3)
        assert job.state is JobState.PAUSED and job.connections == 3
        assert [(e.kind, e.job_id) for e in window.events] == [(EventKind.ADDED, job.id)]
        second = engine.add("http://127.0.0.1:9/b.bin", str(tmp_path), start=False)
        engine.configure(job.id, connections=5, speed_limit=100_000)
        assert engine.job(job.id).connections == 5
        assert engine.job(job.id).speed_limit == 100_000
        engine.configure(job.id, speed_limit=KEEP)
        assert engine.job(job.id).speed_limit == 100_000
        engine.configure(job.id, speed_limit=None)  # unlimited
        assert engine.job(job.id).speed_limit is None
        engine.configure(job.id, speed_limit=50_000)
        engine.configure(job.id, speed_limit=0)  # unlimited too, as Engine.configure takes it
        assert engine.job(job.id).speed_limit is None
        engine.move([second.id], "top")
        assert engine.job(second.id).position < engine.job(job.id).position
        engine.move_before([second.id], None)
        assert engine.job(second.id).position > engine.job(job.id).position
        engine.set_url(job.id, "http://127.0.0.1:9/a2.bin")
        assert engine.job(job.id).url.endswith("a2.bin")
        assert isinstance(engine.job_log(job.id), list)
        with pytest.raises(BadInput, match="no job"):
            engine.pause(99999)
        with pytest.raises(BadInput):
            engine.add("ftp://nope", str(tmp_path))
        engine.remove(second.id, keep_partial=True)
        assert window.events[-1].kind is EventKind.REMOVED
        with pytest.raises(BadInput):
            engine.job(second.id)
    finally:
        engine.close()


def test_a_download_through_the_cache_is_exact_and_progress_ends_with_it(
    svc: ServiceThread, server: FaultServer, tmp_path: Path
) -> None:
    body = payload(3 * MIB)
    server.add_file("/p.bin", body)
    server.files["/p.bin"].rate = 1 * MIB  # ~1 s with 4 connections: several batches
    window = Window(svc)
    engine = window.engine
    try:
        job = engine.add(server.url("/p.bin"), str(tmp_path), connections=4)
        window.pump(lambda: bool(engine.progress()), what="progress")
        live = engine.progress()[job.id]
        assert live.size == 3 * MIB and 0 <= live.done <= 3 * MIB and live.segments
        window.pump(
            lambda: engine.job(job.id).state is JobState.COMPLETED, what="the job to complete"
        )
        window.pump(lambda: not engine.progress(), what="progress to end")
        assert engine.job(job.id).done == 3 * MIB
        assert file_sha(tmp_path / "p.bin") == sha(body)
        kinds = [e.kind for e in window.events if e.job_id == job.id]
        assert kinds[0] is EventKind.ADDED and EventKind.CHANGED in kinds
    finally:
        engine.close()


def test_other_clients_settings_and_urls_reach_the_window(svc: ServiceThread) -> None:
    window = Window(svc)
    other = svc.client()
    try:
        assert window.engine.call("window.claim") == {"claimed": True}
        assert other.call("window.claim") == {"claimed": False}
        other.call("settings.set", values={"max_concurrent": 7})
        window.pump(lambda: any(m == "settings" for m, _ in window.notices), what="settings")
        settings = [params for m, params in window.notices if m == "settings"][-1]
        assert settings["values"]["max_concurrent"] == 7
        result = other.call("window.open_urls", urls=["http://x.test/a"], dir="/tmp")
        assert result == {"delivered": True}
        window.pump(lambda: any(m == "ui.open_urls" for m, _ in window.notices), what="urls")
        urls = [params for m, params in window.notices if m == "ui.open_urls"][-1]
        assert urls == {"urls": ["http://x.test/a"], "dir": "/tmp"}
        with pytest.raises(p.InvalidParams):
            other.call("window.open_urls", urls="http://x.test/a")
    finally:
        window.engine.close()
    # the window went away: nobody takes the URLs, the role is free again
    deadline = time.monotonic() + 5
    while other.call("window.open_urls", urls=["http://x.test/b"]) != {"delivered": False}:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert other.call("window.claim") == {"claimed": True}
    other.close()


def test_window_state_keys_only(svc: ServiceThread) -> None:
    window = Window(svc)
    try:
        window.engine.call("ui_state.set", key="ui.header_state", value="abc")
        assert window.engine.call("ui_state.get", key="ui.header_state") == {"value": "abc"}
        with pytest.raises(p.InvalidParams):
            window.engine.call("ui_state.set", key="max_concurrent", value=9)
        with pytest.raises(p.InvalidParams):
            window.engine.call("ui_state.set", key="ui.x", value={"a": 1})
    finally:
        window.engine.close()


def test_the_service_going_away_is_reported_once_and_calls_fail_cleanly(data: Path) -> None:
    with ServiceThread(data) as service:
        window = Window(service)
    window.pump(lambda: bool(window.lost), what="the loss")
    assert len(window.lost) == 1
    with pytest.raises(ServiceGone):
        window.engine.pause_all()
    window.engine.close()


def test_a_message_the_window_cannot_read_ends_the_connection_with_one_line(
    svc: ServiceThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid JSON of a shape the window does not expect (a job without an id, say) must not
    kill the reader thread silently: the connection ends with one line and calls fail at once."""
    window = Window(svc)
    import app.service.remote_connection as remote_connection

    def broken(_d: dict[str, Any]) -> Any:
        raise KeyError("id")

    monkeypatch.setattr(remote_connection, "job_from_dict", broken)
    with svc.client() as other:  # another client adds: the event reaches the window
        other.call("add", url="http://127.0.0.1:9/x.bin", dir=str(svc.data_dir), start=False)
    window.pump(lambda: bool(window.lost), what="the loss")
    assert window.lost == ["the service sent a message this window does not understand"]
    started = time.monotonic()
    with pytest.raises(ServiceGone):
        window.engine.pause_all()
    assert time.monotonic() - started < 2
    window.engine.close()
