"""Deployments: research on demand (one run per interview) and scheduled re-verification.

``lookup serve`` makes sure a local Prefect server is up (schedules never fire
on Prefect's temporary server), then serves both deployments from this
process. Trigger a research run from anywhere that reaches the server::

    prefect deployment run 'research-interviewer/on-demand' \
        --param name="Dana Okafor" --param company="Brightwater Analytics"
"""

from __future__ import annotations

import os
import sys

from lookup.settings import Settings

__all__ = ["RESEARCH_DEPLOYMENT", "REVERIFY_DEPLOYMENT", "build_deployments", "serve_deployments"]

RESEARCH_DEPLOYMENT = "research-interviewer/on-demand"
REVERIFY_DEPLOYMENT = "reverify-contacts/scheduled"


def local_timezone(settings: Settings) -> str:
    """The IANA zone for the cron schedule: the setting, TZ, or the machine's zone (UTC fallback)."""
    if settings.reverify.timezone:
        return settings.reverify.timezone
    if os.environ.get("TZ"):
        return os.environ["TZ"]
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


def build_deployments(settings: Settings) -> list:
    """The two runner deployments, ready for ``prefect.serve``."""
    from prefect.schedules import Cron

    from flows.research import research_interviewer
    from flows.reverify import reverify_contacts

    research = research_interviewer.to_deployment(
        name="on-demand",
        description="Research one interviewer and write their briefing card.",
        tags=["interviewer-lookup"],
    )
    reverify = reverify_contacts.to_deployment(
        name="scheduled",
        description="Re-check stored contacts that are due and report what changed.",
        schedules=[Cron(settings.reverify.cron, timezone=local_timezone(settings))],
        tags=["interviewer-lookup"],
    )
    return [research, reverify]


def serve_deployments(settings: Settings) -> None:
    """Start the local server if needed, then serve both deployments until interrupted."""
    from flows.server import api_url, server_status, start_server

    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    if not os.environ.get("PREFECT_API_URL"):
        info = server_status(settings) or start_server(settings)
        os.environ["PREFECT_API_URL"] = api_url(info)
    from prefect import serve

    print(
        f"Serving on {os.environ['PREFECT_API_URL']}\n"
        f"  research:     prefect deployment run '{RESEARCH_DEPLOYMENT}' "
        '--param name="NAME" --param company="COMPANY"\n'
        f"  re-verify:    runs on cron '{settings.reverify.cron}' "
        f"({local_timezone(settings)}); now: prefect deployment run '{REVERIFY_DEPLOYMENT}'\n"
        "Ctrl-C stops serving (the server keeps running; `lookup server stop` stops it).",
        file=sys.stderr,
        flush=True,
    )
    serve(*build_deployments(settings), pause_on_shutdown=False, print_starting_message=False)
