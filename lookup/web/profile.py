"""Who the interviewer is, from facts tied to their company. Pure.

A fact about "Dana Okafor" counts only when its page (or search snippet) ties
that name to this company: the page is on the company's domain, the company's
name or domain appears near the name, or the page is a profile linked from a
page already tied. Everything else about the same name goes to
``Profile.set_aside`` with the reason, so a namesake's career never reaches
the briefing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lookup.address.namematch import NameMatcher
from lookup.models import (
    Interview,
    Link,
    PageFacts,
    PersonMention,
    Profile,
    SearchHit,
    SetAside,
    Source,
    TalkingPoint,
)
from lookup.text import fold, host_of
from lookup.web.company import company_key
from lookup.web.extract import classify_link

__all__ = ["PERSONAL_WORDS", "build_profile"]

# Talking points stay professional: items mentioning these are never suggested.
PERSONAL_WORDS = re.compile(
    r"\b(?:wife|husband|partner's|daughter|son|kids?|children|baby|pregnan\w*|wedding|married|"
    r"divorce\w*|family|mother|father|mum|mom|dad|birthday|age[ds]?|born|home address|"
    r"church|religio\w*|health|illness|diagnos\w*|funeral|vacation|holiday)\b",
    re.I,
)
RECENT_DAYS = 548  # about 18 months
NEAR_CHARS = 300  # how close the company must be to the name to tie them
_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DATE_WORDS = re.compile(
    r"\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})\b|"
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b|"
    r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)",
    re.I,
)
_QUOTED = r"\b(?:said|says|told|explains?|explained|according to|added)\b"
_TEAM = re.compile(r"\b(?:on|in|of|leads?|runs?|joins?|with) the ([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)"
                   r"{0,3}) team\b")
_TITLE_TEAM = re.compile(r"^(?:director|head|vp|vice president|lead|manager)\b.*?\b(?:of|for)\s+"
                         r"(.+)$", re.I)
_BASED = re.compile(r"\bbased in ([A-Z][a-zà-ÿ]+(?:[ -][A-Z][a-zà-ÿ]+)?)")
# A network profile's snippet starts with the place: "Bristol, England, United Kingdom · ..."
_NETWORK_PLACE = re.compile(
    r"^([A-Z][a-zà-ÿ]+(?:[ -][A-Z][a-zà-ÿ]+)?), [A-Z][\w ]+(?:, [A-Z][\w ]+)? ·"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")
_TITLE_SPLIT = re.compile(r"\s+[|–—·]\s+|\s+-\s+|: ")


def _fold(text: str) -> str:
    return fold(text).replace("’", "'")


# ------------------------------------------------------------------ ties


@dataclass(frozen=True, slots=True)
class _Context:
    interview: Interview
    domain: str | None
    matcher: NameMatcher
    terms: tuple[str, ...]
    today: dt.date


_host = host_of


def _on_domain(url: str, domain: str | None) -> bool:
    host = _host(url)
    return bool(domain) and (host == domain or host.endswith("." + str(domain)))


def _near(text: str, ctx: _Context) -> bool:
    """True when the company's name or domain appears within NEAR_CHARS of the person's name."""
    folded = _fold(text)
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


def _mentions(page: PageFacts, ctx: _Context) -> list[PersonMention]:
    return [p for p in page.people if ctx.matcher.matches(p.name)]


def _names_person(page: PageFacts, ctx: _Context) -> bool:
    return bool(_mentions(page, ctx)) or bool(
        ctx.matcher.positions(f"{page.title} {page.description} {page.text}"))


def _tied_directly(page: PageFacts, ctx: _Context) -> bool:
    if _on_domain(page.url, ctx.domain):
        return True
    if any(_near(m.source.snippet, ctx) for m in _mentions(page, ctx)):
        return True
    return any(_near(t, ctx) for t in (page.title + " · " + page.description, page.text))


def _tied_pages(pages: Sequence[PageFacts], ctx: _Context) -> list[PageFacts]:
    """Pages tied to the company, plus profiles those pages link to (until nothing changes)."""
    tied = {p.url for p in pages if _names_person(p, ctx) and _tied_directly(p, ctx)}
    for _ in range(3):
        linked = {_strip(link.url) for p in pages if p.url in tied for link in p.links
                  if _personal_link(link, ctx)}
        more = {p.url for p in pages if p.url not in tied and _names_person(p, ctx)
                and ({_strip(p.url), _strip(p.canonical or "")} & linked)}
        if not more:
            break
        tied |= more
    return [p for p in pages if p.url in tied]


def _strip(url: str) -> str:
    return url.rstrip("/").removesuffix(".html").split("://", 1)[-1].removeprefix("www.")


def _personal_link(link: Link, ctx: _Context) -> bool:
    """A link that is about this person: their profile, site, talk or work."""
    slug = re.sub(r"[^a-z]", "", _fold(urlsplit(link.url).path + urlsplit(link.url).netloc))
    return link.kind != "other" and (ctx.matcher.family in slug or
                                     bool(ctx.matcher.positions(link.text)))


def _site_name(page: PageFacts, ctx: _Context) -> str | None:
    """The organisation a page belongs to, from its metadata or the last part of its title."""
    parts = [p.strip() for p in _TITLE_SPLIT.split(page.title) if p.strip()]
    last = parts[-1] if len(parts) > 1 and not ctx.matcher.positions(parts[-1]) else None
    other = page.organization or last
    return other if other and company_key(other) not in ctx.terms else None


def _set_aside(page: PageFacts, ctx: _Context) -> SetAside:
    other = _site_name(page, ctx)
    mention = next(iter(_mentions(page, ctx)), None)
    snippet = mention.source.snippet if mention else page.description[:300]
    name = mention.name if mention else ctx.interview.name
    company = ctx.interview.company
    role = mention.title if mention else None
    if role and other and not re.search(r"\b(?:of|at)\b", role):
        reason = f"names {name}, {role} at {other}, not {company}"
    elif role and not _is_profile(page, ctx):
        reason = f"names {name} ({role}), not {company}"
    elif other:
        reason = f"names {name} at {other}, not {company}"
    else:
        reason = f"names {name}, but nothing on the page ties them to {company}"
    return SetAside(name, reason, Source(page.url, page.title, snippet))


def _hit_tied(hit: SearchHit, ctx: _Context) -> bool:
    return _on_domain(hit.url, ctx.domain) or _near(f"{hit.title} · {hit.snippet}", ctx)


def _hit_aside(hit: SearchHit, ctx: _Context) -> SetAside:
    parts = [p for p in _TITLE_SPLIT.split(hit.title) if p.strip()]
    other = next((p for p in reversed(parts[1:]) if not ctx.matcher.positions(p)
                  and re.search(r"\b(?:LLP|LLC|Ltd|Inc|GmbH|Energy|Group|[A-Z]\w+ & [A-Z]\w+)\b",
                                p)), None)
    reason = (f"names {ctx.interview.name} at {other}, not {ctx.interview.company}" if other else
              f"names {ctx.interview.name}, but the result never mentions "
              f"{ctx.interview.company}")
    return SetAside(ctx.interview.name, reason, Source(hit.url, hit.title, hit.snippet, "search"))


# ------------------------------------------------------------------ dates


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


def _show(date: dt.date | None) -> str:
    return f" ({date.day} {date:%b} {date.year})" if date else ""


# ------------------------------------------------------------------ facts


def _title(tied: Sequence[PageFacts], ctx: _Context) -> tuple[str | None, Source | None]:
    """The current title: listings (undated, on the company site) beat older dated mentions."""
    rank = {"card": 0, "table": 0, "jsonld": 1, "byline": 2, "list": 2, "text": 3}
    options = []
    for page in tied:
        when = parse_date(page.published) or ctx.today
        for m in _mentions(page, ctx):
            if m.title:
                options.append(((-when.toordinal(), not _on_domain(page.url, ctx.domain),
                                 rank.get(m.how, 4)), m.title, m.source))
    if not options:
        return None, None
    _, title, source = min(options, key=lambda o: o[0])
    return title, source


def _team(
    title: str | None, title_source: Source | None, mentions: Iterable[PersonMention]
) -> tuple[str | None, Source | None]:
    """The team, said near the name ("leads the Data Platform team") or read off the title."""
    for mention in mentions:
        if m := _TEAM.search(mention.source.snippet):
            return m.group(1), mention.source
    m = _TITLE_TEAM.match(title or "")
    return (m.group(1).strip(), title_source) if m else (None, None)


def _location(
    tied: Sequence[PageFacts], hits: Sequence[SearchHit], ctx: _Context
) -> tuple[str | None, Source | None]:
    """The city, from a tied page ("based in Bristol", JSON-LD) or a network profile's snippet."""
    for page in tied:
        for mention in _mentions(page, ctx):
            if m := _BASED.search(mention.source.snippet):
                return m.group(1), mention.source
        for obj in page.jsonld:
            address = obj.get("address") if ctx.matcher.matches(str(obj.get("name", ""))) else None
            if isinstance(address, dict) and isinstance(address.get("addressLocality"), str):
                return address["addressLocality"], Source(page.url, page.title, "JSON-LD address")
    for hit in hits:
        if m := _NETWORK_PLACE.match(hit.snippet):
            return m.group(1), Source(hit.url, hit.title, hit.snippet, "search")
    return None, None


