"""Search: query planning and quoting, the per-run session (cache, budget, rate limit), backends."""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException
from hypothesis import given
from hypothesis import strategies as st

from lookup.errors import InvalidDomainError, InvalidNameError, SearchError
from lookup.models import SearchHit
from lookup.ratelimit import FakeClock, RateLimiter
from lookup.settings import SearchSettings, Settings, load_settings
from lookup.web.queries import plan_queries, quote_phrase
from lookup.web.search import DdgsBackend, SearxngBackend, make_search_backend
from lookup.web.session import (
    EARLY,
    SearchSession,
    forget_cached,
    normalize_query,
    search_early,
)
from lookup.world import RunningWorld, serve_world
from tests.worldkit import write_world

# -- query planning -------------------------------------------------------------

_PHRASE = re.compile(r'"[^"]*"')


def _outside_phrases(query: str) -> str:
    return _PHRASE.sub(" ", query)


def test_plan_with_domain_is_targeted_and_small() -> None:
    """With a known domain the plan asks for the person, their site, and the domain's addresses."""
    queries = plan_queries("Jane Doe", "Acme Robotics", "acmerobotics.test")
    assert queries[0] == '"Jane Doe" "Acme Robotics"'
    assert '"Jane Doe" site:acmerobotics.test' in queries
    assert '"@acmerobotics.test"' in queries
    assert 3 <= len(queries) <= 6


def test_plan_without_domain_looks_for_the_official_site() -> None:
    """Without a domain the plan looks for the company's site and sends no @domain query."""
    queries = plan_queries("Jane Doe", "Acme Robotics", None)
    assert '"Acme Robotics" official site' in queries
    assert not any("@" in q or "site:" in q for q in queries)


@pytest.mark.parametrize(
    ("hostile", "phrase"),
    [
        ('Jane" OR "site:evil.test', '"Jane or site evil.test"'),
        ("Jane -Doe", '"Jane Doe"'),
        ("site:evil.test Jane", '"site evil.test Jane"'),
        ("Jane (Doe | Roe)", '"Jane Doe Roe"'),
        ("“Jane” Doe*", '"Jane Doe"'),
        ("Jane\x00\nDoe", '"Jane Doe"'),
        ("Or Cohen", '"Or Cohen"'),
        ("Mary-Jane O'Neil", '"Mary-Jane O\'Neil"'),
    ],
)
def test_quote_phrase_neutralizes_operators(hostile: str, phrase: str) -> None:
    """Quotes, site:, leading minus, grouping, wildcards and upper-case OR lose their meaning."""
    assert quote_phrase(hostile) == phrase


@given(name=st.text(min_size=1, max_size=60), company=st.text(max_size=40))
def test_planned_queries_carry_no_operator_from_input(name: str, company: str) -> None:
    """Whatever the name and company, every operator outside quotes is one the plan put there."""
    try:
        queries = plan_queries(name, company, "acme.test")
    except InvalidNameError:
        return
    for query in queries:
        assert query.count('"') % 2 == 0
        outside = _outside_phrases(query).split()
        for token in outside:
            if token.startswith("site:"):
                assert token == "site:acme.test"
            else:
                assert token not in {"AND", "NOT", "NEAR", "AROUND"}
                # only the talk query repeats the company's words unquoted, made harmless
                assert not token.startswith(("-", "+", "~")) and ":" not in token
        assert outside.count("OR") in (0, 2, 3)  # only the plan's own alternatives


def test_plan_refuses_a_name_without_letters() -> None:
    """A name that is nothing but quotes and operators is refused with a sentence."""
    with pytest.raises(InvalidNameError, match="name"):
        plan_queries('"" - | * () -:-', "Acme")


def test_plan_refuses_a_bad_domain() -> None:
    """A domain with operators or spaces is refused rather than spliced into site:."""
    with pytest.raises(InvalidDomainError, match="not a domain name"):
        plan_queries("Jane Doe", "Acme", "acme.test OR site:evil.test")


