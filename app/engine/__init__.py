"""The download engine: probe, plan, transfer, checkpoint, finish. Never imports Qt.

Its API is what `__all__` names (ENGINE_API.md describes it): `from app.engine import Engine`.
The names load on first use, so importing one engine module (the window imports only events)
does not pull in the whole engine and `requests`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from app.engine.lazycharset import install as _defer_charset_detection

_defer_charset_detection()  # before any engine module imports requests (start-up time)

if TYPE_CHECKING:
    from app.engine.engine import Engine
    from app.engine.errors import (
        BadInput,
        DownloadError,
        PermanentError,
        RestartNeeded,
        TetherError,
        TransientError,
    )
    from app.engine.events import EngineEvent, EventKind, Progress
    from app.engine.inputs import KEEP, Keep, check_dest_dir, check_sha256
    from app.engine.runs import StartPolicy
    from app.engine.settings import EngineSettings

__all__ = [
    "KEEP",
    "BadInput",
    "DownloadError",
    "Engine",
    "EngineEvent",
    "EngineSettings",
    "EventKind",
    "Keep",
    "PermanentError",
    "Progress",
    "RestartNeeded",
    "StartPolicy",
    "TetherError",
    "TransientError",
    "check_dest_dir",
    "check_sha256",
]

_HOME = {
    "Engine": "engine",
    "StartPolicy": "runs",
    "BadInput": "errors",
    "DownloadError": "errors",
    "PermanentError": "errors",
    "RestartNeeded": "errors",
    "TetherError": "errors",
    "TransientError": "errors",
    "EngineEvent": "events",
    "EventKind": "events",
    "Progress": "events",
    "KEEP": "inputs",
    "Keep": "inputs",
    "check_dest_dir": "inputs",
    "check_sha256": "inputs",
    "EngineSettings": "settings",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'app.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"app.engine.{home}"), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value