def _bio(tied: Sequence[PageFacts], ctx: _Context) -> tuple[str | None, Source | None]:
    """A sentence or two that starts with the person's name, from a tied page."""
    for page in tied:
        for text in (page.description, page.text[:3000]):
            for sentence in _SENTENCE.split(text):
                starts = ctx.matcher.positions(sentence[:60])
                if starts and starts[0] == 0 and " is " in sentence[:80] and \
                        not PERSONAL_WORDS.search(sentence) and 30 <= len(sentence) <= 300:
                    return sentence.strip(), Source(page.url, page.title, sentence.strip())
    return None, None


def _headline(page: PageFacts) -> str:
    """The page's own headline: its title without the site's name or a short prefix (#112)."""
    return _main_part(dict(page.opengraph).get("og:title") or page.title, page.organization)


def _main_part(title: str, site: str | None = None) -> str:
    parts = [p.strip() for p in _TITLE_SPLIT.split(title) if p.strip()]
    parts = [p for p in parts if not site or company_key(p) != company_key(site)] or [title]
    return parts[0] if len(parts[0]) >= 8 else max(parts, key=len)


def _page_work(page: PageFacts, ctx: _Context) -> list[TalkingPoint]:
    """What a tied page says the person did: a talk given, a post written, a quote."""
    source = Source(page.url, page.title, page.description[:300])
    work = [_event(obj, page, ctx) for obj in page.jsonld]
    work = [w for w in work if w is not None]
    mentions = _mentions(page, ctx)
    date = parse_date(page.published)
    kind = classify_link(page.url)
    if not work and kind == "talk" and mentions and not ctx.matcher.matches(_headline(page)):
        work.append(TalkingPoint(f"Talk “{_headline(page)}”{_venue(page)}{_show(date)}", source,
                                 _iso(date)))
    elif _authored(page, mentions) and not _is_profile(page, ctx):
        where = f" on the {page.organization} blog" if page.organization and \
            _on_domain(page.url, ctx.domain) else f" in {page.organization}" if page.organization \
            else ""
        work.append(TalkingPoint(f"Post “{_headline(page)}”{where}{_show(date)}", source,
                                 _iso(date)))
    elif date and _quoted(page.text, ctx):
        where = "the press release" if _on_domain(page.url, ctx.domain) else \
            (page.organization or _host(page.url))
        work.append(TalkingPoint(f"Quoted in {where}: “{_headline(page)}”{_show(date)}", source,
                                 _iso(date)))
    return work


