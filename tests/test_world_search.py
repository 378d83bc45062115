"""The offline world's search engine: query operators, ranking and the SearXNG JSON API."""

from __future__ import annotations

import httpx
import pytest
from worldkit import SMALL_DOCS, SMALL_SITES, SMALL_WORLD, write_world

from lookup.world import RunningWorld, serve_world
from lookup.world.format import SearchDocument
from lookup.world.search_engine import ParsedQuery, SearchIndex, parse_query

DOCS = [SearchDocument(d["title"], d["url"], d["snippet"]) for d in SMALL_DOCS]


def urls(query: str, limit: int = 10) -> list[str]:
    return [hit.document.url for hit in SearchIndex(DOCS).search(query, limit=limit)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jane doe", ParsedQuery(words=("jane", "doe"))),
        ('"Jane Doe" acme', ParsedQuery(phrases=("jane doe",), words=("acme",))),
        ("site:Acme.test robots", ParsedQuery(sites=("acme.test",), words=("robots",))),
        ("robots -pasta", ParsedQuery(excluded=("pasta",), words=("robots",))),
        ('"unclosed phrase', ParsedQuery(phrases=("unclosed phrase",))),
    ],
)
def test_parse_query_splits_operators(text: str, expected: ParsedQuery) -> None:
    """Phrases, site:, -word and plain words are told apart."""
    assert parse_query(text) == expected


def test_quoted_phrase_must_appear() -> None:
    """Only documents containing the quoted phrase come back."""
    assert urls('"warehouse robots"') == ["https://blog.acme.test/robots"]


def test_quoted_phrase_is_case_insensitive_and_matches_urls() -> None:
    """A phrase matches title, snippet or URL whatever its case."""
    assert urls('"SPEAKERS/JANE"') == ["https://roboconf.test/speakers/jane"]


def test_site_keeps_host_and_subdomains() -> None:
    """site:acme.test keeps www.acme.test and blog.acme.test, nothing else."""
    assert sorted(urls("site:acme.test engineering")) == [
        "https://blog.acme.test/robots",
        "https://www.acme.test/team",
    ]


def test_site_does_not_match_a_longer_host_suffix() -> None:
    """site:acme.test does not keep a host that merely ends in the same letters."""
    docs = [SearchDocument("Robots", "https://notacme.test/", "robots")]
    assert SearchIndex(docs).search("site:acme.test robots", limit=5) == []


def test_minus_word_excludes_documents() -> None:
    """-word drops documents containing it."""
    assert "https://roboconf.test/speakers/jane" not in urls("jane doe -roboconf")
    assert "https://www.acme.test/team" in urls("jane doe -roboconf")


def test_more_matching_words_rank_higher() -> None:
    """A document matching more query words outranks one matching fewer."""
    ranked = urls("jane doe director engineering")
    assert ranked[0] == "https://www.acme.test/team"
    team, blog = "https://www.acme.test/team", "https://blog.acme.test/robots"
    assert ranked.index(team) < ranked.index(blog)


def test_title_counts_more_than_snippet() -> None:
    """A word in the title outranks the same word in the snippet."""
    docs = [
        SearchDocument("Other page", "https://a.test/", "mentions gadgets once"),
        SearchDocument("Gadgets", "https://b.test/", "a page"),
    ]
    ranked = [h.document.url for h in SearchIndex(docs).search("gadgets", limit=5)]
    assert ranked == ["https://b.test/", "https://a.test/"]


def test_limit_caps_the_results() -> None:
    """No more than limit results come back."""
    assert len(urls("jane acme robots", limit=2)) == 2


def test_query_matching_nothing_returns_no_results() -> None:
    """Words found in no document give an empty list, not an error."""
    assert urls("zebra xylophone") == []


def test_unmatched_phrase_returns_no_results() -> None:
    """A phrase found nowhere empties the results even when other words match."""
    assert urls('"John Smith" acme') == []


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    toml = SMALL_WORLD + """
[search]
max_results = 3

[[fault]]
service = "search"
query = "trigger outage"
status = 503
"""
    path = write_world(tmp_path_factory.mktemp("search"), toml, SMALL_DOCS, SMALL_SITES)
    with serve_world(path, latency=False) as running:
        yield running


def search(world: RunningWorld, **params: str) -> httpx.Response:
    with httpx.Client(base_url=world.endpoints.search_url) as client:
        return client.get("/search", params={"format": "json", **params})


def test_api_answers_searxng_json(world: RunningWorld) -> None:
    """GET /search?format=json answers query, number_of_results and results in SearXNG's shape."""
    body = search(world, q='"Jane Doe" director').json()
    assert body["query"] == '"Jane Doe" director'
    assert body["number_of_results"] == len(body["results"]) >= 1
    first = body["results"][0]
    assert first["url"] == "https://www.acme.test/team"
    assert first["engine"] == "world"
    assert set(first) >= {"url", "title", "content", "engine", "score"}


def test_api_accepts_post_form(world: RunningWorld) -> None:
    """A urlencoded POST works like GET."""
    with httpx.Client(base_url=world.endpoints.search_url) as client:
        body = client.post("/search", data={"q": "pasta", "format": "json"}).json()
    assert [r["url"] for r in body["results"]] == ["https://food.test/pasta"]


def test_world_max_results_caps_the_api(world: RunningWorld) -> None:
    """[search] max_results caps how many results the API returns."""
    assert len(search(world, q="jane acme robots engineering").json()["results"]) == 3


def test_max_results_parameter_lowers_the_cap(world: RunningWorld) -> None:
    """A max_results query parameter returns fewer results."""
    assert len(search(world, q="jane acme robots", max_results="1").json()["results"]) == 1


def test_api_returns_empty_results_for_no_match(world: RunningWorld) -> None:
    """No match is a 200 with an empty list."""
    response = search(world, q="zebra")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_search_fault_answers_503_for_matching_queries(world: RunningWorld) -> None:
    """A service = "search" fault with query answers 503 only for those queries."""
    assert search(world, q="trigger outage now").status_code == 503
    assert search(world, q="jane").status_code == 200


def test_query_log_records_queries(world: RunningWorld) -> None:
    """Every query lands in search_log with its result count."""
    search(world, q="pasta tomatoes")
    assert any(q.query == "pasta tomatoes" and q.results == 1 for q in world.search_log)


def test_other_formats_are_forbidden_like_searxng(world: RunningWorld) -> None:
    """format=html answers 403, as a SearXNG without that format does."""
    assert search(world, q="jane", format="html").status_code == 403


def test_pageno_returns_the_next_page(world: RunningWorld) -> None:
    """pageno=2 continues where page 1 stopped, without repeating results."""
    def page(number: str) -> list[str]:
        body = search(world, q="jane acme robots", max_results="2", pageno=number).json()
        return [r["url"] for r in body["results"]]

    first, second = page("1"), page("2")
    assert second and not set(first) & set(second)
