"""Tests for the small bugs a reviewer planted in the pure core and the suite once let through.

Each names the deliberate bug ("mutant") it kills (issue 18); docs/testing.md lists them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lookup.address.formats import render
from lookup.address.names import parse_name
from lookup.mail.rules import classify_reply, parse_reply
from lookup.mail.scoring import score
from lookup.models import Candidate, SearchHit, Source, Verification
from lookup.web._words import clean_title
from lookup.web.company import rank_domains
from lookup.web.extract import extract

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(("line", "category"), [
    ("451 4.7.1 Please try again", "greylisted"),  # the exact-code rule
    ("450 4.7.1 Client host rejected: sender not allowed by policy", "policy"),  # not 451
    ("550 4.7.1 Relaying denied", "policy"),
])
def test_the_exact_code_rule_needs_its_code(line: str, category: str) -> None:
    """Mutant: a rule ignoring its exact reply codes reads a 450 4.7.1 as greylisting."""
    assert classify_reply(parse_reply([line])) == category


def test_a_domain_s_source_is_its_best_ranked_hit() -> None:
    """Mutant: the source taken from the worst-ranked hit instead of the best."""
    hits = [SearchHit("Acme Robotics | Home", "https://acme.test/", "home", rank=0),
            SearchHit("Careers | Acme Robotics", "https://acme.test/careers", "jobs", rank=7)]
    (found,) = rank_domains("Acme Robotics", hits)
    assert found.source.url == "https://acme.test/"


def test_a_country_domain_ranks_exactly_two_below_the_main_one() -> None:
    """Mutant: the country-domain penalty halved."""
    de = SearchHit("Acme Robotics GmbH", "https://acme.de/", "Deutschland", rank=1)
    com = SearchHit("Acme Robotics", "https://acme.com/", "Global", rank=0)
    alone = {c.domain: c.score for c in rank_domains("Acme Robotics", [de])}
    both = {c.domain: c.score for c in rank_domains("Acme Robotics", [de, com])}
    assert both["acme.de"] == pytest.approx(alone["acme.de"] - 2.0)


@pytest.mark.parametrize(("spelling", "local"), [
    ("{first}.{last}~4", "ada"),  # "ada." cut at 4: the trailing dot goes
    ("{first}_{last}~4", "ada"),
    ("{first}.{last}~6", "ada.lo"),
])
def test_a_cut_address_never_ends_with_a_separator(spelling: str, local: str) -> None:
    """Mutant: no trailing-separator strip after a cut renders the invalid "ada."."""
    form = parse_name("Ada Lovelace").forms[0]
    assert render(spelling, form) == local


def _candidate(address: str, p: float) -> Candidate:
    return Candidate(address, p, "{first}.{last}")


def test_a_look_alike_host_is_not_the_company_s_own_site() -> None:
    """Mutant: "own site" matched by host.endswith(domain), so notacme.test counted as acme.test."""
    source = Source("https://notacme.test/team", "Team", "jane.doe@acme.test")
    (scored,) = score([_candidate("jane.doe@acme.test", 0.3)], {},
                      {"jane.doe@acme.test": source})
    assert any("Published on another site" in r for r in scored.reasons)
    own = Source("https://www.acme.test/team", "Team", "jane.doe@acme.test")
    (scored,) = score([_candidate("jane.doe@acme.test", 0.3)], {}, {"jane.doe@acme.test": own})
    assert any("Published on the company's own site" in r for r in scored.reasons)


@pytest.mark.parametrize("lift", ["gravatar", "published"])
def test_other_evidence_lifts_the_catch_all_cap(lift: str) -> None:
    """Mutant: a Gravatar hit or a published source no longer lifting the catch-all cap."""
    address = "jane.doe@acme.test"
    flags = ("catch_all", "gravatar") if lift == "gravatar" else ("catch_all",)
    risky = Verification(address, "risky", ("accepts any address",), NOW, flags=flags)
    published = {address: Source("https://www.acme.test/team", "Team", address)} \
        if lift == "published" else {}
    cands = [_candidate(address, 0.3), _candidate("jdoe@acme.test", 0.3)]
    scored = {s.address: s for s in score(cands, {address: risky}, published)}
    assert scored[address].probability > 0.3
    capped = {s.address: s for s in score(cands, {address: Verification(
        address, "risky", ("accepts any address",), NOW, flags=("catch_all",))}, {})}
    assert capped[address].probability <= 0.3 + 1e-9


@pytest.mark.parametrize("text", ["the company's Data Engineering Lead",
                                  "Acme's Data Engineering Lead", "our Data Engineering Lead"])
def test_a_determiner_is_not_part_of_a_title(text: str) -> None:
    """Mutant: a determiner kept in the title ("the company's Data Engineering Lead")."""
    assert clean_title(text) == "Data Engineering Lead"


def test_a_later_mention_with_a_title_replaces_an_untitled_one() -> None:
    """Mutant: a later mention with a title never replacing an untitled one."""
    # JSON-LD is read first and names her without a title; the card later gives it
    page = extract('<script type="application/ld+json">{"@type": "Person", "name": "Jane Roe"}'
                   '</script><div class="card"><h3>Jane Roe</h3><p class="role">Head of Data</p>'
                   "</div>", "https://acme.test/team")
    assert [(p.name, p.title) for p in page.people] == [("Jane Roe", "Head of Data")]
