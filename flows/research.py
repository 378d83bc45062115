"""The research flow: one run per interview. Thin: each task wraps one library step.

Its parameters are the fields of ``lookup.intake.request.ResearchRequest``: the
flow's signature is built from that record (``_takes_a_request``), so a deployment,
``prefect deployment run --param …`` and Prefect's UI offer exactly the options
``lookup research`` has, and the run checks them as the command line does.

The steps (``lookup.research``) share the run's clients, so robots.txt,
budgets, rate limits and the DNS cache span the whole run; async tasks run on
the flow's event loop, so those clients never cross loops. Clients are passed
by reference, hence no cache policy on these tasks.

The steps that talk to the network or the database are retried twice with
exponential backoff, for transient errors only (``transient``): a lost
connection to the Prefect server or the database, a socket error. With a
Prefect server in use, the run's politeness limits are global
(``flows/politeness/``): every worker shares one budget per search engine, web
host and mail domain.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed
from prefect.tasks import exponential_backoff
from prefect.utilities.annotations import quote

from flows._gc import freeze_at_exit
from flows.politeness.limiters import run_politeness
from flows.privacy import RESEARCH_FLOW, artifact_key
from flows.runtime import request_settings, with_settings, world_settings, world_transport
from lookup.errors import ServerError, StoreError
from lookup.intake import policy
from lookup.intake.request import ResearchRequest
from lookup.research import analysis, pipeline, steps
from lookup.research.analysis import research_json
from lookup.settings import load_settings
from lookup.web import suffix_cache

__all__ = ["STEPS", "deployment_id", "research_here", "research_interviewer", "submitted_refusal",
           "transient"]

suffix_cache.load()  # the Public Suffix List as an earlier process parsed it (~50 ms less)
freeze_at_exit()  # a worker's flow-run process too ends without walking Prefect's objects


def transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry a step only for errors that may pass by themselves."""
    error = getattr(state, "data", None)
    if isinstance(error, StoreError):
        from sqlalchemy.exc import DisconnectionError, OperationalError

        return isinstance(error.__cause__, OperationalError | DisconnectionError)
    return isinstance(error, ServerError | OSError | TimeoutError | httpx.TransportError)

IO = {"cache_policy": NO_CACHE, "persist_result": False}
NETWORK = {**IO, "retries": 2, "retry_delay_seconds": exponential_backoff(backoff_factor=2),
           "retry_jitter_factor": 0.5, "retry_condition_fn": transient}

def _quoted(step: Callable[..., Any]) -> Callable[..., Any]:
    """Call a task with its arguments quoted: Prefect then does not walk pages and hits
    looking for futures (measured: ~0.2 s of a 1 s research run), and dependency
    tracking is not needed because the steps run in sequence."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return step(*(quote(arg) for arg in args), **{k: quote(v) for k, v in kwargs.items()})

    return call


# Each pipeline step, as it is, in a task: the library's function is the task's body.
STEPS = pipeline.Steps(
    search=_quoted(task(name="search", **NETWORK)(steps.search_all)),
    domain=_quoted(task(name="resolve-company-domain", **NETWORK)(steps.resolve_domain)),
    gather=_quoted(task(name="gather-pages", **NETWORK)(steps.gather_pages)),
    mail=_quoted(task(name="choose-mail-domain", **NETWORK)(steps.resolve_mail_domain)),
    analyse=_quoted(task(name="profile-and-infer", **IO)(analysis.analyse)),
    verify=_quoted(task(name="verify-candidates", **NETWORK)(steps.verify_addresses)),
    write=_quoted(task(name="store-and-write-card", **NETWORK)(steps.write_card)),
)


def _takes_a_request(body: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``body(**params)`` the signature of ``ResearchRequest``'s fields, for Prefect's
    parameter schema and checks (a panel travels as a list: JSON has no tuples)."""
    parameters = []
    for f in dataclasses.fields(ResearchRequest):
        required = f.default is dataclasses.MISSING
        default = inspect.Parameter.empty if required else f.default
        annotation = f.type
        if isinstance(default, tuple):
            default, annotation = None, "list[str] | None"
        parameters.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY,
                                            default=default, annotation=annotation))
    body.__signature__ = inspect.Signature(parameters, return_annotation="dict")  # type: ignore[attr-defined]
    body.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": "dict"}
    return body


