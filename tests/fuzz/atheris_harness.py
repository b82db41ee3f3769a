"""Coverage-guided fuzzing with atheris (libFuzzer) over the same invariants as the hypothesis
tests (tests/fuzz/invariants.py).

    python3 -m tests.fuzz.atheris_harness TARGET [libFuzzer flags, e.g. -runs=200000]

TARGET is one of: url, headers, ranged, name, drop, checksums, lists, all. Any exception other
than the parsers' own documented errors, or a broken invariant, stops the run with a crash file.
libFuzzer prints the number of inputs executed at the end (`Done N runs`).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from app import inputfile  # noqa: F401
    from app import urls as text_urls  # noqa: F401
    from app.engine import checksums, headers, http, naming, patterns, urls  # noqa: F401
    from app.ui import dropparse  # noqa: F401
    from tests.fuzz import invariants as inv

RUNS = [0]
MIMES = ["text/uri-list", "text/x-moz-url", "text/plain", "text/plain;charset=utf-8"]


def _url(fdp: atheris.FuzzedDataProvider) -> None:
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
    inv.check_url(text)
    inv.check_redact(text)
    inv.check_extract(text)


def _headers(fdp: atheris.FuzzedDataProvider) -> None:
    inv.check_headers(fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes()))


def _ranged(fdp: atheris.FuzzedDataProvider) -> None:
    status = fdp.PickValueInList([200, 206, 206, 206, 204, 302, 404, 416, 500])
    first = fdp.ConsumeIntInRange(0, 1 << 40)
    total = first + fdp.ConsumeIntInRange(1, 1 << 40)
    keys = ["Content-Range", "Content-Length", "Content-Type", "Content-Encoding", "ETag"]
    hdrs = {}
    for key in keys:
        if fdp.ConsumeBool():
            hdrs[key] = fdp.ConsumeUnicodeNoSurrogates(40)
    inv.check_ranged(status, hdrs, first, total)


def _name(fdp: atheris.FuzzedDataProvider) -> None:
    raw = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes() // 2)
    inv.check_name(raw)
    inv.check_choose_name(raw, "http://h/" + fdp.ConsumeUnicodeNoSurrogates(200))


def _drop(fdp: atheris.FuzzedDataProvider) -> None:
    formats = {}
    for mime in MIMES:
        if fdp.ConsumeBool():
            formats[mime] = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 400))
    inv.check_drop(formats)


def _checksums(fdp: atheris.FuzzedDataProvider) -> None:
    inv.check_published_checksums(fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes()))


def _lists(fdp: atheris.FuzzedDataProvider) -> None:
    inv.check_lists(fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes()))


TARGETS = {
    "url": _url,
    "headers": _headers,
    "ranged": _ranged,
    "name": _name,
    "drop": _drop,
    "checksums": _checksums,
    "lists": _lists,
}


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 else "all"
    chosen = list(TARGETS.values()) if target == "all" else [TARGETS[target]]

    def one_input(data: bytes) -> None:
        RUNS[0] += 1
        fdp = atheris.FuzzedDataProvider(data)
        fn = chosen[fdp.ConsumeIntInRange(0, len(chosen) - 1)] if len(chosen) > 1 else chosen[0]
        fn(fdp)

    atheris.Setup([sys.argv[0], *sys.argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
