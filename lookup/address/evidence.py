"""Colleagues' published addresses as evidence, and the interviewer's own. Pure.

Role mailboxes (info@, press@, jobs@, ...) are never evidence of how a
company writes a person's address; the interviewer's own published address
is kept apart, as the strongest evidence of all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lookup.address.namematch import NameMatcher
from lookup.models import Evidence, FoundEmail, PageFacts, Source
from lookup.text import host_of
from lookup.web._words import consistent
from lookup.web.suffixes import registrable_domain

__all__ = ["ROLE_LOCALPARTS", "colleague_evidence", "is_role_address", "published_address"]

# Shared mailboxes, not a person's (RFC 2142 names plus what company sites publish).
ROLE_LOCALPARTS = frozenset(
    """info hello hi contact contacts enquiries enquiry inquiries inquiry office mail email
    admin administrator webmaster hostmaster postmaster abuse security noc root noreply no-reply
    donotreply do-not-reply bounce bounces mailer-daemon press media pr news newsletter marketing
    sales support help helpdesk service services customerservice care billing accounts accounting
    finance invoices payments legal privacy dpo gdpr compliance jobs careers career recruiting
    recruitment talent hr people team staff all everyone partners partnerships events speakers
    feedback orders shop store tips editor editors editorial redaktion community investors ir
    office-manager reception""".split()
)

def is_role_address(address: str) -> bool:
    """True for shared mailboxes (info@, press@, jobs@, noreply@, ...), not a person's."""
    local = address.split("@", 1)[0].lower()
    return local in ROLE_LOCALPARTS or local.split("+", 1)[0] in ROLE_LOCALPARTS


def _at(address: str, domain: str) -> bool:
    host = address.rsplit("@", 1)[-1].lower()
    return host == domain.lower() or host.endswith("." + domain.lower())


def _named_addresses(pages: Sequence[PageFacts], domain: str) -> Iterable[tuple[str, str, Source]]:
    # an address nobody is named beside belongs to someone the same site names: another
    # site's people (a namesake's firm, found by the name) say nothing about it
    sites: dict[str, set[str]] = {}
    for page in pages:
        sites.setdefault(_site(page.url), set()).update(m.name for m in page.people)
    for page in pages:
        people = sites.get(_site(page.url), set())
        for email in page.emails:
            if not _at(email.address, domain):
                continue
            name = _fuller(email.name, email.address, people) if email.name else \
                _spelled_by_one(email.address, people)
            if name:
                yield name, email.address.lower(), email.source
        for person in page.people:
            if person.email and _at(person.email, domain):
                yield person.name, person.email.lower(), person.source


def _site(url: str) -> str:
    return registrable_domain(host_of(url))


def _fuller(name: str, address: str, people: set[str]) -> str:
    """The one fuller name the pages give for a name written short beside an address: "ask
    Hans Peter (hans-peterkeller@…)" is Hans Peter Keller of the team page."""
    start = f"{name.lower()} "
    found = {p for p in people if p.lower().startswith(start) and consistent(address, p)}
    return found.pop() if len(found) == 1 else name


def _spelled_by_one(address: str, people: set[str]) -> str | None:
    """An address nobody is named beside, owned by the one person the pages name whose
    name it spells ("Ask Daniel (dchen@…)" on a blog, Daniel Chen on the team page)."""
    found = {name for name in people if consistent(address, name)}
    return found.pop() if len(found) == 1 else None


def colleague_evidence(pages: Sequence[PageFacts], domain: str, *,
                       exclude_name: str) -> list[Evidence]:
    """Named, personal addresses at the domain (not role mailboxes, not the interviewer's)."""
    me = NameMatcher(exclude_name)
    found: dict[str, Evidence] = {}
    for name, address, source in _named_addresses(pages, domain):
        if not is_role_address(address) and not me.matches(name) and address not in found:
            found[address] = Evidence(name, address, source)
    return list(found.values())


def published_address(pages: Sequence[PageFacts], domain: str, name: str) -> FoundEmail | None:
    """The interviewer's own address when a page publishes it next to their name."""
    me = NameMatcher(name)
    for page in pages:
        for email in page.emails:
            if email.name and me.matches(email.name) and _at(email.address, domain):
                return email
        for person in page.people:
            if person.email and me.matches(person.name) and _at(person.email, domain):
                return FoundEmail(person.email.lower(), person.source, "text", person.name)
    return None