def test_plan_accepts_a_parsed_name_record() -> None:
    """A parsed-name record is searched by its full name."""
    from lookup.address.names import parse_name

    queries = plan_queries(parse_name("Dr. Jane Doe"), "Acme", None)
    assert queries[0] == '"Jane Doe" "Acme"'


# -- the session ----------------------------------------------------------------


class FakeBackend:
    """A backend that records when it was asked and answers from a table."""

    name = "fake"

    def __init__(self, clock: FakeClock, answers: dict[str, list[str]] | None = None) -> None:
        self.clock = clock
        self.answers = answers or {}
        self.calls: list[tuple[str, float]] = []

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        self.calls.append((query, self.clock.monotonic()))
        await asyncio.sleep(0)
        urls = self.answers.get(query, [f"https://acme.test/{len(self.calls)}"])
        return [
            SearchHit(
                title=f"About {query}",
                url=u,
                snippet="",
                query=query,
                rank=i + 1,
                backend=self.name,
            )
            for i, u in enumerate(urls[:max_results])
        ]


def _session(
    tmp_path: Path | None, clock: FakeClock, backend: FakeBackend, **changes: object
) -> SearchSession:
    settings = replace(SearchSettings(), **changes)  # type: ignore[arg-type]
    cache = tmp_path / "search" if tmp_path is not None else None
    return SearchSession(backend, settings=settings, cache_dir=cache, clock=clock)


def test_normalize_query_folds_case_and_space() -> None:
    """Queries differing only in case and spacing share one cache key."""
    assert normalize_query('  "Jane   DOE"\t Acme ') == '"jane doe" acme'


def test_cache_answers_a_rerun_without_searching(tmp_path: Path) -> None:
    """A re-run asking the same query (any case or spacing) reads the cache, spending no budget."""
    clock = FakeClock()
    backend = FakeBackend(clock)
    first = _session(tmp_path, clock, backend)
    hits = asyncio.run(first.search('"Jane Doe" Acme'))
    second = _session(tmp_path, clock, backend, max_queries_per_run=0)
    again = asyncio.run(second.search('"jane  doe"   ACME'))
    assert again == hits and len(backend.calls) == 1
    assert (second.queries_cached, second.queries_sent, second.budget_left) == (1, 0, 0)


def test_cache_entries_expire(tmp_path: Path) -> None:
    """A cached answer older than cache_ttl_hours is searched again."""
    clock = FakeClock()
    backend = FakeBackend(clock)
    asyncio.run(_session(tmp_path, clock, backend, cache_ttl_hours=1.0).search("q"))
    clock.advance(3601)
    session = _session(tmp_path, clock, backend, cache_ttl_hours=1.0)
    asyncio.run(session.search("q"))
    assert len(backend.calls) == 2 and session.queries_sent == 1


def test_budget_spent_returns_nothing_with_a_reason(tmp_path: Path) -> None:
    """Past max_queries_per_run a query is not sent: [] and a recorded 'budget spent'."""
    clock = FakeClock()
    backend = FakeBackend(clock)
    session = _session(tmp_path, clock, backend, max_queries_per_run=2, min_interval_s=0.0)

    async def run() -> list[list[SearchHit]]:
        return [await session.search(q) for q in ("a", "b", "c")]

    results = asyncio.run(run())
    assert [len(r) for r in results] == [1, 1, 0]
    assert [c[0] for c in backend.calls] == ["a", "b"]
    assert session.records[-1].outcome == "budget spent"
    assert "budget of 2 queries is spent" in session.records[-1].reason


def test_rate_limit_spaces_concurrent_queries() -> None:
    """Concurrent queries reach the backend one min_interval_s apart, in the order asked."""
    clock = FakeClock()
    backend = FakeBackend(clock)
    session = _session(None, clock, backend, min_interval_s=2.0)

    async def run() -> None:
        await asyncio.gather(*(session.search(q) for q in ("a", "b", "c", "d")))

    asyncio.run(run())
    assert backend.calls == [("a", 0.0), ("b", 2.0), ("c", 4.0), ("d", 6.0)]


