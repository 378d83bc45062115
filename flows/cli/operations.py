"""`lookup` commands that run the machinery: server, serve, deploy, import, world, demo.

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
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from flows.cli._app import (
    CandidateOpt,
    DryRunOpt,
    JsonOpt,
    M365Opt,
    ProxyOpt,
    SmtpOpt,
    TimeoutOpt,
    WaitOpt,
    WorldOpt,
    app,
    open_store,
    server_app,
    wait_timeout,
    whose,
    world_app,
)
from flows.cli._output import convention, emit, fail_some, out, say
from flows.cli._runs import first_queries, print_summary, run_many, start_research
from flows.runtime import (
    begin_local_server,
    check_world,
    connect_prefect,
    request_settings,
    settings_for_run,
    with_proxy,
    with_settings,
)
from lookup.errors import BadInputError, ServerError
from lookup.intake.request import check_proxy_choice
from lookup.settings import Settings, load_settings

__all__ = ["demo", "deploy", "import_calendar", "serve", "server_start", "server_status_cmd",
           "server_stop", "world_serve"]

NO_SERVER = (
    "lookup deploy needs a Prefect server (work-pool workers refuse Prefect's temporary one): "
    "start one with `lookup server start` (on PostgreSQL for a team: --postgres URL), "
    "or point PREFECT_API_URL at yours."
)


# -- the Prefect server -------------------------------------------------------------


@server_app.command("start")
@convention
def server_start(
    postgres: Annotated[str | None, typer.Option(
        "--postgres", help="The server's database: a PostgreSQL URL, for a team "
        "(or prefect.database_url); default SQLite in the data folder.")] = None,
    host: Annotated[str | None, typer.Option(
        "--host", help="Listen address; 0.0.0.0 lets workers on other machines in (then "
        "PREFECT_SERVER_API_AUTH_STRING='user:password' is required).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (prefect.server_port).")] = None,
) -> None:
    """Start the local Prefect server and wait until it answers; create the politeness limits."""
    info, limits = _start_server(postgres=postgres, host=host, port=port)
    on = f" on {info.database}" if info.database else ""
    out(f"Prefect server up at {info.url} (pid {info.pid}){on}; log: {info.log_path}")
    say(f"Open the UI at {info.ui or info.url}: each research run's card is under Artifacts.")
    say(_access_line())
    if limits.get("created") or limits.get("updated"):
        say(f"Global politeness limits: {limits.get('created', 0)} created, "
            f"{limits.get('updated', 0)} updated.")


def _start_server(
    *, postgres: str | None, host: str | None, port: int | None
) -> tuple[Any, dict[str, int]]:
    """Start (or find) the local server, on PostgreSQL when asked; create the global limits."""
    from flows.access import adopt_client_auth, require_access, require_auth
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
    require_auth(settings.prefect.server_host)  # exit 2 before anything is checked or bound
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
    adopt_client_auth()  # the politeness limits are created through the API, as a client
    require_access(os.environ["PREFECT_API_URL"])
    return info, asyncio.run(_limits(settings))


def _access_line() -> str:
    """What protects the API of the server this tool started (never the string itself)."""
    from flows.access import CLIENT_AUTH, server_auth

    if server_auth():
        return (f"API authentication: on (clients and workers set {CLIENT_AUTH} to the same "
                "user:password); CSRF protection: on. Put TLS in front (a reverse proxy) "
                "before the API leaves a trusted network.")
    return "API authentication: off (the API listens on loopback only); CSRF protection: on."


async def _limits(settings: Settings) -> dict[str, int]:
    from prefect.client.orchestration import get_client

    from flows.politeness.policy import ensure_limits

    async with get_client() as client:
        return await ensure_limits(client, settings, update=True)


@server_app.command("stop")
@convention
def server_stop() -> None:
    """Stop the local Prefect server this tool started."""
    from flows.server import stop_server

    stopped = stop_server(settings_for_run())
    out("Prefect server stopped." if stopped else "No local Prefect server was running.")


@server_app.command("status")
@convention
def server_status_cmd(as_json: JsonOpt = False) -> None:
    """Say whether the local Prefect server is up."""
    from flows.server import server_status

    info = server_status(settings_for_run())
    if as_json:
        emit({"up": info is not None, "url": getattr(info, "url", None),
              "pid": getattr(info, "pid", None), "ui": (info.ui or info.url) if info else None})
    elif info is None:
        out("Prefect server: down (start it with `lookup server start`).")
    else:
        out(f"Prefect server: up at {info.url} (pid {info.pid}); UI: {info.ui or info.url}")


# -- deployments ----------------------------------------------------------------------


@app.command()
@convention
def serve() -> None:
    """Serve the research and re-verification deployments (starting the local server if needed)."""
    from flows.deployments import serve_deployments

    settings = settings_for_run()
    connect_prefect(settings, start=True)  # schedules never fire on a temporary server
    serve_deployments(settings, say=say)


@app.command()
@convention
def deploy(as_json: JsonOpt = False) -> None:
    """Register research and re-verification on a process work pool, with global politeness limits."""
    from flows.access import CLIENT_AUTH
    from flows.deployments import deploy_to_pool

    settings = settings_for_run()
    api = connect_prefect(settings)
    if api is None:
        raise ServerError(NO_SERVER)
    report = {**asyncio.run(deploy_to_pool(settings)), "api": api}
    if as_json:
        emit(report)
        return
    made = "created" if report["work_pool_created"] else "exists"
    limits = report["limits"]
    out(f"Work pool: {report['work_pool']} (process; {made})")
    out(f"Deployments: {', '.join(report['deployments'])} (re-verify on {report['schedule']})")
    out(f"Global politeness limits: {limits.get('created', 0)} created, "
        f"{limits.get('updated', 0)} updated, {limits.get('kept', 0)} unchanged")
    say("Start a worker on each machine that has interviewer-lookup installed:")
    auth = f" {CLIENT_AUTH}='user:password'" if os.environ.get(CLIENT_AUTH) else ""
    say(f"  PREFECT_API_URL={report['api']}{auth} prefect worker start --pool "
        f"{report['work_pool']}")
    if auth:
        say(f"  ({CLIENT_AUTH}: the server's auth string; never put it on a shared command line.)")


# -- calendar import ----------------------------------------------------------------------


@app.command("import")
@convention
def import_calendar(
    file: Annotated[Path, typer.Argument(help="A calendar export (.ics).")],
    dry_run: DryRunOpt = False,
    max_age_days: Annotated[
        int, typer.Option("--max-age-days", help="Skip interviews older than this many days.")
    ] = 30,
    smtp: SmtpOpt = False,
    smtp_proxy: ProxyOpt = None,
    m365_https: M365Opt = False,
    world: WorldOpt = None,
    candidate: CandidateOpt = None,
    as_json: JsonOpt = False,
    submit: Annotated[bool, typer.Option(
        "--submit", help="All at once: one run per interviewer on the deployment's workers "
        "(or here, a few at a time, without one); no panel index.")] = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = None,
) -> None:
    """Start one research run per new interview found in a calendar export.

    With --json, one object: ``researched`` (with --submit, each run's outcome),
    ``panels``, ``skipped``, ``problems`` and ``failed``."""
    if wait and not submit:
        raise BadInputError("--wait follows the runs of --submit; give both, or neither.")
    timeout_s = wait_timeout(wait, timeout)
    check_world(world)
    # a proxy's name is the workers' when the runs go to them: checked where the runs run
    check_proxy_choice(smtp_proxy)
    settings = settings_for_run(world, m365_https=m365_https)
    if not submit:
        with_proxy(settings, smtp_proxy)  # the runs are here: the name must be this machine's
    options = {"smtp": True if smtp else None, "smtp_proxy": smtp_proxy,
               "m365_https": True if m365_https else None, "world": world,
               "candidate": whose(settings, candidate)}
    batch = _read_calendar(file, settings, max_age_days=max_age_days, options=options)
    report: dict[str, Any] = {"researched": [], "panels": [], "skipped": batch.skipped,
                              "problems": batch.problems, "failed": []}
    if not batch.requests:
        say(f"Nothing new to research in {file}"
            + (f" ({len(batch.skipped)} already researched)." if batch.skipped else "."))
    elif dry_run:
        report["researched"] = [{"name": r.name, "company": r.company, "card": None,
                                 "parameters": r.for_panelist(n).to_params()}
                                for r in batch.requests for n in (r.panel or (r.name,))]
    elif submit:
        if not as_json:
            _print_import(report)

        def document(outcomes: list[Any]) -> dict[str, Any]:  # the report, with each run
            return {**report, "researched": [dataclasses.asdict(o) for o in outcomes],
                    "failed": [f"{o.name}: {o.message or o.state.lower()}" for o in outcomes
                               if o.failed or o.unfinished]}

        return run_many(batch.runs(), settings, wait=wait, timeout_s=timeout_s, as_json=as_json,
                        document=document)
    else:
        _research_here(batch, settings, report)
    if as_json:
        emit(report)
    else:
        _print_import(report)
    fail_some(len(report["failed"]), len(batch.runs()))


def _read_calendar(file: Path, settings: Settings, *, max_age_days: int, options: dict) -> Any:
    from flows.batch import read_calendar

    with open_store(settings) as store:
        return read_calendar(file, settings=settings, max_age_days=max_age_days,
                             options=options,
                             known=lambda i: store.has_interview(i, options["candidate"]))


def _research_here(batch: Any, settings: Settings, report: dict[str, Any]) -> None:
    """Each new interview researched in this process; a panel's index card after it."""
    with start_research(settings, smtp=False):  # no blocklist look here (as before issue 31)
        _research_each(batch, settings, report)


def _research_each(batch: Any, settings: Settings, report: dict[str, Any]) -> None:
    from flows.panel import research_panel
    from flows.research import research_here

    for request in batch.requests:
        try:
            if request.panel:
                done = research_panel(request, settings, research_here)
                report["panels"].append(done.panel_index)
                summaries, failures = done.interviewers, done.failed
            else:
                summaries, failures = [research_here(request)], []
        except Exception as exc:  # reported; the other interviews still run
            summaries, failures = [], [f"{', '.join(request.panel or (request.name,))}: {exc}"]
        report["researched"] += [{"name": x["name"], "company": x["company"], "card": x["card"]}
                                 for x in summaries]
        report["failed"] += failures


def _print_import(report: dict[str, Any]) -> None:
    for item in report["researched"]:
        out(f"researched {item['name']} ({item['company']}): {item.get('card') or 'dry run'}")
    for index in report["panels"]:
        out(f"panel index: {index}")
    for item in report["skipped"]:
        out(f"skipped {item}")
    for problem in report["problems"]:
        say(f"could not use: {problem}")
    for failure in report["failed"]:
        say(f"failed: {failure}")


# -- worlds ---------------------------------------------------------------------------


@app.command()
@convention
def demo(
    path: Annotated[bool, typer.Option(
        "--path", help="Print the demo world's folder (for `lookup research --world`) and exit.",
    )] = False,
    as_json: JsonOpt = False,
) -> None:
    """Research Dana Okafor in the demo world that ships with the tool, and print her card.

    The local Prefect server is started for it (on loopback) when none runs, and keeps
    running: the demo says where, and the command that stops it (`lookup server stop`)."""
    import datetime as dt

    from lookup.resources import demo_world

    if path:
        return out(str(demo_world()))
    from flows.demo import demo_request

    request = demo_request(dt.date.today())
    settings = request_settings(request)
    # the local server comes up while this process loads (issue 31); on loopback only
    settings, local = begin_local_server(settings)
    request = with_settings(request, settings)
    with start_research(settings, smtp=False, start=local is not None,
                        queries=first_queries(request)) as timeline:
        from flows.research import research_here

        summary = research_here(request)
    summary["timings"] = timeline | summary["timings"] | {"returned": time.time()}
    card = Path(summary["card"]).read_text(encoding="utf-8")
    if as_json:
        emit(summary | {"card_text": card})
    else:
        print_summary(summary)
        out()
        out("----- the briefing card -----")
        print(card, end="")  # inert Markdown already (zero-width marks kept), as `lookup show`
        say(f"The card is in {summary['card']}; `lookup show \"{summary['name']}\"` prints it "
            "again.")
    if local is not None:
        _say_server_kept(settings, started=local == "started")


def _say_server_kept(settings: Settings, *, started: bool) -> None:
    """After the demo: that the local server it started (or found) keeps running, where it
    listens, and the exact command that stops it."""
    from flows.server import server_status

    info = server_status(settings)
    if info is None:  # stopped under us: nothing is left running
        return
    where = info.url.split("://", 1)[-1]
    how = "started for this demo" if started else "that was already running"
    say(f"The local Prefect server {how} keeps running on {where} (pid {info.pid}), so the "
        f"next runs start in seconds; its UI at {info.ui or info.url} shows this run. "
        f"Stop it with: {stop_command()}")


def stop_command() -> str:
    """The command, as this process was started, that stops the local server: the same
    `lookup` (the checkout's .venv/bin/lookup when it is not the one on PATH) and the same
    data folder (LOOKUP_DATA_DIR, LOOKUP_CONFIG when set)."""
    import shlex
    import shutil
    import sys

    program = Path(sys.argv[0])
    command = "lookup"
    if program.name == "lookup" and program.is_file():
        on_path = shutil.which("lookup")
        if on_path is None or Path(on_path).resolve() != program.resolve():
            command = shlex.quote(str(program))
    where = [f"{name}={shlex.quote(os.environ[name])}"
             for name in ("LOOKUP_DATA_DIR", "LOOKUP_CONFIG") if os.environ.get(name)]
    return " ".join([*where, command, "server", "stop"])


_WORLD_HINTS = ("Press Ctrl-C to stop.", "Stopping the world.")


@world_app.command("serve")
@convention
def world_serve(
    directory: Annotated[Path, typer.Argument(help="The world directory.")],
    endpoints: Annotated[Path | None, typer.Option(
        "--endpoints", help="Write where the world listens to this JSON file; runs with "
        "LOOKUP_WORLD_ENDPOINTS=FILE use this one world (shared by every worker).")] = None,
) -> None:
    """Serve a world in the foreground and print its endpoints (Ctrl-C stops it)."""
    from lookup.world import serve_forever

    check_world(str(directory))

    def line(text: str) -> None:  # the endpoints are data; how to stop it is a hint
        (say if text in _WORLD_HINTS or text.startswith("Endpoints written") else out)(text)
        if text == _WORLD_HINTS[0]:
            import sys

            sys.stdout.flush()

    serve_forever(directory, endpoints_file=endpoints, out=line)
