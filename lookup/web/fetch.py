"""Fetching web pages politely and safely: robots.txt, budgets, caps, and no private addresses.

``Fetcher.fetch(url)`` never raises for network trouble: it returns a
``FetchResult`` whose ``reason`` says, in words, why a page was skipped or
failed. Reasons begin with a fixed phrase so callers can group them:
"budget spent", "disallowed by robots.txt", "non-public address", "refused",
"timed out", "connection reset", "could not connect", "HTTP <status>",
"too many redirects", "not HTML", "too large", "blocked by a bot challenge".

Documents. ``fetch(url, accept=...)`` may take vCards, PDFs and sitemaps besides HTML
(``lookup.web.documents``): their bytes come back in ``FetchResult.body``, each kind read up
to its own cap. Bot walls. A 403, 429 or 503 whose headers or page are a bot challenge
(``lookup.web.walls``) is not retried, and the host is not asked again in this run: every
later URL there gets the same reason without a request.

Politeness. robots.txt is fetched once per origin per run and honoured with
protego (RFC 9309 matching). As RFC 9309 section 2.3.1 says: a 4xx answer
("unavailable", 404 included) allows everything; a 5xx or 429 answer, or no
answer at all ("unreachable"), disallows everything for this run. Requests to
one host are spaced ``fetch.per_host_delay_s`` apart (or by the site's
Crawl-delay, up to 10 s, when longer); every request (robots.txt,
redirect hops and retries included) spends the run's ``max_pages_per_run``.

Safety. Only http(s) URLs without credentials are fetched, and never one whose
host is, or resolves to, a loopback, private, link-local, multicast, reserved
or otherwise non-public address; the check is repeated for every redirect hop,
which is why redirects are followed here and not by httpx. World mode
(``settings.world`` set) skips the address check: a world maps its hosts to
loopback on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from urllib.parse import urljoin

import httpx

from lookup.models import FetchResult
from lookup.ratelimit import (
    RETRY_STATUS,
    Clock,
    RateLimiter,
    Spacing,
    SystemClock,
    backoff_delay,
)
from lookup.settings import Settings
from lookup.text import host_of, inert
from lookup.web._client import make_client, read_capped
from lookup.web._http import (
    dedupe_key,
    looks_like_html,
    media_type,
    origin,
    retry_after,
)
from lookup.web._markup import decode_html
from lookup.web.documents import DOCUMENT_LIMITS, kind_of
from lookup.web.hosts import (
    Resolver,
    address_problem,
    dns_resolver,
    ip_literal,
    loopback_problem,
    make_resolver,
    system_resolver,
    url_problem,
)
from lookup.web.robots import (
    ROBOTS_MAX_BYTES,
    ROBOTS_MAX_REDIRECTS,
    RobotsRules,
    crawl_delay_notice,
    robots_rules,
)
from lookup.web.walls import CHALLENGE_STATUSES, SNIFF_BYTES, challenge

__all__ = [
    "Fetcher",
    "Resolver",
    "address_problem",
    "decode_html",
    "dedupe_key",
    "dns_resolver",
    "ip_literal",
    "make_client",
    "make_resolver",
    "system_resolver",
    "url_problem",
]

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PAGES = frozenset({"html"})  # what fetch() takes unless told otherwise
# One retry after a short backoff: a research run is interactive and a page is never
# essential; a page still failing is reported with its reason and the run goes on.
MAX_RETRIES = 1
RETRY_BASE_S = 0.3
RETRY_WAIT_CAP_S = 5.0  # a Retry-After longer than this is not waited for inside a run


# -- the fetcher -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Answer:
    """One request's outcome: a response (maybe a redirect) or a reason it failed."""

    url: str
    status: int | None = None
    content_type: str = ""
    body: bytes | None = None
    location: str | None = None
    truncated: bool = False
    reason: str = ""
    kind: str = "html"  # or the document kind: "vcard", "pdf", "sitemap"
    hops: tuple[tuple[int, str], ...] = ()


