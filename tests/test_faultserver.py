"""Self-tests for tests/support/faultserver.py: each fault, via requests and raw sockets."""

from __future__ import annotations

import email.utils
import gzip
import random
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.faultserver import ERROR_BODY, FaultServer, RequestLog, parse_range

DATA = random.Random(1234).randbytes(300_000)
SIZE = len(DATA)
PATH = "/f.bin"


@dataclass
class Raw:
    """A response read off a raw socket until EOF (or reset)."""

    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    reset: bool


def raw_request(
    server: FaultServer,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> Raw:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    buf = bytearray()
    reset = False
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                reset = True
                break
            if not chunk:
                break
            buf += chunk
    head, _, body = bytes(buf).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return Raw(int(status_line.split()[1]), parsed, body, reset)


def get_h(
    server: FaultServer, path: str = PATH, headers: dict[str, str] | None = None
) -> requests.Response:
    return requests.get(server.url(path), headers=headers or {}, timeout=5)


# --- basics ----------------------------------------------------------------------------------


def test_full_get_headers_and_accounting(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA, content_disposition='attachment; filename="x.bin"')
    r = get_h(server)
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["Content-Length"] == str(SIZE)
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["ETag"] == spec.etag and spec.etag.startswith('"')
    assert email.utils.parsedate_to_datetime(r.headers["Last-Modified"]) is not None
    assert r.headers["Content-Disposition"] == 'attachment; filename="x.bin"'
    assert server.wait_idle()
    assert server.bytes_served(PATH) == SIZE == server.bytes_served()
    (log,) = server.requests
    assert (log.method, log.path, log.status, log.complete) == ("GET", PATH, 200, True)
    assert log.body_bytes_sent == SIZE
    assert log.headers["user-agent"] == log.headers["USER-AGENT"]
    assert log.response_headers["etag"] == spec.etag


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=1000-", 1000, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        (f"bytes={SIZE - 10}-{SIZE + 100}", SIZE - 10, SIZE - 1),
        ("bytes=0-0", 0, 0),
    ],
)
def test_single_ranges(server: FaultServer, range_header: str, start: int, end: int) -> None:
    server.add_file(PATH, DATA)
    r = get_h(server, headers={"Range": range_header})
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert r.content == DATA[start : end + 1]
    assert server.wait_idle()
    assert server.requests[0].served_range == (start, end)
    assert server.bytes_served(PATH) == end - start + 1


def test_range_fields_in_log(server: FaultServer) -> None:
    server.add_file(PATH, DATA)
    get_h(server, headers={"Range": "bytes=5-"})
    get_h(server, headers={"Range": "bytes=-7"})
    a, b = server.requests
    assert (a.range, a.range_start, a.range_end, a.range_suffix) == ("bytes=5-", 5, None, None)
    assert (b.range_start, b.range_end, b.range_suffix) == (None, None, 7)


@pytest.mark.parametrize(
    "range_header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 9}", "bytes=-0"]
)
def test_unsatisfiable_range_is_416(server: FaultServer, range_header: str) -> None:
    server.add_file(PATH, DATA)
    r = get_h(server, headers={"Range": range_header})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{SIZE}"
    assert r.content == ERROR_BODY


@pytest.mark.parametrize("range_header", ["bytes=0-9,20-29", "bytes=9-3", "items=0-9", "bytes=-"])
def test_invalid_or_multi_range_is_ignored(server: FaultServer, range_header: str) -> None:
    server.add_file(PATH, DATA)
    r = get_h(server, headers={"Range": range_header})
    assert r.status_code == 200
    assert r.content == DATA


def test_parse_range() -> None:
    assert parse_range(None) is None
    r = parse_range(" bytes = 3 - 9 ")
    assert r is not None and (r.first, r.last, r.suffix) == (3, 9, None)
    assert r.resolve(5) == (3, 4)
    s = parse_range("bytes=-10")
    assert s is not None and s.resolve(4) == (0, 3) and s.start_for(100) == 90


