"""Batches: many research requests at once, on the deployment's workers or here, a few at a time.

``lookup research --batch FILE.csv`` and ``lookup import FILE.ics`` (``--submit``)
both end here. Every request is built and checked before anything starts (a bad
CSV row stops the batch with its line number, nothing submitted; an unusable
calendar event is reported and left out). Then ``run_batch``:

- with the research deployment registered on the Prefect server (``lookup
  deploy``), each request becomes one flow run of it, picked up by whichever
  worker is free; with ``wait`` they are followed until they end or ``timeout_s``
  passes, each reported as it finishes;
- otherwise (no server, or no deployment) the runs go here, in this process,
  ``prefect.batch_concurrency`` at a time, reported as each finishes.

A CSV file (as a spreadsheet saves it: ``lookup.intake.sheet``) has a header row
naming its columns, the same as the options of ``lookup research``: ``name`` and
``company`` (required), ``domain``, ``role``, ``interview_date`` (YYYY-MM-DD),
``interview_time`` (14:00 or 14:00-14:45), ``timezone``, ``recruiter``, ``notes``,
``panel``, ``honorific``, ``tone``, ``language``, and ``world`` (an offline world
directory for that row; ``--world`` for every row). Dashes or spaces in a header
stand for underscores, case does not matter. What a row leaves out comes from the
command's options, then the submitter's settings (``[followup]``), as for one
``lookup research``. A panel is one row per panelist (no panel index is written).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lookup.errors import BadInputError, LookupToolError
from lookup.intake.request import INTERVIEW_FIELDS, ResearchRequest
from lookup.settings import Settings

__all__ = [
    "COLUMNS", "CalendarBatch", "Outcome", "find_deployment", "read_batch", "read_calendar",
    "run_batch", "run_here", "run_key", "submit",
]

COLUMNS = (*INTERVIEW_FIELDS, "world")
POLL_S = 2.0
PAGE = 200  # Prefect refuses to list more runs than this in one request
SUBMITTING = 8  # runs created at once: the server's round trips overlap, its database is not swamped
RESUBMITS = 5  # a row whose runs keep failing is submitted again at most this often per call
FINAL = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
FAILURES = frozenset({"FAILED", "CRASHED", "CANCELLED"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one request of a batch."""

    name: str
    company: str
    state: str  # SUBMITTED, COMPLETED, FAILED, CRASHED, CANCELLED; or, past the wait, the last seen
    message: str = ""
    card: str | None = None
    flow_run_id: str | None = None
    flow_run_name: str | None = None
    seconds: float | None = None
    earlier: bool = False  # its run was submitted before (same row, same day), not by this call

    @property
    def failed(self) -> bool:
        return self.state in FAILURES

    @property
    def unfinished(self) -> bool:
        """Followed, but not over when the wait ran out (it goes on on its worker)."""
        return self.state not in FINAL and self.state != "SUBMITTED"


Progress = Callable[[int, int, Outcome], None]
Say = Callable[[str], None]


# -- reading -------------------------------------------------------------------------


