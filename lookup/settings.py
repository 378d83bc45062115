"""Settings: defaults, an optional user file and LOOKUP_* variables, loaded once.

``load_settings()`` reads ``config/lookup.toml`` (the defaults, shipped with the
package: ``lookup.resources``), then a user
file (``LOOKUP_CONFIG`` or ``~/.config/interviewer-lookup/lookup.toml``), then
environment variables ``LOOKUP_<SECTION>__<KEY>`` and a few shortcuts, into one
immutable ``Settings``. Nothing else in the project reads the environment.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import quote

from lookup import resources
from lookup.errors import ConfigError

__all__ = [
    "WORLD_ECHO_HOST",
    "WORLD_ECHO_URL",
    "DnsSettings",
    "FetchSettings",
    "FollowupSettings",
    "GeneralSettings",
    "GravatarSettings",
    "M365Settings",
    "PrefectSettings",
    "ReverifySettings",
    "RunsSettings",
    "SearchSettings",
    "Settings",
    "SmtpSettings",
    "StoreSettings",
    "WorldEndpoints",
    "config_dir",
    "default_candidate",
    "load_settings",
    "local_timezone",
    "machine_name",
]

# A world's echo of this machine's public IP (its [machine] table, docs/world.md): in world
# mode smtp.public_ip_url points here, so learning the IP never leaves the world.
WORLD_ECHO_HOST = "myip.world.test"
WORLD_ECHO_URL = f"http://{WORLD_ECHO_HOST}/"

SHORTCUTS = {
    "LOOKUP_DATA_DIR": ("general", "data_dir"),
    "LOOKUP_WORLD": ("general", "world"),
    "LOOKUP_DATABASE_URL": ("store", "database_url"),
    "LOOKUP_TEMPLATES_DIR": ("general", "templates_dir"),
    "LOOKUP_WORLD_ENDPOINTS": ("general", "world_endpoints"),
    "LOOKUP_CANDIDATE": ("general", "candidate"),
}


@dataclass(frozen=True, slots=True)
class GeneralSettings:
    data_dir: str = ""  # "" = the checkout's data/, else the platform's user data folder
    templates_dir: str = ""
    user_agent: str = resources.user_agent("interviewer-lookup/{version}")
    world: str = ""
    world_endpoints: str = ""  # a JSON file from `lookup world serve --endpoints`: use that world
    world_limits: bool = False  # keep search and per-host spacing in world mode (measuring)
    candidate: str = ""  # whose research this is; "" = followup.sender_name, else the OS user
    machine: str = ""  # this machine's name in shared files; "" = its host name


@dataclass(frozen=True, slots=True)
class SearchSettings:
    backend: str = "ddgs"
    ddgs_backend: str = "auto"
    region: str = "us-en"
    safesearch: str = "moderate"
    searxng_url: str = ""
    max_results: int = 10
    min_interval_s: float = 2.0
    max_queries_per_run: int = 6
    retries: int = 3
    cache_ttl_hours: float = 168.0


@dataclass(frozen=True, slots=True)
class FetchSettings:
    timeout_s: float = 10.0
    max_bytes: int = 2_000_000
    max_redirects: int = 5
    per_host_delay_s: float = 1.0
    max_pages_per_run: int = 25
    concurrency: int = 6


@dataclass(frozen=True, slots=True)
class DnsSettings:
    nameservers: tuple[str, ...] = ()
    port: int = 53
    timeout_s: float = 5.0


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    enabled: bool = False
    port: int = 25
    # Who the probe says it is (docs/verification.md, "Sender and HELO"):
    helo_name: str = ""  # "" = this machine's name as its public IP's reverse DNS gives it
    mail_from: str = ""  # an address you own: the sender when null_sender is off, else the
    #                      one retry when a server refuses the null sender; "" = none
    null_sender: bool = True  # MAIL FROM:<>, as mail servers' own recipient callouts do
    public_ip_url: str = "https://api.ipify.org"  # answers the caller's IP as plain text
    blocklists: tuple[str, ...] = ("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org")
    check_blocklists: bool = False  # check the lists before every probing run, not only in doctor
    ignore_blocklists: bool = False  # probe even though this machine's IP is listed
    rcpts_per_session: int = 9  # RCPT commands a session (Postfix slows a client after 10 refusals)
    session_gap_s: float = 1.0  # at least this long between two sessions to one domain
    strict_rcpts_per_session: int = 4  # the same for providers marked pacing = "strict"
    strict_session_gap_s: float = 15.0  # (Google, Microsoft 365, filtering gateways)
    timeout_s: float = 10.0
    starttls: bool = True
    probes_per_domain_per_minute: int = 10  # SMTP sessions (connections) per domain
    max_probes_per_domain: int = 8  # candidates asked (RCPT) per domain, down the ranked list
    greylist_retry_s: tuple[float, ...] = (15.0, 60.0, 300.0)
    max_inline_wait_s: float = 20.0
    connect_timeout_s: float = 3.0  # the port-25 reachability check before a run's first probe
    proxy: str = ""  # socks5://host:port: the whole SMTP dialogue goes through this proxy
    # Proxies a run may pick by name (--smtp-proxy NAME; a submitted run only by name), e.g.
    # office = "socks5://probe:${OFFICE_PROXY_PASSWORD}@proxy.internal:1080"
    proxies: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class M365Settings:
    """The OneDrive check for Microsoft 365 domains (HTTPS only, opt-in)."""

    enabled: bool = False
    per_tenant_interval_s: float = 2.0  # at most one request per tenant this often
    sharepoint_suffix: str = "sharepoint.com"  # worlds: sharepoint.test


@dataclass(frozen=True, slots=True)
class GravatarSettings:
    enabled: bool = False


@dataclass(frozen=True, slots=True)
class StoreSettings:
    database_url: str = ""
    retention_days: int = 180


@dataclass(frozen=True, slots=True)
class ReverifySettings:
    interval_days: float = 14.0
    cron: str = "0 8 * * 1"
    timezone: str = ""
    batch_size: int = 200


@dataclass(frozen=True, slots=True)
class FollowupSettings:
    sender_name: str = ""
    recruiter: str = ""
    tone: str = "friendly"
    language: str = "en"
    timezone: str = ""
    remind_hours_before: float = 3.0


@dataclass(frozen=True, slots=True)
class RunsSettings:
    """What a run submitted through Prefect (a deployment) may ask of this machine; the run
    options of smtp and m365 only narrow what [smtp] and [m365] allow (lookup.intake.policy)."""

    worlds: tuple[str, ...] = ()  # folders holding the worlds a submitted run may name


@dataclass(frozen=True, slots=True)
class PrefectSettings:
    server_host: str = "127.0.0.1"
    server_port: int = 4270
    startup_timeout_s: float = 120.0
    database_url: str = ""  # the server's database: "" = SQLite in the data folder
    public_url: str = ""  # where people open the UI behind a proxy; "" = http://host:port
    work_pool: str = "interviewer-lookup"
    limit_buckets: int = 64  # global limits per kind for hosts and mail domains
    batch_concurrency: int = 4  # runs at once for a batch run locally (no deployment)


@dataclass(frozen=True, slots=True)
class WorldEndpoints:
    """Where a running offline world listens; set only in world mode."""

    directory: str
    http_port: int
    dns_port: int
    smtp_port: int
    search_url: str  # base URL of the world's SearXNG-compatible search engine
    host: str = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Settings:
    general: GeneralSettings = field(default_factory=GeneralSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    dns: DnsSettings = field(default_factory=DnsSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    gravatar: GravatarSettings = field(default_factory=GravatarSettings)
    m365: M365Settings = field(default_factory=M365Settings)
    store: StoreSettings = field(default_factory=StoreSettings)
    reverify: ReverifySettings = field(default_factory=ReverifySettings)
    followup: FollowupSettings = field(default_factory=FollowupSettings)
    prefect: PrefectSettings = field(default_factory=PrefectSettings)
    runs: RunsSettings = field(default_factory=RunsSettings)
    world: WorldEndpoints | None = None

    # -- derived paths -------------------------------------------------
    @property
    def data_dir(self) -> Path:
        given = self.general.data_dir
        return Path(given).expanduser().resolve() if given else resources.default_data_dir()

    @property
    def briefings_dir(self) -> Path:
        return self.data_dir / "briefings"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"

    @property
    def templates_dir(self) -> Path:
        given = self.general.templates_dir
        return Path(given).expanduser().resolve() if given else resources.templates_dir()

    @property
    def database_url(self) -> str:
        return self.store.database_url or f"sqlite:///{self.data_dir / 'lookup.db'}"

    @property
    def world_mode(self) -> bool:
        return self.world is not None

    # -- world mode ----------------------------------------------------
    def in_world(self, endpoints: WorldEndpoints) -> Settings:
        """These settings pointed at a running world: search, DNS, SMTP and HTTP go there.

        A world answers as fast as it can: search and per-host spacing are dropped,
        unless ``general.world_limits`` keeps them (to measure politeness).
        """
        keep = self.general.world_limits
        return replace(
            self,
            world=endpoints,
            search=replace(
                self.search,
                backend="searxng",
                searxng_url=endpoints.search_url,
                min_interval_s=self.search.min_interval_s if keep else 0.0,
            ),
            dns=replace(self.dns, nameservers=(endpoints.host,), port=endpoints.dns_port),
            smtp=replace(
                self.smtp, port=endpoints.smtp_port, public_ip_url=WORLD_ECHO_URL,
                session_gap_s=self.smtp.session_gap_s if keep else 0.0,
                strict_session_gap_s=self.smtp.strict_session_gap_s if keep else 0.0,
            ),
            m365=replace(self.m365, sharepoint_suffix="sharepoint.test", per_tenant_interval_s=0.0),
            fetch=replace(self.fetch, per_host_delay_s=self.fetch.per_host_delay_s if keep else 0.0),
        )


def local_timezone(configured: str = "", env: Mapping[str, str] | None = None) -> str:
    """The user's IANA time zone: ``configured``, else $TZ, else the machine's, else UTC.

    The machine's zone comes from ``tzlocal`` (the /etc/localtime link, /etc/timezone,
    systemd's setting, macOS's and Windows' own), which knows more places than a guess.
    """
    if configured.strip():
        return configured.strip()
    env = os.environ if env is None else env
    if env.get("TZ", "").strip().lstrip(":"):
        return env["TZ"].strip().lstrip(":")
    import tzlocal  # only here: the CLI's first import (settings) stays light

    try:
        return tzlocal.get_localzone_name() or "UTC"
    except (LookupError, OSError, ValueError):  # no zone configured, or an unreadable one
        return "UTC"


def default_candidate(settings: Settings) -> str:
    """Who research is for when a command does not say (``--candidate``): ``general.candidate``,
    else the name that signs the drafts (``followup.sender_name``), else this machine's user
    name, else "me"."""
    chosen = settings.general.candidate.strip() or settings.followup.sender_name.strip()
    if chosen:
        return chosen
    import getpass

    try:
        return getpass.getuser() or "me"
    except (KeyError, OSError):  # no user name in the environment nor the password database
        return "me"


def machine_name(settings: Settings) -> str:
    """This machine's name where a shared data folder keeps answers per machine (the day's
    port-25 answer, the SQLite store's users): ``general.machine``, else the host name."""
    import socket

    return settings.general.machine.strip() or socket.gethostname() or "this-machine"