def test_keep_alive_reuses_one_connection(server: FaultServer) -> None:
    server.add_file(PATH, DATA)
    with requests.Session() as s:
        for i in range(3):
            r = s.get(server.url(PATH), headers={"Range": f"bytes={i}-{i}"}, timeout=5)
            assert r.content == DATA[i : i + 1]
    assert len({log.connection_id for log in server.requests}) == 1
    assert server.connections_opened == 1


def test_concurrent_segments(server: FaultServer) -> None:
    server.add_file(PATH, DATA)
    parts: dict[int, bytes] = {}
    step = SIZE // 8

    def fetch(i: int) -> None:
        end = SIZE - 1 if i == 7 else (i + 1) * step - 1
        parts[i] = get_h(server, headers={"Range": f"bytes={i * step}-{end}"}).content

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert b"".join(parts[i] for i in range(8)) == DATA
    assert server.wait_idle()
    assert server.bytes_served(PATH) == SIZE


def test_unknown_path_query_string_quoting_and_method(server: FaultServer) -> None:
    server.add_file("/a b.bin", b"spaced")
    server.add_file(PATH, DATA)
    assert get_h(server, "/nope").status_code == 404
    assert get_h(server, "/a%20b.bin").content == b"spaced"
    assert get_h(server, PATH + "?token=abc").content == DATA
    assert server.requests[-1].path == PATH and server.requests[-1].file == PATH
    r = requests.post(server.url(PATH), data=b"x" * 10, timeout=5)
    assert r.status_code == 405


def test_add_file_rejects_unknown_fault(server: FaultServer) -> None:
    with pytest.raises(TypeError):
        server.add_file(PATH, DATA, drop_afterr=1)


def test_reset_stats(server: FaultServer) -> None:
    server.add_file(PATH, DATA)
    get_h(server)
    assert server.wait_idle()
    server.reset_stats()
    assert server.requests == []
    assert server.bytes_served() == 0
    assert server.connections_opened == 0
    get_h(server, headers={"Range": "bytes=0-9"})
    assert server.wait_idle()
    assert server.bytes_served(PATH) == 10
    assert len(server.requests_for(PATH, "GET")) == 1


# --- validators ------------------------------------------------------------------------------


def test_validators_change_with_content(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA)
    etag, lm = spec.etag, spec.last_modified
    server.replace_file(PATH, DATA[::-1])
    assert spec.etag != etag and spec.last_modified != lm
    server.replace_file(PATH, DATA)
    assert (spec.etag, spec.last_modified) == (etag, lm)  # derived from content only


def test_no_validators_and_explicit_etag(server: FaultServer) -> None:
    server.add_file("/none", DATA, etag=None, last_modified=None)
    r = get_h(server, "/none")
    assert "ETag" not in r.headers and "Last-Modified" not in r.headers
    r = get_h(server, "/none", {"Range": "bytes=0-9", "If-Range": '"x"'})
    assert r.status_code == 200
    spec = server.add_file(
        "/fixed", DATA, etag="abc", last_modified="Mon, 01 Jan 2024 00:00:00 GMT"
    )
    assert get_h(server, "/fixed").headers["ETag"] == '"abc"'
    server.replace_file("/fixed", b"changed but the server lies")
    assert spec.etag == '"abc"'
    assert spec.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    r = get_h(server, "/fixed", {"Range": "bytes=0-6", "If-Range": '"abc"'})
    assert (r.status_code, r.content) == (206, b"changed")


def test_if_range_etag(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA)
    old = spec.etag
    assert old is not None
    r = get_h(server, headers={"Range": "bytes=100-199", "If-Range": old})
    assert (r.status_code, r.content) == (206, DATA[100:200])
    new = DATA[::-1]
    server.replace_file(PATH, new)
    r = get_h(server, headers={"Range": "bytes=100-199", "If-Range": old})
    assert (r.status_code, r.content) == (200, new)
    assert "if_range_mismatch" in server.requests[-1].faults


def test_if_range_date(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA)
    lm = spec.last_modified
    assert lm is not None
    r = get_h(server, headers={"Range": "bytes=0-9", "If-Range": lm})
    assert r.status_code == 206
    other = "Thu, 01 Jan 1998 00:00:00 GMT"
    assert get_h(server, headers={"Range": "bytes=0-9", "If-Range": other}).status_code == 200
    assert get_h(server, headers={"Range": "bytes=0-9", "If-Range": "garbage"}).status_code == 200


