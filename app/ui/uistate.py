"""Window state remembered between runs (geometry, columns, last folder), kept in the store.

These are not user settings (those are declared in app/options.py); they live in the same
database so that --data-dir isolates everything. Every key is declared here, once.
"""

from __future__ import annotations

import base64
import logging
from typing import Any, Protocol

log = logging.getLogger("tether.ui")

KEY_LAST_DEST_DIR = "ui.last_dest_dir"
KEY_GEOMETRY = "ui.window_geometry"
KEY_HEADER = "ui.header_state"
KEY_CATEGORY = "ui.filter_category"
KEY_KIND = "ui.filter_kind"  # the sidebar's kind of file, "" for any
KEY_SPLIT_MAIN = "ui.split_sidebar"  # sidebar | list
KEY_SPLIT_DETAILS = "ui.split_details"  # list / details panel
KEY_DETAILS_VISIBLE = "ui.details_visible"
KEY_SIDEBAR_VISIBLE = "ui.sidebar_visible"


class SettingsStore(Protocol):
    def get_setting(self, key: str, default: Any = None) -> Any: ...
    def set_setting(self, key: str, value: Any) -> None: ...


class UiState:
    """Typed access to the window's remembered state; store errors never break the window."""

    def __init__(self, store: SettingsStore | None) -> None:
        self._store = store

    def _get(self, key: str, default: Any = None) -> Any:
        if self._store is None:
            return default
        try:
            return self._store.get_setting(key, default)
        except Exception as exc:
            log.warning("could not read %s: %s", key, exc)
            return default

    def _set(self, key: str, value: Any) -> None:
        if self._store is None:
            return
        try:
            self._store.set_setting(key, value)
        except Exception as exc:
            log.warning("could not save %s: %s", key, exc)

    def last_dest_dir(self) -> str | None:
        value = self._get(KEY_LAST_DEST_DIR)
        return value if isinstance(value, str) and value else None

    def set_last_dest_dir(self, path: str) -> None:
        self._set(KEY_LAST_DEST_DIR, path)

    def _get_bytes(self, key: str) -> bytes | None:
        value = self._get(key)
        if not isinstance(value, str):
            return None
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            return None

    def geometry(self) -> bytes | None:
        return self._get_bytes(KEY_GEOMETRY)

    def set_geometry(self, data: bytes) -> None:
        self._set(KEY_GEOMETRY, base64.b64encode(data).decode("ascii"))

    def header(self) -> bytes | None:
        return self._get_bytes(KEY_HEADER)

    def set_header(self, data: bytes) -> None:
        self._set(KEY_HEADER, base64.b64encode(data).decode("ascii"))

    def category(self) -> str:
        value = self._get(KEY_CATEGORY, "all")
        return value if isinstance(value, str) else "all"

    def set_category(self, value: str) -> None:
        self._set(KEY_CATEGORY, value)

    def kind(self) -> str:
        value = self._get(KEY_KIND, "")
        return value if isinstance(value, str) else ""

    def set_kind(self, value: str) -> None:
        self._set(KEY_KIND, value)

    def splitter(self, key: str) -> bytes | None:
        """KEY_SPLIT_MAIN or KEY_SPLIT_DETAILS."""
        return self._get_bytes(key)

    def set_splitter(self, key: str, data: bytes) -> None:
        self._set(key, base64.b64encode(data).decode("ascii"))

    def flag(self, key: str, default: bool) -> bool:
        """KEY_DETAILS_VISIBLE or KEY_SIDEBAR_VISIBLE."""
        value = self._get(key, default)
        return value if isinstance(value, bool) else default

    def set_flag(self, key: str, value: bool) -> None:
        self._set(key, value)
