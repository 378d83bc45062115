"""The research run's I/O steps, composed from the edges (search, fetch, verify).

Each step is an async function that takes what it works on and the run's tools
(``RunTools``, opened once per run by ``open_tools``), so robots.txt, budgets, rate
limits and the DNS cache are shared across steps. ``run_pipeline`` calls them in
order; the Prefect flow wraps each, as it is, in a task. Page bodies never leave
``gather_pages``: steps return extracted facts, not HTML.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import logging
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from lookup.address.evidence import is_role_address
from lookup.address.namematch import NameMatcher
from lookup.errors import ConfigError, SearchError
from lookup.mail.dnscheck import DomainMail
from lookup.mail.portcheck import REACH_FILE
from lookup.mail.smtpcheck import shared_smtp_limiter
from lookup.mail.verify import Verifier
from lookup.models import (
    FetchResult,
    Interview,
    PageFacts,
    ResearchResult,
    SearchHit,
    Verification,
)
from lookup.ratelimit import Politeness, shared_limiter
from lookup.settings import Settings
from lookup.text import host_of
from lookup.web.company import (
    DomainCandidate,
    candidate_homepages,
    choose_domain,
    english_version,
    rank_domains,
)
from lookup.web.documents import is_document_url, select_documents
from lookup.web.extract import extract
from lookup.web.fetch import Fetcher, make_client
from lookup.web.identity import Move, apply_moves
from lookup.web.maildomain import choose_mail_domain, published_domains, worth_checking
from lookup.web.plan import on_domain, person_pages, rank_hits, select_follow_ups
from lookup.web.reader import DOCUMENTS, find_moves, read_result, sitemap_urls
from lookup.web.search import make_search_backend
from lookup.web.session import SearchSession
from lookup.web.sitemap import rank_listed

__all__ = [
    "DomainOutcome",
    "Gathered",
    "MailOutcome",
    "RunTools",
    "SearchOutcome",
    "gather_pages",
    "local_politeness",
    "open_tools",
    "preload_card",
    "resolve_domain",
    "resolve_mail_domain",
    "search_all",
    "verify_addresses",
    "write_card",
]

log = logging.getLogger(__name__)

# Share of the page budget spent on search hits before following company links.
FIRST_ROUND_SHARE = 0.6
# Requests kept back from follow-up pages (robots.txt of hosts not seen yet).
FOLLOW_UP_RESERVE = 2
HOMEPAGES_TRIED = 3
COLLEAGUE_PAGES = 2  # colleagues' per-person pages read for their addresses (issue 26)
SITEMAP_PAGES = 3  # pages a sitemap leads to: the interviewer's own, then team pages
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
    """The company's site domain, why, and what was learnt choosing it."""

    domain: str | None
    reasons: tuple[str, ...]  # ownership, then (when the site takes the mail) its mail checks
    candidates: tuple[DomainCandidate, ...] = ()
    homepages: tuple[PageFacts, ...] = ()
    ownership: tuple[str, ...] = ()  # why the domain is the company's, without the mail part
    checks: Mapping[str, DomainMail] = field(default_factory=dict)  # mail checks done so far
    takes_mail: bool = True  # False: the site was chosen although it takes no mail
    moves: tuple[Move, ...] = ()  # the company answers at another domain now (renamed, acquired)


@dataclass(frozen=True, slots=True)
class MailOutcome:
    """The domain the company's addresses are at (maybe not the site's), and why."""

    domain: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Gathered:
    pages: tuple[PageFacts, ...]
    failures: tuple[str, ...] = ()
    fetched: tuple[str, ...] = field(default=())


@contextlib.asynccontextmanager
async def open_tools(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    politeness: Politeness | None = None,
) -> AsyncIterator[RunTools]:
    """Build the run's clients from settings and close them at the end.

    ``transport`` carries HTTP in world mode (the world's own transport routes
    every world host to its loopback server); without it a run in world mode
    would go to the real web, so it is refused. ``politeness`` carries the limiters
    for search, hosts and SMTP (default: ``local_politeness``, shared by the runs
    of this process).
    """
    if settings.world is not None and transport is None:
        raise ConfigError(
            "This run is set up for an offline world but was given no transport to reach "
            "it; pass the world's transport (RunningWorld.transport())."
        )
    polite = politeness or local_politeness(settings)
    client = make_client(settings, transport=transport)
    backend = make_search_backend(settings)
    session = SearchSession(
        backend, settings=settings.search, cache_dir=settings.cache_dir / "search",
        limiter=polite.search,
    )
    fetcher = Fetcher(client, settings, limiter=polite.fetch)
    verifier = Verifier(
        settings, http_client=client, day_cache=settings.cache_dir / REACH_FILE,
        smtp_limiter=polite.smtp,
    )
    try:
        yield RunTools(settings, session, fetcher, verifier, client)
    finally:
        await verifier.finish()  # looks ahead for the SMTP probe use the client
        await client.aclose()
        closer = getattr(backend, "aclose", None)
        if closer is not None:
            await closer()


