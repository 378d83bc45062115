"""Deployments: research on demand (one run per interview) and scheduled re-verification.

Two ways to run them:

- ``lookup serve`` (one machine): makes sure a local Prefect server is up
  (schedules never fire on Prefect's temporary server), then serves both
  deployments from this process.
- ``lookup deploy`` (a team): registers both on a process work pool
  (``prefect.work_pool``), with the global politeness limits; then
  ``prefect worker start --pool NAME`` on every machine that has the project
  installed and reaches the server runs them. The entrypoints are module paths
  (``flows.research.research_interviewer``), so a worker needs the package, not
  a copy of anyone's working tree.

Trigger a research run from anywhere that reaches the server::

    prefect deployment run 'research-interviewer/on-demand' \
        --param name="Dana Okafor" --param company="Brightwater Analytics"
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable

from lookup.errors import ServerError
from lookup.settings import Settings, local_timezone

__all__ = [
    "RESEARCH_DEPLOYMENT",
    "REVERIFY_DEPLOYMENT",
    "build_deployments",
    "deploy_to_pool",
    "schedule_timezone",
    "serve_deployments",
]

RESEARCH_DEPLOYMENT = "research-interviewer/on-demand"
ZOMBIE_AUTOMATION = "interviewer-lookup: crash runs whose machine died"
HEARTBEAT_S = 30  # the shortest heartbeat Prefect allows
SILENCE_S = 120  # no heartbeat (nor an end) for this long: the run's machine is gone
REVERIFY_DEPLOYMENT = "reverify-contacts/scheduled"


def schedule_timezone(settings: Settings) -> str:
    """The IANA zone for the cron schedule: ``reverify.timezone``, else the user's zone."""
    return local_timezone(settings.reverify.timezone)


def build_deployments(settings: Settings) -> list:
    """The two deployments, ready for ``prefect.serve``."""
    from flows.research import research_interviewer
    from flows.reverify import reverify_contacts

    research, reverify = _deployment_options(settings)
    return [research_interviewer.to_deployment(**research),
            reverify_contacts.to_deployment(**reverify)]


def _deployment_options(settings: Settings, work_pool: str | None = None) -> list[dict]:
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    pooled: dict = {}
    if work_pool:  # what the worker runs is the pool's locked template's call (locked_template)
        pooled = {"work_pool_name": work_pool, "entrypoint_type": EntrypointType.MODULE_PATH}
    research = {
        "name": "on-demand",
        "description": "Research one interviewer and write their briefing card.",
        "tags": ["interviewer-lookup"],
        **pooled,
    }
    reverify = {
        "name": "scheduled",
        "description": "Re-check stored contacts that are due and report what changed.",
        "schedules": [Cron(settings.reverify.cron, timezone=schedule_timezone(settings))],
        "tags": ["interviewer-lookup"],
        **pooled,
    }
    return [research, reverify]


async def deploy_to_pool(settings: Settings) -> dict:
    """Create the work pool and the global limits, register both deployments on the pool."""
    from prefect.client.orchestration import get_client
    from prefect.deployments.runner import adeploy

    from flows.politeness.policy import ensure_limits
    from flows.research import research_interviewer
    from flows.reverify import reverify_contacts

    pool = settings.prefect.work_pool
    async with get_client() as client:
        created_pool = await _ensure_pool(client, pool)
        limits = await ensure_limits(client, settings, update=True)
    automation = await _ensure_zombie_automation()
    research, reverify = _deployment_options(settings, pool)
    with contextlib.redirect_stdout(sys.stderr):  # Prefect's table: stdout may carry JSON
        ids = await adeploy(
            await research_interviewer.ato_deployment(**research),
            await reverify_contacts.ato_deployment(**reverify),
            work_pool_name=pool,
            build=False,
            push=False,
            print_next_steps_message=False,
            ignore_warnings=True,
        )
    return {
        "work_pool": pool,
        "work_pool_created": created_pool,
        "deployments": [RESEARCH_DEPLOYMENT, REVERIFY_DEPLOYMENT],
        "deployment_ids": [str(i) for i in ids],
        "limits": limits,
        "automation": automation,
        "schedule": f"{settings.reverify.cron} ({schedule_timezone(settings)})",
    }


