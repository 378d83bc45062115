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

from lookup.address.namematch import NameMatcher
from lookup.models import Link, SearchHit
from lookup.text import fold, host_of
from lookup.web._words import looks_like_name

__all__ = ["INDEX_MIN_NAMES", "PEOPLE_WORDS", "on_domain", "person_pages", "rank_hits",
           "select_follow_ups", "site_links"]

# Words in a company link's path or anchor text that say the page lists people, titles or
# addresses, with relative priorities (the best word of a link counts). Several languages,
# because company sites put their team under /ueber-uns/, /equipe/ or /impressum as often as
# under /team. Whole words, after accents are folded (Über uns -> uber uns).
PEOPLE_WORDS: tuple[tuple[float, str], ...] = (
    (5.0, "team teams ourteam staff people employees mitarbeiter mitarbeitende ansprechpartner "
          "equipe equipes equipo medewerkers"),
    (4.5, "leadership leaders management executive executives board founders directors "
          "direction geschaeftsfuehrung geschaftsfuhrung geschaeftsleitung geschaftsleitung "
          "vorstand leitung directie ledning ledelse bestuur"),
    (4.0, "about aboutus ueber uber propos nosotros quienes over om"),
    (3.5, "contact contacts kontakt contacto contactez imprint impressum legal mentions aviso "
          "colofon press presse prensa pers media newsroom partners partner speakers"),
    (3.0, "news aktuelles actualites noticias nieuws"),
    (2.5, "company unternehmen firma entreprise empresa bedrijf blog careers career jobs "
          "karriere carriere recrutement empleo vacatures"),
)
_PEOPLE_WORD = {w: weight for weight, words in PEOPLE_WORDS for w in words.split()}
_LANGUAGE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2})?$")  # /en/, /de-at/: not a topic
FOLLOW_UP_MIN_WEIGHT = 2.5
FOLLOW_UP_MAX_DEPTH = 3  # path segments, a language prefix not counted

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


def _segments(url: str) -> list[str]:
    """The URL's path segments without extensions or a leading language code."""
    parts = [p.rsplit(".", 1)[0].lower() for p in urlsplit(url).path.split("/") if p]
    return parts[1:] if parts and _LANGUAGE.match(parts[0]) else parts


def _word_weight(text: str) -> float:
    words = re.split(r"[^a-z0-9]+", fold(text))
    return max((_PEOPLE_WORD.get(word, 0.0) for word in words), default=0.0)


def _path_weight(url: str, text: str = "") -> float:
    """How likely a company page lists people: its path's best word, or its link text's."""
    segments = _segments(url)
    if not segments:
        return 2.0  # the home page
    weight = max((_word_weight(s) for s in segments), default=0.0)
    return max(weight, _word_weight(text), 0.5)


def _hit_score(hit: SearchHit, *, domain: str | None, name: str, company: str) -> float:
    text = _folded(f"{hit.title} {hit.snippet} {hit.url}")
    # the name as written anywhere, nicknames and formal names included (Liz for Elizabeth)
    name_hit = _folded(name) in text or bool(NameMatcher(name).positions(text))
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


def site_links(tree: LexborHTMLParser, base_url: str, *, max_links: int = 200) -> list[Link]:
    """Links from a parsed page to its own site (its host or subdomains), with their text."""
    site = host_of(base_url).removeprefix("www.")
    found: dict[str, Link] = {}
    for node in tree.css("a[href]")[: max_links * 4]:
        url = _normalise(urljoin(base_url, node.attributes.get("href") or ""))
        host = host_of(url)
        if url and (host == site or host.endswith("." + site)) and url not in found:
            text = " ".join((node.text(deep=True) or "").split())[:120]
            found[url] = Link(url, text, "site")
            if len(found) >= max_links:
                break
    return list(found.values())


def select_follow_ups(
    links: Iterable[Link | str],
    *,
    domain: str,
    already: Sequence[str],
    limit: int,
) -> list[str]:
    """Company pages linked from fetched pages that likely list people or addresses.

    A link counts by the best word of its path or of its text, in several languages
    (PEOPLE_WORDS): a menu entry "Über uns" or a path /en/company/management/ both say it.
    """
    seen = {_normalise(u) for u in already}
    scored: dict[str, float] = {}
    for link in links:
        url, text = (link, "") if isinstance(link, str) else (link.url, link.text)
        url = _normalise(url)
        if not url or url in seen or not on_domain(url, domain):
            continue
        weight = _path_weight(url, text)
        if weight >= FOLLOW_UP_MIN_WEIGHT and _depth(url) <= FOLLOW_UP_MAX_DEPTH:
            scored[url] = max(weight, scored.get(url, 0.0))
    ranked = sorted(scored, key=lambda u: (-scored[u], _depth(u), u))
    return ranked[: max(limit, 0)]


INDEX_MIN_NAMES = 3  # links named after people that make a page an index of per-person pages


def person_pages(
    links: Iterable[Link],
    *,
    name: str,
    domain: str,
    already: Sequence[str],
    colleagues: int,
) -> list[str]:
    """Per-person pages an index links to by a person's name ("/about/staff/<slug>/"): the
    interviewer's own first, then up to ``colleagues`` colleagues' from the same folder (their
    pages may publish addresses the index does not)."""
    matcher = NameMatcher(name)
    seen = {_normalise(u) for u in already}
    named = [(url, link.text) for link in links
             if (url := _normalise(link.url)) and on_domain(url, domain)
             and looks_like_name(link.text.strip())]
    own = [url for url, text in named if matcher.matches(text.strip())]
    if len({url for url, _ in named}) < INDEX_MIN_NAMES:
        colleagues = 0
    folder = _folder(own[0]) if own else None
    others = [url for url, text in named if url not in own
              and (folder is None or _folder(url) == folder)]
    chosen = list(dict.fromkeys([*own[:1], *others[:colleagues]]))
    return [url for url in chosen if url not in seen]


def _folder(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[0]


def _depth(url: str) -> int:
    return len(_segments(url))


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
