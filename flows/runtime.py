"""Process-level set-up shared by the CLI and the flows: Prefect's API, settings, worlds.

``connect_prefect`` is the one place that decides which Prefect API a process
talks to (and starts the local server when asked); ``settings_for_run`` and
``with_settings`` turn a request's options into settings and fill what the
request leaves to them; ``world_settings`` serves an offline world for the
duration. Prefect reads its settings when it is first imported, so everything
here runs before ``import prefect`` and nothing here imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import os
import sys
from collections.abc import Awaitable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lookup.errors import BadInputError, ConfigError, LookupToolError, ServerError
from lookup.intake.request import ResearchRequest, check_proxy_choice
from lookup.settings import (
    Settings,
    WorldEndpoints,
    default_candidate,
    load_settings,
    local_timezone,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "FAST_RUNS_HINT",
    "begin_local_server",
    "check_world",
    "connect_prefect",
    "on_loopback",
    "preflight",
    "quiet_expected_failures",
    "request_settings",
    "require_unlisted_ip",
    "run_overrides",
    "settings_for_run",
    "verbose",
    "with_proxy",
    "with_settings",
    "world_settings",
    "world_transport",
]

# The world this process serves (``world_settings``), for runs inside that block to share.
_SERVED: contextvars.ContextVar[WorldEndpoints | None] = contextvars.ContextVar(
    "served_world", default=None)

FAST_RUNS_HINT = (
    "Tip: `lookup server start` keeps a local Prefect server running; "
    "research then starts in seconds instead of half a minute."
)


def connect_prefect(settings: Settings, *, start: bool = False, runs: bool = True) -> str | None:
    """Point Prefect at a reachable server and return its API URL; None: Prefect's temporary one.

    Order: an explicit ``PREFECT_API_URL`` (which must answer, and accept this process's
    auth string: ``flows/access.py``); the local server
    ``lookup server start`` recorded; with ``start``, that server started now
    (``lookup serve``: schedules need a real server). Otherwise Prefect starts a
    temporary server in this process, given a start-up timeout long enough for a
    cold 2-core machine (docs/prefect.md); when ``runs`` are to follow, its database is
    made from the shipped schema rather than migrated, if it is new (``flows/prefectdb.py``).
    """
    settings.prefect_home.mkdir(parents=True, exist_ok=True)  # Prefect's SQLite needs the folder
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    # The tool promises no traffic beyond the research itself: no Prefect telemetry.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    no_sdk_telemetry()
    from flows.access import adopt_client_auth, require_access

    adopt_client_auth()  # on the server's machine, its auth string serves this client too
    if os.environ.get("PREFECT_API_URL"):
        _require_prefect(os.environ["PREFECT_API_URL"])
        require_access(os.environ["PREFECT_API_URL"])
        return os.environ["PREFECT_API_URL"]
    from flows.server import api_url, server_status, start_server

    info = server_status(settings) or (start_server(settings) if start else None)
    if info is not None:
        os.environ["PREFECT_API_URL"] = api_url(info)
        require_access(os.environ["PREFECT_API_URL"])
        return os.environ["PREFECT_API_URL"]
    timeout = settings.prefect.startup_timeout_s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(int(timeout)))
    if runs:
        from flows.prefectdb import prepare_sqlite

        prepare_sqlite(Path(os.environ["PREFECT_HOME"]))
    return None


def no_sdk_telemetry() -> None:
    """Turn off the Prefect SDK's own telemetry in this process and the ones it starts.

    Prefect 3.9's SDK, in an interactive terminal, writes a device id and sends usage
    events to Amplitude (the first flow defined, the first run; unless ``DO_NOT_TRACK`` is
    set or a CI is detected), apart from the server's analytics (off:
    ``PREFECT_SERVER_ANALYTICS_ENABLED``, ``--analytics-off``). A user's own
    ``DO_NOT_TRACK`` is kept (docs/prefect.md)."""
    os.environ.setdefault("DO_NOT_TRACK", "1")


def begin_local_server(settings: Settings) -> tuple[Settings, str | None]:
    """Start the local server now, without waiting, unless Prefect's API is set elsewhere.

    Returns the settings the run is to use and what happened: "started" (this process
    started the server), "found" (one was running or starting) or None (Prefect's API is set
    elsewhere: the run uses that, ``connect_prefect(settings)``). With "started" or "found"
    the run uses the local server (``connect_prefect(settings, start=True)``).

    ``lookup demo`` calls it first: the server (5-7 s to start, two thirds of it loading
    Prefect's API) comes up on the other core while this process loads, checks and serves
    its world; ``connect_prefect`` then waits for it. The server it starts listens on
    loopback only, whatever ``prefect.server_host`` says: a server the demo leaves running
    must not be reachable from the network (a team's server is `lookup server start
    --host ...`, started on purpose).
    """
    if _api_set_elsewhere():
        return settings, None
    from flows.server import server_process, start_server

    settings = on_loopback(settings)
    if server_process(settings) is not None:  # running, or still starting
        return settings, "found"
    start_server(settings, wait=False)
    return settings, "started"


def on_loopback(settings: Settings) -> Settings:
    """``settings`` with the local server's listen address on loopback (127.0.0.1) unless it
    is a loopback address already (127.0.0.0/8, ::1, localhost)."""
    host = settings.prefect.server_host.strip()
    from flows.access import is_loopback

    if is_loopback(host):
        return settings
    prefect = dataclasses.replace(settings.prefect, server_host="127.0.0.1")
    return dataclasses.replace(settings, prefect=prefect)


def _api_set_elsewhere() -> bool:
    """True when Prefect is told which API to use: PREFECT_API_URL, or, with Prefect already
    imported (a program embedding the CLI, a test harness), Prefect's own current settings."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    if "prefect.settings" not in sys.modules:
        return False
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def _require_prefect(url: str) -> None:
    """ServerError, in one sentence, when the Prefect API named by PREFECT_API_URL does not answer."""
    from flows.server import health

    problem = health(url.rstrip("/").removesuffix("/api"))
    if problem is not None:
        raise ServerError(
            f"Prefect's API at {url} (PREFECT_API_URL) does not answer ({problem}). "
            "Start that server, or unset PREFECT_API_URL to let lookup use its own."
        )


def require_unlisted_ip(settings: Settings, smtp: bool | None) -> None:
    """ProbeRefusedError, in one sentence, before a run that would probe SMTP from a public IP
    found on a DNS blocklist today (``lookup doctor --blocklists``); see lookup.network.doctor."""
    if not (settings.smtp.enabled if smtp is None else smtp):
        return
    from lookup.network.doctor import require_unlisted

    with world_settings(settings) as live:
        asyncio.run(require_unlisted(live))


async def preflight(settings: Settings, *, smtp: bool | None) -> None:
    """The looks before a run, at once: this machine's IP on no blocklist today (when SMTP
    probes will be sent; ProbeRefusedError) and a network to research with (OfflineError).
    ``settings`` are the run's, in its world if it has one (``world_settings``)."""
    from lookup.network import online as reach

    checks: list[Awaitable[Any]] = [reach.check_reach(settings)]
    if settings.smtp.enabled if smtp is None else smtp:
        from lookup.network.doctor import require_unlisted

        checks.insert(0, require_unlisted(settings))  # a refusal is said first, as before
    outcomes = await asyncio.gather(*checks, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    found = outcomes[-1]
    reach.require_network(found, world=settings.world is not None)


def verbose() -> bool:
    """True when the user asked for full tracebacks (``--verbose`` or LOOKUP_LOG_LEVEL=DEBUG)."""
    return os.environ.get("LOOKUP_LOG_LEVEL", "").upper() == "DEBUG"


class _ExpectedFailures(logging.Filter):
    """Drops Prefect's console lines about a failure the CLI reports itself, in one sentence.

    The traceback of an expected error (a ``LookupToolError``) and the state lines that
    repeat its message are dropped from the terminal only: Prefect's API handler still
    records them, so the run ends Failed in the UI with the full message.
    """

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, LookupToolError):
            # the state line quotes the error as "SearchError: <message>", repr-escaped
            self.messages.append(f"{type(error).__name__}: {str(error)[:60]}")
            return False
        text = record.getMessage().replace("\\'", "'")
        return not any(message in text for message in self.messages)


def quiet_expected_failures() -> None:
    """Attach the filter to Prefect's console handlers (after Prefect is imported)."""
    if verbose():
        return
    keep = _ExpectedFailures()
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler":
            handler.addFilter(keep)


def settings_for_run(
    world: str | None = None, *, smtp_proxy: str | None = None, m365_https: bool | None = None
) -> Settings:
    """Settings for one run: loaded once from files and LOOKUP_*, then the command's options.

    ``world`` overrides LOOKUP_WORLD; ``smtp_proxy`` (a name in ``smtp.proxies``, or
    socks5://host:port) overrides ``smtp.proxy``; ``m365_https`` turns ``m365.enabled`` on.
    A world directory that does not exist, given or set, is bad input.
    """
    check_proxy_choice(smtp_proxy)
    check_world(world)
    settings = with_proxy(load_settings(overrides=run_overrides(world, m365_https) or None),
                          smtp_proxy)
    check_world(settings.general.world or None)
    return settings


def request_settings(request: ResearchRequest) -> Settings:
    """The settings a request runs with: its world and mail options over the user's."""
    return settings_for_run(request.world, smtp_proxy=request.smtp_proxy,
                            m365_https=request.m365_https)


def check_world(world: str | None) -> None:
    """BadInputError when ``world`` names a directory that does not exist."""
    if world and not Path(world).expanduser().is_dir():
        raise BadInputError(f"The world directory {world} does not exist.")


def run_overrides(world: str | None, m365_https: bool | None = None) -> dict[str, dict[str, Any]]:
    """The settings a command's options replace: the world, the OneDrive check."""
    overrides: dict[str, dict[str, Any]] = {}
    if world:
        overrides["general"] = {"world": world}
    if m365_https:
        overrides["m365"] = {"enabled": True}
    return overrides


def with_proxy(settings: Settings, choice: str | None) -> Settings:
    """``settings`` with the SMTP proxy a run chose: a name in ``smtp.proxies`` (its URL may
    carry credentials from the environment), or an address; a malformed one is bad input."""
    if not choice:
        return settings
    from lookup.mail.smtpconnect import parse_proxy

    url = choice if "://" in choice else settings.smtp.proxies.get(choice.strip().lower())
    if url is None:
        named = ", ".join(sorted(settings.smtp.proxies)) or "none"
        raise BadInputError(
            f"No SMTP proxy is named {choice!r} in the settings (smtp.proxies: {named}); "
            "add it there, or give socks5://host:port."
        )
    try:
        parse_proxy(url)
    except ConfigError as exc:
        raise BadInputError(str(exc)) from exc
    return replace(settings, smtp=replace(settings.smtp, proxy=url))


@contextlib.contextmanager
def world_settings(settings: Settings) -> Iterator[Settings]:
    """Serve ``settings.general.world`` on loopback for the duration, if one is set.

    With ``general.world_endpoints`` (``LOOKUP_WORLD_ENDPOINTS``), the world already
    served there (``lookup world serve DIR --endpoints FILE``) is used instead: every
    worker then meets the same web, search engine and mail servers, as on the internet.
    Within the ``with`` block, a nested ``world_settings`` for the same directory (the
    flow's, under the command's) uses the world already served: one world per process.
    """
    if settings.world is not None:
        yield settings
        return
    if settings.general.world_endpoints:
        yield settings.in_world(_shared_world(settings))
        return
    if not settings.general.world:
        yield settings
        return
    directory = Path(settings.general.world).expanduser().resolve()
    served = _SERVED.get()
    if served is not None and Path(served.directory) == directory:
        yield settings.in_world(served)
        return
    from lookup.world import serve_world

    with serve_world(directory) as running:
        token = _SERVED.set(running.endpoints)
        try:
            yield settings.in_world(running.endpoints)
        finally:
            _SERVED.reset(token)


def _shared_world(settings: Settings) -> WorldEndpoints:
    from lookup.world import read_endpoints

    return read_endpoints(settings.general.world_endpoints, settings.general.world or None)


def world_transport(settings: Settings) -> httpx.AsyncBaseTransport | None:
    """In world mode, the transport that routes every world host to the world's HTTP server."""
    if settings.world is None:
        return None
    from lookup.world import WorldTransport

    return WorldTransport.from_endpoints(settings.world)


def with_settings(request: ResearchRequest, settings: Settings) -> ResearchRequest:
    """``request`` with what it leaves out from the user's ``[followup]`` settings: the
    recruiter, tone, language and time zone (else this machine's), and who it is for
    (``default_candidate``); a language without a phrasebook in the templates folder is
    bad input."""
    from lookup.card.languages import languages

    given = settings.followup
    return request.with_defaults(
        recruiter=given.recruiter, tone=given.tone, language=given.language,
        timezone=local_timezone(given.timezone), candidate=default_candidate(settings),
        languages=languages(settings.templates_dir),
    )
