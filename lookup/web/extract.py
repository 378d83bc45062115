"""Pull the facts a briefing needs out of one HTML page. Pure: text in, ``PageFacts`` out.

``extract(html, url)`` reads the page's metadata (title, description, canonical
URL, publication date, OpenGraph, JSON-LD), its visible text, the people it
names with their job titles, the addresses it publishes (plain, mailto,
obfuscated, entity-encoded, Cloudflare-protected, JSON-LD) and its links to
profiles, talks, papers and posts. ``decode_html(body, content_type)`` turns
fetched bytes into text the way a browser picks the charset.

Real pages are hostile, so work is capped (``lookup.web._markup``): the markup is cut at
``MAX_HTML_CHARS``, nesting deeper than ``MAX_DEPTH`` is flattened before
parsing (lexbor's tree builder is quadratic in depth: 20,000 nested divs took
0.4 s, 400,000 took 500 s when measured here), and each pass looks at no more
than ``MAX_ELEMENTS`` elements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from lookup.models import FoundEmail, Link, PageFacts, PersonMention, Source
from lookup.web import _owners, _people
from lookup.web._addresses import cloudflare, find_addresses, link_addresses, mailto, parse_address
from lookup.web._appdata import app_data, person_records
from lookup.web._markup import decode_html, tame
from lookup.web._people import Person, fold_space, jsonld_types, looks_like_name, walk_jsonld
from lookup.web.plan import site_links

__all__ = [
    "LINK_KINDS",
    "MAX_ELEMENTS",
    "MAX_TEXT_CHARS",
    "classify_link",
    "decode_html",
    "extract",
    "find_addresses",
    "looks_like_name",
    "visible_words",
]

MAX_TEXT_CHARS = 20_000  # visible text kept in PageFacts.text
MAX_SCAN_CHARS = 400_000  # visible text scanned for addresses (footers sit at the end)
MAX_ELEMENTS = 3_000
MAX_ITEMS = 300  # people, addresses and links kept per page

# ------------------------------------------------------------------ metadata

_NOT_VISIBLE = ["script", "style", "noscript", "template", "svg", "iframe", "object", "head"]
_JSONLD_JUNK = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PUBLISHED_META = ("article:published_time", "og:published_time", "datepublished", "date",
                   "pubdate", "publishdate", "dc.date", "dc.date.issued", "citation_date",
                   "citation_publication_date")
ORG_TYPES = frozenset({"Organization", "Corporation", "LocalBusiness", "NGO",
                       "EducationalOrganization", "GovernmentOrganization", "NewsMediaOrganization",
                       "OnlineBusiness", "ResearchOrganization", "SportsOrganization"})


def _meta(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.css("meta")[:MAX_ELEMENTS]:
        key = node.attributes.get("property") or node.attributes.get("name") or \
            node.attributes.get("itemprop") or ""
        content = node.attributes.get("content")
        if key and content and key.lower() not in found:
            found[key.lower()] = fold_space(content)
    return found


def _jsonld(tree: LexborHTMLParser) -> tuple[dict, ...]:
    """Every top-level JSON-LD object (lists and @graph unrolled); broken blocks are skipped."""
    found: list[dict] = []
    for node in tree.css('script[type*="ld+json"]')[:50]:
        raw = _JSONLD_JUNK.sub("", node.text(deep=True) or "")
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                graph = item.get("@graph")
                if isinstance(graph, list):
                    found.extend(g for g in graph if isinstance(g, dict))
                else:
                    found.append(item)
    return tuple(found[:MAX_ITEMS])


def _iso_date(value: object) -> str | None:
    match = _DATE.search(value) if isinstance(value, str) else None
    # a generator's zero date (Hugo writes 0001-01-01 for "no date") is no date
    return "-".join(match.groups()) if match and int(match.group(1)) >= 1900 else None


def _published(meta: dict[str, str], jsonld: tuple[dict, ...],
               tree: LexborHTMLParser) -> str | None:
    for key in _PUBLISHED_META:
        if date := _iso_date(meta.get(key)):
            return date
    for obj in walk_jsonld(jsonld):
        if date := _iso_date(obj.get("datePublished")):
            return date
    node = tree.css_first("time[datetime]")
    return _iso_date(node.attributes.get("datetime")) if node else None


def _organization(meta: dict[str, str], jsonld: tuple[dict, ...]) -> str | None:
    """The organisation the page belongs to: JSON-LD Organization, a publisher, og:site_name."""
    for obj in jsonld:
        if jsonld_types(obj) & ORG_TYPES and isinstance(obj.get("name"), str):
            return fold_space(obj["name"])
    for obj in jsonld:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return fold_space(publisher["name"])
    return meta.get("og:site_name") or meta.get("application-name") or None


def _canonical(tree: LexborHTMLParser, base: str) -> str | None:
    node = tree.css_first('link[rel="canonical"]')
    href = (node.attributes.get("href") or "").strip() if node else ""
    url = _absolute(href, base) if href else None
    return url


def _absolute(href: str, base: str) -> str | None:
    """An absolute http(s) URL without its fragment, or None."""
    try:
        parts = urlsplit(urljoin(base, href.strip()))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


# ------------------------------------------------------------------ links

# A user or project on a code forge, not one of the forge's own pages.
_FORGE_PATH = (r"^/(?!(?:features|pricing|about|login|logout|join|signup|sign_in|site|topics|"
               r"explore|marketplace|enterprise|solutions|sponsors|settings|search|help|terms|"
               r"privacy|orgs/[^/]+/people)(?:/|$))[^/]+")
# Which kind of link a URL is: (kind, host suffixes or (), path pattern or None).
# The first row that matches wins; hosts match exactly or as a parent domain.
LINK_KINDS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("github", ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sr.ht",
                "sourcehut.org", "gitea.com"), _FORGE_PATH),
    ("github", ("pypi.org", "npmjs.com", "crates.io", "rubygems.org"), r"^/(?:project|package|"
     r"crates|gems|~)/"),
    ("linkedin", ("linkedin.com",), r"^/(?:in|pub)/[^/]+"),
    ("linkedin", ("xing.com",), r"^/profile/"),
    ("paper", ("doi.org", "arxiv.org", "semanticscholar.org", "researchgate.net", "dl.acm.org",
               "ieeexplore.ieee.org", "openreview.net", "ssrn.com", "orcid.org", "dblp.org",
               "pubmed.ncbi.nlm.nih.gov", "aclanthology.org", "proceedings.mlr.press",
               "papers.nips.cc", "biorxiv.org", "zenodo.org"), None),
    ("paper", ("scholar.google.com",), r"citations"),
    ("talk", ("youtube.com",), r"^/(?:watch|live|embed)"),
    ("talk", ("youtu.be", "vimeo.com", "speakerdeck.com", "slideshare.net", "sessionize.com",
              "noti.st", "slides.com", "media.ccc.de", "pyvideo.org", "confreaks.tv",
              "slideslive.com"), r"^/."),
    ("talk", ("infoq.com",), r"^/presentations/"),
    ("talk", ("docs.google.com",), r"^/presentation/"),
    ("post", ("medium.com", "dev.to", "substack.com", "hashnode.dev", "hashnode.com",
              "wordpress.com", "blogspot.com", "ghost.io", "mirror.xyz"), r"^/."),
    # Path conventions on any host: a talk page, a paper's DOI, a blog post's slug. (A
    # network profile is only ever the network's own host: /in/x elsewhere is a look-alike.)
    ("talk", (), r"/(?:talks?|speakers?|sessions?|presentations?|slides|webinars?|episodes?|"
                 r"podcasts?)/[\w%.-]+"),
    ("paper", (), r"/(?:papers?|publications?|doi)/[\w%.-]+|\.pdf$"),
    ("post", (), r"/(?:blog|posts?|articles?|writing|notes)/(?:\d{4}/(?:\d{2}/)?)?[\w%-]{3,}"),
)
_LINK_RULES = tuple((kind, hosts, re.compile(path, re.I) if path else None)
                    for kind, hosts, path in LINK_KINDS)
_CODE_HOST_LABEL = re.compile(r"^(?:git|gitea|forgejo)[\w-]*$")  # self-hosted forges
_FORGE = re.compile(_FORGE_PATH)
_PERSONAL_TEXT = frozenset({"website", "homepage", "home page", "personal website",
                            "personal site", "my website", "my blog"})


_KNOWN_HOSTS = tuple(h for _, hosts, _ in LINK_KINDS for h in hosts)


def _pretends(host: str) -> bool:
    """True for a host that spells a known platform's name without being it."""
    if any(host == h or host.endswith("." + h) for h in _KNOWN_HOSTS):
        return False
    labels = host.split(".")
    return any(f"{h}." in f"{host}." and not host.endswith(h) for h in _KNOWN_HOSTS) or \
        any(label in {h.split(".")[0] for h in _KNOWN_HOSTS} for label in labels[:-2])


