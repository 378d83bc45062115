"""`lookup` commands that run the machinery: the Prefect server, serving, calendar import, worlds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from flows._cli import (
    JsonOpt,
    M365Opt,
    ProxyOpt,
    SmtpOpt,
    WaitOpt,
    WorldOpt,
    app,
    check_world,
    emit,
    guarded,
    open_store,
    out,
    server_app,
    world_app,
)
from flows.runtime import (
    FAST_RUNS_HINT,
    prefect_api,
    quiet_expected_failures,
    require_network,
    settings_for_run,
    stderr,
)
from lookup.errors import BadInputError


@server_app.command("start")
def server_start(
    postgres: Annotated[str | None, typer.Option(
        "--postgres", help="The server's database: a PostgreSQL URL, for a team "
        "(or prefect.database_url); default SQLite in the data folder.")] = None,
    host: Annotated[str | None, typer.Option(
        "--host", help="Listen address; 0.0.0.0 lets workers on other machines in.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (prefect.server_port).")] = None,
) -> None:
    """Start the local Prefect server and wait until it answers; create the politeness limits."""
    from flows.cli_team import start_team_server

    info, limits = guarded(lambda: start_team_server(postgres=postgres, host=host, port=port))
    on = f" on {info.database}" if info.database else ""
    out(f"Prefect server up at {info.url} (pid {info.pid}){on}; log: {info.log_path}")
    out(f"Open the UI at {info.ui or info.url}: each research run's card is under Artifacts.")
    if limits.get("created") or limits.get("updated"):
        out(f"Global politeness limits: {limits.get('created', 0)} created, "
            f"{limits.get('updated', 0)} updated.")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local Prefect server this tool started."""
    from flows.server import stop_server

    stopped = guarded(lambda: stop_server(settings_for_run()))
    out("Prefect server stopped." if stopped else "No local Prefect server was running.")


@server_app.command("status")
def server_status_cmd(as_json: JsonOpt = False) -> None:
    """Say whether the local Prefect server is up."""
    from flows.server import server_status

    info = guarded(lambda: server_status(settings_for_run()))
    if as_json:
        emit(
            {
                "up": info is not None,
                "url": getattr(info, "url", None),
                "pid": getattr(info, "pid", None),
                "ui": (info.ui or info.url) if info else None,
            }
        )
    elif info is None:
        out("Prefect server: down (start it with `lookup server start`).")
    else:
        out(f"Prefect server: up at {info.url} (pid {info.pid}); UI: {info.ui or info.url}")


@app.command()
def serve() -> None:
    """Serve the research and re-verification deployments (starting the local server if needed)."""
    from flows.deployments import serve_deployments

    guarded(lambda: serve_deployments(settings_for_run()))


@app.command("import")
def import_ics(
    file: Annotated[Path, typer.Argument(help="A calendar export (.ics).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be researched.")
    ] = False,
    max_age_days: Annotated[
        int, typer.Option("--max-age-days", help="Skip interviews older than this many days.")
    ] = 30,
    smtp: SmtpOpt = False,
    smtp_proxy: ProxyOpt = None,
    m365_https: M365Opt = False,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
    submit: Annotated[bool, typer.Option(
        "--submit", help="All at once: one run per interview on the deployment's workers "
        "(or here, a few at a time, without one).")] = False,
    wait: WaitOpt = False,
) -> None:
    """Start one research run per new interview found in a calendar export."""
    mail = {"smtp_proxy": smtp_proxy, "m365_https": True if m365_https else None}
    if submit and not dry_run:
        from flows.cli_team import run_batch

        batch = guarded(lambda: _new_interviews(file, smtp=smtp, world=world,
                                                max_age_days=max_age_days, mail=mail))
        return run_batch(batch, world=world, wait=wait, as_json=as_json)
    report = guarded(
        lambda: _import(file, dry_run=dry_run, smtp=smtp, world=world, max_age_days=max_age_days,
                        mail=mail)
    )
    if as_json:
        emit(report)
    else:
        for item in report["researched"]:
            out(f"researched {item['name']} ({item['company']}): {item.get('card') or 'dry run'}")
        for index in report["panels"]:
            out(f"panel index: {index}")
        for item in report["skipped"]:
            out(f"skipped {item}")
        for problem in report["problems"]:
            out(f"could not parse: {problem}")
        for failure in report["failed"]:
            out(f"failed: {failure}")
    if report["failed"]:
        raise typer.Exit(1)


