"""The research run's I/O steps, composed from the edges (search, fetch, verify).

Each step is an async function whose clients come in as keyword arguments; a
Prefect task wraps each one (``flows/research.py``). One ``RunTools`` holds the
run's clients so that robots.txt, budgets, rate limits and the DNS cache are
shared across steps. Page bodies never leave ``gather_pages``: steps return
extracted facts, not HTML.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from lookup import analysis
from lookup.card import write_briefing
from lookup.company import DomainCandidate, candidate_homepages, choose_domain, rank_domains
from lookup.errors import SearchError
from lookup.extract import extract
from lookup.fetch import Fetcher, make_client
from lookup.models import FetchResult, Interview, PageFacts, ResearchResult, SearchHit, Verification
from lookup.plan import on_domain, rank_hits, same_site_links, select_follow_ups
from lookup.queries import plan_queries
from lookup.search import make_search_backend
from lookup.searchsession import SearchSession
from lookup.settings import Settings
from lookup.text import host_of
from lookup.verify import Verifier

__all__ = [
    "DomainOutcome",
    "Gathered",
    "RunTools",
    "PipelineRun",
    "SearchOutcome",
    "Steps",
    "run_pipeline",
    "gather_pages",
    "open_tools",
    "resolve_domain",
    "search_all",
    "verify_addresses",
    "world_transport",
]

log = logging.getLogger(__name__)

# Share of the page budget spent on search hits before following company links.
FIRST_ROUND_SHARE = 0.6
# Requests kept for pages that only the '"@domain"' search finds.
ADDRESS_PAGES = 5
# Requests kept back from follow-up pages (robots.txt of hosts not seen yet).
FOLLOW_UP_RESERVE = 2
HOMEPAGES_TRIED = 3
DOMAINS_CHECKED = 4


@dataclass(slots=True)
class RunTools:
    """One research run's clients; open with ``open_tools(settings)``."""

    settings: Settings
    search: SearchSession
    fetcher: Fetcher
    verifier: Verifier
    client: httpx.AsyncClient


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    hits: tuple[SearchHit, ...]
    failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DomainOutcome:
    domain: str | None
    reasons: tuple[str, ...]
    candidates: tuple[DomainCandidate, ...] = ()
    homepages: tuple[PageFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Gathered:
    pages: tuple[PageFacts, ...]
    failures: tuple[str, ...] = ()
    fetched: tuple[str, ...] = field(default=())


def world_transport(settings: Settings) -> httpx.AsyncBaseTransport | None:
    """In world mode, the transport that routes every world host to the world's HTTP server."""
    if settings.world is None:
        return None
    from lookup.world import WorldTransport

    return WorldTransport.from_endpoints(settings.world)


@contextlib.asynccontextmanager
async def open_tools(settings: Settings) -> AsyncIterator[RunTools]:
    """Build the run's clients from settings and close them at the end."""
    client = make_client(settings, transport=world_transport(settings))
    backend = make_search_backend(settings)
    session = SearchSession(
        backend, settings=settings.search, cache_dir=settings.cache_dir / "search"
    )
    fetcher = Fetcher(client, settings)
    verifier = Verifier(settings, http_client=client)
    try:
        yield RunTools(settings, session, fetcher, verifier, client)
    finally:
        await client.aclose()
        closer = getattr(backend, "aclose", None)
        if closer is not None:
            await closer()


async def search_all(queries: Sequence[str], *, search: SearchSession) -> SearchOutcome:
    """Run the planned queries concurrently (the session spaces them); failures are recorded."""
    answers = await asyncio.gather(*(search.search(q) for q in queries), return_exceptions=True)
    hits: list[SearchHit] = []
    failures: list[str] = []
    seen: set[str] = set()
    for query, answer in zip(queries, answers, strict=True):
        if isinstance(answer, SearchError):
            failures.append(f"Search for {query} failed: {answer}")
            continue
        if isinstance(answer, BaseException):
            raise answer
        for hit in answer:
            if hit.url not in seen:
                seen.add(hit.url)
                hits.append(hit)
    return SearchOutcome(tuple(hits), tuple(failures))


async def resolve_domain(
    interview: Interview,
    hits: Sequence[SearchHit],
    *,
    fetcher: Fetcher,
    verifier: Verifier,
) -> DomainOutcome:
    """The company's mail domain: the user's, else the best search candidate that takes mail."""
    if interview.domain:
        mail = await verifier.check_domain(interview.domain)
        reasons = ("You gave this domain.", *mail.reasons)
        return DomainOutcome(interview.domain, reasons)
    first = rank_domains(interview.company, hits)
    if not first:
        return DomainOutcome(
            None, (f"No search result looked like {interview.company}'s own site.",)
        )
    urls = candidate_homepages(list(first[:HOMEPAGES_TRIED]))
    fetched = await fetcher.fetch_many(urls)
    homepages = _homepages(fetched)
    ranked = rank_domains(interview.company, hits, homepages)
    checked = ranked[:DOMAINS_CHECKED]
    mails = {
        m.domain: m
        for m in await asyncio.gather(*(verifier.check_domain(c.domain) for c in checked))
    }
    chosen = choose_domain(checked, {d: m.status == "accepts" for d, m in mails.items()})
    if chosen is None:  # a DNS failure is not a refusal: keep the best candidate we could not check
        chosen = choose_domain(checked, {d: m.status == "unknown" for d, m in mails.items()})
        if chosen is not None:
            unchecked = f"Whether {chosen.domain} takes mail could not be checked."
            chosen = replace(chosen, reasons=(*chosen.reasons[:-1], unchecked))
    if chosen is None:
        reasons = tuple(
            f"{c.domain} was a candidate but does not take mail: {_first(mails[c.domain].reasons)}"
            for c in checked
        ) or (f"No candidate domain for {interview.company} takes mail.",)
        return DomainOutcome(None, reasons, tuple(ranked), tuple(homepages.values()))
    reasons = (*chosen.reasons, *mails[chosen.domain].reasons)
    return DomainOutcome(chosen.domain, tuple(reasons), tuple(ranked), tuple(homepages.values()))


def _first(reasons: Sequence[str]) -> str:
    return reasons[0] if reasons else "no reason was given."


def _homepages(results: Sequence[FetchResult]) -> dict[str, PageFacts]:
    pages: dict[str, PageFacts] = {}
    for result in results:
        if result.ok and result.text:
            facts = extract(result.text, result.final_url)
            pages[host_of(result.final_url).removeprefix("www.")] = facts
    return pages


async def gather_pages(
    hits: Sequence[SearchHit],
    *,
    interview: Interview,
    domain: str | None,
    fetcher: Fetcher,
    already: Sequence[PageFacts] = (),
    reserve: int = 0,
) -> Gathered:
    """Fetch the most useful pages the search found, and the company pages they link to.

    ``reserve`` requests of the run's budget are left for a later call.

    Pages stream: as soon as a company page arrives, the team, about, contact and
    press pages it links to are queued, while slower pages (a retry, a slow host)
    are still on their way. Results come back in the order the URLs were queued.
    """
    have = {p.url for p in already}
    budget = max(0, fetcher.budget_left - reserve)
    ranked = rank_hits(
        hits, domain=domain, name=interview.name, company=interview.company, limit=budget
    )
    first = [u for u in ranked if u not in have][: max(1, int(budget * FIRST_ROUND_SHARE))]
    queued: list[str] = []
    done: dict[str, PageFacts | str] = {}  # url -> facts, or the reason it failed
    running: set[asyncio.Task[None]] = set()

    def queue(urls: Sequence[str]) -> None:
        for url in urls:
            if url not in have and url not in queued:
                queued.append(url)
                running.add(asyncio.create_task(one(url)))

    async def one(url: str) -> None:
        (result,) = await fetcher.fetch_many([url])
        if not result.ok or not result.text:
            done[url] = f"{result.url}: {result.reason}"
            return
        done[url] = extract(result.text, result.final_url)
        if domain and on_domain(result.final_url, domain):
            links = same_site_links(result.text, result.final_url)
            room = max(0, budget - len(queued) - FOLLOW_UP_RESERVE)
            queue(select_follow_ups(links, domain=domain, already=[*have, *queued], limit=room))

    queue(first)
    while running:
        finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        running.difference_update(finished)
        for task in finished:
            task.result()  # a bug in extraction surfaces here, not silently
    pages = tuple(v for u in queued if isinstance(v := done[u], PageFacts))
    failures = tuple(v for u in queued if isinstance(v := done[u], str))
    return Gathered(pages, failures, tuple([*have, *queued]))


async def verify_addresses(
    addresses: Sequence[str], *, verifier: Verifier, smtp: bool | None
) -> list[Verification]:
    """Verify the top candidates concurrently (they share one DNS answer per domain)."""
    return await verifier.verify_many(list(dict.fromkeys(addresses)), smtp=smtp)


# -- the pipeline -------------------------------------------------------------
# Each step has one signature; the Prefect flow passes task-wrapped versions of
# these same functions, tests and benchmarks pass the plain ones.


async def search_step(queries: list[str], tools: RunTools) -> SearchOutcome:
    return await search_all(queries, search=tools.search)


async def domain_step(interview: Interview, found: SearchOutcome, tools: RunTools) -> DomainOutcome:
    return await resolve_domain(
        interview, found.hits, fetcher=tools.fetcher, verifier=tools.verifier
    )


async def gather_step(
    interview: Interview,
    hits: tuple[SearchHit, ...],
    domain: DomainOutcome,
    tools: RunTools,
    reserve: int = 0,
) -> Gathered:
    return await gather_pages(
        hits,
        interview=interview,
        domain=domain.domain,
        fetcher=tools.fetcher,
        already=domain.homepages,
        reserve=reserve,
    )


def analyse_step(
    interview: Interview,
    domain: str | None,
    pages: tuple[PageFacts, ...],
    hits: tuple[SearchHit, ...],
    today: dt.date,
    test_environment: bool,
) -> analysis.Analysis:
    return analysis.analyse(
        interview, domain, pages, hits, today=today, test_environment=test_environment
    )


async def verify_step(
    addresses: list[str], tools: RunTools, smtp: bool | None
) -> list[Verification]:
    return await verify_addresses(addresses, verifier=tools.verifier, smtp=smtp)


def write_step(result: ResearchResult, settings: Settings, now: dt.datetime) -> str:
    return str(write_briefing(result, settings=settings, now=now))


@dataclass(frozen=True, slots=True)
class PipelineRun:
    """One pipeline run: the result, the card's path, epoch seconds at which phases ended."""

    result: ResearchResult
    card: str
    timings: dict[str, float]


@dataclass(frozen=True, slots=True)
class Steps:
    """The pipeline's steps; the flow swaps in Prefect tasks wrapping these functions."""

    search: Callable[..., Any] = search_step
    domain: Callable[..., Any] = domain_step
    gather: Callable[..., Any] = gather_step
    analyse: Callable[..., Any] = analyse_step
    verify: Callable[..., Any] = verify_step
    write: Callable[..., Any] = write_step


async def _gather_with_addresses(
    steps: Steps,
    interview: Interview,
    found: SearchOutcome,
    domain: DomainOutcome,
    tools: RunTools,
) -> tuple[Gathered, SearchOutcome]:
    """Read pages while the '"@domain"' search runs, then the new pages that search found."""
    if not domain.domain or interview.domain:  # a given domain was in the first queries
        return await _call(steps.gather, interview, found.hits, domain, tools), found
    search = asyncio.ensure_future(_call(steps.search, [f'"@{domain.domain}"'], tools))
    first = await _call(steps.gather, interview, found.hits, domain, tools, ADDRESS_PAGES)
    more = await search
    read = replace(domain, homepages=(*domain.homepages, *first.pages))
    extra = await _call(steps.gather, interview, more.hits, read, tools)
    gathered = Gathered(
        first.pages + extra.pages,
        tuple(dict.fromkeys(first.failures + extra.failures)),
        tuple(dict.fromkeys(first.fetched + extra.fetched)),
    )
    return gathered, SearchOutcome((*found.hits, *more.hits), found.failures + more.failures)


async def _call(step: Callable[..., Any], *args: Any) -> Any:
    value = step(*args)
    return await value if inspect.isawaitable(value) else value


async def run_pipeline(
    interview: Interview,
    settings: Settings,
    *,
    smtp: bool | None,
    steps: Steps = Steps(),
    logger: logging.Logger | logging.LoggerAdapter = log,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> PipelineRun:
    """Research one interviewer end to end: the result, the card's path, and when each phase ended."""
    started = now()
    async with open_tools(settings) as tools:
        queries = plan_queries(interview.name, interview.company, interview.domain)
        logger.info(
            "Searching: %d queries for %s at %s", len(queries), interview.name, interview.company
        )
        found = await _call(steps.search, queries, tools)
        if not found.hits and len(found.failures) == len(queries):
            raise SearchError(
                f"Every search failed, so there is nothing to research; the first said: "
                f"{found.failures[0]} Check the network connection or the search settings "
                "(search.backend), or run offline against a world with --world DIR."
            )
        domain = await _call(steps.domain, interview, found, tools)
        logger.info("Company domain: %s", domain.domain or "not found")
        gathered, found = await _gather_with_addresses(steps, interview, found, domain, tools)
        pages = (*domain.homepages, *gathered.pages)
        logger.info("Read %d pages with %d requests", len(pages), tools.fetcher.requests_sent)
        facts = await _call(
            steps.analyse,
            interview,
            domain.domain,
            pages,
            found.hits,
            now().date(),
            settings.world is not None,
        )
        logger.info("Verifying %d candidate addresses", len(analysis.to_verify(facts)))
        checks = await _call(steps.verify, analysis.to_verify(facts), tools, smtp)
        stats = {
            "search_queries": tools.search.queries_sent,
            "search_cached": tools.search.queries_cached,
            "http_requests": tools.fetcher.requests_sent,
            "pages": len(pages),
        }
    result = analysis.finish(
        interview,
        domain=domain.domain,
        domain_reasons=domain.reasons,
        analysis=facts,
        verifications=checks,
        pages=pages,
        failures=(*found.failures, *gathered.failures),
        stats=stats,
    )
    researched = now()
    card = await _call(steps.write, result, settings, researched)
    logger.info("Briefing card written to %s", card)
    timings = {"started": started, "researched": researched, "written": now()}
    return PipelineRun(result, card, {k: v.timestamp() for k, v in timings.items()})
