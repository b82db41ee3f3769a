"""A real, fault-injecting HTTP/1.1 server for Tether's end-to-end tests.

Owns: serving in-memory files on 127.0.0.1 (ephemeral port, optionally HTTPS) with keep-alive,
single byte ranges, If-Range, redirects, and per-file faults that tests switch on and off at
runtime by mutating a :class:`FileSpec` (``server.files["/f.bin"].drop_after = 100_000``).
It also records every request (:class:`RequestLog`) and counts body bytes exactly.

Does not own: any client logic. Nothing here imports ``app``.

Robustness rules this module keeps: every thread is a daemon; ``__exit__`` returns within about
a second even while handlers are stalled, trickling, or parked on idle keep-alive connections
(stalls wait on a stop event and live sockets are shut down to wake blocked reads and writes);
client disconnects (broken pipe, reset, TLS EOF) are normal and never printed; every socket is
closed, so no ResourceWarning escapes. Internal errors (a bug here, a bad fault value, a raising
``on_request`` hook) are collected in ``FaultServer.errors``, printed, and re-raised as an
AssertionError by ``__exit__`` when the ``with`` body itself did not fail.

Byte accounting: ``body_bytes_sent`` / ``bytes_served()`` count response-body bytes the kernel
accepted (``socket.send`` return values), error pages included. Status lines, headers and chunked
framing are not counted; a multipart/byteranges body is counted whole (its part headers are body).
Fault offsets (``drop_after``, ``short_body``, ``stall_after``) count the same bytes, per response,
and apply to file bodies only (not to error pages or redirects). Call ``wait_idle()`` before
asserting exact counts: a client can hold the last byte before the server thread has counted it.

Fault semantics worth knowing:

* ``gzip``: the whole file is gzip-compressed (deterministically, mtime 0) and *that* byte string is
  the representation: ranges are served as slices of the compressed bytes with Content-Range over
  the compressed length, as broken servers do. ``Accept-Encoding`` is ignored on purpose.
* ``if_range=False``: If-Range is ignored and the Range is honoured even when the validator no
  longer matches (the dangerous "splice" server).
* ``chunked`` and ``no_length`` both ignore Range (200) and send no Accept-Ranges.
* ``past_end_416`` ("total" or "bare"): a range whose last byte is past the end gets 416 instead
  of the part that exists (httpbin's /range/N does this), with or without ``bytes */size``;
  "always" answers 416 with ``bytes */size`` to every range (and serves plain GETs).
* Error answers (``status_sequence``, ``status_always``, ``status_on_range_only``, 404, 416, 500)
  carry ``<html>error</html>`` with a Content-Length and keep the connection alive.
* ``drop_after``/``short_body``/``stall_after`` fire only when the body is longer than the offset;
  ``*_times`` limits count responses where the fault actually fired (``drops``, ``shorts``,
  ``stalls`` hold those counts; they are not cleared by ``reset_stats``).
* A dropped connection ends with FIN (client sees EOF before Content-Length) unless
  ``drop_reset`` is set, in which case the socket is closed with SO_LINGER 0 (RST).
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import gzip as gzip_module
import hashlib
import re
import select
import selectors
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["ERROR_BODY", "FaultServer", "FileSpec", "Headers", "RequestLog", "parse_range"]

ERROR_BODY = b"<html>error</html>"
MULTIPART_BOUNDARY = "FAULTSERVER_BYTERANGES_BOUNDARY"
_CHUNK = 64 * 1024
_FILLER = b"X"  # pads extra_bytes past the end of the file
_LM_EPOCH = 1_577_836_800  # 2020-01-01T00:00:00Z; auto Last-Modified dates are after it
_WRONG_CONTENT_RANGE = ("start", "end", "total", "star")
_DISCONNECT_ERRNOS = frozenset(
    {
        errno.EPIPE,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ENOTCONN,
        errno.ESHUTDOWN,
        errno.EBADF,
        errno.ETIMEDOUT,
    }
)


def _is_disconnect(exc: BaseException | None) -> bool:
    """True for the errors a server sees when a client goes away (not bugs)."""
    if isinstance(exc, ConnectionError | TimeoutError | ssl.SSLError):
        return True
    if isinstance(exc, OSError) and exc.errno in _DISCONNECT_ERRNOS:
        return True
    return isinstance(exc, ValueError) and "closed file" in str(exc)


class Headers(Mapping[str, str]):
    """Case-insensitive, order-preserving header mapping; repeated fields are joined by ", "."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._d: dict[str, tuple[str, str]] = {}
        for name, value in items:
            key = name.lower()
            if key in self._d:
                first_name, old = self._d[key]
                self._d[key] = (first_name, f"{old}, {value}")
            else:
                self._d[key] = (name, value)

    def __getitem__(self, key: str) -> str:
        return self._d[key.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._d.values())

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._d

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True)
class ByteRange:
    """One parsed range: ``first-last`` (last None = open) or a suffix ``-suffix``."""

    first: int | None
    last: int | None
    suffix: int | None

    def resolve(self, size: int) -> tuple[int, int] | None:
        """Inclusive (start, end) within ``size`` bytes, or None when unsatisfiable (416)."""
        if self.suffix is not None:
            if self.suffix == 0 or size == 0:
                return None
            return max(0, size - self.suffix), size - 1
        assert self.first is not None
        if self.first >= size:
            return None
        last = size - 1 if self.last is None else min(self.last, size - 1)
        return self.first, last

    def start_for(self, size: int) -> int:
        """Where the range starts in a representation of ``size`` bytes."""
        if self.suffix is not None:
            return max(0, size - self.suffix)
        assert self.first is not None
        return self.first


