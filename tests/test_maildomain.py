"""The mail domain: where the company's own pages publish addresses, if that domain takes mail."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lookup.models import FoundEmail, PageFacts, Source
from lookup.web.maildomain import choose_mail_domain, published_domains, worth_checking


@dataclass(frozen=True)
class Mail:
    """A DomainMail-shaped check result."""

    domain: str
    status: str = "accepts"
    implicit_mx: bool = False
    reasons: tuple[str, ...] = ()


def page(url: str, *addresses: str) -> PageFacts:
    return PageFacts(url, emails=tuple(FoundEmail(a, Source(url, "t", f"… {a} …")) for a in addresses))


SITE = "northfield.test"
PAGES = [
    page("https://www.northfield.test/newsroom/", "laura.brennan@nfhs.test", "media@nfhs.test"),
    page("https://www.northfield.test/contact/", "info@nfhs.test", "someone@gmail.com"),
    page("https://healthnews.test/story", "tips@healthnews.test", "x@healthnews.test"),
]


def test_published_domains_count_the_company_s_own_pages_only():
    """Addresses on other sites and at free-mail domains are not the company's mail."""
    found = published_domains(PAGES, SITE)
    assert [(d.domain, len(d.addresses), d.people) for d in found] == [("nfhs.test", 3, 1)]
    assert found[0].example.address == "laura.brennan@nfhs.test"
    assert worth_checking(SITE, found) == [SITE, "nfhs.test"]


CASES = [
    # site mail, other mail, own-page addresses at the site -> chosen
    ("implicit MX site loses to real MX used by its pages",
     Mail(SITE, implicit_mx=True), Mail("nfhs.test"), [], "nfhs.test"),
    ("site without mail: the published domain",
     Mail(SITE, status="refuses"), Mail("nfhs.test"), [], "nfhs.test"),
    ("site with MX publishing more of its own keeps the mail",
     Mail(SITE), Mail("nfhs.test"), ["a@northfield.test", "b@northfield.test",
                                     "c@northfield.test", "d@northfield.test"], SITE),
    ("site with MX but its pages use another domain more: that domain",
     Mail(SITE), Mail("nfhs.test"), ["a@northfield.test"], "nfhs.test"),
    ("the published domain takes no mail: the site keeps it",
     Mail(SITE, implicit_mx=True), Mail("nfhs.test", status="refuses"), [], SITE),
    ("only an implicit MX at the published domain does not beat a site with mail",
     Mail(SITE), Mail("nfhs.test", implicit_mx=True), [], SITE),
    ("neither takes mail: none",
     Mail(SITE, status="refuses"), Mail("nfhs.test", status="refuses"), [], None),
]


@pytest.mark.parametrize(("why", "site_mail", "other_mail", "own", "chosen"), CASES,
                         ids=[c[0] for c in CASES])
def test_choose_mail_domain(why, site_mail, other_mail, own, chosen):
    """The site keeps the mail unless its own pages publish more elsewhere, at real MX."""
    pages = [*PAGES, page("https://www.northfield.test/team/", *own)]
    found = published_domains(pages, SITE)
    domain, reasons = choose_mail_domain(SITE, found, {SITE: site_mail, "nfhs.test": other_mail})
    assert domain == chosen
    if chosen == "nfhs.test":
        assert reasons[0] == f"Web site {SITE}, mail domain nfhs.test."
        assert "laura.brennan@nfhs.test" in reasons[1]
    if chosen is None:
        assert "does not take mail" in reasons[0]