def local_politeness(settings: Settings) -> Politeness:
    """In-process limiters shared by every run of this process (a batch run locally included)."""
    return Politeness(
        search=shared_limiter("search", settings.search.min_interval_s),
        fetch=shared_limiter("fetch", settings.fetch.per_host_delay_s),
        smtp=shared_smtp_limiter(settings.smtp.probes_per_domain_per_minute),
    )


async def search_all(queries: Sequence[str], tools: RunTools) -> SearchOutcome:
    """Run the planned queries concurrently (the session spaces them); failures are recorded."""
    answers = await asyncio.gather(*(tools.search.search(q) for q in queries),
                                   return_exceptions=True)
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
    interview: Interview, hits: Sequence[SearchHit], tools: RunTools
) -> DomainOutcome:
    """The company's mail domain: the user's, else the best search candidate that takes mail."""
    fetcher, verifier = tools.fetcher, tools.verifier
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
    roots = [r.url.removesuffix("en/") for r in fetched if not r.ok and r.url.endswith("/en/")]
    if roots:  # no English homepage under /en/ after all: the site's root, then
        fetched = [*fetched, *await fetcher.fetch_many(roots)]
    homepages = _homepages(fetched)
    english = {host: url for host, page in homepages.items()
               if (url := english_version(page, interview.company))}
    if english:  # a homepage in another script: its English version names the company
        homepages |= _homepages(await fetcher.fetch_many(list(english.values())))
    moves = tuple(await find_moves(interview.company, fetched, homepages, hits, fetcher))
    ranked = apply_moves(rank_domains(interview.company, hits, homepages), moves, first)
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
    pages = tuple(homepages.values())
    if chosen is None:
        reasons = tuple(
            f"{c.domain} was a candidate but does not take mail: {_first(mails[c.domain].reasons)}"
            for c in checked
        ) or (f"No candidate domain for {interview.company} takes mail.",)
        # The company's own site may still be known: its pages may say where the mail goes.
        site = next((c for c in checked if c.confirmed), None)
        if site is None:
            return DomainOutcome(None, reasons, tuple(ranked), pages, checks=mails, moves=moves)
        return DomainOutcome(site.domain, (*site.reasons, *reasons), tuple(ranked), pages,
                             site.reasons, mails, takes_mail=False, moves=moves)
    reasons = (*chosen.reasons, *mails[chosen.domain].reasons)
    ownership = next(c.reasons for c in ranked if c.domain == chosen.domain)
    return DomainOutcome(chosen.domain, tuple(reasons), tuple(ranked), pages, ownership, mails,
                         moves=moves)


