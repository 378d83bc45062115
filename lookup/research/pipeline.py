"""The research pipeline: one interview → a researched, verified, stored result and its card.

``run_pipeline`` composes the I/O steps of ``lookup.research.steps`` and the pure
middle of ``lookup.research.analysis``. ``Steps`` names them; the Prefect flow
(``flows/research.py``) passes the same functions, each wrapped in a task, and
tests and benchmarks the plain ones. There is no layer between the two: a step
takes what it works on and the run's tools.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from lookup.errors import SearchError
from lookup.mail.verdicts import notices
from lookup.models import Interview, ResearchResult
from lookup.ratelimit import Politeness
from lookup.research import analysis
from lookup.research.steps import (
    DomainOutcome,
    Gathered,
    MailOutcome,
    RunTools,
    SearchOutcome,
    gather_pages,
    open_tools,
    preload_card,
    resolve_domain,
    resolve_mail_domain,
    search_all,
    verify_addresses,
    write_card,
)
from lookup.settings import Settings
from lookup.web.queries import plan_queries

__all__ = ["PipelineRun", "Steps", "run_pipeline"]

log = logging.getLogger(__name__)

# Requests kept for pages that only the '"@domain"' search finds.
ADDRESS_PAGES = 5


@dataclass(frozen=True, slots=True)
class PipelineRun:
    """One pipeline run: the result, the card's path, epoch seconds at which phases ended."""

    result: ResearchResult
    card: str
    timings: dict[str, float]


@dataclass(frozen=True, slots=True)
class Steps:
    """The pipeline's steps; the flow swaps in Prefect tasks wrapping these functions."""

    search: Callable[..., Any] = search_all
    domain: Callable[..., Any] = resolve_domain
    gather: Callable[..., Any] = gather_pages
    mail: Callable[..., Any] = resolve_mail_domain
    analyse: Callable[..., Any] = analysis.analyse
    verify: Callable[..., Any] = verify_addresses
    write: Callable[..., Any] = write_card


async def _gather_with_addresses(
    steps: Steps,
    interview: Interview,
    found: SearchOutcome,
    domain: DomainOutcome,
    tools: RunTools,
    smtp: bool | None,
) -> tuple[Gathered, SearchOutcome, MailOutcome]:
    """Read the company's pages, settle its mail domain, then read what '"@domain"' finds.

    When the site's domain has MX records of its own, the '"@domain"' search runs while
    the first pages are read; otherwise it waits until those pages say where the mail goes.
    """
    if not domain.domain or interview.domain:  # a given domain was in the first queries
        if domain.domain:
            tools.verifier.prepare_smtp(domain.domain, smtp)
        preload_card(tools.settings.templates_dir)
        gathered = await _call(steps.gather, interview, found.hits, domain, tools)
        return gathered, found, MailOutcome(domain.domain, domain.reasons)
    site_mail = domain.checks.get(domain.domain)
    early = domain.takes_mail and site_mail is not None and not site_mail.implicit_mx
    search = (asyncio.ensure_future(_call(steps.search, [f'"@{domain.domain}"'], tools))
              if early else None)
    first = await _call(steps.gather, interview, found.hits, domain, tools, ADDRESS_PAGES)
    mail = await _call(steps.mail, domain, (*domain.homepages, *first.pages), tools)
    if mail.domain:  # the SMTP probe's first looks, while the rest of the pages are read
        tools.verifier.prepare_smtp(mail.domain, smtp)
    # the card's imports and templates load from here on, while the last pages and the mail
    # servers answer (issue 31: started with the run they slowed its parsing; started at
    # the probe, now a few round trips, they delayed the card)
    preload_card(tools.settings.templates_dir)
    outcomes = [await search] if search is not None else []
    if mail.domain and (search is None or mail.domain != domain.domain):
        outcomes.append(await _call(steps.search, [f'"@{mail.domain}"'], tools))
    more = SearchOutcome(tuple(h for o in outcomes for h in o.hits),
                         tuple(f for o in outcomes for f in o.failures))
    read = replace(domain, homepages=(*domain.homepages, *first.pages))
    extra = await _call(steps.gather, interview, more.hits, read, tools)
    gathered = Gathered(
        first.pages + extra.pages,
        tuple(dict.fromkeys(first.failures + extra.failures)),
        tuple(dict.fromkeys(first.fetched + extra.fetched)),
    )
    searched = SearchOutcome((*found.hits, *more.hits), found.failures + more.failures)
    return gathered, searched, mail


