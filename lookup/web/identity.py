"""A company's identity over time: renamed or acquired, it answers at another domain. Pure.

Two signs say a company now lives elsewhere. Its old domain redirects permanently (301 or
308) to another registrable domain, page after page, or its home page says so in words
("Northwind Labs is now part of Vireo Systems", "… has been acquired by …") and names the
new site. ``redirect_moves`` and ``announced_move`` read those signs; ``apply_moves`` puts
the new domain in the old one's place among the domain candidates, with the reason in a
sentence for the card, so the run reads the current site and infers addresses where mail
is delivered today. What the old domain published stays history (``Move`` is passed on:
the analysis dates it and weighs it below current evidence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from lookup.models import FetchResult, PageFacts, Source
from lookup.web.company import DomainCandidate, company_key, registrable_domain

__all__ = ["MOVE_BONUS", "PERMANENT", "Move", "announced_move", "apply_moves", "redirect_moves"]

PERMANENT = frozenset({301, 308})  # RFC 9110 15.4.2 and 15.4.9; 302/307 say "for now"
MOVE_BONUS = 0.5  # the new domain ranks just above where the old one stood
# "X is now part of Y", "X has been acquired by Y", "X is now Y", "X has joined Y", and the
# "formerly X" a new site writes about its old name.
_ANNOUNCED = re.compile(
    r"\b(?:is now (?:(?:a )?part of|a (?:division|subsidiary|brand|member) of|owned by|"
    r"(?:called|known as|operating as))|(?:has|have) (?:been acquired by|been renamed(?: to)?|"
    r"joined|merged with|become)|(?:was|were) acquired by|(?:is|are) now)\s+"
    r"(?P<org>[A-Z][\w&'’-]*(?:[ \t]+(?:&[ \t]+)?[A-Z][\w&'’-]*){0,4})",
)
_HOST_IN_TEXT = re.compile(
    r"(?<![\w.@-])(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w@-])",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Move:
    """The company moved from ``old`` to ``new`` (registrable domains): how we know, in words."""

    old: str
    new: str
    how: str  # "redirect" (every page checked moves) | "homepage" (its home page redirects) |
    #           "notice" (the home page says so)
    sentence: str
    source: Source
    url: str = ""  # the new site's page the evidence led to


def _registrable(url: str) -> str:
    return registrable_domain(urlsplit(url).hostname or "")


def _permanent_jump(result: FetchResult) -> tuple[int, str] | None:
    """The permanent redirect that left the starting domain, when every hop was permanent."""
    start = _registrable(result.url)
    if not result.hops or any(status not in PERMANENT for status, _ in result.hops):
        return None
    return next(((s, u) for s, u in result.hops if _registrable(u) != start), None)


def redirect_moves(company: str, homepages: Sequence[FetchResult],
                   probes: Sequence[FetchResult] = ()) -> list[Move]:
    """Domains whose home page redirects permanently to another registrable domain.

    ``probes`` are other pages of those domains fetched to see whether the whole site moved:
    when one of them lands on the same new domain, the sentence says every page redirects.
    """
    moves: list[Move] = []
    for result in homepages:
        jump = _permanent_jump(result)
        if jump is None or not result.ok:
            continue
        status, target = jump
        old, new = _registrable(result.url), _registrable(result.final_url)
        if new != _registrable(target) or old == new:
            continue  # it went on to a third domain: no single new home
        whole = any(_registrable(p.url) == old and _registrable(p.final_url) == new
                    and _permanent_jump(p) for p in probes)
        said = (f"every page of {old} redirects there" if whole else
                f"the home page of {old} redirects there")
        sentence = f"{company} now answers at {new}: {said} (HTTP {status}, a permanent move)."
        moves.append(Move(old, new, "redirect" if whole else "homepage", sentence,
                          Source(result.url, "", sentence), result.final_url))
    return moves


def announced_move(company: str, page: PageFacts) -> Move | None:
    """A home page saying the company is now part of (or now) another, with that site named."""
    old = _registrable(page.url)
    text = f"{page.description} {page.text}"
    for match in _ANNOUNCED.finditer(text):
        key = company_key(match.group("org"))
        if not key or key == company_key(company):
            continue
        new = _named_site(text, page.canonical, key, old)
        if new is None:
            continue
        org = _trimmed(match.group("org"), company)
        start = _subject(text, company, match.start())
        said = text[start: match.start("org") + len(org)].strip()
        sentence = (f"{company} is now part of {org}, which answers at {new}: the home page of "
                    f"{old} says “{said}”.")
        return Move(old, new, "notice", sentence, Source(page.url, page.title, said),
                    f"https://www.{new}/" if not new.startswith("www.") else f"https://{new}/")
    return None


def _trimmed(org: str, company: str) -> str:
    """The organisation's words, ended where the company's own name starts again: text
    joined from two blocks reads "… part of Vireo Systems Northwind Labs is now …"."""
    words = org.split()
    first = company.split()[0].lower() if company.split() else ""
    end = next((i for i, w in enumerate(words) if i and w.lower() == first), len(words))
    return " ".join(words[:end])


def _subject(text: str, company: str, at: int) -> int:
    """Where the sentence naming the move starts: the company's name just before it."""
    window = max(0, at - 120)
    found = text[window:at].lower().rfind(company.lower())
    return window + found if found >= 0 else at


def _named_site(text: str, canonical: str | None, key: str, old: str) -> str | None:
    """The new organisation's domain, as the page writes it (a host whose label spells it)."""
    compact = key.replace(" ", "")
    hosts = [m.group(1).lower() for m in _HOST_IN_TEXT.finditer(text)]
    hosts += [urlsplit(canonical).hostname or ""] if canonical else []
    for host in hosts:
        domain = registrable_domain(host)
        label = domain.split(".", 1)[0].replace("-", "")
        if domain != old and label and (compact.startswith(label) or label.startswith(
                key.split()[0])):
            return domain
    return None


def apply_moves(candidates: Sequence[DomainCandidate], moves: Sequence[Move],
                before: Sequence[DomainCandidate] = ()) -> list[DomainCandidate]:
    """The candidates with each moved domain replaced by its new home, best first.

    The new domain inherits the old one's standing (its name, its search results) plus
    MOVE_BONUS, confirmed; its first reason is the move's sentence. A candidate that was
    already the new domain keeps the better of the two scores. ``before`` are the
    candidates ranked before any home page was read: a moved domain whose (redirected)
    home page no longer names the company is found there.
    """
    by_old = {m.old: m for m in moves}
    present = {c.domain for c in candidates}
    lost = [c for c in before if c.domain in by_old and c.domain not in present]
    out: dict[str, DomainCandidate] = {}
    for candidate in [*candidates, *lost]:
        move = by_old.get(candidate.domain)
        if move is not None:
            candidate = DomainCandidate(
                move.new, round(candidate.score + MOVE_BONUS, 3),
                (move.sentence, *candidate.reasons), move.source, move.url or None, True)
        held = out.get(candidate.domain)
        if held is None or candidate.score > held.score:
            out[candidate.domain] = candidate if held is None else replace(
                candidate, reasons=tuple(dict.fromkeys((*candidate.reasons, *held.reasons))))
    return sorted(out.values(), key=lambda c: (-c.score, c.domain))
