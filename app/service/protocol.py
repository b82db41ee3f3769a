"""The wire protocol: JSON-RPC 2.0 lines, typed errors with stable codes, and the dispatcher.

One JSON object per line (UTF-8, `\\n`-terminated, at most MAX_LINE bytes). Requests carry
named params (an object) only; batches are not supported. Everything here is pure: the
dispatcher turns one line into at most one reply line and never raises, whatever it is fed.

    RpcError                code  name
     ├── ParseError         -32700 parse_error        not JSON, or too deep
     ├── InvalidRequest     -32600 invalid_request    not a JSON-RPC 2.0 request object
     ├── MethodNotFound     -32601 method_not_found
     ├── InvalidParams      -32602 invalid_params     a param has the wrong type or is missing
     ├── InternalError      -32603 internal_error     a bug in the service (logged)
     ├── BadInput             1001 bad_input          the request can never work (bad URL …)
     ├── UnknownJob           1002 unknown_job
     ├── NotAllowed           1003 not_allowed        not in the job's (or service's) state
     ├── Busy                 1004 busy               too many clients, or the service stops
     ├── HelloRequired        1005 hello_required     `hello` first, with a version we speak
     └── Unauthorized         1006 unauthorized       wrong token (TCP transport)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("tether.service")

PROTOCOL_VERSION = 1
MAX_LINE = 1 << 20  # bytes per message line, newline excluded
MAX_ID_CHARS = 200  # a string id longer than this is not an id, it is a payload

JsonObj = dict[str, Any]


class RpcError(Exception):
    """An error reply: a stable code and name, and one human line."""

    code = -32603
    name = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message.splitlines()[0] if message else self.name

    def to_json(self) -> JsonObj:
        return {"code": self.code, "message": self.message, "data": {"name": self.name}}


class ParseError(RpcError):
    code, name = -32700, "parse_error"


class InvalidRequest(RpcError):
    code, name = -32600, "invalid_request"


class MethodNotFound(RpcError):
    code, name = -32601, "method_not_found"


class InvalidParams(RpcError):
    code, name = -32602, "invalid_params"


class InternalError(RpcError):
    code, name = -32603, "internal_error"


class BadInput(RpcError):
    code, name = 1001, "bad_input"


class UnknownJob(RpcError):
    code, name = 1002, "unknown_job"


class NotAllowed(RpcError):
    code, name = 1003, "not_allowed"


class Busy(RpcError):
    code, name = 1004, "busy"


class HelloRequired(RpcError):
    code, name = 1005, "hello_required"


class Unauthorized(RpcError):
    code, name = 1006, "unauthorized"


ERRORS: tuple[type[RpcError], ...] = (
    ParseError,
    InvalidRequest,
    MethodNotFound,
    InvalidParams,
    InternalError,
    BadInput,
    UnknownJob,
    NotAllowed,
    Busy,
    HelloRequired,
    Unauthorized,
)
ERROR_BY_CODE: dict[int, type[RpcError]] = {e.code: e for e in ERRORS}


def error_from_json(obj: object) -> RpcError:
    """The typed error for a reply's `error` member (client side; unknown codes stay generic)."""
    if not isinstance(obj, dict):
        return InternalError("malformed error reply")
    code = obj.get("code")
    message = obj.get("message")
    cls = ERROR_BY_CODE.get(code, RpcError) if isinstance(code, int) else RpcError
    err = cls(message if isinstance(message, str) else "error")
    if cls is RpcError and isinstance(code, int):
        err.code = code
    return err


