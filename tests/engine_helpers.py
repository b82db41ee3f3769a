"""Running the real engine in tests: fast retry/stall settings and a one-call download."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.engine.engine import Engine
from app.engine.retry import RetryPolicy
from app.engine.settings import EngineSettings
from app.store import Job, JobStore

KIB = 1024
MIB = 1024 * 1024

# Small pieces so a 2 MiB file really splits, quick retries, a short stall watchdog, and
# outages given up quickly.
FAST = EngineSettings(
    connections=4,
    stall_timeout=1.0,
    connect_timeout=2.0,
    checkpoint_interval=0.2,
    min_split=64 * KIB,
    buffer_size=64 * KIB,
    retry=RetryPolicy(base_delay=0.02, max_delay=0.1, max_retry_after=3.0),
    retry_for=2.0,  # an outage (no progress at all) fails after this long
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha(path: str | os.PathLike[str]) -> str:
    return sha(Path(path).read_bytes())


def payload(size: int, seed: int = 1) -> bytes:
    """Deterministic, incompressible-looking bytes (a splice of two versions would show)."""
    out = bytearray()
    block = hashlib.sha256(seed.to_bytes(8, "little")).digest()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(block + counter.to_bytes(8, "little")).digest()
        counter += 1
    return bytes(out[:size])


def settings(**changes: object) -> EngineSettings:
    return dataclasses.replace(FAST, **changes)  # type: ignore[arg-type]


async def _with_engine(
    tmp: Path, body: Callable[[Engine], Awaitable[object]], cfg: EngineSettings | None
) -> object:
    store = JobStore.open(tmp / "data" / "db.sqlite3")
    engine = Engine(store, cfg or FAST)
    await engine.start()
    try:
        return await body(engine)
    finally:
        await engine.shutdown()
        store.close()


def run_engine(
    tmp: Path, body: Callable[[Engine], Awaitable[object]], cfg: EngineSettings | None = None
) -> object:
    return asyncio.run(asyncio.wait_for(_with_engine(tmp, body, cfg), 60))


def download(
    tmp: Path,
    url: str,
    *,
    cfg: EngineSettings | None = None,
    connections: int | None = None,
    sha256: str | None = None,
) -> Job:
    """Add one job, wait until it ends, return its final record."""

    async def body(engine: Engine) -> Job:
        job = engine.add(url, str(tmp / "out"), connections=connections, sha256=sha256)
        await engine.wait_idle()
        return engine.job(job.id)

    result = run_engine(tmp, body, cfg)
    assert isinstance(result, Job)
    return result


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class RefusedPort:
    """A loopback port bound but not listening: connecting to it is refused, and nothing else
    on the machine (other test runs share it) can take the port while the test holds it."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/f.bin"

    def release(self) -> None:
        """Free the port, e.g. to start a server on it."""
        self._sock.close()
