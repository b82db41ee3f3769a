"""Where Tether keeps its data, logs and downloads (platformdirs, or one --data-dir for all)."""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path

import platformdirs

APP_NAME = "tether"
ENV_DATA_DIR = "TETHER_DATA_DIR"


def resolve_data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir wins, then $TETHER_DATA_DIR, then the platform's user data dir."""
    chosen = override or os.environ.get(ENV_DATA_DIR)
    return Path(chosen).expanduser().resolve() if chosen else default_data_dir()


def database_path(data_dir: Path) -> Path:
    return data_dir / "tether.sqlite3"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)).resolve()


def log_dir(data_dir: Path) -> Path:
    """The platform's log folder by default; under the data dir when one was chosen, so that
    --data-dir / TETHER_DATA_DIR isolates everything."""
    if data_dir.resolve() == default_data_dir():
        return Path(platformdirs.user_log_dir(APP_NAME))
    return data_dir / "logs"


def default_download_dir() -> Path:
    downloads = platformdirs.user_downloads_dir()
    return Path(downloads) if downloads else Path.home() / "Downloads"


def runtime_dir() -> Path:
    """A per-user directory only this user can read, for the single-instance socket."""
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (a bare ssh or container session) platformdirs warns on
        # stderr and falls back to /tmp/runtime-UID, which is what we want: not the user's noise.
        warnings.simplefilter("ignore")
        base = platformdirs.user_runtime_dir(APP_NAME)
    try:
        path = Path(base)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)
        return path
    except OSError:
        path = (
            Path(tempfile.gettempdir())
            / f"{APP_NAME}-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
        )
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path


def instance_key(data_dir: Path) -> str:
    """A short stable name for everything that must be unique per data dir."""
    return hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
