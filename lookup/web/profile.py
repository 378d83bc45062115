"""Who the interviewer is, from facts tied to their company. Pure.

``build_profile`` keeps the pages and search results tied to this person at
this company (``_ties``), reads their title, team, place, bio and links from
them, and collects talking points (``_work``); facts about namesakes go to
``Profile.set_aside`` with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from lookup.address.namematch import NameMatcher
from lookup.models import Interview, Link, PageFacts, PersonMention, Profile, SearchHit, Source
from lookup.text import fold, host_of
from lookup.web._ties import (
    TITLE_SPLIT,
    Context,
    hit_aside,
    hit_tied,
    is_profile,
    mentions,
    names_person,
    on_domain,
    personal_link,
    set_aside,
    strip_url,
    tied_pages,
)
from lookup.web._words import TITLE_WORDS
from lookup.web._work import (
    PERSONAL_WORDS,
    dedupe,
    hit_work,
    page_work,
    parse_date,
    project_links,
    talking_points,
)
from lookup.web.company import company_key
from lookup.web.extract import classify_link

__all__ = ["PERSONAL_WORDS", "build_profile"]

_TEAM = re.compile(r"\b(?:on|in|of|leads?|runs?|joins?|with) the ([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)"
                   r"{0,3}) team\b")
_TITLE_TEAM = re.compile(r"^(?:director|head|vp|vice president|lead|manager)\b.*?\b(?:of|for)\s+"
                         r"(.+)$", re.I)
_BASED = re.compile(r"\bbased in ([A-Z][a-zà-ÿ]+(?:[ -][A-Z][a-zà-ÿ]+)?)")
_NETWORK_PLACE = re.compile(
    r"^([A-Z][a-zà-ÿ]+(?:[ -][A-Z][a-zà-ÿ]+)?), [A-Z][\w ]+(?:, [A-Z][\w ]+)? ·"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


def _title(tied: Sequence[PageFacts], ctx: Context) -> tuple[str | None, Source | None]:
    """The current title: listings (undated, on the company site) beat older dated mentions."""
    # a legal notice's "Role: Name" is the formal title (a card's role slot may hold a nickname)
    rank = {"imprint": -1, "card": 0, "table": 0, "data": 0, "jsonld": 1, "byline": 2, "list": 2,
            "text": 3}
    options = []
    for page in tied:
        when = parse_date(page.published) or ctx.today
        for m in mentions(page, ctx):
            if m.title:
                options.append(((-when.toordinal(), not on_domain(page.url, ctx.domain),
                                 _translated(page.url), rank.get(m.how, 4)), m.title, m.source))
    if not options:
        return None, None
    _, title, source = min(options, key=lambda o: o[0])
    return _without_company(title, ctx), source


_LANGUAGE_PATH = re.compile(r"^/([a-z]{2})(?:[-_][a-z]{2})?/", re.I)


def _translated(url: str) -> bool:
    """True for a page under another language's path (/es/equipo/...): the card is written
    in English, so a title the site writes in English (its root or /en/) comes first."""
    m = _LANGUAGE_PATH.match(urlsplit(url).path)
    return bool(m) and m.group(1).lower() != "en"


# "CEO and Principal Consultant of Brightwater Analytics": the company after the function
_COMPANY_TAIL = re.compile(r"(?:,\s+|\s+(?:of|at|for|with|@|bei|chez|en|de|di)\s+(?:the\s+)?)"
                           r"(?P<tail>[^,@]+)$", re.I)


def _without_company(title: str, ctx: Context) -> str:
    """"Director, Acme Data" or "Director of Acme Data" for Acme Data is "Director": the
    company is not the function."""
    m = _COMPANY_TAIL.search(title)
    if m and company_key(m.group("tail")) in ctx.terms and m.start() > 0:
        return title[: m.start()]
    return title


def _team(
    title: str | None, title_source: Source | None, mentions: Iterable[PersonMention]
) -> tuple[str | None, Source | None]:
    """The team: a labelled field ("Department: ..."), said near the name ("leads the Data
    Platform team") or read off the title."""
    mentions = list(mentions)
    for mention in mentions:
        if mention.team:
            return mention.team, mention.source
    for mention in mentions:
        if m := _TEAM.search(mention.source.snippet):
            return m.group(1), mention.source
    m = _TITLE_TEAM.match(title or "")
    return (m.group(1).strip(), title_source) if m else (None, None)


def _location(
    tied: Sequence[PageFacts], hits: Sequence[SearchHit], ctx: Context
) -> tuple[str | None, Source | None]:
    """The city, from a tied page ("based in Bristol", JSON-LD) or a network profile's snippet."""
    for page in tied:
        for mention in mentions(page, ctx):
            if mention.location:  # a labelled field ("Office: Bristol")
                return mention.location, mention.source
            if m := _BASED.search(mention.source.snippet):
                return m.group(1), mention.source
        for obj in page.jsonld:
            address = obj.get("address") if ctx.matcher.matches(str(obj.get("name", ""))) else None
            if isinstance(address, dict) and isinstance(address.get("addressLocality"), str):
                return address["addressLocality"], Source(page.url, page.title, "JSON-LD address")
    for hit in hits:
        # Only a profile's result ("Name - Title - Company | Network") starts its snippet
        # with the place; a team page's snippet starts "Name, Title · Name, Title".
        if _is_profile_hit(hit, ctx) and (m := _NETWORK_PLACE.match(hit.snippet)) and \
                not ctx.matcher.positions(m.group(1)) and not TITLE_WORDS.search(m.group(1)):
            # ("Solution Architect, Speaker at Acme ·" is two roles, not a city and region)
            return m.group(1), Source(hit.url, hit.title, hit.snippet, "search")
    return None, None


def _is_profile_hit(hit: SearchHit, ctx: Context) -> bool:
    """A network-style result about the person: the title's first part is their name."""
    parts = [p.strip() for p in TITLE_SPLIT.split(hit.title) if p.strip()]
    return len(parts) >= 2 and ctx.matcher.matches(parts[0])


def _bio(tied: Sequence[PageFacts], ctx: Context) -> tuple[str | None, Source | None]:
    """A sentence or two that starts with the person's name, from a tied page."""
    for page in tied:
        for text in (page.description, page.text[:3000]):
            for sentence in _SENTENCE.split(text):
                starts = ctx.matcher.positions(sentence[:60])
                if starts and starts[0] == 0 and " is " in sentence[:80] and \
                        not PERSONAL_WORDS.search(sentence) and 30 <= len(sentence) <= 300:
                    return sentence.strip(), Source(page.url, page.title, sentence.strip())
    return None, None


def _links(tied: Sequence[PageFacts], ctx: Context) -> tuple[Link, ...]:
    """Profile and project links about the person; a "personal site" only when that site
    itself is among the pages naming the person."""
    found: dict[str, Link] = {}
    naming_hosts = {host_of(page.url) for page in tied}
    for page in tied:
        kind = classify_link(page.url)
        if is_profile(page, ctx) and kind != "other":
            found.setdefault(strip_url(page.url), Link(page.url, page.title, kind))
        for mention in mentions(page, ctx):
            if mention.url and mention.url.startswith("http"):
                kind = classify_link(mention.url)
                found.setdefault(strip_url(mention.url), Link(
                    mention.url, mention.name, "personal" if kind == "other" else kind))
        for link in page.links:
            if personal_link(link, ctx):
                found.setdefault(strip_url(link.url), link)
    kept = [link for link in found.values()
            if link.kind != "personal" or host_of(link.url) in naming_hosts]
    return tuple(kept[:15])


def build_profile(interview: Interview, domain: str | None, pages: Sequence[PageFacts],
                  hits: Sequence[SearchHit], *, today: dt.date) -> Profile:
    """The interviewer's profile from tied facts only; namesakes' facts are set aside."""
    terms = tuple(t for t in (company_key(interview.company), (domain or "").lower()) if t)
    ctx = Context(interview, domain, NameMatcher(interview.name), terms, today)
    tied = tied_pages(pages, ctx)
    tied_urls = {strip_url(p.url) for p in tied}
    asides = [set_aside(p, ctx) for p in pages if names_person(p, ctx) and p not in tied]
    fetched = {strip_url(p.url) for p in pages}
    hits = [h for h in hits if ctx.matcher.positions(f"{h.title} {h.snippet}")]
    tied_hits = [h for h in hits if hit_tied(h, ctx) or strip_url(h.url) in tied_urls]
    asides += [hit_aside(h, ctx) for h in hits
               if h not in tied_hits and strip_url(h.url) not in fetched]
    title, title_source = _title(tied, ctx)
    if title is None:
        title, title_source = _hit_title(tied_hits, ctx)
    bio, bio_source = _bio(tied, ctx)
    work = [w for p in tied for w in page_work(p, ctx)]
    work += [w for h in tied_hits if strip_url(h.url) not in fetched and (w := hit_work(h, ctx))]
    work += project_links(tied, ctx)
    work = dedupe(work)
    team, team_source = _team(title, title_source, [m for p in tied for m in mentions(p, ctx)])
    location, location_source = _location(tied, tied_hits, ctx)
    return Profile(
        name=interview.name,
        company=interview.company,
        title=title,
        title_source=title_source,
        team=team,
        team_source=team_source,
        location=location,
        location_source=location_source,
        bio=bio,
        bio_source=bio_source,
        links=_links(tied, ctx),
        work=tuple(work),
        talking_points=talking_points(work, today),
        set_aside=tuple({(a.source.url): a for a in asides}.values()),
        **_written_name(tied, ctx),
    )


# How reliably a kind of mention gives the name as the organisation writes it.
_WRITTEN_RANK = {"jsonld": 0, "data": 0, "card": 0, "table": 0, "list": 1, "byline": 2, "text": 3}


def _written_name(tied: Sequence[PageFacts], ctx: Context) -> dict[str, object]:
    """The name as the company's own pages write it, when it is not the name given.

    A family name in capitals ("TANAKA Hiroshi") marks family-name-first writing and is
    put last ("Hiroshi Tanaka"); otherwise the company's order and spelling are kept.
    """
    found = [(not on_domain(page.url, ctx.domain), _WRITTEN_RANK.get(m.how, 4), i, m)
             for i, page in enumerate(tied) for m in mentions(page, ctx)]
    if not found:
        return {}
    mention = min(found, key=lambda f: f[:3])[3]
    words = mention.name.split()
    capitals = [w for w in words if len(w) > 1 and w.isupper()]
    if len(capitals) == 1 and len(words) > 1:
        words = [w for w in words if w is not capitals[0]] + [capitals[0].title()]
    written = " ".join(words)
    if fold(written) == fold(ctx.interview.name):
        return {}
    return {"written_name": written, "written_name_source": mention.source}


def _hit_title(hits: Sequence[SearchHit], ctx: Context) -> tuple[str | None, Source | None]:
    """A title from a network-style result: "Name - Title - Company | Network"."""
    for hit in hits:
        parts = [p.strip() for p in TITLE_SPLIT.split(hit.title) if p.strip()]
        if len(parts) >= 3 and ctx.matcher.matches(parts[0]) and \
                any(company_key(p) in ctx.terms for p in parts[2:]):
            return parts[1], Source(hit.url, hit.title, hit.snippet, "search")
    return None, None
