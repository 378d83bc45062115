"""Batches: one research run per interview, on the deployment's workers or here, a few at a time.

``lookup research --batch FILE.csv`` and ``lookup import FILE.ics --submit`` both
end here. Every row is checked before anything starts (a bad row stops the
batch with its line number, nothing submitted). Then:

- with the research deployment registered on the Prefect server (``lookup
  deploy``), each interview becomes one flow run of it, picked up by whichever
  worker is free; ``--wait`` follows them and reports each as it finishes;
- otherwise (no server, or no deployment) the runs go here, in this process,
  ``prefect.batch_concurrency`` at a time, reported as each finishes.

A CSV file has a header row naming its columns, the same as the options of
``lookup research``: ``name`` and ``company`` (required), ``domain``, ``role``,
``interview_date`` (YYYY-MM-DD), ``interview_time`` (14:00 or 14:00-14:45),
``timezone``, ``recruiter``, ``notes``, ``honorific``, ``tone``, ``language``, and
``world`` (an offline world directory for that row; ``--world`` for every row);
dashes or spaces in a header stand for underscores, case does not matter. What a
row leaves out comes from the submitter's settings (``[followup]``), as for one
``lookup research``. A panel is one row per panelist (no panel index is written).
"""

from __future__ import annotations

import asyncio
import csv
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lookup.errors import BadInputError, LookupToolError

__all__ = ["COLUMNS", "Outcome", "find_deployment", "read_batch", "run_here", "submit"]

COLUMNS = ("name", "company", "domain", "role", "interview_date", "interview_time", "timezone",
           "recruiter", "notes", "honorific", "tone", "language", "world")
CHECKED = COLUMNS[2:-1]  # what make_interview checks besides the name and company
MAX_ROWS = 10_000
POLL_S = 2.0
FINAL = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one interview of a batch."""

    name: str
    company: str
    state: str  # SUBMITTED, COMPLETED, FAILED, CRASHED, CANCELLED
    message: str = ""
    card: str | None = None
    flow_run_id: str | None = None
    flow_run_name: str | None = None
    seconds: float | None = None


Progress = Callable[[int, int, Outcome], None]


def read_batch(
    path: Path, *, smtp: bool | None, world: str | None, settings: Any = None
) -> list[dict[str, Any]]:
    """The research parameters of every row of a CSV file, each checked; BadInputError names the line.

    ``settings`` (the submitter's) fill the follow-up options a row leaves out.
    """
    from flows.runtime import followup_defaults
    from lookup.intake.interview import make_interview

    if not path.is_file():
        raise BadInputError(f"The batch file {path} does not exist.")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(f"The batch file {path} could not be read as UTF-8 CSV: {exc}.") from exc
    header = [h.strip().lower().replace("-", "_").replace(" ", "_") for h in (rows[0] if rows else [])]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or not {"name", "company"} <= set(header):
        raise BadInputError(
            f"The batch file {path} needs a header row with the columns name and company "
            f"(and optionally {', '.join(COLUMNS[2:])}); "
            + (f"it has unknown column(s): {', '.join(unknown)}." if unknown else
               f"it has: {', '.join(header) or 'nothing'}.")
        )
    batch: list[dict[str, Any]] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise BadInputError(f"Line {line} of {path} has more cells than the header has columns.")
        values = {k: (v.strip() or None) for k, v in zip(header, row, strict=False)}
        try:
            if settings is not None:
                values = followup_defaults(settings, values)
            make_interview(values.get("name"), values.get("company"),
                           **{k: values.get(k) for k in CHECKED})
            row_world = values.get("world") or world
            if row_world:
                if not Path(row_world).expanduser().is_dir():
                    raise BadInputError(f"The world directory {row_world} does not exist.")
                row_world = str(Path(row_world).expanduser().resolve())  # workers run elsewhere
        except BadInputError as exc:
            raise BadInputError(f"Line {line} of {path}: {exc}") from exc
        batch.append({**{c: values.get(c) for c in COLUMNS}, "smtp": smtp, "world": row_world})
        if len(batch) > MAX_ROWS:
            raise BadInputError(f"The batch file {path} has more than {MAX_ROWS} rows; split it.")
    if not batch:
        raise BadInputError(f"The batch file {path} has no interviews under its header.")
    return batch


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
    batch: Sequence[dict[str, Any]], deployment: Any, *, wait: bool, progress: Progress
) -> list[Outcome]:
    """One flow run of ``deployment`` per interview; with ``wait``, follow them to the end."""
    from prefect.client.orchestration import get_client

    key = uuid.uuid4().hex[:12]  # a retried request within this batch creates no second run
    async with get_client() as client:
        runs = []
        for index, params in enumerate(batch):
            run = await client.create_flow_run_from_deployment(
                deployment.id, parameters=params, idempotency_key=f"lookup-batch-{key}-{index}",
                tags=["interviewer-lookup", "batch"],
            )
            runs.append(run)
        outcomes = [
            Outcome(p["name"], p["company"], "SUBMITTED", flow_run_id=str(r.id),
                    flow_run_name=r.name)
            for p, r in zip(batch, runs, strict=True)
        ]
        if not wait:
            return outcomes
        return await _follow(client, outcomes, progress)


async def _follow(client: Any, outcomes: list[Outcome], progress: Progress) -> list[Outcome]:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    pending = {o.flow_run_id: i for i, o in enumerate(outcomes)}
    done = 0
    while pending:
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(pending))),
            limit=len(pending),
        )
        for run in runs:
            state = run.state.type.value if run.state else "PENDING"
            if state not in FINAL:
                continue
            index = pending.pop(str(run.id))
            message = "" if state == "COMPLETED" else (run.state.message or "")
            outcomes[index] = Outcome(
                outcomes[index].name, outcomes[index].company, state, message,
                flow_run_id=str(run.id), flow_run_name=run.name,
                seconds=run.total_run_time.total_seconds() if run.total_run_time else None,
            )
            done += 1
            progress(done, len(outcomes), outcomes[index])
        if pending:
            await asyncio.sleep(POLL_S)
    return outcomes


async def run_here(
    batch: Sequence[dict[str, Any]], *, concurrency: int, progress: Progress
) -> list[Outcome]:
    """Run the research flow for each interview in this process, ``concurrency`` at a time."""
    from flows.research import research_interviewer

    gate = asyncio.Semaphore(max(1, concurrency))
    outcomes: list[Outcome | None] = [None] * len(batch)
    done = 0

    async def one(index: int, params: dict[str, Any]) -> None:
        nonlocal done
        async with gate:
            started = time.monotonic()
            try:
                summary = await research_interviewer(**params)
            except LookupToolError as exc:
                outcome = Outcome(params["name"], params["company"], "FAILED", str(exc))
            except Exception as exc:  # a crash of one run must not stop the others
                outcome = Outcome(params["name"], params["company"], "FAILED",
                                  f"{type(exc).__name__}: {exc}")
            else:
                outcome = Outcome(params["name"], params["company"], "COMPLETED",
                                  card=summary.get("card"))
            outcome = replace(outcome, seconds=time.monotonic() - started)
        outcomes[index] = outcome
        done += 1
        progress(done, len(batch), outcome)

    await asyncio.gather(*(one(i, p) for i, p in enumerate(batch)))
    return [o for o in outcomes if o is not None]
