"""Reading what the fetcher brings back into facts, and the few extra requests that needs.

The edge between ``Fetcher`` and the pure readers: ``read_result`` turns a fetched page,
vCard or PDF into ``PageFacts`` (a PDF is read in a worker thread, so a long one does not
stall the other fetches); ``sitemap_urls`` reads a site's sitemaps (robots.txt's
``Sitemap:`` lines, else ``/sitemap.xml``, an index's best children); ``find_moves`` looks
for a company that now answers at another domain (``lookup.web.identity``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from lookup.models import FetchResult, PageFacts, SearchHit
from lookup.text import host_of
from lookup.web.company import registrable_domain
from lookup.web.documents import kind_of
from lookup.web.extract import extract
from lookup.web.fetch import Fetcher
from lookup.web.identity import Move, announced_move, redirect_moves
from lookup.web.pdf import pdf_facts
from lookup.web.sitemap import pick_children, read_sitemap
from lookup.web.vcard import vcard_facts

__all__ = ["DOCUMENTS", "SITEMAP_REQUESTS", "find_moves", "read_result", "sitemap_urls"]

log = logging.getLogger(__name__)

DOCUMENTS = frozenset({"html", "vcard", "pdf"})  # what a followed link may turn out to be
SITEMAP_REQUESTS = 3  # sitemap files read per run: a listed one or /sitemap.xml, 2 children


async def read_result(result: FetchResult, *, clock: Callable[[], float] = time.monotonic
                      ) -> PageFacts | str:
    """The facts of a fetched page or document, or why there are none (a sentence)."""
    if not result.ok:
        return f"{result.url}: {result.reason}"
    if result.text is not None:
        return extract(result.text, result.final_url)
    body = result.body or b""
    kind = kind_of(result.content_type, body, result.final_url)
    if kind == "vcard":
        return vcard_facts(body, result.final_url)
    if kind == "pdf":
        facts, note = await asyncio.to_thread(pdf_facts, body, result.final_url, clock=clock)
        if note:
            log.info("PDF %s: %s", result.final_url, note)
        return facts
    return f"{result.url}: not read: a {kind or result.content_type or 'document'} file"


async def sitemap_urls(fetcher: Fetcher, site: str) -> list[str]:
    """The page URLs the site's sitemaps list (``site`` is a URL on it), in their order.

    The files come from robots.txt's ``Sitemap:`` lines (at most two), else ``/sitemap.xml``;
    of an index, the children most likely to list people (``pick_children``). At most
    SITEMAP_REQUESTS files are read, each through the fetcher (robots rules, budget, caps).
    """
    parts = urlsplit(site)
    origin = f"{parts.scheme}://{parts.netloc}"
    listed = list(await fetcher.sitemaps(f"{origin}/"))
    queue = listed[:2] or [f"{origin}/sitemap.xml"]
    urls: list[str] = []
    spent = 0
    while queue and spent < SITEMAP_REQUESTS:
        url = queue.pop(0)
        spent += 1
        result = await fetcher.fetch(url, accept=frozenset({"sitemap"}))
        if not result.ok or result.body is None:
            log.info("sitemap %s not read: %s", url, result.reason or "empty")
            continue
        found = read_sitemap(result.body)
        urls += found.urls
        queue = pick_children(found.children) + queue
    return list(dict.fromkeys(urls))


def _other_pages(hits: Sequence[SearchHit], domain: str, homepage: str) -> list[str]:
    """Search results on ``domain`` other than its home page: probes of a site-wide move."""
    return [h.url for h in hits if registrable_domain(host_of(h.url)) == domain
            and h.url.rstrip("/") != homepage.rstrip("/")]


async def find_moves(company: str, fetched: Sequence[FetchResult], homepages: dict[str, PageFacts],
                     hits: Sequence[SearchHit], fetcher: Fetcher) -> list[Move]:
    """Candidates' moves to other domains: permanent redirects, or a home page saying so.

    A redirected home page is checked with one more page of the old domain from the search
    results (a site-wide move, or only the home page?). A home page announcing the move gets
    the new site's home page read into ``homepages``, as the redirect does by itself.
    """
    redirected = [r for r in fetched if r.ok and r.hops]
    probes = []
    for result in redirected:
        old = registrable_domain(host_of(result.url))
        if registrable_domain(host_of(result.final_url)) != old:
            probes += _other_pages(hits, old, result.url)[:1]
    moves = redirect_moves(company, redirected, await fetcher.fetch_many(probes))
    for result in fetched:
        page = homepages.get(host_of(result.final_url).removeprefix("www."))
        left = registrable_domain(host_of(result.final_url)) != registrable_domain(
            host_of(result.url))
        if not result.ok or page is None or left:  # a redirect elsewhere is read above
            continue
        move = announced_move(company, page)
        if move is not None:
            moves.append(move)
            await _read_new_home(move, homepages, fetcher)
    return moves


async def _read_new_home(move: Move, homepages: dict[str, PageFacts], fetcher: Fetcher) -> None:
    for url in dict.fromkeys((move.url, f"https://{move.new}/")):
        result = await fetcher.fetch(url)
        if result.ok and result.text:
            homepages[host_of(result.final_url).removeprefix("www.")] = extract(
                result.text, result.final_url)
            return
