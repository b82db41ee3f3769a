"""What callers hand the engine: checked checksums and folders, and KEEP ("leave it as it is")."""

from __future__ import annotations

import enum
import os

from app.engine.checksums import check_sha256 as check_sha256  # one rule: checksums.py
from app.engine.errors import BadInput


class Keep(enum.Enum):
    """The type of KEEP: "leave this setting as it is" where None already means "none"."""

    KEEP = "keep"


KEEP = Keep.KEEP  # e.g. Engine.configure(job, speed_limit=KEEP); None there means unlimited


def check_dest_dir(path: str) -> str:
    """An absolute directory we can write to, created if needed; BadInput otherwise."""
    directory = os.path.abspath(os.path.expanduser(path))
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create folder {directory}: {exc.strerror}") from exc
    if not os.path.isdir(directory):
        raise BadInput(f"not a folder: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write to folder {directory}")
    return directory
