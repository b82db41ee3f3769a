"""The `add` method's scheduler params: `start_at` (epoch seconds) and `on_complete`
({"action": "open"|"folder"|"run", "argv": [...]}), checked into typed values."""

from __future__ import annotations

from datetime import datetime

from app.service import protocol as p
from app.store.plans import OnComplete


def plan_params(params: p.Params) -> tuple[datetime | None, OnComplete | None]:
    stamp = params.integer("start_at", minimum=0, maximum=1 << 40)
    start_at = None if stamp is None else datetime.fromtimestamp(stamp)
    raw = params.raw.get("on_complete")
    if raw is None:
        return start_at, None
    if not isinstance(raw, dict):
        raise p.InvalidParams("parameter 'on_complete' must be an object")
    action, argv = raw.get("action"), raw.get("argv", [])
    if not isinstance(action, str) or not isinstance(argv, list):
        raise p.InvalidParams("parameter 'on_complete' needs an action and an argv list")
    if not all(isinstance(a, str) for a in argv) or len(argv) > 256:
        raise p.InvalidParams("parameter 'on_complete' argv must be strings")
    try:
        return start_at, OnComplete(action, tuple(argv))
    except ValueError as exc:
        raise p.InvalidParams(f"parameter 'on_complete': {exc}") from None


def plan_wire(start_at: datetime | None, plan: OnComplete | None) -> dict[str, object]:
    """The client side: the params to send (nothing for what isn't set)."""
    wire: dict[str, object] = {}
    if start_at is not None:
        wire["start_at"] = int(start_at.timestamp())
    if plan is not None:
        wire["on_complete"] = {"action": plan.action, "argv": list(plan.argv)}
    return wire
