"""The `lookup` command line. Thin: it checks input, sets up Prefect and calls flows or the library.

Exit codes: 0 success, 1 the run failed, 2 bad input. Data goes to stdout
(JSON with ``--json``); progress and hints go to stderr. Prefect is imported
only by the commands that run flows, so the others start fast.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from flows._cli import (
    BatchOpt,
    JsonOpt,
    M365Opt,
    ProxyOpt,
    SmtpOpt,
    WaitOpt,
    WorldOpt,
    app,
    check_world,
    emit,
    fail,
    guarded,
    open_store,
    out,
    print_summary,
)
from flows.runtime import (
    FAST_RUNS_HINT,
    prefect_api,
    settings_for_run,
    stderr,
)
from lookup.errors import BadInputError
from lookup.followup import followup_state, state_phrase

__all__ = ["app", "main"]


# -- research ---------------------------------------------------------------


@app.command()
def research(
    name: Annotated[str | None, typer.Argument(help="The interviewer's name, as written.")] = None,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="The company they work for.")
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="The company's mail domain, if you know it.")
    ] = None,
    role: Annotated[str | None, typer.Option(help="The role you interviewed for.")] = None,
    interview_date: Annotated[str | None, typer.Option(help="Interview date, YYYY-MM-DD.")] = None,
    interview_time: Annotated[str | None, typer.Option(
        help="Start, or start-end, on that date in your time zone: 14:00 or 14:00-14:45.")] = None,
    timezone: Annotated[str | None, typer.Option(
        help="Your IANA time zone, e.g. Europe/Berlin (default: followup.timezone, else "
             "this machine's).")] = None,
    recruiter: Annotated[str | None, typer.Option(
        help='Your recruiter: "Sam Lee <sam@agency.com>", a name or an address '
             "(default: followup.recruiter).")] = None,
    notes: Annotated[str | None, typer.Option(
        help="Your own notes: what you discussed. They become the draft's personal line.")] = None,
    panel: Annotated[str | None, typer.Option(
        help='The other interviewers of a panel, comma-separated: "Lee Park, Ana Silva". '
             "Each gets a card, the panel an index.")] = None,
    honorific: Annotated[str | None, typer.Option(
        help="For a formal greeting: Ms., Mrs., Mr., Mx., Dr. or Prof. (never guessed).")] = None,
    tone: Annotated[str | None, typer.Option(
        help="The draft's tone: friendly or formal (default: followup.tone).")] = None,
    language: Annotated[str | None, typer.Option(
        help="The draft's language: en, de, or your own draft.<code>.toml.")] = None,
    smtp: SmtpOpt = False,
    smtp_proxy: ProxyOpt = None,
    m365_https: M365Opt = False,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
    batch: BatchOpt = None,
    wait: WaitOpt = False,
) -> None:
    """Research one interviewer (or a panel) and write their briefing card and reminder;
    or each row of --batch FILE.csv."""
    if batch is not None:
        from flows.cli_team import research_batch

        return research_batch(batch, given=(name, company), smtp=smtp, world=world, wait=wait,
                              as_json=as_json)
    if name is None or company is None:  # empty strings get make_interview's sentence
        fail("Give the interviewer's name and --company COMPANY (or --batch FILE.csv).", 2)
    params = dict(
        name=name, company=company, domain=domain, role=role, interview_date=interview_date,
        recruiter=recruiter, notes=notes, smtp=True if smtp or smtp_proxy else None, world=world,
        smtp_proxy=smtp_proxy, m365_https=True if m365_https else None,
        interview_time=interview_time, timezone=timezone, honorific=honorific, tone=tone,
        language=language,
    )
    from flows.batch import run_research

    summary = guarded(lambda: run_research(params, panel))
    for notice in summary.get("notices", []):
        stderr(f"Note: {notice}")
    if as_json:
        emit(summary)
    elif "interviewers" in summary:
        for one in summary["interviewers"]:
            print_summary(one)
            out()
        for failure in summary["failed"]:
            out(f"Failed: {failure}")
        out(f"Panel index: {summary['panel_index']}")
    else:
        print_summary(summary)
    if summary.get("failed"):  # a panel where some research failed
        raise typer.Exit(1)


# -- guess (verify and doctor live in flows.cli_mail) -------------------------------------------------------


@app.command()
def guess(
    name: Annotated[str, typer.Argument(help="The person's name.")],
    domain: Annotated[str, typer.Option("--domain", "-d", help="Their company's mail domain.")],
    known: Annotated[
        list[str] | None,
        typer.Option("--known", "-k", help='A colleague\'s address, "Full Name <addr>"; repeat.'),
    ] = None,
    hint: Annotated[
        list[str] | None,
        typer.Option(help="A format a directory site gives: 'first.last', or its search "
                          "snippet (with the result's URL first to name the site); repeat."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show how each piece of evidence moved the odds.")
    ] = False,
    limit: Annotated[int, typer.Option(help="How many candidates to show.")] = 5,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank likely addresses for a name at a domain (no network)."""
    from flows._guess import candidate_rows, explain_lines, parse_hint, step_rows
    from lookup.address import patterns
    from lookup.card.render import percent
    from lookup.interview import clean_domain, clean_name

    def run() -> tuple[list[Any], list[Any]]:
        settings = settings_for_run(world)
        where = clean_domain(domain) or ""
        evidence = [patterns.parse_known(k) for k in known or []]
        hints = [h for text in hint or [] for h in parse_hint(text, where)]
        args = (clean_name(name), where, evidence)
        test_env = bool(settings.general.world)
        ranked = patterns.predict(*args, hints=hints, limit=limit, test_environment=test_env)
        steps = patterns.explain(*args, hints=hints, test_environment=test_env) if explain else []
        return ranked, steps

    candidates, steps = guarded(run)
    rows = candidate_rows(candidates)
    if as_json:
        emit({"candidates": rows, "steps": step_rows(steps)} if explain else rows)
        return
    if explain:
        out("\n".join(explain_lines(steps)) + "\n\nRanked:")
    if not rows:
        out("No valid candidate address (is the domain right?).")
    for row in rows:
        out(f"{percent(row['probability']):>5}  {row['address']:<36} {row['explanation']}")


