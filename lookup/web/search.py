"""Web search backends: a small interface and two implementations (ddgs, SearXNG).

Backends (``DdgsBackend``, ``SearxngBackend``) turn one query into
``SearchHit`` records; the dicts they receive stop here. They retry transient
failures (timeouts, rate limits, 5xx) with exponential backoff and jitter, then
raise ``SearchError``. An empty result list is a result, not an error.

The polite per-run wrapper (rate limit, budget, cache) is
``lookup.web.session.SearchSession``; the queries come from
``lookup.web.queries.plan_queries``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import httpx

from lookup.errors import ConfigError, SearchError
from lookup.models import SearchHit
from lookup.ratelimit import RETRY_STATUS, Clock, SystemClock, backoff_delay
from lookup.settings import SearchSettings, Settings
from lookup.text import inert
from lookup.web.tls import httpx_context

__all__ = ["DdgsBackend", "SearchBackend", "SearxngBackend", "make_search_backend"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class SearchBackend(Protocol):
    """Anything that answers a text query with ranked hits."""

    name: str

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]: ...


class _Transient(Exception):
    """A failure worth retrying; ``str(exc)`` is a reason in words."""


async def _with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    retries: int,
    clock: Clock,
    rng: random.Random,
    what: str,
) -> T:
    """Run ``attempt``; on ``_Transient`` wait with backoff and try again, ``retries`` times."""
    for number in range(retries + 1):
        try:
            return await attempt()
        except _Transient as exc:
            last = exc
            if number < retries:
                delay = backoff_delay(number, rng=rng)
                log.info("%s failed (%s); retrying in %.1f s", what, exc, delay)
                await clock.sleep(delay)
    raise SearchError(
        f"{what} failed after {retries + 1} attempts: {last}. "
        "Try again later, or choose another engine with search.backend."
    ) from last


# -- ddgs -------------------------------------------------------------------

# ddgs 9.x raises DDGSException("No results found.") when every engine came back
# empty; TimeoutException and RatelimitException (both DDGSException subclasses)
# mark transient trouble, as do engine connection errors re-raised as DDGSException.
_DDGS_NO_RESULTS = "no results found"


class DdgsBackend:
    """Metasearch through the ``ddgs`` package, run in a worker thread."""

    name = "ddgs"

    def __init__(
        self,
        settings: SearchSettings,
        *,
        ddgs_factory: Callable[..., Any] | None = None,
        timeout_s: int = 10,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.timeout_s = timeout_s
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self._factory = ddgs_factory

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        if not query.strip():
            return []
        rows = await _with_retries(
            lambda: asyncio.to_thread(self._text, query, max_results),
            retries=self.settings.retries,
            clock=self.clock,
            rng=self.rng,
            what="The ddgs web search",
        )
        return _hits_from_rows(rows, query, self.name, url_key="href", snippet_key="body")

    def _text(self, query: str, max_results: int) -> list[dict[str, Any]]:
        from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

        factory = self._factory
        if factory is None:
            from ddgs import DDGS as factory  # noqa: N811 - imported lazily: ddgs loads many engines
        try:
            return factory(timeout=self.timeout_s).text(
                query,
                region=self.settings.region,
                safesearch=self.settings.safesearch,
                max_results=max_results,
                backend=self.settings.ddgs_backend,
            )
        except TimeoutException as exc:
            raise _Transient(f"the search engines did not answer in time ({exc})") from exc
        except RatelimitException as exc:
            raise _Transient(f"the search engines are rate-limiting us ({exc})") from exc
        except DDGSException as exc:
            if _DDGS_NO_RESULTS in str(exc).lower():
                return []
            raise _Transient(f"the search engines failed ({exc})") from exc


# -- SearXNG ------------------------------------------------------------------

class SearxngBackend:
    """A SearXNG instance's JSON API (``GET {url}/search?q=...&format=json``)."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        name: str = "searxng",
        retries: int = 3,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        owns_client: bool = False,
    ) -> None:
        self.url = url.rstrip("/")
        self.client = client
        self.name = name
        self.retries = retries
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self._owns_client = owns_client

    async def aclose(self) -> None:
        """Close the HTTP client if this backend created it."""
        if self._owns_client:
            await self.client.aclose()

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        if not query.strip():
            return []
        payload = await _with_retries(
            lambda: self._once(query, max_results),
            retries=self.retries,
            clock=self.clock,
            rng=self.rng,
            what=f"The search engine at {self.url}",
        )
        rows = payload.get("results") or []
        return _hits_from_rows(rows[:max_results], query, self.name, "url", "content")

    async def _once(self, query: str, max_results: int) -> dict[str, Any]:
        endpoint = f"{self.url}/search"
        # SearXNG ignores max_results; the offline world's engine honours it.
        params = {"q": query, "format": "json", "max_results": str(max_results)}
        try:
            response = await self.client.get(endpoint, params=params)
        except httpx.TimeoutException as exc:
            raise _Transient("it did not answer in time") from exc
        except httpx.TransportError as exc:
            raise _Transient(f"it could not be reached ({type(exc).__name__}: {exc})") from exc
        if response.status_code in RETRY_STATUS:
            raise _Transient(f"it answered HTTP {response.status_code}")
        if response.status_code == 403:
            raise SearchError(
                f"The SearXNG server at {self.url} refused JSON output (HTTP 403); "
                "add json to search.formats in its settings.yml."
            )
        if response.status_code != 200:
            raise SearchError(
                f"The search engine at {self.url} answered HTTP {response.status_code}; "
                "check search.searxng_url."
            )
        try:
            payload = response.json()
        except ValueError as exc:
            raise SearchError(
                f"The search engine at {self.url} did not answer with JSON; "
                "check that search.searxng_url points at a SearXNG server."
            ) from exc
        return payload if isinstance(payload, dict) else {}