def test_if_range_ignored_when_disabled(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA, if_range=False)
    old = spec.etag
    assert old is not None
    server.replace_file(PATH, DATA[::-1])
    r = get_h(server, headers={"Range": "bytes=0-9", "If-Range": old})
    assert (r.status_code, r.content) == (206, DATA[::-1][:10])  # the splice a client must catch


def test_weak_etag_never_validates(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA, weak_etag=True)
    r = get_h(server)
    assert r.headers["ETag"] == "W/" + str(spec.etag)
    for tag in (r.headers["ETag"], str(spec.etag)):
        assert get_h(server, headers={"Range": "bytes=0-9", "If-Range": tag}).status_code == 200


# --- ranges off, status faults ---------------------------------------------------------------


def test_ranges_off(server: FaultServer) -> None:
    server.add_file(PATH, DATA, ranges=False)
    r = get_h(server, headers={"Range": "bytes=100-"})
    assert (r.status_code, r.content) == (200, DATA)
    assert "Accept-Ranges" not in r.headers and "Content-Range" not in r.headers


def test_status_sequence_then_service(server: FaultServer) -> None:
    later = "Thu, 01 Jan 2099 00:00:00 GMT"
    spec = server.add_file(
        PATH, DATA, status_sequence=[(503, {"Retry-After": "1"}), (429, {"Retry-After": later})]
    )
    with requests.Session() as s:
        r1 = s.get(server.url(PATH), timeout=5)
        r2 = s.get(server.url(PATH), timeout=5)
        r3 = s.get(server.url(PATH), timeout=5)
    assert (r1.status_code, r1.headers["Retry-After"], r1.content) == (503, "1", ERROR_BODY)
    assert r1.headers["Content-Length"] == str(len(ERROR_BODY))
    assert (r2.status_code, r2.headers["Retry-After"]) == (429, later)
    assert (r3.status_code, r3.content) == (200, DATA)
    assert spec.status_sequence == []
    assert server.connections_opened == 1  # error answers keep the connection alive


@pytest.mark.parametrize("status", [403, 404, 410, 500])
def test_status_always(server: FaultServer, status: int) -> None:
    server.add_file(PATH, DATA, status_always=status)
    for _ in range(2):
        r = get_h(server, headers={"Range": "bytes=0-"})
        assert (r.status_code, r.content) == (status, ERROR_BODY)


def test_status_on_range_only(server: FaultServer) -> None:
    server.add_file(PATH, DATA, status_on_range_only=403)
    assert get_h(server, headers={"Range": "bytes=0-"}).status_code == 206
    assert get_h(server).status_code == 200
    assert get_h(server, headers={"Range": "bytes=100-"}).status_code == 403
    assert get_h(server, headers={"Range": "bytes=-100"}).status_code == 403


def test_html_200_on_range(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA, html_200_on_range=True)
    r = get_h(server, headers={"Range": "bytes=0-"})
    assert (r.status_code, r.content) == (200, ERROR_BODY)
    assert r.headers["Content-Type"].startswith("text/html")
    assert get_h(server).content == DATA
    spec.html_200_min_start = 1
    assert get_h(server, headers={"Range": "bytes=0-"}).status_code == 206
    assert get_h(server, headers={"Range": "bytes=10-"}).content == ERROR_BODY


def test_head_lies_and_head_sends_no_body(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA)
    assert requests.head(server.url(PATH), timeout=5).headers["Content-Length"] == str(SIZE)
    spec.head_lies = True
    h = requests.head(server.url(PATH), timeout=5)
    assert h.headers["Content-Length"] != str(SIZE)
    assert get_h(server).headers["Content-Length"] == str(SIZE)
    assert server.wait_idle()
    assert server.bytes_served(PATH) == SIZE  # HEADs sent no body


# --- broken bodies ---------------------------------------------------------------------------