_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(value: str | None) -> ByteRange | None:
    """Parse a single-range ``Range`` header; None if absent, malformed or multi-range.

    A server may ignore such headers (RFC 9110 §14.2), which is what this one does.
    """
    if value is None:
        return None
    m = _RANGE_RE.match(value)
    if m is None:
        return None
    first, last = m.group(1), m.group(2)
    if first == "":
        return None if last == "" else ByteRange(None, None, int(last))
    a = int(first)
    if last == "":
        return ByteRange(a, None, None)
    b = int(last)
    return None if b < a else ByteRange(a, b, None)


def auto_etag(data: bytes) -> str:
    """The strong ETag the server derives from content: ``"<sha256 prefix>"``."""
    return '"' + hashlib.sha256(data).hexdigest()[:24] + '"'


def auto_last_modified(data: bytes) -> str:
    """A deterministic HTTP date derived from content (same data => same date, across servers)."""
    offset = int.from_bytes(hashlib.sha256(data).digest()[:8], "big") % 100_000_000
    return email.utils.formatdate(_LM_EPOCH + offset, usegmt=True)


def _norm_etag(value: str) -> str:
    value = value.strip()
    return value if value.startswith(('"', "W/")) else f'"{value}"'


@dataclass
class RequestLog:
    """One request as the server saw it; fields after ``status`` fill in while it is answered.

    ``range_start``/``range_end`` hold a parsed single range (end inclusive, None = open);
    a suffix range ``bytes=-N`` sets ``range_suffix`` = N instead. ``served_range`` is the
    inclusive (start, end) actually answered with 206. ``faults`` names faults that fired
    ("drop", "short", "stall", "status_sequence", ...). ``client_error`` is set when the
    client went away mid-answer. ``connection_id`` is equal for requests on one TCP connection.
    """

    method: str
    target: str
    path: str
    headers: Headers
    connection_id: int
    time: float
    range: str | None = None
    range_start: int | None = None
    range_end: int | None = None
    range_suffix: int | None = None
    if_range: str | None = None
    file: str | None = None
    status: int | None = None
    response_headers: Headers = field(default_factory=Headers)
    body_bytes_sent: int = 0
    served_range: tuple[int, int] | None = None
    complete: bool = False
    faults: list[str] = field(default_factory=list)
    client_error: str | None = None