def _authored(page: PageFacts, mentions: Sequence[PersonMention]) -> bool:
    """The person wrote this page: their byline, on an article (not a listing of many)."""
    bylines = [p for p in page.people if p.how == "byline"]
    listing = dict(page.opengraph).get("og:type") == "website" or len(bylines) > 1
    return not listing and any(m.how == "byline" for m in mentions)


def _is_profile(page: PageFacts, ctx: _Context) -> bool:
    return bool(ctx.matcher.positions(page.title[:40]))


def _quoted(text: str, ctx: _Context) -> bool:
    """True when the page quotes the person: "said Dana Okafor", "Okafor told ..."."""
    family = re.escape(ctx.matcher.family)
    pattern = rf"{_QUOTED}\s+(?:\w+\s+)?{family}\b|\b{family}\s+{_QUOTED}"
    return bool(family) and re.search(pattern, _fold(text)) is not None


def _venue(page: PageFacts) -> str:
    parts = [p.strip() for p in _TITLE_SPLIT.split(page.title) if p.strip()]
    venue = page.organization or (parts[-1] if len(parts) > 1 else "")
    return f" at {venue}" if venue else ""


def _event(obj: dict, page: PageFacts, ctx: _Context) -> TalkingPoint | None:
    """A JSON-LD talk: a Person who performs in an Event, or an Event with them as performer."""
    if ctx.matcher.matches(str(obj.get("name", ""))) and isinstance(obj.get("performerIn"), dict):
        event = obj["performerIn"]
    elif "Event" in str(obj.get("@type")) and (_performs(obj, ctx) or _is_profile(page, ctx)):
        event = obj
    else:
        return None
    name = event.get("name") if isinstance(event.get("name"), str) else _headline(page)
    date = parse_date(str(event.get("startDate", ""))) or parse_date(page.published)
    venue = _venue(page) if name != _headline(page) else ""
    source = Source(page.url, page.title, page.description[:300])
    return TalkingPoint(f"Talk “{name}”{venue}{_show(date)}", source, _iso(date))


