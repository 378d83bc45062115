"""Profile: only facts tied to the company, namesakes set aside, talking points, colleagues."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from lookup.address.evidence import (
    ROLE_LOCALPARTS,
    colleague_evidence,
    is_role_address,
    published_address,
)
from lookup.address.namematch import NameMatcher
from lookup.models import FoundEmail, Interview, PageFacts, PersonMention, SearchHit, Source
from lookup.web.extract import decode_html, extract
from lookup.web.profile import build_profile

PAGES = Path(__file__).parent / "pages"
DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
TODAY = dt.date(2026, 11, 25)
DANA = Interview("Dana Okafor", "Brightwater Analytics")
DOMAIN = "brightwater.test"


def page(name: str, url: str) -> PageFacts:
    return extract(decode_html((PAGES / name).read_bytes(), ""), url)


def html_page(url: str, body: str, title: str = "", published: str | None = None) -> PageFacts:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return extract(f"<html><head><title>{title}</title>{meta}</head><body>{body}</body></html>",
                   url)


def profile(pages=(), hits=(), interview=DANA, domain=DOMAIN):
    return build_profile(interview, domain, list(pages), list(hits), today=TODAY)


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    "written, expected",
    [
        ("Dana Okafor", True),
        ("DANA OKAFOR", True),
        ("dana okafor", True),
        ("Dana J. Okafor", True),
        ("Dana Adaeze Okafor", True),
        ("D. Okafor", True),
        ("Dána Ókafor", True),
        ("Daniel Okafor", False),
        ("Dana Okaford", False),
        ("Okafor", False),
    ],
)
def test_name_matcher(written, expected):
    """Names match across case and accents, with middle names or an initial, not namesakes."""
    assert NameMatcher("Dana Okafor").matches(written) is expected


def test_name_matcher_accented_interviewer():
    """An accented interviewer name matches its unaccented spelling."""
    assert NameMatcher("Zoë Müller").matches("Zoe Muller")


# ------------------------------------------------------------------ ties and namesakes


def test_namesake_page_is_set_aside_with_reason():
    """A page naming the same person at another firm is set aside, saying which firm."""
    result = profile([page("namesake.html", "https://okafor-reyes.test/attorneys/dana-okafor")])
    assert result.title is None
    (aside,) = result.set_aside
    assert aside.reason == ("names Dana Okafor, Managing Partner at Okafor & Reyes LLP, "
                            "not Brightwater Analytics")
    assert aside.source.url == "https://okafor-reyes.test/attorneys/dana-okafor"


def test_page_on_company_domain_is_tied():
    """A page on the company's domain (or a subdomain) counts without naming the company."""
    facts = html_page("https://www.brightwater.test/team",
                      '<div><h3>Dana Okafor</h3>'
                      '<p class="role">Director of Data Platform</p></div>')
    result = profile([facts])
    assert result.title == "Director of Data Platform"
    assert result.title_source.url == "https://www.brightwater.test/team"
    assert result.set_aside == ()


def test_company_named_near_the_person_ties_the_page():
    """An outside page counts when the company's name appears near the person's name."""
    facts = page("speaker-jsonld.html", "https://datacon.test/2026/speakers/dana-okafor")
    result = profile([facts])
    assert result.title == "Director of Data Platform"
    assert result.set_aside == ()


def test_company_far_from_the_name_does_not_tie():
    """The company mentioned far away from the name on an outside page does not tie it."""
    body = ("<p>Dana Okafor, Managing Partner, spoke about retaliation law.</p>"
            + "<p>" + "Filler words about other things. " * 40 + "</p>"
            + "<p>Unrelated: Brightwater Analytics sponsored the coffee.</p>")
    result = profile([html_page("https://lawnews.test/a", body, "Law news")])
    assert result.title is None
    assert [a.source.url for a in result.set_aside] == ["https://lawnews.test/a"]


def test_company_written_with_ampersand_and_suffix_ties():
    """"Okafor & Reyes LLP" near the name ties a page for the company "Okafor and Reyes"."""
    facts = html_page("https://news.test/a",
                      "<p>Dana Okafor, Managing Partner at Okafor &amp; Reyes LLP, won.</p>")
    interview = Interview("Dana Okafor", "Okafor and Reyes")
    result = profile([facts], interview=interview, domain="okafor-reyes.test")
    assert result.set_aside == ()
    assert result.title == "Managing Partner"


