"""The politeness policy every worker keeps: which global limits exist, and their intervals.

Without a Prefect server, the runs of one process share in-process limiters
(``lookup.research.steps.local_politeness``). With a server, every limit that protects
someone else holds for all workers at once, through global concurrency limits:

===========================  ===================================  =============================
limit                        slots                                keeps
===========================  ===================================  =============================
``lookup-search-<backend>``  1                                    queries to one search engine
                                                                  search.min_interval_s apart
``lookup-host-00`` …         1                                    requests to one web host
                                                                  fetch.per_host_delay_s apart
``lookup-mail-00`` …         smtp.probes_per_domain_per_minute    that many SMTP probes to one
                                                                  mail domain in any 60 s
===========================  ===================================  =============================

Hosts and mail domains map to one of ``prefect.limit_buckets`` limits by a stable
hash, so the set of limits is fixed: two hosts sharing a bucket are spaced as one
(stricter, never looser). ``lookup deploy`` and ``lookup server start`` create
them from settings (``ensure_limits``), together with the Prefect Variable
``lookup-politeness`` that holds the intervals: the server holds the policy, so
every worker agrees on it whatever its own settings say; a run creates any
limit it finds missing (when the server grants no slot of it because it does not exist),
so a run reads neither the list of limits nor more than the policy before its first search.

The limits have no slot decay: a run holds a slot for the interval itself and
then releases it (``flows/politeness/limiters.py`` says how, and why not
``rate_limit()``). A decaying limit would free the slot while a process still
counts on it. This module is the policy only; the limiters import it, never the
reverse.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from lookup.settings import Settings

__all__ = [
    "LimitSpec",
    "Policy",
    "ensure_limits",
    "global_limits",
    "host_limit",
    "limit_specs",
    "mail_limit",
    "read_limits",
    "read_policy",
    "search_limit",
]

BACKENDS = ("ddgs", "searxng", "world")
POLICY_VARIABLE = "lookup-politeness"
LEASE_S = 60.0  # the shortest lease Prefect grants
MAIL_WINDOW_S = 60.0
PAGE = 200


@dataclass(frozen=True, slots=True)
class Policy:
    """The intervals and budgets every worker keeps, as the server holds them."""

    search_interval_s: float
    host_interval_s: float
    smtp_per_minute: int
    buckets: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            search_interval_s=max(0.0, settings.search.min_interval_s),
            host_interval_s=max(0.0, settings.fetch.per_host_delay_s),
            smtp_per_minute=max(1, settings.smtp.probes_per_domain_per_minute),
            buckets=max(1, settings.prefect.limit_buckets),
        )


@dataclass(frozen=True, slots=True)
class LimitSpec:
    """One global concurrency limit as the policy wants it."""

    name: str
    slots: int


def global_limits(settings: Settings, *, server: bool) -> bool:
    """True when a run's searches and fetches take turns at the server's global limits: a
    Prefect server in use (not Prefect's temporary one), and not a world running flat out
    (one without ``general.world_limits``). Otherwise the process's own limiters space them."""
    return server and (settings.world is None or settings.general.world_limits)


def _bucket(key: str, buckets: int) -> int:
    digest = hashlib.blake2b(key.strip().lower().encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % max(1, buckets)


def search_limit(backend: str) -> str:
    return f"lookup-search-{backend}"


def host_limit(host: str, buckets: int) -> str:
    return f"lookup-host-{_bucket(host, buckets):02d}"


def mail_limit(domain: str, buckets: int) -> str:
    return f"lookup-mail-{_bucket(domain, buckets):02d}"


def limit_specs(policy: Policy) -> list[LimitSpec]:
    """Every limit the policy calls for (none for a kind whose interval is 0)."""
    specs: list[LimitSpec] = []
    if policy.search_interval_s > 0:
        specs += [LimitSpec(search_limit(b), 1) for b in BACKENDS]
    if policy.host_interval_s > 0:
        specs += [LimitSpec(f"lookup-host-{n:02d}", 1) for n in range(policy.buckets)]
    specs += [LimitSpec(f"lookup-mail-{n:02d}", policy.smtp_per_minute)
              for n in range(policy.buckets)]
    return specs


async def read_limits(client: Any) -> dict[str, LimitSpec]:
    """The project's limits on the server, by name."""
    found: dict[str, LimitSpec] = {}
    offset = 0
    while True:
        page = await client.read_global_concurrency_limits(limit=PAGE, offset=offset)
        for item in page:
            if item.name.startswith("lookup-"):
                found[item.name] = LimitSpec(item.name, item.limit)
        if len(page) < PAGE:
            return found
        offset += PAGE


async def read_policy(client: Any = None) -> Policy | None:
    """The policy the server holds (the ``lookup-politeness`` Variable), or None; through
    ``client`` (an open Prefect client) when given, so a run sets up no second client."""
    if client is not None:
        found = await client.read_variable_by_name(POLICY_VARIABLE)
        value = found.value if found is not None else None
    else:
        from prefect.variables import Variable

        value = await Variable.aget(POLICY_VARIABLE, default=None)
    if not isinstance(value, dict):
        return None
    try:
        return Policy(float(value["search_interval_s"]), float(value["host_interval_s"]),
                      int(value["smtp_per_minute"]), int(value["buckets"]))
    except (KeyError, TypeError, ValueError):
        return None


async def ensure_limits(client: Any, settings: Settings, *, update: bool) -> dict[str, int]:
    """Create the policy Variable and the limits from settings; with ``update``, also correct
    those that differ (``lookup deploy``, ``lookup server start``)."""
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.variables import Variable

    policy = Policy.from_settings(settings)
    if update or await read_policy() is None:
        await Variable.aset(POLICY_VARIABLE, dataclasses.asdict(policy), overwrite=True,
                            tags=["interviewer-lookup"])
    have = await read_limits(client)
    counts = Counter(created=0, updated=0, kept=0)
    for spec in limit_specs(policy):
        old = have.get(spec.name)
        if old is None:
            with contextlib.suppress(ObjectAlreadyExists):  # another process was quicker
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=spec.name, limit=spec.slots))
            counts["created"] += 1
        elif update and old.slots != spec.slots:
            await client.update_global_concurrency_limit(
                spec.name, GlobalConcurrencyLimitUpdate(limit=spec.slots, slot_decay_per_second=0))
            counts["updated"] += 1
        else:
            counts["kept"] += 1
    return dict(counts)
