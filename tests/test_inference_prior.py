"""The format prior, worked by hand: counts to shares, smoothing, a directory's claim.

``prior_from_counts`` runs once at import (for ``DEFAULT_PRIOR``), so these tests call it
on small, fictional counts whose shares can be written out exactly.
"""

from __future__ import annotations

import pytest

from lookup.address.inference import (
    CONCENTRATION,
    HINT_TRUST,
    LOYALTY,
    LOYALTY_STRENGTH,
    NOISE,
    Prior,
    hinted,
    posterior_from_groups,
    posterior_from_rows,
    prior_from_counts,
)

DOT, INITIAL, FIRST = "{first}.{last}", "{f}{last}", "{first}"


def approx(shares: dict[str, float]):
    return pytest.approx(shares, abs=1e-12)


def test_pair_counts_alone_make_both_main_and_background_shares() -> None:
    """Without main/background tables, each is the pair shares, the unexplained being NOISE."""
    prior = prior_from_counts({"formats": {DOT: 3, INITIAL: 1, FIRST: 0}, "unexplained": 1})
    assert prior.main == approx({DOT: 0.6, INITIAL: 0.2, NOISE: 0.2})  # a zero count is dropped
    assert prior.background == prior.main
    assert (prior.concentration, prior.loyalty, prior.loyalty_strength) == (
        CONCENTRATION, LOYALTY, LOYALTY_STRENGTH)
    assert (CONCENTRATION, LOYALTY, LOYALTY_STRENGTH) == (4.0, 0.7, 6.0)


def test_the_constants_are_passed_through() -> None:
    """Concentration, loyalty and its strength given by the caller end up in the prior."""
    for data in ({"formats": {DOT: 1}}, {"formats": {DOT: 1}, "main": {DOT: 1},
                                          "background": {DOT: 1}}):
        prior = prior_from_counts(data, concentration=2.0, loyalty=0.5, loyalty_strength=3.0)
        assert (prior.concentration, prior.loyalty, prior.loyalty_strength) == (2.0, 0.5, 3.0)


def test_no_unexplained_count_means_no_noise_share() -> None:
    """A missing (or negative) unexplained count gives NOISE a share of 0."""
    assert prior_from_counts({"formats": {DOT: 1, INITIAL: 3}}).main == approx(
        {DOT: 0.25, INITIAL: 0.75, NOISE: 0.0})
    assert prior_from_counts({"formats": {DOT: 2}, "unexplained": -5}).main == approx(
        {DOT: 1.0, NOISE: 0.0})
    assert prior_from_counts({"formats": {}}).main == {NOISE: 0.0}  # nothing to share


def test_main_and_background_are_smoothed_toward_the_pair_shares() -> None:
    """main: (n·own + s·pairs)/(n + s); background the same with 5·s pseudo-domains."""
    data = {
        "formats": {DOT: 6, INITIAL: 2}, "unexplained": 2,  # pairs: .6 .2, noise .2
        "main": {DOT: 3, INITIAL: 1},  # 4 domains: .75 .25, noise 0
        "background": {INITIAL: 4}, "background_unexplained": 4,  # 8 pairs: .5, noise .5
    }
    prior = prior_from_counts(data, smoothing=4.0)
    assert prior.main == approx({DOT: (3 + 4 * 0.6) / 8, INITIAL: (1 + 4 * 0.2) / 8,
                                 NOISE: (0 + 4 * 0.2) / 8})
    assert prior.background == approx({DOT: (0 + 20 * 0.6) / 28, INITIAL: (4 + 20 * 0.2) / 28,
                                       NOISE: (4 + 20 * 0.2) / 28})
    default = prior_from_counts(data)  # SMOOTHING = 16 pseudo-domains
    assert default.main[DOT] == pytest.approx((3 + 16 * 0.6) / 20)
    assert default.background[DOT] == pytest.approx((16 * 5 * 0.6) / 88)


def test_unexplained_main_domains_count_among_the_domains() -> None:
    """main_unexplained is both NOISE's main share and part of n."""
    data = {"formats": {DOT: 1}, "main": {DOT: 3}, "main_unexplained": 1, "background": {DOT: 1}}
    prior = prior_from_counts(data, smoothing=4.0)
    # main shares .75 / noise .25 over n = 4; pairs: DOT 1, noise 0
    assert prior.main == approx({DOT: (3 + 4) / 8, NOISE: 1 / 8})


PRIOR = Prior(main={DOT: 0.5, INITIAL: 0.3, NOISE: 0.2}, background={DOT: 0.2, INITIAL: 0.3,
                                                                         NOISE: 0.5})


def test_a_claim_multiplies_the_odds_of_its_format() -> None:
    """One claim for F (trust t, prior share q): its weight times (t + (1-t)q) / ((1-t)q)."""
    assert HINT_TRUST == 0.6
    out = hinted(PRIOR, [INITIAL])
    # .3 · (.6 + .4·.3)/(.4·.3) = 1.8; total .5 + 1.8 + .2 = 2.5
    assert out.main == approx({DOT: 0.2, INITIAL: 0.72, NOISE: 0.08})
    assert out.background == PRIOR.background


def test_a_claim_for_a_format_the_prior_lacks_starts_from_the_novel_share() -> None:
    """An unknown format counts as the novel share (0.02) before the claim multiplies it."""
    out = hinted(PRIOR, [FIRST], trust=0.5)
    weight = 0.02 * (0.5 + 0.5 * 0.02) / (0.5 * 0.02)  # 1.02
    assert out.main == approx({DOT: 0.5 / (1 + weight), INITIAL: 0.3 / (1 + weight),
                               NOISE: 0.2 / (1 + weight), FIRST: weight / (1 + weight)})


