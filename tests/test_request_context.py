"""A job's request context (cookies, referrer, user agent, headers): parsed from the CLI's
curl/aria2 flags and the protocol's `context` object, sent on every request (resume after a
SIGKILL included) and kept as a secret: never in a file of the data folder once complete."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from app.engine.context import RequestContext, netscape_cookies, parse_header
from app.engine.contextauth import ContextAuth
from app.engine.errors import BadInput
from app.engine.http import new_session
from app.requestargs import ContextArgs, add_request_args, context_json
from app.service import protocol as p
from app.service.client import connect
from tests.engine_helpers import MIB, payload
from tests.support.faultserver import FaultServer
from tests.test_service_e2e import Processes, rows, tether, wait_until
from tests.trust_helpers import run_tether, spawn_tether

COOKIE = "pl4ntedBr0wserC00kie"
REFERER = "http://127.0.0.1/page-with-the-link.html"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) TetherTest/1.0"


@pytest.fixture(autouse=True)
def _store_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_KEYRING", "0")


def _parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_request_args(p)
    return p.parse_args(list(argv))


# ---------------------------------------------------------------------------- pure
def test_flags_in_curl_and_aria2_spellings(tmp_path: Path) -> None:
    jar = tmp_path / "cookies.txt"
    jar.write_text(
        "# Netscape HTTP Cookie File\n"
        ".example.com\tTRUE\t/\tFALSE\t0\twide\t1\n"
        "#HttpOnly_files.example.com\tFALSE\t/dl\tTRUE\t0\tsecure\t2\n"
        "files.example.com\tFALSE\t/other\tFALSE\t0\telsewhere\t3\n"
        "other.org\tFALSE\t/\tFALSE\t0\tforeign\t4\n"
        "files.example.com\tFALSE\t/\tFALSE\t1\texpired\t5\n"
    )
    args = _parse(
        "-H", "X-Token: abc", "--header", "Accept-Language: fr", "--cookie", "a=b; c=d",
        "--load-cookies", str(jar), "--referer", REFERER, "--user-agent", AGENT,
    )  # fmt: skip
    ctx = ContextArgs(args).for_url("https://files.example.com/dl/f.iso")
    assert ctx is not None
    assert ctx.cookies == "a=b; c=d; wide=1; secure=2"
    assert ctx.referrer == REFERER and ctx.user_agent == AGENT
    assert ctx.headers == (("X-Token", "abc"), ("Accept-Language", "fr"))
    plain = ContextArgs(args).for_url("http://files.example.com/dl/f.iso")
    assert plain is not None and plain.cookies == "a=b; c=d; wide=1"  # secure only over https
    assert ContextArgs(_parse()).for_url("http://x/") is None


def test_repr_and_errors_never_show_a_value() -> None:
    ctx = RequestContext.build(cookies=f"sid={COOKIE}", headers=[("X-Key", COOKIE)])
    assert COOKIE not in repr(ctx) and "X-Key" in repr(ctx)
    assert COOKIE not in repr(ContextAuth("http://h/", ctx, None))
    for bad in (f"X-Key {COOKIE}", f"Range: bytes=0-{COOKIE}", f"X: a\n{COOKIE}"):
        with pytest.raises(BadInput) as info:
            RequestContext.build(headers=[parse_header(bad)])
        assert COOKIE not in str(info.value)


def test_header_spellings_fold_into_the_context() -> None:
    ctx = RequestContext.build(
        cookies="a=1",
        headers=[("Cookie", "b=2"), ("referer", "http://r/"), ("User-Agent", "UA")],
    )
    assert (ctx.cookies, ctx.referrer, ctx.user_agent, ctx.headers) == (
        "a=1; b=2",
        "http://r/",
        "UA",
        (),
    )
    assert RequestContext.loads(ctx.dumps()) == ctx
    assert RequestContext.from_json(json.loads(json.dumps(context_json(ctx)))) == ctx
    with pytest.raises(BadInput):
        RequestContext.from_json({"cookie": "x"})
    with pytest.raises(BadInput):
        RequestContext.from_json({"headers": {"X": 1}})


def test_netscape_cookie_matching_is_host_and_path_scoped() -> None:
    text = "h.test\tFALSE\t/a\tFALSE\t0\tn\tv\n"
    assert netscape_cookies(text, "http://h.test/a/b") == "n=v"
    assert netscape_cookies(text, "http://h.test/ab") is None
    assert netscape_cookies(text, "http://x.h.test/a/") is None
    assert netscape_cookies("garbage\nmore garbage", "http://h.test/") is None


def test_cookies_and_headers_stay_on_the_jobs_host(server: FaultServer) -> None:
    """Same host (and a same-host redirect): all of it; a redirect elsewhere: no cookie, no
    header; referrer and user agent always."""
    server.add_file("/f", b"x", require_headers={"Cookie": f"sid={COOKIE}", "X-Key": "k"})
    server.add_redirect("/r", "/f")
    other = server.url("/f").replace("127.0.0.1", "localhost")
    server.add_redirect("/away", other)
    ctx = RequestContext.build(
        cookies=f"sid={COOKIE}", referrer=REFERER, user_agent=AGENT, headers=[("X-Key", "k")]
    )
    session = new_session()
    session.auth = ContextAuth(server.url("/"), ctx, None)
    try:
        assert session.get(server.url("/f")).status_code == 200
        assert session.get(server.url("/r")).status_code == 200
        resp = session.get(server.url("/away"))
        assert resp.status_code == 403
        sent = resp.request.headers
        assert "Cookie" not in sent and "X-Key" not in sent
        assert sent["Referer"] == REFERER and sent["User-Agent"] == AGENT
    finally:
        session.close()
    assert isinstance(session, requests.Session)


# ---------------------------------------------------------------------------- end to end
def _serve(server: FaultServer, path: str, size: int) -> bytes:
    data = payload(size)
    server.add_file(
        path,
        data,
        require_headers={"Cookie": f"sid={COOKIE}", "Referer": REFERER, "User-Agent": AGENT},
    )
    return data


def _flags() -> list[str]:
    return ["--cookie", f"sid={COOKIE}; theme=dark", "--referer", REFERER, "-A", AGENT]


def _in_data(data: Path) -> list[str]:
    return [
        p.name for p in sorted(data.rglob("*")) if p.is_file() and COOKIE.encode() in p.read_bytes()
    ]


def test_without_the_context_the_server_refuses(server: FaultServer, tmp_path: Path) -> None:
    _serve(server, "/f.bin", 1000)
    r = run_tether("get", server.url("/f.bin"), "-o", str(tmp_path / "o"), data=tmp_path / "d")
    assert r.returncode == 1 and "403" in r.stderr


def test_kill_mid_transfer_then_resume_sends_the_context_again(
    server: FaultServer, tmp_path: Path
) -> None:
    expected = _serve(server, "/big.bin", 4 * MIB)
    data, out = tmp_path / "data", tmp_path / "o"
    url = server.url("/big.bin")
    proc = spawn_tether(
        "get", url, "-o", str(out), "-c", "2", *_flags(), data=data, killpoint="save:2"
    )
    assert proc.wait(timeout=60) == -9
    held = set(_in_data(data))  # the secret: only in the store, never in jobs or logs
    assert held and held <= {"tether.sqlite3", "tether.sqlite3-wal"}
    listing = run_tether("list", "--json", data=data)
    assert listing.returncode == 0 and COOKIE not in listing.stdout
    r = run_tether("resume", data=data)  # the context comes back from the secret store
    assert r.returncode == 0, r.stderr
    assert (out / "big.bin").read_bytes() == expected
    assert COOKIE not in r.stdout + r.stderr
    assert _in_data(data) == []
    asked = server.requests_for("/big.bin")
    assert len(asked) >= 3  # the first run's probe and segments, then the resume's
    assert all(COOKIE in e.headers.get("Cookie", "") for e in asked)


def test_add_queues_with_the_context(server: FaultServer, tmp_path: Path) -> None:
    """`tether add` with no service running queues the job with its context; `resume` runs it."""
    expected = _serve(server, "/q.bin", 300 * 1024)
    data, out = tmp_path / "data", tmp_path / "o"
    jar = tmp_path / "c.txt"
    jar.write_text(f"127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\t{COOKIE}\n")
    flags = ["--load-cookies", str(jar), "--referer", REFERER, "--user-agent", AGENT]
    r = run_tether("get", server.url("/q.bin"), "-o", str(out), *flags, data=data)
    assert r.returncode == 0, r.stderr
    assert (out / "q.bin").read_bytes() == expected
    assert _in_data(data) == []


def test_a_bad_header_flag_is_one_line_without_the_value(tmp_path: Path) -> None:
    r = run_tether("get", "http://127.0.0.1:9/x", "-H", f"NoColon{COOKIE}", data=tmp_path / "d")
    assert r.returncode == 2 and COOKIE not in r.stderr and r.stderr.count("\n") == 1


@pytest.fixture
def procs() -> Iterator[Processes]:
    started = Processes()
    try:
        yield started
    finally:
        started.cleanup()


def test_the_service_takes_a_context_object_and_never_lists_it(
    server: FaultServer, procs: Processes, tmp_path: Path
) -> None:
    """`tether add` with a service running sends `context`; the protocol's `add` takes it too."""
    data = (tmp_path / "data").resolve()
    expected = _serve(server, "/svc.bin", 200 * 1024)
    other = _serve(server, "/rpc.bin", 100 * 1024)
    out, log = tmp_path / "o", tmp_path / "svc.log"
    out.mkdir()
    procs.service(data, log)
    r = tether("get", server.url("/svc.bin"), "-o", str(out), *_flags(), data=data)
    assert r.returncode == 0, r.stderr
    client = connect(data)
    assert client is not None
    with client:
        client.call("subscribe")
        context = {"cookies": f"sid={COOKIE}", "referrer": REFERER, "user_agent": AGENT}
        added = client.call("add", url=server.url("/rpc.bin"), dir=str(out), context=context)
        wait_until(lambda: rows(data)[-1]["state"] == "completed", 30, "the rpc job", log)
        listed = client.call("jobs.list")
        history = client.call("jobs.log", id=added["job"]["id"])
        bad = None
        try:
            client.call("add", url=server.url("/x"), dir=str(out), context={"headers": {"X": 1}})
        except p.RpcError as exc:
            bad = exc
    assert bad is not None and bad.code == 1001
    assert (out / "svc.bin").read_bytes() == expected
    assert (out / "rpc.bin").read_bytes() == other
    for text in (json.dumps(added), json.dumps(listed), json.dumps(history), log.read_text()):
        assert COOKIE not in text and AGENT not in text
    assert tether("service", "stop", data=data).returncode == 0
    assert _in_data(data) == []


def test_the_context_is_dropped_when_the_job_is_removed_or_completes(tmp_path: Path) -> None:
    from app.engine.context import load_context, save_context
    from app.store.jobstore import JobStore
    from app.store.models import JobState

    store = JobStore.open(tmp_path / "db.sqlite3")
    try:
        ctx = RequestContext.build(cookies=f"sid={COOKIE}")
        removed = store.add_job("http://h/a", str(tmp_path))
        done = store.add_job("http://h/b", str(tmp_path))
        for job in (removed, done):
            save_context(store.secrets, job.id, ctx)
            assert load_context(store.secrets, job.id) == ctx
        store.delete_job(removed.id)
        done.state = JobState.COMPLETED
        store.update_job(done, ["state"])
        assert load_context(store.secrets, removed.id) is None
        assert load_context(store.secrets, done.id) is None
    finally:
        store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert COOKIE.encode() not in raw