def test_profile_linked_from_tied_page_is_tied():
    """A profile page linked from a tied page counts even if it never names the company."""
    team = html_page("https://www.brightwater.test/team",
                     '<div><h3>Dana Okafor</h3><p class="role">Director of Data Platform</p>'
                     '<a href="https://dokafor.test/">Website</a></div>')
    personal = html_page("https://dokafor.test/",
                         "<p>Dana Okafor is a data engineer who writes about streaming.</p>",
                         "Dana Okafor")
    result = profile([team, personal])
    assert result.set_aside == ()
    assert result.bio == "Dana Okafor is a data engineer who writes about streaming."
    assert result.bio_source.url == "https://dokafor.test/"


def test_search_hits_of_namesakes_set_aside():
    """A search result naming the person with another firm goes to set_aside, kind search."""
    hits = [
        SearchHit("Dana Okafor - Managing Partner - Okafor & Reyes LLP | Network",
                  "https://network.test/in/dana-okafor-esq", "Chicago · Managing Partner"),
        SearchHit("Dana Okafor - Director of Data Platform - Brightwater Analytics | Network",
                  "https://network.test/in/dana-okafor", "Bristol, England, United Kingdom · "
                  "Director of Data Platform at Brightwater Analytics"),
    ]
    result = profile(hits=hits)
    assert result.title == "Director of Data Platform"
    assert result.location == "Bristol"
    (aside,) = result.set_aside
    assert aside.source.kind == "search"
    assert aside.reason == "names Dana Okafor at Okafor & Reyes LLP, not Brightwater Analytics"


def test_unrelated_people_are_ignored():
    """Pages about other people are neither used nor set aside."""
    other = html_page("https://x.test/", "<p>Greta Solberg, Treasurer of Fenwick.</p>")
    assert profile([other]).set_aside == ()


# ------------------------------------------------------------------ facts


def test_current_title_beats_older_dated_mention():
    """A current listing's title beats an older press release's title."""
    press = html_page("https://www.brightwater.test/press/series-b",
                      "<p>That work is led by Dana Okafor, the company's Data Engineering "
                      "Lead.</p>",
                      "Series B", published="2025-11-03")
    team = html_page("https://www.brightwater.test/leadership",
                     "<table><tr><th>Name</th><th>Role</th><th>Based in</th></tr>"
                     "<tr><td>Dana Okafor</td><td>Director of Data Platform</td><td>Bristol</td>"
                     "</tr></table>")
    result = profile([press, team])
    assert result.title == "Director of Data Platform"
    assert result.team == "Data Platform"
    assert result.location == "Bristol"


def test_work_and_talking_points_from_tied_pages():
    """A post with their byline and a talk become dated, sourced, specific talking points."""
    post = page("blog-byline.html", "https://www.brightwater.test/blog/backfills")
    talk = page("speaker-jsonld.html", "https://datacon.test/2026/speakers/dana-okafor")
    result = profile([post, talk])
    texts = [t.text for t in result.talking_points]
    assert "Post “Backfills without tears” on the Brightwater Analytics blog (12 Mar 2026)" in texts
    assert "Talk “Backfills without tears” at DataCon Europe (12 Mar 2026)" in texts
    assert all(t.source.url.startswith("https://") for t in result.talking_points)
    assert "Project “backfill-kit” on github.com" in texts
    assert [t.date for t in result.talking_points] == ["2026-03-12", "2026-03-12", None]


def test_talking_points_prefer_recent_and_stay_professional():
    """Recent items come first, old ones last, and personal items are never suggested."""
    def post(slug: str, date: str, headline: str) -> PageFacts:
        return html_page(f"https://www.brightwater.test/blog/{slug}",
                         f'<h1>{headline}</h1><p class="byline">By Dana Okafor</p>',
                         f"{headline} | Brightwater Analytics", published=date)
    pages = [post("old", "2022-01-10", "Counting water"),
             post("new", "2026-09-01", "Streaming joins"),
             post("family", "2026-10-01", "My daughter's first birthday"),
             post("mid", "2026-02-01", "Data contracts")]
    points = [t.text.split("”")[0] for t in profile(pages).talking_points]
    assert points == ["Post “Streaming joins", "Post “Data contracts", "Post “Counting water"]


