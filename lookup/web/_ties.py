"""Which pages and search results are about this interviewer at this company. Pure.

A fact about "Dana Okafor" counts only when its page (or search snippet) ties
that name to this company: the page is on the company's domain, the company's
name or domain appears near the name, or the page is a profile linked from a
page already tied. Everything else about the same name is set aside with the
reason, so a namesake's career never reaches the briefing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lookup.address.namematch import NameMatcher
from lookup.models import Interview, Link, PageFacts, PersonMention, SearchHit, SetAside, Source
from lookup.text import fold, host_of
from lookup.web.company import company_key

__all__ = [
    "NEAR_CHARS",
    "TITLE_SPLIT",
    "Context",
    "fold_quotes",
    "hit_aside",
    "hit_tied",
    "is_profile",
    "mentions",
    "names_person",
    "near",
    "on_domain",
    "personal_link",
    "set_aside",
    "site_name",
    "strip_url",
    "tied_pages",
]

NEAR_CHARS = 300  # how close the company must be to the name to tie them
TITLE_SPLIT = re.compile(r"\s+[|–—·]\s+|\s+-\s+|: ")


def fold_quotes(text: str) -> str:
    return fold(text).replace("’", "'")


@dataclass(frozen=True, slots=True)
class Context:
    interview: Interview
    domain: str | None
    matcher: NameMatcher
    terms: tuple[str, ...]
    today: dt.date


_host = host_of


def on_domain(url: str, domain: str | None) -> bool:
    host = _host(url)
    return bool(domain) and (host == domain or host.endswith("." + str(domain)))


def near(text: str, ctx: Context) -> bool:
    """True when the company's name or domain appears within NEAR_CHARS of the person's name."""
    folded = fold_quotes(text)
    spots = ctx.matcher.positions(text)
    for term in ctx.terms:
        for m in _term_pattern(term).finditer(folded):
            if any(abs(m.start() - s) <= NEAR_CHARS for s in spots):
                return True
    return False


def _term_pattern(term: str) -> re.Pattern[str]:
    """A company key as it may be written: "okafor and reyes" also matches "Okafor & Reyes"."""
    if "." in term:  # a domain
        return re.compile(re.escape(term))
    words = ["(?:and|&)" if w == "and" else re.escape(w) for w in term.split()]
    return re.compile(r"\b" + r"[\W_]*".join(words) + r"\b")


def mentions(page: PageFacts, ctx: Context) -> list[PersonMention]:
    return [p for p in page.people if ctx.matcher.matches(p.name)]


def names_person(page: PageFacts, ctx: Context) -> bool:
    return bool(mentions(page, ctx)) or bool(
        ctx.matcher.positions(f"{page.title} {page.description} {page.text}"))


def _tied_directly(page: PageFacts, ctx: Context) -> bool:
    if on_domain(page.url, ctx.domain):
        return True
    if any(near(m.source.snippet, ctx) for m in mentions(page, ctx)):
        return True
    return any(near(t, ctx) for t in (page.title + " · " + page.description, page.text))


def tied_pages(pages: Sequence[PageFacts], ctx: Context) -> list[PageFacts]:
    """Pages tied to the company, plus profiles those pages link to (until nothing changes)."""
    tied = {p.url for p in pages if names_person(p, ctx) and _tied_directly(p, ctx)}
    for _ in range(3):
        linked = {strip_url(link.url) for p in pages if p.url in tied for link in p.links
                  if personal_link(link, ctx)}
        more = {p.url for p in pages if p.url not in tied and names_person(p, ctx)
                and ({strip_url(p.url), strip_url(p.canonical or "")} & linked)}
        if not more:
            break
        tied |= more
    return [p for p in pages if p.url in tied]


def strip_url(url: str) -> str:
    return url.rstrip("/").removesuffix(".html").split("://", 1)[-1].removeprefix("www.")


def personal_link(link: Link, ctx: Context) -> bool:
    """A link that is about this person: their profile, site, talk or work."""
    slug = re.sub(r"[^a-z]", "", fold_quotes(urlsplit(link.url).path + urlsplit(link.url).netloc))
    return link.kind != "other" and (ctx.matcher.family in slug or
                                     bool(ctx.matcher.positions(link.text)))


def site_name(page: PageFacts, ctx: Context) -> str | None:
    """The organisation a page belongs to, from its metadata or the last part of its title."""
    parts = [p.strip() for p in TITLE_SPLIT.split(page.title) if p.strip()]
    last = parts[-1] if len(parts) > 1 and not ctx.matcher.positions(parts[-1]) else None
    other = page.organization or last
    return other if other and company_key(other) not in ctx.terms else None


def set_aside(page: PageFacts, ctx: Context) -> SetAside:
    other = site_name(page, ctx)
    mention = next(iter(mentions(page, ctx)), None)
    snippet = mention.source.snippet if mention else page.description[:300]
    name = mention.name if mention else ctx.interview.name
    company = ctx.interview.company
    role = mention.title if mention else None
    if role and other and not re.search(r"\b(?:of|at)\b", role):
        reason = f"names {name}, {role} at {other}, not {company}"
    elif role and not is_profile(page, ctx):
        reason = f"names {name} ({role}), not {company}"
    elif other:
        reason = f"names {name} at {other}, not {company}"
    else:
        reason = f"names {name}, but nothing on the page ties them to {company}"
    return SetAside(name, reason, Source(page.url, page.title, snippet))


def hit_tied(hit: SearchHit, ctx: Context) -> bool:
    return on_domain(hit.url, ctx.domain) or near(f"{hit.title} · {hit.snippet}", ctx)


def hit_aside(hit: SearchHit, ctx: Context) -> SetAside:
    parts = [p for p in TITLE_SPLIT.split(hit.title) if p.strip()]
    other = next((p for p in reversed(parts[1:]) if not ctx.matcher.positions(p)
                  and re.search(r"\b(?:LLP|LLC|Ltd|Inc|GmbH|Energy|Group|[A-Z]\w+ & [A-Z]\w+)\b",
                                p)), None)
    reason = (f"names {ctx.interview.name} at {other}, not {ctx.interview.company}" if other else
              f"names {ctx.interview.name}, but the result never mentions "
              f"{ctx.interview.company}")
    return SetAside(ctx.interview.name, reason, Source(hit.url, hit.title, hit.snippet, "search"))


def is_profile(page: PageFacts, ctx: Context) -> bool:
    return bool(ctx.matcher.positions(page.title[:40]))
