"""Start-up: what `tether get` imports before its first request (no timing: which modules)."""

from __future__ import annotations

import json
import subprocess
import sys

# Not needed to send the first request of `tether get`: the window, the OS keyring, the system
# trust store (HTTPS only), the text-encoding guesser of requests (Tether never decodes bodies).
HEAVY = ("PySide6", "qasync", "app.ui", "app.service", "keyring", "truststore")

PROBE = """
import json, sys
import app.__main__, app.cli
loaded = sorted(sys.modules)
import requests
from requests.models import Response
r = Response(); r._content = "héllo wörld, ünïcode".encode(); r.encoding = None
print(json.dumps([loaded, r.apparent_encoding, r.text]))
"""


def test_cli_start_up_imports_only_what_the_first_request_needs() -> None:
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    loaded, encoding, text = json.loads(out.strip().splitlines()[-1])
    assert "app.cli.run" in loaded and "app.cli.common" in loaded  # the probe really is there
    # the engine and requests load when a command needs them, not with the CLI: a `get` handed
    # to a running service, `tether list`, `--help` never pay for them (~50 ms)
    assert "requests" not in loaded and "app.engine.engine" not in loaded
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]
    assert heavy == []
    assert "charset_normalizer.api" not in loaded  # deferred (app/engine/lazycharset.py) ...
    assert (encoding, text) == ("utf-8", "héllo wörld, ünïcode")  # ... yet there when asked