def test_rate_limit_is_shared_between_sessions() -> None:
    """Two runs sharing a limiter (as runs in one process do) queue behind each other."""
    clock = FakeClock()
    backend = FakeBackend(clock)
    limiter = RateLimiter(3.0, clock=clock)
    settings = SearchSettings()
    one = SearchSession(backend, settings=settings, cache_dir=None, limiter=limiter, clock=clock)
    two = SearchSession(backend, settings=settings, cache_dir=None, limiter=limiter, clock=clock)

    async def run() -> None:
        await asyncio.gather(one.search("a"), two.search("b"))

    asyncio.run(run())
    assert [t for _, t in backend.calls] == [0.0, 3.0]


def test_same_query_at_once_is_sent_once() -> None:
    """Two tasks asking the same query at the same time share one backend call."""
    clock = FakeClock()
    backend = FakeBackend(clock)
    session = _session(None, clock, backend)

    async def run() -> tuple[list[SearchHit], list[SearchHit]]:
        return await asyncio.gather(session.search("q"), session.search("Q"))

    first, second = asyncio.run(run())
    assert first == second and len(backend.calls) == 1


def test_forget_cached_deletes_entries_mentioning_a_name(tmp_path: Path) -> None:
    """forget_cached removes entries whose query or hits mention the name, and keeps others."""
    clock = FakeClock()
    backend = FakeBackend(clock, {"acme team": ["https://acme.test/people/jane-doe"]})
    session = _session(tmp_path, clock, backend, min_interval_s=0.0)

    async def run() -> None:
        for q in ('"Jane Doe" Acme', "acme team", "acme pricing"):
            await session.search(q)

    asyncio.run(run())
    assert forget_cached(tmp_path / "search", "jane  DOE") == 2
    assert len(list((tmp_path / "search").glob("*.json"))) == 1
    assert forget_cached(tmp_path / "missing", "Jane Doe") == 0


# -- ddgs -----------------------------------------------------------------------


class FakeDDGS:
    """Stands in for ddgs.DDGS: answers or raises from a script, one entry per call."""

    script: list[object] = []
    calls: list[dict[str, object]] = []

    def __init__(self, timeout: int | None = 5) -> None:
        self.timeout = timeout

    def text(self, query: str, **kwargs: object) -> list[dict[str, str]]:
        FakeDDGS.calls.append({"query": query, **kwargs})
        outcome = FakeDDGS.script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[return-value]


def _ddgs(script: list[object], **changes: object) -> DdgsBackend:
    FakeDDGS.script = list(script)
    FakeDDGS.calls = []
    settings = replace(SearchSettings(region="uk-en", ddgs_backend="brave"), **changes)  # type: ignore[arg-type]
    return DdgsBackend(settings, ddgs_factory=FakeDDGS, clock=FakeClock(), rng=random.Random(1))


def test_ddgs_no_results_is_an_empty_list() -> None:
    """ddgs's 'No results found.' exception becomes [] after one call, with no retry."""
    backend = _ddgs([DDGSException("No results found.")])
    assert asyncio.run(backend.search('"Jane Doe"', max_results=5)) == []
    assert len(FakeDDGS.calls) == 1


def test_ddgs_rows_become_hits_with_settings_passed() -> None:
    """ddgs rows map href->url and body->snippet; region, engines and max_results are passed."""
    backend = _ddgs(
        [
            [
                {"title": "Jane Doe - Acme", "href": "https://acme.test/jane", "body": "CTO"},
                {"title": "no link", "href": "", "body": ""},
            ]
        ]
    )
    hits = asyncio.run(backend.search("q", max_results=7))
    assert hits == [SearchHit("Jane Doe - Acme", "https://acme.test/jane", "CTO", "q", 1, "ddgs")]
    assert FakeDDGS.calls[0] == {
        "query": "q",
        "region": "uk-en",
        "safesearch": "moderate",
        "max_results": 7,
        "backend": "brave",
    }


def test_ddgs_timeouts_and_rate_limits_are_retried() -> None:
    """A timeout and a rate limit are retried with backoff before the answer comes through."""
    backend = _ddgs(
        [
            TimeoutException("timed out"),
            RatelimitException("202 Ratelimit"),
            [{"title": "t", "href": "https://acme.test/", "body": "b"}],
        ]
    )
    hits = asyncio.run(backend.search("q", max_results=5))
    assert [h.url for h in hits] == ["https://acme.test/"]
    sleeps = backend.clock.sleeps  # type: ignore[attr-defined]
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] / 2


