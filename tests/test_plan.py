"""Page selection: a few targeted pages, company pages that list people first."""

from __future__ import annotations

from lookup.models import SearchHit
from lookup.web.plan import on_domain, rank_hits, same_site_links, select_follow_ups


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
    links = same_site_links(html, "https://www.brightwater.test/")
    assert "https://www.brightwater.test/team" in links
    assert "https://www.brightwater.test/contact" in links
    assert all("other.test" not in u and "javascript" not in u for u in links)
    follow = select_follow_ups(
        links, domain="brightwater.test", already=["https://www.brightwater.test/contact"], limit=5
    )
    assert follow == ["https://www.brightwater.test/team"]


def test_on_domain_matches_subdomains_only() -> None:
    """A subdomain is on the domain; a look-alike suffix is not."""
    assert on_domain("https://www.brightwater.test/x", "brightwater.test")
    assert not on_domain("https://notbrightwater.test/x", "brightwater.test")
