"""Process-level set-up shared by the CLI and the flows: Prefect's API, worlds, settings.

Prefect reads its settings when it is first imported, so everything here runs
before ``import prefect`` and nothing here imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lookup.errors import BadInputError, LookupToolError, ServerError
from lookup.settings import Settings, WorldEndpoints, load_settings, local_timezone
from lookup.text import inert

if TYPE_CHECKING:
    import httpx

__all__ = [
    "FAST_RUNS_HINT",
    "followup_defaults",
    "prefect_api",
    "quiet_expected_failures",
    "require_network",
    "require_unlisted_ip",
    "run_overrides",
    "settings_for_run",
    "verbose",
    "world_settings",
    "world_transport",
]

FAST_RUNS_HINT = (
    "Tip: `lookup server start` keeps a local Prefect server running; "
    "research then starts in seconds instead of half a minute."
)


def prefect_api(settings: Settings, *, start_timeout_s: float | None = None) -> str | None:
    """Point Prefect at a reachable server, else at a temporary one; return the API URL used.

    Order: an explicit ``PREFECT_API_URL``; the local server ``lookup server start``
    recorded; otherwise Prefect's temporary server, with a start-up timeout long
    enough for a cold 2-core machine (see PREFECT.md). ``None`` means temporary.
    """
    settings.prefect_home.mkdir(parents=True, exist_ok=True)  # Prefect's SQLite needs the folder
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    # The tool promises no traffic beyond the research itself: no Prefect telemetry.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if os.environ.get("PREFECT_API_URL"):
        _require_prefect(os.environ["PREFECT_API_URL"])
        return os.environ["PREFECT_API_URL"]
    from flows.server import api_url, server_status

    info = server_status(settings)
    if info is not None:
        os.environ["PREFECT_API_URL"] = api_url(info)
        return os.environ["PREFECT_API_URL"]
    timeout = start_timeout_s or settings.prefect.startup_timeout_s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(int(timeout)))
    return None


def _require_prefect(url: str, timeout_s: float = 3.0) -> None:
    """ServerError, in one sentence, when the Prefect API named by PREFECT_API_URL does not answer."""
    from flows.prefect_api import prefect_request

    try:
        prefect_request("GET", f"{url.rstrip('/')}/health", timeout_s=timeout_s, retries=1,
                        backoff_s=0.5)
    except ServerError as exc:
        why = type(exc.__cause__).__name__ if exc.__cause__ else str(exc).split(" with ", 1)[-1]
        raise ServerError(
            f"Prefect's API at {url} (PREFECT_API_URL) does not answer ({why}). "
            "Start that server, or unset PREFECT_API_URL to let lookup use its own."
        ) from exc


def require_network(settings: Settings) -> None:
    """OfflineError within seconds when neither DNS nor the search engine answers.

    Runs before Prefect starts, so a machine without network hears it at once instead of
    after every query's retries; in world mode the world is served for the look.
    """
    from lookup import reach

    with world_settings(settings) as live:
        found = asyncio.run(reach.check_reach(live))
    reach.require_network(found, world=bool(settings.general.world))


def require_unlisted_ip(settings: Settings, smtp: bool | None) -> None:
    """ProbeRefusedError, in one sentence, before a run that would probe SMTP from a public IP
    found on a DNS blocklist today (``lookup doctor --blocklists``); see lookup.doctor."""
    if not (settings.smtp.enabled if smtp is None else smtp):
        return
    from lookup.doctor import require_unlisted

    with world_settings(settings) as live:
        asyncio.run(require_unlisted(live))


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

    ``world`` overrides LOOKUP_WORLD; ``smtp_proxy`` and ``m365_https`` override
    ``smtp.proxy`` and ``m365.enabled`` (see ``run_overrides``).
    """
    return load_settings(overrides=run_overrides(world, smtp_proxy, m365_https) or None)


def run_overrides(
    world: str | None, smtp_proxy: str | None = None, m365_https: bool | None = None
) -> dict[str, dict[str, Any]]:
    """The settings a command's options replace: the world, the SMTP proxy, the OneDrive check."""
    overrides: dict[str, dict[str, Any]] = {}
    if world:
        overrides["general"] = {"world": world}
    if smtp_proxy:
        from lookup.mail.smtpconnect import parse_proxy

        parse_proxy(smtp_proxy)  # a malformed URL is bad input: one sentence, exit 2
        overrides["smtp"] = {"proxy": smtp_proxy}
    if m365_https:
        overrides["m365"] = {"enabled": True}
    return overrides


@contextlib.contextmanager
def world_settings(settings: Settings) -> Iterator[Settings]:
    """Serve ``settings.general.world`` on loopback for the duration, if one is set.

    With ``general.world_endpoints`` (``LOOKUP_WORLD_ENDPOINTS``), the world already
    served there (``lookup world serve DIR --endpoints FILE``) is used instead: every
    worker then meets the same web, search engine and mail servers, as on the internet.
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
    from lookup.world import serve_world

    directory = Path(settings.general.world).expanduser().resolve()
    with serve_world(directory) as running:
        yield settings.in_world(running.endpoints)


def _shared_world(settings: Settings) -> WorldEndpoints:
    from lookup.world import read_endpoints

    return read_endpoints(settings.general.world_endpoints, settings.general.world or None)


def world_transport(settings: Settings) -> httpx.AsyncBaseTransport | None:
    """In world mode, the transport that routes every world host to the world's HTTP server."""
    if settings.world is None:
        return None
    from lookup.world import WorldTransport

    return WorldTransport.from_endpoints(settings.world)


def stderr(message: str) -> None:
    """One line for the person at the terminal, never on stdout (stdout may be JSON)."""
    print(inert(message), file=sys.stderr, flush=True)


def followup_defaults(settings: Settings, params: dict[str, Any]) -> dict[str, Any]:
    """The follow-up options not given on the command line, from settings (``[followup]``):
    the recruiter, tone, language and the user's time zone (else the machine's)."""
    given = settings.followup
    filled = dict(params)
    filled["recruiter"] = params.get("recruiter") or given.recruiter or None
    filled["tone"] = params.get("tone") or given.tone
    filled["language"] = (params.get("language") or given.language or "en").strip().lower()
    filled["timezone"] = params.get("timezone") or local_timezone(given.timezone)
    from lookup.card.render import languages

    known = languages(settings.templates_dir)
    if filled["language"] not in known:
        raise BadInputError(
            f"There is no draft in the language {filled['language']!r}; available: "
            f"{', '.join(known)} (add draft.<code>.toml to your templates folder for another)."
        )
    return filled