def classify_link(url: str, text: str = "", rel: str = "") -> str:
    """The kind of a link: github, linkedin, talk, paper, post, personal or other."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").removeprefix("www."), parts.path or "/"
    if _pretends(host):
        return "other"  # linkedin.com.li-evil.test, github.com.evil.test
    known = False
    for kind, hosts, pattern in _LINK_RULES:
        if hosts and not any(host == h or host.endswith("." + h) for h in hosts):
            continue
        known = known or bool(hosts)
        if pattern is None or pattern.search(path):
            return kind
    if not known and _CODE_HOST_LABEL.match(host.split(".", 1)[0]) and _FORGE.search(path):
        return "github"
    if "me" in rel.lower().split() or text.strip().lower() in _PERSONAL_TEXT:
        return "personal"
    return "other"


def _links(tree: LexborHTMLParser, base: str, here: set[str]) -> list[Link]:
    links: dict[str, Link] = {}
    for node in tree.css("a[href]")[:MAX_ELEMENTS]:
        url = _absolute(node.attributes.get("href") or "", base)
        if not url or url in links or url.removesuffix(".html") in here:
            continue
        text = fold_space(node.text(deep=True))[:200]
        kind = classify_link(url, text, node.attributes.get("rel") or "")
        if kind != "other":
            links[url] = Link(url, text, kind)
    return list(links.values())[:MAX_ITEMS]


# ------------------------------------------------------------------ the page


def _visible_text(tree: LexborHTMLParser) -> str:
    """The body's text with one line per block, before whitespace folding."""
    body = tree.body
    if body is None:
        return ""
    return body.text(deep=True, separator="")[: MAX_SCAN_CHARS * 2]


