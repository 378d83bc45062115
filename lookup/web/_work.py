"""Talking points: what a tied page or search result says the interviewer did. Pure.

A talk given (JSON-LD events, speaker pages), a post written (their byline),
a quote in a press release, a podcast, a paper or a project. Dates are read
from the page; items mentioning private life are never suggested.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from lookup.models import PageFacts, PersonMention, SearchHit, Source, TalkingPoint
from lookup.text import host_of
from lookup.web._ties import (
    TITLE_SPLIT,
    Context,
    fold_quotes,
    is_profile,
    mentions,
    on_domain,
    personal_link,
    strip_url,
)
from lookup.web.company import company_key
from lookup.web.extract import classify_link

__all__ = [
    "PERSONAL_WORDS",
    "dedupe",
    "hit_work",
    "page_work",
    "parse_date",
    "project_links",
    "talking_points",
]

PERSONAL_WORDS = re.compile(
    r"\b(?:wife|husband|partner's|daughter|son|kids?|children|baby|pregnan\w*|wedding|married|"
    r"divorce\w*|family|mother|father|mum|mom|dad|birthday|age[ds]?|born|home address|"
    r"church|religio\w*|health|illness|diagnos\w*|funeral|vacation|holiday)\b",
    re.I,
)
RECENT_DAYS = 548  # about 18 months
_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DATE_WORDS = re.compile(
    r"\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})\b|"
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b|"
    r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)",
    re.I,
)
_QUOTED = r"\b(?:said|says|told|explains?|explained|according to|added)\b"
_host = host_of


def _show(date: dt.date | None) -> str:
    return f" ({date.day} {date:%b} {date.year})" if date else ""


def parse_date(text: str | None) -> dt.date | None:
    """The first date written in ``text`` (ISO, "8 Oct 2026" or "October 8, 2026")."""
    m = _DATE_WORDS.search(text or "")
    if not m:
        return None
    g = m.groups()
    try:
        if g[0]:
            return dt.date(int(g[2]), _MONTHS[g[1].lower()[:3]], int(g[0]))
        if g[3]:
            return dt.date(int(g[5]), _MONTHS[g[3].lower()[:3]], int(g[4]))
        return dt.date(int(g[6]), int(g[7]), int(g[8]))
    except ValueError:
        return None


def _headline(page: PageFacts) -> str:
    """The page's own headline: its title without the site's name or a short prefix (#112)."""
    return _main_part(dict(page.opengraph).get("og:title") or page.title, page.organization)


def _main_part(title: str, site: str | None = None) -> str:
    parts = [p.strip() for p in TITLE_SPLIT.split(title) if p.strip()]
    parts = [p for p in parts if not site or company_key(p) != company_key(site)] or [title]
    return parts[0] if len(parts[0]) >= 8 else max(parts, key=len)


def page_work(page: PageFacts, ctx: Context) -> list[TalkingPoint]:
    """What a tied page says the person did: a talk given, a post written, a quote."""
    source = Source(page.url, page.title, page.description[:300])
    work = [_event(obj, page, ctx) for obj in page.jsonld]
    work = [w for w in work if w is not None]
    named = mentions(page, ctx)
    date = parse_date(page.published)
    if not work:  # a speaker card or a schedule row names their talk
        work = [TalkingPoint(f"Talk “{m.talk}”{_venue(page)}{_show(date)}",
                             Source(page.url, page.title, m.source.snippet), _iso(date))
                for m in named if m.talk][:1]
    kind = classify_link(page.url)
    if not work and kind == "talk" and named and not ctx.matcher.matches(_headline(page)):
        work.append(TalkingPoint(f"Talk “{_headline(page)}”{_venue(page)}{_show(date)}", source,
                                 _iso(date)))
    elif _authored(page, named) and not is_profile(page, ctx):
        where = f" on the {page.organization} blog" if page.organization and \
            on_domain(page.url, ctx.domain) else f" in {page.organization}" if page.organization \
            else ""
        work.append(TalkingPoint(f"Post “{_headline(page)}”{where}{_show(date)}", source,
                                 _iso(date)))
    elif date and _quoted(page.text, ctx):
        where = "the press release" if on_domain(page.url, ctx.domain) else \
            (page.organization or _host(page.url))
        work.append(TalkingPoint(f"Quoted in {where}: “{_headline(page)}”{_show(date)}", source,
                                 _iso(date)))
    return work


def _authored(page: PageFacts, mentions: Sequence[PersonMention]) -> bool:
    """The person wrote this page: their byline, on an article (not a listing of many)."""
    bylines = [p for p in page.people if p.how == "byline"]
    listing = dict(page.opengraph).get("og:type") == "website" or len(bylines) > 1
    return not listing and any(m.how == "byline" for m in mentions)


def _quoted(text: str, ctx: Context) -> bool:
    """True when the page quotes the person: "said Dana Okafor", "Okafor told ..."."""
    family = re.escape(ctx.matcher.family)
    pattern = rf"{_QUOTED}\s+(?:\w+\s+)?{family}\b|\b{family}\s+{_QUOTED}"
    return bool(family) and re.search(pattern, fold_quotes(text)) is not None


def _venue(page: PageFacts) -> str:
    parts = [p.strip() for p in TITLE_SPLIT.split(page.title) if p.strip()]
    venue = page.organization or (parts[-1] if len(parts) > 1 else "")
    return f" at {venue}" if venue else ""


def _event(obj: dict, page: PageFacts, ctx: Context) -> TalkingPoint | None:
    """A JSON-LD talk: a Person who performs in an Event, or an Event with them as performer."""
    if ctx.matcher.matches(str(obj.get("name", ""))) and isinstance(obj.get("performerIn"), dict):
        event = obj["performerIn"]
    elif "Event" in str(obj.get("@type")) and (_performs(obj, ctx) or is_profile(page, ctx)):
        event = obj
    else:
        return None
    name = event.get("name") if isinstance(event.get("name"), str) else _headline(page)
    date = parse_date(str(event.get("startDate", ""))) or parse_date(page.published)
    venue = _venue(page) if name != _headline(page) else ""
    source = Source(page.url, page.title, page.description[:300])
    return TalkingPoint(f"Talk “{name}”{venue}{_show(date)}", source, _iso(date))


def _performs(event: dict, ctx: Context) -> bool:
    people = event.get("performer") or event.get("organizer") or []
    people = people if isinstance(people, list) else [people]
    return any(isinstance(p, dict) and ctx.matcher.matches(str(p.get("name", ""))) for p in people)


def _iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


_TALK_TITLE = re.compile(r"\b(?:Talk|Session|Keynote):\s*(.{8,160}?)(?:\.\s|\.$|$)")


_GENERIC_PARTS = re.compile(r"^(?:speakers?|profile|talks?|sessions?|bio|about|home|blog)$", re.I)


def hit_work(hit: SearchHit, ctx: Context) -> TalkingPoint | None:
    """A talk, podcast, post or paper known only from a search result's title and snippet."""
    kind = classify_link(hit.url)
    if kind not in ("talk", "post", "paper"):
        return None
    date = parse_date(hit.snippet)
    source = Source(hit.url, hit.title, hit.snippet, "search")
    parts = [p.strip() for p in TITLE_SPLIT.split(hit.title) if p.strip()]
    about = [p for p in parts if not ctx.matcher.matches(p) and not _GENERIC_PARTS.match(p)]
    if kind == "talk" and parts and ctx.matcher.matches(parts[0]) and about:
        # "Name – Speaker – Conference": their speaker page; the snippet may name the talk.
        talk = _TALK_TITLE.search(hit.snippet)
        if talk:
            return TalkingPoint(f"Talk “{talk.group(1).strip()}” at {about[-1]}{_show(date)}",
                                source, _iso(date))
        return TalkingPoint(f"Speaker at {about[-1]}{_show(date)}", source, _iso(date))
    podcast = re.search(r"podcast|episode", hit.url + hit.title, re.I)
    label = "Podcast" if podcast else {"talk": "Talk", "post": "Post", "paper": "Paper"}[kind]
    title = _main_part(" – ".join(about) if about else hit.title)
    return TalkingPoint(f"{label} “{title}” ({_host(hit.url)}){_show(date)}", source, _iso(date))


def project_links(tied: Sequence[PageFacts], ctx: Context) -> list[TalkingPoint]:
    work = []
    for page in tied:
        for link in page.links:
            path = [p for p in urlsplit(link.url).path.split("/") if p]
            if link.kind == "github" and len(path) == 2 and personal_link(link, ctx):
                work.append(TalkingPoint(f"Project “{path[1]}” on {_host(link.url)}",
                                         Source(link.url, link.text, f"linked from {page.url}"),
                                         None))
    return work


def talking_points(work: Sequence[TalkingPoint], today: dt.date) -> tuple[TalkingPoint, ...]:
    """3-5 professional items, the last ~18 months first (newest first), then undated ones."""
    usable = [w for w in work if not PERSONAL_WORDS.search(w.text)]
    def key(w: TalkingPoint) -> tuple[int, int]:
        date = dt.date.fromisoformat(w.date) if w.date else None
        if date and (today - date).days <= RECENT_DAYS:
            return (0, -date.toordinal())
        return (1, 0) if date is None else (2, -date.toordinal())
    return tuple(sorted(usable, key=key)[:5])


def dedupe(work: Iterable[TalkingPoint]) -> list[TalkingPoint]:
    seen: dict[str, TalkingPoint] = {}
    for item in work:
        key = strip_url(item.source.url)
        if key not in seen or (item.date and not seen[key].date):
            seen[key] = item
    return sorted(seen.values(), key=lambda w: w.date or "", reverse=True)
