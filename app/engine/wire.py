"""What Tether reads from under requests' public API — urllib3's and http.client's private
attributes — kept in this one module; tests/test_wire.py pins each behaviour it relies on, so a
library upgrade that changes them fails there first, not as a slow or stuck download."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests


def response_socket(resp: requests.Response) -> socket.socket | None:
    """The socket under a streamed response, so another thread can abort a blocked read."""
    raw = resp.raw
    conn = getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def fast_body_reader(resp: requests.Response) -> Any | None:
    """The buffered socket reader under an identity, non-chunked body — for `readinto1`.

    Reading straight from it into one reused buffer skips urllib3's per-chunk bytes objects.
    None when the body is chunked or encoded: then the caller uses resp.raw.read().
    """
    fp = getattr(resp.raw, "_fp", None)  # http.client.HTTPResponse
    if fp is None or getattr(fp, "chunked", True):
        return None
    reader = getattr(fp, "fp", None)  # io.BufferedReader over the socket
    if reader is None or not hasattr(reader, "readinto1"):
        return None
    return reader


def finish_response(resp: requests.Response, complete: bool) -> None:
    """Give a fully read connection back for keep-alive; drop one cut short."""
    if complete:
        fp = getattr(resp.raw, "_fp", None)
        try:
            if fp is not None and getattr(fp, "length", None) not in (None, 0):
                # we read the body ourselves: tell http.client it's over so the socket is reusable
                fp.length = 0
                fp.close()
            resp.raw.release_conn()
            return
        except Exception:  # fall back to dropping the connection
            pass
    resp.close()


def proxy_address(exc: BaseException) -> tuple[str | None, int | None]:
    """The (host, port) of the HTTP(S) proxy a requests ProxyError came from, if it says."""
    pool = getattr(exc.args[0] if exc.args else None, "pool", None)
    proxy = getattr(pool, "proxy", None)  # urllib3's pool keeps its proxy's URL parsed
    return getattr(proxy, "host", None), getattr(proxy, "port", None)


def socks_address(exc: BaseException) -> tuple[str | None, int | None]:
    """The (host, port) of the SOCKS proxy a requests ConnectionError came from, if it says."""
    pool = getattr(exc.args[0] if exc.args else None, "pool", None)
    # urllib3.contrib.socks keeps the proxy in the pool's connection keywords
    options = getattr(pool, "conn_kw", {}).get("_socks_options") or {}
    return options.get("proxy_host"), options.get("proxy_port")
