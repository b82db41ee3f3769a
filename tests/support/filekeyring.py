"""A keyring backend kept in a JSON file ($TETHER_TEST_KEYRING), for tests that run `tether` as a
process: PYTHON_KEYRING_BACKEND=tests.support.filekeyring.FileKeyring makes keyring use it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors


class FileKeyring(keyring.backend.KeyringBackend):
    """Stands in for a desktop keyring; never chosen on its own (priority below the fail one)."""

    priority = -1  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ["TETHER_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._path().read_text())
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, items: dict[str, str]) -> None:
        self._path().write_text(json.dumps(items))

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._load()
        items[f"{service}\x00{username}"] = password
        self._save(items)

    def delete_password(self, service: str, username: str) -> None:
        items = self._load()
        if items.pop(f"{service}\x00{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._save(items)
