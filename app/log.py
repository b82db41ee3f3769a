"""The rotating log file under the data dir (each module names its own logger: tether.AREA)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from app.paths import log_dir
from app.store import private

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class _PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """Log files created 0600 whatever the umask (rotation renames keep the mode)."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = private.open_private(self.baseFilename, self.mode)
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)


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
        if directory.is_relative_to(data_dir):
            private.private_dir(data_dir)  # before mkdir of logs/ would create it 0755
        private.private_dir(directory)
        path = directory / "tether.log"
        for old in directory.glob("tether.log*"):
            private.tighten(old)
        handler: logging.Handler = _PrivateFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._tether = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path