def test_ddgs_gives_up_with_a_sentence() -> None:
    """After settings.retries retries, a persistent failure is a SearchError saying what to do."""
    backend = _ddgs([TimeoutException("timed out")] * 3, retries=2)
    with pytest.raises(
        SearchError,
        match=r"failed after 3 attempts: .*did not answer in time.*"
        r"Try again later",
    ):
        asyncio.run(backend.search("q", max_results=5))


def test_make_search_backend_follows_settings() -> None:
    """ddgs by default; searxng needs a URL; the world's engine is named 'world'."""
    from lookup.errors import ConfigError
    from lookup.settings import WorldEndpoints

    assert isinstance(make_search_backend(Settings()), DdgsBackend)
    with pytest.raises(ConfigError, match="searxng_url is empty"):
        make_search_backend(replace(Settings(), search=SearchSettings(backend="searxng")))
    world = Settings().in_world(WorldEndpoints("w", 1, 2, 3, "http://127.0.0.1:9/"))
    backend = make_search_backend(world)
    assert isinstance(backend, SearxngBackend) and backend.name == "world"
    asyncio.run(backend.aclose())


def test_cache_file_is_json_with_the_query(tmp_path: Path) -> None:
    """Cache entries are readable JSON files holding the query, backend and hits."""
    clock = FakeClock()
    session = _session(tmp_path, clock, FakeBackend(clock))
    asyncio.run(session.search("Acme"))
    (entry,) = [json.loads(p.read_text()) for p in (tmp_path / "search").glob("*.json")]
    assert entry["query"] == "Acme" and entry["backend"] == "fake" and len(entry["hits"]) == 1


# -- the SearXNG backend against the world's engine (real sockets) ---------------

SEARCH_WORLD = """
name = "Search test world"

[[fault]]
service = "search"
query = "always broken"
status = 503

[[fault]]
service = "search"
query = "broken once"
status = 503
times = 1

[[fault]]
service = "search"
query = "early and broken"
status = 503
times = 1
"""

SEARCH_DOCS = [
    {
        "title": "Jane Doe - Director of Engineering - Acme",
        "url": "https://www.acme.test/team",
        "snippet": "Jane Doe leads robotics engineering at Acme.",
    },
    {
        "title": "Jane Doe speaks at RoboConf",
        "url": "https://roboconf.test/speakers/jane",
        "snippet": "Jane Doe of Acme on warehouse robotics.",
    },
    {
        "title": "Doe, Jane: cooking",
        "url": "https://food.test/jane",
        "snippet": "Recipes by a Jane with the family name Doe.",
    },
]


@pytest.fixture(scope="module")
def search_world(tmp_path_factory: pytest.TempPathFactory):
    root = write_world(tmp_path_factory.mktemp("search"), SEARCH_WORLD, SEARCH_DOCS, {})
    with serve_world(root, latency=False) as running:
        yield running


def _world_search(
    world: RunningWorld, queries: list[str], retries: int = 2
) -> tuple[list[object], FakeClock]:
    clock = FakeClock()

    async def go() -> list[object]:
        out: list[object] = []
        async with httpx.AsyncClient() as client:
            backend = SearxngBackend(
                world.endpoints.search_url,
                client,
                name="world",
                retries=retries,
                clock=clock,
                rng=random.Random(0),
            )
            for query in queries:
                try:
                    out.append(await backend.search(query, max_results=10))
                except SearchError as exc:
                    out.append(exc)
        return out

    return asyncio.run(go()), clock


def test_searxng_backend_honours_a_quoted_phrase(search_world: RunningWorld) -> None:
    """A quoted name finds only documents with that exact phrase; content becomes the snippet."""
    (hits,), _ = _world_search(search_world, ['"Jane Doe" Acme'])
    assert [h.url for h in hits] == [
        "https://www.acme.test/team",
        "https://roboconf.test/speakers/jane",
    ]
    assert hits[0].snippet == "Jane Doe leads robotics engineering at Acme."
    assert (hits[0].rank, hits[0].backend, hits[0].query) == (1, "world", '"Jane Doe" Acme')


