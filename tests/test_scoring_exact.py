"""Final scoring, figure by figure: each verdict's likelihood ratio through Bayes' rule.

Two candidates, a (inferred 0.5) and b (0.3), leave 0.2 to "some address we did not
list". A check on a multiplies its weight by the ratio L of ``LIKELIHOOD``, so
``P(a) = 0.5·L / (0.2 + 0.5·L + 0.3)`` (scoring's module docstring); the expected figures
below are that formula worked by hand, and the reasons are the sentences a card shows.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lookup.mail.scoring import LIKELIHOOD, PUBLISHED_PRIOR, score
from lookup.models import Candidate, Source, Verification

WHEN = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
A, B = "ada.quill@quillworks.test", "aquill@quillworks.test"
PAIR = [Candidate(A, 0.5, "{first}.{last}"), Candidate(B, 0.3, "{f}{last}")]
UNVERIFIED = "Not verified, so the probability rests on the inference alone."
ACCEPTED = "The mail server accepted this recipient and refused a random one: the mailbox exists."


def check(address: str, status: str, *flags: str, reasons: tuple[str, ...] = ("250 OK",)):
    return Verification(address, status, reasons, WHEN, flags=flags)  # type: ignore[arg-type]


def test_the_likelihood_table_is_the_documented_one() -> None:
    """The ratios the module's comments justify, and the floor of a published address."""
    assert dict(LIKELIHOOD) == {
        "published_own_site": 1000.0, "published_user": 1000.0, "published_elsewhere": 30.0,
        "deliverable": 20.0, "onedrive": 20.0, "mailbox_full": 5.0, "gravatar": 5.0,
        "refuted": 0.02, "no_mail_domain": 0.01, "disposable": 0.1, "role": 0.5,
    }
    assert PUBLISHED_PRIOR == 0.05


@pytest.mark.parametrize(("verification", "p_a", "p_b", "why"), [
    # L = 20: 10 / (0.2 + 10 + 0.3)
    (check(A, "deliverable"), 10 / 10.5, 0.3 / 10.5, ACCEPTED),
    (check(A, "deliverable", "onedrive"), 10 / 10.5, 0.3 / 10.5,
     "Microsoft 365's OneDrive check (HTTPS) found an account with this address: the mailbox "
     "very likely exists."),
    # L = 0.02: 0.01 / (0.2 + 0.01 + 0.3)
    (check(A, "undeliverable", reasons=("550 5.1.1 no such user",)), 0.01 / 0.51, 0.3 / 0.51,
     "Refuted: 550 5.1.1 no such user."),
    (check(A, "undeliverable", reasons=()), 0.01 / 0.51, 0.3 / 0.51,
     "Refuted: no reason recorded."),
    # L = 5: 2.5 / (0.2 + 2.5 + 0.3)
    (check(A, "risky", "mailbox_full"), 2.5 / 3.0, 0.3 / 3.0, "The mailbox exists but is full."),
    # L = 1: nothing moves
    (check(A, "risky", "catch_all", reasons=("The server accepts any address.",)), 0.5, 0.3,
     "No change: The server accepts any address."),
    (check(A, "unknown", reasons=("The server did not answer in time.",)), 0.5, 0.3,
     "No change, the check was inconclusive: The server did not answer in time."),
])
def test_each_verdict_moves_the_probability_by_its_ratio(
    verification: Verification, p_a: float, p_b: float, why: str,
) -> None:
    """The checked guess moves by its ratio, the other by the renormalisation, with the reason."""
    out = {s.address: s for s in score(PAIR, {A: verification}, {})}
    assert out[A].probability == pytest.approx(p_a)
    assert out[B].probability == pytest.approx(p_b)
    assert out[A].reasons == (why, f"Final probability {p_a:.1%} (inferred 50.0%).")
    assert out[B].reasons == (UNVERIFIED, f"Final probability {p_b:.1%} (inferred 30.0%).")
    assert (out[A].status, out[A].verification) == (verification.status, verification)
    assert (out[B].status, out[B].verification) == ("unknown", None)
    assert (out[A].format, out[B].format) == ("{first}.{last}", "{f}{last}")


