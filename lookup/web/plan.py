"""Which pages a research run reads: a few targeted pages, not a crawl. Pure.

The run's HTTP budget (25 requests by default, robots.txt included) is small
on purpose, so the order matters: the company's own pages that list people
and addresses first, then pages that tie the interviewer to the company,
then anything else the search surfaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from lookup.models import SearchHit
from lookup.text import fold, host_of

__all__ = ["on_domain", "rank_hits", "same_site_links", "select_follow_ups"]

# Paths on a company site that tend to list people, titles and addresses.
# Weights are relative priorities; the first path segment is matched.
COMPANY_PATH_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("team", 5.0),
    ("people", 5.0),
    ("leadership", 4.5),
    ("about", 4.0),
    ("contact", 3.5),
    ("press", 3.5),
    ("news", 3.0),
    ("newsroom", 3.0),
    ("blog", 2.5),
    ("company", 2.5),
    ("careers", 1.0),
)

# Hosts whose pages are often disallowed or behind logins: a search snippet
# is all we use from them.
SNIPPET_ONLY_HOSTS: tuple[str, ...] = ("linkedin.com", "facebook.com", "x.com", "twitter.com")


def _folded(text: str) -> str:
    return " ".join(fold(text).split())


def on_domain(url: str, domain: str) -> bool:
    """True when the URL's host is the domain or one of its subdomains."""
    host = host_of(url)
    domain = domain.lower()
    return host == domain or host.endswith("." + domain)


def _path_weight(url: str) -> float:
    segment = urlsplit(url).path.strip("/").split("/", 1)[0].lower()
    segment = segment.rsplit(".", 1)[0]
    if not segment:
        return 2.0  # the home page
    return max((w for key, w in COMPANY_PATH_WEIGHTS if segment.startswith(key)), default=0.5)


def _hit_score(hit: SearchHit, *, domain: str | None, name: str, company: str) -> float:
    text = _folded(f"{hit.title} {hit.snippet} {hit.url}")
    name_hit = _folded(name) in text
    company_hit = _folded(company) in text
    score = 0.0
    if domain and on_domain(hit.url, domain):
        score += 4.0 + _path_weight(hit.url)
        if name_hit:
            score += 3.0
    if domain and f"@{domain.lower()}" in text:
        score += 3.0
    if name_hit and company_hit:
        score += 4.0
    elif name_hit:
        score += 1.0  # possibly a namesake: worth a look, the profile decides
    return score - hit.rank * 0.01


def rank_hits(
    hits: Iterable[SearchHit],
    *,
    domain: str | None,
    name: str,
    company: str,
    limit: int,
) -> list[str]:
    """URLs worth fetching, best first, deduplicated, at most ``limit``."""
    scored: dict[str, float] = {}
    for hit in hits:
        url = _normalise(hit.url)
        if not url or any(host_of(url).endswith(h) for h in SNIPPET_ONLY_HOSTS):
            continue
        score = _hit_score(hit, domain=domain, name=name, company=company)
        if score > 0:
            scored[url] = max(score, scored.get(url, 0.0))
    ranked = sorted(scored, key=lambda u: (-scored[u], u))
    return ranked[: max(limit, 0)]


def same_site_links(html: str, base_url: str, *, max_links: int = 400) -> list[str]:
    """Absolute http(s) links from a page to its own site, in page order."""
    try:
        tree = LexborHTMLParser(html)
    except Exception:  # selectolax raises on pathological input; no links then
        return []
    base_host = host_of(base_url)
    site = base_host.removeprefix("www.")
    found: list[str] = []
    for node in tree.css("a[href]")[: max_links * 4]:
        url = _normalise(urljoin(base_url, node.attributes.get("href") or ""))
        host = host_of(url)
        if url and (host == site or host.endswith("." + site)) and url not in found:
            found.append(url)
            if len(found) >= max_links:
                break
    return found


def select_follow_ups(
    links: Iterable[str],
    *,
    domain: str,
    already: Sequence[str],
    limit: int,
) -> list[str]:
    """Company pages linked from fetched pages that likely list people or addresses."""
    seen = {_normalise(u) for u in already}
    scored: dict[str, float] = {}
    for link in links:
        url = _normalise(link)
        if not url or url in seen or not on_domain(url, domain):
            continue
        weight = _path_weight(url)
        if weight >= 2.5 and _depth(url) <= 2:
            scored[url] = weight
    ranked = sorted(scored, key=lambda u: (-scored[u], _depth(u), u))
    return ranked[: max(limit, 0)]


def _depth(url: str) -> int:
    return len([p for p in urlsplit(url).path.split("/") if p])


_SCHEMES = re.compile(r"^https?$")


def _normalise(url: str) -> str:
    """Drop fragments, keep http(s) only; '' for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if not _SCHEMES.match(parts.scheme.lower()) or not parts.hostname:
        return ""
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))
