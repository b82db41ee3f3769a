"""Start-up: `requests` imports charset_normalizer (~10 ms, a tenth of `tether get`'s start)
to guess the text encoding of answers; Tether never decodes a body as text. Installed before
`requests` is first imported, a stand-in module answers the one thing requests reads at import
(`__version__`, read from the package's version.py without running it) and loads the real
module the first time anything else is asked of it, so `resp.text` still works."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types
from typing import Any

NAME = "charset_normalizer"


class _Deferred(types.ModuleType):
    """Stands in for charset_normalizer until something uses it."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):  # the import system probing (__file__, __loader__…)
            raise AttributeError(attr)
        if sys.modules.get(NAME) is self:
            del sys.modules[NAME]
        real = importlib.import_module(NAME)
        return getattr(real, attr)


def install() -> None:
    """Defer charset_normalizer if requests isn't imported yet and the package is there."""
    if "requests" in sys.modules or NAME in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(NAME)
        origin = spec.origin if spec is not None else None
        if origin is None or spec is None or not spec.submodule_search_locations:
            return
        folder = spec.submodule_search_locations[0]
        with open(f"{folder}/version.py", encoding="utf-8") as f:
            found = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", f.read())
    except (ImportError, OSError, ValueError):
        return
    if found is None:
        return
    stand_in = _Deferred(NAME)
    stand_in.__version__ = found.group(1)  # type: ignore[attr-defined]
    # a package, so `import charset_normalizer.api` (and requests' alias table) still work
    stand_in.__path__ = list(spec.submodule_search_locations)
    sys.modules[NAME] = stand_in
