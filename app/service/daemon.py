"""`tether service [run|stop|status]`: the service process.

The service holds the data-dir lock, runs the engine with autostart and serves it. SIGTERM /
SIGINT / `service.stop` end it with final checkpoints (exit 0); a job that was running
continues on the next start. Started on demand (`tether add`; see ondemand.py), it exits by
itself once nothing is queued or running and no client is connected for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from app.automation import Automation
from app.engine.engine import Engine
from app.options import load_options
from app.paths import database_path
from app.service import output
from app.service import protocol as p
from app.service.api import ServiceApi
from app.service.aria2.launch import Aria2Config, config_from, refusal, start_aria2
from app.service.client import connect
from app.service.ondemand import lock_holder_pid, lock_is_free
from app.service.server import RpcServer
from app.store.jobstore import JobStore, StoreError
from app.store.lock import DataDirLock
from app.store.models import JobState

log = logging.getLogger("tether.service")

STOP_TIMEOUT_S = 10.0
OUTPUT_CHECK_S = 60.0  # how often a running service looks at service.out's size
SHUTDOWN_TIMEOUT_S = 1.5

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_RUNNING = 0, 1, 2, 3


def is_idle(engine: Engine) -> bool:
    return not any(j.state in JobState.ACTIVE for j in engine.jobs())


def idle_clock(
    idle_since: float | None, now: float, *, idle: bool, clients: int, limit: float | None
) -> tuple[float | None, bool]:
    """(new idle_since, stop now?) for --exit-when-idle (pure). Idle means nothing queued or
    downloading and nobody connected; any activity restarts the clock."""
    if limit is None or not idle or clients:
        return None, False
    since = now if idle_since is None else idle_since
    return since, now - since >= limit


# ---------------------------------------------------------------------------- serving
async def serve_engine(
    engine: Engine,
    data_dir: Path,
    *,
    on_stop: Callable[[], None],
    on_demand: bool = False,
    automation: Automation | None = None,
    aria2: Aria2Config | None = None,
) -> RpcServer | None:
    """Serve the protocol on an engine this process owns (the caller holds the lock), and
    aria2's RPC next to it when `aria2` says where. `on_stop` ends the service."""
    api = ServiceApi(engine, data_dir=data_dir, on_stop=on_stop)
    api.automation = automation
    api.on_demand = on_demand
    server = RpcServer(api)
    try:
        await server.start(data_dir)
    except OSError as exc:
        log.warning("cannot serve the protocol: %s", exc)
        return None
    if aria2 is not None:
        aria2_server = await start_aria2(engine, aria2, on_stop)
        if aria2_server is not None:
            server.closers.append(aria2_server.close)
            server.aria2_port = aria2_server.port
    return server


async def _run(
    store: JobStore,
    data_dir: Path,
    idle_exit: float | None,
    aria2: Aria2Config | None,
    aria2_required: bool = False,
) -> int:
    options = load_options(store)
    engine = Engine(store, options.engine_settings(), autostart=True)
    automation = Automation(engine, store, options)  # queue hours, keep awake, when done
    automation.install()
    await engine.start()
    automation.attach()
    for problem in engine.problems:
        log.warning("store: %s", problem)
    stop = asyncio.Event()
    server = await serve_engine(
        engine,
        data_dir,
        on_stop=stop.set,
        on_demand=idle_exit is not None,
        automation=automation,
        aria2=aria2,
    )
    if server is None or (aria2_required and server.aria2_port is None):
        automation.detach()
        if server is not None:
            assert aria2 is not None
            sys.stderr.write(
                f"tether: cannot serve aria2's RPC on {aria2.host}:{aria2.port} "
                "(is the port in use?)\n"
            )
            await server.close()
        await engine.shutdown(SHUTDOWN_TIMEOUT_S)
        return EXIT_FAILED
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    idle_since: float | None = None
    next_cap = loop.time()
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            idle_since, done = idle_clock(
                idle_since,
                loop.time(),
                idle=is_idle(engine),
                clients=server.client_count,
                limit=idle_exit,
            )
            if done:
                log.info("idle for %.0f s: stopping", idle_exit)
                break
            if loop.time() >= next_cap:
                output.cap_own_output()
                next_cap = loop.time() + OUTPUT_CHECK_S
    finally:
        # clients first: nothing they send may turn the final SHUTDOWN stop into a pause
        server.api.stopping = True
        with contextlib.suppress(Exception):  # best effort: a window that misses it restarts us
            await server.announce_stop("requested" if stop.is_set() else "idle")
        await server.close()
        automation.detach()
        await engine.shutdown(SHUTDOWN_TIMEOUT_S)
    log.info("service stopped")
    return EXIT_OK