# ---------------------------------------------------------------------------- framing
def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def decode_line(line: bytes) -> object:
    """Parse one line; ParseError for anything that isn't one strict JSON value."""
    if len(line) > MAX_LINE:
        raise InvalidRequest(f"message longer than {MAX_LINE} bytes")
    try:
        return json.loads(line.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError also covers ints past Python's digit limit
        raise ParseError(f"not a JSON message: {type(exc).__name__}") from None


def encode(message: Mapping[str, Any]) -> bytes:
    """One line on the wire."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def request(method: str, params: Mapping[str, Any] | None, msg_id: int | str | None) -> JsonObj:
    msg: JsonObj = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = dict(params)
    if msg_id is not None:
        msg["id"] = msg_id
    return msg


def notification(method: str, params: Mapping[str, Any]) -> JsonObj:
    return {"jsonrpc": "2.0", "method": method, "params": dict(params)}


def result_reply(msg_id: object, result: object) -> JsonObj:
    return {"jsonrpc": "2.0", "id": msg_id, "result": result}


def error_reply(msg_id: object, error: RpcError) -> JsonObj:
    return {"jsonrpc": "2.0", "id": msg_id, "error": error.to_json()}


# ---------------------------------------------------------------------------- params
class Params:
    """Typed access to a request's named params; every miss is an InvalidParams line."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def _get(
        self, key: str, kinds: tuple[type, ...], what: str, default: Any, required: bool
    ) -> Any:
        if key not in self.raw or self.raw[key] is None:
            if required:
                raise InvalidParams(f"missing parameter {key!r}")
            return default
        value = self.raw[key]
        if isinstance(value, bool) and bool not in kinds:
            raise InvalidParams(f"parameter {key!r} must be {what}")
        if not isinstance(value, kinds):
            raise InvalidParams(f"parameter {key!r} must be {what}")
        return value

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self._get(key, (str,), "a string", default, required)
        return None if value is None else str(value)

    def req_string(self, key: str) -> str:
        value = self.string(key, required=True)
        assert value is not None
        return value

    def integer(
        self,
        key: str,
        default: int | None = None,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self._get(key, (int,), "an integer", default, required)
        if value is None:
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            lo = "" if minimum is None else f" ≥ {minimum}"
            hi = "" if maximum is None else f" ≤ {maximum}"
            raise InvalidParams(f"parameter {key!r} must be an integer{lo}{hi}")
        return int(value)

    def job_id(self, key: str = "id") -> int:
        value = self.integer(key, required=True, minimum=1, maximum=(1 << 63) - 1)
        assert value is not None
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        return bool(self._get(key, (bool,), "true or false", default, False))

    def id_list(self, key: str) -> list[int] | None:
        value = self._get(key, (list,), "a list of job ids", None, False)
        if value is None:
            return None
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise InvalidParams(f"parameter {key!r} must be a list of job ids")
        return list(value)

    def obj(self, key: str) -> JsonObj:
        value = self._get(key, (dict,), "an object", None, True)
        return dict(value)


# ---------------------------------------------------------------------------- dispatch
@dataclass
class Session:
    """What the dispatcher knows about one connection (set by `hello`, read by handlers)."""

    greeted: bool = False
    client: str = ""
    subscription: JsonObj | None = None
    extra: JsonObj = field(default_factory=dict)


Handler = Callable[[Params, Session], object]


@dataclass(frozen=True)
class Method:
    """A method table entry; `before_hello` methods are allowed on a fresh connection."""

    handler: Handler
    before_hello: bool = False


def _check_id(obj: Mapping[str, Any]) -> tuple[bool, object]:
    """(valid, id to answer with)."""
    if "id" not in obj:
        return True, None
    msg_id = obj["id"]
    if msg_id is None:
        return True, None
    if isinstance(msg_id, bool) or not isinstance(msg_id, int | str):
        return False, None
    if isinstance(msg_id, str) and len(msg_id) > MAX_ID_CHARS:
        return False, None
    if isinstance(msg_id, int) and abs(msg_id) >= 1 << 63:
        return False, None
    return True, msg_id


class Dispatcher:
    """Method table → handler. `handle_line` never raises and answers every request."""

    def __init__(self, methods: Mapping[str, Method]) -> None:
        self.methods = dict(methods)

    def handle_line(self, line: bytes, session: Session) -> JsonObj | None:
        """The reply to one line (None for a notification, i.e. a request without an id)."""
        try:
            obj = decode_line(line)
        except RpcError as exc:
            return error_reply(None, exc)
        return self.handle(obj, session)

    def handle(self, obj: object, session: Session) -> JsonObj | None:
        if not isinstance(obj, dict):
            why = "batches are not supported" if isinstance(obj, list) else "not a request object"
            return error_reply(None, InvalidRequest(why))
        ok, msg_id = _check_id(obj)
        if not ok:
            return error_reply(None, InvalidRequest("id must be a short string or an integer"))
        if obj.get("jsonrpc") != "2.0" or not isinstance(obj.get("method"), str):
            # not a request at all, so not a notification either: always answered
            why = (
                '"jsonrpc" must be "2.0"'
                if obj.get("jsonrpc") != "2.0"
                else '"method" must be a string'
            )
            return error_reply(msg_id, InvalidRequest(why))
        is_notification = "id" not in obj
        try:
            result = self._call(obj, session)
        except RpcError as exc:
            return None if is_notification else error_reply(msg_id, exc)
        except Exception:
            log.exception("method %r failed", obj.get("method"))
            err = InternalError("the service failed to do this; see its log")
            return None if is_notification else error_reply(msg_id, err)
        return None if is_notification else result_reply(msg_id, result)

    def _call(self, obj: Mapping[str, Any], session: Session) -> object:
        name = str(obj["method"])
        raw = obj.get("params", {})
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise InvalidParams("params must be an object (named parameters)")
        method = self.methods.get(name)
        if method is None:
            raise MethodNotFound(f"no method {name[:80]!r}")
        if not session.greeted and not method.before_hello:
            raise HelloRequired('send "hello" first')
        return method.handler(Params(raw), session)
