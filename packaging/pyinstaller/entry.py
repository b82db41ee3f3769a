"""PyInstaller entry point: the bundle's `tether` executable runs Tether's `main()`.

Kept apart from app/__main__.py so the bundle starts exactly like the `tether` console script
(pyproject.toml): same argv handling, same exit code. `app.__main__.entry` wraps `main` so that a
closed pipe (`tether list | head`) is not an error; it is used when present.
"""

import multiprocessing
import sys

from app import __main__ as tether_main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # no-op unless something spawns processes (Windows/macOS)
    run = getattr(tether_main, "entry", tether_main.main)
    sys.exit(run())