@dataclass
class FileSpec:
    """A served file and its faults. Mutate fault fields at any time; each response reads them.

    Replace content with ``FaultServer.replace_file`` (keeps data and validators consistent).
    ``etag`` is the quoted entity tag (``'"abc"'``) or None; ``weak_etag`` makes it go out as
    ``W/"abc"``. ``last_modified`` is an HTTP date or None.
    """

    path: str
    data: bytes
    etag: str | None
    last_modified: str | None
    content_disposition: str | None = None
    content_type: str = "application/octet-stream"
    auto_etag: bool = True
    auto_last_modified: bool = True
    # --- faults (all off by default) ---
    ranges: bool = True
    if_range: bool = True
    weak_etag: bool = False
    drop_after: int | None = None
    drop_times: int | None = None
    drop_reset: bool = False
    short_body: int | None = None
    short_times: int | None = None
    status_sequence: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    status_always: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 30.0
    stall_then_close: bool = False
    stall_times: int | None = None
    trickle: float | None = None
    rate: int | None = None
    # Per-connection pacing: called with the answer's connection_id (1 = the server's first
    # connection); a rate returned overrides ``rate`` for that answer, None keeps it. Lets a
    # test give some TCP connections a slow path, as a busy CDN edge or a congested route does.
    connection_rate: Callable[[int], int | None] | None = None
    gzip: bool = False
    chunked: bool = False
    no_length: bool = False
    extra_bytes: int = 0
    wrong_content_range: str | None = None
    multipart: bool = False
    html_200_on_range: bool = False
    html_200_min_start: int = 0
    status_on_range_only: int | None = None
    head_lies: bool = False
    # 416 to a range that runs past the end, like httpbin's /range/N: "total" sends
    # `Content-Range: bytes */size`, "bare" sends no Content-Range at all.
    past_end_416: str | None = None
    # sent as-is with every file answer (200 and 206), e.g. {"Repr-Digest": "sha-256=:…:"}
    extra_headers: dict[str, str] = field(default_factory=dict)
    on_request: Callable[[RequestLog], None] | None = None
    # --- access control (off by default) ---
    auth: str | None = None  # the exact Authorization value required, else 401 Basic challenge
    set_cookie: str | None = None  # sent as Set-Cookie with every answer for this file
    # each named request header must contain its value (e.g. {"Cookie": "sid=s3cr3t"}), else 403
    require_headers: dict[str, str] = field(default_factory=dict)
    # --- how often a counted fault has fired (see *_times) ---
    drops: int = 0
    shorts: int = 0
    stalls: int = 0
    _gz_cache: tuple[bytes, bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.data)

    def gzipped(self) -> bytes:
        """The gzip representation of ``data`` (deterministic, cached per content)."""
        cache = self._gz_cache
        if cache is not None and cache[0] is self.data:
            return cache[1]
        gz = gzip_module.compress(self.data, mtime=0)
        self._gz_cache = (self.data, gz)
        return gz


