"""The cold prior's context: a domain's TLD, a name's culture, and the prior conditioned on them.

Worked by hand on small fictional counts (``conditioned`` shrinks a group toward its
parent by the fitted strengths), and end to end through ``predict`` and ``explain``.
"""

from __future__ import annotations

import json
import math

import pytest

from lookup.address.context import NOT_USED, context_of, name_culture, tld_keys
from lookup.address.inference import (
    NOISE,
    conditioned,
    posterior_from_groups,
    prior_from_counts,
)
from lookup.address.names import parse_name
from lookup.address.patterns import cold_context, explain, predict

DOT, INITIAL, FIRST = "{first}.{last}", "{f}{last}", "{first}"


@pytest.mark.parametrize(("domain", "keys"), [
    ("acme.com", ("com", "com")),
    ("acme.co.uk", ("uk", "country")),
    ("ACME.DE.", ("de", "country")),
    ("acme.io", ("io", "generic")),  # a ccTLD sold as a generic name
    ("acme.net", ("net", "generic")),
    ("acme.technology", ("technology", "generic")),
])
def test_a_domains_tld_and_its_class(domain, keys):
    """Two letters are a country code (but for a few sold as generic names); com is its own."""
    assert tld_keys(domain) == keys


@pytest.mark.parametrize(("name", "culture"), [
    ("Guo Minrui", "family-first"),
    ("Minrui Guo", "family-first"),
    ("Pieter van der Berg", "particle"),
    ("Ana Maria Lopez", "several"),
    ("Cleo Varga-Lunde", "hyphenated"),
    ("Madonna", "single"),
    ("Ada Quill", "plain"),
])
def test_a_names_culture(name, culture):
    """The first culture that applies, read from the parsed name."""
    assert name_culture(parse_name(name)) == culture


def test_context_keys_go_from_general_to_specific():
    """A .de domain is a country-code domain, then .de; .com has one key; then the name."""
    assert context_of(parse_name("Ada Quill"), "acme.de").keys == (
        "tld:country", "tld:.de", "name:plain")
    assert context_of(parse_name("Ada Quill"), "acme.com").keys == ("tld:com", "name:plain")


def _data(**groups_strength):
    """Everyone: 10 companies, DOT main at 6, INITIAL at 4; .de: 4 companies, INITIAL at 3."""
    return {
        "formats": {DOT: 60, INITIAL: 35, FIRST: 5}, "unexplained": 5,
        "main": {DOT: 6, INITIAL: 4}, "background": {DOT: 10, INITIAL: 10},
        "on_main": 80, "pairs": 100,
        "groups": {
            "tld:country": {"main": {DOT: 2, INITIAL: 3}, "background": {DOT: 2, INITIAL: 2},
                            "on_main": 40, "pairs": 50, "companies": 5},
            "tld:.de": {"main": {DOT: 1, INITIAL: 3}, "background": {DOT: 1, INITIAL: 3},
                        "on_main": 20, "pairs": 40, "companies": 4},
            "name:single": {"main": {DOT: 1, INITIAL: 1}, "background": {FIRST: 5},
                            "on_main": 1, "pairs": 10, "companies": 2},
        },
        "fitted": {"smoothing": 1e-9, "background_smoothing": 1e-9, "loyalty": 0.8,
                   "groups": groups_strength},
    }


def test_a_group_is_shrunk_toward_its_parent_by_its_strength():
    """.de (4 companies, INITIAL 3/4) under country (5, INITIAL 3/5) under everyone (INITIAL
    .4): with strength 5 each step is (n·own + 5·parent)/(n + 5)."""
    prior = prior_from_counts(_data(**{"tld.main": 5.0}))
    assert prior.main == pytest.approx({DOT: 0.6, INITIAL: 0.4, FIRST: 0.0, NOISE: 0.0},
                                       abs=1e-6)
    out = conditioned(prior, ("tld:country", "tld:.de"))
    country = (3 + 5 * 0.4) / 10  # 0.5
    de = (3 + 5 * country) / 9
    assert out.main[INITIAL] == pytest.approx(de, abs=1e-6)
    assert out.conditioned_on == ("tld:country", "tld:.de")


def test_an_infinite_strength_changes_nothing_and_a_missing_group_is_skipped():
    """Without fitted strengths groups are off; a key the prior lacks is skipped."""
    prior = prior_from_counts(_data())
    assert conditioned(prior, ("tld:country", "tld:.de")).main == pytest.approx(prior.main)
    strong = prior_from_counts(_data(**{"tld.main": 1.0}))
    assert conditioned(strong, ("tld:.fr", "name:plain")) is strong