async def _ensure_zombie_automation() -> str:
    """Prefect's documented answer to a machine that dies mid-run (docs: "detect zombie
    flows"): mark our runs Crashed when their heartbeats stop. A worker that is killed
    alone needs no help: its run's process sees it go and ends the run Crashed."""
    from datetime import timedelta

    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    try:
        await Automation.aread(name=ZOMBIE_AUTOMATION)
        return ZOMBIE_AUTOMATION
    except ValueError:
        pass
    await Automation(
        name=ZOMBIE_AUTOMATION,
        description="Marks interviewer-lookup runs Crashed when their heartbeats stop.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", "prefect.flow-run.Completed",
                    "prefect.flow-run.Failed", "prefect.flow-run.Cancelled",
                    "prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification({"prefect.resource.role": "tag",
                                                 "prefect.resource.id": "prefect.tag.interviewer-lookup"}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=SILENCE_S),
        ),
        actions=[ChangeFlowRunState(
            state=StateType.CRASHED,
            message=f"No heartbeat for {SILENCE_S} s: the machine running it is gone. "
                    "Submit the interview again to finish it.",
        )],
    ).acreate()
    return ZOMBIE_AUTOMATION


# The only variable of the pool's template: the flow runs' extra environment, held to one value.
FIXED_ENV = "fixed_environment"
# heartbeats let the "crash runs whose machine died" Automation see a dead machine
RUN_ENV = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_S)}


def locked_template() -> dict:
    """The work pool's base job template: nothing a run may set changes what the worker runs.

    Prefect's process template exposes ``command``, ``env``, ``working_dir`` and
    ``stream_output`` as variables, so ``prefect deployment run … -jv command=…`` ran any
    command on a worker. Here the job configuration holds fixed values (``command`` null:
    the worker's own ``python -m prefect.engine``), and the workers keep variables a run
    names that the template does not use. ``env`` is a placeholder, not a dict, because a
    worker merges a run's ``env`` variable into a dict-valued ``env``
    (``BaseJobConfiguration.from_template_and_values``); its one variable is ``const``, so
    the server refuses (HTTP 422) a run that asks for another value.
    """
    return {
        "job_configuration": {
            "command": None,
            "env": "{{ " + FIXED_ENV + " }}",
            "labels": {},
            "name": None,
            "stream_output": True,
            "working_dir": None,
        },
        "variables": {
            "type": "object",
            "properties": {
                FIXED_ENV: {
                    "title": "Environment (fixed by interviewer-lookup)",
                    "description": "Set by `lookup deploy`; runs cannot change it.",
                    "type": "object",
                    "default": RUN_ENV,
                    "const": RUN_ENV,
                },
            },
        },
    }


async def _ensure_pool(client: object, name: str) -> bool:
    """Create the process work pool with the locked template, or lock an existing one's
    template; True when the pool was created."""
    from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    template = locked_template()
    try:
        pool = await client.read_work_pool(name)  # type: ignore[attr-defined]
    except ObjectNotFound:
        pass
    else:
        if pool.type != "process":
            raise ServerError(f"The work pool {name} is a {pool.type} pool; lookup deploy needs a "
                              "process pool: delete it, or set prefect.work_pool to another name.")
        if pool.base_job_template != template:
            await client.update_work_pool(  # type: ignore[attr-defined]
                name, WorkPoolUpdate(base_job_template=template))
        return False
    try:
        await client.create_work_pool(  # type: ignore[attr-defined]
            WorkPoolCreate(name=name, type="process", base_job_template=template)
        )
    except ObjectAlreadyExists:  # another deploy was quicker; it locked the same template
        return False
    return True


def serve_deployments(settings: Settings, *, say: Callable[[str], None]) -> None:
    """Serve both deployments until interrupted, on the server this process was pointed at
    (``flows.runtime.connect_prefect(settings, start=True)``)."""
    from prefect import serve

    say(
        f"Serving on {os.environ['PREFECT_API_URL']}\n"
        f"  research:     prefect deployment run '{RESEARCH_DEPLOYMENT}' "
        '--param name="NAME" --param company="COMPANY"\n'
        f"  re-verify:    runs on cron '{settings.reverify.cron}' "
        f"({schedule_timezone(settings)}); now: prefect deployment run '{REVERIFY_DEPLOYMENT}'\n"
        "Ctrl-C stops serving (the server keeps running; `lookup server stop` stops it)."
    )
    serve(*build_deployments(settings), pause_on_shutdown=False, print_starting_message=False)