def _lines(raw: str) -> list[str]:
    return [line for line in (fold_space(s) for s in raw.split("\n")) if line]


def extract(html: str, url: str) -> PageFacts:
    """Everything worth knowing in one page: metadata, visible text, people, addresses, links."""
    tree = LexborHTMLParser(tame(html))
    meta = _meta(tree)
    jsonld = _jsonld(tree)
    records = list(person_records([*app_data(tree), list(jsonld)]))
    base_node = tree.css_first("base[href]")
    base = _absolute(base_node.attributes.get("href") or "", url) if base_node else None
    base = base or url
    title_node = tree.css_first("title")
    title = fold_space(title_node.text()) if title_node else ""
    title = title or meta.get("og:title", "")
    published = _published(meta, jsonld, tree)
    canonical = _canonical(tree, base)
    tree.strip_tags(_NOT_VISIBLE)
    lines = _lines(_visible_text(tree))
    text = " ".join(lines)
    page = Source(url=url, title=title)
    people = _people.find_people(tree, lines, jsonld, meta.get("author"), records)
    emails = _emails(tree, lines, jsonld, html, people, base)
    people = _owners.attach_emails(people, emails)
    return PageFacts(
        url=url,
        title=title,
        description=meta.get("description") or meta.get("og:description", ""),
        canonical=canonical,
        text=text[:MAX_TEXT_CHARS],
        published=published,
        jsonld=jsonld,
        opengraph=tuple((k, v) for k, v in meta.items() if k.startswith(("og:", "article:"))),
        people=tuple(_mention(p, page) for p in people[:MAX_ITEMS]),
        emails=tuple(FoundEmail(e.address, replace(page, snippet=e.context[:300]), e.how, e.name)
                     for e in emails[:MAX_ITEMS]),
        links=tuple(_links(tree, base, _selves(url, canonical))),
        organization=_organization(meta, jsonld),
        site_links=tuple(site_links(tree, base)),
    )


