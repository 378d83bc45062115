"""Clocks and per-key rate limiting for the edges (search engines, web hosts, mail servers).

The clock is a seam: production code uses ``SystemClock``; tests pass a
``FakeClock`` whose ``sleep`` moves time forward instantly, so intervals can be
asserted exactly without waiting or timing anything.

``RateLimiter`` spaces events sharing a key at least ``min_interval_s`` apart.
It hands out *reservations* under a ``threading.Lock`` (never held across an
``await``), so it stays correct when several tasks, event loops or threads
share one limiter: callers are served in the order they asked.

The edges take their limiters as seams (``Spacing``, ``Quota``), bundled for one
run in ``Politeness``: in-process limiters by default; with a Prefect server in
use, ``flows/politeness/limiters.py`` passes limiters that hold for every worker at once.

``RETRY_STATUS`` and ``backoff_delay`` are the one retry policy for HTTP: the answers
worth asking again, and how long to wait first.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "RETRY_STATUS",
    "Clock",
    "FakeClock",
    "Politeness",
    "Quota",
    "RateLimiter",
    "Spacing",
    "SystemClock",
    "backoff_delay",
    "shared_limiter",
]


class Clock(Protocol):
    """Monotonic time for intervals, wall time for expiry, and an awaitable sleep."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock for tests: virtual time that moves only when sleepers wake.

    ``sleep`` records its argument in ``sleeps`` and returns at once in real
    time; concurrent sleepers wake in order of their virtual wake-up time, and
    ``now`` jumps to each wake-up time as it happens.
    """

    def __init__(self, start: float = 0.0, *, epoch: float = 1_800_000_000.0) -> None:
        self.now = start
        self.epoch = epoch
        self.sleeps: list[float] = []
        self._pending: list[tuple[float, int]] = []
        self._count = 0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.epoch + self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        self._count += 1
        entry = (self.now + seconds, self._count)
        self._pending.append(entry)
        try:
            for _ in range(3):  # let other ready tasks book their own sleeps first
                await asyncio.sleep(0)
            while min(self._pending) != entry:
                await asyncio.sleep(0)
        finally:
            self._pending.remove(entry)
        self.now = max(self.now, entry[0])


class Spacing(Protocol):
    """Events sharing a key (a search engine, a host) spaced at least an interval apart."""

    async def wait(self, key: str = "", *, interval_s: float | None = None) -> float:
        """Wait for this caller's turn for ``key`` (``interval_s``, when larger, widens the
        gap after it); return the seconds waited."""
        ...

    def done(self, key: str = "") -> None:
        """The event ``wait`` allowed is over (its answer came, or it failed). A limiter
        shared by several processes counts the next interval from here, since no process
        sees when another's request really left; one process's own limiter ignores it."""
        ...


class Quota(Protocol):
    """At most a number of events per key (a mail domain) in any 60 seconds."""

    async def take(
        self, key: str, *, max_wait_s: float, sleep: Callable[[float], Awaitable[None]]
    ) -> float | None:
        """Take a slot for ``key``, waiting at most ``max_wait_s``: the seconds waited, or
        None (nothing taken) when no slot frees up in time."""
        ...

    def next_free_in(self, key: str) -> float:
        """About how many seconds until a slot for ``key`` frees up (0: one is free)."""
        ...


@dataclass(frozen=True, slots=True)
class Politeness:
    """The limiters one research run's edges share; None means the edge's own default."""

    search: Spacing | None = None  # keyed by backend name
    fetch: Spacing | None = None  # keyed by host
    smtp: Quota | None = None  # keyed by mail domain


class RateLimiter:
    """At most one event per ``min_interval_s`` for each key, in request order."""

    def __init__(self, min_interval_s: float, *, clock: Clock | None = None) -> None:
        self.min_interval_s = max(0.0, float(min_interval_s))
        self.clock: Clock = clock or SystemClock()
        self._next_free: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str = "", *, interval_s: float | None = None) -> float:
        """Book the next free slot for ``key``; return how long to wait for it.

        ``interval_s`` (when larger) widens the gap after this slot, e.g. for a
        host whose robots.txt asks for a Crawl-delay.
        """
        gap = max(self.min_interval_s, interval_s or 0.0)
        with self._lock:
            now = self.clock.monotonic()
            slot = max(now, self._next_free.get(key, now))
            self._next_free[key] = slot + gap
        return slot - now

    async def wait(self, key: str = "", *, interval_s: float | None = None) -> float:
        """Wait for this caller's turn for ``key``; return the seconds waited."""
        delay = self.reserve(key, interval_s=interval_s)
        if delay > 0:
            await self.clock.sleep(delay)
        return delay


    def done(self, key: str = "") -> None:
        """Nothing to do: one process's turns are spaced from when each was granted."""


_SHARED: dict[tuple[str, float], RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(name: str, min_interval_s: float) -> RateLimiter:
    """The process-wide limiter for one remote service (a search engine, say).

    This registry is the one deliberate piece of process state in the edges: a
    public engine's rate limit applies to the whole process, not to one run, so
    concurrent research runs must queue behind the same limiter.
    """
    with _SHARED_LOCK:
        key = (name, float(min_interval_s))
        if key not in _SHARED:
            _SHARED[key] = RateLimiter(min_interval_s)
        return _SHARED[key]


# HTTP answers that say "not now" rather than "no": too many requests (RFC 6585), a bad
# gateway, unavailable, a gateway time-out (RFC 9110 15.6.3-5). A 500 is the server's own
# error for that request and usually comes back the same, so it is not asked again.
RETRY_STATUS = frozenset({429, 502, 503, 504})


def backoff_delay(
    attempt: int, *, rng: random.Random, base_s: float = 1.0, cap_s: float = 30.0
) -> float:
    """Exponential backoff with jitter: about ``base * 2**attempt``, between half and all of it."""
    ceiling = min(cap_s, base_s * (2**attempt))
    return ceiling / 2 + rng.uniform(0.0, ceiling / 2)
