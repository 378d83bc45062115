"""Company domain ranking, figure by figure: each piece of evidence and its weight.

The weights (lookup.web.company._score): the homepage names the company 4 (exact) or 2
(the name inside a longer one); result titles naming it 1.5 (before homepages are read);
the domain spelling it 2, or starting like it 1; other sites naming the domain 1 each (at
most 2); then 0.2 per result (at most 5) and 1 / (1 + best rank).
"""

from __future__ import annotations

import pytest

from lookup.models import PageFacts, SearchHit, Source
from lookup.web.company import (
    DomainCandidate,
    _abbreviates,
    _label_match,
    candidate_homepages,
    company_key,
    rank_domains,
    registrable_domain,
)

COMPANY = "Brightwater Analytics"
HOME = SearchHit("Brightwater Analytics | Data for utilities", "https://www.brightwater.test/",
                 "Forecasts for water utilities.", rank=0)
JOBS = SearchHit("Careers - Brightwater Analytics", "https://brightwater.test/careers", "", rank=3)
NETWORK = SearchHit("Brightwater Analytics | LinkedIn",
                    "https://www.linkedin.com/company/brightwater-analytics", "", rank=1)
FAIR = SearchHit("Brightwater Analytics exhibitor", "https://expo.test/exhibitors/brightwater-analytics",
                 "Hall 2. Website: www.BrightwaterAnalytics.test.", rank=2)


def source(hit: SearchHit) -> Source:
    return Source(hit.url, hit.title, hit.snippet, "search")


def test_a_ranking_before_the_homepages_are_read() -> None:
    """Own results and a pointer from a fair, scored piece by piece; LinkedIn and the fair
    itself are no candidates."""
    ranked = rank_domains(COMPANY, [HOME, NETWORK, FAIR, JOBS])
    assert ranked == [
        DomainCandidate(
            "brightwater.test", 3.9,  # titles 1.5 + starts like 1 + 2 results 0.4 + rank 0: 1
            ("2 search result titles on brightwater.test name Brightwater Analytics.",
             "The domain name starts like the company name.",
             "2 search results point to brightwater.test."),
            source(HOME)),
        DomainCandidate(
            "brightwateranalytics.test", 3.333,  # spells it 2 + one site 1 + rank 2: 1/3
            ("The domain name spells the company name.",
             "1 other site names brightwateranalytics.test for Brightwater Analytics "
             "(expo.test)."),
            source(FAIR), homepage="https://www.brightwateranalytics.test/"),
    ]
    assert candidate_homepages(ranked) == ["https://www.brightwater.test/",
                                           "https://www.brightwateranalytics.test/"]


def page(url: str, title: str = "", organization: str | None = None,
         site_name: str | None = None) -> PageFacts:
    og = (("og:site_name", site_name),) if site_name else ()
    return PageFacts(url, title=title, organization=organization, opengraph=og)


@pytest.mark.parametrize(("facts", "points", "why", "confirmed"), [
    (page("https://www.brightwater.test/", organization="Brightwater Analytics GmbH"), 4.0,
     "Its homepage gives the organisation's name as “Brightwater Analytics GmbH”.",
     True),
    (page("https://www.brightwater.test/", site_name="Brightwater Analytics"), 4.0,
     "Its homepage gives its site name (og:site_name) as “Brightwater Analytics”.", True),
    (page("https://www.brightwater.test/", title="Home | Brightwater Analytics"), 4.0,
     "Its homepage is titled “Home | Brightwater Analytics”.", True),
    (page("https://www.brightwater.test/", title="Brightwater Analytics Labs"), 2.0,
     "Its homepage is titled “Brightwater Analytics Labs”, which includes Brightwater Analytics.",
     True),
])
def test_what_the_homepage_says_decides(facts: PageFacts, points: float, why: str,
                                        confirmed: bool) -> None:
    """Organisation name, then og:site_name, then title: the first that names the company."""
    (found,) = [c for c in rank_domains(COMPANY, [HOME, JOBS], {HOME.url: facts})
                if c.domain == "brightwater.test"]
    # + starts like 1, 2 results 0.4, best rank 0: 1 (titles no longer count once read)
    assert found.score == pytest.approx(points + 2.4)
    assert found.reasons[0] == why
    assert found.reasons[1:3] == ("The domain name starts like the company name.",
                                  "2 search results point to brightwater.test.")
    assert found.confirmed is confirmed
    if points == 2.0:
        assert found.reasons[-1] == ("The name there is longer than the company's (a subsidiary "
                                     "or a different business?).")


def test_a_homepage_is_found_by_its_host_or_its_url() -> None:
    """Homepages are keyed by URL or bare host; either finds the candidate's page."""
    named = page("https://brightwater.test/", organization="Brightwater Analytics")
    for key in ("https://brightwater.test/", "brightwater.test", "www.brightwater.test"):
        (found,) = rank_domains(COMPANY, [HOME], {key: named})
        assert found.confirmed, key
    (unconfirmed,) = rank_domains(COMPANY, [HOME], {"https://other.test/": named})
    assert not unconfirmed.confirmed


