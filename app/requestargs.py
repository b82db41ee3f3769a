"""The request-context flags of `tether get` and `tether add`, in one place (curl/aria2 spellings).

--header "Name: value" (repeatable), --cookie "a=b; c=d", --load-cookies FILE (Netscape
cookies.txt: the cookies matching each URL), --referer URL, --user-agent UA. They become each
job's RequestContext (app/engine/context.py), a secret of the job. The Add dialog's Request
fields are read by the same code (`ContextArgs.of`, `header_lines`).
"""

from __future__ import annotations

import argparse

from app.engine.context import RequestContext, netscape_cookies, parse_header
from app.engine.errors import BadInput

MAX_COOKIE_FILE = 16 * 1024 * 1024


def add_request_args(p: argparse.ArgumentParser) -> None:
    """Add the flags to a `get`/`add` parser."""
    # dests of their own: app/netargs.py's run-wide --header/--user-agent (site rules) read
    # `header`/`user_agent`, and these are each job's own
    p.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        dest="request_headers",
        metavar='"NAME: VALUE"',
        help="send this header with the download's requests, resumes included (repeatable)",
    )
    p.add_argument("-b", "--cookie", metavar='"a=b; c=d"', help="send these cookies")
    p.add_argument(
        "--load-cookies",
        metavar="FILE",
        help="send the cookies of this Netscape cookies.txt that match each URL",
    )
    p.add_argument("-e", "--referer", metavar="URL", help="send this Referer")
    p.add_argument(
        "-A",
        "-U",
        "--user-agent",
        dest="request_user_agent",
        metavar="UA",
        help="send this User-Agent",
    )


def read_cookie_file(path: str) -> str:
    """The text of a cookies.txt, or BadInput in one line (never its content)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_COOKIE_FILE + 1)
    except OSError as exc:
        raise BadInput(f"cannot read the cookie file {path}: {exc.strerror}") from None
    if len(data) > MAX_COOKIE_FILE:
        raise BadInput(f"the cookie file {path} is over 16 MiB")
    return data.decode("utf-8", "replace")


def header_lines(text: str) -> list[str]:
    """A box of headers, one `Name: value` per line (blank lines skipped), each checked;
    BadInput names the line that is wrong."""
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            RequestContext.build(headers=[parse_header(line)])  # Tether's own ones refused too
        except BadInput as exc:
            raise BadInput(f"header line {number}: {exc}") from None
        lines.append(line.strip())
    return lines


class ContextArgs:
    """The flags of one command line, read once; `for_url` gives each URL's context."""

    @classmethod
    def of(
        cls,
        *,
        headers: list[str] | None = None,
        cookie: str | None = None,
        cookie_file: str | None = None,
        referer: str | None = None,
        user_agent: str | None = None,
    ) -> ContextArgs:
        """The same, from fields (the Add dialog); empty strings count as absent."""
        return cls(
            argparse.Namespace(
                request_headers=headers or [],
                cookie=cookie or None,
                load_cookies=cookie_file or None,
                referer=referer or None,
                request_user_agent=user_agent or None,
            )
        )

    def __bool__(self) -> bool:
        return bool(
            self._headers or self._cookie or self._referer or self._agent or self._cookie_text
        )

    def __init__(self, args: argparse.Namespace) -> None:
        self._headers = [parse_header(h) for h in getattr(args, "request_headers", None) or ()]
        self._cookie: str | None = getattr(args, "cookie", None)
        self._referer: str | None = getattr(args, "referer", None)
        self._agent: str | None = getattr(args, "request_user_agent", None)
        path = getattr(args, "load_cookies", None)
        self._cookie_text = read_cookie_file(path) if path else None
        RequestContext.build(  # checked up front: a bad flag fails before any job is added
            cookies=self._cookie,
            referrer=self._referer,
            user_agent=self._agent,
            headers=self._headers,
        )

    def for_url(self, url: str) -> RequestContext | None:
        cookies = [self._cookie] if self._cookie else []
        if self._cookie_text is not None:
            picked = netscape_cookies(self._cookie_text, url)
            if picked:
                cookies.append(picked)
        context = RequestContext.build(
            cookies="; ".join(cookies) or None,
            referrer=self._referer,
            user_agent=self._agent,
            headers=self._headers,
        )
        return context or None


def context_for(args: argparse.Namespace, url: str) -> RequestContext | None:
    """The context of one URL of a command line (None without any flag)."""
    found: ContextArgs | None = getattr(args, "request_context", None)
    return None if found is None else found.for_url(url)


def context_json(context: RequestContext | None) -> dict[str, object] | None:
    """The protocol's `context` object for `add` (docs/PROTOCOL.md)."""
    if not context:
        return None
    return {
        "cookies": context.cookies,
        "referrer": context.referrer,
        "user_agent": context.user_agent,
        "headers": [list(h) for h in context.headers],
    }
