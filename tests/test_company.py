"""Company domain: candidates from search hits, confirmed by homepages, chosen by mail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lookup.models import PageFacts, SearchHit, Source
from lookup.web.company import (
    DomainCandidate,
    candidate_homepages,
    choose_domain,
    company_key,
    rank_domains,
    registrable_domain,
)
from lookup.web.extract import extract

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


def hit(url: str, title: str, snippet: str = "", rank: int = 0) -> SearchHit:
    return SearchHit(title, url, snippet, rank=rank)


def home(title: str, site_name: str | None = None) -> PageFacts:
    og = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    return extract(f"<html><head><title>{title}</title>{og}</head><body></body></html>",
                   "https://example.test/")


@pytest.mark.parametrize(
    "host, domain",
    [
        ("www.brightwater.test", "brightwater.test"),
        ("brightwater.test", "brightwater.test"),
        ("eu.app.brightwater.test", "brightwater.test"),
        ("www.brightwater.co.uk", "brightwater.co.uk"),
        ("shop.brightwater.com.au", "brightwater.com.au"),
        ("WWW.Example.COM.", "example.com"),
    ],
)
def test_registrable_domain(host, domain):
    """The registrable domain is the last two labels, or three under co.uk-like suffixes."""
    assert registrable_domain(host) == domain


def test_the_suffix_lists_hold_the_rules_the_library_s_own_punycode_parse_holds():
    """Encoding only the non-ASCII rules (issue 31) leaves both lists as the library makes them."""
    from publicsuffixlist import PublicSuffixList

    from lookup.web import suffixes

    text = "\n".join(suffixes._with_punycode(  # noqa: SLF001
        f"{suffixes.list_text()}\n{suffixes.WORLD_SUFFIX}\n"))
    for ours, icann in zip(suffixes.parse_lists(suffixes.list_text()), (False, True), strict=True):
        theirs = PublicSuffixList(source=text, only_icann=icann)
        assert ours._publicsuffix == theirs._publicsuffix  # noqa: SLF001
        assert ours._maxlabel == theirs._maxlabel  # noqa: SLF001
    assert registrable_domain("shop.acme.xn--55qx5d.cn") == "acme.xn--55qx5d.cn"  # 公司.cn


def test_the_parsed_suffix_lists_are_kept_beside_the_bytecode_and_answer_alike(
    tmp_path, monkeypatch
):
    """The first process keeps the parsed lists where Python keeps bytecode; the next one
    answers from them exactly as from a fresh parse; a damaged file is parsed again and
    replaced; with no bytecode written, nothing is kept."""
    import pickle

    from lookup.web import suffix_cache, suffixes

    monkeypatch.setattr(suffix_cache.sys, "dont_write_bytecode", False)
    monkeypatch.setattr(suffix_cache.sys, "pycache_prefix", str(tmp_path))
    monkeypatch.setattr(suffixes, "_LISTS", None)
    path = suffix_cache.cache_file(suffixes.list_text())
    assert path is not None and path.is_relative_to(tmp_path)
    assert suffix_cache.load() is False and path.is_file()  # parsed, and kept
    monkeypatch.setattr(suffixes, "parse_lists", lambda text: pytest.fail("parsed again"))
    assert suffix_cache.load() is True
    fresh = suffixes._with_punycode(f"{suffixes.list_text()}\n{suffixes.WORLD_SUFFIX}\n")  # noqa: SLF001
    from publicsuffixlist import PublicSuffixList

    for kept, icann in zip(suffixes._lists(), (False, True), strict=True):  # noqa: SLF001
        assert kept._publicsuffix == PublicSuffixList(  # noqa: SLF001
            source=fresh, accept_encoded_idn=False, only_icann=icann)._publicsuffix  # noqa: SLF001
    assert registrable_domain("www.brightwater.co.uk") == "brightwater.co.uk"
    path.write_bytes(pickle.dumps({"not": "lists"}))
    monkeypatch.undo()
    monkeypatch.setattr(suffix_cache.sys, "dont_write_bytecode", False)
    monkeypatch.setattr(suffix_cache.sys, "pycache_prefix", str(tmp_path))
    assert suffix_cache.load() is False and suffix_cache._sound(  # noqa: SLF001
        pickle.loads(path.read_bytes()))
    monkeypatch.setattr(suffix_cache.sys, "dont_write_bytecode", True)
    assert suffix_cache.cache_file(suffixes.list_text()) is None


@pytest.mark.parametrize(
    "name, key",
    [
        ("Brightwater Analytics", "brightwater analytics"),
        ("Brightwater Analytics Ltd.", "brightwater analytics"),
        ("BRIGHTWATER ANALYTICS, INC.", "brightwater analytics"),
        ("Grünwald Kaffee GmbH", "grunwald kaffee"),
        ("Okafor & Reyes LLP", "okafor and reyes"),
        ("Company", "company"),
    ],
)
def test_company_key(name, key):
    """Company names compare without case, accents, punctuation or legal suffix."""
    assert company_key(name) == key


def test_homepage_name_decides_between_candidates():
    """The domain whose homepage names the company wins; a look-alike business is dropped."""
    hits = [
        hit("https://brightwaterpools.test/water-testing",
            "Brightwater Analytics water test | Brightwater Pools & Spas", rank=0),
        hit("https://www.brightwater.test/", "Brightwater Analytics | Analytics for utilities",
            rank=1),
    ]
    homepages = {
        "brightwater.test": home("Brightwater Analytics | Analytics for utilities",
                                 "Brightwater Analytics"),
        "brightwaterpools.test": home("Brightwater Pools & Spas", "Brightwater Pools & Spas"),
    }
    ranked = rank_domains("Brightwater Analytics Ltd", hits, homepages)
    assert [c.domain for c in ranked] == ["brightwater.test"]
    assert any("Brightwater Analytics" in r for r in ranked[0].reasons)
    assert ranked[0].source == Source("https://www.brightwater.test/",
                                      "Brightwater Analytics | Analytics for utilities", "",
                                      "search")


def test_non_company_hosts_skipped():
    """Social networks, code hosts, news, wikis and job boards are never candidates."""
    hits = [hit(f"https://{host}/brightwater", "Brightwater Analytics") for host in
            ("www.linkedin.com", "github.com", "en.wikipedia.org", "www.crunchbase.com",
             "www.glassdoor.co.uk", "techcrunch.com")]
    assert rank_domains("Brightwater Analytics", hits) == []


def test_pages_about_the_company_elsewhere_do_not_count():
    """A directory page with the company in its path is about the company, not its site."""
    hits = [hit("https://companydir.test/c/brightwater-analytics",
                "Brightwater Analytics Ltd – Company profile | CompanyDir")]
    assert rank_domains("Brightwater Analytics", hits) == []


def test_before_homepages_hit_titles_and_domain_name_count():
    """Without homepages, hit titles naming the company and a matching domain name rank."""
    hits = [hit("https://www.brightwater.test/team", "Our team | Brightwater Analytics", rank=2),
            hit("https://brightwater-analytics.test/", "Parked domain", rank=5),
            hit("https://blog.example.test/x", "Unrelated post", rank=0)]
    ranked = rank_domains("Brightwater Analytics", hits)
    assert [c.domain for c in ranked] == ["brightwater.test", "brightwater-analytics.test"]
    assert "The domain name spells the company name." in ranked[1].reasons


def test_country_domain_ranks_below_main():
    """A country domain of the same name ranks below the main domain, with a reason."""
    hits = [hit("https://www.larkspur.co.uk/", "Larkspur Robotics UK", rank=0),
            hit("https://www.larkspur.test/", "Larkspur Robotics", rank=3)]
    homepages = {"larkspur.co.uk": home("Larkspur Robotics"),
                 "larkspur.test": home("Larkspur Robotics")}
    ranked = rank_domains("Larkspur Robotics", hits, homepages)
    assert [c.domain for c in ranked] == ["larkspur.test", "larkspur.co.uk"]
    assert "country domain" in ranked[1].reasons[-1]


def test_subsidiary_ranks_below_exact_name():
    """A homepage whose name only contains the company's (a subsidiary) ranks below."""
    hits = [hit("https://larkspur-labs.test/", "Larkspur Robotics Labs", rank=0),
            hit("https://larkspur.test/", "Larkspur Robotics", rank=1)]
    homepages = {"larkspur-labs.test": home("Larkspur Robotics Labs"),
                 "larkspur.test": home("Larkspur Robotics")}
    ranked = rank_domains("Larkspur Robotics", hits, homepages)
    assert [c.domain for c in ranked] == ["larkspur.test", "larkspur-labs.test"]