def _performs(event: dict, ctx: _Context) -> bool:
    people = event.get("performer") or event.get("organizer") or []
    people = people if isinstance(people, list) else [people]
    return any(isinstance(p, dict) and ctx.matcher.matches(str(p.get("name", ""))) for p in people)


def _iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


_TALK_TITLE = re.compile(r"\b(?:Talk|Session|Keynote):\s*(.{8,160}?)(?:\.\s|\.$|$)")
_GENERIC_PARTS = re.compile(r"^(?:speakers?|profile|talks?|sessions?|bio|about|home|blog)$", re.I)


def _hit_work(hit: SearchHit, ctx: _Context) -> TalkingPoint | None:
    """A talk, podcast, post or paper known only from a search result's title and snippet."""
    kind = classify_link(hit.url)
    if kind not in ("talk", "post", "paper"):
        return None
    date = parse_date(hit.snippet)
    source = Source(hit.url, hit.title, hit.snippet, "search")
    parts = [p.strip() for p in _TITLE_SPLIT.split(hit.title) if p.strip()]
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


def _project_links(tied: Sequence[PageFacts], ctx: _Context) -> list[TalkingPoint]:
    work = []
    for page in tied:
        for link in page.links:
            path = [p for p in urlsplit(link.url).path.split("/") if p]
            if link.kind == "github" and len(path) == 2 and _personal_link(link, ctx):
                work.append(TalkingPoint(f"Project “{path[1]}” on {_host(link.url)}",
                                         Source(link.url, link.text, f"linked from {page.url}"),
                                         None))
    return work


