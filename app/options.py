"""Every user setting, declared once (default, label, range, help, command-line flag), stored
in the JobStore. The Settings dialog and the command line both build their fields from OPTION."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

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

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Option:
    """One setting: its label, range and help for the Settings dialog, the command line's flag
    and the stored value's check. Declared once, with its default, by `setting()` below."""

    key: str
    title: str  # the label: Settings dialog rows, error messages
    kind: type
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None  # the values a str option may take (None: any)
    # A secret (a password, headers that may carry cookies): kept with the secret storage
    # (OS keyring or the app_secrets table, app/store/secrets.py), never in the settings table.
    secret: bool = False
    help: str = ""  # the dialog's tooltip and the command line's help
    flags: tuple[str, ...] = ()  # the command line's spelling, e.g. ("-j", "--jobs"); () = none
    unit: str = ""  # "s": seconds (the command line takes fractions; the dialog whole seconds)
    default: Any = None

    @property
    def nullable(self) -> bool:
        """None is a value (e.g. no speed limit), not a missing one."""
        return self.default is None

    def range_text(self) -> str:
        """'1-64', '0-86400 s': what the dialog's spin box and the command line both accept."""
        if self.minimum is None or self.maximum is None:
            return ""
        return f"{self.minimum}-{self.maximum}" + (f" {self.unit}" if self.unit else "")


def setting(
    default: T,
    title: str,
    *,
    kind: type | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    choices: tuple[str, ...] | None = None,
    secret: bool = False,
    help: str = "",
    flags: tuple[str, ...] = (),
    unit: str = "",
) -> T:
    """A field of Options carrying its Option (Picard's options style: one declaration)."""
    spec = Option(
        "",
        title,
        kind or type(default),
        minimum,
        maximum,
        choices,
        secret,
        help,
        flags,
        unit,
        default,
    )
    # typed as T (dataclasses.field's overload), so mypy sees a default; it is really a Field
    return field(default=default, repr=not secret, metadata={"option": spec})


# Remembered answers to "the file already exists" and "this link is already in the list":
# "ask" shows the question; anything else is the choice the user asked us to remember.
EXISTS_CHOICES = ("ask", "overwrite", "rename", "open")
KEEP_DOWNLOADING_CHOICES = ("auto", "yes", "no")  # auto: as the tray option says
QUEUED_URL_CHOICES = ("ask", "show", "add")
COMPLETED_URL_CHOICES = ("ask", "open", "add")
FILE_KINDS = ("video", "audio", "archive", "document", "program", "image")
FINISH_CHOICES = tuple(a.value for a in FinishAction)  # nothing, quit, sleep, shutdown
# The window's language: the system's, or one of the shipped translations (English is the source)
LANGUAGE_CHOICES = ("system", "en", "zh_CN")
LAST_MINUTE = MINUTES_PER_DAY - 1
DAY = 86400


def _folder(kind: str) -> str:
    return setting("", f"Folder for {kind} files (empty: the download folder)")


