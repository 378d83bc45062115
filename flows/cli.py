"""The `lookup` command line. Thin: it checks input, sets up Prefect and calls flows or the library.

Exit codes: 0 success, 1 the run failed, 2 bad input. Data goes to stdout
(JSON with ``--json``); progress and hints go to stderr. Prefect is imported
only by the commands that run flows, so the others start fast.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from flows._cli import (
    BatchOpt,
    JsonOpt,
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
    quiet_expected_failures,
    require_network,
    settings_for_run,
    stderr,
    world_settings,
)
from lookup.errors import BadInputError
from lookup.text import inert_data

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
    recruiter: Annotated[str | None, typer.Option(help="Your recruiter's name.")] = None,
    notes: Annotated[str | None, typer.Option(help="Your own notes from the interview.")] = None,
    smtp: SmtpOpt = False,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
    batch: BatchOpt = None,
    wait: WaitOpt = False,
) -> None:
    """Research one interviewer and write their briefing card (or each row of --batch FILE.csv)."""
    if batch is not None:
        from flows.cli_team import research_batch

        return research_batch(batch, given=(name, company), smtp=smtp, world=world, wait=wait,
                              as_json=as_json)
    if name is None or company is None:  # empty strings get make_interview's sentence
        fail("Give the interviewer's name and --company COMPANY (or --batch FILE.csv).", 2)
    summary = guarded(
        lambda: _research(
            dict(
                name=name,
                company=company,
                domain=domain,
                role=role,
                interview_date=interview_date,
                recruiter=recruiter,
                notes=notes,
                smtp=True if smtp else None,
                world=world,
            )
        )
    )
    if as_json:
        emit(summary)
    else:
        print_summary(summary)


def _research(params: dict[str, Any]) -> dict[str, Any]:
    from lookup.interview import make_interview

    make_interview(  # bad input stops here, before Prefect starts or anything is written
        params["name"],
        params["company"],
        domain=params["domain"],
        role=params["role"],
        interview_date=params["interview_date"],
        recruiter=params["recruiter"],
        notes=params["notes"],
    )
    check_world(params["world"])
    settings = settings_for_run(params["world"])
    check_world(settings.general.world or None)
    require_network(settings)
    if prefect_api(settings) is None:
        stderr(FAST_RUNS_HINT)
    from flows.research import research_interviewer

    quiet_expected_failures()
    return asyncio.run(research_interviewer(**params))


# -- guess and verify -------------------------------------------------------


@app.command()
def guess(
    name: Annotated[str, typer.Argument(help="The person's name.")],
    domain: Annotated[str, typer.Option("--domain", "-d", help="Their company's mail domain.")],
    known: Annotated[
        list[str] | None,
        typer.Option("--known", "-k", help='A colleague\'s address, "Full Name <addr>"; repeat.'),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many candidates to show.")] = 5,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank likely addresses for a name at a domain (no network)."""
    from lookup.address.patterns import parse_known, predict
    from lookup.card.render import percent
    from lookup.interview import clean_domain, clean_name

    def run() -> list[Any]:
        settings = settings_for_run(world)
        evidence = [parse_known(k) for k in known or []]
        test_env = bool(settings.general.world)
        return predict(
            clean_name(name),
            clean_domain(domain) or "",
            evidence,
            limit=limit,
            test_environment=test_env,
        )

    candidates = guarded(run)
    rows = [
        {
            "address": c.address,
            "probability": round(c.probability, 4),
            "format": c.format,
            "support": c.support,
            "evidence": c.evidence_total,
            "explanation": c.explanation,
        }
        for c in candidates
    ]
    if as_json:
        emit(rows)
        return
    if not rows:
        out("No valid candidate address (is the domain right?).")
    for row in rows:
        out(f"{percent(row['probability']):>5}  {row['address']:<36} {row['explanation']}")


@app.command()
def verify(
    addresses: Annotated[list[str], typer.Argument(help="One or more addresses.")],
    smtp: SmtpOpt = False,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check addresses: syntax, DNS MX, provider, and optionally SMTP."""
    from lookup.mail.verify import Verifier, verification_to_json

    def run() -> list[Any]:
        check_world(world)
        with world_settings(settings_for_run(world)) as settings:

            async def go() -> list[Any]:
                return await Verifier(settings).verify_many(addresses, smtp=True if smtp else None)

            return asyncio.run(go())

    results = guarded(run)
    for v in results:
        if as_json:
            out(json.dumps(inert_data(verification_to_json(v)), ensure_ascii=False, default=str))
        else:
            out(f"{v.address}: {v.status}")
            for reason in v.reasons:
                out(f"  - {reason}")


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
    for p in people:
        address = p.address or "no address"
        out(f"{p.slug:<32} {p.name} ({p.company}) {address} [{p.status or 'unchecked'}]")


def _summary_json(p: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
        for k, v in asdict(p).items()
    }


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
    world: WorldOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-check stored contacts and record what changed."""
    if all_ and due:
        fail("Choose --all or --due, not both.", 2)

    def run() -> dict[str, Any]:
        check_world(world)
        settings = settings_for_run(world)
        if prefect_api(settings) is None:
            stderr(FAST_RUNS_HINT)
        from flows.reverify import reverify_contacts

        return asyncio.run(
            reverify_contacts(
                everything=all_, research=research_again, smtp=True if smtp else None, world=world
            )
        )

    report = guarded(run)
    if as_json:
        emit(report)
        return
    out(
        f"Checked {report['checked']} address(es); {len(report['changes'])} change(s); "
        f"purged {len(report['purged'])} expired contact(s)."
    )
    for change in report["changes"]:
        out(f"  - {change['address']}: {change['what']}")


# The server, serve, import and world commands, registered after these to keep --help's order.
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
