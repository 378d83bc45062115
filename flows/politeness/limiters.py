"""Taking turns at the global limits (``flows/politeness/policy.py``): the run's ``Spacing`` and ``Quota``.

``run_politeness`` gives a run its limiters: these, backed by the Prefect server,
when one is in use; otherwise None, and the library's in-process ones apply.

How a run uses them. A spacing slot is taken in "concurrency" mode with a lease
and released ``interval`` after the answer to the last event it allowed (``done``),
so the next event anywhere starts no sooner: counting from the answer rather than
the grant, because no worker sees when another's request really left. Callers in one process queue for a key locally, and the
process keeps the slot across back-to-back events (up to ``MAX_HOLD_S``): a
run's burst of queries costs one acquisition, not one per query. An SMTP probe
takes one slot of its domain's limit with a 60-second lease that is never
released: the server's repossessor frees it 60-75 s later (it looks every 15 s),
which is a sliding 60-second window, and slots of a killed worker come back by
themselves. A spacing lease (60 s) bounds how long a killed worker blocks a key.

Why not ``rate_limit()`` itself (measured on Prefect 3.9.1, 2 cores): its client
retries a denied slot after the server's Retry-After (about interval x callers
waiting) and each denial restarts the limit's decay clock, so the slot sits idle:
a 0.5 s limit gave 0.79 s per acquisition from one process and 0.61 s from four.
Here a denied caller polls every interval/8 (50 ms to 1 s), and a turn is held for
its interval plus ``GUARD_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import UUID

import httpx

from flows.politeness.policy import (
    LEASE_S,
    MAIL_WINDOW_S,
    Policy,
    global_limits,
    host_limit,
    limit_specs,
    mail_limit,
    read_policy,
    search_limit,
)
from lookup.errors import ServerError
from lookup.ratelimit import Politeness
from lookup.settings import Settings

__all__ = ["GlobalPoliteness", "run_politeness", "server_in_use"]

MAX_HOLD_S = 30.0  # a process keeps a spacing slot this long at most, then lets others in
MAX_WAIT_S = 600.0  # a spacing turn not granted in this long means something is wrong
# Added to every interval: a turn is granted some milliseconds before its request reaches
# the other side (the event loop, a new connection); measured 3 ms with one run per
# worker process, 25 ms with three runs sharing one loop.
GUARD_S = 0.02
SETTLE_POLL_S = 0.01  # how often a slot waiting for an answer looks again


class _Hold:
    """One spacing limit as this process holds it: its lease and the local queue."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.lease: UUID | None = None
        self.acquired_at = 0.0
        self.next_free = 0.0  # monotonic time the next event may start
        self.gap = 0.0  # the interval after the latest event
        self.inflight = 0  # events granted whose answer has not come yet
        self.waiting = 0
        self.releaser: asyncio.Task[None] | None = None