def test_the_domains_group_moves_its_loyalty_and_the_names_only_the_targets():
    """.de's pairs follow their main half the time (loyalty's log-odds move by logit .5 -
    logit .8); a single name's one in ten (only the target's share moves)."""
    prior = prior_from_counts(_data(**{"tld.loyalty": 1e-9, "name.loyalty": 1e-9,
                                       "name.background": 1e-9}))
    de = conditioned(prior, ("tld:.de",))
    assert de.loyalty == pytest.approx(0.5, abs=1e-6)
    assert de.target_shift == 0.0
    single = conditioned(prior, ("name:single",))
    assert single.loyalty == pytest.approx(0.8)
    assert single.target_shift == pytest.approx(math.log(0.1 / 0.9) - math.log(0.8 / 0.2))
    cold = posterior_from_groups({}, single)
    assert cold.loyalty == pytest.approx(0.8)  # the domain's, for its colleagues
    assert cold.shares[FIRST] > 0.5  # the target's: mostly the background, where FIRST is


def test_a_names_background_moves_toward_its_own():
    """A single name's off-main pairs are all FIRST: with a weak strength its background
    is nearly all FIRST; everyone's is not."""
    prior = prior_from_counts(_data(**{"name.background": 1.0}))
    assert prior.background[FIRST] < 1e-6
    out = conditioned(prior, ("name:single",))
    assert out.background[FIRST] == pytest.approx(5 / 6, abs=1e-6)


def test_predict_conditions_on_the_names_culture_and_the_tld():
    """No colleague known: at a .de domain, whose group mostly writes {f}{last}, the first
    guess is aquill; at .com (no group) or with the groups off, ada.quill."""
    data = _data(**{"tld.main": 0.5})
    prior = prior_from_counts(data)
    off = prior_from_counts({**data, "groups": {}})
    assert predict("Ada Quill", "acme.de", prior=prior)[0].address == "aquill@acme.de"
    assert predict("Ada Quill", "acme.de", prior=off)[0].address == "ada.quill@acme.de"
    assert predict("Ada Quill", "acme.com", prior=prior)[0].address == "ada.quill@acme.com"


def test_explain_says_what_the_cold_prior_conditioned_on():
    """The starting step names the domain's TLD and the name's groups, and what is not used."""
    steps = explain("Ada Quill", "acme.de", test_environment=True)
    assert steps[0].evidence == ""
    said = steps[0].context
    assert said[-1] == NOT_USED
    assert any(line.startswith(".de domains") or line.startswith("country-code domains")
               for line in said)
    assert any(line.startswith("a given name and a surname") for line in said)
    assert said == cold_context("Ada Quill", "acme.de")


def test_explain_gives_each_groups_shares_beside_its_parents():
    """With strength 5: country (5 companies; a tie, named in order) counts 5/10 against everyone and has INITIAL
    at .5 (everyone .4); .de (4) counts 4/9 against country and has INITIAL at 5.5/9; the
    loyalty, with strength 50, goes .8 -> (40 + 40)/100 -> (20 + 40)/90."""
    prior = prior_from_counts(_data(**{"tld.main": 5.0, "tld.loyalty": 50.0}))
    country, de, name, not_used = cold_context("Ada Quill", "acme.de", prior)
    assert country == ("country-code domains (5 companies seen, its shares counted at 50% "
                       "against all companies): usual format {first}.{last} 50% (vs 60%), "
                       "{f}{last} 50% (vs 40%); 80% of people follow their company's "
                       "(vs 80%)")
    assert de == (".de domains (4 companies seen, its shares counted at 44% against "
                  "country-code domains): usual format {f}{last} 61% (vs 50%), "
                  "{first}.{last} 39% (vs 50%); 67% of people follow their company's "
                  "(vs 80%)")
    assert name == "a given name and a surname: too few companies seen to count"
    assert not_used == NOT_USED


def test_guess_explain_prints_what_the_cold_prior_conditioned_on():
    """`lookup guess --explain` lists, under the starting point, the groups the prior
    conditioned on and what it does not use; --json keeps them with the first step."""
    from typer.testing import CliRunner

    from flows.cli import app

    runner = CliRunner()
    args = ["guess", "Guo Minrui", "--domain", "acme.test", "--explain"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("  no evidence: how companies write addresses elsewhere, for")
    expected = cold_context("Guo Minrui", "acme.test")
    said = [line.strip() for line in lines[start + 1:start + 1 + len(expected)]]
    assert said == list(expected)
    assert said[0] == "generic top-level domains: too few companies seen to count" or \
        said[0].startswith("generic top-level domains (")
    assert said[-2].startswith("a name from a family-first culture")
    assert said[-1] == NOT_USED
    steps = json.loads(runner.invoke(app, [*args, "--json"]).output)["steps"]
    assert steps[0]["evidence"] == "none"
    assert steps[0]["context"] == said


def test_a_cold_candidates_reason_names_the_groups_it_was_guessed_for():
    """With no colleague, the reason says which TLD and name groups the share is for; with
    the groups off it says only "elsewhere"."""
    prior = prior_from_counts(_data(**{"tld.main": 0.5}))
    top = predict("Ada Quill", "acme.de", prior=prior)[0]
    assert top.explanation.endswith("from how companies write them elsewhere "
                                    "(.de domains).")
    off = prior_from_counts({**_data(), "groups": {}})
    assert predict("Ada Quill", "acme.de", prior=off)[0].explanation.endswith(
        "from how companies write them elsewhere.")