def test_two_sites_claiming_the_same_format_count_twice() -> None:
    """Each site's claim multiplies the odds again by the same ratio (q from the prior)."""
    twice = hinted(PRIOR, [INITIAL, INITIAL])
    # ratio 6 twice: .3 · 36 = 10.8; total .5 + 10.8 + .2 = 11.5
    assert twice.main == approx({DOT: 0.5 / 11.5, INITIAL: 10.8 / 11.5, NOISE: 0.2 / 11.5})


def test_no_claim_leaves_the_prior_as_it_is() -> None:
    """With nothing claimed the very same prior comes back."""
    assert hinted(PRIOR, []) is PRIOR


def test_without_evidence_the_posterior_is_the_prior_mix() -> None:
    """No colleague: λ·main + (1-λ)·background, NOISE set apart, nothing supported."""
    post = posterior_from_rows([], PRIOR)
    assert post.shares == approx({DOT: 0.7 * 0.5 + 0.3 * 0.2, INITIAL: 0.7 * 0.3 + 0.3 * 0.3})
    assert post.noise == pytest.approx(0.7 * 0.2 + 0.3 * 0.5)
    assert (post.support, post.evidence_total, post.loyalty) == ({}, 0, 0.7)


def test_support_counts_colleagues_whose_address_a_format_writes_well() -> None:
    """A format is supported by each address it matches with weight 0.25 or more."""
    groups = {((DOT, 1.0),): 3, ((DOT, 0.3), (INITIAL, 0.25)): 2, ((FIRST, 0.2),): 4,
              ((INITIAL, 1.0),): 0}
    post = posterior_from_groups(groups, PRIOR)
    assert post.support == {DOT: 5, INITIAL: 2}
    assert post.evidence_total == 9
    assert posterior_from_groups(groups, PRIOR, evidence_total=12).evidence_total == 12


def test_rows_are_grouped_before_the_fit() -> None:
    """posterior_from_rows is posterior_from_groups of the counted rows."""
    rows = [{DOT: 1.0}, {DOT: 1.0}, {INITIAL: 1.0, DOT: 0.3}]
    by_rows = posterior_from_rows(rows, PRIOR)
    by_groups = posterior_from_groups({((DOT, 1.0),): 2, ((DOT, 0.3), (INITIAL, 1.0)): 1}, PRIOR)
    assert by_rows == by_groups
    assert posterior_from_rows(rows, PRIOR, evidence_total=7).evidence_total == 7


def test_a_format_seen_only_in_an_empty_group_is_not_evidence() -> None:
    """A row counted zero times brings no format into the posterior."""
    post = posterior_from_groups({((FIRST, 1.0),): 0}, PRIOR)
    assert FIRST not in post.shares
    assert post.shares == pytest.approx(posterior_from_groups({}, PRIOR).shares)


def test_a_prior_without_noise_gives_no_noise_share() -> None:
    """NOISE is set apart only when some share was given to it."""
    post = posterior_from_groups({}, Prior(main={DOT: 0.6, INITIAL: 0.4},
                                           background={DOT: 0.5, INITIAL: 0.5}))
    assert post.noise == 0.0
    assert post.shares == approx({DOT: 0.7 * 0.6 + 0.3 * 0.5, INITIAL: 0.7 * 0.4 + 0.3 * 0.5})


def test_shares_sum_to_one_with_a_format_the_prior_did_not_know() -> None:
    """A novel format gets a main and a background share; shares and noise still sum to 1."""
    post = posterior_from_groups({((FIRST, 1.0),): 2, ((DOT, 1.0),): 1}, PRIOR)
    assert set(post.shares) == {DOT, INITIAL, FIRST}
    assert sum(post.shares.values()) + post.noise == pytest.approx(1.0)
    assert post.support == {FIRST: 2, DOT: 1}


def test_colleagues_who_all_follow_one_format_raise_the_loyalty() -> None:
    """Three of three on first.last: the fit (to convergence) trusts the main format more."""
    post = posterior_from_groups({((DOT, 1.0),): 3}, PRIOR)
    assert post.loyalty > LOYALTY
    assert post.shares[DOT] > 0.8
    assert post.support == {DOT: 3}


def test_thousands_of_colleagues_do_not_overflow_the_fit() -> None:
    """The log-odds grow with every colleague; the shares stay finite numbers."""
    post = posterior_from_groups({((DOT, 1.0),): 5000, ((INITIAL, 1.0),): 100}, PRIOR)
    assert post.shares[DOT] == pytest.approx(0.98, abs=0.02)
    assert sum(post.shares.values()) + post.noise == pytest.approx(1.0)


def test_a_main_format_the_pair_counts_never_show() -> None:
    """Smoothing toward the pair shares counts a format they lack as 0 there; a missing
    background_unexplained count is 0 too."""
    prior = prior_from_counts({"formats": {DOT: 1}, "main": {INITIAL: 1},
                               "background": {DOT: 1}}, smoothing=4.0)
    assert prior.main == approx({DOT: 4 / 5, INITIAL: 1 / 5, NOISE: 0.0})
    assert prior.background == approx({DOT: 1.0, NOISE: 0.0})