def test_drop_after_raw(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA, drop_after=1000)
    raw = raw_request(server, PATH)
    assert raw.status == 200 and raw.headers["content-length"] == str(SIZE)
    assert raw.body == DATA[:1000]
    raw = raw_request(server, PATH, {"Range": "bytes=5000-9999"})
    assert raw.status == 206 and raw.body == DATA[5000:6000]
    assert server.wait_idle()
    assert server.bytes_served(PATH) == 2000
    assert spec.drops == 2
    assert all("drop" in log.faults and not log.complete for log in server.requests)
    # A response shorter than drop_after is not dropped and does not count.
    raw = raw_request(server, PATH, {"Range": "bytes=0-99"})
    assert raw.body == DATA[:100] and spec.drops == 2


def test_drop_times_with_requests(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA, drop_after=50_000, drop_times=2)
    for _ in range(2):
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            get_h(server)
    assert get_h(server).content == DATA
    assert spec.drops == 2
    assert server.wait_idle()
    assert server.bytes_served(PATH) == 2 * 50_000 + SIZE


def test_drop_at_zero_sends_headers_only(server: FaultServer) -> None:
    server.add_file(PATH, DATA, drop_after=0)
    raw = raw_request(server, PATH)
    assert raw.status == 200 and raw.body == b""


def test_drop_reset(server: FaultServer) -> None:
    server.add_file(PATH, DATA, drop_after=1000, drop_reset=True)
    raw = raw_request(server, PATH)
    assert raw.status == 200
    assert len(raw.body) <= 1000
    assert raw.reset or len(raw.body) == 1000
    assert server.wait_idle()
    assert server.bytes_served(PATH) == 1000


def test_short_body(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA, short_body=777, short_times=1)
    raw = raw_request(server, PATH, {"Range": "bytes=0-9999"})
    assert raw.status == 206 and raw.headers["content-length"] == "10000"
    assert raw.body == DATA[:777]
    assert raw_request(server, PATH, {"Range": "bytes=0-9999"}).body == DATA[:10000]
    assert spec.shorts == 1


def test_stall_then_continue(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA, stall_after=1000, stall_seconds=0.3, stall_times=1)
    t0 = time.monotonic()
    assert get_h(server).content == DATA
    assert time.monotonic() - t0 >= 0.28
    assert spec.stalls == 1
    assert get_h(server).content == DATA
    assert "stall" not in server.requests[1].faults


def test_stall_then_close(server: FaultServer) -> None:
    server.add_file(PATH, DATA, stall_after=1000, stall_seconds=0.05, stall_then_close=True)
    raw = raw_request(server, PATH)
    assert raw.body == DATA[:1000]
    assert "stall" in server.requests[0].faults


def test_client_read_timeout_during_stall(server: FaultServer) -> None:
    server.add_file(PATH, DATA, stall_after=0, stall_seconds=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.url(PATH), timeout=(5, 0.2)).content  # noqa: B018


def test_trickle(server: FaultServer) -> None:
    server.add_file(PATH, b"12345678", trickle=0.03)
    t0 = time.monotonic()
    assert get_h(server).content == b"12345678"
    assert time.monotonic() - t0 >= 0.2


def test_rate(server: FaultServer) -> None:
    server.add_file(PATH, DATA[:100_000], rate=500_000)
    t0 = time.monotonic()
    assert get_h(server).content == DATA[:100_000]
    assert 0.18 <= time.monotonic() - t0 < 2.0


def test_gzip(server: FaultServer) -> None:
    compressible = b"tether " * 20_000
    gz = gzip.compress(compressible, mtime=0)
    server.add_file(PATH, compressible, gzip=True)
    r = get_h(server)
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.content == compressible  # requests decodes
    raw = raw_request(server, PATH, {"Range": "bytes=10-99", "Accept-Encoding": "identity"})
    assert raw.status == 206 and raw.headers["content-encoding"] == "gzip"
    assert raw.headers["content-range"] == f"bytes 10-99/{len(gz)}"
    assert raw.body == gz[10:100]


