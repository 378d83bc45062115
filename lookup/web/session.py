"""A polite per-run search session: rate limit, query budget and an on-disk cache.

``SearchSession`` wraps a backend (``lookup.web.search``) for one research run:
a process-wide minimum interval between queries, a query budget per run, and
a cache keyed by the normalized query, so a re-run does not search again.
When the budget is spent, ``search`` returns ``[]`` and records the query as
skipped with the reason "budget spent" (it does not raise): a research run
carries on with what it already has. ``forget_cached`` deletes cached results
that name a person.

``search_early`` sends a run's first queries before its session exists (``lookup
research`` does, while Prefect loads: about a second in which the network is idle);
their answers wait in ``EARLY`` and the run's session takes each once, as a query
it sent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import logging
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from lookup.atomic import write_atomic
from lookup.errors import SearchError
from lookup.models import SearchHit
from lookup.ratelimit import Clock, RateLimiter, Spacing, SystemClock, shared_limiter
from lookup.settings import SearchSettings, Settings
from lookup.web.search import SearchBackend, make_search_backend

__all__ = ["EARLY", "EarlyAnswers", "QueryRecord", "SearchSession", "forget_cached",
           "normalize_query", "search_early"]

log = logging.getLogger(__name__)


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


Answer = concurrent.futures.Future  # of list[SearchHit]: set by the thread that sent the query


class EarlyAnswers:
    """Answers to queries sent before the run that wants them had a session.

    Keyed by engine, normalized query and number of results; each is taken once, by the
    first session asking that query (while still in flight, too: the session waits for
    it rather than sending the query again). Thread-safe: the early queries are sent from
    a thread of their own, the run's session lives on the flow's event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str, int], Answer] = {}

    def promise(self, engine: str, key: str, limit: int) -> Answer | None:
        """A new pending answer for the query; None when one is already promised."""
        with self._lock:
            if (engine, key, limit) in self._answers:
                return None
            answer: Answer = concurrent.futures.Future()
            self._answers[engine, key, limit] = answer
            return answer

    def take(self, engine: str, key: str, limit: int) -> Answer | None:
        with self._lock:
            return self._answers.pop((engine, key, limit), None)

    def clear(self) -> None:
        """Forget the answers no run took (they are not cancelled: a sender may still set them)."""
        with self._lock:
            self._answers.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)


EARLY = EarlyAnswers()  # the process's: one command's runs, one after another


class SearchSession:
    """One research run's searches: rate-limited, budgeted and cached."""

    def __init__(
        self,
        backend: SearchBackend,
        *,
        settings: SearchSettings,
        cache_dir: Path | None,
        limiter: Spacing | None = None,
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
        self.limiter: Spacing = limiter
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
        early = EARLY.take(self.backend.name, key, limit)
        if early is not None and (hits := await self._early(query, early)) is not None:
            return hits
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

    async def _early(self, query: str, answer: Answer) -> list[SearchHit] | None:
        """The answer to a query sent for this run before the session existed, counted as
        sent by it (budget, records); None when that send failed (the query goes again)."""
        try:
            hits = list(await asyncio.wrap_future(answer))
        except Exception as exc:  # a SearchError, a timeout: asked again, like a retry
            log.info("the search sent early failed (%s); sending it again: %s", exc, query)
            return None
        self._reserved += 1
        self.records.append(QueryRecord(query, "sent", len(hits), "sent before the run started"))
        return hits

    async def _send(self, query: str, key: str, limit: int) -> list[SearchHit]:
        await self.limiter.wait(self.backend.name)
        try:
            hits = await self.backend.search(query, max_results=limit)
        except SearchError as exc:
            self.records.append(QueryRecord(query, "failed", 0, str(exc)))
            raise
        finally:
            self.limiter.done(self.backend.name)
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
        try:  # workers may share the folder: readers see a whole file or none
            write_atomic(path, json.dumps(entry, ensure_ascii=False))
        except OSError as exc:  # a cache that cannot be written only costs a re-search
            log.warning("could not write search cache file %s: %s", path, exc)


async def search_early(
    settings: Settings, queries: Sequence[str], *, limiter: Spacing | None = None
) -> int:
    """Send a run's first ``queries`` now, before its session exists, leaving the answers in
    ``EARLY``: all of them when the engine's searches are not spaced (``min_interval_s`` 0,
    as in a world), else only the first (the next waits its interval after it anyway).

    The queries take ``limiter``, the one the run's session will take (the process's
    own: ``lookup.research.steps.local_politeness``), so the run's next query keeps its
    interval after them; a query the cache answers is not sent. Only where no Prefect
    server spaces searches for every worker (the caller decides: ``flows/cli/_runs.py``).
    Returns how many were sent."""
    backend = make_search_backend(settings)
    s = settings.search
    session = SearchSession(backend, settings=s, cache_dir=settings.cache_dir / "search",
                            limiter=limiter)
    pending: list[tuple[str, str, Answer]] = []
    for query in queries[: len(queries) if s.min_interval_s <= 0 else 1]:
        key = normalize_query(query)
        if session._read_cache(key, s.max_results) is not None:
            continue
        answer = EARLY.promise(backend.name, key, s.max_results)
        if answer is not None:
            pending.append((query, key, answer))

    async def send(query: str, key: str, answer: Answer) -> None:
        try:
            answer.set_result(await session._send(query, key, s.max_results))
        except BaseException as exc:  # the run sends it again (never left waiting)
            answer.set_exception(exc if isinstance(exc, Exception) else SearchError(
                f"the early search was interrupted: {type(exc).__name__}"))
            if not isinstance(exc, Exception):
                raise

    try:
        await asyncio.gather(*(send(*p) for p in pending))
    finally:
        close = getattr(backend, "aclose", None)
        if close is not None:
            await close()
    return len(pending)


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