class _Spacing:
    """A ``Spacing`` whose keys map to global limits (one backend, or hashed hosts)."""

    def __init__(
        self, owner: GlobalPoliteness, name_of: Callable[[str], str], interval_s: float
    ) -> None:
        self._owner = owner
        self._name_of = name_of
        self.interval_s = interval_s
        self._holds: dict[str, _Hold] = {}

    async def wait(self, key: str = "", *, interval_s: float | None = None) -> float:
        name = self._name_of(key)
        gap = max(self.interval_s, interval_s or 0.0)
        hold = self._holds.setdefault(name, _Hold())
        started = time.monotonic()
        hold.waiting += 1
        try:
            async with hold.lock:
                if hold.lease is not None and time.monotonic() - hold.acquired_at >= MAX_HOLD_S:
                    await self._let_go(hold)
                    await asyncio.sleep(_poll_s(gap))  # give the other workers a turn
                if hold.lease is None:
                    hold.lease = await self._owner.acquire(name, poll_s=_poll_s(gap))
                    hold.acquired_at = time.monotonic()
                await self._settled(hold)  # the previous event answered, its interval passed
                hold.next_free = time.monotonic() + gap + GUARD_S
                hold.gap = gap
                hold.inflight += 1
        finally:
            hold.waiting -= 1
        if hold.releaser is None or hold.releaser.done():
            hold.releaser = asyncio.ensure_future(self._release_when_idle(hold))
        return time.monotonic() - started

    def done(self, key: str = "") -> None:
        """The event's answer came: another worker's next turn is an interval after it.

        A worker cannot see when another's request really left (a busy event loop,
        a new connection), so the slot goes back to the server only an interval
        after this process's last answer, and the next caller here waits as long:
        one event at a time per key, an interval from each answer to the next start.
        """
        hold = self._holds.get(self._name_of(key))
        if hold is None or hold.inflight <= 0:
            return
        hold.inflight -= 1
        hold.next_free = max(hold.next_free, time.monotonic() + hold.gap + GUARD_S)

    async def _settled(self, hold: _Hold) -> None:
        """Until no event of this process is in flight and the last one's interval is over."""
        while (delay := hold.next_free - time.monotonic()) > 0 or hold.inflight > 0:
            await asyncio.sleep(max(delay, SETTLE_POLL_S))

    async def _let_go(self, hold: _Hold) -> None:
        """Release the slot once the last event's answer came and its interval is over."""
        await self._settled(hold)
        lease, hold.lease = hold.lease, None
        if lease is not None:
            await self._owner.release(lease)

    async def _release_when_idle(self, hold: _Hold) -> None:
        await self._settled(hold)
        if hold.waiting or hold.lock.locked() or hold.lease is None:
            return  # a local caller carries on with the slot and schedules the release
        await self._let_go(hold)

    async def close(self) -> None:
        """Release every slot held, each after its last event's interval."""
        for hold in self._holds.values():
            if hold.releaser is not None:
                with contextlib.suppress(Exception):
                    await hold.releaser
            if hold.lease is not None:
                await self._let_go(hold)


class _Window:
    """A ``Quota``: at most the limit's slots per mail domain in any 60 s, for every worker."""

    def __init__(self, owner: GlobalPoliteness, buckets: int) -> None:
        self._owner = owner
        self._buckets = buckets

    async def take(
        self, key: str, *, max_wait_s: float, sleep: Callable[[float], Awaitable[None]]
    ) -> float | None:
        started = time.monotonic()
        lease = await self._owner.acquire(
            mail_limit(key, self._buckets), poll_s=1.0, lease_s=MAIL_WINDOW_S,
            deadline=started + max_wait_s, sleep=sleep,
        )
        return None if lease is None else time.monotonic() - started

    def next_free_in(self, key: str) -> float:
        return MAIL_WINDOW_S  # the server does not say when; a slot is free within a minute


def _poll_s(gap: float) -> float:
    return min(1.0, max(0.05, gap / 8)) * random.uniform(0.75, 1.25)