@flow(name=RESEARCH_FLOW)
@_takes_a_request
async def research_interviewer(**params: Any) -> dict:
    """Research one interviewer and write their briefing card; returns the JSON summary.

    The parameters are ``ResearchRequest``'s fields; ``smtp_proxy`` (a name in
    ``smtp.proxies``, or locally a socks5:// URL) and ``m365_https`` override ``smtp.proxy``
    and ``m365.enabled`` for this run. A run of a deployment whose run options this
    worker's settings do not allow ends Failed, its message the one sentence why.
    """
    asked = ResearchRequest.from_params(params)
    refused = submitted_refusal(asked.run_options())
    if refused:
        return Failed(message=refused)  # type: ignore[return-value]
    settings = request_settings(asked)
    request = with_settings(asked, settings)  # the worker's settings fill what is left
    interview = request.interview()
    smtp = request.smtp
    with world_settings(settings) as live, _sync_client():
        async with run_politeness(live, get_run_logger()) as politeness:
            run = await pipeline.run_pipeline(
                interview,
                live,
                smtp=smtp,
                steps=STEPS,
                logger=get_run_logger(),
                transport=world_transport(live),
                politeness=politeness,
            )
    with open(run.card, encoding="utf-8") as handle:
        await acreate_markdown_artifact(
            markdown=handle.read(),
            key=artifact_key(Path(run.card).stem, request.candidate),
            description=f"Briefing card ({interview.company})",  # the name stays in the card
        )
    reminder = Path(run.card).with_suffix(".ics")
    return {
        **research_json(run.result, run.card),
        "reminder": str(reminder) if reminder.is_file() else None,
        "timings": run.timings,
    }


def _json_parameters(flow_: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``flow_.serialize_parameters`` for parameters JSON holds as they are (a request's:
    text, numbers, flags, lists), others handed to Prefect's own. Prefect's imports FastAPI
    for its ``jsonable_encoder``, which returns such values unchanged: 0.2 s of every
    run's start (issue 31)."""
    prefects = flow_.serialize_parameters

    def serialize(parameters: dict[str, Any]) -> dict[str, Any]:
        if all(_plain_json(v) for v in parameters.values()):
            return dict(parameters)
        return prefects(parameters)

    return serialize


def _plain_json(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float):  # bool is an int
        return True
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    return isinstance(value, dict) and all(
        isinstance(k, str) and _plain_json(v) for k, v in value.items())


research_interviewer.serialize_parameters = (  # type: ignore[method-assign]
    _json_parameters(research_interviewer))


def _sync_client() -> Any:
    """One Prefect sync client for the run's sync tasks (the analysis, the card), with the
    process's TLS context when Prefect's settings ask for no other: without it each sync
    task builds a client and a TLS context of its own (30-40 ms each; issue 31)."""
    from prefect.context import SyncClientContext
    from prefect.settings import PREFECT_API_SSL_CERT_FILE, PREFECT_API_TLS_INSECURE_SKIP_VERIFY

    from lookup.web.tls import httpx_context

    current = SyncClientContext.get()
    if current is not None:
        return current
    cafile = PREFECT_API_SSL_CERT_FILE.value()  # by default SSL_CERT_FILE, as httpx's
    own = PREFECT_API_TLS_INSECURE_SKIP_VERIFY.value() or (
        cafile and cafile != os.environ.get("SSL_CERT_FILE"))
    return SyncClientContext(httpx_settings=None if own else {"verify": httpx_context()})


def submitted_refusal(options: dict[str, Any]) -> str | None:
    """For a run of a deployment (submitted through Prefect's API), why this worker's settings
    refuse its run options (``lookup.intake.policy``); None here, or when they are allowed."""
    if deployment_id() is None:  # started on this machine by its user: their own options
        return None
    refused = policy.refusal(options, load_settings())
    if refused:
        get_run_logger().error("Refused: %s", refused)
    return refused


def deployment_id() -> str | None:
    """The deployment the current flow run belongs to; None for a run started here.

    Read from the run's context, as the engine loaded the run; ``prefect.runtime.deployment.id``
    looks for it on the context itself, finds nothing, and reads the run again from the API
    (0.16 s of a local run's start, measured; issue 31). Prefect's override variable
    ``PREFECT__RUNTIME__DEPLOYMENT__ID`` is honoured as there.
    """
    from prefect.context import FlowRunContext

    mocked = os.environ.get("PREFECT__RUNTIME__DEPLOYMENT__ID")
    if mocked:
        return mocked
    run = getattr(FlowRunContext.get(), "flow_run", None)
    return str(run.deployment_id) if run is not None and run.deployment_id else None


def research_here(request: ResearchRequest) -> dict:
    """One research flow run in this process (Prefect set up by the caller)."""
    return asyncio.run(research_interviewer(**request.to_params()))