async def resolve_mail_domain(
    domain: DomainOutcome, pages: Sequence[PageFacts], tools: RunTools
) -> MailOutcome:
    """Where the company's addresses are: the site's domain, or the one its own pages publish.

    Checks the mail of the domains the company's own pages publish addresses at (the site's
    pages, read so far) and keeps the site's domain unless one of them wins (``maildomain``).
    """
    site = domain.domain
    if site is None:
        return MailOutcome(None, domain.reasons)
    published = published_domains(pages, site)
    checks = dict(domain.checks)
    wanted = [d for d in worth_checking(site, published) if d not in checks]
    for mail in await asyncio.gather(*(tools.verifier.check_domain(d) for d in wanted)):
        checks[mail.domain] = mail
    chosen, why = choose_mail_domain(site, published, checks)
    if chosen != site and (chosen is not None or not domain.takes_mail):
        return MailOutcome(chosen, (*domain.ownership, *why))
    if domain.takes_mail:
        return MailOutcome(site, domain.reasons)  # the site takes the mail, as found above
    return MailOutcome(site, (*domain.ownership, *why))


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
    interview: Interview,
    hits: Sequence[SearchHit],
    found: DomainOutcome,
    tools: RunTools,
    reserve: int = 0,
) -> Gathered:
    """Fetch the most useful pages the search found, and the company pages they link to.

    ``found`` is the company's domain and the pages already read choosing it (their menus
    count); ``reserve`` requests of the run's budget are left for a later call.

    Pages stream: as soon as a company page arrives, the team, about, contact and
    press pages it links to are queued, while slower pages (a retry, a slow host)
    are still on their way. Results come back in the order the URLs were queued.
    """
    domain, already, fetcher = found.domain, found.homepages, tools.fetcher
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

    colleagues = [COLLEAGUE_PAGES]  # colleagues' own pages, read from the first index only

    def follow(page: PageFacts) -> None:
        """Queue the company pages, vCards and PDFs this page links to that likely list people:
        the interviewer's own page (and a few colleagues') first when it is an index of names."""
        if domain and on_domain(page.url, domain):
            wanted = colleagues[0] if not page.emails else 0
            mine = person_pages(page.site_links, name=interview.name, domain=domain,
                                already=[*have, *queued], colleagues=wanted)
            if wanted and len(mine) > 1:
                colleagues[0] = 0
            queue(mine[: max(0, budget - len(queued) - FOLLOW_UP_RESERVE)])
            room = max(0, budget - len(queued) - FOLLOW_UP_RESERVE)
            queue(select_documents(page.site_links, name=interview.name,
                                   already=[*have, *queued], limit=room, **taken()))
            room = max(0, budget - len(queued) - FOLLOW_UP_RESERVE)
            queue([u for u in select_follow_ups(page.site_links, domain=domain,
                                                already=[*have, *queued], limit=room)
                   if not is_document_url(u)])

    def taken() -> dict[str, int]:
        kinds = [is_document_url(u) for u in (*have, *queued)]  # this run's, earlier calls too
        return {"pdfs_taken": kinds.count("pdf"), "vcards_taken": kinds.count("vcard")}

    async def one(url: str) -> None:
        (result,) = await fetcher.fetch_many([url], accept=DOCUMENTS)
        done[url] = facts = await read_result(result)
        if isinstance(facts, PageFacts):
            follow(facts)

    async def settle() -> None:
        while running:
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            running.difference_update(finished)
            for task in finished:
                task.result()  # a bug in extraction surfaces here, not silently

    queue(first)
    for page in already:  # the homepages read while choosing the domain: their menus count
        follow(page)
    await settle()
    read = [*already, *(v for v in done.values() if isinstance(v, PageFacts))]
    if domain and fetcher.budget_left > reserve + 1 and _wants_people(read, interview, domain):
        # no company page read so far names the interviewer, or a colleague's address with
        # a full name: the sitemap may list the page that does
        site = next((p.url for p in read if on_domain(p.url, domain)), f"https://{domain}/")
        listed = await sitemap_urls(fetcher, site)
        room = max(0, min(budget, fetcher.budget_left - reserve) - FOLLOW_UP_RESERVE)
        queue(rank_listed(listed, name=interview.name, domain=domain,
                          already=[*have, *queued], limit=min(room, SITEMAP_PAGES)))
        await settle()
    pages = tuple(v for u in queued if isinstance(v := done[u], PageFacts))
    failures = tuple(v for u in queued if isinstance(v := done[u], str))
    return Gathered(pages, failures, tuple([*have, *queued]))


def _wants_people(pages: Sequence[PageFacts], interview: Interview, domain: str) -> bool:
    """True unless the company's own pages read so far name the interviewer as a person and
    give some colleague's personal address under their full name."""
    me = NameMatcher(interview.name)
    on_site = [p for p in pages if on_domain(p.url, domain)]
    named = any(me.matches(m.name) for p in on_site for m in p.people)
    owners = [e.name for p in on_site for e in p.emails if not is_role_address(e.address)]
    owners += [m.name for p in on_site for m in p.people if m.email]
    return not (named and any(len(o.split()) >= 2 and not me.matches(o) for o in owners if o))


async def verify_addresses(
    addresses: Sequence[str], tools: RunTools, smtp: bool | None, deeper: Sequence[str] = ()
) -> list[Verification]:
    """Verify the top candidates, and with SMTP on walk ``deeper`` (the rest of the ranked list)
    while the mail server refuses them: one session asks several in turn."""
    return await tools.verifier.verify_ranked(list(dict.fromkeys(addresses)), list(deeper),
                                              smtp=smtp)


def write_card(
    result: ResearchResult, settings: Settings, now: dt.datetime,
    started: dt.datetime | None = None,
) -> str:
    """Store the result and write its card (and reminder); the card's path. Nothing is
    written when the person was forgotten after the run ``started`` (``ForgottenError``)."""
    from lookup.card.write import write_briefing  # SQLAlchemy and Jinja: see preload_card

    return str(write_briefing(result, settings=settings, now=now, started=started))


# What writing the card loads (SQLAlchemy, Jinja, icalendar: ~0.5 s of imports), not
# needed before the end of a run.
CARD_MODULES = ("lookup.card.write",)


def preload_card(templates_dir: Path | None = None) -> threading.Thread:
    """Load the card's modules, and compile its templates from ``templates_dir``, in a thread
    while the run waits on the network (issue 31): the work takes the processor when the
    event loop has nothing to do, instead of adding its time at the end. ``write_card``
    imports the modules again (a no-op by then, or it waits for the thread's import to
    finish) and renders with the compiled templates."""
    def load() -> None:
        for name in CARD_MODULES:
            with contextlib.suppress(Exception):  # write_card's own import says what failed
                importlib.import_module(name)
        if templates_dir is not None:
            with contextlib.suppress(Exception):  # so does the card's own rendering
                from lookup.card.render import compile_templates

                compile_templates(templates_dir)

    thread = threading.Thread(target=load, name="preload-card", daemon=True)
    thread.start()
    return thread