def _hits_from_rows(
    rows: list[dict[str, Any]], query: str, backend: str, url_key: str, snippet_key: str
) -> list[SearchHit]:
    """The one place where a backend's result dicts become ``SearchHit`` records."""
    hits = []
    for row in rows:
        url = inert(str(row.get(url_key) or "")).strip()
        if not url:
            continue
        hits.append(
            SearchHit(
                title=" ".join(inert(str(row.get("title") or "")).split()),
                url=url,
                snippet=" ".join(inert(str(row.get(snippet_key) or "")).split()),
                query=query,
                rank=len(hits) + 1,
                backend=backend,
            )
        )
    return hits


def make_search_backend(
    settings: Settings,
    *,
    client: httpx.AsyncClient | None = None,
    ddgs_factory: Callable[..., Any] | None = None,
    clock: Clock | None = None,
    rng: random.Random | None = None,
) -> DdgsBackend | SearxngBackend:
    """The backend named by ``settings.search.backend`` (the world's engine in world mode).

    A SearXNG backend built without ``client`` creates and owns one: call
    ``await backend.aclose()`` when done. Do not pass the fetch client built by
    ``lookup.web.fetch.make_client``: a self-hosted SearXNG usually lives on a
    private address that the fetcher refuses on purpose.
    """
    s = settings.search
    if s.backend == "ddgs":
        return DdgsBackend(s, ddgs_factory=ddgs_factory, clock=clock, rng=rng)
    if s.backend != "searxng":
        raise ConfigError(f"The setting search.backend must be ddgs or searxng, not {s.backend!r}.")
    if not s.searxng_url:
        raise ConfigError("search.backend is searxng but search.searxng_url is empty; set it.")
    owns = client is None
    client = client or httpx.AsyncClient(
        timeout=settings.fetch.timeout_s,
        headers={"User-Agent": settings.general.user_agent},
        verify=httpx_context(),
    )
    name = "world" if settings.world is not None else "searxng"
    return SearxngBackend(
        s.searxng_url, client, name=name, retries=s.retries, clock=clock, rng=rng, owns_client=owns
    )