class GlobalPoliteness:
    """The limiters of one run, backed by the Prefect server: ``async with`` it, then ``.limiters``.

    The intervals come from the server's policy (``lookup-politeness``), or from
    these settings where the server has none yet. ``stats`` counts acquisitions,
    denied attempts (polls), releases and limits created, for benchmarks.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.policy = Policy.from_settings(settings)
        self.stats: Counter[str] = Counter()
        self.limiters = Politeness()
        self._client: Any = None
        self._spacings: list[_Spacing] = []

    async def __aenter__(self) -> GlobalPoliteness:
        from prefect.client.orchestration import get_client

        self._client = get_client()
        await self._client.__aenter__()
        try:  # the limits themselves are not read: a missing one is created when first used
            # one POST, before any concurrent one: with CSRF protection on, the client fetches
            # its token here, once (concurrent first changes would each fetch one, replacing
            # the others'); the policy (a GET, which needs no token) is read meanwhile
            policy, _ = await asyncio.gather(
                read_policy(self._client), self._client.read_global_concurrency_limits(limit=1))
            self.policy = policy or self.policy
        except httpx.HTTPError as exc:
            await self._client.__aexit__(None, None, None)
            raise ServerError(f"The Prefect server's politeness policy could not be read: {exc}") from exc
        p = self.policy
        search = _Spacing(self, search_limit, p.search_interval_s)
        fetch = _Spacing(self, lambda host: host_limit(host, p.buckets), p.host_interval_s)
        self._spacings = [search, fetch]
        self.limiters = Politeness(
            search=search if p.search_interval_s > 0 else None,
            fetch=fetch if p.host_interval_s > 0 else None,
            smtp=_Window(self, p.buckets),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            for spacing in self._spacings:
                await spacing.close()
        finally:
            await self._client.__aexit__(None, None, None)

    async def _create(self, name: str) -> None:
        """Create the limit ``name``, which the server lacks (a policy without `lookup deploy`,
        or a limit deleted under us)."""
        wanted = {spec.name: spec for spec in limit_specs(self.policy)}.get(name)
        if wanted is None:
            raise ServerError(f"The global limit {name} is not one the politeness policy has.")
        from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
        from prefect.exceptions import ObjectAlreadyExists

        with contextlib.suppress(ObjectAlreadyExists):
            await self._client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=name, limit=wanted.slots))
            self.stats["created"] += 1

    async def acquire(
        self,
        name: str,
        *,
        poll_s: float,
        lease_s: float = LEASE_S,
        deadline: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> UUID | None:
        """A lease on one slot of ``name``, polling while it is taken; None past ``deadline``.

        The server answers a limit it does not have with no limit at all: it is created then."""
        give_up = deadline if deadline is not None else time.monotonic() + MAX_WAIT_S
        created = False
        while True:
            try:
                response = await self._client.increment_concurrency_slots_with_lease(
                    names=[name], slots=1, mode="concurrency", lease_duration=lease_s)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code != 423:
                    raise ServerError(f"The Prefect server refused a slot of {name}: {exc}") from exc
            except httpx.TransportError as exc:
                raise ServerError(f"The Prefect server did not answer for {name}: {exc}") from exc
            else:
                body = response.json()
                if body.get("limits"):
                    self.stats["acquired"] += 1
                    return UUID(body["lease_id"])
                if created:
                    raise ServerError(f"The global limit {name} was created, yet the server "
                                      "grants no slot of it; is another process deleting it?")
                await self._create(name)  # missing (never created, or deleted under us)
                created = True
                continue
            self.stats["denied"] += 1
            if time.monotonic() + poll_s >= give_up:
                if deadline is not None:
                    return None
                raise ServerError(f"No turn at {name} came in {MAX_WAIT_S:g} s; is a lease stuck?")
            await sleep(poll_s)

    async def release(self, lease: UUID) -> None:
        with contextlib.suppress(httpx.HTTPError):  # an expired lease freed its slot already
            await self._client.release_concurrency_slots_with_lease(lease_id=lease)
            self.stats["released"] += 1


def server_in_use() -> bool:
    """True when this process talks to a Prefect server (not Prefect's temporary one)."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


@contextlib.asynccontextmanager
async def run_politeness(
    settings: Settings, logger: logging.Logger | logging.LoggerAdapter | None = None
) -> AsyncIterator[Politeness | None]:
    """The run's limiters: global ones with a Prefect server, else None (in-process ones).

    A world runs flat out (its limits are 0) unless ``general.world_limits`` keeps them;
    then it is as polite as the internet would be, globally too.
    """
    if not global_limits(settings, server=server_in_use()):
        yield None
        return
    async with GlobalPoliteness(settings) as polite:
        yield polite.limiters
    if logger is not None and polite.stats:
        logger.info("Global politeness: %s", ", ".join(f"{v} {k}" for k, v in sorted(polite.stats.items())))
