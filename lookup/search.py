"""Web search: a small backend interface, two backends, and a polite per-run session.

Backends (``DdgsBackend``, ``SearxngBackend``) turn one query into
``SearchHit`` records; the dicts they receive stop here. They retry transient
failures (timeouts, rate limits, 5xx) with exponential backoff and jitter, then
raise ``SearchError``. An empty result list is a result, not an error.

``SearchSession`` wraps a backend for one research run and adds what a polite
client needs: a process-wide minimum interval between queries, a query budget
per run, and an on-disk cache keyed by the normalized query, so a re-run does
not search again. When the budget is spent, ``search`` returns ``[]`` and
records the query as skipped with the reason "budget spent" (it does not
raise): a research run carries on with what it already has.

``plan_queries`` (from ``lookup.queries``, re-exported here) builds the few
targeted queries a run sends; every part taken from user input is quoted so
that it cannot add search operators.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import random
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from lookup.errors import ConfigError, SearchError
from lookup.models import SearchHit
from lookup.queries import plan_queries, quote_phrase
from lookup.ratelimit import Clock, RateLimiter, SystemClock, backoff_delay, shared_limiter
from lookup.settings import SearchSettings, Settings

__all__ = [
    "DdgsBackend",
    "QueryRecord",
    "SearchBackend",
    "SearchSession",
    "SearxngBackend",
    "forget_cached",
    "make_search_backend",
    "normalize_query",
    "plan_queries",
    "quote_phrase",
]

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

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


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
        if response.status_code in _RETRY_STATUS:
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
        url = str(row.get(url_key) or "").strip()
        if not url:
            continue
        hits.append(
            SearchHit(
                title=str(row.get("title") or "").strip(),
                url=url,
                snippet=str(row.get(snippet_key) or "").strip(),
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
    ``lookup.fetch.make_client``: a self-hosted SearXNG usually lives on a
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
    )
    name = "world" if settings.world is not None else "searxng"
    return SearxngBackend(
        s.searxng_url, client, name=name, retries=s.retries, clock=clock, rng=rng, owns_client=owns
    )


# -- the per-run session ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryRecord:
    """What happened to one query of a run."""

    query: str
    outcome: str  # "sent" | "cached" | "budget spent" | "failed"
    hits: int = 0
    reason: str = ""


def normalize_query(query: str) -> str:
    """The cache key of a query: lower-case with whitespace folded."""
    return " ".join(query.lower().split())


class SearchSession:
    """One research run's searches: rate-limited, budgeted and cached."""

    def __init__(
        self,
        backend: SearchBackend,
        *,
        settings: SearchSettings,
        cache_dir: Path | None,
        limiter: RateLimiter | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.clock = clock or SystemClock()
        if limiter is None:
            limiter = (
                shared_limiter(backend.name, settings.min_interval_s)
                if clock is None
                else RateLimiter(settings.min_interval_s, clock=self.clock)
            )
        self.limiter = limiter
        self.records: list[QueryRecord] = []
        self._reserved = 0
        self._inflight: dict[str, asyncio.Future[list[SearchHit]]] = {}

    @property
    def queries_sent(self) -> int:
        return sum(r.outcome in ("sent", "failed") for r in self.records)

    @property
    def queries_cached(self) -> int:
        return sum(r.outcome == "cached" for r in self.records)

    @property
    def queries_skipped(self) -> int:
        return sum(r.outcome == "budget spent" for r in self.records)

    @property
    def budget_left(self) -> int:
        return max(0, self.settings.max_queries_per_run - self._reserved)

    async def search(self, query: str, *, max_results: int | None = None) -> list[SearchHit]:
        """Hits for ``query``: cached, searched, or ``[]`` once the budget is spent."""
        limit = max_results or self.settings.max_results
        key = normalize_query(query)
        cached = self._read_cache(key, limit)
        if cached is not None:
            self.records.append(QueryRecord(query, "cached", len(cached)))
            return cached
        if key in self._inflight:  # the same query asked twice at once: send it once
            return list(await asyncio.shield(self._inflight[key]))
        if self._reserved >= self.settings.max_queries_per_run:
            reason = f"the run's budget of {self.settings.max_queries_per_run} queries is spent"
            self.records.append(QueryRecord(query, "budget spent", 0, reason))
            log.info("search skipped, %s: %s", reason, query)
            return []
        self._reserved += 1
        future: asyncio.Future[list[SearchHit]] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            hits = await self._send(query, key, limit)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: concurrent waiters, if any, see it too
            raise
        else:
            future.set_result(hits)
            return hits
        finally:
            del self._inflight[key]

    async def _send(self, query: str, key: str, limit: int) -> list[SearchHit]:
        await self.limiter.wait(self.backend.name)
        try:
            hits = await self.backend.search(query, max_results=limit)
        except SearchError as exc:
            self.records.append(QueryRecord(query, "failed", 0, str(exc)))
            raise
        self.records.append(QueryRecord(query, "sent", len(hits)))
        self._write_cache(key, query, limit, hits)
        return hits

    # -- cache files: one JSON file per (backend, normalized query) ---------
    def _path(self, key: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(f"{self.backend.name}\n{key}".encode()).hexdigest()[:32]
        return self.cache_dir / f"{digest}.json"

    def _read_cache(self, key: str, limit: int) -> list[SearchHit] | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            age_s = self.clock.time() - float(entry["stored_at"])
            fresh = 0 <= age_s <= self.settings.cache_ttl_hours * 3600
            if not fresh or entry["key"] != key or int(entry["max_results"]) < limit:
                return None
            return [SearchHit(**hit) for hit in entry["hits"]][:limit]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable search cache file %s: %s", path, exc)
            return None

    def _write_cache(self, key: str, query: str, limit: int, hits: list[SearchHit]) -> None:
        path = self._path(key)
        if path is None:
            return
        entry = {
            "key": key,
            "query": query,
            "backend": self.backend.name,
            "max_results": limit,
            "stored_at": self.clock.time(),
            "hits": [asdict(hit) for hit in hits],
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # a cache that cannot be written only costs a re-search
            log.warning("could not write search cache file %s: %s", path, exc)


def forget_cached(cache_dir: Path, name: str) -> int:
    """Delete cached searches whose query or results mention ``name``; return how many."""
    needles = _name_needles(name)
    if not needles or not Path(cache_dir).is_dir():
        return 0
    removed = 0
    for path in Path(cache_dir).glob("*.json"):
        try:
            text = " ".join(path.read_text(encoding="utf-8").casefold().split())
        except OSError:
            continue
        if any(needle in text for needle in needles):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _name_needles(name: str) -> set[str]:
    """The ways a name shows up in text and URLs: "jane doe", "jane-doe", "janedoe", ..."""
    folded = " ".join(name.casefold().split())
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch)
    )
    needles = set()
    for form in {folded, plain}:
        words = form.split(" ")
        if form:
            needles |= {sep.join(words) for sep in (" ", "-", ".", "_", "", "+", "%20")}
    return needles
