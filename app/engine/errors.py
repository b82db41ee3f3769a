"""The one place where lower-level errors (requests, urllib3, OSError, HTTP statuses) are
classified into Tether's exception tree (drawn in app/errors.py), with `raise ... from exc`:
`Boundary` around a call, or the functions below. The tree's engine classes are importable
from here too.
"""

from __future__ import annotations

import errno
import socket
from types import TracebackType
from typing import TYPE_CHECKING

from app.engine.wire import proxy_address, socks_address
from app.errors import (
    BadInput,
    DownloadError,
    PermanentError,
    RestartNeeded,
    TetherError,
    TransientError,
)

if TYPE_CHECKING:
    import requests

__all__ = [
    "UNTRUSTED_CERTIFICATE",
    "BadInput",
    "Boundary",
    "DownloadError",
    "PermanentError",
    "RestartNeeded",
    "TetherError",
    "TransientError",
    "classified",
    "from_os_error",
    "from_request_exception",
    "status_error",
]


_STATUS_REASONS = {
    401: "the server wants a login (401 Unauthorized)",
    403: "access denied (403 Forbidden) — the link may have expired",
    404: "not found on the server (404)",
    410: "gone from the server (410)",
    407: "the proxy wants a login (407 Proxy Authentication Required)",
    416: "the server cannot serve that range (416)",
}
# Where to go when a certificate is refused; the trust options are the CLI's and the window's.
UNTRUSTED_CERTIFICATE = (
    "the server's TLS certificate is not trusted "
    "(use --ca-certificate FILE, or add the CA to the system store)"
)


def status_error(status: int, retry_after: float | None = None) -> DownloadError:
    """Classify an HTTP error status (pure)."""
    if status in (408, 425, 429) or 500 <= status <= 599:
        return TransientError(f"server answered {status}", retry_after)
    reason = _STATUS_REASONS.get(status, f"server answered {status}")
    return PermanentError(reason)


def from_os_error(exc: OSError, what: str) -> DownloadError:
    """Map a local file-system error; `what` names the file or action."""
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return PermanentError(f"disk full while writing {what}")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return PermanentError(f"no permission to write {what}")
    return PermanentError(f"cannot write {what}: {exc.strerror or exc}")


def from_request_exception(exc: BaseException) -> DownloadError:
    """Map an exception raised while talking to the server (pure)."""
    if isinstance(exc, DownloadError):
        return exc
    # Imported here, not at the top: a command that only talks to a running service (`tether
    # get` handed over, `tether list`) imports these errors but never requests (~40 ms).
    import http.client
    import ssl

    import requests
    import urllib3.exceptions

    if isinstance(exc, (requests.exceptions.SSLError, ssl.SSLError)):
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
            return PermanentError(UNTRUSTED_CERTIFICATE)
        return PermanentError("TLS handshake failed")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return PermanentError("invalid URL")
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return PermanentError("unsupported URL scheme")
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return PermanentError("too many redirects")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransientError("connection timed out")
    if isinstance(exc, requests.exceptions.ReadTimeout | socket.timeout | TimeoutError):
        return TransientError("no data from the server (stalled)")
    if isinstance(exc, requests.exceptions.ProxyError):
        return _proxy_error(exc)
    if isinstance(exc, requests.exceptions.ConnectionError) and "SOCKSConnection" in str(exc):
        return _socks_error(exc)
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        if (
            "Name or service not known" in text
            or "getaddrinfo failed" in text
            or ("nodename nor servname" in text)
        ):
            return TransientError("cannot resolve the server's name")
        if "Connection refused" in text:
            return TransientError("connection refused by the server")
        return TransientError("connection lost")
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return TransientError("no data from the server (stalled)")
    if isinstance(exc, urllib3.exceptions.SSLError):
        return PermanentError("TLS error talking to the server")
    if isinstance(exc, urllib3.exceptions.HTTPError | http.client.HTTPException):
        return TransientError("connection lost mid-transfer")
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return TransientError("connection lost mid-transfer")
    if isinstance(exc, ConnectionError | EOFError):
        return TransientError("connection lost")
    if isinstance(exc, OSError):
        return TransientError(f"network error: {exc.strerror or exc.__class__.__name__}")
    if isinstance(exc, requests.exceptions.RequestException):
        return TransientError(f"request failed: {exc.__class__.__name__}")
    return PermanentError(f"unexpected error: {exc.__class__.__name__}: {exc}")


