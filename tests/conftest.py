"""Test-wide setup: headless Qt before any Qt import, a fault-injecting HTTP server fixture."""

from __future__ import annotations

import os

# Must happen before anything imports PySide6: there is no display on CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/tether-test-runtime")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from tests.support.faultserver import FaultServer  # noqa: E402


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv
