"""`lookup` commands about people: research, guess, list, show, forget, reverify.

Each command builds what it was asked (for research, one ``ResearchRequest`` per
interviewer), checks it before anything starts, and keeps the convention of
``flows/cli/_output.py``. Prefect is imported only by the commands that run flows,
so the others start fast.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from flows.cli._app import (
    AllCandidatesOpt,
    BatchOpt,
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
    wait_timeout,
    whose,
)
from flows.cli._output import convention, emit, fail, fail_some, out, say
from flows.cli._runs import (
    first_queries,
    print_summary,
    run_many,
    show_requests,
    start_research,
)
from flows.runtime import (
    FAST_RUNS_HINT,
    connect_prefect,
    request_settings,
    require_unlisted_ip,
    settings_for_run,
    with_settings,
)
from lookup.errors import BadInputError, ServerError
from lookup.intake.followup import followup_state, state_phrase
from lookup.intake.request import ResearchRequest, check_proxy_choice, panel_names

__all__ = ["forget", "guess", "list_people", "research", "reverify", "show"]

# Options that describe one interview: a batch file gives them per row, never for all.
PER_INTERVIEW = ("domain", "role", "interview_date", "interview_time", "notes", "panel",
                 "honorific")


# -- research ---------------------------------------------------------------


@app.command()
@convention
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
    candidate: CandidateOpt = None,
    smtp: SmtpOpt = False,
    smtp_proxy: ProxyOpt = None,
    m365_https: M365Opt = False,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
    batch: BatchOpt = None,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Research one interviewer (or a panel) and write their briefing card and reminder;
    or each row of --batch FILE.csv."""
    given: dict[str, Any] = dict(
        name=name, company=company, domain=domain, role=role, interview_date=interview_date,
        interview_time=interview_time, timezone=timezone, recruiter=recruiter, notes=notes,
        panel=panel, honorific=honorific, tone=tone, language=language, candidate=candidate,
        smtp=True if smtp else None, smtp_proxy=smtp_proxy,
        m365_https=True if m365_https else None, world=world,
    )
    if batch is not None:
        return _research_batch(batch, given, wait=wait, timeout_s=wait_timeout(wait, timeout),
                               dry_run=dry_run, as_json=as_json)
    if wait or timeout is not None:
        raise BadInputError("--wait follows the runs of a batch: give it with --batch FILE.csv.")
    if name is None or company is None:  # empty strings get the request's own sentence
        raise BadInputError("Give the interviewer's name and --company COMPANY "
                            "(or --batch FILE.csv).")
    request = ResearchRequest(**{**given, "panel": panel_names(panel)})
    settings = request_settings(request)
    request = with_settings(request, settings)  # bad input stops here: nothing has started
    if dry_run:
        return show_requests([request], as_json=as_json)
    # issue 30: refuse from a listed IP (said before the network check, at once)
    with start_research(settings, smtp=request.smtp, queries=first_queries(request)) as timeline:
        from flows.research import research_here

        if request.panel:
            return _panel(request, settings, as_json=as_json)
        summary = research_here(request)
    summary["timings"] = timeline | summary["timings"] | {"returned": time.time()}
    if as_json:
        emit(summary)
    else:
        print_summary(summary)


def _panel(request: ResearchRequest, settings: Any, *, as_json: bool) -> None:
    from flows.panel import research_panel
    from flows.research import research_here

    done = research_panel(request, settings, research_here)
    if as_json:
        emit(asdict(done))
    else:
        for one in done.interviewers:
            print_summary(one)
            out()
        out(f"Panel index: {done.panel_index}")
    for failure in done.failed:
        say(f"Failed: {failure}")
    fail_some(len(done.failed), len(request.panel))


def _research_batch(
    path: Path, given: dict[str, Any], *, wait: bool, timeout_s: float, dry_run: bool,
    as_json: bool,
) -> None:
    """`lookup research --batch FILE.csv`: read and check every row, then run them all.

    The run options apply to every row, the follow-up options fill what a row leaves
    out; an option that describes one interview is refused (it belongs in a column)."""
    from flows.batch import read_batch

    if given["name"] or given["company"]:
        raise BadInputError("Give either a name and --company, or --batch FILE.csv, not both.")
    for option in PER_INTERVIEW:
        if given[option]:
            flag = "--" + option.replace("_", "-")
            raise BadInputError(f"{flag} describes one interview; with --batch, give it in the "
                                f"batch file's {option} column.")
    # a proxy's name is the workers' when the runs go to them: checked where the runs run
    check_proxy_choice(given["smtp_proxy"])
    settings = settings_for_run(given["world"], m365_https=given["m365_https"])
    options = {k: v for k, v in given.items() if k not in PER_INTERVIEW}
    requests, notes = read_batch(path, settings=settings, options=options)
    for note in notes:
        say(f"Note: {note}")
    if dry_run:
        return show_requests(requests, as_json=as_json)
    run_many(requests, settings, wait=wait, timeout_s=timeout_s, as_json=as_json)