@pytest.mark.parametrize(("flag", "ratio", "why"), [
    ("disposable", 0.1, "The domain is a disposable-mail service, unlikely for a work address."),
    ("role", 0.5, "The local part names a function (like info@), not a person."),
    ("gravatar", 5.0, "A Gravatar profile exists for this address, so it has been used by someone."),
])
def test_an_address_flag_multiplies_the_verdict(flag: str, ratio: float, why: str) -> None:
    """A flag's ratio multiplies the deliverable one (20) and adds its own sentence after it."""
    weight = 0.5 * 20 * ratio
    (first, _) = score(PAIR, {A: check(A, "deliverable", flag)}, {})
    assert first.address == A
    assert first.probability == pytest.approx(weight / (0.2 + weight + 0.3))
    assert first.reasons[:2] == (ACCEPTED, why)


def test_a_catch_all_answer_is_capped_at_the_inference_probability() -> None:
    """b refuted would lift a to 0.5 / 0.706; a catch-all answer cannot confirm it, so 0.5."""
    out = {s.address: s for s in score(PAIR, {
        A: check(A, "risky", "catch_all", reasons=("The server accepts any address.",)),
        B: check(B, "undeliverable", reasons=("550 5.1.1",)),
    }, {})}
    assert out[A].probability == 0.5
    assert out[A].reasons == (
        "No change: The server accepts any address.",
        "Kept at the inference probability: the server's answer cannot confirm it.",
        "Final probability 50.0% (inferred 50.0%).",
    )
    assert out[B].probability == pytest.approx(0.3 * 0.02 / (0.2 + 0.5 + 0.006))


@pytest.mark.parametrize(("flags", "published"), [
    (("catch_all", "gravatar"), {}),
    (("catch_all",), {A: Source("https://directory.example/quillworks", kind="page")}),
])
def test_other_evidence_lifts_the_catch_all_cap(flags: tuple[str, ...], published: dict) -> None:
    """A Gravatar or a published copy speaks for the address: the cap no longer holds."""
    out = {s.address: s for s in score(PAIR, {
        A: check(A, "risky", *flags), B: check(B, "undeliverable"),
    }, published)}
    ratio = 5.0 if "gravatar" in flags else 30.0
    assert out[A].probability == pytest.approx(0.5 * ratio / (0.2 + 0.5 * ratio + 0.006))
    assert not any("Kept at the inference" in r for r in out[A].reasons)
    assert out[A].published == published.get(A)


def test_an_inconclusive_check_is_not_capped() -> None:
    """No answer at all caps nothing: when b is refuted, a rises like any unchecked guess."""
    out = {s.address: s for s in score(PAIR, {
        A: check(A, "unknown", reasons=("Timed out.",)), B: check(B, "undeliverable"),
    }, {})}
    assert out[A].probability == pytest.approx(0.5 / (0.2 + 0.5 + 0.006))
    assert out[A].reasons == ("No change, the check was inconclusive: Timed out.",
                              f"Final probability {0.5 / 0.706:.1%} (inferred 50.0%).")


def test_a_domain_without_mail_keeps_every_prior_in_the_denominator() -> None:
    """No mail at the domain: each guess is multiplied by 0.01 over an unchanged total of 1."""
    no_mail = {a: check(a, "undeliverable", "no_mail", reasons=("No MX.",)) for a in (A, B)}
    seen = Source("https://quillworks.test/team", kind="page")
    out = {s.address: s for s in score(PAIR, no_mail, {B: seen})}
    assert (out[A].verification, out[B].published) == (no_mail[A], seen)
    assert out[A].probability == pytest.approx(0.005)
    assert out[B].probability == pytest.approx(0.003)  # published or not: no mail is no mail
    assert out[A].reasons == ("The domain takes no mail, so no address there can work.",
                              "Final probability 0.5% (inferred 50.0%).")