def _links(tied: Sequence[PageFacts], ctx: _Context) -> tuple[Link, ...]:
    found: dict[str, Link] = {}
    for page in tied:
        kind = classify_link(page.url)
        if _is_profile(page, ctx) and kind != "other":
            found.setdefault(_strip(page.url), Link(page.url, page.title, kind))
        for mention in _mentions(page, ctx):
            if mention.url and mention.url.startswith("http"):
                kind = classify_link(mention.url)
                found.setdefault(_strip(mention.url), Link(
                    mention.url, mention.name, "personal" if kind == "other" else kind))
        for link in page.links:
            if _personal_link(link, ctx):
                found.setdefault(_strip(link.url), link)
    return tuple(list(found.values())[:15])


def _talking_points(work: Sequence[TalkingPoint], today: dt.date) -> tuple[TalkingPoint, ...]:
    """3-5 professional items, the last ~18 months first (newest first), then undated ones."""
    usable = [w for w in work if not PERSONAL_WORDS.search(w.text)]
    def key(w: TalkingPoint) -> tuple[int, int]:
        date = dt.date.fromisoformat(w.date) if w.date else None
        if date and (today - date).days <= RECENT_DAYS:
            return (0, -date.toordinal())
        return (1, 0) if date is None else (2, -date.toordinal())
    return tuple(sorted(usable, key=key)[:5])


def _dedupe(work: Iterable[TalkingPoint]) -> list[TalkingPoint]:
    seen: dict[str, TalkingPoint] = {}
    for item in work:
        key = _strip(item.source.url)
        if key not in seen or (item.date and not seen[key].date):
            seen[key] = item
    return sorted(seen.values(), key=lambda w: w.date or "", reverse=True)


def build_profile(interview: Interview, domain: str | None, pages: Sequence[PageFacts],
                  hits: Sequence[SearchHit], *, today: dt.date) -> Profile:
    """The interviewer's profile from tied facts only; namesakes' facts are set aside."""
    terms = tuple(t for t in (company_key(interview.company), (domain or "").lower()) if t)
    ctx = _Context(interview, domain, NameMatcher(interview.name), terms, today)
    tied = _tied_pages(pages, ctx)
    tied_urls = {_strip(p.url) for p in tied}
    asides = [_set_aside(p, ctx) for p in pages if _names_person(p, ctx) and p not in tied]
    fetched = {_strip(p.url) for p in pages}
    hits = [h for h in hits if ctx.matcher.positions(f"{h.title} {h.snippet}")]
    tied_hits = [h for h in hits if _hit_tied(h, ctx) or _strip(h.url) in tied_urls]
    asides += [_hit_aside(h, ctx) for h in hits
               if h not in tied_hits and _strip(h.url) not in fetched]
    title, title_source = _title(tied, ctx)
    if title is None:
        title, title_source = _hit_title(tied_hits, ctx)
    bio, bio_source = _bio(tied, ctx)
    work = [w for p in tied for w in _page_work(p, ctx)]
    work += [w for h in tied_hits if _strip(h.url) not in fetched and (w := _hit_work(h, ctx))]
    work += _project_links(tied, ctx)
    work = _dedupe(work)
    team, team_source = _team(title, title_source, [m for p in tied for m in _mentions(p, ctx)])
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
        talking_points=_talking_points(work, today),
        set_aside=tuple({(a.source.url): a for a in asides}.values()),
    )


def _hit_title(hits: Sequence[SearchHit], ctx: _Context) -> tuple[str | None, Source | None]:
    """A title from a network-style result: "Name - Title - Company | Network"."""
    for hit in hits:
        parts = [p.strip() for p in _TITLE_SPLIT.split(hit.title) if p.strip()]
        if len(parts) >= 3 and ctx.matcher.matches(parts[0]) and \
                any(company_key(p) in ctx.terms for p in parts[2:]):
            return parts[1], Source(hit.url, hit.title, hit.snippet, "search")
    return None, None
