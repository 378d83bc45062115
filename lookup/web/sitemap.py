"""Sitemaps (sitemaps.org): the pages a site lists for crawlers, read to find its team page. Pure.

A site may link its team page from no menu and no search result, yet list it in its
sitemap, named by ``Sitemap:`` lines in robots.txt or found at ``/sitemap.xml``.
``read_sitemap`` takes the fetched bytes (XML ``<urlset>`` or ``<sitemapindex>``, a plain
text list, or either gzipped) and returns the page URLs and the child sitemaps;
``pick_children`` chooses which children of an index deserve a request. URLs are pulled
out of ``<loc>`` elements by pattern rather than with an XML parser: sitemaps in the wild
are often not well-formed, and no entity is ever expanded.

Bounded: a gzipped file is inflated to at most ``MAX_INFLATED`` bytes (a 1 KB bomb stays
small), at most ``MAX_URLS`` URLs are kept, and the caller fetches at most
``MAX_CHILDREN`` child sitemaps. Robots rules still apply to every URL read here: the
fetcher checks each one as it checks any page.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lookup.models import Link
from lookup.text import fold
from lookup.web.plan import on_domain, select_follow_ups

__all__ = ["MAX_CHILDREN", "MAX_INFLATED", "MAX_URLS", "Sitemap", "pick_children", "rank_listed",
           "read_sitemap"]

MAX_INFLATED = 10_000_000
MAX_URLS = 5_000
MAX_CHILDREN = 2
_LOC = re.compile(rb"<(?:\w+:)?loc>\s*(.*?)\s*</(?:\w+:)?loc>", re.S | re.I)
_INDEX = re.compile(rb"<(?:\w+:)?sitemapindex\b", re.I)
# Child sitemaps by what their name says they list: pages and people first, then the rest;
# media, products, tags and archives never list a team page.
_CHILD_RANK: tuple[tuple[int, frozenset[str]], ...] = (
    (0, frozenset("page pages people team staff about company leadership".split())),
    (1, frozenset("main default general sitemap1 misc".split())),
    (3, frozenset("post posts news blog article articles press".split())),
    (9, frozenset("image images video videos product products tag tags category categories "
                  "author authors archive archives event events attachment media".split())),
)


@dataclass(frozen=True, slots=True)
class Sitemap:
    """What one sitemap file lists: pages, or (an index) further sitemaps."""

    urls: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    note: str = ""  # why nothing (or not everything) was read


def _inflate(data: bytes) -> tuple[bytes, str]:
    """The bytes, gunzipped when they are gzip, never more than MAX_INFLATED of them."""
    if not data.startswith(b"\x1f\x8b"):
        return data, ""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_INFLATED)
    except zlib.error:
        return b"", "the gzip data is damaged"
    if inflater.unconsumed_tail:
        return out, f"inflated only up to {MAX_INFLATED:,} bytes"
    return out, "" if inflater.eof else "the gzip data is cut short"


def _http_url(text: str) -> str | None:
    url = html.unescape(text.strip())
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def read_sitemap(data: bytes) -> Sitemap:
    """The page URLs (or child sitemaps) a sitemap lists, in its order, at most MAX_URLS."""
    body, note = _inflate(data)
    if _INDEX.search(body[:4096]):
        found = [_http_url(m.group(1).decode("utf-8", "replace")) for m in _LOC.finditer(body)]
        return Sitemap(children=tuple(u for u in found if u)[:MAX_URLS], note=note)
    matches = list(_LOC.finditer(body))
    if matches:
        found = [_http_url(m.group(1).decode("utf-8", "replace")) for m in matches[:MAX_URLS]]
    elif b"<" not in body[:512]:  # sitemaps.org: a text file, one URL a line
        lines = body.decode("utf-8", "replace").splitlines()[:MAX_URLS]
        found = [_http_url(line) for line in lines if line.strip()]
    else:
        return Sitemap(note=note or "no URL in the sitemap")
    urls = tuple(dict.fromkeys(u for u in found if u))
    return Sitemap(urls=urls, note=note or ("" if urls else "no URL in the sitemap"))


def _child_rank(url: str) -> int:
    name = fold(urlsplit(url).path.rsplit("/", 1)[-1])
    words = set(re.split(r"[^a-z0-9]+", re.sub(r"\.(?:xml|gz|txt)", "", name)))
    return min((rank for rank, kinds in _CHILD_RANK if words & kinds), default=2)


def pick_children(children: Sequence[str], limit: int = MAX_CHILDREN) -> list[str]:
    """The child sitemaps most likely to list a team page, best first, never media or tags."""
    ranked = sorted(enumerate(children), key=lambda c: (_child_rank(c[1]), c[0]))
    return [url for _, url in ranked if _child_rank(url) < 9][:limit]


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", fold(text)) if len(w) > 1}


def rank_listed(urls: Sequence[str], *, name: str, domain: str, already: Sequence[str],
                limit: int) -> list[str]:
    """The sitemap's pages worth a request: the interviewer's own page (its path spells two
    parts of the name) first, then pages whose path says people, team, leadership, staff or
    about, ranked as menu links are (``plan.select_follow_ups``)."""
    seen = set(already)
    wanted = _words(name)
    own = [u for u in urls if u not in seen and on_domain(u, domain)
           and len(wanted & _words(urlsplit(u).path)) >= 2][:1]
    rest = select_follow_ups([Link(u, "", "site") for u in urls], domain=domain,
                             already=[*already, *own], limit=limit)
    return [*own, *rest][: max(limit, 0)]