# -- guess ------------------------------------------------------------------------


@app.command()
@convention
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
    """Rank likely addresses for a name at a domain (no network).

    With --json, one object: the ranked ``candidates`` and, with --explain, the ``steps``
    (empty without it)."""
    from lookup.address import patterns
    from lookup.card.render import percent
    from lookup.intake.interview import clean_domain, clean_name

    settings = settings_for_run(world)
    where = clean_domain(domain) or ""
    evidence = [patterns.parse_known(k) for k in known or []]
    hints = [h for text in hint or [] for h in _parse_hint(text, where)]
    args = (clean_name(name), where, evidence)
    test_env = bool(settings.general.world)
    ranked = patterns.predict(*args, hints=hints, limit=limit, test_environment=test_env)
    steps = patterns.explain(*args, hints=hints, test_environment=test_env) if explain else []
    rows = _candidate_rows(ranked)
    if as_json:
        emit({"candidates": rows, "steps": _step_rows(steps)})
        return
    if explain:
        out("\n".join(_explain_lines(steps)) + "\n\nRanked:")
    if not rows:
        say("No valid candidate address (is the domain right?).")
    for row in rows:
        out(f"{percent(row['probability']):>5}  {row['address']:<36} {row['explanation']}")


_PASTED = re.compile(r"\s*(https?://[^\s/]+\S*)\s+(\S.*)", re.DOTALL)


def _parse_hint(text: str, domain: str) -> list[Any]:
    """A format hint typed by the user, or BadInputError saying how to write one.

    A search result pasted with its address first ("https://site/page The email format of
    ... is ...") keeps that address as the claim's source: the site, not the user, says it.
    """
    from lookup.address.hints import typed_hint
    from lookup.models import Source

    pasted = _PASTED.match(text)
    url, words = (pasted.group(1), pasted.group(2)) if pasted else ("", text)
    source = (Source(url=url, title="a search result you gave", snippet=words, kind="user")
              if url else Source(url="", title="given by the user", snippet=text, kind="user"))
    found = typed_hint(words, domain, source)
    if not found:
        raise BadInputError(
            f"{text!r} names no address format; write it like 'first.last', '{{f}}{{last}}', "
            "'jsmith@' or paste the search snippet that says it."
        )
    return found


def _candidate_rows(candidates: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "address": c.address,
            "probability": round(c.probability, 4),
            "format": c.format,
            "support": c.support,
            "evidence": c.evidence_total,
            "explanation": c.explanation,
            "claimed_by": [s.url or s.title for s in c.claimed_by],
        }
        for c in candidates
    ]


def _step_rows(steps: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "evidence": s.evidence or "none",
            "source": s.source,
            "context": list(s.context),
            "candidates": [{"address": c.address, "probability": round(c.probability, 4)}
                           for c in s.candidates],
        }
        for s in steps
    ]


def _explain_lines(steps: Sequence[Any]) -> list[str]:
    """Each piece of evidence, then the top addresses once it counts, with the change."""
    from lookup.card.render import percent

    lines = ["How each piece of evidence moved the probabilities (in the order given):"]
    before: dict[str, float] = {}
    for step in steps:
        if not step.evidence:
            lines.append("  no evidence: how companies write addresses elsewhere, for")
            lines += [f"      {line}" for line in step.context]
        else:
            source = f" [{step.source}]" if step.source else ""
            lines.append(f"  + {step.evidence}{source}")
        now = {c.address: c.probability for c in step.candidates}
        for address, p in now.items():
            change = ""
            if before:
                delta = round(100 * (p - before.get(address, 0.0)))
                change = f"{delta:+d} points" if delta else "unchanged"
            lines.append(f"      {percent(p):>5}  {address:<36} {change}".rstrip())
        before = {**before, **now}
    return lines


# -- stored people ----------------------------------------------------------


