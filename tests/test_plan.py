"""Page selection: a few targeted pages, company pages that list people first."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from lookup.models import Link, SearchHit
from lookup.web.extract import extract
from lookup.web.plan import _hit_score, on_domain, rank_hits, select_follow_ups, site_links


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


# -- exact weights (issue 18: mutation testing) -------------------------------------

QUILL_HITS = [
    _hit("https://quillworks.test/team", "Ada Quill - Quillworks", "Ada Quill leads data", 0),
    _hit("https://quillworks.test/contact", "Contact", "write to ada@quillworks.test", 1),
    _hit("https://www.linkedin.com/in/ada", "Ada Quill | LinkedIn", "Ada Quill Quillworks", 2),
    _hit("https://conf.test/ada", "Ada Quill talk", "Ada Quill on pipes", 3),
    _hit("https://other.test/", "Unrelated", "nothing", 4),
    _hit("https://news.test/a", "Ada Quill at Quillworks", "", 5),
]


@pytest.mark.parametrize(("hit", "score"), [
    (QUILL_HITS[0], 4.0 + 5.0 + 3.0 + 4.0),  # own site, a team page, the name, name + company
    (QUILL_HITS[1], 4.0 + 3.5 + 3.0 - 0.01),  # own site, contact page, an address at it
    (QUILL_HITS[2], 4.0 - 0.02),  # name and company elsewhere
    (QUILL_HITS[3], 1.0 - 0.03),  # the name alone: maybe a namesake
    (QUILL_HITS[4], -0.04),
    (_hit("https://quillworks.test/shop", "Shop", "", 0), 4.0 + 0.5),  # own page, no people word
])
def test_hit_scores(hit: SearchHit, score: float) -> None:
    """Each kind of evidence adds its weight; each rank down costs 0.01."""
    assert _hit_score(hit, domain="quillworks.test", name="Ada Quill",
                      company="Quillworks") == pytest.approx(score)


def test_a_page_on_a_domain_that_does_not_spell_the_company() -> None:
    """On the domain, naming the person but not the company: own site, page, name, namesake."""
    hit = _hit("https://qw.test/blog/ada", "Ada Quill", "", 0)
    assert _hit_score(hit, domain="qw.test", name="Ada Quill", company="Quillworks") == (
        pytest.approx(4.0 + 2.5 + 3.0 + 1.0))


def test_rank_hits_exactly() -> None:
    """Best first; snippet-only hosts and pages worth nothing left out; the limit applies."""
    args = {"domain": "QuillWorks.test", "name": "Ada Quill", "company": "Quillworks"}
    assert rank_hits(QUILL_HITS, limit=10, **args) == [
        "https://quillworks.test/team", "https://quillworks.test/contact", "https://news.test/a",
        "https://conf.test/ada"]
    assert rank_hits(QUILL_HITS, limit=2, **{**args, "domain": None}) == [
        "https://quillworks.test/team", "https://news.test/a"]  # no domain: no own-site bonus
    assert rank_hits(QUILL_HITS, limit=-1, **args) == []
    twice = [_hit("https://conf.test/ada#talk", "Ada Quill", "", 9), QUILL_HITS[3]]
    assert rank_hits(twice, limit=5, **args) == ["https://conf.test/ada"]  # one URL, best score
    odd = [_hit("ftp://quillworks.test/team", "Ada Quill - Quillworks", "", 0),
           _hit("https://QuillWorks.test", "Ada Quill - Quillworks", "", 1)]
    assert rank_hits(odd, limit=5, **args) == ["https://quillworks.test/"]  # http(s) only


def test_follow_ups_exactly() -> None:
    """People-page words in path or link text (2.5 and up), three segments deep at most
    (a language prefix not counted), best weight, then shallower, then alphabetical."""
    links = [
        Link("https://quillworks.test/team", "Team", "site"),
        Link("https://quillworks.test/en/about/", "", "site"),
        "https://quillworks.test/a/b/team", "https://quillworks.test/a/b/c/team",
        Link("https://quillworks.test/x", "Über uns", "site"),
        Link("https://quillworks.test/blog", "Blog", "site"),
        Link("https://quillworks.test/shop", "Shop", "site"),
        "https://other.test/team", "https://quillworks.test/seen",
        "https://sub.quillworks.test/kontakt#form", "ftp://quillworks.test/team",
    ]
    assert select_follow_ups(links, domain="QuillWorks.test",
                             already=["https://quillworks.test/seen#top"], limit=10) == [
        "https://quillworks.test/team", "https://quillworks.test/a/b/team",
        "https://quillworks.test/en/about/", "https://quillworks.test/x",
        "https://sub.quillworks.test/kontakt", "https://quillworks.test/blog",
    ]
    assert select_follow_ups(links, domain="quillworks.test", already=[], limit=-1) == []


def test_site_links_exactly() -> None:
    """Links to the page's host (www or not) and its subdomains, first text kept, 120 chars."""
    tree = LexborHTMLParser(
        '<a href="/team">  Our   team </a><a href="https://www.quillworks.test/team">dup</a>'
        '<a href="https://blog.quillworks.test/p#c">Blog</a><a href="https://other.test/">x</a>'
        '<a href="mailto:ada@quillworks.test">mail</a><a href="/long">' + "word " * 30 + "</a>")
    assert site_links(tree, "https://www.quillworks.test/about") == [
        Link("https://www.quillworks.test/team", "Our team", "site"),
        Link("https://blog.quillworks.test/p", "Blog", "site"),
        Link("https://www.quillworks.test/long", ("word " * 24)[:120], "site"),
    ]
    assert [link.url for link in site_links(tree, "https://quillworks.test/", max_links=2)] == [
        "https://quillworks.test/team", "https://www.quillworks.test/team"]