def test_searxng_backend_honours_site(search_world: RunningWorld) -> None:
    """site:host keeps only that host's pages."""
    (hits,), _ = _world_search(search_world, ['"Jane Doe" site:roboconf.test'])
    assert [h.url for h in hits] == ["https://roboconf.test/speakers/jane"]


def test_searxng_no_results_is_an_empty_list(search_world: RunningWorld) -> None:
    """A query nothing matches is [] without retries."""
    search_world.clear_logs()
    (hits,), clock = _world_search(search_world, ['"Nobody Atall"'])
    assert hits == [] and clock.sleeps == [] and len(search_world.search_log) == 1


def test_hostile_name_cannot_widen_the_world_search(search_world: RunningWorld) -> None:
    """A planned query for a name carrying site: and OR finds nothing instead of other sites."""
    query = plan_queries('Jane" OR "Doe site:food.test', "Acme", None)[0]
    (hits,), _ = _world_search(search_world, [query])
    assert hits == []


def test_searxng_503_is_retried_then_succeeds(search_world: RunningWorld) -> None:
    """A 503 from the engine is retried after a backoff, and the second answer is used."""
    search_world.clear_logs()
    (hits,), clock = _world_search(search_world, ["broken once Jane"])
    assert isinstance(hits, list) and len(clock.sleeps) == 1
    assert [q.status for q in search_world.search_log] == [503, 200]


def test_searxng_persistent_503_is_a_search_error(search_world: RunningWorld) -> None:
    """An engine that keeps answering 503 is tried retries+1 times, then SearchError says why."""
    search_world.clear_logs()
    (error,), clock = _world_search(search_world, ["always broken"], retries=2)
    assert isinstance(error, SearchError)
    assert "failed after 3 attempts: it answered HTTP 503" in str(error)
    assert [q.status for q in search_world.search_log] == [503, 503, 503]
    assert len(clock.sleeps) == 2


def test_session_on_the_world_caches_between_runs(
    search_world: RunningWorld, tmp_path: Path
) -> None:
    """Two runs over the world engine send a query once; the second run reads the cache."""
    search_world.clear_logs()

    async def run_twice() -> None:
        async with httpx.AsyncClient() as client:
            backend = SearxngBackend(search_world.endpoints.search_url, client, name="world")
            for _ in range(2):
                session = SearchSession(
                    backend,
                    settings=SearchSettings(min_interval_s=0.0),
                    cache_dir=tmp_path,
                    clock=FakeClock(),
                )
                await session.search('"Jane Doe"')

    asyncio.run(run_twice())
    assert [q.query for q in search_world.search_log] == ['"Jane Doe"']


# -- queries sent early (issue 31: while Prefect loads) ------------------------------


def _early_settings(world: RunningWorld, tmp_path: Path, **search: object) -> Settings:
    settings = load_settings({"LOOKUP_DATA_DIR": str(tmp_path)}).in_world(world.endpoints)
    return replace(settings, search=replace(settings.search, retries=0, **search))  # type: ignore[arg-type]


def _run_session(settings: Settings, queries: list[str], limiter: RateLimiter | None = None
                 ) -> tuple[list[object], SearchSession]:
    async def go() -> tuple[list[object], SearchSession]:
        backend = make_search_backend(settings)
        session = SearchSession(backend, settings=settings.search,
                                cache_dir=settings.cache_dir / "search",
                                limiter=limiter or RateLimiter(settings.search.min_interval_s))
        try:
            answers = await asyncio.gather(*(session.search(q) for q in queries),
                                           return_exceptions=True)
        finally:
            await backend.aclose()  # type: ignore[union-attr]
        return list(answers), session

    return asyncio.run(go())