def test_empty_company_or_hits():
    """No hits or an empty company name gives no candidates, not an error."""
    assert rank_domains("Brightwater Analytics", []) == []
    assert rank_domains("  ", [hit("https://a.test/", "A")]) == []


def test_candidate_homepages():
    """The homepage to fetch is the hit's own host root, else https://www.<domain>/."""
    candidates = [
        DomainCandidate("brightwater.test", 3.0, (), Source("https://www.brightwater.test/team")),
        DomainCandidate("larkspur.test", 2.0, (), Source("http://larkspur.test/about")),
        DomainCandidate("quill.test", 1.0, (), Source("https://blog.quill.test/post")),
        DomainCandidate("brightwater.test", 0.5, (), Source("https://brightwater.test/x")),
    ]
    assert candidate_homepages(candidates) == [
        "https://www.brightwater.test/", "http://larkspur.test/", "https://www.quill.test/",
        "https://brightwater.test/"]


def test_choose_domain_takes_best_that_accepts_mail():
    """The best candidate whose domain takes mail is chosen, saying which were passed over."""
    candidates = [DomainCandidate("brightwateranalytics.test", 4.0, ("Spells the name.",),
                                  Source("https://brightwateranalytics.test/")),
                  DomainCandidate("brightwater.test", 3.0, ("Homepage names it.",),
                                  Source("https://www.brightwater.test/"))]
    chosen = choose_domain(candidates, {"brightwateranalytics.test": False,
                                        "brightwater.test": True})
    assert chosen is not None and chosen.domain == "brightwater.test"
    assert chosen.reasons == ("Homepage names it.",
                              "brightwateranalytics.test ranked higher but does not accept mail.",
                              "brightwater.test accepts mail.")
    assert choose_domain(candidates, {}) is None


