"""Which domain takes the company's mail: the addresses its own pages publish. Pure.

A company's web site and its mail can live on different domains: the site on
``northfieldhealthsystems.example`` (no MX of its own), every address
``@nfhs.example``. Colleagues' and role addresses published on the company's
own pages, at a domain that takes mail, are the strongest evidence of the mail
domain; a domain that takes mail only through its A record (an implicit MX)
loses to one with real MX that those pages use. The MX checks themselves are
done at the edge and come in as ``mail``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from lookup.address.evidence import is_role_address
from lookup.mail.rules import address_flags
from lookup.models import FoundEmail, PageFacts
from lookup.web.company import NON_COMPANY_HOSTS, registrable_domain
from lookup.web.plan import on_domain

__all__ = ["PublishedDomain", "choose_mail_domain", "published_domains", "worth_checking"]


class DomainMail(Protocol):
    """What this module reads of a domain's mail check (``lookup.mail.dnscheck.DomainMail``)."""

    @property
    def status(self) -> str: ...
    @property
    def implicit_mx(self) -> bool: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class PublishedDomain:
    """A domain the company's own pages publish addresses at: how many, and one example."""

    domain: str
    addresses: tuple[str, ...]
    people: int  # addresses that are not role mailboxes (info@, press@)
    example: FoundEmail


def published_domains(pages: Sequence[PageFacts], site: str) -> list[PublishedDomain]:
    """Domains of the addresses published on the company's own pages (on ``site``), most first.

    Free-mail and disposable domains and well-known platforms are not a company's mail.
    """
    found: dict[str, dict[str, FoundEmail]] = {}
    for page in pages:
        if not on_domain(page.url, site):
            continue
        for email in page.emails:
            local, _, domain = email.address.lower().rpartition("@")
            if not local or {"free", "disposable"} & set(address_flags(local, domain)):
                continue
            if registrable_domain(domain) in NON_COMPANY_HOSTS:
                continue
            found.setdefault(domain, {}).setdefault(email.address.lower(), email)
    ranked = [
        PublishedDomain(domain, tuple(emails), sum(not is_role_address(a) for a in emails),
                        next(iter(emails.values())))
        for domain, emails in found.items()
    ]
    return sorted(ranked, key=lambda d: (-len(d.addresses), -d.people, d.domain))


def _same_company(domain: str, site: str) -> bool:
    return registrable_domain(domain) == registrable_domain(site)


def _takes_mail(mail: DomainMail | None, *, real_mx: bool) -> bool:
    return mail is not None and mail.status == "accepts" and not (real_mx and mail.implicit_mx)


def choose_mail_domain(
    site: str, published: Sequence[PublishedDomain], mail: Mapping[str, DomainMail]
) -> tuple[str | None, tuple[str, ...]]:
    """The mail domain for a company whose site is ``site``, and why (sentences).

    ``mail`` holds the checks of ``site`` and of the published domains worth checking
    (``worth_checking``). The site keeps the mail unless its own pages publish more
    addresses at another domain with real MX, or the site takes no mail of its own
    (no MX) while its pages use a domain that does.
    """
    own = sum(len(d.addresses) for d in published if _same_company(d.domain, site))
    other = next((d for d in published if not _same_company(d.domain, site)
                  and _takes_mail(mail.get(d.domain), real_mx=True)), None)
    site_mail = mail.get(site)
    if other is not None and (len(other.addresses) > own or not _takes_mail(site_mail, real_mx=True)):
        why = (f"The company's own pages publish {len(other.addresses)} address(es) at "
               f"{other.domain} (e.g. {other.example.address} on {other.example.source.url}), "
               f"and {other.domain} receives mail.")
        versus = (f"{site} publishes fewer ({own})." if _takes_mail(site_mail, real_mx=True)
                  else f"{site} has no MX record of its own." if site_mail is None
                  or site_mail.implicit_mx else f"{site} does not take mail.")
        return other.domain, (f"Web site {site}, mail domain {other.domain}.", why, versus,
                              *mail[other.domain].reasons)
    if _takes_mail(site_mail, real_mx=False):
        return site, (f"{site} accepts mail.", *site_mail.reasons)  # type: ignore[union-attr]
    fallback = next((d for d in published if _takes_mail(mail.get(d.domain), real_mx=False)), None)
    if fallback is not None:
        return fallback.domain, (
            f"Web site {site}, mail domain {fallback.domain}.",
            f"{site} does not take mail; the company's own pages publish addresses at "
            f"{fallback.domain} (e.g. {fallback.example.address}).",
            *mail[fallback.domain].reasons,
        )
    reason = _first(site_mail.reasons) if site_mail else "it could not be checked."
    return None, (f"{site} is the company's site but does not take mail ({reason}), and its "
                  "pages publish no address at a domain that does.",)


def worth_checking(site: str, published: Sequence[PublishedDomain], limit: int = 2) -> list[str]:
    """The domains whose mail must be checked to choose: the site and the top other domains."""
    others = [d.domain for d in published if not _same_company(d.domain, site)][:limit]
    return [site, *others]


def _first(reasons: Sequence[str]) -> str:
    return reasons[0].rstrip(".") if reasons else "no reason was given"
