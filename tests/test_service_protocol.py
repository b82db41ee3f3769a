"""The service protocol without sockets: framing, errors, the dispatcher, the method table,
wire views (no secrets), the progress delta; and hypothesis fuzzing of the dispatcher."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.engine import Engine
from app.engine.events import EngineEvent, EventKind, Progress
from app.service import protocol as p
from app.service.api import ServiceApi
from app.service.views import event_params, job_dict, progress_delta, progress_snapshot
from app.store import JobStore
from app.store.models import Job, JobState

EXAMPLES = int(os.environ.get("TETHER_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def line(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def toy() -> p.Dispatcher:
    def echo(params: p.Params, _s: p.Session) -> object:
        return {"n": params.integer("n", required=True, minimum=0)}

    def boom(_params: p.Params, _s: p.Session) -> object:
        raise RuntimeError("secret internals")

    def hello(_params: p.Params, s: p.Session) -> object:
        s.greeted = True
        return {}

    def busy(_params: p.Params, _s: p.Session) -> object:
        raise p.Busy("too busy\nsecond line")

    return p.Dispatcher(
        {
            "hello": p.Method(hello, before_hello=True),
            "echo": p.Method(echo),
            "boom": p.Method(boom),
            "busy": p.Method(busy),
        }
    )


def code(reply: dict[str, Any] | None) -> int:
    assert reply is not None
    return int(reply["error"]["code"])


# ---------------------------------------------------------------------------- dispatcher
def test_hello_first_then_calls_work() -> None:
    d, s = toy(), p.Session()
    req = {"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"n": 3}}
    assert code(d.handle_line(line(req), s)) == p.HelloRequired.code
    assert d.handle_line(line({"jsonrpc": "2.0", "id": "h", "method": "hello"}), s) == {
        "jsonrpc": "2.0",
        "id": "h",
        "result": {},
    }
    assert d.handle_line(line(req), s) == {"jsonrpc": "2.0", "id": 1, "result": {"n": 3}}
    assert d.handle_line(line(req), s) == {"jsonrpc": "2.0", "id": 1, "result": {"n": 3}}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"not json", p.ParseError.code),
        (b"\xff\xfe", p.ParseError.code),
        (b"[" * 100_000, p.ParseError.code),  # deep nesting: RecursionError, not a crash
        (b'{"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"n": NaN}}', -32700),
        (b'{"id": ' + b"9" * 5000 + b"}", p.ParseError.code),  # past the int digit limit
        (b"[]", p.InvalidRequest.code),
        (b"42", p.InvalidRequest.code),
        (line({"jsonrpc": "1.0", "id": 1, "method": "echo"}), p.InvalidRequest.code),
        (line({"jsonrpc": "2.0", "id": 1, "method": 5}), p.InvalidRequest.code),
        (line({"jsonrpc": "2.0", "id": True, "method": "echo"}), p.InvalidRequest.code),
        (line({"jsonrpc": "2.0", "id": 1.5, "method": "echo"}), p.InvalidRequest.code),
        (line({"jsonrpc": "2.0", "id": 10**30, "method": "echo"}), p.InvalidRequest.code),
        (line({"jsonrpc": "2.0", "id": "x" * 1000, "method": "echo"}), p.InvalidRequest.code),
        (line({"jsonrpc": "2.0", "id": 1, "method": "nope"}), p.MethodNotFound.code),
        (line({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": [1]}), -32602),
        (line({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"n": "1"}}), -32602),
        (line({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"n": True}}), -32602),
        (line({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"n": -1}}), -32602),
        (line({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {}}), -32602),
        (line({"jsonrpc": "2.0", "id": 1, "method": "boom"}), p.InternalError.code),
        (line({"jsonrpc": "2.0", "id": 1, "method": "busy"}), p.Busy.code),
        (b"x" * (p.MAX_LINE + 1), p.InvalidRequest.code),
    ],
)
def test_every_bad_line_gets_one_well_formed_error(raw: bytes, expected: int) -> None:
    s = p.Session(greeted=True)
    reply = toy().handle_line(raw, s)
    assert code(reply) == expected
    assert reply is not None
    error = reply["error"]
    assert "\n" not in error["message"] and "secret" not in error["message"]
    assert error["data"]["name"] == p.ERROR_BY_CODE[expected].name
    p.encode(reply)


def test_notifications_get_no_reply_even_when_they_fail() -> None:
    d, s = toy(), p.Session(greeted=True)
    assert d.handle_line(line({"jsonrpc": "2.0", "method": "echo", "params": {"n": 1}}), s) is None
    assert d.handle_line(line({"jsonrpc": "2.0", "method": "boom"}), s) is None
    assert d.handle_line(line({"jsonrpc": "2.0", "method": "nope"}), s) is None


def test_error_codes_are_stable_and_round_trip() -> None:
    assert {e.name: e.code for e in p.ERRORS} == {
        "parse_error": -32700,
        "invalid_request": -32600,
        "method_not_found": -32601,
        "invalid_params": -32602,
        "internal_error": -32603,
        "bad_input": 1001,
        "unknown_job": 1002,
        "not_allowed": 1003,
        "busy": 1004,
        "hello_required": 1005,
        "unauthorized": 1006,
    }
    for cls in p.ERRORS:
        err = p.error_from_json(cls("why").to_json())
        assert type(err) is cls and err.message == "why"
    assert p.error_from_json("junk").code == p.InternalError.code


# ---------------------------------------------------------------------------- views
SECRET_URL = "https://alice:hunter2@example.com/file.iso?next=http://bob:pw@x/"


def _job(**kw: Any) -> Job:
    base: dict[str, Any] = {
        "id": 7,
        "url": SECRET_URL,
        "dest_dir": "/tmp",
        "state": JobState.DOWNLOADING,
        "added_at": 1.0,
    }
    return Job(**{**base, **kw})


def test_job_views_never_carry_credentials() -> None:
    job = _job(final_url="https://carol:pw2@cdn.example.com/f")
    text = json.dumps(job_dict(job))
    for secret in ("hunter2", "alice", "bob", "pw2", "carol"):
        assert secret not in text
    params = event_params(EngineEvent(EventKind.CHANGED, 7, job))
    assert params is not None and "hunter2" not in json.dumps(params)
    assert event_params(EngineEvent(EventKind.REMOVED, 7)) == {"kind": "removed", "id": 7}
    assert event_params(EngineEvent(EventKind.CHANGED, 7)) is None


def test_progress_delta_sends_only_what_changed() -> None:
    def prog(jid: int, done: int, speed: float) -> Progress:
        return Progress(jid, done, 100, speed, 2, ((0, 50, done), (50, 100, 0)))

    first = progress_snapshot({1: prog(1, 10, 5.2), 2: prog(2, 0, 0)}, segments=False)
    assert progress_delta({}, first) == [
        {"id": 1, "done": 10, "size": 100, "speed": 5, "connections": 2},
        {"id": 2, "done": 0, "size": 100, "speed": 0, "connections": 2},
    ]
    second = progress_snapshot({1: prog(1, 20, 5.9), 2: prog(2, 0, 0)}, segments=False)
    assert progress_delta(first, second) == [{"id": 1, "done": 20}]  # 5.9 → 5: no change
    assert progress_delta(second, second) == []
    # re-rolls and the checksum's read-back show once they happen, then as changes
    rerolled = dataclasses.replace(prog(1, 30, 5), rerolls=1)
    third = progress_snapshot({1: rerolled, 2: prog(2, 0, 0)}, segments=False)
    assert progress_delta(second, third) == [{"id": 1, "done": 30, "rerolls": 1}]
    checking = dataclasses.replace(prog(1, 100, 0), rerolls=2, verifying=True)
    fourth = progress_snapshot({1: checking, 2: prog(2, 0, 0)}, segments=False)
    assert progress_delta(third, fourth) == [
        {"id": 1, "done": 100, "speed": 0, "rerolls": 2, "verifying": True}
    ]
    assert job_dict(_job(), 5, verifying=True)["verifying"] is True
    assert job_dict(_job())["verifying"] is False
    only = progress_snapshot({1: prog(1, 20, 5), 2: prog(2, 0, 0)}, True, frozenset({2}))
    assert list(only) == [2] and only[2]["segments"] == [[0, 50, 0], [50, 100, 0]]


# ---------------------------------------------------------------------------- the real table
@pytest.fixture(scope="module")
def api_env() -> Iterator[tuple[ServiceApi, Path]]:
    """A real engine that never downloads: its loop never started, nothing is scheduled."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = JobStore.open(root / "data" / "db.sqlite3")
        engine = Engine(store)
        stops: list[int] = []
        api = ServiceApi(engine, data_dir=root, on_stop=lambda: stops.append(1))
        yield api, root
        store.close()