def test_press_quote_is_work():
    """A dated press release quoting the person is a talking point."""
    press = html_page("https://www.brightwater.test/press/deal",
                      "<p>“It works,” said Dana Okafor, Director of Data Platform.</p>",
                      "Severn Vale selects Brightwater | Brightwater Analytics",
                      published="2026-09-22")
    (point,) = profile([press]).talking_points
    assert point.text == ("Quoted in the press release: “Severn Vale selects Brightwater” "
                          "(22 Sep 2026)")


def test_work_from_tied_search_results():
    """Tied search results for talks and podcasts become dated work items."""
    hits = [
        SearchHit("Dana Okafor – Speaker – DataCon Europe 2026",
                  "https://datacon.test/2026/speakers/dana-okafor",
                  "Dana Okafor, Director of Data Platform, Brightwater Analytics. 8 October 2026."),
        SearchHit("#112 – Dual-running a migration, with Dana Okafor – The Pipeline Podcast",
                  "https://pod.test/episodes/112", "9 July 2026 · Dana Okafor of Brightwater "
                  "Analytics on dual-running."),
    ]
    texts = [t.text for t in profile(hits=hits).talking_points]
    assert texts == ["Speaker at DataCon Europe 2026 (8 Oct 2026)",
                     "Podcast “Dual-running a migration, with Dana Okafor” (pod.test) (9 Jul 2026)"]


def test_links_tied_to_the_person():
    """Links whose address spells the person's name are kept; other people's are not."""
    team = html_page("https://www.brightwater.test/team",
                     '<div><h3>Dana Okafor</h3><p class="role">Director</p>'
                     '<a href="https://github.com/dokafor">GitHub</a></div>'
                     '<div><h3>Jonas Weber</h3><p class="role">Head of Success</p>'
                     '<a href="https://github.com/jweber">GitHub</a></div>')
    urls = [link.url for link in profile([team]).links]
    assert "https://github.com/dokafor" in urls
    assert "https://github.com/jweber" not in urls


def test_no_pages_no_hits_gives_an_empty_profile():
    """With nothing found, the profile names the person and says nothing else."""
    result = profile()
    assert (result.name, result.company, result.title, result.talking_points) == (
        "Dana Okafor", "Brightwater Analytics", None, ())


# ------------------------------------------------------------------ addresses


@pytest.mark.parametrize(
    "address, role",
    [("info@brightwater.test", True), ("press@brightwater.test", True),
     ("jobs@brightwater.test", True), ("NoReply@brightwater.test", True),
     ("support+eu@brightwater.test", True), ("jweber@brightwater.test", False),
     ("dana.okafor@brightwater.test", False)],
)
def test_role_addresses(address, role):
    """Shared mailboxes are recognised from a table of local parts."""
    assert is_role_address(address) is role
    assert "careers" in ROLE_LOCALPARTS


def test_colleague_evidence_from_tests_page():
    """Named addresses at the domain become evidence; role and other-domain ones do not."""
    facts = page("obfuscated.html", "https://www.marrowfield.test/contact")
    outside = PageFacts("https://other.test/", emails=(
        FoundEmail("kim@other.test", Source("https://other.test/"), name="Kim Lee"),))
    evidence = colleague_evidence([facts, outside], "marrowfield.test", exclude_name="Priya Raman")
    assert sorted(e.address for e in evidence) == [
        "abrennan@marrowfield.test", "icarvalho@marrowfield.test", "jweber@marrowfield.test",
        "moyelaran@marrowfield.test", "rkowalski@marrowfield.test", "sdelgado@marrowfield.test",
        "tlindqvist@marrowfield.test"]
    assert all(e.source and e.source.url == "https://www.marrowfield.test/contact"
               for e in evidence)


def test_colleague_evidence_deduplicated_and_subdomains_count():
    """The same address seen twice is one piece of evidence; subdomain addresses count."""
    src = Source("https://www.acme.test/")
    facts = PageFacts("https://www.acme.test/", emails=(
        FoundEmail("jo@acme.test", src, name="Jo Park"),
        FoundEmail("jo@acme.test", src, name="Jo Park"),
        FoundEmail("al@eu.acme.test", src, name="Al Dee"),
        FoundEmail("anon@acme.test", src)))
    evidence = colleague_evidence([facts], "acme.test", exclude_name="Dana Okafor")
    assert [(e.name, e.address) for e in evidence] == [("Jo Park", "jo@acme.test"),
                                                       ("Al Dee", "al@eu.acme.test")]


