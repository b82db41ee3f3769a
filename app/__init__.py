"""Tether: a download manager that never loses a byte."""

from importlib import metadata

try:
    __version__ = metadata.version("tether")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
