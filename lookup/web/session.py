"""A polite per-run search session: rate limit, query budget and an on-disk cache.

``SearchSession`` wraps a backend (``lookup.web.search``) for one research run:
a process-wide minimum interval between queries, a query budget per run, and
a cache keyed by the normalized query, so a re-run does not search again.
When the budget is spent, ``search`` returns ``[]`` and records the query as
skipped with the reason "budget spent" (it does not raise): a research run
carries on with what it already has. ``forget_cached`` deletes cached results
that name a person.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from lookup.atomic import write_atomic
from lookup.errors import SearchError
from lookup.models import SearchHit
from lookup.ratelimit import Clock, RateLimiter, Spacing, SystemClock, shared_limiter
from lookup.settings import SearchSettings
from lookup.web.search import SearchBackend

__all__ = ["QueryRecord", "SearchSession", "forget_cached", "normalize_query"]

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