def run_service(
    data_dir: Path,
    idle_exit: float | None,
    err: TextIO,
    aria2_listen: str | None = None,
    aria2_secret: str | None = None,
) -> int:
    """`tether service`: in the foreground until stopped; aria2's RPC as the flags and
    options say (a bad address, or beyond loopback without a secret: one line, exit 2)."""
    lock = DataDirLock(data_dir)
    try:
        acquired = lock.acquire(wait=DataDirLock.PATIENCE)
    except OSError as exc:
        err.write(f"tether: cannot use data directory {data_dir}: {exc.strerror}\n")
        return EXIT_USAGE
    if not acquired:
        client = connect(data_dir)
        if client is not None:
            with client:
                pid = client.info.get("pid")
            err.write(f"tether: a Tether service is already running for {data_dir} (pid {pid})\n")
        else:
            err.write(
                f"tether: another Tether process (pid {lock_holder_pid(data_dir)}) is using "
                f"{data_dir}\n"
            )
        return EXIT_USAGE
    try:
        try:
            store = JobStore.open(database_path(data_dir))
        except StoreError as exc:
            err.write(f"tether: {exc}\n")
            return EXIT_USAGE
        try:
            try:
                aria2 = config_from(load_options(store), aria2_listen, aria2_secret)
            except ValueError as exc:
                err.write(f"tether: --aria2-rpc wants [HOST:]PORT: {exc}\n")
                return EXIT_USAGE
            reason = refusal(aria2) if aria2 is not None else None
            if reason is not None and aria2_listen is not None:
                err.write(f"tether: {reason}\n")
                return EXIT_USAGE
            if reason is not None:  # from the settings: the queue still runs (the window's too)
                log.warning("not serving aria2's RPC: %s", reason)
                aria2 = None
            log.info("service starting (pid %d)", os.getpid())
            required = aria2_listen is not None  # asked for on the command line: must listen
            return asyncio.run(_run(store, data_dir, idle_exit, aria2, required))
        finally:
            store.close()
    finally:
        lock.release()


# ---------------------------------------------------------------------------- stop, status
def stop_service(data_dir: Path, out: TextIO, err: TextIO) -> int:
    client = connect(data_dir)
    if client is None:
        err.write(f"tether: no Tether service is running for {data_dir}\n")
        return EXIT_OK
    with client:
        pid = int(client.info.get("pid") or 0)
        try:
            client.call("service.stop")
        except p.RpcError as exc:
            err.write(f"tether: {exc.message}\n")
            return EXIT_USAGE
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        # the lock goes with the process (its parent may not have reaped it yet)
        if lock_is_free(data_dir):
            return EXIT_OK
        time.sleep(0.05)
    err.write(f"tether: the service (pid {pid}) did not stop within {STOP_TIMEOUT_S:.0f} s\n")
    return EXIT_FAILED


def service_status(data_dir: Path, out: TextIO, err: TextIO) -> int:
    client = connect(data_dir)
    if client is None:
        if lock_is_free(data_dir):
            out.write(f"not running ({data_dir})\n")
        else:
            out.write(
                f"not running; pid {lock_holder_pid(data_dir)} holds {data_dir} without a service\n"
            )
        return EXIT_NOT_RUNNING
    with client:
        info = client.info
    out.write(
        f"running: pid {info.get('pid')} ({info.get('role')}), protocol {info.get('protocol')}, "
        f"data {info.get('data_dir')}\n"
    )
    return EXIT_OK