def test_published_address_is_returned_separately():
    """The interviewer's own published address is not colleague evidence but is returned."""
    facts = page("speaker-jsonld.html", "https://datacon.test/dana")
    assert colleague_evidence([facts], DOMAIN, exclude_name="Dana Okafor") == []
    found = published_address([facts], DOMAIN, "Dana Okafor")
    assert found is not None and found.address == "dokafor@brightwater.test"
    assert published_address([facts], DOMAIN, "Jonas Weber") is None
    assert published_address([facts], "other.test", "Dana Okafor") is None


def test_published_address_from_person_mention():
    """An address attached to the person's mention counts as published."""
    src = Source("https://www.acme.test/team", snippet="Dana Okafor, dokafor@acme.test")
    facts = PageFacts("https://www.acme.test/team", people=(
        PersonMention("Dana Okafor", src, email="DOkafor@acme.test"),))
    found = published_address([facts], "acme.test", "dana okafor")
    assert found is not None and found.address == "dokafor@acme.test"


# ------------------------------------------------------------------ the demo world


@pytest.mark.skipif(not (DEMO / "sites").is_dir(), reason="the demo world is not in the tree")
def test_demo_world_profile():
    """On the demo world: the right title, five talking points, colleagues, namesake set aside."""
    root = DEMO / "sites"
    pages = [extract(decode_html(p.read_bytes(), ""), "https://" + p.relative_to(root).as_posix())
             for p in sorted(root.rglob("*.html")) if "internal" not in p.parts]
    hits = [SearchHit(d["title"], d["url"], d["snippet"], rank=i) for i, d in
            enumerate(json.loads(line) for line in (DEMO / "search.jsonl").open())]
    result = profile(pages, hits)
    assert result.title == "Director of Data Platform"
    assert result.location == "Bristol"
    dates = [t.date for t in result.talking_points]
    assert "2026-10-08" in dates and "2026-06-18" in dates
    assert 3 <= len(result.talking_points) <= 5
    assert any("Okafor & Reyes" in a.reason for a in result.set_aside)
    assert not any("okafor-reyes" in (t.source.url) for t in result.work)
    evidence = {e.address for e in colleague_evidence(pages, DOMAIN, exclude_name="Dana Okafor")}
    assert {"praman@brightwater.test", "jweber@brightwater.test", "moyelaran@brightwater.test",
            "rkowalski@brightwater.test", "abrennan@brightwater.test"} <= evidence


def test_a_team_pages_snippet_is_not_read_as_a_place():
    """"Maren Holt, VP Engineering · …" on a team page's result is a list of people, not a
    profile saying where the person is: no location (the name was once taken for one)."""
    hits = [SearchHit("Our team | Brightwater Analytics", "https://www.brightwater.test/team/",
                      "Dana Okafor, Director of Data Platform · Lee Park, CTO · Ana Silva, CEO")]
    assert profile(hits=hits).location is None
    hits.append(SearchHit("Dana Okafor - Director of Data Platform - Brightwater Analytics | "
                          "Network", "https://network.test/in/dana-okafor",
                          "Bristol, England, United Kingdom · Director of Data Platform"))
    assert profile(hits=hits).location == "Bristol"


def test_two_roles_at_the_start_of_a_profile_snippet_are_not_a_place():
    """"Solution Architect, Speaker at … ·" opens a profile's snippet with two roles, shaped
    like "City, Region ·": no location from it (the merge of issues 26 and 29 showed one)."""
    title = "Dana Okafor - Solution Architect, Speaker - Brightwater Analytics | Network"
    hits = [SearchHit(title, "https://network.test/in/dana-okafor",
                      "Solution Architect, Speaker at Brightwater Analytics · 500+ connections")]
    assert profile(hits=hits).location is None
    hits = [SearchHit(title, "https://network.test/in/dana-okafor",
                      "Leeds, West Yorkshire · Solution Architect, Speaker")]
    assert profile(hits=hits).location == "Leeds"
