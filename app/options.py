"""Every user setting, declared once with its default and title, stored in the JobStore."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from app.engine.errors import BadInput
from app.engine.onfinish import FinishAction
from app.engine.proxy import MODES as PROXY_MODES
from app.engine.proxy import ProxyConfig, parse_no_proxy
from app.engine.schedule import ALL_DAYS, MINUTES_PER_DAY, Window
from app.engine.scheduler import ScheduleConfig
from app.engine.settings import MAX_CONNECTIONS, EngineSettings
from app.engine.siterules import SiteRule, rules_from_settings
from app.paths import default_download_dir
from app.store.jobstore import JobStore


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    title: str
    kind: type
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None  # the values a str option may take (None: any)
    # A secret (a password, headers that may carry cookies): kept with the secret storage
    # (OS keyring or the app_secrets table, app/store/secrets.py), never in the settings table.
    secret: bool = False


# Remembered answers to "the file already exists" and "this link is already in the list":
# "ask" shows the question; anything else is the choice the user asked us to remember.
EXISTS_CHOICES = ("ask", "overwrite", "rename", "open")
QUEUED_URL_CHOICES = ("ask", "show", "add")
COMPLETED_URL_CHOICES = ("ask", "open", "add")
FILE_KINDS = ("video", "audio", "archive", "document", "program", "image")
FINISH_CHOICES = tuple(a.value for a in FinishAction)  # nothing, quit, sleep, shutdown
LAST_MINUTE = MINUTES_PER_DAY - 1


OPTIONS: tuple[Option, ...] = (
    Option("download_dir", "Download folder", str),
    Option("max_concurrent", "Downloads at the same time", int, 1, 20),
    Option("connections", "Connections per download", int, 1, MAX_CONNECTIONS),
    Option("speed_limit", "Global speed limit (bytes/s, empty for none)", int, 1, None),
    Option("start_on_add", "Start downloads when added", bool),
    Option("minimize_to_tray", "Closing the window keeps Tether in the tray", bool),
    Option("notify", "Notify when a download completes or fails", bool),
    Option("stall_timeout", "Seconds without data before a connection is retried", int, 5, 3600),
    Option("saved_speed_limit", "Speed limit the quick toggle turns on (bytes/s)", int, 1, None),
    Option("add_without_asking", "Add dropped, pasted and handed-over links without asking", bool),
    Option("exists_action", "When the file already exists", str, choices=EXISTS_CHOICES),
    Option(
        "queued_url_action", "When the link is already in the list", str, choices=QUEUED_URL_CHOICES
    ),
    Option(
        "completed_url_action",
        "When the link was already downloaded",
        str,
        choices=COMPLETED_URL_CHOICES,
    ),
    *(
        Option(f"folder_{kind}", f"Folder for {kind} files (empty: the download folder)", str)
        for kind in FILE_KINDS
    ),
    # empty: the system's trust store (see app/engine/tls.py for the whole precedence)
    Option("ca_certificate", "Trusted CA certificates (PEM file; empty for the system's)", str),
    Option("use_netrc", "Use ~/.netrc for sites whose link has no user name", bool),
    Option(
        "retry_for",
        "Seconds to keep retrying a download that gets no further (server down, no network)",
        int,
        0,
        86400,
    ),
    Option("auto_checksum", "Verify downloads with checksums the server publishes", bool),
    # Network (app/engine/proxy.py, siterules.py)
    Option("proxy_mode", "Proxy", str, choices=PROXY_MODES),
    Option("proxy_host", "Proxy host", str),
    Option("proxy_port", "Proxy port", int, 1, 65535),
    Option("proxy_user", "Proxy user name", str, secret=True),
    Option("proxy_password", "Proxy password", str, secret=True),
    Option("no_proxy", "Hosts reached without the proxy (comma separated)", str),
    Option("site_rules", "Per-site connections, user agent and headers", list, secret=True),
    Option("clipboard_monitor", "Offer links to files copied to the clipboard", bool),
    Option("reroll_slow", "Reconnect a connection far slower than the others", bool),
    # Schedule (times are minutes after midnight, days a mask: bit 0 Monday … bit 6 Sunday)
    Option("queue_hours", "Run the queue only at set hours", bool),
    Option("queue_start", "The queue starts at (minutes after midnight)", int, 0, LAST_MINUTE),
    Option("queue_stop", "The queue stops at (minutes after midnight)", int, 0, LAST_MINUTE),
    Option(
        "queue_days",
        "Days the queue runs (Monday = 1, Tuesday = 2, … Sunday = 64)",
        int,
        1,
        ALL_DAYS,
    ),
    Option("speed_schedule", "Limit the speed at set hours", bool),
    Option("speed_schedule_limit", "Speed limit at those hours (bytes/s)", int, 1, None),
    Option(
        "speed_schedule_start", "The limit starts at (minutes after midnight)", int, 0, LAST_MINUTE
    ),
    Option(
        "speed_schedule_stop", "The limit ends at (minutes after midnight)", int, 0, LAST_MINUTE
    ),
    Option("speed_schedule_days", "Days the limit applies (a day mask)", int, 1, ALL_DAYS),
    Option("keep_awake", "Keep the computer awake while downloading", bool),
    Option("on_finish", "When the queue finishes", str, choices=FINISH_CHOICES),
    # aria2's RPC for AriaNg, browser "send to aria2" extensions, aria2p (app/service/aria2)
    Option("aria2_rpc", "Serve aria2's RPC (AriaNg, browser extensions, aria2p)", bool),
    Option("aria2_rpc_port", "Port for aria2's RPC", int, 1, 65535),
    Option(
        "aria2_rpc_secret",
        "aria2 RPC secret token (empty: none; loopback only then)",
        str,
        secret=True,
    ),
    Option("aria2_rpc_all_interfaces", "Accept aria2 RPC from other machines", bool),
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
    saved_speed_limit: int = 1_000_000
    add_without_asking: bool = False
    exists_action: str = "ask"
    queued_url_action: str = "ask"
    completed_url_action: str = "ask"
    folder_video: str = ""
    folder_audio: str = ""
    folder_archive: str = ""
    folder_document: str = ""
    folder_program: str = ""
    folder_image: str = ""
    ca_certificate: str = ""
    use_netrc: bool = True
    retry_for: int = 300
    auto_checksum: bool = True
    proxy_mode: str = "system"
    proxy_host: str = ""
    proxy_port: int = 8080
    proxy_user: str = field(default="", repr=False)
    proxy_password: str = field(default="", repr=False)
    no_proxy: str = ""
    site_rules: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    clipboard_monitor: bool = False
    queue_hours: bool = False
    queue_start: int = 60  # 01:00
    queue_stop: int = 420  # 07:00
    queue_days: int = 0b0011111  # Monday to Friday
    speed_schedule: bool = False
    speed_schedule_limit: int = 1_000_000
    speed_schedule_start: int = 540  # 09:00
    speed_schedule_stop: int = 1080  # 18:00
    speed_schedule_days: int = 0b0011111
    keep_awake: bool = True
    on_finish: str = "nothing"
    aria2_rpc: bool = False
    aria2_rpc_port: int = 6800
    aria2_rpc_secret: str = field(default="", repr=False)
    aria2_rpc_all_interfaces: bool = False
    reroll_slow: bool = True

    def schedule_config(self) -> ScheduleConfig:
        hours = Window(self.queue_start, self.queue_stop, self.queue_days)
        speed = Window(
            self.speed_schedule_start, self.speed_schedule_stop, self.speed_schedule_days
        )
        return ScheduleConfig(
            hours=hours if self.queue_hours else None,
            speed=speed if self.speed_schedule else None,
            speed_limit=self.speed_schedule_limit,
        )

    def proxy(self) -> ProxyConfig:
        return ProxyConfig(
            self.proxy_mode,
            self.proxy_host.strip(),
            self.proxy_port,
            self.proxy_user,
            self.proxy_password,
            parse_no_proxy(self.no_proxy),
        )

    def engine_settings(self, base: EngineSettings | None = None) -> EngineSettings:
        return dataclasses.replace(
            base or EngineSettings(),
            max_concurrent=self.max_concurrent,
            connections=self.connections,
            speed_limit=self.speed_limit,
            stall_timeout=float(self.stall_timeout),
            verify_tls=self.ca_certificate or True,
            netrc=self.use_netrc,
            retry_for=float(self.retry_for),
            auto_checksum=self.auto_checksum,
            proxy=self.proxy(),
            site_rules=rules_from_settings(list(self.site_rules)),
            reroll_slow=self.reroll_slow,
        )

    def resolved_download_dir(self) -> str:
        return self.download_dir or str(default_download_dir())

    def folder_for(self, kind: str | None) -> str:
        """The default folder for a kind of file (see app/ui/filetypes), else the usual one."""
        folder = getattr(self, f"folder_{kind}", "") if kind in FILE_KINDS else ""
        return folder or self.resolved_download_dir()

    def toggled_speed_limit(self) -> Options:
        """The quick toggle: unlimited <-> the remembered limit (which is never lost)."""
        if self.speed_limit is None:
            return dataclasses.replace(self, speed_limit=self.saved_speed_limit)
        return dataclasses.replace(self, speed_limit=None, saved_speed_limit=self.speed_limit)


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
    if option.choices is not None:
        return value in option.choices
    if option.kind is list:
        return isinstance(value, list | tuple) and all(_valid_rule(v) for v in value)
    return isinstance(value, option.kind)


def _valid_rule(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    try:
        SiteRule.from_dict(value)
    except BadInput:
        return False
    return True


def _load_secret(store: JobStore, option: Option) -> Any:
    secrets = getattr(store, "secrets", None)  # a settings-only stand-in has none
    text = None if secrets is None else secrets.get_app(option.key)
    if text is None:
        return None
    if option.kind is str:
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return tuple(value) if isinstance(value, list) else None


def _save_secret(store: JobStore, option: Option, value: Any) -> None:
    text = (value or None) if option.kind is str else (json.dumps(list(value)) if value else None)
    secrets = getattr(store, "secrets", None)
    if secrets is None:
        if text is not None:
            raise ValueError(f"no secret storage for {option.title}")
        return
    secrets.put_app(option.key, text)


def load_options(store: JobStore) -> Options:
    """Stored values that make sense; defaults for the rest (a bad value is never fatal)."""
    stored = store.all_settings()
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.secret:
            value = _load_secret(store, option)
            if value is not None and _valid(option, value):
                values[option.key] = value
        elif option.key in stored and _valid(option, stored[option.key]):
            values[option.key] = stored[option.key]
    opts = Options(**values)
    if not opts.download_dir:
        opts = dataclasses.replace(opts, download_dir=str(default_download_dir()))
    return opts


def save_options(store: JobStore, options: Options) -> None:
    for option in OPTIONS:
        value = getattr(options, option.key)
        if not _valid(option, value):
            shown = "***" if option.secret else repr(value)
            raise ValueError(f"bad value for {option.title}: {shown}")
        if option.secret:
            _save_secret(store, option, value)
        else:
            store.set_setting(option.key, value)