def test_queries_sent_early_are_the_runs_own(search_world: RunningWorld, tmp_path: Path) -> None:
    """Queries sent before the run (another thread, another loop) reach the engine once; the
    run's session takes their answers as queries it sent, and nothing is left over."""
    search_world.clear_logs()
    settings = _early_settings(search_world, tmp_path)
    queries = ['"Jane Doe" Acme', '"Jane Doe" site:roboconf.test']
    sent: list[int] = []
    thread = threading.Thread(target=lambda: sent.append(asyncio.run(search_early(settings, queries))))
    thread.start()
    thread.join()
    assert sent == [2] and [q.query for q in search_world.search_log] == queries
    (first, second), session = _run_session(settings, queries)
    assert [h.url for h in first] == ["https://www.acme.test/team", "https://roboconf.test/speakers/jane"]
    assert [h.url for h in second] == ["https://roboconf.test/speakers/jane"]
    assert [q.query for q in search_world.search_log] == queries  # nothing sent again
    assert [(r.outcome, r.reason) for r in session.records] == [
        ("sent", "sent before the run started")] * 2
    assert session.queries_sent == 2 and session.budget_left == settings.search.max_queries_per_run - 2
    assert len(EARLY) == 0


def test_a_spaced_engine_gets_only_the_first_query_early(
    search_world: RunningWorld, tmp_path: Path
) -> None:
    """With a minimum interval between queries, only the first goes early, through the
    limiter the run's session takes: the run's next query keeps its interval after it; a
    query the cache answers is not sent early at all."""
    search_world.clear_logs()
    settings = _early_settings(search_world, tmp_path, min_interval_s=0.3)
    spacing = RateLimiter(0.3)
    queries = ['"Jane Doe" Acme', '"Nobody Atall"']
    assert asyncio.run(search_early(settings, queries, limiter=spacing)) == 1
    assert [q.query for q in search_world.search_log] == queries[:1]
    _run_session(settings, queries, limiter=spacing)
    log = search_world.search_log
    assert [q.query for q in log] == queries
    assert log[1].at - log[0].at >= 0.3 - 0.01  # spaced from the early query, not from 0
    search_world.clear_logs()
    assert asyncio.run(search_early(settings, queries, limiter=spacing)) == 0  # cached above
    assert search_world.search_log == () and len(EARLY) == 0


def test_an_early_query_in_flight_is_waited_for(search_world: RunningWorld, tmp_path: Path) -> None:
    """A run asking a query that is still on its way waits for that answer: one request."""
    search_world.clear_logs()
    settings = _early_settings(search_world, tmp_path)

    async def both() -> list[SearchHit]:
        early = asyncio.create_task(search_early(settings, ['"Jane Doe" Acme']))
        await asyncio.sleep(0)  # the answer is promised, its request not answered yet
        assert len(EARLY) == 1
        backend = make_search_backend(settings)
        session = SearchSession(backend, settings=settings.search, cache_dir=None,
                                limiter=RateLimiter(0))
        try:
            return await session.search('"Jane Doe" Acme')
        finally:
            await early
            await backend.aclose()  # type: ignore[union-attr]

    hits = asyncio.run(both())
    assert len(hits) == 2 and len(search_world.search_log) == 1


def test_a_failed_early_query_is_sent_again(search_world: RunningWorld, tmp_path: Path) -> None:
    """An early query the engine refused is asked again by the run, which gets its answer."""
    search_world.clear_logs()
    settings = _early_settings(search_world, tmp_path)
    assert asyncio.run(search_early(settings, ["early and broken Jane"])) == 1
    (hits,), session = _run_session(settings, ["early and broken Jane"])
    assert isinstance(hits, list)
    assert [q.status for q in search_world.search_log] == [503, 200]
    assert [r.outcome for r in session.records] == ["sent"] and session.records[0].reason == ""


# -- query planning, exactly (issue 18: mutation testing) --------------------------


def test_the_full_plan_for_a_person_a_company_and_its_domain() -> None:
    """Six queries, most useful first; the domain trimmed, lower-cased, final dot dropped."""
    assert plan_queries("Ada Quill", "Quillworks GmbH", " QuillWorks.test. ") == [
        '"Ada Quill" "Quillworks GmbH"',
        '"Ada Quill" site:quillworks.test',
        '"@quillworks.test"',
        '"Ada Quill" "Quillworks GmbH" linkedin OR github OR profile',
        '"Ada Quill" Quillworks GmbH talk OR conference OR podcast OR paper',
        '"Ada Quill"',
    ]


