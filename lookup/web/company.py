"""Which domain is the company's own: rank the candidates search results point to. Pure.

``rank_domains`` turns search hits (and, once fetched, the candidates' homepages)
into ``DomainCandidate`` records with a score and the reasons for it, in
sentences. ``candidate_homepages`` says which pages to fetch to confirm a
candidate; ``choose_domain`` takes the best candidate whose domain accepts mail
(the MX check itself is done at the edge).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from lookup.models import PageFacts, SearchHit, Source
from lookup.text import fold
from lookup.web._labels import _UNIT_WORDS, _abbreviates, _label_match  # noqa: F401 - tests
from lookup.web.suffixes import country_suffix, registrable_domain

__all__ = [
    "COMPANY_SUFFIXES",
    "NON_COMPANY_HOSTS",
    "DomainCandidate",
    "candidate_homepages",
    "choose_domain",
    "company_key",
    "english_version",
    "rank_domains",
    "registrable_domain",
]

# Hosts that are never a company's own site: networks, code hosts, conference and event
# platforms, news, encyclopaedias, company directories and job boards.
NON_COMPANY_HOSTS = frozenset(
    """linkedin.com facebook.com twitter.com x.com instagram.com youtube.com youtu.be tiktok.com
    threads.net bsky.app mastodon.social reddit.com medium.com substack.com github.com gitlab.com
    bitbucket.org stackoverflow.com wikipedia.org wikimedia.org wikidata.org crunchbase.com
    bloomberg.com reuters.com forbes.com techcrunch.com businessinsider.com nytimes.com
    theguardian.com bbc.co.uk ft.com wsj.com cnbc.com glassdoor.com glassdoor.co.uk indeed.com
    monster.com ziprecruiter.com welcometothejungle.com levels.fyi builtin.com angel.co
    wellfound.com zoominfo.com dnb.com opencorporates.com companieshouse.gov.uk
    find-and-update.company-information.service.gov.uk yelp.com trustpilot.com g2.com
    capterra.com sessionize.com eventbrite.com meetup.com lu.ma papercall.io slideshare.net
    speakerdeck.com vimeo.com google.com apple.com amazon.com microsoft.com bing.com
    duckduckgo.com yahoo.com pitchbook.com owler.com""".split()
)
COMPANY_SUFFIXES = frozenset(
    "inc incorporated corp corporation co company ltd limited llc llp lp plc gmbh ag kg ug sa "
    "sas sarl srl spa bv nv oy oyj ab as asa aps pty pte kk group holdings".split()
)
_TITLE_SPLIT = re.compile(r"\s+[|–—:·•-]\s+|\s*[|–—·•]\s*")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# A host name written in text ("Website: www.acme.test", "jane@acme.test"): a pointer.
_HOST_IN_TEXT = re.compile(
    r"(?<![\w.-])(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w-])",
    re.I,
)
POINTER_WEIGHT = 1.0  # per distinct site naming the domain, at most two sites counted


@dataclass(frozen=True, slots=True)
class DomainCandidate:
    """A domain that may be the company's, how strongly, and why (in sentences)."""

    domain: str
    score: float
    reasons: tuple[str, ...]
    source: Source
    homepage: str | None = None  # the host another site names for it, when that is all we have
    confirmed: bool = False  # its homepage names the company


def _fold(text: str) -> str:
    return fold(text.replace("&", " and "))


def company_key(name: str) -> str:
    """The company name without case, accents, punctuation or legal suffix ("acme robotics")."""
    words = _NON_WORD.sub(" ", _fold(name)).split()
    while len(words) > 1 and words[-1] in COMPANY_SUFFIXES:
        words.pop()
    return " ".join(words)


def _names_company(text: str, key: str) -> str:
    """"exact" when a part of ``text`` is the company, "contains" when one includes it, else "".

    A part naming the company's words in another order ("Haberl Translogistik" for
    Translogistik Haberl GmbH), or adjacent parts naming a unit and its organisation
    ("School of Management | Harborview University"), name it exactly.
    """
    parts = [company_key(p) for p in _TITLE_SPLIT.split(text) if p.strip()]
    if key in parts:
        return "exact"
    wanted = sorted(key.split())
    runs = ([p for p in parts[i:j] for p in p.split()] for i in range(len(parts))
            for j in range(i + 1, min(len(parts), i + 3) + 1))
    if len(wanted) > 1 and any(sorted(run) == wanted for run in runs):
        return "exact"
    padded = f" {key} "
    return "contains" if any(padded in f" {p} " for p in parts) else ""