class Boundary:
    """A context manager that classifies whatever escapes its block into the tree above, with
    `raise ... from exc` (httpx's map_httpcore_exceptions): the one place call sites map errors.

    `stall`: the block reads a response body whose reads time out after that many seconds, so
    a timeout is a stall and any other OS error a connection lost mid-transfer. An instance
    holds no state per use: the per-chunk loop keeps one and enters it for every read.
    """

    __slots__ = ("stall",)

    def __init__(self, stall: float | None = None) -> None:
        self.stall = stall

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None or isinstance(exc, DownloadError) or not isinstance(exc, Exception):
            return  # ours already, or not an error (KeyboardInterrupt, SystemExit)
        raise self.classify(exc) from exc

    def classify(self, exc: BaseException) -> DownloadError:
        if self.stall is not None:
            if isinstance(exc, TimeoutError):
                return TransientError(f"no data for {self.stall:g} s (stalled)")
            if isinstance(exc, OSError | ValueError):
                return TransientError("connection lost mid-transfer")
        return from_request_exception(exc)


_REQUESTS = Boundary()


def classified(stall: float | None = None) -> Boundary:
    """`with classified(): session.get(...)`: errors leave the block as DownloadErrors."""
    return _REQUESTS if stall is None else Boundary(stall)


def _socks_error(exc: requests.exceptions.ConnectionError) -> DownloadError:
    """A SOCKS proxy failed, or said it could not reach the server: name the proxy (host:port
    only) and which of the two it was."""
    text = str(exc)
    host, port = socks_address(exc)
    name = f"the proxy {host}:{port}" if host and port else "the SOCKS proxy"
    if "authentication failed" in text.lower():
        return PermanentError(f"{name} refused the login (SOCKS5)")
    if "Errno" in text or "Error connecting to SOCKS" in text:
        cause = "connection refused" if "refused" in text.lower() else "connection lost"
        return TransientError(f"cannot reach {name} ({cause})")
    # "0x05: Connection refused", "0x04: Host unreachable": the proxy's answer about the server
    why = text.rsplit("0x0", 1)[-1].split(":", 1)[-1].strip(" \"')") if "0x0" in text else ""
    return TransientError(f"{name} could not reach the server ({why.lower() or 'failed'})")


def _proxy_error(exc: requests.exceptions.ProxyError) -> DownloadError:
    """The proxy, not the server, failed: name it (host:port only, never its credentials)."""
    text = str(exc)
    host, port = proxy_address(exc)
    name = (
        f"the proxy {host}:{port}"
        if host and port
        else f"the proxy {host}"
        if host
        else "the proxy"
    )
    if "CERTIFICATE_VERIFY_FAILED" in text:  # an HTTPS proxy: trusted as servers are
        return PermanentError(
            f"{name}'s TLS certificate is not trusted "
            "(use --ca-certificate FILE, or add the CA to the system store)"
        )
    if "407" in text:
        return PermanentError(f"{name} wants a login (407 Proxy Authentication Required)")
    if "Tunnel connection failed: 401" in text:  # tinyproxy answers a CONNECT's bad login so
        return PermanentError(f"{name} refused the login (401 to CONNECT)")
    if "Connection refused" in text:
        cause = "connection refused"
    elif "Name or service not known" in text or "getaddrinfo failed" in text:
        cause = "its name cannot be resolved"
    elif "timed out" in text.lower():
        cause = "timed out"
    else:
        cause = "connection lost"
    return TransientError(f"cannot reach {name} ({cause})")