async def _call(step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    value = step(*args, **kwargs)
    return await value if inspect.isawaitable(value) else value


async def run_pipeline(
    interview: Interview,
    settings: Settings,
    *,
    smtp: bool | None,
    steps: Steps = Steps(),
    logger: logging.Logger | logging.LoggerAdapter = log,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    transport: httpx.AsyncBaseTransport | None = None,
    politeness: Politeness | None = None,
) -> PipelineRun:
    """Research one interviewer end to end: the result, the card's path, and when each phase ended.

    ``transport`` is the world's HTTP transport in world mode, ``politeness`` the
    limiters to share (see ``open_tools``).
    """
    started = now()
    async with open_tools(settings, transport=transport, politeness=politeness) as tools:
        queries = plan_queries(interview.name, interview.company, interview.domain)
        logger.info(
            "Searching: %d queries about the interviewer at %s", len(queries), interview.company
        )
        found = await _call(steps.search, queries, tools)
        if not found.hits and len(found.failures) == len(queries):
            raise SearchError(
                f"Every search failed, so there is nothing to research; the first said: "
                f"{found.failures[0]} Check the network connection or the search settings "
                "(search.backend), or run offline against a world with --world DIR."
            )
        domain = await _call(steps.domain, interview, found.hits, tools)
        logger.info("Company domain: %s", domain.domain or "not found")
        gathered, found, mail = await _gather_with_addresses(steps, interview, found, domain, tools,
                                                            smtp)
        if mail.domain != domain.domain:
            logger.info("Mail domain: %s", mail.domain or "not found")
        pages = (*domain.homepages, *gathered.pages)
        logger.info("Read %d pages with %d requests", len(pages), tools.fetcher.requests_sent)
        facts = await _call(
            steps.analyse,
            interview,
            mail.domain,
            pages,
            found.hits,
            today=now().date(),
            test_environment=settings.world is not None,
            site=domain.domain,
            moves=domain.moves,
        )
        first, rest = analysis.to_verify(facts), analysis.deeper(facts)
        logger.info("Verifying %d candidate addresses", len(first))
        checks = list(await _call(steps.verify, first, tools, smtp, rest))
        if len(checks) > len(first):
            logger.info("The top addresses were refused: %d more asked down the ranked list",
                        len(checks) - len(first))
        if notices(checks):  # the sentence itself is said once, by the card and the command
            logger.info("SMTP probes skipped: port 25 is blocked from this network")
        stats = {
            "search_queries": tools.search.queries_sent,
            "search_cached": tools.search.queries_cached,
            "http_requests": tools.fetcher.requests_sent,
            "pages": len(pages),
        }
        blocked = dict(tools.fetcher.walled)
    result = analysis.finish(
        interview,
        domain=mail.domain,
        site_domain=domain.domain,
        domain_reasons=mail.reasons,
        analysis=facts,
        verifications=checks,
        pages=pages,
        failures=(*found.failures, *gathered.failures),
        stats=stats,
        blocked=blocked,
    )
    researched = now()
    card = await _call(steps.write, result, settings, researched, started)
    logger.info("Briefing card written to %s", card)
    timings = {"started": started, "researched": researched, "written": now()}
    return PipelineRun(result, card, {k: v.timestamp() for k, v in timings.items()})