@app.command("list")
@convention
def list_people(
    candidate: CandidateOpt = None, all_candidates: AllCandidatesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List everyone you researched (--all-candidates: everyone's), with their address and
    its latest status."""
    settings = settings_for_run()
    own = whose(settings, candidate, all_candidates)
    with open_store(settings) as store:
        people = store.list_people(own)
    if as_json:
        emit([_person_json(p) for p in people])
        return
    if not people:
        say(f"Nobody researched yet{f' for {own}' if own else ''}: try "
            "`lookup research NAME --company COMPANY`.")
    now = dt.datetime.now(dt.UTC)
    for p in people:
        address = p.address or "no address"
        due = state_phrase(p.followup_due, now)
        rounds = f" ({p.rounds} interviews)" if p.rounds > 1 else ""
        by = f" for {p.candidate or 'nobody'}" if own is None else ""
        out(f"{p.slug:<32} {p.name} ({p.company}) {address} [{p.status or 'unchecked'}]"
            f"{rounds}{by}{'  ' + due if due else ''}")


def _person_json(p: Any) -> dict[str, Any]:
    found = {
        k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
        for k, v in asdict(p).items()
    }
    found["followup"] = followup_state(p.followup_due, dt.datetime.now(dt.UTC))
    return found


def _find(store: Any, person: str, candidate: str | None) -> Any:
    found = store.find_person(person, candidate)
    if found is None:
        mine = f" for {candidate}" if candidate else ""
        raise BadInputError(f"Nobody called {person!r} is stored{mine}; `lookup list` shows "
                            "who is" + (" (--all-candidates: for everyone)." if mine else "."))
    return found


@app.command()
@convention
def show(
    person: Annotated[str, typer.Argument(help="The name as given to research, or the slug.")],
    raw: Annotated[bool, typer.Option(
        "--raw", help="Print the card's Markdown as written (what a pipe or file gets anyway)."
    )] = False,
    candidate: CandidateOpt = None,
    all_candidates: AllCandidatesOpt = False,
) -> None:
    """Print your briefing card on a person (--all-candidates: the latest anyone's): rendered
    for a terminal, as Markdown otherwise."""
    from lookup.card.write import card_path_for

    settings = settings_for_run()
    own = whose(settings, candidate, all_candidates)
    with open_store(settings) as store:
        found = _find(store, person, own)
    path = Path(found.card_path or card_path_for(settings, found.slug, found.candidate))
    if not path.is_file():
        raise BadInputError(f"The card {path} is missing; run the research again to rewrite it.")
    card = path.read_text(encoding="utf-8")  # inert Markdown already
    if raw or not sys.stdout.isatty():  # a pipe or a file gets the Markdown, as written
        print(card, end="")
        return
    from lookup.card.terminal import to_terminal  # markdown-it only when a terminal reads

    columns = min(shutil.get_terminal_size().columns, 100)
    print(to_terminal(card, columns=columns, style="NO_COLOR" not in os.environ), end="")


@app.command()
@convention
def forget(
    person: Annotated[str, typer.Argument(help="The name as given to research, or the slug.")],
    candidate: CandidateOpt = None,
    all_candidates: AllCandidatesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete what is stored about a person for you (--all-candidates: for everyone): rows,
    card, cached pages and searches, and Prefect's records of the runs.

    Runs for them still going are cancelled first; a run that ends later writes nothing.
    The public part (profile, addresses, sources) stays while another candidate keeps the
    person. Exits 1 when something could not be removed."""
    settings = settings_for_run()
    own = whose(settings, candidate, all_candidates)
    with open_store(settings) as store:
        found = store.find_person(person, own)
        name = found.name if found else " ".join(person.split())
        known = store.candidates()  # whose card artifacts Prefect may hold on them
        api, prefect = _prefect_for_forget(settings)
        cancelled = _cancel_in_flight(name, own) if api is not None else []
        searches: list[int] = []  # the tombstone: a run still going writes nothing when it ends
        if found is not None:
            report = store.forget(found.slug, candidate=own,
                                  while_locked=lambda r: _forget_files(settings, r, searches))
        elif cancelled:  # nothing stored yet, a first run still going: it must write nothing
            store.tombstone(name, own)
            report = _nothing_stored(name, own)
        else:
            _find(store, person, own)  # nobody: the sentence, exit 2
    if cancelled:  # their last records (states, logs) land before Prefect's are removed
        from flows.privacy import wait_ended

        prefect["cancelled"] = {"runs": len(cancelled),
                                "still_going": asyncio.run(wait_ended(cancelled))}
    if "error" not in prefect:
        from flows.privacy import forget_prefect  # after connect_prefect: Prefect reads it once

        only_theirs = own is not None and (report.shared_kept or not report.found)
        prefect |= forget_prefect(settings, name, report.slug, api=api,
                                  candidates=[own] if only_theirs else None, known=known)
    removed = {
        "slug": report.slug,
        "name": name,
        "candidate": own,
        "shared_kept": report.shared_kept,
        "rows": _rows_json(report),
        "files": [f for f in report.files if not f.startswith(str(settings.cache_dir))],
        "cached_searches": sum(searches),
        "cached_files": sum(f.startswith(str(settings.cache_dir)) for f in report.files),
        "prefect": prefect,
    }
    if as_json:
        emit(removed)
    else:
        _print_forgotten(removed)
    problems = [p for p in (prefect.get("error"), prefect.get("not_removed")) if p]
    elsewhere = _cards_elsewhere(settings, report)
    if elsewhere:
        problems.append(f"The card {elsewhere[0]} lies in another machine's data folder: run "
                        "forget there too, or give every worker one shared data folder.")
    going = (prefect.get("cancelled") or {}).get("still_going")
    if going:
        problems.append(f"{len(going)} run(s) for them did not stop within a minute of being "
                        "cancelled; they will write nothing, but their records in Prefect may "
                        "stay: run forget again once they end.")
    if problems:
        fail(" ".join(problems))


def _cards_elsewhere(settings: Any, report: Any) -> list[str]:
    """Cards the forgotten interviews recorded outside this machine's data folder (a worker's
    own folder): this command cannot remove them."""
    mine = settings.briefings_dir
    return [c for c in report.cards if not Path(c).resolve().is_relative_to(mine)]


def _nothing_stored(name: str, candidate: str | None) -> Any:
    """The report of a forget that found no rows (only runs still going, now cancelled)."""
    from lookup.slug import slugify
    from lookup.store import ForgetReport

    return ForgetReport(found=False, slug=slugify(name), name=name, candidate=candidate)


def _prefect_for_forget(settings: Any) -> tuple[str | None, dict[str, Any]]:
    """The Prefect API in use, or why Prefect's records cannot be reached."""
    try:
        api = connect_prefect(settings, runs=False)  # no new database just to find nothing
    except ServerError as exc:  # ours is gone already; say what of Prefect's is left
        return None, {"error": f"Prefect's records could not be removed: {exc}"}
    if api is None and (settings.prefect_home / "prefect.db").is_file():
        say("Removing Prefect's records of the runs (starting its temporary server)...")
    return api, {}


def _cancel_in_flight(name: str, candidate: str | None) -> list[str]:
    from flows.privacy import cancel_in_flight

    found = asyncio.run(cancel_in_flight(name, candidate))
    if found:
        say(f"Cancelled {len(found)} run(s) for {name} still going.")
    return found


def _forget_files(settings: Any, report: Any, searches: list[int]) -> list[Path]:
    """The person's files, removed under their lock (so no run can write them back); the
    cached searches naming them too (counted in ``searches``) unless another candidate keeps
    the person."""
    from lookup.store import forget_files
    from lookup.web.session import forget_cached

    if not report.shared_kept:
        searches.append(forget_cached(settings.cache_dir / "search", report.name))
    return forget_files(settings.data_dir, report.slug, report.name, candidate=report.candidate,
                        cards=report.cards, shared=not report.shared_kept)


def _print_forgotten(removed: dict[str, Any]) -> None:
    rows = ", ".join(f"{n} {table}" for table, n in removed["rows"].items() if n)
    whose_ = f" for {removed['candidate']}" if removed["candidate"] else ""
    out(
        f"Forgot {removed['name']} ({removed['slug']}){whose_}: {rows or 'no rows'}; "
        f"{len(removed['files'])} file(s); {removed['cached_searches']} cached search(es)."
    )
    for f in removed["files"]:
        out(f"  removed {f}")
    if removed["shared_kept"]:
        out("  Their public profile and address evidence stay: another candidate keeps them.")
    prefect = removed["prefect"]
    if prefect.get("flow_runs") or prefect.get("artifacts") or prefect.get("scrubbed"):
        scrubbed = sum((prefect.get("scrubbed") or {}).values())
        out(f"  Prefect: {prefect.get('flow_runs', 0)} flow run(s), {prefect.get('artifacts', 0)} "
            f"artifact(s), {scrubbed} log line(s) and event(s) removed")


def _rows_json(report: Any) -> dict[str, int]:
    return {
        k: v for k, v in asdict(report).items() if isinstance(v, int) and not isinstance(v, bool)
    }


# -- re-verification -------------------------------------------------------------


@app.command()
@convention
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
        raise BadInputError("Choose --all or --due, not both.")
    settings = settings_for_run(world, smtp_proxy=smtp_proxy, m365_https=m365_https)
    require_unlisted_ip(settings, True if smtp or smtp_proxy else None)  # issue 30
    if connect_prefect(settings) is None:
        say(FAST_RUNS_HINT)
    from flows.reverify import reverify_contacts

    report = asyncio.run(reverify_contacts(
        everything=all_, research=research_again, smtp=True if smtp or smtp_proxy else None,
        world=world, smtp_proxy=smtp_proxy, m365_https=True if m365_https else None,
    ))
    for notice in report.get("notices", []):
        say(f"Note: {notice}")
    if as_json:
        emit(report)
    else:
        out(f"Checked {report['checked']} address(es); {len(report['changes'])} change(s); "
            f"purged {len(report['purged'])} expired contact(s).")
        for change in report["changes"]:
            out(f"  - {change['address']}: {change['what']}")
