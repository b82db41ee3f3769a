"""The window's settings and remembered state, kept by the service (the window opens no store).

`RemoteSettings` stands where the window used to hold the JobStore: `get_setting`/`set_setting`
for its `ui.*` state (app/ui/uistate.py), `save_options` for the options, sending only the
ones that changed. Secret options never come back from the service (settings.get nulls them),
so the window holds them at their defaults and sends one only when the user typed a new one.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

from app.options import OPTIONS, Options

log = logging.getLogger("tether.service")

Call = Callable[..., Any]
_FIELDS = {f.name for f in dataclasses.fields(Options)}
_SECRET = {o.key for o in OPTIONS if o.secret}


def options_from_values(values: Mapping[str, Any]) -> Options:
    """Options from settings.get's `values` (secrets, sent as null, keep their defaults)."""
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if key not in _FIELDS or (value is None and key in _SECRET):
            continue
        kept[key] = tuple(value) if isinstance(value, list) else value
    try:
        return Options(**kept)
    except TypeError as exc:  # a newer service's option this window doesn't know the shape of
        log.warning("settings from the service not understood: %s", exc)
        return Options()


def changed_values(old: Options, new: Options) -> dict[str, Any]:
    """settings.set's `values`: the options whose value differs, as JSON."""
    out: dict[str, Any] = {}
    for key in sorted(_FIELDS):
        value = getattr(new, key)
        if value != getattr(old, key):
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


class RemoteSettings:
    """The window's `store`: see the module docstring. `call` is RemoteEngine.call (or a
    function that routes to the current one, across reconnections)."""

    def __init__(self, call: Call, path: str) -> None:
        self._call = call
        self.path = path  # where the queue database lives: the window names the data folder by it
        self.known = Options()

    def load(self) -> Options:
        self.known = options_from_values(self._call("settings.get")["values"])
        return self.known

    def save_options(self, options: Options) -> None:
        """Send what changed; the service validates, saves and applies it (ValueError if not)."""
        values = changed_values(self.known, options)
        if values:
            try:
                self._call("settings.set", values=values)
            except Exception as exc:
                raise ValueError(getattr(exc, "message", None) or str(exc)) from None
        self.known = options

    def get_setting(self, key: str, default: Any = None) -> Any:
        value = self._call("ui_state.get", key=key)["value"]
        return default if value is None else value

    def set_setting(self, key: str, value: Any) -> None:
        self._call("ui_state.set", key=key, value=value)