def _slug(url: str) -> str:
    """The URL's path spelled like a slug: /c/Brightwater_Analytics -> /c/brightwater-analytics."""
    return re.sub(r"[^a-z0-9/]+", "-", _fold(urlsplit(url).path))


def _is_country(domain: str) -> bool:
    return country_suffix(domain)


def _country_below_main(ranked: list[DomainCandidate]) -> list[DomainCandidate]:
    """A country domain (acme.co.uk, acme.de) ranks below the same name's main domain."""
    mains = {c.domain.split(".", 1)[0] for c in ranked if not _is_country(c.domain)}
    return [
        replace(c, score=round(c.score - 2.0, 3), reasons=(
            *c.reasons, f"{c.domain} looks like a country domain of the company; the main "
            "domain ranks above it."))
        if _is_country(c.domain) and c.domain.split(".", 1)[0] in mains else c
        for c in ranked
    ]


@dataclass(slots=True)
class _Tally:
    domain: str
    hits: list[SearchHit]
    # other sites' results that name this domain ("Website: www.acme.test"): (hit, host named)
    pointers: list[tuple[SearchHit, str]] = field(default_factory=list)


def _tallies(hits: Sequence[SearchHit], key: str) -> list[_Tally]:
    tallies: dict[str, _Tally] = {}
    for hit in hits:
        host = (urlsplit(hit.url).hostname or "").lower()
        if not host or "." not in host:
            continue
        domain = registrable_domain(host)
        if domain in NON_COMPANY_HOSTS or registrable_domain(domain) in NON_COMPANY_HOSTS:
            continue
        tallies.setdefault(domain, _Tally(domain, [])).hits.append(hit)
    for domain, pointers in _pointers(hits, key).items():
        tallies.setdefault(domain, _Tally(domain, [])).pointers.extend(pointers)
    return list(tallies.values())


def _pointers(hits: Sequence[SearchHit], key: str) -> dict[str, list[tuple[SearchHit, str]]]:
    """Domains spelling the company's name that results on *other* sites name, with the host."""
    found: dict[str, list[tuple[SearchHit, str]]] = {}
    for hit in hits:
        here = registrable_domain((urlsplit(hit.url).hostname or "").lower())
        for match in _HOST_IN_TEXT.finditer(f"{hit.title} {hit.snippet}"):
            host = match.group(1).lower().rstrip(".")
            domain = registrable_domain(host)
            if domain != here and domain not in NON_COMPANY_HOSTS and _label_match(domain, key):
                found.setdefault(domain, []).append((hit, host))
    return found


def _names_site(title: str, key: str) -> bool:
    """True when the company is the title's last part, where a site puts its own name."""
    parts = [p for p in _TITLE_SPLIT.split(title) if p.strip()]
    return len(parts) > 1 and company_key(parts[-1]) == key


def _homepage_for(domain: str, homepages: Mapping[str, PageFacts]) -> PageFacts | None:
    for key, facts in homepages.items():
        host = urlsplit(key).hostname if "/" in key else key
        if host and registrable_domain(host) == domain:
            return facts
    return None


def _homepage_names(page: PageFacts) -> list[tuple[str, str]]:
    return [(what, value) for what, value in (
        ("Its homepage gives the organisation's name as", page.organization or ""),
        ("Its homepage gives its site name (og:site_name) as", dict(page.opengraph).get(
            "og:site_name", "")),
        ("Its homepage is titled", page.title),
    ) if value]


SITE_TITLES = 2  # a site's own pages naming the company, enough to say the site is its
# A homepage calling its site a unit of the company: "a research group at the University of
# Alderbrook", "the institute of ...", "part of ...".
_UNIT = re.compile(
    r"\b(?:(?:research\s+)?(?:group|lab|laboratory|institute|centre|center|department|unit|"
    r"division|school|faculty|chair|programme|program|initiative)|part)\s+"
    r"(?:at|of|within|in)\s+(?:the\s+)?$")


