"""Final scoring: how verification verdicts and published evidence move probabilities."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lookup.mail.scoring import score
from lookup.models import Candidate, Source, Verification

WHEN = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
DOMAIN = "acmerobotics.test"


def cand(local: str, p: float) -> Candidate:
    return Candidate(address=f"{local}@{DOMAIN}", probability=p, format="{first}.{last}")


def ver(local: str, status: str, *flags: str, reason: str = "because") -> Verification:
    return Verification(f"{local}@{DOMAIN}", status, (reason,), WHEN, flags=flags)  # type: ignore[arg-type]


def by_address(scored):
    return {s.address.split("@")[0]: s for s in scored}


THREE = [cand("jane.doe", 0.5), cand("jdoe", 0.3), cand("jane", 0.1)]


def test_unverified_keeps_inference_probabilities():
    """Without verifications or published evidence the final probability equals the inferred one."""
    out = by_address(score(THREE, {}, {}))
    assert out["jane.doe"].probability == pytest.approx(0.5)
    assert out["jdoe"].probability == pytest.approx(0.3)
    assert out["jane"].status == "unknown"


def test_no_such_user_drops_to_near_zero_and_renormalises_others():
    """A 550 5.1.1 verdict drops the guess near zero and shares its mass among the others."""
    out = by_address(score(THREE, {"jane.doe@acmerobotics.test": ver("jane.doe", "undeliverable")}, {}))
    assert out["jane.doe"].probability < 0.03
    assert out["jdoe"].probability > 0.3
    assert sum(s.probability for s in out.values()) <= 1.0 + 1e-9
    assert any("Refuted" in r for r in out["jane.doe"].reasons)


def test_catch_all_never_raises_probability():
    """A catch-all answer leaves the guess at most at its inference probability, even if others fall."""
    vs = {
        "jane.doe@acmerobotics.test": ver("jane.doe", "risky", "catch_all"),
        "jdoe@acmerobotics.test": ver("jdoe", "undeliverable"),
    }
    out = by_address(score(THREE, vs, {}))
    assert out["jane.doe"].probability <= 0.5
    assert any("cannot confirm" in r for r in out["jane.doe"].reasons)


def test_deliverable_raises_strongly():
    """A 250 from a server that refused a random address lifts a weak guess well above its prior."""
    out = by_address(score(THREE, {"jane@acmerobotics.test": ver("jane", "deliverable")}, {}))
    assert out["jane"].probability > 0.5
    assert out["jane"].probability > out["jane.doe"].probability


def test_published_on_own_site_beats_deliverable():
    """An address published on the company's own site outranks one only accepted by SMTP."""
    vs = {"jdoe@acmerobotics.test": ver("jdoe", "deliverable")}
    pub = {"jane@acmerobotics.test": Source("https://www.acmerobotics.test/team", kind="page")}
    ranked = score(THREE, vs, pub)
    assert ranked[0].address == "jane@acmerobotics.test"
    assert ranked[0].published is not None
    assert "own site" in ranked[0].reasons[0]


def test_published_elsewhere_is_weaker_than_own_site():
    """The same address gains less when published on another site than on the company's own."""
    own = score(THREE, {}, {"jane@acmerobotics.test": Source("https://acmerobotics.test/")})
    other = score(THREE, {}, {"jane@acmerobotics.test": Source("https://conf.example.test/")})
    assert by_address(own)["jane"].probability > by_address(other)["jane"].probability


def test_domain_without_mail_sinks_everything_without_inflating():
    """When the domain takes no mail every candidate goes near zero and none is renormalised up."""
    vs = {c.address: ver(c.address.split("@")[0], "undeliverable", "no_mail") for c in THREE}
    out = score(THREE, vs, {})
    assert all(s.probability < 0.01 for s in out)


def test_sorted_by_final_probability():
    """The result is sorted by final probability, highest first."""
    vs = {"jane@acmerobotics.test": ver("jane", "deliverable")}
    out = score(THREE, vs, {})
    assert [s.probability for s in out] == sorted((s.probability for s in out), reverse=True)


def test_mixed_case_keys_match():
    """Verification and publication keys match candidates regardless of case."""
    out = by_address(score(THREE, {"JANE.DOE@AcmeRobotics.test": ver("jane.doe", "undeliverable")}, {}))
    assert out["jane.doe"].status == "undeliverable"


def test_every_adjustment_has_a_final_reason():
    """Each scored candidate ends its reasons with the final and inferred probabilities."""
    for s in score(THREE, {}, {}):
        assert s.reasons[-1].startswith("Final probability")


STATUSES = st.sampled_from(["deliverable", "risky", "undeliverable", "unknown", None])
FLAGS = st.lists(st.sampled_from(["catch_all", "no_mail", "gravatar", "role", "mailbox_full"]), max_size=3)


@given(
    st.lists(st.tuples(st.floats(0, 1), STATUSES, FLAGS, st.booleans()), min_size=1, max_size=6)
)
def test_total_never_exceeds_one(rows):
    """Whatever the evidence, final probabilities stay in [0, 1] and sum to at most 1."""
    scale = max(1.0, sum(r[0] for r in rows))
    cands = [cand(f"p{i}", r[0] / scale) for i, r in enumerate(rows)]
    vs = {c.address: ver(f"p{i}", r[1], *r[2]) for i, (c, r) in enumerate(zip(cands, rows, strict=False)) if r[1]}
    pub = {c.address: Source(f"https://{DOMAIN}/") for c, r in zip(cands, rows, strict=False) if r[3]}
    out = score(cands, vs, pub)
    assert all(0.0 <= s.probability <= 1.0 for s in out)
    assert sum(s.probability for s in out) <= 1.0 + 1e-9


@given(
    st.floats(0.01, 1), st.lists(st.tuples(st.floats(0, 1), STATUSES), max_size=4),
    st.sampled_from(["catch_all", "accepts_any", "catch_all_unknown"]),
)
def test_catch_all_never_raises_property(prior, others, flag):
    """Whatever happens to the other candidates, a risky catch-all answer never raises a guess."""
    total = prior + sum(p for p, _ in others)
    scale = max(1.0, total)
    cands = [cand("main", prior / scale)] + [cand(f"o{i}", p / scale) for i, (p, _) in enumerate(others)]
    vs = {cands[0].address: ver("main", "risky", flag)}
    vs.update({c.address: ver(f"o{i}", s) for i, (c, (_, s)) in enumerate(zip(cands[1:], others, strict=False)) if s})
    out = by_address(score(cands, vs, {}))
    assert out["main"].probability <= cands[0].probability + 1e-12


def test_published_address_outside_every_format_still_wins():
    """An address published on the company's site ranks first even when inference gave it 0."""
    cands = [*THREE, Candidate("dana.o@acmerobotics.test", 0.0, "published")]
    pub = {"dana.o@acmerobotics.test": Source("https://www.acmerobotics.test/team")}
    ranked = score(cands, {}, pub)
    assert ranked[0].address == "dana.o@acmerobotics.test"
    assert ranked[0].probability > 0.9
    assert ranked[0].inference_probability == 0.0
    assert sum(s.probability for s in ranked) <= 1.0 + 1e-9