class Fetcher:
    """Fetches pages for one research run; counts and records every request it sends."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        vet: Callable[[str], str | None] = address_problem,
        limiter: Spacing | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.world_mode = settings.world is not None
        self.resolver = resolver or make_resolver(settings)
        self.vet = vet
        # the client's pinned connections use the address this fetcher vetted (no rebinding)
        self.pins: dict[str, str] | None = getattr(
            getattr(client, "lookup_backend", None), "pins", None)
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        # per-host spacing: this run's own by default; shared ones come in (process, workers)
        self.limiter: Spacing = limiter or RateLimiter(
            settings.fetch.per_host_delay_s, clock=self.clock
        )
        self.requested: list[str] = []  # every URL sent, in order (robots.txt, hops, retries)
        self.requests_sent = 0
        self.pages_fetched = 0
        self.robots_fetches = 0
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._hosts: dict[str, str | None] = {}  # host -> address problem, resolved once
        self._memo: dict[str, asyncio.Future[FetchResult]] = {}
        self._slots = asyncio.Semaphore(max(1, settings.fetch.concurrency))
        self._host_queues: dict[str, asyncio.Lock] = {}  # one request per host waits its turn
        self.walled: dict[str, str] = {}  # host -> why: a bot challenge answered there

    @property
    def budget_left(self) -> int:
        return max(0, self.settings.fetch.max_pages_per_run - self.requests_sent)

    async def fetch_many(self, urls: Iterable[str], *,
                         accept: frozenset[str] = PAGES) -> list[FetchResult]:
        """Fetch each distinct URL once, in the order given; ``fetch.concurrency`` requests are
        in flight at most (a URL waiting for its host's turn holds none: ``_request``)."""
        unique = list(dict.fromkeys(dedupe_key(u) for u in urls if u.strip()))
        return list(await asyncio.gather(*(self.fetch(u, accept=accept) for u in unique)))

    async def fetch(self, url: str, *, accept: frozenset[str] = PAGES) -> FetchResult:
        """The page at ``url``, or why it was not fetched; never raises for network trouble.

        ``accept`` names the kinds taken: "html", and documents ("vcard", "pdf", "sitemap"),
        whose bytes come back in ``body``.
        """
        key = dedupe_key(url) if url_problem(url) is None else url
        if key not in self._memo:
            self._memo[key] = asyncio.ensure_future(self._fetch(url, accept))
        return await asyncio.shield(self._memo[key])

    async def sitemaps(self, url: str) -> tuple[str, ...]:
        """The sitemaps the robots.txt of ``url``'s origin lists (read once per run)."""
        robots = await self._robots_for(url)
        return tuple(robots.parser.sitemaps) if robots.parser is not None else ()

    async def _fetch(self, url: str, accept: frozenset[str]) -> FetchResult:
        started = self.clock.monotonic()
        answer = await self._follow(
            url, robots_check=True, max_redirects=self.settings.fetch.max_redirects,
            accept=accept,
        )
        elapsed = (self.clock.monotonic() - started) * 1000
        if answer.reason:
            log.info("not fetched %s: %s", inert(url), answer.reason)
            return FetchResult(url, answer.url, False, answer.status, None, answer.content_type,
                               answer.reason, elapsed, hops=answer.hops)
        self.pages_fetched += 1
        if answer.kind != "html":
            return FetchResult(url, answer.url, True, answer.status, None, answer.content_type,
                               "", elapsed, body=answer.body or b"", hops=answer.hops)
        text = decode_html(answer.body or b"", answer.content_type)
        return FetchResult(url, answer.url, True, answer.status, text, answer.content_type, "",
                           elapsed, hops=answer.hops)

    async def _follow(self, url: str, *, robots_check: bool, max_redirects: int,
                      accept: frozenset[str] = PAGES) -> _Answer:
        """Request ``url``, following up to ``max_redirects`` redirects, checking every hop."""
        current = url
        hops: list[tuple[int, str]] = []
        for _ in range(max_redirects + 1):
            problem = url_problem(current) or await self._address_problem(current)
            if problem:
                return _Answer(current, reason=problem, hops=tuple(hops))
            if robots_check and not (robots := await self._robots_for(current)).allow_all:
                if robots.failure:
                    return _Answer(current, reason=robots.failure, hops=tuple(hops))
                if robots.parser is None or not robots.parser.can_fetch(current, self._agent):
                    return _Answer(current, reason="disallowed by robots.txt" + robots.why,
                                   hops=tuple(hops))
            answer = await self._request(current, page=robots_check, accept=accept)
            if answer.location is None:
                return replace(answer, hops=tuple(hops))
            current = urljoin(current, answer.location)
            hops.append((answer.status or 0, current))
        return _Answer(current, reason=f"too many redirects: more than {max_redirects}",
                       hops=tuple(hops))

    @property
    def _agent(self) -> str:
        return self.settings.general.user_agent

    async def _address_problem(self, url: str) -> str | None:
        """Why the URL's host is off limits (a non-public address), or None. World mode: None."""
        host = _host(url)
        literal = ip_literal(host)
        if self.world_mode:  # world hosts go to the world's loopback server; literals must too
            return loopback_problem(literal) if literal is not None else None
        if literal is not None:
            return self.vet(str(literal))
        if host not in self._hosts:
            self._hosts[host] = await self._resolve_problem(host)
        return self._hosts[host]

    async def _resolve_problem(self, host: str) -> str | None:
        try:
            addresses = list(await self.resolver(host))
        except (OSError, UnicodeError) as exc:
            return f"could not connect: the host name {host} does not resolve ({exc})"
        if not addresses:
            return f"could not connect: the host name {host} has no address"
        for address in addresses:
            problem = self.vet(address)
            if problem:
                return f"{problem} ({host} resolves to it)"
        if self.pins is not None:
            self.pins.setdefault(host, addresses[0])
        return None

    # -- robots.txt ----------------------------------------------------------
    def _crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay robots.txt asks of us for this origin (capped), once it is known."""
        robots = self._robots.get(origin(url))
        return None if robots is None else robots.crawl_delay(self._agent)

    async def _robots_for(self, url: str) -> RobotsRules:
        site = origin(url)
        lock = self._robots_locks.setdefault(site, asyncio.Lock())
        async with lock:
            if site not in self._robots:
                self._robots[site] = await self._load_robots(site)
        return self._robots[site]

    async def _load_robots(self, site: str) -> RobotsRules:
        self.robots_fetches += 1
        answer = await self._follow(
            f"{site}/robots.txt", robots_check=False, max_redirects=ROBOTS_MAX_REDIRECTS
        )
        rules = robots_rules(answer.status, answer.body, answer.reason, answer.truncated)
        delay = rules.crawl_delay(self._agent) or 0
        if delay > self.settings.fetch.per_host_delay_s:
            log.warning(crawl_delay_notice(_host(site), delay))  # a slow run is never silent
        return rules

    # -- one request, with retries ---------------------------------------------
    async def _request(self, url: str, *, page: bool, accept: frozenset[str] = PAGES) -> _Answer:
        """GET ``url`` once, retrying 429/502/503/504 and resets up to MAX_RETRIES times."""
        for attempt in range(MAX_RETRIES + 1):
            if _host(url) in self.walled:
                return _Answer(url, reason=f"{self.walled[_host(url)]} (not asked again)")
            if self.requests_sent >= self.settings.fetch.max_pages_per_run:
                n = self.settings.fetch.max_pages_per_run
                return _Answer(url, reason=f"budget spent: the run's {n} requests are used")
            self.requests_sent += 1
            self.requested.append(url)
            async with self._turn(url):
                answer, wait = await self._attempt(url, page=page, last=attempt == MAX_RETRIES,
                                                   accept=accept)
            if wait is None:
                return answer
            await self.clock.sleep(
                max(wait, backoff_delay(attempt, rng=self.rng, base_s=RETRY_BASE_S, cap_s=RETRY_WAIT_CAP_S))
            )
        raise AssertionError("unreachable")  # pragma: no cover - the last attempt always returns

    @contextlib.asynccontextmanager
    async def _turn(self, url: str) -> AsyncIterator[None]:
        """A slot (``fetch.concurrency`` requests at once) and the host's turn, in that order.

        One request per host waits for its host's turn at a time, holding a slot; the host's
        next one queues without a slot (issue 31: each took a slot first, so a host's spaced
        pages could hold every slot while other hosts waited). The turn comes after the slot,
        so the request leaves as soon as its turn is granted: a host's spacing holds.
        """
        host = _host(url)
        async with self._host_queues.setdefault(host, asyncio.Lock()):
            await self._slots.acquire()
            try:
                await self.limiter.wait(host, interval_s=self._crawl_delay(url))
            except BaseException:
                self._slots.release()
                raise
        try:
            yield
        finally:
            self._slots.release()
            self.limiter.done(host)

    async def _attempt(self, url: str, *, page: bool, last: bool,
                       accept: frozenset[str] = PAGES) -> tuple[_Answer, float | None]:
        """One GET: the answer, and how long to wait before retrying (None: do not retry)."""
        timeout = self.settings.fetch.timeout_s
        try:
            # httpx's timeout is per read; this deadline bounds a body trickled byte by byte.
            async with asyncio.timeout(timeout * 2):
                response = await self.client.send(
                    self.client.build_request("GET", url), stream=True
                )
                try:
                    return await self._read(url, response, page=page, last=last, accept=accept)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return _Answer(url, reason=f"timed out after {timeout:g} s"), None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            answer = _Answer(url, reason=f"connection reset: {exc or type(exc).__name__}")
            return answer, None if last else 0.0
        except httpx.ConnectError as exc:
            return _Answer(url, reason=f"could not connect: {exc or type(exc).__name__}"), None
        except httpx.InvalidURL as exc:
            return _Answer(url, reason=f"refused: the URL is malformed ({exc})"), None
        except httpx.HTTPError as exc:
            return _Answer(url, reason=f"could not connect: {type(exc).__name__}: {exc}"), None

    async def _read(
        self, url: str, response: httpx.Response, *, page: bool, last: bool,
        accept: frozenset[str] = PAGES,
    ) -> tuple[_Answer, float | None]:
        status = response.status_code
        content_type = response.headers.get("content-type", "")
        base = _Answer(url, status=status, content_type=content_type)
        location = response.headers.get("location")
        if 300 <= status < 400 and location:
            return _Answer(url, status=status, location=location), None
        if (wall := await self._wall(url, response)) is not None:
            return _with(base, reason=wall), None
        if status in RETRY_STATUS:
            asked = retry_after(response.headers.get("retry-after"), self.clock.time())
            if last or (asked is not None and asked > RETRY_WAIT_CAP_S):
                tries = " after retries" if last else f"; it asked to retry after {asked:g} s"
                return _with(base, reason=f"HTTP {status} {response.reason_phrase}{tries}"), None
            return base, asked or 0.0
        if status >= 400:
            return _with(base, reason=f"HTTP {status} {response.reason_phrase}"), None
        media = media_type(content_type)
        kind = kind_of(content_type, url=url) if page and media not in HTML_TYPES else None
        if page and media and media not in HTML_TYPES and kind not in accept:
            return _with(base, reason=f"not HTML: {media}"), None
        limit = self.settings.fetch.max_bytes if page else ROBOTS_MAX_BYTES
        limit = DOCUMENT_LIMITS.get(kind or "", limit)
        # a page over the cap is refused at once; robots.txt is read up to its cap and parsed;
        # a sitemap is read up to its cap too (the URLs in it so far are as good)
        body, truncated = await read_capped(response, limit,
                                             refuse_declared=page and kind != "sitemap")
        if page and truncated and kind != "sitemap":
            return _with(base, reason=f"too large: more than {limit} bytes"), None
        if page and not media:
            kind = kind_of("", body, url) if not looks_like_html(body) else None
            if kind is None and not looks_like_html(body) or kind and kind not in accept:
                return _with(base, reason="not HTML: no content type and no HTML markup"), None
        return _with(base, body=body, truncated=truncated, kind=kind or "html"), None

    async def _wall(self, url: str, response: httpx.Response) -> str | None:
        """The reason, when this answer is a bot challenge; the host is then walled for the run."""
        if response.status_code not in CHALLENGE_STATUSES:
            return None
        sniffed, _ = await read_capped(response, SNIFF_BYTES, refuse_declared=False)
        service = challenge(response.status_code, response.headers, sniffed)
        if service is None:
            return None
        reason = (f"blocked by a bot challenge: {_host(url)} answered with {service}'s challenge "
                  f"page (HTTP {response.status_code}) instead of the site")
        self.walled.setdefault(_host(url), reason)
        return reason


_host = host_of


def _with(answer: _Answer, **changes: object) -> _Answer:
    return replace(answer, **changes)  # type: ignore[arg-type]