@pytest.mark.skipif(not (DEMO / "sites").is_dir(), reason="the demo world is not in the tree")
def test_demo_world_domain():
    """On the demo world the company's domain ranks first once homepages are read."""
    hits = [SearchHit(d["title"], d["url"], d["snippet"], rank=i) for i, d in
            enumerate(json.loads(line) for line in (DEMO / "search.jsonl").open())]
    first = rank_domains("Brightwater Analytics", hits)
    homepages = {}
    for url in candidate_homepages(first):
        host = url.split("/")[2]
        index = DEMO / "sites" / host / "index.html"
        if index.is_file():
            homepages[host.removeprefix("www.")] = extract(index.read_text(), url)
    ranked = rank_domains("Brightwater Analytics", hits, homepages)
    assert ranked[0].domain == "brightwater.test"
    assert "brightwaterpools.test" not in [c.domain for c in ranked]


def test_another_site_naming_the_company_s_domain_is_a_pointer_to_it():
    """A fair's exhibitor page saying "Website: www.kestrelvalves.test" makes that domain a candidate,
    to be confirmed by its homepage; the fair's own domain is not the company's."""
    hits = [hit("https://www.valveworld-expo.test/exhibitors/kestrel-valves-gmbh",
                "Kestrel Valves GmbH – Exhibitor – Valve World Expo 2026",
                "Hall 4, Stand B12. Website: www.kestrelvalves.test")]
    ranked = rank_domains("Kestrel Valves", hits)
    assert [c.domain for c in ranked] == ["kestrelvalves.test"]
    assert ranked[0].homepage == "https://www.kestrelvalves.test/"
    assert candidate_homepages(ranked) == ["https://www.kestrelvalves.test/"]
    assert any("1 other site names kestrelvalves.test" in r for r in ranked[0].reasons)


def test_an_address_in_a_snippet_points_to_its_domain_only_when_it_spells_the_company():
    """jane.doe@acmerobotics.test names the company's domain; tips@newsdesk.test does not."""
    hits = [hit("https://news.test/a", "Acme Robotics hires a CTO | News",
                "Contact jane.doe@acmerobotics.test or tips@newsdesk.test")]
    domains = [c.domain for c in rank_domains("Acme Robotics", hits)]
    assert "acmerobotics.test" in domains and "newsdesk.test" not in domains


def test_a_third_party_page_is_never_ownership_after_the_homepages_are_read():
    """Once homepages are read, a domain whose homepage was not confirmed keeps a candidacy
    only if its name spells the company's or its result titles carry the company where a
    site puts its own name."""
    fair = hit("https://fair.test/2026/programme", "Programme: Kestrel Valves and others | Fair")
    own = hit("https://nfhs.test/about", "About us | Kestrel Valves")
    first = {c.domain for c in rank_domains("Kestrel Valves", [fair, own])}
    assert first == {"fair.test", "nfhs.test"}
    second = {c.domain for c in rank_domains("Kestrel Valves", [fair, own], homepages={})}
    assert second == {"nfhs.test"}


@pytest.mark.parametrize(
    "domain, company, match",
    [
        ("hpe.test", "Hewlett Packard Enterprise", "prefix"),
        ("examplehs.test", "Example Health Systems", "prefix"),
        ("mgh.test", "Massachusetts General Hospital", "prefix"),
        ("kestrelvalves.test", "Kestrel Valves GmbH", "exact"),
        ("kv.test", "Kestrel Valves", ""),  # two letters say too little
        ("valveworld-expo.test", "Kestrel Valves", ""),
    ],
)
def test_domain_names_that_abbreviate_the_company(domain, company, match):
    """A domain spelling each word's start, in order, counts like one starting like the name."""
    from lookup.web.company import _label_match

    assert _label_match(domain, company_key(company)) == match
