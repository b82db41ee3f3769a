"""The zoo's Python server: Starlette's StaticFiles under uvicorn, plus a few routes.

Run as `uvicorn tests.zoo.asgi_app:app` with ZOO_ROOT (the served folder), ZOO_LOG (an access
log: one line per request, written when it ends or is cut off) and ZOO_RATE (bytes per second per
request under /slow/). Routes:

- /files/...     StaticFiles (Range, If-Range, ETag, Last-Modified are Starlette's own)
- /slow/...      the same folder, each response throttled to ZOO_RATE
- /go/latest     302 to /files/small.bin (a redirect from the app)
- /files/cd.bin  the file with a Content-Disposition naming it
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = os.environ.get("ZOO_ROOT", ".")
LOG = os.environ.get("ZOO_LOG")
RATE = int(os.environ.get("ZOO_RATE", str(2 << 20)))
CD_NAME = "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.bin"


class Throttle:
    """Paces every body chunk so a response runs at RATE bytes per second."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        sent = 0

        async def paced(message: Message) -> None:
            nonlocal sent
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
                ahead = sent / RATE - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            await send(message)

        await self.app(scope, receive, paced)


class AccessLog:
    """One JSON line per request: start/end time, status, body bytes sent, path, Range."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not LOG:
            await self.app(scope, receive, send)
            return
        started = time.time()
        status = 0
        sent = 0

        async def counted(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))

        headers = dict(scope.get("headers") or [])
        try:
            await self.app(scope, receive, counted)
        finally:
            line = {
                "start": started,
                "end": time.time(),
                "status": status,
                "bytes": sent,
                "path": scope["path"],
                "range": headers.get(b"range", b"").decode("latin-1"),
            }
            with open(LOG, "a") as f:
                f.write(json.dumps(line) + "\n")


async def latest(_request: Request) -> Response:
    return RedirectResponse("/files/small.bin", status_code=302)


async def named(_request: Request) -> Response:
    return FileResponse(
        os.path.join(ROOT, "files", "cd.bin"), headers={"Content-Disposition": CD_NAME}
    )


def build() -> Any:
    files = StaticFiles(directory=ROOT)
    return AccessLog(
        Starlette(
            routes=[
                Route("/go/latest", latest),
                Route("/files/cd.bin", named),
                Mount("/slow", app=Throttle(files)),
                Mount("/", app=files),
            ]
        )
    )


app = build()