def test_chunked(server: FaultServer) -> None:
    server.add_file(PATH, DATA, chunked=True)
    r = get_h(server, headers={"Range": "bytes=100-"})
    assert (r.status_code, r.content) == (200, DATA)
    assert r.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in r.headers and "Accept-Ranges" not in r.headers
    assert server.wait_idle()
    assert server.bytes_served(PATH) == SIZE  # payload only, not chunk framing


def test_chunked_drop(server: FaultServer) -> None:
    server.add_file(PATH, DATA, chunked=True, drop_after=70_000)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get_h(server)
    assert server.wait_idle()
    assert server.bytes_served(PATH) == 70_000


def test_no_length(server: FaultServer) -> None:
    server.add_file(PATH, DATA, no_length=True)
    raw = raw_request(server, PATH, {"Range": "bytes=0-9"})
    assert raw.status == 200 and raw.body == DATA
    assert "content-length" not in raw.headers and raw.headers["connection"] == "close"
    assert get_h(server).content == DATA


def test_extra_bytes(server: FaultServer) -> None:
    server.add_file(PATH, DATA, extra_bytes=10)
    r = get_h(server, headers={"Range": "bytes=0-99"})
    assert r.headers["Content-Range"] == f"bytes 0-99/{SIZE}"
    assert r.headers["Content-Length"] == "110"
    assert r.content == DATA[:110]
    r = get_h(server, headers={"Range": f"bytes={SIZE - 5}-"})
    assert r.content == DATA[-5:] + b"X" * 10
    r = get_h(server)
    assert r.content == DATA + b"X" * 10


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("start", f"bytes 101-199/{SIZE}"),
        ("end", f"bytes 100-198/{SIZE}"),
        ("total", f"bytes 100-199/{SIZE + 1}"),
        ("star", f"bytes */{SIZE}"),
    ],
)
def test_wrong_content_range(server: FaultServer, mode: str, expected: str) -> None:
    server.add_file(PATH, DATA, wrong_content_range=mode)
    r = get_h(server, headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.headers["Content-Range"] == expected
    assert r.content == DATA[100:200]


def test_multipart(server: FaultServer) -> None:
    server.add_file(PATH, DATA, multipart=True)
    r = get_h(server, headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.headers["Content-Type"].startswith("multipart/byteranges; boundary=")
    assert "Content-Range" not in r.headers
    boundary = r.headers["Content-Type"].split("boundary=")[1].encode()
    assert r.content.startswith(b"--" + boundary + b"\r\n")
    assert f"Content-Range: bytes 100-199/{SIZE}\r\n\r\n".encode() in r.content
    assert DATA[100:200] + b"\r\n--" + boundary + b"--\r\n" in r.content


# --- redirects, hooks ------------------------------------------------------------------------


def test_redirect_chain(server: FaultServer) -> None:
    server.add_file(PATH, DATA)
    server.add_redirect("/a", "/b", 302)
    server.add_redirect("/b", PATH, 301, absolute=False)
    r = get_h(server, "/a")
    assert r.content == DATA
    assert [h.status_code for h in r.history] == [302, 301]
    assert r.url == server.url(PATH)
    assert [log.path for log in server.requests] == ["/a", "/b", PATH]
    assert server.requests[0].response_headers["Location"] == server.url("/b")


def test_on_request_swaps_file_between_segments(server: FaultServer) -> None:
    spec = server.add_file(PATH, DATA)
    new = DATA[::-1]
    seen: list[int | None] = []

    def hook(log: RequestLog) -> None:
        seen.append(log.range_start)
        if log.range_start == 1000:
            server.replace_file(PATH, new)

    spec.on_request = hook
    first = get_h(server, headers={"Range": "bytes=0-999"})
    validator = first.headers["ETag"]
    second = get_h(server, headers={"Range": "bytes=1000-1999", "If-Range": validator})
    assert second.status_code == 200 and second.content == new
    assert seen == [0, 1000]


def test_server_hook_and_hook_errors(server: FaultServer) -> None:
    def boom(log: RequestLog) -> None:
        raise RuntimeError("hook failed")

    server.add_file(PATH, DATA, on_request=boom)
    assert get_h(server).status_code == 500
    assert len(server.errors) == 1 and isinstance(server.errors[0], RuntimeError)
    server.errors.clear()  # or the fixture's __exit__ raises
    paths: list[str] = []
    server.files[PATH].on_request = None
    server.on_request = lambda log: paths.append(log.path)
    get_h(server)
    assert paths == [PATH]


# --- TLS, shutdown, quiet disconnects --------------------------------------------------------


def test_https(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with FaultServer(ssl_context=ctx) as srv:
        assert srv.base_url.startswith("https://127.0.0.1:")
        spec = srv.add_file(PATH, DATA)
        r = requests.get(srv.url(PATH), headers={"Range": "bytes=5-9"}, verify=str(ca_file))
        assert (r.status_code, r.content) == (206, DATA[5:10])
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(srv.url(PATH), timeout=5)  # untrusted CA: the server stays quiet
        spec.drop_after = 20_000
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(srv.url(PATH), verify=str(ca_file), timeout=5)
        assert srv.wait_idle()
        assert srv.bytes_served(PATH) == 5 + 20_000
        assert srv.errors == []


def test_exit_is_fast_with_stalled_and_idle_connections(capfd: pytest.CaptureFixture[str]) -> None:
    srv = FaultServer()
    srv.__enter__()
    try:
        srv.add_file("/stall", DATA, stall_after=1000, stall_seconds=60)
        srv.add_file("/trickle", DATA, trickle=10.0)
        srv.add_file("/ok", b"hello")
        addr = ("127.0.0.1", srv.port)
        with (
            socket.create_connection(addr, timeout=5) as stalled,
            socket.create_connection(addr, timeout=5) as trickling,
            socket.create_connection(addr, timeout=5) as idle,
        ):
            stalled.sendall(b"GET /stall HTTP/1.1\r\nHost: x\r\n\r\n")
            trickling.sendall(b"GET /trickle HTTP/1.1\r\nHost: x\r\n\r\n")
            idle.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            got = b""
            while not got.endswith(b"hello"):
                got += idle.recv(4096)
            got = b""
            while len(got.partition(b"\r\n\r\n")[2]) < 1000:
                got += stalled.recv(65536)
            assert trickling.recv(1)
            t0 = time.monotonic()
            srv.__exit__(None, None, None)
            elapsed = time.monotonic() - t0
            assert stalled.recv(65536) == b""  # woken and closed, not left hanging
    finally:
        srv.stop()
    assert elapsed < 1.0
    assert not any(t.is_alive() for t in srv._threads)
    assert capfd.readouterr().err == ""


def test_client_disconnects_are_silent(
    server: FaultServer, capfd: pytest.CaptureFixture[str]
) -> None:
    server.add_file(PATH, DATA, rate=3_000_000)
    addr = ("127.0.0.1", server.port)
    for linger_reset in (False, True):
        with socket.create_connection(addr, timeout=5) as sock:
            sock.sendall(f"GET {PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert sock.recv(1000)
            if linger_reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with requests.get(server.url(PATH), stream=True, timeout=5) as r:
        assert next(r.iter_content(1000))
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not all(log.client_error for log in server.requests):
        time.sleep(0.02)
    assert server.wait_idle()
    assert all(log.client_error and not log.complete for log in server.requests)
    assert server.errors == []
    assert capfd.readouterr().err == ""


def test_a_paced_answer_ends_when_the_client_closes_not_at_its_next_write(
    server: FaultServer,
) -> None:
    """As nginx notices a client's close while it paces an answer: a dropped request must not
    count as active (`peak_active`, the host-limit tests) until the server next writes."""
    server.add_file(PATH, DATA, rate=1)  # one byte a second: the next write is ≥ 1 s away
    addr = ("127.0.0.1", server.port)
    for _ in range(2):  # twice: the second on a server that already dropped one
        with socket.create_connection(addr, timeout=5) as sock:
            sock.sendall(f"GET {PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert sock.recv(1000)  # the headers (and maybe the first byte)
        assert server.wait_idle(0.8)  # before the next paced write would have found out
    assert all(log.client_error and not log.complete for log in server.requests)
    assert server.errors == []
