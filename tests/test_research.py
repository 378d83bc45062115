"""The research pipeline below the flow: real steps against real world servers, no Prefect."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from protego import Protego

from lookup.errors import SearchError
from lookup.intake.interview import make_interview
from lookup.research.pipeline import PipelineRun, run_pipeline
from lookup.settings import load_settings
from lookup.world import RunningWorld, serve_world
from tests.conftest import DEMO_WORLD
from tests.worldkit import write_world


@pytest.fixture(scope="module")
def demo() -> RunningWorld:
    with serve_world(DEMO_WORLD, latency=False) as running:
        yield running


def _run(world: RunningWorld, data: Path, name: str, company: str, **fields: str) -> PipelineRun:
    settings = load_settings({"LOOKUP_DATA_DIR": str(data)}).in_world(world.endpoints)
    interview = make_interview(name, company, **fields)
    return asyncio.run(run_pipeline(interview, settings, smtp=True, transport=world.transport()))


def test_demo_run_is_polite_and_within_budget(demo: RunningWorld, tmp_path: Path) -> None:
    """No request the world's robots.txt disallows; at most 6 searches and 25 HTTP requests."""
    demo.clear_logs()
    run = _run(demo, tmp_path, "Dana Okafor", "Brightwater Analytics")
    agent = load_settings({}).general.user_agent
    robots = {
        host: Protego.parse((DEMO_WORLD / "sites" / host / "robots.txt").read_text())
        for host in {h.host for h in demo.http_log}
        if (DEMO_WORLD / "sites" / host / "robots.txt").is_file()
    }
    disallowed = [
        f"{h.host}{h.path}" for h in demo.http_log
        if h.host in robots and not robots[h.host].can_fetch(f"https://{h.host}{h.path}", agent)
    ]
    assert disallowed == []
    assert run.result.stats["search_queries"] <= 6 and len(demo.search_log) <= 6
    assert run.result.stats["http_requests"] <= 25 and len(demo.http_log) <= 25
    assert any("disallowed by robots.txt" in f for f in run.result.failures)


def test_namesake_is_set_aside_and_colleagues_are_evidence(demo: RunningWorld, tmp_path: Path) -> None:
    """The other Dana Okafor is set aside; the address comes from colleagues' {f}{last} addresses."""
    run = _run(demo, tmp_path, "Dana Okafor", "Brightwater Analytics")
    profile = run.result.profile
    assert profile is not None and profile.title == "Director of Data Platform"
    assert any("okafor-reyes.test" in s.source.url for s in profile.set_aside)
    assert all("okafor-reyes.test" not in t.source.url for t in profile.talking_points)
    best = run.result.candidates[0]
    assert (best.address, best.status) == ("dokafor@brightwater.test", "deliverable")
    assert 3 <= len(profile.talking_points) <= 5
    # every fact of the "Who" table carries its source
    assert profile.title_source and profile.team_source and profile.location_source


def test_a_given_domain_wins(demo: RunningWorld, tmp_path: Path) -> None:
    """With --domain the search for the company's site is skipped and that domain is used."""
    run = _run(demo, tmp_path, "Dana Okafor", "Brightwater Analytics", domain="brightwater.test")
    assert run.result.domain == "brightwater.test"
    assert run.result.domain_reasons[0] == "You gave this domain."


def test_unknown_company_gives_a_card_that_says_why(tmp_path: Path) -> None:
    """When no result looks like the company's site, the card explains instead of guessing."""
    world = write_world(tmp_path / "w", '[dns."nothing.test"]\na = ["127.0.0.1"]\n',
                        [{"title": "Pools", "url": "https://nothing.test/", "snippet": "Pools"}],
                        {"nothing.test/index.html": "<title>Pools</title>"})
    with serve_world(world, latency=False) as running:
        run = _run(running, tmp_path / "data", "Jane Roe", "Quiet Harbour Ventures")
    assert run.result.domain is None and run.result.candidates == ()
    card = Path(run.card).read_text(encoding="utf-8")
    assert "Quiet Harbour Ventures" in card and run.result.domain_reasons


def test_every_search_failing_is_an_error_not_an_empty_card(tmp_path: Path) -> None:
    """When the search engine answers 503 to everything, the run stops with SearchError and no card."""
    world = write_world(
        tmp_path / "w",
        '[[fault]]\nservice = "search"\nstatus = 503\n',
        [{"title": "Acme", "url": "https://acme.test/", "snippet": "Acme"}],
        {"acme.test/index.html": "<title>Acme</title>"},
    )
    with serve_world(world, latency=False) as running, pytest.raises(SearchError, match="Every search failed"):
        _run(running, tmp_path / "data", "Jane Roe", "Acme")
    assert not (tmp_path / "data" / "briefings").exists()


def test_a_dns_failure_does_not_reject_the_company_domain(tmp_path: Path) -> None:
    """When the company's MX lookup fails (SERVFAIL), its domain is kept with that caveat."""
    world = write_world(
        tmp_path / "w",
        """
        [dns."quietharbour.test"]
        mx = ["10 mx.quietharbour.test"]
        [[fault]]
        service = "dns"
        host = "quietharbour.test"
        rcode = "SERVFAIL"
        """,
        [{"title": "Quiet Harbour Ventures", "url": "https://www.quietharbour.test/",
          "snippet": "Quiet Harbour Ventures: Jane Roe, Partner"}],
        {"www.quietharbour.test/index.html":
            "<title>Quiet Harbour Ventures</title><h1>Quiet Harbour Ventures</h1>"},
    )
    with serve_world(world, latency=False) as running:
        run = _run(running, tmp_path / "data", "Jane Roe", "Quiet Harbour Ventures")
    assert run.result.domain == "quietharbour.test"
    assert "could not be checked" in " ".join(run.result.domain_reasons)
