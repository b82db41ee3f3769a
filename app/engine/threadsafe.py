"""Calling the engine from any thread: a command runs on the event loop's thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar, cast

P = ParamSpec("P")
R = TypeVar("R")


class OnLoop(Protocol):
    """An object whose methods belong to one event loop's thread (the Engine)."""

    _loop: asyncio.AbstractEventLoop | None
    _loop_thread: int | None


def threadsafe(method: Callable[P, R]) -> Callable[P, R]:
    """Let a command be called from any thread: off the loop it runs there and we wait for it."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        engine = args[0]
        assert hasattr(engine, "_loop_thread")
        engine = cast(OnLoop, engine)
        loop = engine._loop
        if loop is None or threading.get_ident() == engine._loop_thread or not loop.is_running():
            return method(*args, **kwargs)
        future: concurrent.futures.Future[R] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(method(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout=10)

    return wrapper