def read_batch(
    path: Path, *, settings: Settings, options: Mapping[str, Any] | None = None,
) -> tuple[list[ResearchRequest], tuple[str, ...]]:
    """The request of every row of a CSV file, each checked, and notes on how the file was
    read; BadInputError names the physical line of the first bad row.

    ``options`` (the command's: run options and follow-up defaults) fill what a row leaves
    out; then the submitter's ``settings`` do.
    """
    from flows.runtime import check_world, with_settings
    from lookup.intake.sheet import read_sheet

    if not path.is_file():
        raise BadInputError(f"The batch file {path} does not exist.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"The batch file {path} could not be read: {exc}.") from exc
    sheet = read_sheet(data, name=str(path), columns=COLUMNS,
                       required=("name", "company"), date_columns=("interview_date",),
                       time_columns=("interview_time",))
    batch: list[ResearchRequest] = []
    for row in sheet.rows:
        try:
            request = ResearchRequest.from_row(row.values, defaults=options)
            check_world(request.world)
            if request.world:  # workers run elsewhere: the path must not depend on the cwd
                request = replace(request, world=str(Path(request.world).expanduser().resolve()))
            batch.append(with_settings(request, settings))
        except BadInputError as exc:
            raise BadInputError(f"Line {row.line} of {path}: {exc}") from exc
    if not batch:
        raise BadInputError(f"The batch file {path} has no interviews under its header.")
    return batch, sheet.notes


@dataclass(frozen=True, slots=True)
class CalendarBatch:
    """The requests of a calendar's new interviews (a panel's new members as one request),
    the interviews already researched, and a sentence per event that cannot be used."""

    requests: list[ResearchRequest] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def runs(self) -> list[ResearchRequest]:
        """One request per interviewer: a panel's members apart (no index card)."""
        return [r.for_panelist(n) for r in self.requests for n in (r.panel or (r.name,))]


def read_calendar(
    path: Path, *, settings: Settings, max_age_days: int, options: Mapping[str, Any],
    known: Callable[[Any], bool],
) -> CalendarBatch:
    """The requests of the interviews in a calendar export that ``known`` does not know yet.

    Times are read in the user's zone (``followup.timezone``, else this machine's); an
    event whose interview breaks the request's rules (a panel of 14, a name with control
    characters) becomes a problem sentence, as an unreadable event does.
    """
    from flows.runtime import with_settings
    from lookup.intake.ics import parse_interviews
    from lookup.intake.interview import zone
    from lookup.settings import local_timezone

    if not path.is_file():
        raise BadInputError(f"The calendar file {path} does not exist.")
    text = path.read_bytes().decode("utf-8-sig", errors="replace")  # Outlook writes a BOM
    parsed = parse_interviews(text, today=dt.date.today(), max_age_days=max_age_days,
                              tz=zone(local_timezone(settings.followup.timezone)))
    new = [i for i in parsed.interviews if not known(i)]
    batch = CalendarBatch(skipped=[f"{i.name} ({i.company}): already researched"
                                   for i in parsed.interviews if i not in new],
                          problems=list(parsed.problems))
    for group in _by_event(new):
        try:
            request = ResearchRequest.from_interview(group[0], **options)
            if request.panel:
                request = replace(request, panel=tuple(i.name for i in group))
            batch.requests.append(with_settings(request, settings))
        except BadInputError as exc:
            who = ", ".join(i.name for i in group)
            batch.problems.append(f"The interview with {who} ({group[0].company}) cannot be "
                                  f"researched: {exc}")
    return batch


def _by_event(interviews: list[Any]) -> list[list[Any]]:
    """Interviews grouped by panel: the members of one panel (still new) run together."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for i in interviews:
        key = (i.company, i.interview_date, i.panel) if i.panel else (id(i),)
        groups.setdefault(key, []).append(i)
    return [sorted(g, key=lambda i: i.panel.index(i.name) if i.panel else 0)
            for g in groups.values()]


# -- running -------------------------------------------------------------------------


def run_batch(
    batch: Sequence[ResearchRequest], settings: Settings, *, api: str | None, wait: bool,
    timeout_s: float, progress: Progress, say: Say,
) -> list[Outcome]:
    """Submit to the research deployment when the server has one, else run here."""
    from flows.deployments import RESEARCH_DEPLOYMENT
    from flows.runtime import quiet_expected_failures

    found = asyncio.run(find_deployment(RESEARCH_DEPLOYMENT)) if api else None
    quiet_expected_failures()
    if found is not None:
        say(f"Submitting {len(batch)} run(s) to {RESEARCH_DEPLOYMENT} on {api}.")
        if wait:
            say(f"Waiting up to {timeout_s:g} s for the {len(batch)} run(s) to finish on the "
                "workers (Ctrl-C stops waiting; the runs go on).")
        return asyncio.run(submit(batch, found, wait=wait, timeout_s=timeout_s,
                                  progress=progress))
    from flows.runtime import with_proxy

    for proxy in sorted({r.smtp_proxy for r in batch if r.smtp_proxy}):
        with_proxy(settings, proxy)  # a name this machine's settings lack: said once, not per run
    where = "no deployment is registered there (lookup deploy)" if api else "no Prefect server"
    concurrency = settings.prefect.batch_concurrency
    say(f"Running {len(batch)} interview(s) here, {concurrency} at a time ({where}).")
    return asyncio.run(run_here(batch, concurrency=concurrency, progress=progress))


async def find_deployment(name: str) -> Any | None:
    """The deployment on the Prefect server this process talks to, or None when it is not there."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async with get_client() as client:
        try:
            return await client.read_deployment_by_name(name)
        except ObjectNotFound:
            return None


async def submit(
    batch: Sequence[ResearchRequest], deployment: Any, *, wait: bool, progress: Progress,
    timeout_s: float = 3600.0, today: dt.date | None = None,
) -> list[Outcome]:
    """One flow run of ``deployment`` per request, unless the same request was submitted today
    already (``run_key``): then its run is reported (and followed) instead, and only a run
    that ended Failed, Crashed or Cancelled is submitted again. With ``wait``, follow the
    runs to the end or until ``timeout_s`` has passed."""
    from prefect.client.orchestration import get_client

    day = today or dt.datetime.now(dt.UTC).date()
    gate = asyncio.Semaphore(SUBMITTING)

    async def one(request: ResearchRequest) -> Outcome:
        async with gate:
            return await _submit_one(client, deployment.id, request, run_key(request, day))

    async with get_client() as client:
        # The first alone: with CSRF protection on, a client fetches its token at its first
        # change, and concurrent first changes would each fetch one, replacing the others'.
        outcomes = [await one(r) for r in batch[:1]]
        outcomes += await asyncio.gather(*(one(r) for r in batch[1:]))
        if not wait:
            return outcomes
        return await _follow(client, outcomes, progress, deadline=time.monotonic() + timeout_s)


def run_key(request: ResearchRequest, day: dt.date) -> str:
    """The idempotency key of a request's run: the row's content and the day (UTC), so the
    same file submitted again after a partial failure creates only the runs that are missing,
    and the same interview submitted on another day is researched again."""
    params = json.dumps(request.to_params(), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(params.encode("utf-8")).hexdigest()[:32]
    return f"lookup-{day.isoformat()}-{digest}"


async def _submit_one(client: Any, deployment_id: Any, request: ResearchRequest,
                      key: str) -> Outcome:
    """Create the request's run (or find the one its key already names); a run that ended in
    failure is followed by a new one, keyed after it, so a third try is idempotent too."""
    run, created = await _create_run(client, deployment_id, request, key)
    note = ""
    for _ in range(RESUBMITS):
        state = _state(run)
        if created or state not in FAILURES:
            break
        note = f"submitted again: run {run.name} ended {state.lower()}"
        run, created = await _create_run(client, deployment_id, request, f"{key}-after-{run.id}")
    state = _state(run)
    if not created:
        note = f"submitted earlier today as run {run.name}; not submitted again"
    if created or state not in FINAL:
        state = "SUBMITTED"
    return Outcome(request.name, request.company, state, note, flow_run_id=str(run.id),
                   flow_run_name=run.name, earlier=not created)


async def _create_run(client: Any, deployment_id: Any, request: ResearchRequest,
                      key: str) -> tuple[Any, bool]:
    """(the run, True when this call created it): Prefect answers 201 for a new run and 200
    when the idempotency key names one it has (``create_flow_run_from_deployment``'s body)."""
    from prefect.client.schemas.actions import DeploymentFlowRunCreate
    from prefect.client.schemas.objects import FlowRun
    from prefect.states import Scheduled, to_state_create

    body = DeploymentFlowRunCreate(
        parameters=request.to_params(), state=to_state_create(Scheduled()),
        tags=["interviewer-lookup", "batch"], idempotency_key=key,
    ).model_dump(mode="json", exclude_unset=True)
    response = await client.request("POST", "/deployments/{id}/create_flow_run",
                                    path_params={"id": deployment_id}, json=body)
    return FlowRun.model_validate(response.json()), response.status_code == 201


def _state(run: Any) -> str:
    return run.state.type.value if run.state else "PENDING"


async def _read_runs(client: Any, ids: Sequence[str]) -> list[Any]:
    """The runs with these ids, asked in pages Prefect accepts (at most ``PAGE`` a request)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    runs: list[Any] = []
    for start in range(0, len(ids), PAGE):
        page = list(ids[start:start + PAGE])
        runs += await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=page)), limit=len(page))
    return runs


async def _follow(
    client: Any, outcomes: list[Outcome], progress: Progress, *, deadline: float
) -> list[Outcome]:
    pending = {o.flow_run_id: i for i, o in enumerate(outcomes) if o.state not in FINAL}
    done = 0
    for outcome in outcomes:  # runs that had ended before this submission: said at once
        if outcome.state in FINAL:
            done += 1
            progress(done, len(outcomes), outcome)
    while pending:
        runs = await _read_runs(client, list(pending))
        late = time.monotonic() >= deadline
        for run in runs:
            state = _state(run)
            if state not in FINAL and not late:
                continue
            index = pending.pop(str(run.id))
            message = "" if state == "COMPLETED" else (run.state.message or "") if run.state else ""
            if state not in FINAL:
                message = "not finished when the wait ran out; it goes on on its worker"
            outcomes[index] = replace(
                outcomes[index], state=state, message=message or outcomes[index].message,
                flow_run_name=run.name,
                seconds=run.total_run_time.total_seconds() if run.total_run_time else None,
            )
            done += 1
            progress(done, len(outcomes), outcomes[index])
        if pending and not late:
            await asyncio.sleep(POLL_S)
        elif pending:  # runs the server no longer lists: nothing more to learn about them
            for index in pending.values():
                outcomes[index] = replace(outcomes[index], state="UNKNOWN",
                                          message="the server no longer lists this run")
            break
    return outcomes


async def run_here(
    batch: Sequence[ResearchRequest], *, concurrency: int, progress: Progress
) -> list[Outcome]:
    """Run the research flow for each request in this process, ``concurrency`` at a time."""
    from flows.research import research_interviewer

    gate = asyncio.Semaphore(max(1, concurrency))
    outcomes: list[Outcome | None] = [None] * len(batch)
    done = 0

    async def one(index: int, request: ResearchRequest) -> None:
        nonlocal done
        async with gate:
            started = time.monotonic()
            try:
                summary = await research_interviewer(**request.to_params())
            except LookupToolError as exc:
                outcome = Outcome(request.name, request.company, "FAILED", str(exc))
            except Exception as exc:  # a crash of one run must not stop the others
                outcome = Outcome(request.name, request.company, "FAILED",
                                  f"{type(exc).__name__}: {exc}")
            else:
                outcome = Outcome(request.name, request.company, "COMPLETED",
                                  card=summary.get("card"))
            outcome = replace(outcome, seconds=time.monotonic() - started)
        outcomes[index] = outcome
        done += 1
        progress(done, len(batch), outcome)

    await asyncio.gather(*(one(i, r) for i, r in enumerate(batch)))
    return [o for o in outcomes if o is not None]
