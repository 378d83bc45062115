"""Running research from a command: Prefect set up once, one run, a panel, or a batch.

Shared by ``lookup research`` (one interviewer, a panel, ``--batch``) and ``lookup
import`` (``--submit``): what to say before Prefect starts, how a finished run is
printed, and how a batch's outcomes become lines, one JSON array and an exit code.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from flows._gc import loading
from flows.cli._output import FAILED, emit, fail, fail_some, out, say
from flows.runtime import (
    FAST_RUNS_HINT,
    connect_prefect,
    preflight,
    quiet_expected_failures,
    world_settings,
)
from lookup.intake.request import ResearchRequest
from lookup.settings import Settings

__all__ = ["first_queries", "print_summary", "run_many", "show_requests", "start_research"]


@contextlib.contextmanager
def start_research(
    settings: Settings, *, smtp: bool | None = None, start: bool = False,
    queries: Sequence[str] = (),
) -> Iterator[dict[str, float]]:
    """Before the first run and for the runs in the block: the world served once (the checks
    and every run use it); this machine's IP on no blocklist when SMTP probes will be sent, and
    a network, said at once; Prefect set up (the local server started with ``start``, else a
    tip when Prefect's temporary one will make it slow) and its console
    lines about expected failures kept quiet; in the command's own process, the garbage
    collector left out of the loading (``flows/_gc.py``). The look at the network runs while Prefect is
    imported (2 s): it is waiting on answers, the import on the processor. So are the run's
    first search ``queries`` (``plan_queries``), where no Prefect server spaces searches for
    every worker (``lookup.web.session.search_early``): the run's session takes their answers.

    Yields the process's timeline so far (epoch seconds: ``command`` when the command was
    parsed and checked, ``world`` served, ``ready`` checked and Prefect imported), for
    ``--json``'s ``timings``."""
    marks = {"command": time.time()}
    with contextlib.ExitStack() as stack:
        with loading():  # no garbage collection until Prefect and the flow are imported
            live = stack.enter_context(world_settings(settings))
            marks["world"] = time.time()
            look = _in_thread(lambda: asyncio.run(preflight(live, smtp=smtp)))
            try:
                api = connect_prefect(settings, start=start)
                # stopped before the world closes, a failure included (the command ends)
                stack.callback(_search_early(live, queries, server=api is not None))
                import flows.research  # noqa: F401  (Prefect's log handlers exist from here on)
            finally:
                look.result()  # no network (or a listed IP) is said first, whatever else failed
        marks["ready"] = time.time()
        if api is None:
            say(FAST_RUNS_HINT)
        quiet_expected_failures()
        yield marks


def first_queries(request: ResearchRequest) -> list[str]:
    """The queries the run of ``request`` starts with (as the pipeline plans them); none
    for a panel (its runs come one after another) or a name the plan refuses (the run says
    why)."""
    from lookup.errors import LookupToolError
    from lookup.web.queries import plan_queries

    if request.panel:
        return []
    try:
        interview = request.interview()
        return plan_queries(interview.name, interview.company, interview.domain)
    except LookupToolError:
        return []


def _search_early(
    settings: Settings, queries: Sequence[str], *, server: bool
) -> Callable[[], None]:
    """The run's first searches sent in a thread while Prefect loads, unless the server's
    global limits space searches (they would not know of these). Returns what stops them:
    the searches still under way are cancelled (a command that fails at once, e.g. with no
    network, does not leave them retrying while the process ends) and the answers no run
    took are forgotten."""
    from flows.politeness.policy import global_limits
    from lookup.web.session import EARLY

    if not queries or global_limits(settings, server=server):
        return EARLY.clear
    from lookup.research.steps import local_politeness
    from lookup.web.session import search_early

    spacing = local_politeness(settings).search  # the run's own: its next query waits its turn
    loop = asyncio.new_event_loop()
    sending = loop.create_task(search_early(settings, queries, limiter=spacing))
    thread = threading.Thread(target=_run_until_done, args=(loop, sending), name="search-early",
                              daemon=True)
    thread.start()

    def stop() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: the searches ended
            loop.call_soon_threadsafe(sending.cancel)
        thread.join(timeout=STOP_WAIT_S)
        EARLY.clear()

    return stop


STOP_WAIT_S = 5.0  # a cancelled search ends at its next await; a stuck one is left to the exit