def test_a_homepage_that_does_not_name_the_company_drops_the_candidate() -> None:
    """Once read, a homepage about something else leaves nothing saying the domain is theirs."""
    unrelated = page(HOME.url, title="Pools and spas")
    assert rank_domains(COMPANY, [HOME], {HOME.url: unrelated}) == []
    before = rank_domains(COMPANY, [HOME])
    assert [c.domain for c in before] == ["brightwater.test"]


def test_pointers_count_distinct_sites_at_most_two() -> None:
    """Three sites naming the domain count as two; the same site twice as one."""
    pointers = [SearchHit("Exhibitors", f"https://{site}/b", "see brightwateranalytics.test",
                          rank=i + 4) for i, site in enumerate(["a.test", "b.test", "c.test"])]
    (found,) = rank_domains(COMPANY, pointers)
    assert found.score == pytest.approx(2 + 2 + 1 / 5)
    assert found.reasons[1] == ("3 other sites name brightwateranalytics.test for "
                                "Brightwater Analytics (a.test, b.test, c.test).")
    (twice,) = rank_domains(COMPANY, pointers[:1] + [pointers[0]])
    assert twice.score == pytest.approx(2 + 1 + 1 / 5)


def test_results_count_at_most_five() -> None:
    """Seven results on the domain add 5 × 0.2."""
    hits = [SearchHit(f"Page {i} | {COMPANY}", f"https://brightwater.test/p{i}", "", rank=i)
            for i in range(7)]
    (found,) = rank_domains(COMPANY, hits)
    assert found.score == pytest.approx(1.5 + 1 + 1.0 + 1.0)
    assert found.source == source(hits[0])


@pytest.mark.parametrize(("other", "penalised"), [
    ("brightwater.de", True),
    ("brightwater.co.uk", True),  # a second-level country suffix
    ("brightwater.com.co", True),  # ... even where the country code alone reads as generic
    ("brightwater.io", False),  # io, ai and co are read as generic
    ("brightwater.ai", False),
    ("brightwater.co", False),
    ("brightwater.org", False),
])
def test_which_domains_count_as_country_domains(other: str, penalised: bool) -> None:
    """A country domain of the same name ranks 2 below what it would; generic ones do not."""
    main = SearchHit(f"{COMPANY} | Home", "https://brightwater.com/", "", rank=0)
    alt = SearchHit(f"{COMPANY} | Home", f"https://{other}/", "", rank=0)
    scores = {c.domain: c for c in rank_domains(COMPANY, [main, alt])}
    assert scores["brightwater.com"].score == scores[other].score + (2.0 if penalised else 0.0)
    note = (f"{other} looks like a country domain of the company; the main domain ranks "
            "above it.")
    assert (scores[other].reasons[-1] == note) is penalised


@pytest.mark.parametrize(("domain", "company", "match"), [
    ("quillvance.test", "Quill & Vance", "exact"),  # "&" read as "and", which may be left out
    ("quillandvance.test", "Quill & Vance", "exact"),
    ("quill-vance.test", "Quill and Vance", "exact"),  # hyphens are not part of the name
    ("andover.test", "Andover Quill", "prefix"),  # a leading "and" is a word, not "&"
    ("quill.test", "Quill & Vance", "prefix"),  # the first word
    ("brig.test", COMPANY, "prefix"),  # the start of the name, four letters or more
    ("bri.test", COMPANY, ""),
    ("brian.test", COMPANY, "prefix"),  # "bri" + "an": each word's start in order
    ("water.test", COMPANY, ""),
])
def test_label_match(domain: str, company: str, match: str) -> None:
    """How a domain's first label spells the company."""
    assert _label_match(domain, company_key(company)) == match


@pytest.mark.parametrize(("label", "words", "expected"), [
    ("hpe", ["hewlett", "packard", "enterprise"], True),
    ("bwa", ["brightwater", "analytics"], False),  # "w" does not start "analytics"
    ("bran", ["brightwater", "analytics"], True),
    ("brightwateranalyticsx", ["brightwater", "analytics"], False),  # more than the words spell
    ("ba", ["brightwater", "analytics"], False),  # two letters say too little
    ("brightwater", ["brightwater"], False),  # one word is not an abbreviation
])
def test_abbreviates(label: str, words: list[str], expected: bool) -> None:
    """A label abbreviates when it is, in order, a non-empty prefix of every word."""
    assert _abbreviates(label, words) is expected


@pytest.mark.parametrize(("name", "key"), [
    ("Acme Group Holdings", "acme"),  # every legal suffix goes, however many
    ("Group", "group"),  # ... but never the last word
    ("Quill & Vance", "quill and vance"),
])
def test_company_key_suffixes(name: str, key: str) -> None:
    """Legal suffixes are dropped from the end while a word remains."""
    assert company_key(name) == key


@pytest.mark.parametrize(("host", "domain"), [
    ("www.wwwfoo.test", "wwwfoo.test"),
    ("foo.www.test", "www.test"),  # only a leading www. goes
    (".brightwater.test.", "brightwater.test"),
])
def test_registrable_domain_edges(host: str, domain: str) -> None:
    """Dots around the host and a leading www. are not part of the domain."""
    assert registrable_domain(host) == domain