def _unit_of(page: PageFacts, key: str) -> str | None:
    """The phrase by which a homepage calls its site a unit of the company, or None."""
    text = _fold(f"{page.description} {page.text[:3000]}")
    pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, key.split())) + r"\b")
    for m in pattern.finditer(text):
        before = text[max(0, m.start() - 60):m.start()]
        if unit := _UNIT.search(before):
            return f"{before[unit.start():].strip()} {text[m.start():m.end()]}"
    return None


def _parent_named(page: PageFacts, key: str) -> str | None:
    """The homepage's name when the company is a unit of it: "Lindenfeld University" for the
    Lindenfeld University School of Management (a school whose people use its domain)."""
    for _, value in _homepage_names(page):
        for part in (p for p in _TITLE_SPLIT.split(value) if p.strip()):
            parent = company_key(part)
            rest = key.removeprefix(parent + " ").split() if parent else []
            if len(rest) < len(key.split()) and rest and rest[0] in _UNIT_WORDS:
                return part.strip()
    return None


def _names_other(page: PageFacts, key: str) -> bool:
    """True when a homepage names an organisation in Latin letters that is not the company."""
    names = [page.organization or "", dict(page.opengraph).get("og:site_name", "")]
    parts = [p for p in _TITLE_SPLIT.split(page.title) if p.strip()]
    if len(parts) > 1:
        names.append(parts[-1])
    return any(company_key(n) and company_key(n).isascii() and not _names_company(n, key)
               for n in names)


def _score(tally: _Tally, company: str, key: str, page: PageFacts | None, *, confirming: bool
           ) -> tuple[float, list[str], bool] | None:
    """The candidate's score and reasons, or None when nothing says the domain is the company's.

    Pages on other sites that name the company (a trade fair's exhibitor page, a directory,
    a news story) are pointers, never ownership: ownership comes from the homepage's
    organisation name, the domain's own spelling, or result titles carrying the company's
    name where a site puts its own. ``confirming`` is the second look, with homepages read.
    """
    score, reasons = 0.0, []
    matched = ""
    if page is not None:
        for what, value in _homepage_names(page):
            if how := _names_company(value, key):
                score += 4.0 if how == "exact" else 2.0
                matched = how
                reasons.append(f"{what} “{value}”" + ("." if how == "exact" else
                                                       f", which includes {company}."))
                break
        if not matched and (parent := _parent_named(page, key)):
            score += 2.0
            matched = "parent"
            reasons.append(f"Its homepage names “{parent}”, the organisation {company} is a "
                           "unit of.")
        if not matched and (unit := _unit_of(page, key)):
            score += 2.0
            matched = "unit"
            reasons.append(f"Its homepage says it is “{unit}”: a unit of {company}.")
    label = _label_match(tally.domain, key)
    titled = [h for h in tally.hits if _names_company(h.title, key)]
    if not label:  # a directory's or network's page *about* the company has it in its path
        titled = [h for h in titled if key.replace(" ", "-") not in _slug(h.url)]
    if confirming and page is None and not label:
        titled = [h for h in titled if _names_site(h.title, key)]
    if titled and page is None:
        score += 1.5
        matched = matched or "hit"
        reasons.append(f"{len(titled)} search result title{'s' if len(titled) != 1 else ''} on "
                       f"{tally.domain} name{'s' if len(titled) == 1 else ''} {company}.")
    elif page is not None and not matched and not _names_other(page, key):
        # a homepage with no name of its own (a script-built page, another language):
        # the site's pages, titled "Page | Company", say whose site it is
        own = [h for h in titled if _names_site(h.title, key)]
        if len(own) >= SITE_TITLES:
            score += 1.5
            matched = "site titles"
            reasons.append(f"Its homepage names no organisation, and {len(own)} of its pages "
                           f"carry {company}'s name where a site puts its own.")
    if not matched and not label and page is None and not confirming:
        mentioned = [h for h in tally.hits if f" {key} " in f" {company_key(h.snippet)} "]
        if len(mentioned) >= SITE_TITLES:  # a unit's site, maybe: its homepage will say
            score += 0.5
            matched = "mentions"
            reasons.append(f"{len(mentioned)} search results on {tally.domain} mention "
                           f"{company}.")
    if label:
        score += 2.0 if label == "exact" else 1.0
        reasons.append(f"The domain name {'spells' if label == 'exact' else 'starts like'} "
                       f"the company name.")
    sites = sorted({registrable_domain(urlsplit(h.url).hostname or "") for h, _ in tally.pointers})
    if sites:
        score += POINTER_WEIGHT * min(len(sites), 2)
        reasons.append(f"{len(sites)} other site{'s' if len(sites) != 1 else ''} "
                       f"name{'s' if len(sites) == 1 else ''} {tally.domain} for {company} "
                       f"({', '.join(sites[:3])}).")
    if not matched and not ((label == "exact" or sites) and page is None):
        return None  # the company's name must match the page (or, before fetching, a hit)
    ranks = [h.rank for h in tally.hits] or [h.rank for h, _ in tally.pointers]
    score += min(len(tally.hits), 5) * 0.2 + 1.0 / (1 + min(ranks))
    if tally.hits:
        reasons.append(f"{len(tally.hits)} search result{'s' if len(tally.hits) != 1 else ''} "
                       f"point{'s' if len(tally.hits) == 1 else ''} to {tally.domain}.")
    if matched == "contains":
        reasons.append("The name there is longer than the company's (a subsidiary or a "
                       "different business?).")
    return score, reasons, page is not None and matched in ("exact", "contains", "unit", "parent",
                                                            "site titles")


