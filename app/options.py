"""Every user setting, declared once with its default and title, stored in the JobStore."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from app.engine.settings import MAX_CONNECTIONS, EngineSettings
from app.paths import default_download_dir
from app.store.jobstore import JobStore


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    title: str
    kind: type
    minimum: int | None = None
    maximum: int | None = None


OPTIONS: tuple[Option, ...] = (
    Option("download_dir", "Download folder", str),
    Option("max_concurrent", "Downloads at the same time", int, 1, 20),
    Option("connections", "Connections per download", int, 1, MAX_CONNECTIONS),
    Option("speed_limit", "Global speed limit (bytes/s, empty for none)", int, 1, None),
    Option("start_on_add", "Start downloads when added", bool),
    Option("minimize_to_tray", "Closing the window keeps Tether in the tray", bool),
    Option("notify", "Notify when a download completes or fails", bool),
    Option("stall_timeout", "Seconds without data before a connection is retried", int, 5, 3600),
    Option(
        "retry_for",
        "Seconds to keep retrying a download that gets no further (server down, no network)",
        int,
        0,
        86400,
    ),
)


@dataclass(frozen=True, slots=True)
class Options:
    download_dir: str = ""
    max_concurrent: int = 3
    connections: int = 8
    speed_limit: int | None = None
    start_on_add: bool = True
    minimize_to_tray: bool = False
    notify: bool = True
    stall_timeout: int = 30
    retry_for: int = 300

    def engine_settings(self, base: EngineSettings | None = None) -> EngineSettings:
        return dataclasses.replace(
            base or EngineSettings(),
            max_concurrent=self.max_concurrent,
            connections=self.connections,
            speed_limit=self.speed_limit,
            stall_timeout=float(self.stall_timeout),
            retry_for=float(self.retry_for),
        )

    def resolved_download_dir(self) -> str:
        return self.download_dir or str(default_download_dir())


def _valid(option: Option, value: Any) -> bool:
    if value is None:
        return option.key == "speed_limit"
    if option.kind is bool:
        return isinstance(value, bool)
    if option.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        if option.minimum is not None and value < option.minimum:
            return False
        return option.maximum is None or value <= option.maximum
    return isinstance(value, option.kind)


def load_options(store: JobStore) -> Options:
    """Stored values that make sense; defaults for the rest (a bad value is never fatal)."""
    stored = store.all_settings()
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.key in stored and _valid(option, stored[option.key]):
            values[option.key] = stored[option.key]
    opts = Options(**values)
    if not opts.download_dir:
        opts = dataclasses.replace(opts, download_dir=str(default_download_dir()))
    return opts


def save_options(store: JobStore, options: Options) -> None:
    for option in OPTIONS:
        value = getattr(options, option.key)
        if not _valid(option, value):
            raise ValueError(f"bad value for {option.title}: {value!r}")
        store.set_setting(option.key, value)
