"""Talking HTTP for a download: the probe, and checking answers before writing a byte.
(Sessions: sessions.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
import requests.adapters
import requests.auth

from app.engine.errors import (
    PermanentError,
    RestartNeeded,
    TransientError,
    classified,
    status_error,
)
from app.engine.headers import (
    ContentRange,
    UnsatisfiedRange,
    if_range_validator,
    is_identity_encoding,
    parse_content_length,
    parse_content_range,
    parse_retry_after,
)
from app.engine.proxy import describe
from app.engine.sessions import SessionPool as SessionPool  # importable from here too
from app.engine.sessions import new_session as new_session
from app.errors import RangeNotSatisfiable as RangeNotSatisfiable
from app.errors import RangesBroken as RangesBroken

# The probe asks for the first MiB, not `bytes=0-`: its body is then read to the end and the
# connection reused, instead of an open-ended answer that fills socket buffers with bytes
# another connection will fetch anyway (several MiB wasted per job on a fast link).
PROBE_SPAN = 1024 * 1024


@dataclass(slots=True)
class ProbeResult:
    """What the probe (one GET of `Range: bytes=<start>-<start + PROBE_SPAN - 1>`, or a plain GET
    when ranges can't be trusted) told us about the file; its body may serve the first segment."""

    final_url: str
    status: int
    size: int | None
    resumable: bool
    etag: str | None
    last_modified: str | None
    content_disposition: str | None
    encoded: bool  # Content-Encoding other than identity: the body is not the file's bytes
    response: requests.Response | None  # still open: its body can be the first segment
    body_end: int | None = None  # the body holds bytes [body_start, body_end) of the file
    body_start: int = 0

    @property
    def validator(self) -> str | None:
        return if_range_validator(self.etag, self.last_modified)

    def close(self) -> None:
        if self.response is not None:
            self.response.close()
            self.response = None


def probe(
    session: requests.Session,
    url: str,
    timeout: tuple[float, float],
    *,
    ranged: bool = True,
    start: int = 0,
    end: int | None = None,
) -> ProbeResult:
    """One GET (not HEAD: many servers lie on HEAD); classify errors at this boundary.

    It asks for PROBE_SPAN bytes from `start` — the first byte a resumed job still lacks — so
    the answer both describes the file and carries bytes we need. `ranged=False` is for servers
    whose range answers can't be trusted: a plain GET whose body becomes the single stream.
    """
    resp = _ask(session, url, timeout, ranged, start, end)
    status = resp.status_code
    if status >= 400:
        resp.close()
        return _refused(resp, session.proxies, url)
    if status not in (200, 206):
        resp.close()
        raise PermanentError(f"unexpected answer {status} from the server")
    return _described(resp, ranged, start)


def _ask(
    session: requests.Session,
    url: str,
    timeout: tuple[float, float],
    ranged: bool,
    start: int,
    end: int | None,
) -> requests.Response:
    """The probe's request, asked again within the size when a small file's 416 says so."""
    stop: int | None = start + PROBE_SPAN if end is None else min(end, start + PROBE_SPAN)
    while True:
        asked = {"Range": f"bytes={start}-{stop - 1}"} if ranged and stop is not None else {}
        with classified():
            resp = session.get(
                url, headers=asked, stream=True, timeout=timeout, allow_redirects=True
            )
        if resp.status_code != 416 or not asked or end is not None:
            return resp
        # Our bounded range may run past the end of a small file, and some servers (httpbin's
        # /range/N) refuse it whole instead of sending what exists: ask again within the size.
        retry = range_after_416(start, stop, parse_content_range(resp.headers.get("Content-Range")))
        if retry is False:
            return resp
        resp.close()
        stop = retry


def _refused(resp: requests.Response, proxies: Any, url: str) -> ProbeResult:
    """An error status: the error it means, or an empty file (a 416 that says `bytes */0`)."""
    status, headers = resp.status_code, resp.headers
    if status == 407:  # a plain-HTTP proxy's answer: name it (host:port, no credentials)
        proxy = describe(proxies, resp.url or url)
        where = f"the proxy {proxy}" if proxy else "the proxy"
        raise PermanentError(f"{where} wants a login (407 Proxy Authentication Required)")
    if status == 416:
        total = parse_content_range(headers.get("Content-Range"))
        if isinstance(total, UnsatisfiedRange) and total.total == 0:
            return ProbeResult(
                final_url=resp.url,
                status=status,
                size=0,
                resumable=False,
                etag=None,
                last_modified=None,
                content_disposition=None,
                encoded=False,
                response=None,
                body_end=0,
            )
        if isinstance(total, UnsatisfiedRange):
            raise RangeNotSatisfiable(status_error(status).reason, total.total)
    raise status_error(status, parse_retry_after(headers.get("Retry-After")))


def _described(resp: requests.Response, ranged: bool, start: int) -> ProbeResult:
    """What a 200 or 206 tells about the file; RangesBroken for a 206 that can't be trusted."""
    status, headers = resp.status_code, resp.headers
    encoded = not is_identity_encoding(headers.get("Content-Encoding"))
    size: int | None = None
    resumable = False
    body_end: int | None = None
    if status == 206:
        cr = parse_content_range(headers.get("Content-Range"))
        ctype = headers.get("Content-Type", "")
        if not (
            isinstance(cr, ContentRange)
            and cr.first == start
            and cr.total is not None
            and not encoded
            and not ctype.lower().startswith("multipart/")
        ):
            # A 206 we can't trust for ranges: stream it plainly instead.
            resp.close()
            raise RangesBroken(
                "the server's range answers are malformed",
                cr.total if isinstance(cr, ContentRange) else None,
            )
        size = cr.total
        resumable = True
        body_end = cr.last + 1
        length = parse_content_length(headers.get("Content-Length"))
        if length is not None and length != cr.length:
            resp.close()
            raise RangesBroken("Content-Length disagrees with Content-Range", cr.total)
    else:
        chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
        if not encoded and not chunked:
            size = parse_content_length(headers.get("Content-Length"))
        resumable = (
            ranged
            and size is not None
            and headers.get("Accept-Ranges", "").strip().lower() == "bytes"
        )
        body_end = size
    return ProbeResult(
        final_url=resp.url,
        status=status,
        size=size,
        resumable=resumable,
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
        content_disposition=headers.get("Content-Disposition"),
        encoded=encoded,
        response=resp,
        body_end=body_end,
        body_start=start if status == 206 else 0,
    )


def range_after_416(start: int, stop: int | None, answer: object) -> int | bool | None:
    """After a 416 to the fresh probe's `bytes=start-(stop-1)`: the end to ask instead (pure).

    An int: ask `bytes=start-(int-1)` (the file, per `bytes */total`, ends there); None: ask
    without a range (no size given, or even a range within the size was refused: a whole file
    curl would download must not fail); False: the 416 stands (an empty file, or a resumed
    probe's range, which starts past the end).
    """
    if stop is None:
        return False
    if isinstance(answer, UnsatisfiedRange):
        if start < answer.total < stop:
            return answer.total
        if answer.total == 0:
            return False  # an empty file: the probe knows what to do with that
    return None if start == 0 else False


def check_ranged_answer(
    status: int,
    headers: Any,
    first: int,
    total: int,
    etag: str | None,
    last_modified: str | None,
) -> int:
    """Decide whether the answer to `Range: bytes=first-…` may be written (pure).

    Returns the inclusive last byte the body covers. Raises: status errors (never write an error
    page), RestartNeeded (the file changed), RangesBroken (the server can't do ranges properly).
    """
    if status == 206:
        ctype = str(headers.get("Content-Type", "")).lower()
        if ctype.startswith("multipart/"):
            raise RangesBroken("the server answered a single range with multipart data")
        if not is_identity_encoding(headers.get("Content-Encoding")):
            raise RangesBroken("the server compressed a range answer")
        cr = parse_content_range(headers.get("Content-Range"))
        if not isinstance(cr, ContentRange):
            raise RangesBroken("the server sent a 206 without a valid Content-Range")
        if cr.total is not None and cr.total != total:
            raise RestartNeeded(
                f"the file's size changed on the server ({total} → {cr.total} bytes)"
            )
        # A server that ignores If-Range still names the version it sends: never splice another.
        new_etag = headers.get("ETag")
        if etag is not None and new_etag is not None and str(new_etag).strip() != etag.strip():
            raise RestartNeeded("the file changed on the server (its ETag changed)")
        new_lm = headers.get("Last-Modified")
        if (
            etag is None
            and last_modified is not None
            and new_lm is not None
            and str(new_lm).strip() != last_modified.strip()
        ):
            raise RestartNeeded("the file changed on the server (its Last-Modified changed)")
        if cr.first != first:
            raise RangesBroken(
                f"the server sent bytes from {cr.first} when asked for {first}", total
            )
        length = parse_content_length(headers.get("Content-Length"))
        if length is not None and length != cr.length:
            raise RangesBroken("Content-Length disagrees with Content-Range", total)
        # `bytes a-b/*` names no total to check b against: bytes past our end are never written
        return min(cr.last, total - 1)
    if status == 200:
        new_etag = headers.get("ETag")
        new_lm = headers.get("Last-Modified")
        new_size = parse_content_length(headers.get("Content-Length"))
        same = (new_size is None or new_size == total) and (
            (etag is not None and new_etag == etag)
            or (etag is None and last_modified is not None and new_lm == last_modified)
        )
        if same:
            raise RangesBroken("the server ignored the range request")
        raise RestartNeeded("the file changed on the server")
    if status == 416:
        cr = parse_content_range(headers.get("Content-Range"))
        if isinstance(cr, UnsatisfiedRange) and cr.total != total:
            raise RestartNeeded(
                f"the file's size changed on the server ({total} → {cr.total} bytes)"
            )
        raise TransientError("the server refused a range inside the file (416)")
    if status >= 400:
        raise status_error(status, parse_retry_after(headers.get("Retry-After")))
    raise TransientError(f"unexpected answer {status} to a range request")
