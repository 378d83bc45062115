"""Page selection: a few targeted pages, company pages that list people first."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from lookup.models import SearchHit
from lookup.web.extract import extract
from lookup.web.plan import on_domain, rank_hits, select_follow_ups, site_links


def _hit(url: str, title: str = "", snippet: str = "", rank: int = 0) -> SearchHit:
    return SearchHit(title=title, url=url, snippet=snippet, rank=rank)


def test_company_team_page_ranks_above_namesake() -> None:
    """The company's team page outranks a namesake's page; unrelated pages are dropped."""
    hits = [
        _hit(
            "https://okafor-reyes.test/team/dana", "Dana Okafor — Managing Partner", "Dana Okafor"
        ),
        _hit(
            "https://www.brightwater.test/team",
            "Team — Brightwater Analytics",
            "Dana Okafor, Director",
        ),
        _hit("https://unrelated.test/", "Pools", "Nothing here"),
        _hit("https://www.linkedin.com/in/x", "Dana Okafor - Brightwater Analytics", "Dana Okafor"),
    ]
    urls = rank_hits(
        hits,
        domain="brightwater.test",
        name="Dana Okafor",
        company="Brightwater Analytics",
        limit=10,
    )
    assert urls[0] == "https://www.brightwater.test/team"
    assert "https://unrelated.test/" not in urls
    assert all("linkedin" not in u for u in urls)
    assert (
        rank_hits(
            hits,
            domain="brightwater.test",
            name="Dana Okafor",
            company="Brightwater Analytics",
            limit=1,
        )
        == urls[:1]
    )


def test_same_site_links_and_follow_ups() -> None:
    """Links to the company's own team/contact pages are followed; others and fetched ones are not."""
    html = """<nav><a href="/team">Team</a><a href="/contact#x">Contact</a>
      <a href="https://other.test/team">Other</a><a href="javascript:alert(1)">x</a>
      <a href="/blog/2026/a/b/c">Deep</a><a href="/pricing">Pricing</a></nav>"""
    links = site_links(LexborHTMLParser(html), "https://www.brightwater.test/")
    urls = [link.url for link in links]
    assert "https://www.brightwater.test/team" in urls
    assert "https://www.brightwater.test/contact" in urls
    assert all("other.test" not in u and "javascript" not in u for u in urls)
    assert {link.text for link in links} >= {"Team", "Contact"}
    follow = select_follow_ups(
        links, domain="brightwater.test", already=["https://www.brightwater.test/contact"], limit=5
    )
    assert follow == ["https://www.brightwater.test/team"]


def test_on_domain_matches_subdomains_only() -> None:
    """A subdomain is on the domain; a look-alike suffix is not."""
    assert on_domain("https://www.brightwater.test/x", "brightwater.test")
    assert not on_domain("https://notbrightwater.test/x", "brightwater.test")


# Menus of real company sites: (path, anchor text) -> followed?
MENU = [
    ("/en/company/management/", "Management", True),  # language prefix, depth 3
    ("/ueber-uns/", "Über uns", True),
    ("/de/impressum", "Impressum", True),
    ("/unternehmen/geschaeftsfuehrung/", "Geschäftsführung", True),
    ("/fr/equipe/", "Notre équipe", True),
    ("/en/partners/", "Partners", True),
    ("/x/y", "Meet the team", True),  # the text says it when the path does not
    ("/karriere/", "Karriere", True),
    ("/overview/", "Overview", False),
    ("/newsletter/", "Newsletter", False),
    ("/produkte/ventile/", "Ventile", False),
    ("/en/a/b/c/team", "Team", False),  # too deep for a menu entry
]


@pytest.mark.parametrize(("path", "text", "followed"), MENU, ids=[m[0] for m in MENU])
def test_menu_links_in_several_languages_are_followed(path: str, text: str, followed: bool) -> None:
    """A menu entry whose path or text says it lists people is followed, in several languages."""
    html = f'<header><nav><ul><li><a href="{path}">{text}</a></li></ul></nav></header>'
    page = extract(html, "https://www.lindqvist-berg.test/en/")
    picked = select_follow_ups(page.site_links, domain="lindqvist-berg.test", already=[], limit=5)
    assert bool(picked) is followed


def test_follow_ups_prefer_people_pages_within_the_limit() -> None:
    """With room for two, the team and management pages go before press and careers."""
    links = site_links(LexborHTMLParser(
        '<a href="/careers">Careers</a><a href="/press">Press</a><a href="/team">Team</a>'
        '<a href="/about/management">Management</a>'), "https://acme.test/")
    assert select_follow_ups(links, domain="acme.test", already=[], limit=2) == [
        "https://acme.test/team", "https://acme.test/about/management"]