def visible_words(html: str) -> str:
    """What a web search engine indexes of a page: its <title>, headings and visible text
    (the offline world's search engine reads world pages with it)."""
    tree = LexborHTMLParser(tame(html))
    title = tree.css_first("title")
    tree.strip_tags(_NOT_VISIBLE)
    body = tree.body
    text = body.text(deep=True, separator=" ") if body is not None else ""
    return " ".join(f"{title.text() if title is not None else ''} {text}".split())


def _selves(url: str, canonical: str | None) -> set[str]:
    """The page's own addresses, so that links back to itself are not kept."""
    return {u.removesuffix(".html") for u in (_absolute(url, url), canonical) if u}


def _mention(person: Person, page: Source) -> PersonMention:
    return PersonMention(person.name, replace(page, snippet=person.context[:300]), person.title,
                         person.email, person.url, person.how, person.talk, person.team,
                         person.location)


# ------------------------------------------------------------------ addresses on the page


@dataclass(frozen=True, slots=True)
class _Found:
    address: str
    how: str
    context: str
    name: str | None = None


def _emails(tree: LexborHTMLParser, lines: list[str], jsonld: tuple[dict, ...], html: str,
            people: list[Person], base: str) -> list[_Found]:
    found: dict[str, _Found] = {}

    def add(item: _Found) -> None:
        old = found.get(item.address)
        if old is None:
            found[item.address] = item
        elif old.name is None and item.name:
            found[item.address] = replace(old, name=item.name)

    for item in _preferring_mailto(list(_node_addresses(tree, people))):
        add(item)
    lowered = html.lower()
    budget = MAX_SCAN_CHARS
    for line in lines:
        budget -= len(line)
        if budget < 0:
            break
        for addr in find_addresses(line):
            how = addr.how
            if how == "text" and addr.address not in lowered and _entity_written(lowered):
                how = "entity"
            name = _owners.name_for(addr.address, line, addr.start, people,
                                    line[addr.start:addr.end])
            add(_Found(addr.address, how, _around(line, addr.start, addr.end), name))
    for obj in walk_jsonld(jsonld):
        email = obj.get("email")
        if isinstance(email, str) and (address := parse_address(email)):
            name = obj.get("name") if "Person" in jsonld_types(obj) else None
            name = fold_space(name) if isinstance(name, str) else None
            add(_Found(address, "jsonld", f"{name or ''} {address}".strip(), name))
    for person in people:  # addresses that came with a person in the page's app data
        if person.how == "data" and person.email and (address := parse_address(person.email)):
            add(_Found(address, "data", person.context, person.name))
    return list(found.values())


def _preferring_mailto(found: list[_Found]) -> list[_Found]:
    """A person's chat or calendar link may carry an older address than their mailto (a
    surname changed, a mailbox moved): when the two disagree, the mailto is theirs."""
    mailed = {e.name for e in found if e.how == "mailto" and e.name}
    return [e for e in found if e.how != "link" or e.name not in mailed
            or any(m.address == e.address for m in found if m.how == "mailto")]


def _entity_written(lowered_html: str) -> bool:
    return any(e in lowered_html for e in ("&#64;", "&#x40;", "&commat;", "&#0064;"))


def _around(line: str, start: int, end: int, width: int = 140) -> str:
    return line[max(0, start - width): end + width].strip()


def _node_addresses(tree: LexborHTMLParser, people: list[Person]) -> Iterator[_Found]:
    """Addresses in mailto links and Cloudflare-protected spans, named by their card."""
    for node in tree.css('a[href], [data-cfemail]')[:MAX_ELEMENTS]:
        href = node.attributes.get("href") or ""
        if href[:7].lower() == "mailto:":
            addresses, how = [mailto(href)], "mailto"
        elif node.attributes.get("data-cfemail"):
            addresses = [cloudflare(node.attributes.get("data-cfemail") or "")]
            how = "obfuscated"
        elif "/cdn-cgi/l/email-protection#" in href:
            addresses, how = [cloudflare(href.rsplit("#", 1)[-1])], "obfuscated"
        else:  # a web-mail compose, chat, meeting or calendar link (lookup.web._addresses)
            addresses, how = link_addresses(href), "link"
        for address in filter(None, addresses):
            text = fold_space(node.text(deep=True))
            name = text if looks_like_name(text) else _owners.name_near(node, address, people)
            context = _people.context_of(node)
            yield _Found(address, how, context or text or address, name)
