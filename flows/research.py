"""The research flow: one run per interview. Thin: each task wraps one library step.

The steps (``lookup.research.pipeline``) share the run's clients, so robots.txt,
budgets, rate limits and the DNS cache span the whole run; async tasks run on
the flow's event loop, so those clients never cross loops. Clients are passed
by reference, hence no cache policy on these tasks.

The steps that talk to the network or the database are retried twice with
exponential backoff, for transient errors only (``transient``): a lost
connection to the Prefect server or the database, a socket error. With a
Prefect server in use, the run's politeness limits are global
(``flows/limits.py``): every worker shares one budget per search engine, web
host and mail domain.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff
from prefect.utilities.annotations import quote

from flows.limits import run_politeness, transient
from flows.privacy import RESEARCH_FLOW, artifact_key
from flows.runtime import followup_defaults, run_overrides, world_settings, world_transport
from lookup.intake.interview import make_interview
from lookup.research import pipeline as research
from lookup.research.analysis import research_json
from lookup.settings import load_settings

__all__ = ["STEPS", "research_interviewer"]

IO = {"cache_policy": NO_CACHE, "persist_result": False}
NETWORK = {**IO, "retries": 2, "retry_delay_seconds": exponential_backoff(backoff_factor=2),
           "retry_jitter_factor": 0.5, "retry_condition_fn": transient}

def _quoted(step: Callable[..., Any]) -> Callable[..., Any]:
    """Call a task with its arguments quoted: Prefect then does not walk pages and hits
    looking for futures (measured: ~0.2 s of a 1 s research run), and dependency
    tracking is not needed because the steps run in sequence."""

    def call(*args: Any) -> Any:
        return step(*(quote(arg) for arg in args))

    return call


STEPS = research.Steps(
    search=_quoted(task(name="search", **NETWORK)(research.search_step)),
    domain=_quoted(task(name="resolve-company-domain", **NETWORK)(research.domain_step)),
    gather=_quoted(task(name="gather-pages", **NETWORK)(research.gather_step)),
    mail=_quoted(task(name="choose-mail-domain", **NETWORK)(research.mail_step)),
    analyse=_quoted(task(name="profile-and-infer", **IO)(research.analyse_step)),
    verify=_quoted(task(name="verify-candidates", **NETWORK)(research.verify_step)),
    write=_quoted(task(name="store-and-write-card", **NETWORK)(research.write_step)),
)


@flow(name=RESEARCH_FLOW)
async def research_interviewer(
    name: str,
    company: str,
    domain: str | None = None,
    role: str | None = None,
    interview_date: str | None = None,
    recruiter: str | None = None,
    notes: str | None = None,
    smtp: bool | None = None,
    world: str | None = None,
    smtp_proxy: str | None = None,
    m365_https: bool | None = None,
    interview_time: str | None = None,
    timezone: str | None = None,
    panel: list[str] | None = None,
    honorific: str | None = None,
    tone: str | None = None,
    language: str | None = None,
) -> dict:
    """Research one interviewer and write their briefing card; returns the JSON summary.

    ``smtp_proxy`` (a socks5:// URL) and ``m365_https`` override ``smtp.proxy``
    and ``m365.enabled`` for this run.
    """
    settings = load_settings(overrides=run_overrides(world, smtp_proxy, m365_https) or None)
    options = followup_defaults(settings, {"recruiter": recruiter, "tone": tone,
                                           "language": language, "timezone": timezone})
    interview = make_interview(
        name,
        company,
        domain=domain,
        role=role,
        interview_date=interview_date,
        notes=notes,
        interview_time=interview_time,
        panel=panel,
        honorific=honorific,
        **options,
    )
    with world_settings(settings) as live:
        async with run_politeness(live, get_run_logger()) as politeness:
            run = await research.run_pipeline(
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
            key=artifact_key(Path(run.card).stem),
            description=f"Briefing card ({interview.company})",  # the name stays in the card
        )
    reminder = Path(run.card).with_suffix(".ics")
    return {
        **research_json(run.result, run.card),
        "reminder": str(reminder) if reminder.is_file() else None,
        "timings": run.timings,
    }