# -- stored people ----------------------------------------------------------


@app.command("list")
def list_people(as_json: JsonOpt = False) -> None:
    """List everyone researched, with their address and its latest status."""

    def run() -> list[Any]:
        with open_store(settings_for_run()) as store:
            return store.list_people()

    people = guarded(run)
    if as_json:
        emit([_summary_json(p) for p in people])
        return
    if not people:
        out("Nobody researched yet: try `lookup research NAME --company COMPANY`.")
    now = dt.datetime.now(dt.UTC)
    for p in people:
        address = p.address or "no address"
        due = state_phrase(p.followup_due, now)
        rounds = f" ({p.rounds} interviews)" if p.rounds > 1 else ""
        out(f"{p.slug:<32} {p.name} ({p.company}) {address} [{p.status or 'unchecked'}]"
            f"{rounds}{'  ' + due if due else ''}")


def _summary_json(p: Any) -> dict[str, Any]:
    from dataclasses import asdict

    found = {
        k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
        for k, v in asdict(p).items()
    }
    found["followup"] = followup_state(p.followup_due, dt.datetime.now(dt.UTC))
    return found


def _find(store: Any, person: str) -> Any:
    found = store.find_person(person)
    if found is None:
        raise BadInputError(f"Nobody called {person!r} is stored; `lookup list` shows who is.")
    return found


@app.command()
def show(
    person: Annotated[str, typer.Argument(help="The name as given to research, or the slug.")],
) -> None:
    """Print a person's briefing card."""

    def run() -> str:
        settings = settings_for_run()
        with open_store(settings) as store:
            found = _find(store, person)
        path = Path(found.card_path or settings.briefings_dir / f"{found.slug}.md")
        if not path.is_file():
            raise BadInputError(
                f"The card {path} is missing; run the research again to rewrite it."
            )
        return path.read_text(encoding="utf-8")

    print(guarded(run), end="")  # the card is inert Markdown already (its zero-width marks kept)


