"""Is there a network to research with? One quick look at DNS and the search engine.

Before a run starts Prefect and sends its queries, ``check_reach`` asks the
configured DNS servers for one name and the search engine for one page, both
at once, within ``timeout_s``. When neither answers there is no network (or,
in world mode, the world's DNS and search are down), and the run can say so at
once instead of waiting out every query's retries. Either one answering is
enough to go on: transient failures of the other keep their retries.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.asyncresolver
import dns.exception
import dns.resolver
import httpx

from lookup.errors import OfflineError
from lookup.mail.dnscheck import make_resolver
from lookup.settings import Settings
from lookup.web.tls import httpx_context

__all__ = ["Reach", "check_reach", "require_network"]

# Where ddgs sends its queries first; a page there answers when the search engine is reachable.
DDGS_PROBE_URL = "https://duckduckgo.com/"
REACH_TIMEOUT_S = 1.5  # both at once: the whole look takes at most this long


@dataclass(frozen=True, slots=True)
class Reach:
    """What answered: DNS, the search engine, and why not (sentences)."""

    dns: bool
    search: bool
    reasons: tuple[str, ...] = ()

    @property
    def offline(self) -> bool:
        return not self.dns and not self.search


def _search_url(settings: Settings) -> str:
    return settings.search.searxng_url if settings.search.backend == "searxng" else DDGS_PROBE_URL


async def _dns_answers(settings: Settings, name: str, timeout_s: float) -> str | None:
    """None when DNS works, else why not.

    Live, the search engine's own name must resolve: a resolver that answers "no such
    name" for it (as captive or sandboxed networks do) gives no working DNS. A world's DNS
    knows only its own names, so there any answer will do.
    """
    resolver = make_resolver(settings)
    resolver.timeout = resolver.lifetime = timeout_s
    try:
        await resolver.resolve(name, "A", raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        if settings.world is None:
            return f"DNS does not know {name}"
        return None
    except dns.exception.Timeout:
        return f"DNS did not answer within {timeout_s:g} s"
    except dns.resolver.NoNameservers:
        return "every DNS server failed to answer (SERVFAIL or refused)"
    except (dns.exception.DNSException, OSError) as exc:
        return f"DNS failed: {type(exc).__name__}"
    return None


async def _search_answers(url: str, timeout_s: float, client: httpx.AsyncClient) -> str | None:
    """None when the search engine's host answers HTTP (any status), else why not."""
    try:
        await client.head(url, timeout=timeout_s)
    except httpx.TimeoutException:
        return f"the search engine at {url} did not answer within {timeout_s:g} s"
    except httpx.HTTPError as exc:
        return f"the search engine at {url} could not be reached ({type(exc).__name__})"
    return None


async def check_reach(
    settings: Settings,
    *,
    timeout_s: float = REACH_TIMEOUT_S,
    client: httpx.AsyncClient | None = None,
) -> Reach:
    """Ask DNS and the search engine at once; at most ``timeout_s`` seconds."""
    url = _search_url(settings)
    host = urlsplit(url).hostname or "duckduckgo.com"
    name = host if any(c.isalpha() for c in host) else "example.com"
    owned = client is None
    client = client or httpx.AsyncClient(trust_env=False, follow_redirects=False,
                                         verify=httpx_context())
    try:
        dns_why, search_why = await asyncio.gather(
            _dns_answers(settings, name, timeout_s), _search_answers(url, timeout_s, client)
        )
    finally:
        if owned:
            await client.aclose()
    reasons = tuple(r for r in (dns_why, search_why) if r)
    return Reach(dns_why is None, search_why is None, reasons)


def require_network(reach: Reach, *, world: bool) -> None:
    """Raise OfflineError when neither DNS nor the search engine answered."""
    if not reach.offline:
        return
    if world:
        raise OfflineError(
            "No internet connection in this world: its DNS and search engine do not answer "
            f"({'; '.join(reach.reasons)}). Check the faults in its world.toml."
        )
    raise OfflineError(
        "No internet connection: neither DNS nor the search engine answers. "
        "Try `lookup demo` (an offline world that ships with the tool), or check your network."
    )