@pytest.mark.parametrize(("url", "kind", "ratio", "why"), [
    ("https://www.quillworks.test/team", "page", 1000.0,
     "Published on the company's own site (https://www.quillworks.test/team)."),
    ("https://quillworks.test/", "page", 1000.0,
     "Published on the company's own site (https://quillworks.test/)."),
    ("https://notquillworks.test/people", "page", 30.0,
     "Published on another site (https://notquillworks.test/people)."),
    ("", "search", 30.0, "Published on another site (a search result)."),
    ("", "user", 1000.0, "You gave this address yourself."),
])
def test_where_an_address_was_published_sets_its_ratio(
    url: str, kind: str, ratio: float, why: str,
) -> None:
    """Own site (the domain or a subdomain) or the user: 1000; anywhere else: 30."""
    out = {s.address: s for s in score(PAIR, {}, {A: Source(url, kind=kind)})}
    weight = 0.5 * ratio
    assert out[A].probability == pytest.approx(weight / (0.2 + weight + 0.3))
    assert out[A].reasons[:2] == (why, UNVERIFIED)
    assert out[A].published == Source(url, kind=kind)


def test_a_published_address_no_format_writes_starts_from_the_floor() -> None:
    """Inferred 0, published elsewhere: it starts at 0.05, then counts 30 times that."""
    odd = "quill.ada.2019@quillworks.test"
    out = {s.address: s for s in score(
        [*PAIR, Candidate(odd, 0.0, "")], {}, {odd: Source("https://talks.example/2019")})}
    # total 0.85, leftover 0.15: 1.5 / (0.15 + 0.5 + 0.3 + 1.5)
    assert out[odd].probability == pytest.approx(1.5 / 2.45)
    assert out[odd].inference_probability == 0.0
    assert out[odd].reasons == (
        "Published on another site (https://talks.example/2019).",
        "No known format of the domain produces it, so it starts from 5.0%.",
        UNVERIFIED,
        f"Final probability {1.5 / 2.45:.1%} (inferred 0.0%).",
    )


def test_a_published_address_at_the_floor_is_not_raised() -> None:
    """Inferred exactly 0.05: already at the floor, no 'starts from' sentence."""
    at_floor = Candidate("ada@quillworks.test", 0.05, "{first}")
    (found,) = score([at_floor], {}, {at_floor.address: Source("https://talks.example/")})
    assert not any("starts from" in r for r in found.reasons)
    assert found.probability == pytest.approx(1.5 / (0.95 + 1.5))


def test_a_negative_inference_probability_counts_as_zero() -> None:
    """A probability below zero (bad input) is read as 0 for both prior and display."""
    (found,) = score([Candidate("ada@quillworks.test", -0.2, "{first}")], {}, {})
    assert (found.probability, found.inference_probability) == (0.0, 0.0)
    assert found.reasons[-1] == "Final probability 0.0% (inferred 0.0%)."


def test_ties_are_broken_by_inference_then_address() -> None:
    """Equal final probabilities: the higher inference first, then alphabetical order."""
    cands = [Candidate("c@q.test", 0.01, "{first}"), Candidate("b@q.test", 0.01, "{first}"),
             Candidate("x@q.test", 0.5, "{first}.{last}")]
    # x refuted: 0.5 x 0.02 = 0.01 (exactly, in floating point too), the weight of b and c;
    # leftover 0.48, so each ends at 0.01 / 0.51; b and c tie on all but the name
    out = score(cands, {"x@q.test": check("x@q.test", "undeliverable")}, {})
    assert [s.probability for s in out] == pytest.approx([0.01 / 0.51] * 3)
    assert len({s.probability for s in out}) == 1  # an exact tie
    assert [s.address for s in out] == ["x@q.test", "b@q.test", "c@q.test"]


@pytest.mark.parametrize(("value", "shown"), [
    (0.0, "0.0%"), (0.0004, "under 0.1%"), (0.0005, "0.1%"), (0.9994, "99.9%"),
    (0.9995, "over 99.9%"), (1.0, "100.0%"),
])
def test_a_probability_that_rounds_to_0_or_100_percent_says_so(value: float, shown: str) -> None:
    """"0.0%" and "100.0%" only when exact: a rounded-away probability reads "under 0.1%"."""
    from lookup.mail.scoring import _pct

    assert _pct(value) == shown
