"""Tether: a download manager that never loses a byte."""

# The one place the version lives: pyproject reads it (dynamic version), so package metadata,
# `tether --version` and the User-Agent agree; importlib.metadata would cost ~30 ms at start-up.
__version__ = "0.1.0"
# The desktop id: the .desktop file, the icon's name, the AppStream id, notifications.
APP_ID = "io.github.tether.Tether"


def installed_version() -> str:
    """The version from package metadata (what pip installed); the constant otherwise."""
    from importlib import metadata

    try:
        return metadata.version("tether")
    except metadata.PackageNotFoundError:
        return __version__