def rank_domains(company: str, hits: Sequence[SearchHit],
                 homepages: Mapping[str, PageFacts] | None = None) -> list[DomainCandidate]:
    """The domains search results point to that carry the company's name, best first."""
    key = company_key(company)
    if not key:
        return []
    ranked: list[DomainCandidate] = []
    for tally in _tallies(hits, key):
        page = _homepage_for(tally.domain, homepages or {})
        scored = _score(tally, company, key, page, confirming=homepages is not None)
        if scored is None:
            continue
        named = [(h, f"https://{host}/") for h, host in tally.pointers]
        best, homepage = min([(h, None) for h in tally.hits] or named, key=lambda x: x[0].rank)
        source = Source(best.url, best.title, best.snippet, "search")
        ranked.append(DomainCandidate(tally.domain, round(scored[0], 3), tuple(scored[1]), source,
                                      homepage, scored[2]))
    return sorted(_country_below_main(ranked), key=lambda c: (-c.score, c.domain))


_ENGLISH_TEXT = frozenset({"english", "en", "eng", "english version", "in english"})


def english_version(page: PageFacts, company: str) -> str | None:
    """The English homepage a homepage in another language links to ("English", /en/), when
    the homepage itself does not name the company (its name there is in another script)."""
    key = company_key(company)
    if any(_names_company(value, key) for _, value in _homepage_names(page)):
        return None
    if urlsplit(page.url).path.lower().startswith("/en"):
        return None
    for link in page.site_links:
        path = urlsplit(link.url).path.lower().rstrip("/")
        if path == "/en" or link.text.strip().lower() in _ENGLISH_TEXT:
            return link.url
    return None


def candidate_homepages(candidates: Sequence[DomainCandidate]) -> list[str]:
    """The homepage URL to fetch for each candidate: the hit's own host root, else www."""
    urls: list[str] = []
    for candidate in candidates:
        parts = urlsplit(candidate.source.url)
        host = (parts.hostname or "").lower()
        if candidate.homepage:  # known only from another site naming it
            url = candidate.homepage
        elif host in (candidate.domain, f"www.{candidate.domain}"):
            # a site whose English pages live under /en/ (its root in another language)
            root = "en/" if parts.path.lower().startswith("/en/") else ""
            url = f"{parts.scheme or 'https'}://{host}/{root}"
        else:
            url = f"https://www.{candidate.domain}/"
        if url not in urls:
            urls.append(url)
    return urls


def choose_domain(candidates: Sequence[DomainCandidate],
                  accepts_mail: Mapping[str, bool]) -> DomainCandidate | None:
    """The best-ranked candidate whose domain accepts mail, with the reasons for the choice."""
    passed: list[str] = []
    for candidate in candidates:
        if accepts_mail.get(candidate.domain):
            notes = tuple(f"{d} ranked higher but does not accept mail." for d in passed)
            return replace(candidate, reasons=(*candidate.reasons, *notes,
                                               f"{candidate.domain} accepts mail."))
        passed.append(candidate.domain)
    return None