@app.command()
def forget(
    person: Annotated[str, typer.Argument(help="The name as given to research, or the slug.")],
    as_json: JsonOpt = False,
) -> None:
    """Delete everything stored about a person: rows, card, cached pages and searches."""
    from lookup.store import forget_files
    from lookup.web.session import forget_cached

    def run() -> dict[str, Any]:
        settings = settings_for_run()
        with open_store(settings) as store:
            found = _find(store, person)
            report = store.forget(found.slug)
        files = forget_files(settings.data_dir, found.slug, found.name)
        cached = forget_cached(settings.cache_dir / "search", found.name)
        api = prefect_api(settings)
        if api is None and (settings.prefect_home / "prefect.db").is_file():
            stderr("Removing Prefect's records of the runs (starting its temporary server)...")
        from flows.privacy import forget_prefect

        return {
            "slug": found.slug,
            "name": found.name,
            "rows": _rows_json(report),
            "files": [str(f) for f in files],
            "cached_searches": cached,
            "prefect": forget_prefect(settings, found.name, found.slug, api=api),
        }

    removed = guarded(run)
    if as_json:
        emit(removed)
        return
    rows = ", ".join(f"{n} {table}" for table, n in removed["rows"].items() if n)
    out(
        f"Forgot {removed['name']} ({removed['slug']}): {rows or 'no rows'}; "
        f"{len(removed['files'])} file(s); {removed['cached_searches']} cached search(es)."
    )
    for f in removed["files"]:
        out(f"  removed {f}")
    prefect = removed["prefect"]
    if prefect.get("flow_runs") or prefect.get("artifacts") or prefect.get("scrubbed"):
        scrubbed = sum((prefect.get("scrubbed") or {}).values())
        out(f"  Prefect: {prefect.get('flow_runs', 0)} flow run(s), {prefect.get('artifacts', 0)} "
            f"artifact(s), {scrubbed} log line(s) and event(s) removed")
    for problem in (prefect.get("error"), prefect.get("not_removed")):
        if problem:
            stderr(problem)


def _rows_json(report: Any) -> dict[str, int]:
    from dataclasses import asdict

    return {
        k: v for k, v in asdict(report).items() if isinstance(v, int) and not isinstance(v, bool)
    }


# -- re-verification, serving, import -------------------------------------


@app.command()
def reverify(
    all_: Annotated[bool, typer.Option("--all", help="Re-check every stored contact.")] = False,
    due: Annotated[
        bool, typer.Option("--due", help="Re-check contacts due (the default).")
    ] = False,
    research_again: Annotated[
        bool, typer.Option("--research", help="Also re-run the research.")
    ] = False,
    smtp: SmtpOpt = False,
    smtp_proxy: ProxyOpt = None,
    m365_https: M365Opt = False,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-check stored contacts and record what changed."""
    if all_ and due:
        fail("Choose --all or --due, not both.", 2)

    def run() -> dict[str, Any]:
        check_world(world)
        settings = settings_for_run(world, smtp_proxy=smtp_proxy, m365_https=m365_https)
        if prefect_api(settings) is None:
            stderr(FAST_RUNS_HINT)
        from flows.reverify import reverify_contacts

        return asyncio.run(
            reverify_contacts(
                everything=all_, research=research_again, smtp=True if smtp or smtp_proxy else None,
                world=world, smtp_proxy=smtp_proxy, m365_https=True if m365_https else None,
            )
        )

    report = guarded(run)
    for notice in report.get("notices", []):
        stderr(f"Note: {notice}")
    if as_json:
        emit(report)
        return
    out(
        f"Checked {report['checked']} address(es); {len(report['changes'])} change(s); "
        f"purged {len(report['purged'])} expired contact(s)."
    )
    for change in report["changes"]:
        out(f"  - {change['address']}: {change['what']}")


# verify and doctor, then the server, serve, import and world commands, registered after
# these to keep --help's order.
import flows.cli_demo  # noqa: E402, F401
import flows.cli_mail  # noqa: E402, F401
import flows.cli_ops  # noqa: E402, F401
import flows.cli_team  # noqa: E402, F401


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:  # `lookup list | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
