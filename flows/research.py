"""The research flow: one run per interview. Thin: every step is a library call.

I/O steps are async tasks sharing the run's clients (robots.txt, budgets, rate
limits and the DNS cache live in them); async tasks run on the flow's event
loop, so the clients never cross loops. Pure steps are tasks too, so the
Prefect UI shows the whole pipeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.runtime import world_settings
from lookup import analysis, research
from lookup.card import write_briefing
from lookup.interview import make_interview
from lookup.models import Interview
from lookup.search import plan_queries
from lookup.settings import Settings, load_settings

__all__ = ["research_interviewer", "run_research"]

# Clients go into tasks by reference; they must not be hashed for cache keys.
IO = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="search", **IO)
async def search_task(queries: list[str], tools: research.RunTools) -> research.SearchOutcome:
    return await research.search_all(queries, search=tools.search)


@task(name="resolve-company-domain", **IO)
async def domain_task(
    interview: Interview, outcome: research.SearchOutcome, tools: research.RunTools
) -> research.DomainOutcome:
    return await research.resolve_domain(
        interview, outcome.hits, fetcher=tools.fetcher, verifier=tools.verifier
    )


@task(name="gather-pages", **IO)
async def gather_task(
    interview: Interview, hits: tuple, domain: research.DomainOutcome, tools: research.RunTools
) -> research.Gathered:
    return await research.gather_pages(
        hits, interview=interview, domain=domain.domain, fetcher=tools.fetcher,
        already=domain.homepages,
    )


@task(name="profile-and-infer", **IO)
def analyse_task(
    interview: Interview, domain: str | None, pages: tuple, hits: tuple, test_environment: bool
) -> analysis.Analysis:
    return analysis.analyse(
        interview, domain, pages, hits, today=dt.date.today(), test_environment=test_environment
    )


@task(name="verify-candidates", **IO)
async def verify_task(addresses: list[str], tools: research.RunTools, smtp: bool | None) -> list:
    return await research.verify_addresses(addresses, verifier=tools.verifier, smtp=smtp)


@task(name="store-and-write-card", **IO)
def card_task(result: Any, settings: Settings) -> str:
    return str(write_briefing(result, settings=settings, now=dt.datetime.now(dt.UTC)))


async def run_research(interview: Interview, settings: Settings, *, smtp: bool | None) -> dict:
    """The pipeline on settings that already point at the world (if any)."""
    logger = get_run_logger()
    async with research.open_tools(settings) as tools:
        queries = plan_queries(interview.name, interview.company, interview.domain)
        logger.info("Searching: %d queries for %s at %s", len(queries), interview.name, interview.company)
        found = await search_task(queries, tools)
        domain = await domain_task(interview, found, tools)
        logger.info("Company domain: %s", domain.domain or "not found")
        hits = found.hits
        if domain.domain and not interview.domain:
            more = await search_task([f'"@{domain.domain}"'], tools)
            hits = (*hits, *more.hits)
            found = research.SearchOutcome(hits, found.failures + more.failures)
        gathered = await gather_task(interview, hits, domain, tools)
        pages = (*domain.homepages, *gathered.pages)
        logger.info("Read %d pages (%d requests)", len(pages), tools.fetcher.requests_sent)
        found_facts = analyse_task(interview, domain.domain, pages, hits, settings.world is not None)
        checks = await verify_task(analysis.to_verify(found_facts), tools, smtp)
        stats = {
            "search_queries": tools.search.queries_sent,
            "search_cached": tools.search.queries_cached,
            "http_requests": tools.fetcher.requests_sent,
            "pages": len(pages),
        }
        failures = (*found.failures, *gathered.failures)
    result = analysis.finish(
        interview, domain=domain.domain, domain_reasons=domain.reasons, analysis=found_facts,
        verifications=checks, pages=pages, failures=failures, stats=stats,
    )
    card = card_task(result, settings)
    logger.info("Briefing card written to %s", card)
    await acreate_markdown_artifact(
        markdown=open(card, encoding="utf-8").read(),
        key=_artifact_key(card),
        description=f"Briefing on {interview.name} ({interview.company})",
    )
    return analysis.research_json(result, card)


def _artifact_key(card_path: str) -> str:
    """Artifact keys allow lower-case letters, digits and dashes only."""
    stem = card_path.rsplit("/", 1)[-1].removesuffix(".md")
    key = "".join(ch if ch.isalnum() else "-" for ch in stem.lower()).strip("-")
    return f"briefing-{key or 'card'}"[:100]


@flow(name="research-interviewer", log_prints=False)
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
) -> dict:
    """Research one interviewer and write their briefing card; returns the JSON summary."""
    interview = make_interview(
        name, company, domain=domain, role=role, interview_date=interview_date,
        recruiter=recruiter, notes=notes,
    )
    settings = load_settings(overrides={"general": {"world": world}} if world else None)
    with world_settings(settings) as live:
        return await run_research(interview, live, smtp=smtp)
