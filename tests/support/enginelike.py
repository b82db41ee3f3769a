"""mypy proves that the real Engine, the service client's RemoteEngine and the UI tests'
FakeEngine all implement the window's EngineLike protocol: pyproject's mypy `files` include
this module, so a method renamed or re-typed on one side and not the other fails `mypy`, not
a user. (tests/test_engine_api.py
checks the same at run time, by signature.)"""

from __future__ import annotations

from app.engine import Engine
from app.service.remote_engine import RemoteEngine
from app.ui.controller import EngineLike
from tests.support.fakeengine import FakeEngine


def real(engine: Engine) -> EngineLike:
    return engine


def fake(engine: FakeEngine) -> EngineLike:
    return engine


def remote(engine: RemoteEngine) -> EngineLike:
    return engine