def call(api: ServiceApi, method: str, **params: Any) -> dict[str, Any]:
    s = p.Session(greeted=True)
    reply = p.Dispatcher(api.methods()).handle(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, s
    )
    assert reply is not None
    return reply


def test_methods_map_engine_errors_to_stable_codes(api_env: tuple[ServiceApi, Path]) -> None:
    api, root = api_env
    dest = str(root / "out")
    assert code(call(api, "add", url="ftp://x/y", dir=dest)) == p.BadInput.code
    assert code(call(api, "add", url="http://127.0.0.1:9/a", dir=dest, sha256="zz")) == 1001
    added = call(api, "add", url="http://u:pw@127.0.0.1:9/a", dir=dest, start=False)["result"]
    job = added["job"]
    assert job["state"] == "paused" and "pw" not in job["url"] and added["reused"] is None
    again = call(api, "add", url="http://u:pw@127.0.0.1:9/a", dir=dest, reuse=True)["result"]
    assert again["reused"] == "unfinished" and again["job"]["id"] == job["id"]
    assert code(call(api, "pause", id=99999)) == p.UnknownJob.code
    assert code(call(api, "jobs.get", id=0)) == p.InvalidParams.code
    assert call(api, "configure", id=job["id"], connections=3)["result"]["job"]["connections"] == 3
    assert call(api, "set_url", id=job["id"], url="http://127.0.0.1:9/b")["result"]["job"]["url"]
    listed = call(api, "jobs.list", offset=0, limit=1)["result"]
    assert listed["total"] >= 1 and len(listed["jobs"]) == 1
    assert call(api, "jobs.log", id=job["id"])["result"]["entries"]
    assert code(call(api, "jobs.list", state="bogus")) == p.InvalidParams.code
    values = call(api, "settings.set", values={"max_concurrent": 5})["result"]["values"]
    assert values["max_concurrent"] == 5 and api.engine.settings.max_concurrent == 5
    assert code(call(api, "settings.set", values={"max_concurrent": 0})) == p.BadInput.code
    assert code(call(api, "settings.set", values={"nope": 1})) == p.InvalidParams.code
    assert call(api, "remove", id=job["id"])["result"] == {"removed": job["id"]}
    assert code(call(api, "remove", id=job["id"])) == p.UnknownJob.code


def test_a_job_reading_back_its_file_lists_as_verifying(
    api_env: tuple[ServiceApi, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, root = api_env
    added = call(api, "add", url="http://127.0.0.1:9/v", dir=str(root / "out"), start=False)
    jid = added["result"]["job"]["id"]
    assert added["result"]["job"]["verifying"] is False
    monkeypatch.setattr(api.engine, "is_running", lambda i: i == jid)
    monkeypatch.setattr(api.engine, "bytes_done", lambda i: 0)
    for verifying in (True, False):
        monkeypatch.setattr(api.engine, "is_verifying", lambda i, v=verifying: v and i == jid)
        jobs = call(api, "jobs.list", offset=0, limit=1000)["result"]["jobs"]
        assert {j["id"]: j["verifying"] for j in jobs}[jid] is verifying
        assert call(api, "jobs.get", id=jid)["result"]["job"]["verifying"] is verifying
    monkeypatch.undo()
    call(api, "remove", id=jid)


def test_service_stop_ends_the_service(api_env: tuple[ServiceApi, Path]) -> None:
    api, root = api_env
    stops: list[int] = []
    service = ServiceApi(api.engine, data_dir=root, on_stop=lambda: stops.append(1))
    assert not service.stopping
    assert call(service, "service.stop")["result"] == {"stopping": True}
    assert stops == [1] and service.stopping


def test_hello_checks_version_and_token(api_env: tuple[ServiceApi, Path]) -> None:
    api, root = api_env
    guarded = ServiceApi(api.engine, data_dir=root, on_stop=lambda: None, token="t0k3n")
    d = p.Dispatcher(guarded.methods())

    def hello(**params: Any) -> dict[str, Any] | None:
        return d.handle({"jsonrpc": "2.0", "id": 1, "method": "hello", "params": params}, s)

    s = p.Session()
    assert code(hello(protocol=0, token="t0k3n")) == p.HelloRequired.code
    assert code(hello(protocol=1, token="wrong")) == p.Unauthorized.code
    assert code(hello(protocol=1)) == p.Unauthorized.code
    assert not s.greeted
    ok = hello(protocol=1, token="t0k3n", client="test")
    assert ok is not None and ok["result"]["protocol"] == 1 and s.greeted
    assert ok["result"]["role"] == "service"  # what older clients and `service status` read


# ---------------------------------------------------------------------------- fuzz
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
METHOD_NAMES = [
    "hello",
    "add",
    "pause",
    "resume",
    "retry",
    "cancel",
    "remove",
    "set_url",
    "configure",
    "settings.get",
    "settings.set",
    "jobs.list",
    "jobs.get",
    "jobs.log",
    "pause_all",
    "resume_all",
    "subscribe",
    "unsubscribe",
    "service.stop",
    "nope",
]
PARAM_KEYS = ["id", "url", "dir", "connections", "sha256", "speed_limit", "start", "reuse"]
PARAM_KEYS += ["delete_file", "values", "offset", "limit", "state", "jobs", "protocol", "token"]
request_obj = st.fixed_dictionaries(
    {"jsonrpc": st.sampled_from(["2.0", "2.0", "1.0"]) | json_value},
    optional={
        "id": st.integers() | st.text(max_size=300) | json_value,
        "method": st.sampled_from(METHOD_NAMES) | json_value,
        "params": st.dictionaries(st.sampled_from(PARAM_KEYS), json_value) | json_value,
    },
)


def _check_reply(reply: dict[str, Any] | None, obj: object) -> None:
    if reply is None:  # only a request without an id may go unanswered
        assert isinstance(obj, dict) and "id" not in obj
        assert obj.get("jsonrpc") == "2.0" and isinstance(obj.get("method"), str)
        return
    assert reply["jsonrpc"] == "2.0" and "id" in reply
    assert ("result" in reply) != ("error" in reply)
    if "error" in reply:
        err = reply["error"]
        assert isinstance(err["code"], int) and not isinstance(err["code"], bool)
        assert isinstance(err["message"], str) and "\n" not in err["message"]
        assert err["data"]["name"] in {e.name for e in p.ERRORS}
    assert p.encode(reply).count(b"\n") == 1


def _tame(obj: Any, root: Path) -> Any:
    """Keep the fuzzer's files inside its temp dir (add creates the folder it is given)."""
    if isinstance(obj, dict) and isinstance(obj.get("params"), dict):
        params = dict(obj["params"])
        params["dir"] = str(root / "out")
        if isinstance(params.get("values"), dict):
            params["values"] = {k: v for k, v in params["values"].items() if k != "download_dir"}
        obj = {**obj, "params": params}
    return obj


@FUZZ
@given(raw=st.binary(max_size=300))
def test_fuzz_garbage_lines(raw: bytes) -> None:
    for greeted in (False, True):
        reply = toy().handle_line(raw, p.Session(greeted=greeted))
        if reply is None:  # only a well-formed notification goes unanswered
            obj = json.loads(raw)
            assert obj["jsonrpc"] == "2.0" and "id" not in obj
        else:
            _check_reply(reply, None)


@FUZZ
@given(obj=request_obj | json_value, greeted=st.booleans())
def test_fuzz_real_method_table(api_env: tuple[ServiceApi, Path], obj: Any, greeted: bool) -> None:
    api, root = api_env
    api.stopping = False
    obj = _tame(obj, root)
    dispatcher = p.Dispatcher(api.methods())
    session = p.Session(greeted=greeted)
    _check_reply(dispatcher.handle(obj, session), obj)
    _check_reply(dispatcher.handle_line(p.encode(obj)[:-1], session), obj)


@FUZZ
@given(depth=st.integers(1, 200_000), opener=st.sampled_from([b"[", b'{"a":']))
def test_fuzz_deep_nesting(depth: int, opener: bytes) -> None:
    reply = toy().handle_line(opener * depth, p.Session(greeted=True))
    _check_reply(reply, None)


# ---------------------------------------------------------------------------- decisions
def test_idle_clock_stops_only_after_a_quiet_stretch() -> None:
    from app.service.daemon import idle_clock

    assert idle_clock(None, 100.0, idle=True, clients=0, limit=None) == (None, False)
    since, stop = idle_clock(None, 100.0, idle=True, clients=0, limit=60)
    assert (since, stop) == (100.0, False)
    assert idle_clock(since, 159.0, idle=True, clients=0, limit=60) == (100.0, False)
    assert idle_clock(since, 160.0, idle=True, clients=0, limit=60) == (100.0, True)
    assert idle_clock(since, 160.0, idle=False, clients=0, limit=60) == (None, False)
    assert idle_clock(since, 160.0, idle=True, clients=1, limit=60) == (None, False)


def test_the_service_is_started_with_our_own_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from app.service.ondemand import service_command

    cmd = service_command(Path("/d"), 60)
    assert cmd == [
        sys.executable,
        "-m",
        "app",
        "--data-dir",
        "/d",
        "service",
        "--exit-when-idle",
        "60",
    ]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert service_command(Path("/d"), None) == [sys.executable, "--data-dir", "/d", "service"]