def _new_interviews(
    file: Path, *, smtp: bool, world: str | None, max_age_days: int, mail: dict[str, Any]
) -> list[dict[str, Any]]:
    """The research parameters of the calendar's interviews not researched yet (each
    panelist is one run; ``--submit`` writes no panel index, the runs being elsewhere)."""
    from flows.batch import import_params
    from flows.runtime import followup_defaults
    from lookup.ics import parse_interviews
    from lookup.interview import zone

    if not file.is_file():
        raise BadInputError(f"The calendar file {file} does not exist.")
    check_world(world)
    settings = settings_for_run(world, **mail)
    parsed = parse_interviews(file.read_text(encoding="utf-8", errors="replace"),
                              today=dt.date.today(), max_age_days=max_age_days,
                              tz=zone(followup_defaults(settings, {})["timezone"]))
    for problem in parsed.problems:
        stderr(f"could not parse: {problem}")
    with open_store(settings) as store:
        new = [i for i in parsed.interviews if not store.has_interview(i)]
    if not new:
        raise BadInputError(f"The calendar {file} has no interview that is not researched yet.")
    return [import_params(i, smtp=smtp or bool(mail["smtp_proxy"]), world=world) | mail
            for i in new]


def _import(
    file: Path, *, dry_run: bool, smtp: bool, world: str | None, max_age_days: int,
    mail: dict[str, Any],
) -> dict[str, Any]:
    from flows.batch import import_params, research_one, research_panel
    from flows.runtime import followup_defaults
    from lookup.ics import parse_interviews
    from lookup.interview import zone

    if not file.is_file():
        raise BadInputError(f"The calendar file {file} does not exist.")
    check_world(world)
    settings = settings_for_run(world, **mail)
    tz = zone(followup_defaults(settings, {})["timezone"])
    parsed = parse_interviews(
        file.read_text(encoding="utf-8", errors="replace"),
        today=dt.date.today(),
        max_age_days=max_age_days,
        tz=tz,
    )
    with open_store(settings) as store:
        new = [i for i in parsed.interviews if not store.has_interview(i)]
    skipped = [f"{i.name} ({i.company}): already researched" for i in parsed.interviews
               if i not in new]
    report: dict[str, Any] = {"researched": [], "panels": [], "skipped": skipped,
                              "problems": list(parsed.problems), "failed": []}
    if dry_run:
        report["researched"] = [{"name": i.name, "company": i.company, "card": None} for i in new]
        return report
    if new:
        require_network(settings)
        if prefect_api(settings) is None:
            stderr(FAST_RUNS_HINT)
        import flows.research  # noqa: F401  (Prefect's log handlers exist from here on)

        quiet_expected_failures()
    for group in _by_event(new):
        params = import_params(group[0], smtp=smtp or bool(mail["smtp_proxy"]), world=world)
        params |= mail
        summaries: list[dict[str, Any]] = []
        failures: list[str] = []
        try:
            if len(group) > 1:
                done = research_panel(params, [i.name for i in group], settings)
                report["panels"].append(done["panel_index"])
                summaries, failures = done["interviewers"], done["failed"]
            else:
                summaries.append(research_one(params))
        except Exception as exc:  # reported; the other interviews still run
            failures.append(f"{', '.join(i.name for i in group)}: {exc}")
        report["researched"] += [{"name": x["name"], "company": x["company"], "card": x["card"]}
                                 for x in summaries]
        report["failed"] += failures
    return report


def _by_event(interviews: list[Any]) -> list[list[Any]]:
    """Interviews grouped by panel: the members of one panel (still new) run together."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for i in interviews:
        key = (i.company, i.interview_date, i.panel) if i.panel else (id(i),)
        groups.setdefault(key, []).append(i)
    return [sorted(g, key=lambda i: i.panel.index(i.name) if i.panel else 0)
            for g in groups.values()]


@world_app.command("serve")
def world_serve(
    directory: Annotated[Path, typer.Argument(help="The world directory.")],
    endpoints: Annotated[Path | None, typer.Option(
        "--endpoints", help="Write where the world listens to this JSON file; runs with "
        "LOOKUP_WORLD_ENDPOINTS=FILE use this one world (shared by every worker).")] = None,
) -> None:
    """Serve a world in the foreground and print its endpoints (Ctrl-C stops it)."""
    from lookup.world import serve_forever

    guarded(lambda: (check_world(str(directory)),
                     serve_forever(directory, endpoints_file=endpoints)))
