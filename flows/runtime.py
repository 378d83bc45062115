"""Process-level set-up shared by the CLI and the flows: Prefect's API, worlds, settings.

Prefect reads its settings when it is first imported, so everything here runs
before ``import prefect`` and nothing here imports it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lookup.errors import BadInputError
from lookup.settings import Settings, load_settings, local_timezone

if TYPE_CHECKING:
    import httpx

__all__ = [
    "FAST_RUNS_HINT", "followup_defaults", "prefect_api", "settings_for_run", "world_settings",
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
        return os.environ["PREFECT_API_URL"]
    from flows.server import api_url, server_status

    info = server_status(settings)
    if info is not None:
        os.environ["PREFECT_API_URL"] = api_url(info)
        return os.environ["PREFECT_API_URL"]
    timeout = start_timeout_s or settings.prefect.startup_timeout_s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(int(timeout)))
    return None


def settings_for_run(world: str | None = None) -> Settings:
    """Settings for one run: loaded once from files and LOOKUP_*; ``world`` overrides LOOKUP_WORLD."""
    overrides = {"general": {"world": world}} if world else None
    return load_settings(overrides=overrides)


@contextlib.contextmanager
def world_settings(settings: Settings) -> Iterator[Settings]:
    """Serve ``settings.general.world`` on loopback for the duration, if one is set."""
    if not settings.general.world or settings.world is not None:
        yield settings
        return
    from lookup.world import serve_world

    directory = Path(settings.general.world).expanduser().resolve()
    with serve_world(directory) as running:
        yield settings.in_world(running.endpoints)


def world_transport(settings: Settings) -> httpx.AsyncBaseTransport | None:
    """In world mode, the transport that routes every world host to the world's HTTP server."""
    if settings.world is None:
        return None
    from lookup.world import WorldTransport

    return WorldTransport.from_endpoints(settings.world)


def stderr(message: str) -> None:
    """One line for the person at the terminal, never on stdout (stdout may be JSON)."""
    print(message, file=sys.stderr, flush=True)


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