def test_the_plan_without_a_domain_or_a_company() -> None:
    """No domain: the company's official site instead; no company: the person alone."""
    assert plan_queries("Ada Quill", "Quillworks", None) == [
        '"Ada Quill" "Quillworks"', '"Quillworks" official site',
        '"Ada Quill" "Quillworks" linkedin OR github OR profile',
        '"Ada Quill" Quillworks talk OR conference OR podcast OR paper', '"Ada Quill"']
    assert plan_queries("Ada Quill", "", "  ") == [
        '"Ada Quill"', '"Ada Quill" linkedin OR github OR profile',
        '"Ada Quill" talk OR conference OR podcast OR paper']


@pytest.mark.parametrize(("text", "phrase"), [
    ('Jane" OR site:x', '"Jane or site x"'),  # a quote cannot close the phrase early
    ("«Ada» -Quill +x ~y @z #w $v", '"Ada Quill x y z w v"'),  # word prefixes go
    ("ada OR quill AND NOT x NEAR y AROUND(3)", '"ada or quill and not x near y around 3"'),
    ("Ｆｕｌｌ\u3000ｗｉｄｔｈ", '"Full width"'),  # NFKC: full-width letters and space
    ("a\u200bb", '"a b"'),  # an invisible character splits, never joins
    ("---", ""), (" ", ""),
    ("x" * 130, '"' + "x" * 120 + '"'),  # at most 120 characters
    ("ab " * 45, '"' + " ".join(["ab"] * 40) + '"'),
])
def test_quote_phrase_exactly(text: str, phrase: str) -> None:
    """One harmless phrase: no quotes, operator characters, prefixes or upper-case keywords."""
    assert quote_phrase(text) == phrase


@pytest.mark.parametrize("domain", [
    "a" * 63 + ".test",  # a label of 63 characters
    ".".join(["a" * 49] * 4 + ["a" * 48]) + ".test",  # 253 characters in all
    "x.io", "quill-works.test",
])
def test_domains_at_the_limits_are_accepted(domain: str) -> None:
    """Labels up to 63 characters, names up to 253."""
    assert f"site:{domain}" in plan_queries("Ada Quill", "Quillworks", domain)[1]


@pytest.mark.parametrize("domain", [
    "a" * 64 + ".test", ".".join(["a" * 49] * 5) + ".test", "-quill.test", "quill-.test",
    "quillworks", "quill works.test", "quillworks.t",
])
def test_domains_past_the_limits_are_refused(domain: str) -> None:
    """A label over 63 or a name over 253 characters, a hyphen at a label's edge, no dot."""
    with pytest.raises(InvalidDomainError, match="is not a domain name; give one like acme.com"):
        plan_queries("Ada Quill", "Quillworks", domain)


def test_a_name_with_no_letters_is_refused_in_a_sentence() -> None:
    """Only operators and quotes: the user is told what to give instead."""
    with pytest.raises(InvalidNameError) as refused:
        plan_queries('"" - | * () -:-', "Quillworks")
    assert str(refused.value) == (
        "The interviewer's name has no letters left once quotes and search operators are "
        "removed; give the name as written, e.g. Jane Doe.")


@pytest.mark.parametrize("attr", ["full", "display", "original", "raw"])
def test_each_name_attribute_is_read(attr: str) -> None:
    """Any one of the four attributes a name record may carry gives the name."""
    record = type("Name", (), {attr: "Ada Quill"})()
    assert plan_queries(record, "Q")[0] == '"Ada Quill" "Q"'


def test_a_parsed_name_gives_its_display_text() -> None:
    """A name record's first non-empty text of full, display, original, raw; else str()."""
    class Named:
        full, display, original = "  ", "Ada Quill", "A. Quill"

    class Bare:
        def __str__(self) -> str:
            return "Bram Vance"

    assert plan_queries(Named(), "Q")[0] == '"Ada Quill" "Q"'
    assert plan_queries(Bare(), "Q")[0] == '"Bram Vance" "Q"'