def config_dir() -> Path:
    """The folder holding the default lookup.toml and templates/ (see ``lookup.resources``)."""
    return resources.config_dir()


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    user_file: str | Path | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Load defaults, then the user file, then LOOKUP_* variables, then ``overrides``."""
    env = os.environ if env is None else env
    merged = _read_toml(config_dir() / "lookup.toml")
    user = user_file or env.get("LOOKUP_CONFIG") or _default_user_file()
    if user and Path(user).expanduser().is_file():
        _merge(merged, _read_toml(Path(user).expanduser()))
    elif user_file or env.get("LOOKUP_CONFIG"):
        raise ConfigError(f"The settings file {user} does not exist.")
    _merge(merged, _from_env(env))
    if overrides:
        _merge(merged, {k: dict(v) for k, v in overrides.items()})
    _expand_secrets(merged.get("smtp", {}), env)
    return _build(merged)


_SECRET = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand_secrets(smtp: dict[str, Any], env: Mapping[str, str]) -> None:
    """``${NAME}`` in a proxy URL becomes the environment variable NAME, percent-encoded
    (a user name or password may hold ``@`` or ``:``), so a settings file can name a proxy
    without holding its password."""

    def expand(where: str, text: Any) -> Any:
        if not isinstance(text, str):
            return text

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise ConfigError(f"The setting {where} uses ${{{name}}}, but the environment "
                                  f"variable {name} is not set.")
            return quote(env[name], safe="")

        return _SECRET.sub(value, text)

    for key in [k for k in smtp if k == "proxy" or k.startswith("proxies__")]:
        smtp[key] = expand(f"smtp.{key.replace('__', '.')}", smtp[key])
    if isinstance(smtp.get("proxies"), Mapping):
        smtp["proxies"] = {k: expand(f"smtp.proxies.{k}", v) for k, v in smtp["proxies"].items()}


def _default_user_file() -> str | None:
    path = Path("~/.config/interviewer-lookup/lookup.toml").expanduser()
    return str(path) if path.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"The settings file {path} could not be read: {exc}.") from exc


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for section, values in extra.items():
        if not isinstance(values, Mapping):
            raise ConfigError(f"Settings section [{section}] must be a table.")
        base.setdefault(section, {}).update(values)


def _from_env(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, (section, key) in SHORTCUTS.items():
        if env.get(name):
            found.setdefault(section, {})[key] = env[name]
    for name, value in env.items():
        if not name.startswith("LOOKUP_") or "__" not in name:
            continue
        section, _, key = name[len("LOOKUP_") :].lower().partition("__")
        found.setdefault(section, {})[key] = value
    return found


def _build(merged: Mapping[str, Any]) -> Settings:
    sections: dict[str, Any] = {}
    hints = get_type_hints(Settings)
    for f in fields(Settings):
        if f.name == "world":
            continue
        cls = hints[f.name]
        values = dict(merged.get(f.name, {}))
        sections[f.name] = _build_section(f.name, cls, values)
    general = sections["general"]
    sections["general"] = replace(general, user_agent=resources.user_agent(general.user_agent))
    unknown = set(merged) - {f.name for f in fields(Settings)}
    if unknown:
        raise ConfigError(f"Unknown settings section(s): {', '.join(sorted(unknown))}.")
    return Settings(**sections)


def _build_section(name: str, cls: type, values: dict[str, Any]) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in [k for k in values if "__" in k]:  # LOOKUP_SMTP__PROXIES__OFFICE: one entry
        table, _, entry = key.partition("__")
        if table in known and str(hints[table]).startswith("dict"):
            values[table] = {**dict(values.get(table) or {}), entry: values.pop(key)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"Unknown setting(s) in [{name}]: {', '.join(sorted(unknown))}.")
    converted = {key: _convert(f"{name}.{key}", hints[key], value) for key, value in values.items()}
    return cls(**converted)


def _convert(where: str, hint: Any, value: Any) -> Any:
    """Coerce a TOML or environment value to the field's type, or say what is wrong."""
    try:
        if hint is bool:
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                return lowered in {"1", "true", "yes", "on"}
            return bool(value)
        if hint is int:
            return int(value)
        if hint is float:
            return float(value)
        if hint is str:
            return str(value)
        if str(hint).startswith("dict"):
            if not isinstance(value, Mapping):
                raise TypeError(value)
            return {str(k).strip().lower(): str(v) for k, v in value.items()}
        if str(hint).startswith("tuple"):
            items = value
            if isinstance(value, str):
                text = value.strip()
                items = (
                    json.loads(text)
                    if text.startswith("[")
                    else [part.strip() for part in text.split(",") if part.strip()]
                )
            inner = hint.__args__[0]
            return tuple(_convert(where, inner, item) for item in items)
    except (TypeError, ValueError, json.JSONDecodeError) as exc:
        raise ConfigError(f"The setting {where} has a value of the wrong type: {value!r}.") from exc
    return value
