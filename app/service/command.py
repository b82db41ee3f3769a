"""`tether service [run|stop|status]`: its arguments and what each does. Apart from daemon.py
(the service process itself: engine, server, aria2) so that building the command line — which
every `tether` command does — never imports the engine."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from app.cli.common import EXIT_USAGE


def add_service_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    svc = sub.add_parser(
        "service",
        help="run the service (engine + JSON-RPC API) in the foreground; or stop / status",
    )
    svc.add_argument("action", nargs="?", choices=("run", "stop", "status"), default="run")
    svc.add_argument(
        "--exit-when-idle",
        type=float,
        metavar="SECONDS",
        help="stop after this long with nothing to download and no client connected",
    )
    svc.add_argument(
        "--aria2-rpc",
        nargs="?",
        const="",
        metavar="[HOST:]PORT",
        help="also serve aria2's JSON-RPC (HTTP and WebSocket at /jsonrpc) on 127.0.0.1 (without "
        "a value: the aria2_rpc_port setting, 6800); a HOST beyond loopback needs --rpc-secret",
    )
    svc.add_argument(
        "--rpc-secret",
        metavar="TOKEN",
        help="the secret aria2 clients give as token:TOKEN (default: $TETHER_RPC_SECRET, "
        "else the aria2_rpc_secret setting)",
    )


def cmd_service(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    from app.service.daemon import run_service, service_status, stop_service

    if args.action == "stop":
        return stop_service(data_dir, out, err)
    if args.action == "status":
        return service_status(data_dir, out, err)
    idle = args.exit_when_idle
    if idle is not None and not 1 <= idle <= 86400:
        err.write("tether: --exit-when-idle must be between 1 and 86400 seconds\n")
        return EXIT_USAGE
    secret = args.rpc_secret or os.environ.get("TETHER_RPC_SECRET") or None
    return run_service(data_dir, idle, err, args.aria2_rpc, secret)