class _Abort(Exception):
    """Stop answering and close the connection (a fault fired or the server is stopping)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # FaultServer joins its own threads with a deadline
    # socketserver's default listen backlog is 5: twenty downloads starting at once overflowed
    # it, and a dropped SYN is sent again only after 1 s (nginx listens with 511)
    request_queue_size = 511

    def __init__(self, owner: FaultServer, host: str, port: int = 0) -> None:
        self.owner = owner
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def accept_loop(self, wake: socket.socket) -> None:
        """serve_forever() without its polling: returns as soon as ``wake`` is readable."""
        self.socket.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(wake, selectors.EVENT_READ)
            while not self.owner._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is wake:
                        return
                    try:
                        request, client_address = self.get_request()
                    except OSError:  # BlockingIOError: the client went away before accept
                        continue
                    try:
                        self.process_request(request, client_address)
                    except Exception:
                        self.handle_error(request, client_address)
                        self.shutdown_request(request)

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        sock.setblocking(True)
        ctx = self.owner.ssl_context
        if ctx is None:
            return sock, addr
        try:
            # Handshake later, in the connection's thread, so a silent client blocks nobody.
            return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr
        except Exception:
            sock.close()
            raise

    def process_request(self, request: Any, client_address: Any) -> None:
        owner = self.owner
        with owner._lock:
            if owner._stopping.is_set():
                self.shutdown_request(request)
                return
            owner._conn_seq += 1
            owner.connections_opened += 1
            owner._conns[request] = owner._conn_seq
            owner._threads = [t for t in owner._threads if t.is_alive()]
            thread = threading.Thread(
                target=self._connection_main,
                args=(request, client_address),
                name=f"faultserver-conn-{owner._conn_seq}",
                daemon=True,
            )
            owner._threads.append(thread)
            thread.start()

    def _connection_main(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            try:
                self.shutdown_request(request)
            finally:
                with self.owner._lock:
                    self.owner._conns.pop(request, None)

    def shutdown_request(self, request: Any) -> None:
        with self.owner._lock:
            reset = request in self.owner._rst
            self.owner._rst.discard(request)
        if reset:
            with contextlib.suppress(OSError):
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_request(request)  # no FIN first: the close is a bare RST
        else:
            super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.owner._report(sys.exc_info()[1])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultServer/1.0"
    sys_version = ""
    disable_nagle_algorithm = True  # trickle/rate pacing should reach the wire as paced
    server: _Server

    _log: RequestLog | None = None

    # ---- plumbing -------------------------------------------------------------------------
    def setup(self) -> None:
        self._resp_headers: list[tuple[str, str]] = []
        super().setup()

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (OSError, ValueError):
                self.close_connection = True
                return
        super().handle()

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass  # silence: tests read FaultServer.requests instead

    def send_response(self, code: int, message: str | None = None) -> None:
        self._resp_headers = []
        if self._log is not None:
            self._log.status = code
        super().send_response(code, message)

    def send_header(self, keyword: str, value: str) -> None:
        self._resp_headers.append((keyword, value))
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        spec = self.server.owner.files.get(self._log.file or "") if self._log is not None else None
        if spec is not None and spec.set_cookie is not None:
            self.send_header("Set-Cookie", spec.set_cookie)
        if self._log is not None:
            self._log.response_headers = Headers(self._resp_headers)
        super().end_headers()

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _not_allowed(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit():
            self.rfile.read(int(length))
        self._serve(head=False, allowed=False)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    # ---- answering ------------------------------------------------------------------------
    def _serve(self, *, head: bool, allowed: bool = True) -> None:
        owner = self.server.owner
        log = owner._new_log(self)
        self._log = log
        owner._begin()
        try:
            if allowed:
                self._answer(log, head)
            else:
                self._send_simple(log, 405, {"Allow": "GET, HEAD"}, head=False)
        except _Abort:
            self.close_connection = True
        except Exception as exc:
            self.close_connection = True
            if _is_disconnect(exc) or owner._stopping.is_set():
                log.client_error = repr(exc)
            else:
                raise
        finally:
            self._log = None
            owner._end()

    def _answer(self, log: RequestLog, head: bool) -> None:
        owner = self.server.owner
        try:
            if owner.on_request is not None:
                owner.on_request(log)
            spec, redirect = owner._lookup(log)
            if spec is not None:
                log.file = spec.path
                if spec.on_request is not None:
                    spec.on_request(log)
        except Exception as exc:
            owner._report(exc)
            self._send_simple(log, 500, head=head)
            return
        if redirect is not None:
            target, status = redirect
            log.faults.append("redirect")
            self._send_simple(log, status, {"Location": target}, head=head, body=b"")
        elif spec is None:
            self._send_simple(log, 404, head=head)
        else:
            self._answer_file(log, spec, head)

    def _answer_file(self, log: RequestLog, spec: FileSpec, head: bool) -> None:
        if spec.auth is not None and log.headers.get("Authorization") != spec.auth:
            log.faults.append("auth")
            self._send_simple(
                log, 401, {"WWW-Authenticate": 'Basic realm="faultserver"'}, head=head
            )
            return
        missing = [k for k, v in spec.require_headers.items() if v not in log.headers.get(k, "")]
        if missing:
            log.faults.append("require_headers")
            self._send_simple(log, 403, head=head)
            return
        owner = self.server.owner
        with owner._lock:
            data, etag, last_modified = spec.data, spec.etag, spec.last_modified
            queued = spec.status_sequence.pop(0) if spec.status_sequence else None
        if queued is not None:
            log.faults.append("status_sequence")
            self._send_simple(log, queued[0], queued[1], head=head)
            return
        if spec.status_always is not None:
            log.faults.append("status_always")
            self._send_simple(log, spec.status_always, head=head)
            return

        rng = parse_range(log.range)
        rep = spec.gzipped() if spec.gzip else data
        size = len(rep)
        if spec.status_on_range_only is not None and rng is not None and rng.start_for(size) > 0:
            log.faults.append("status_on_range_only")
            self._send_simple(log, spec.status_on_range_only, head=head)
            return
        if (
            spec.html_200_on_range
            and log.range is not None
            and (rng.start_for(size) if rng is not None else 0) >= spec.html_200_min_start
        ):
            log.faults.append("html_200_on_range")
            self._send_simple(log, 200, head=head)
            return

        sent_etag = None
        if etag is not None:
            sent_etag = etag if etag.startswith("W/") or not spec.weak_etag else "W/" + etag
        headers: list[tuple[str, str]] = []
        can_range = spec.ranges and not spec.chunked and not spec.no_length
        if can_range:
            headers.append(("Accept-Ranges", "bytes"))
        if sent_etag is not None:
            headers.append(("ETag", sent_etag))
        if last_modified is not None:
            headers.append(("Last-Modified", last_modified))
        if spec.content_disposition is not None:
            headers.append(("Content-Disposition", spec.content_disposition))
        if spec.gzip:
            headers.append(("Content-Encoding", "gzip"))
        headers.extend(spec.extra_headers.items())

        use_range = can_range and rng is not None
        if use_range and log.if_range is not None and spec.if_range:
            use_range = _if_range_matches(log.if_range, sent_etag, last_modified)
            if not use_range:
                log.faults.append("if_range_mismatch")
        extra = max(0, spec.extra_bytes)

        if use_range:
            assert rng is not None
            span = rng.resolve(size)
            if spec.past_end_416 is not None and (
                spec.past_end_416 == "always" or (rng.last is not None and rng.last >= size)
            ):
                log.faults.append("past_end_416")
                span = None
                if spec.past_end_416 == "bare":
                    self._send_simple(log, 416, head=head)
                    return
            if span is None:
                headers.append(("Content-Range", f"bytes */{size}"))
                self._send_simple(log, 416, dict(headers), head=head)
                return
            start, end = span
            piece = rep[start : end + 1] + _extra(rep, end + 1, extra)
            log.served_range = span
            if spec.multipart:
                log.faults.append("multipart")
                ctype = f"multipart/byteranges; boundary={MULTIPART_BOUNDARY}"
                body = (
                    (
                        f"--{MULTIPART_BOUNDARY}\r\nContent-Type: {spec.content_type}\r\n"
                        f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n"
                    ).encode("ascii")
                    + piece
                    + f"\r\n--{MULTIPART_BOUNDARY}--\r\n".encode("ascii")
                )
            else:
                ctype = spec.content_type
                body = piece
                headers.append(("Content-Range", _content_range(start, end, size, spec)))
                if spec.wrong_content_range is not None:
                    log.faults.append("wrong_content_range")
            status = 206
        else:
            ctype = spec.content_type
            body = rep + _extra(rep, size, extra)
            status = 200
        if extra:
            log.faults.append("extra_bytes")
        headers.append(("Content-Type", ctype))

        if spec.chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        elif spec.no_length:
            headers.append(("Connection", "close"))
        else:
            length = len(body)
            if head and spec.head_lies:
                log.faults.append("head_lies")
                length = length * 2 + 1000
            headers.append(("Content-Length", str(length)))

        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if head:
            log.complete = True
            return
        self._send_body(log, spec, body)

    def _send_simple(
        self,
        log: RequestLog,
        status: int,
        headers: Mapping[str, str] | None = None,
        *,
        head: bool,
        body: bytes = ERROR_BODY,
    ) -> None:
        extra = Headers((headers or {}).items())
        bodyless = status < 200 or status in (204, 304)
        if bodyless:
            body = b""
        self.send_response(status)
        if body and "Content-Type" not in extra:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if not bodyless and "Content-Length" not in extra:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and not head:
            self._send_counted(log, body)
        log.complete = True

    def _send_body(self, log: RequestLog, spec: FileSpec, body: bytes) -> None:
        owner = self.server.owner
        stopping = owner._stopping
        total = len(body)
        end = total
        short = spec.short_body
        if short is not None and short < total and owner._take(spec, "short"):
            end = max(0, short)
            log.faults.append("short")
        drop_at = spec.drop_after if spec.drop_after is not None and spec.drop_after < end else None
        stall_at = (
            spec.stall_after if spec.stall_after is not None and spec.stall_after < end else None
        )
        trickle, rate, chunked = spec.trickle, spec.rate, spec.chunked
        if spec.connection_rate is not None:
            rate = spec.connection_rate(log.connection_id) or rate
        if trickle is not None:
            step = 1
        elif rate is not None and rate > 0:
            step = max(1, min(_CHUNK, rate // 20))
        else:
            step = _CHUNK
        t0 = time.monotonic()
        pos = 0
        while True:
            if stall_at is not None and pos >= stall_at:
                stall_at = None
                if owner._take(spec, "stall"):
                    log.faults.append("stall")
                    if stopping.wait(max(0.0, spec.stall_seconds)) or spec.stall_then_close:
                        raise _Abort
            if drop_at is not None and pos >= drop_at:
                drop_at = None
                if owner._take(spec, "drop"):
                    log.faults.append("drop")
                    if spec.drop_reset:
                        with owner._lock:
                            owner._rst.add(self.request)
                    raise _Abort
            if pos >= end:
                break
            nxt = min(end, pos + step)
            for mark in (stall_at, drop_at):
                if mark is not None and pos < mark < nxt:
                    nxt = mark
            if rate is not None and rate > 0:  # pace so each piece leaves when it is due
                delay = t0 + nxt / rate - time.monotonic()
                if delay > 0 and self._pause(delay):
                    raise _Abort
            piece = body[pos:nxt]
            if chunked:
                self._send_raw(f"{len(piece):x}\r\n".encode("ascii"))
                self._send_counted(log, piece)
                self._send_raw(b"\r\n")
            else:
                self._send_counted(log, piece)
            pos = nxt
            if stopping.is_set():
                raise _Abort
            if trickle is not None and pos < end and stopping.wait(trickle):
                raise _Abort
        if end < total:  # short_body: the promised length never arrives
            raise _Abort
        if chunked:
            self._send_raw(b"0\r\n\r\n")
        log.complete = True
        if spec.no_length:
            self.close_connection = True

    def _pause(self, delay: float) -> bool:
        """Wait `delay` s between two paced pieces; True to stop answering: the server is
        stopping, or the client closed the connection meanwhile. A real server (nginx's
        ngx_http_test_reading) notices a client's close at once, not at its next write: a
        request the client has dropped must not count as active for a pacing interval more."""
        stopping = self.server.owner._stopping
        conn = self.connection
        if isinstance(conn, ssl.SSLSocket):  # no peeking under TLS: notice at the next write
            return stopping.wait(delay)
        deadline = time.monotonic() + delay
        try:
            readable, _, _ = select.select([conn], [], [], delay)
            peek = conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) if readable else b"-"
        except (BlockingIOError, InterruptedError):
            peek = b"-"  # readable was a false alarm
        except (OSError, ValueError) as exc:  # reset by the client, or closed under us
            self._log_gone(exc)
            raise _Abort from exc
        if not peek:  # end of stream: the client is gone
            self._log_gone(ConnectionResetError("client closed the connection"))
            raise _Abort
        return stopping.wait(max(0.0, deadline - time.monotonic()))

    def _log_gone(self, exc: BaseException) -> None:
        if self._log is not None:
            self._log.client_error = repr(exc)

    def _send_raw(self, data: bytes) -> None:
        self.connection.sendall(data)

    def _send_counted(self, log: RequestLog, data: bytes) -> None:
        view = memoryview(data)
        owner = self.server.owner
        while view:
            n = self.connection.send(view)
            owner._count(log, n)
            view = view[n:]


def _extra(rep: bytes, stop: int, extra: int) -> bytes:
    """``extra`` bytes following ``stop`` in ``rep``, padded with filler past its end."""
    if extra <= 0:
        return b""
    tail = rep[stop : stop + extra]
    return tail + _FILLER * (extra - len(tail))


def _content_range(start: int, end: int, size: int, spec: FileSpec) -> str:
    mode = spec.wrong_content_range
    if mode is None:
        return f"bytes {start}-{end}/{size}"
    if mode == "start":
        s2 = start + 1 if start < end or start == 0 else start - 1
        return f"bytes {s2}-{max(end, s2)}/{size}"
    if mode == "end":
        return f"bytes {start}-{end - 1 if end > start else end + 1}/{size}"
    if mode == "total":
        return f"bytes {start}-{end}/{size + 1}"
    if mode == "star":
        return f"bytes */{size}"
    raise ValueError(f"wrong_content_range must be one of {_WRONG_CONTENT_RANGE}, not {mode!r}")


def _if_range_matches(value: str, sent_etag: str | None, last_modified: str | None) -> bool:
    """RFC 9110 §13.1.5: strong ETag comparison, or an exact Last-Modified date match."""
    value = value.strip()
    if value.startswith(('"', "W/")):
        return (
            sent_etag is not None
            and not sent_etag.startswith("W/")
            and not value.startswith("W/")
            and value == sent_etag
        )
    if last_modified is None:
        return False
    try:
        asked = email.utils.parsedate_to_datetime(value)
        have = email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError, IndexError):
        return False
    return asked == have


class FaultServer:
    """A threaded HTTP/1.1 (or HTTPS) server on 127.0.0.1 with per-file faults.

    Use as a context manager; ``base_url`` exists once entered.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        raise_errors: bool = True,
    ) -> None:
        self.ssl_context = ssl_context
        self.host = host
        self.raise_errors = raise_errors
        self.files: dict[str, FileSpec] = {}
        self.redirects: dict[str, tuple[str, int]] = {}
        self.requests: list[RequestLog] = []
        self.errors: list[BaseException] = []
        self.on_request: Callable[[RequestLog], None] | None = None
        self.connections_opened = 0
        self.base_url = ""
        self.port = 0
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        self.peak_active = 0  # most requests answered at the same time (reset_stats: 0)
        self._stopping = threading.Event()
        self._conn_seq = 0
        self._conns: dict[Any, int] = {}
        self._rst: set[Any] = set()
        self._threads: list[threading.Thread] = []
        self._bytes: dict[str, int] = {}
        self._httpd: _Server | None = None
        self._serve_thread: threading.Thread | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None

    # ---- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> FaultServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if self.raise_errors and exc_type is None and self.errors:
            raise AssertionError(f"FaultServer had internal errors: {self.errors!r}")

    def start(self, port: int = 0) -> None:
        """Listen on ``port`` (0: a free one). After ``stop()``, ``start(self.port)`` brings the
        same server back on the same address, like a restarted server (refused meanwhile)."""
        if self._httpd is not None:
            raise RuntimeError("FaultServer already started")
        self._stopping.clear()
        self._httpd = _Server(self, self.host, port)
        self.port = self._httpd.server_port
        scheme = "https" if self.ssl_context is not None else "http"
        self.base_url = f"{scheme}://{self.host}:{self.port}"
        self._wake_r, self._wake_w = socket.socketpair()
        self._serve_thread = threading.Thread(
            target=self._httpd.accept_loop,
            args=(self._wake_r,),
            name="faultserver-accept",
            daemon=True,
        )
        self._serve_thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop accepting, wake stalled handlers and blocked sockets, join threads, close."""
        httpd = self._httpd
        if httpd is None:
            return
        deadline = time.monotonic() + timeout
        self._stopping.set()
        if self._wake_w is not None:
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")
        if self._serve_thread is not None:
            self._serve_thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            conns = list(self._conns)
            threads = list(self._threads)
        for conn in conns:
            # The plain-socket shutdown, also for TLS sockets (SSLSocket.shutdown would drop
            # its SSL object under the feet of the thread using it).
            with contextlib.suppress(OSError, ValueError):
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        httpd.server_close()
        for wake in (self._wake_r, self._wake_w):
            if wake is not None:
                wake.close()
        self._wake_r = self._wake_w = None
        self._httpd = None
        self._serve_thread = None

    # ---- content --------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def add_file(
        self,
        path: str,
        data: bytes,
        *,
        etag: str | None = "auto",
        last_modified: str | None = "auto",
        content_disposition: str | None = None,
        content_type: str = "application/octet-stream",
        **faults: Any,
    ) -> FileSpec:
        """Serve ``data`` at ``path``. ``etag``/``last_modified``: "auto" (derived from the data),
        None (header not sent) or an explicit value. Extra keyword arguments set fault fields."""
        spec = FileSpec(
            path=path,
            data=bytes(data),
            etag=auto_etag(data) if etag == "auto" else None if etag is None else _norm_etag(etag),
            last_modified=auto_last_modified(data) if last_modified == "auto" else last_modified,
            content_disposition=content_disposition,
            content_type=content_type,
            auto_etag=etag == "auto",
            auto_last_modified=last_modified == "auto",
        )
        for name, value in faults.items():
            if name.startswith("_") or not hasattr(spec, name):
                raise TypeError(f"FileSpec has no field {name!r}")
            setattr(spec, name, value)
        with self._lock:
            self.files[path] = spec
        return spec

    def replace_file(
        self,
        path: str,
        data: bytes,
        *,
        etag: str | None = "same",
        last_modified: str | None = "same",
    ) -> None:
        """Swap the content of ``path``. Auto validators follow the new data; explicit ones are
        kept unless given here ("auto", None, or a value; "same" keeps the current policy)."""
        with self._lock:
            spec = self.files[path]
            spec.data = bytes(data)
            if etag != "same":
                spec.auto_etag = etag == "auto"
                spec.etag = None if etag is None or etag == "auto" else _norm_etag(etag)
            if spec.auto_etag:
                spec.etag = auto_etag(data)
            if last_modified != "same":
                spec.auto_last_modified = last_modified == "auto"
                spec.last_modified = None if last_modified == "auto" else last_modified
            if spec.auto_last_modified:
                spec.last_modified = auto_last_modified(data)

    def remove_file(self, path: str) -> None:
        with self._lock:
            self.files.pop(path, None)

    def add_redirect(
        self, path: str, target: str, status: int = 302, *, absolute: bool = True
    ) -> None:
        """Answer ``path`` with ``status`` + Location. A target starting with "/" becomes an
        absolute URL on this server unless ``absolute=False``. Targets may be redirects too."""
        if absolute and target.startswith("/"):
            target = self.url(target)
        with self._lock:
            self.redirects[path] = (target, status)

    # ---- stats ----------------------------------------------------------------------------
    def bytes_served(self, path: str | None = None) -> int:
        """Body bytes the kernel accepted since the last reset, for one file path or all."""
        with self._lock:
            if path is None:
                return sum(self._bytes.values())
            return self._bytes.get(path, 0)

    def reset_stats(self) -> None:
        """Forget logged requests, byte counts and the connection count (not fault counters)."""
        with self._lock:
            self.requests.clear()
            self._bytes.clear()
            self.connections_opened = 0
            self.peak_active = self._active

    def requests_for(self, path: str, method: str | None = None) -> list[RequestLog]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (r.file == path or r.path == path) and (method is None or r.method == method)
            ]

    def wait_idle(self, timeout: float = 2.0) -> bool:
        """Wait until no response is being written (its counters are then final)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    # ---- internals used by the handler ----------------------------------------------------
    def _new_log(self, handler: _Handler) -> RequestLog:
        target = handler.path
        path = urlsplit(target).path or "/"
        headers = Headers(handler.headers.items())
        with self._lock:
            cid = self._conns.get(handler.request, 0)
        log = RequestLog(
            method=handler.command,
            target=target,
            path=path,
            headers=headers,
            connection_id=cid,
            time=time.monotonic(),
            range=headers.get("Range"),
            if_range=headers.get("If-Range"),
        )
        rng = parse_range(log.range)
        if rng is not None:
            log.range_start, log.range_end, log.range_suffix = rng.first, rng.last, rng.suffix
        with self._lock:
            self.requests.append(log)
        return log

    def _lookup(self, log: RequestLog) -> tuple[FileSpec | None, tuple[str, int] | None]:
        candidates = (log.target, log.path, unquote(log.path))
        with self._lock:
            for key in candidates:
                if key in self.redirects:
                    return None, self.redirects[key]
            for key in candidates:
                if key in self.files:
                    return self.files[key], None
        return None, None

    def _take(self, spec: FileSpec, kind: str) -> bool:
        """Check-and-count a limited fault ("drop", "short", "stall") under the lock."""
        with self._lock:
            limit: int | None = getattr(spec, f"{kind}_times")
            done: int = getattr(spec, f"{kind}s")
            if limit is not None and done >= limit:
                return False
            setattr(spec, f"{kind}s", done + 1)
            return True

    def _count(self, log: RequestLog, n: int) -> None:
        key = log.file or log.path
        with self._lock:
            log.body_bytes_sent += n
            self._bytes[key] = self._bytes.get(key, 0) + n

    def _begin(self) -> None:
        with self._lock:
            self._active += 1
            self.peak_active = max(self.peak_active, self._active)

    def _end(self) -> None:
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def _report(self, exc: BaseException | None) -> None:
        if exc is None or self._stopping.is_set() or _is_disconnect(exc):
            return
        with self._lock:
            self.errors.append(exc)
        traceback.print_exception(exc, file=sys.stderr)