def _run_until_done(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
    """Run ``task`` on ``loop`` in this thread (a failure or a cancellation ends it quietly:
    the run asks again), then close the loop."""
    try:
        with contextlib.suppress(BaseException):
            loop.run_until_complete(task)
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def _in_thread(work: Callable[[], Any]) -> concurrent.futures.Future[Any]:
    """``work`` started in a thread of its own; its future (the thread ends with the work)."""
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def run() -> None:
        try:
            done.set_result(work())
        except BaseException as exc:  # handed to the caller, raised there
            done.set_exception(exc)

    threading.Thread(target=run, name="preflight", daemon=True).start()
    return done


def print_summary(summary: dict[str, Any]) -> None:
    """The few lines `lookup research` prints about one finished run."""
    from lookup.card.render import percent

    for notice in summary.get("notices", []):
        say(f"Note: {notice}")
    email = summary.get("email")
    out(f"{summary['name']} — {summary.get('title') or 'title not found'}, {summary['company']}")
    if summary.get("site_domain"):
        out(f"Web site: {summary['site_domain']}; mail domain: {summary.get('domain') or 'not found'}")
    else:
        out(f"Domain: {summary.get('domain') or 'not found'}")
    if email:
        out(f"Address: {email['address']} ({percent(email['probability'])}, {email['status']})")
        for alt in summary.get("alternatives", [])[:3]:
            out(f"  or {alt['address']} ({percent(alt['probability'])}, {alt['status']})")
    else:
        out("Address: none found (the card says why)")
    out(f"Card: {summary['card']}")
    if summary.get("reminder"):
        out(f"Reminder: {summary['reminder']} (open it to add the follow-up deadline to your calendar)")


def show_requests(requests: Sequence[ResearchRequest], *, as_json: bool) -> None:
    """``--dry-run``: each request as the flow would get it, nothing started."""
    if as_json:
        emit([r.to_params() for r in requests])
    else:
        for r in requests:
            extras = ", ".join(f"{k}={v}" for k, v in r.to_params().items()
                               if v not in (None, "", []) and k not in ("name", "company"))
            out(f"would research {r.name} ({r.company})" + (f": {extras}" if extras else ""))
    say(f"{len(requests)} interview(s) checked; nothing was started (--dry-run).")


def run_many(
    requests: Sequence[ResearchRequest], settings: Settings, *, wait: bool, timeout_s: float,
    as_json: bool, document: Callable[[list[Any]], Any] | None = None,
) -> None:
    """Run or submit a batch, print each outcome as it comes (stderr with --json, then one
    document: the outcomes' array, or what ``document`` makes of them), and exit 1 when a
    run failed or had not finished when the wait ran out."""
    from flows.batch import run_batch

    api = connect_prefect(settings)
    import flows.research  # noqa: F401  (Prefect's log handlers exist from here on)

    progress = _progress(say if as_json else out)
    outcomes = run_batch(requests, settings, api=api, wait=wait, timeout_s=timeout_s,
                         progress=progress, say=say)
    if as_json:
        emit((document or _rows)(outcomes))
    earlier = sum(o.earlier for o in outcomes)
    if earlier:
        say(f"{earlier} of {len(outcomes)} row(s) had been submitted earlier today (the same "
            "row): their runs are reported, not submitted again.")
    submitted = sum(o.state == "SUBMITTED" and not o.earlier for o in outcomes)
    if submitted:
        say(f"Submitted {submitted} run(s); follow them with --wait, in Prefect's UI, or "
            "`prefect flow-run ls --flow-name research-interviewer`.")
    else:
        done = sum(o.state == "COMPLETED" for o in outcomes)
        say(f"{done} of {len(outcomes)} run(s) completed.")
    unfinished = sum(o.unfinished for o in outcomes)
    failed = sum(o.failed for o in outcomes)
    if unfinished and not failed:
        fail(f"{unfinished} of {len(outcomes)} run(s) had not finished after {timeout_s:g} s "
             "of waiting; they go on on the workers (Prefect's UI shows them).", FAILED)
    fail_some(failed + unfinished, len(outcomes))


def _rows(outcomes: list[Any]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(o) for o in outcomes]


def _progress(line: Any) -> Any:
    def report(done: int, total: int, outcome: Any) -> None:
        what = f"{outcome.name} ({outcome.company})"
        took = f", {outcome.seconds:.0f} s" if outcome.seconds is not None else ""
        run = f" run {outcome.flow_run_name}" if outcome.flow_run_name else ""
        detail = outcome.card or outcome.message or ""
        line(f"[{done}/{total}] {outcome.state.lower()}: {what}{run}{took}"
             + (f" — {detail}" if detail else ""))

    return report
