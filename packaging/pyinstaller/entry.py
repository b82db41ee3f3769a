"""PyInstaller entry point: the bundle's `tether` executable runs `app.__main__.main()`.

Kept apart from app/__main__.py so the bundle starts exactly like the `tether` console script
(`tether = app.__main__:main` in pyproject.toml): same argv handling, same exit code.
"""

import multiprocessing
import sys

from app.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # no-op unless something spawns processes (Windows/macOS)
    sys.exit(main())
