"""`lookup` for a team: the server on PostgreSQL, `lookup deploy` to a work pool, batches.

The three commands that stand a team up (README, "For a team")::

    lookup server start --host 0.0.0.0 --postgres postgresql://prefect:…@db/prefect
    PREFECT_API_URL=http://server:4270/api lookup deploy
    PREFECT_API_URL=http://server:4270/api prefect worker start --pool interviewer-lookup

and then ``lookup research --batch interviews.csv --wait`` (or ``lookup import
calendar.ics --submit``) from anywhere that reaches the server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path
from typing import Any

from flows._cli import JsonOpt, app, check_world, emit, guarded, out
from flows.runtime import prefect_api, quiet_expected_failures, settings_for_run, stderr
from lookup.errors import ServerError
from lookup.settings import Settings, load_settings

__all__ = ["deploy", "research_batch", "run_batch", "start_team_server"]

NO_SERVER = (
    "lookup deploy needs a Prefect server (work-pool workers refuse Prefect's temporary one): "
    "start one with `lookup server start` (on PostgreSQL for a team: --postgres URL), "
    "or point PREFECT_API_URL at yours."
)


# -- the server ---------------------------------------------------------------


def start_team_server(
    *, postgres: str | None, host: str | None, port: int | None
) -> tuple[Any, dict[str, int]]:
    """Start (or find) the local server, on PostgreSQL when asked; create the global limits."""
    from flows.server import api_url, server_status, start_server
    from flows.serverdb import check_prefect_database, prefect_database_url
    from lookup.store.engine import redacted

    prefect: dict[str, Any] = {}
    if postgres:
        prefect["database_url"] = postgres
    if host:
        prefect["server_host"] = host
    if port:
        prefect["server_port"] = port
    settings = load_settings(overrides={"prefect": prefect} if prefect else None)
    database = settings.prefect.database_url
    if database:
        database = prefect_database_url(database)
        settings = dataclasses.replace(
            settings, prefect=dataclasses.replace(settings.prefect, database_url=database))
    running = server_status(settings)
    if running is not None and database and running.database != redacted(database):
        raise ServerError(
            f"A Prefect server is already running at {running.url} on "
            f"{running.database or 'SQLite'}; stop it first (lookup server stop)."
        )
    if running is None and database:
        check_prefect_database(database)
    info = running or start_server(settings)
    os.environ["PREFECT_API_URL"] = api_url(info)
    return info, asyncio.run(_limits(settings))


async def _limits(settings: Settings) -> dict[str, int]:
    from prefect.client.orchestration import get_client

    from flows.limits import ensure_limits

    async with get_client() as client:
        return await ensure_limits(client, settings, update=True)


# -- deploy ------------------------------------------------------------------------


@app.command()
def deploy(as_json: JsonOpt = False) -> None:
    """Register research and re-verification on a process work pool, with global politeness limits."""
    report = guarded(_deploy)
    if as_json:
        emit(report)
        return
    made = "created" if report["work_pool_created"] else "exists"
    limits = report["limits"]
    out(f"Work pool: {report['work_pool']} (process; {made})")
    out(f"Deployments: {', '.join(report['deployments'])} (re-verify on {report['schedule']})")
    out(f"Global politeness limits: {limits.get('created', 0)} created, "
        f"{limits.get('updated', 0)} updated, {limits.get('kept', 0)} unchanged")
    out("Start a worker on each machine that has interviewer-lookup installed:")
    out(f"  PREFECT_API_URL={report['api']} prefect worker start --pool {report['work_pool']}")


def _deploy() -> dict[str, Any]:
    settings = settings_for_run()
    api = prefect_api(settings)
    if api is None:
        raise ServerError(NO_SERVER)
    from flows.deployments import deploy_to_pool

    return {**asyncio.run(deploy_to_pool(settings)), "api": api}


# -- batches -----------------------------------------------------------------------


def research_batch(
    path: Path, *, given: tuple[str | None, str | None], smtp: bool, world: str | None,
    wait: bool, as_json: bool,
) -> None:
    """`lookup research --batch FILE.csv`: read and check every row, then run them all."""
    from flows._cli import fail
    from flows.submit import read_batch

    if any(given):
        fail("Give either a name and --company, or --batch FILE.csv, not both.", 2)
    batch = guarded(lambda: (check_world(world), read_batch(
        path, smtp=True if smtp else None, world=world, settings=settings_for_run(world)))[1])
    run_batch(batch, world=world, wait=wait, as_json=as_json)


def run_batch(batch: list[dict[str, Any]], *, world: str | None, wait: bool, as_json: bool) -> None:
    """Submit to the research deployment when there is one, else run here; exit 1 on a failure."""
    import typer

    outcomes = guarded(lambda: _run(batch, world=world, wait=wait, quiet=as_json))
    if as_json:
        emit([dataclasses.asdict(o) for o in outcomes])
    failed = [o for o in outcomes if o.state not in ("COMPLETED", "SUBMITTED")]
    if not as_json:
        done = sum(o.state == "COMPLETED" for o in outcomes)
        submitted = sum(o.state == "SUBMITTED" for o in outcomes)
        if submitted:
            out(f"Submitted {submitted} run(s); follow them with --wait, in Prefect's UI, or "
                "`prefect flow-run ls --flow-name research-interviewer`.")
        else:
            out(f"{done} of {len(outcomes)} run(s) completed; {len(failed)} did not.")
    if failed:
        raise typer.Exit(1)


def _run(batch: list[dict[str, Any]], *, world: str | None, wait: bool, quiet: bool) -> list:
    from flows.deployments import RESEARCH_DEPLOYMENT
    from flows.submit import find_deployment, run_here, submit

    settings = settings_for_run(world)
    api = prefect_api(settings)
    found = asyncio.run(find_deployment(RESEARCH_DEPLOYMENT)) if api else None
    progress = (lambda *_: None) if quiet else _progress
    quiet_expected_failures()
    if found is not None:
        stderr(f"Submitting {len(batch)} run(s) to {RESEARCH_DEPLOYMENT} on {api}.")
        return asyncio.run(submit(batch, found, wait=wait, progress=progress))
    where = "no deployment is registered there (lookup deploy)" if api else "no Prefect server"
    concurrency = settings.prefect.batch_concurrency
    stderr(f"Running {len(batch)} interview(s) here, {concurrency} at a time ({where}).")
    return asyncio.run(run_here(batch, concurrency=concurrency, progress=progress))


def _progress(done: int, total: int, outcome: Any) -> None:
    what = f"{outcome.name} ({outcome.company})"
    took = f", {outcome.seconds:.0f} s" if outcome.seconds is not None else ""
    run = f" run {outcome.flow_run_name}" if outcome.flow_run_name else ""
    detail = outcome.card or outcome.message or ""
    out(f"[{done}/{total}] {outcome.state.lower()}: {what}{run}{took}"
        + (f" — {detail}" if detail else ""))
