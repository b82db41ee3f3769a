"""Named loggers per area and the rotating log file under the data dir."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.paths import log_dir

engine = logging.getLogger("tether.engine")
store = logging.getLogger("tether.store")
ui = logging.getLogger("tether.ui")
cli = logging.getLogger("tether.cli")

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup(data_dir: Path, *, verbose: bool = False) -> Path | None:
    """Log to <data>/logs/tether.log (rotating). Returns the file, or None if it can't be made."""
    root = logging.getLogger("tether")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for h in list(root.handlers):
        if getattr(h, "_tether", False):
            root.removeHandler(h)
            h.close()
    try:
        directory = log_dir(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "tether.log"
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._tether = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path