@dataclass(frozen=True, slots=True)
class Options:
    """Every user setting with its default; each field's Option is in OPTIONS."""

    download_dir: str = setting("", "Download folder")
    max_concurrent: int = setting(
        3,
        "Downloads at the same time",
        minimum=1,
        maximum=64,
        flags=("-j", "--jobs"),
        help="files downloaded at the same time",
    )
    connections: int = setting(
        8,
        "Connections per download",
        minimum=1,
        maximum=MAX_CONNECTIONS,
        flags=("-c", "--connections"),
        help="connections per file",
    )
    speed_limit: int | None = setting(
        None, "Global speed limit (bytes/s, empty for none)", kind=int, minimum=1
    )
    start_on_add: bool = setting(True, "Start downloads when added")
    minimize_to_tray: bool = setting(False, "Closing the window keeps Tether in the tray")
    keep_downloading: str = setting(
        "auto",
        "Keep downloading after the window closes (auto: when the tray option is on)",
        choices=KEEP_DOWNLOADING_CHOICES,
    )
    notify: bool = setting(True, "Notify when a download completes or fails")
    stall_timeout: int = setting(
        30,
        "Retry a connection without data for",
        minimum=1,
        maximum=3600,
        unit="s",
        flags=("--stall-timeout",),
        help="retry a connection after this long without data",
    )
    saved_speed_limit: int = setting(
        1_000_000, "Speed limit the quick toggle turns on (bytes/s)", minimum=1
    )
    add_without_asking: bool = setting(
        False, "Add dropped, pasted and handed-over links without asking"
    )
    exists_action: str = setting("ask", "When the file already exists", choices=EXISTS_CHOICES)
    queued_url_action: str = setting(
        "ask", "When the link is already in the list", choices=QUEUED_URL_CHOICES
    )
    completed_url_action: str = setting(
        "ask", "When the link was already downloaded", choices=COMPLETED_URL_CHOICES
    )
    folder_video: str = _folder("video")
    folder_audio: str = _folder("audio")
    folder_archive: str = _folder("archive")
    folder_document: str = _folder("document")
    folder_program: str = _folder("program")
    folder_image: str = _folder("image")
    # empty: the system's trust store (see app/engine/tls.py for the whole precedence)
    ca_certificate: str = setting("", "Trusted CA certificates (PEM file; empty for the system's)")
    use_netrc: bool = setting(True, "Use ~/.netrc for sites whose link has no user name")
    retry_for: int = setting(
        300,
        "Keep retrying without progress for",
        minimum=0,
        maximum=DAY,
        unit="s",
        flags=("--retry-for",),
        help="keep retrying a download that gets no further (server down, no network) "
        "for this long",
    )
    auto_checksum: bool = setting(True, "Verify downloads with checksums the server publishes")
    # Network (app/engine/proxy.py, siterules.py)
    proxy_mode: str = setting("system", "Proxy", choices=PROXY_MODES)
    proxy_host: str = setting("", "Proxy host")
    proxy_port: int = setting(8080, "Proxy port", minimum=1, maximum=65535)
    proxy_user: str = setting("", "Proxy user name", secret=True)
    proxy_password: str = setting("", "Proxy password", secret=True)
    no_proxy: str = setting("", "Hosts reached without the proxy (comma separated)")
    site_rules: tuple[dict[str, Any], ...] = setting(
        (), "Per-site connections, user agent and headers", kind=list, secret=True
    )
    clipboard_monitor: bool = setting(False, "Offer links to files copied to the clipboard")
    language: str = setting(
        "system", "Language of the window (applies on restart)", choices=LANGUAGE_CHOICES
    )
    # Schedule (times are minutes after midnight, days a mask: bit 0 Monday … bit 6 Sunday)
    queue_hours: bool = setting(False, "Run the queue only at set hours")
    queue_start: int = setting(  # 01:00
        60, "The queue starts at (minutes after midnight)", minimum=0, maximum=LAST_MINUTE
    )
    queue_stop: int = setting(  # 07:00
        420, "The queue stops at (minutes after midnight)", minimum=0, maximum=LAST_MINUTE
    )
    queue_days: int = setting(  # Monday to Friday
        0b0011111,
        "Days the queue runs (Monday = 1, Tuesday = 2, … Sunday = 64)",
        minimum=1,
        maximum=ALL_DAYS,
    )
    speed_schedule: bool = setting(False, "Limit the speed at set hours")
    speed_schedule_limit: int = setting(
        1_000_000, "Speed limit at those hours (bytes/s)", minimum=1
    )
    speed_schedule_start: int = setting(  # 09:00
        540, "The limit starts at (minutes after midnight)", minimum=0, maximum=LAST_MINUTE
    )
    speed_schedule_stop: int = setting(  # 18:00
        1080, "The limit ends at (minutes after midnight)", minimum=0, maximum=LAST_MINUTE
    )
    speed_schedule_days: int = setting(
        0b0011111, "Days the limit applies (a day mask)", minimum=1, maximum=ALL_DAYS
    )
    keep_awake: bool = setting(True, "Keep the computer awake while downloading")
    on_finish: str = setting("nothing", "When the queue finishes", choices=FINISH_CHOICES)
    # aria2's RPC for AriaNg, browser "send to aria2" extensions, aria2p (app/service/aria2)
    aria2_rpc: bool = setting(False, "Serve aria2's RPC (AriaNg, browser extensions, aria2p)")
    aria2_rpc_port: int = setting(6800, "Port for aria2's RPC", minimum=1, maximum=65535)
    aria2_rpc_secret: str = setting(
        "", "aria2 RPC secret token (empty: none; loopback only then)", secret=True
    )
    aria2_rpc_all_interfaces: bool = setting(False, "Accept aria2 RPC from other machines")
    reroll_slow: bool = setting(True, "Reconnect a connection far slower than the others")

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


OPTIONS: tuple[Option, ...] = tuple(
    dataclasses.replace(f.metadata["option"], key=f.name) for f in dataclasses.fields(Options)
)
OPTION: dict[str, Option] = {o.key: o for o in OPTIONS}


def _valid(option: Option, value: Any) -> bool:
    if value is None:
        return option.nullable
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


def keeps_downloading(options: Options) -> bool:
    """Whether the service goes on downloading once the window has quit."""
    if options.keep_downloading == "auto":
        return options.minimize_to_tray
    return options.keep_downloading == "yes"
