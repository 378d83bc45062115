"""Final ranking: combine each candidate's inference probability with its verdict (pure).

The candidates are rival answers to one question ("which address is this
person's?"), plus an implicit "some address we did not list" holding the
probability the inference left over. Each check is a likelihood ratio on its
own candidate (Bayes' rule with mutually exclusive hypotheses)::

    posterior_i = p_i * L_i / (sum_j p_j * L_j + leftover)

so a refuted guess frees its mass for the others, and the total never exceeds
1. Two kinds of evidence are kept out of that renormalisation on purpose:

* a domain that takes no mail (NXDOMAIN, null MX, no address) refutes every
  guess at once; its candidates keep their full prior in the denominator
  (their own share is then multiplied down), so the others are not inflated;
* a catch-all or accept-anything server says nothing: the candidate's
  probability is capped at its inference probability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lookup.models import Candidate, ScoredCandidate, Source, Status, Verification

__all__ = ["LIKELIHOOD", "PUBLISHED_PRIOR", "score"]

# Likelihood ratios P(result | right address) / P(result | wrong address).
# Rough, deliberately conservative figures: a 550 5.1.1 is wrong perhaps 1 time
# in 50 (mailbox just created, stale directory); a 250 from a server that
# refused a random address means the mailbox exists, but it may belong to a
# namesake colleague, hence 20 and not 1000.
LIKELIHOOD: Mapping[str, float] = {
    "published_own_site": 1000.0,
    "published_user": 1000.0,
    "published_elsewhere": 30.0,
    "deliverable": 20.0,
    # A OneDrive personal site (403) exists only for an account that signed in: as strong as
    # an SMTP accept, and with the same caveat (a colleague of the same name).
    "onedrive": 20.0,
    "mailbox_full": 5.0,
    "gravatar": 5.0,
    "refuted": 0.02,  # the server said this mailbox does not exist (or is disabled, or invalid)
    "no_mail_domain": 0.01,
    "disposable": 0.1,
    "role": 0.5,
}

# An address seen published for the person is a real hypothesis even when no
# format explains it (the inference then gives it 0): it starts from this
# prior before its publication evidence counts.
PUBLISHED_PRIOR = 0.05


@dataclass(frozen=True, slots=True)
class _Judged:
    """One candidate's likelihood ratio, whether it joins renormalisation, and why."""

    candidate: Candidate
    prior: float  # the inference probability, raised to a floor for published addresses
    factor: float
    held: bool  # domain-wide refutation: mass stays in the denominator
    capped: bool  # catch-all style answer: never above the inference probability
    reasons: tuple[str, ...]
    published: Source | None
    verification: Verification | None


def score(
    candidates: Sequence[Candidate],
    verifications: Mapping[str, Verification],
    published: Mapping[str, Source],
) -> list[ScoredCandidate]:
    """Rank candidates by final probability, each with the reasons for its adjustment."""
    verified = {key.lower(): value for key, value in verifications.items()}
    seen = {key.lower(): value for key, value in published.items()}
    judged = [
        _judge(c, verified.get(c.address.lower()), seen.get(c.address.lower())) for c in candidates
    ]
    total = sum(j.prior for j in judged)
    leftover = max(0.0, 1.0 - total)
    denominator = leftover + sum(_weight(j) for j in judged)
    scored = [_finish(j, denominator) for j in judged]
    return sorted(scored, key=lambda s: (-s.probability, -s.inference_probability, s.address))


def _weight(j: _Judged) -> float:
    return j.prior if j.held else j.prior * j.factor


def _finish(j: _Judged, denominator: float) -> ScoredCandidate:
    prior = j.prior
    final = prior * j.factor / denominator if denominator > 0 else 0.0
    reasons = list(j.reasons)
    if j.capped and final > prior:
        final = prior
        reasons.append("Kept at the inference probability: the server's answer cannot confirm it.")
    final = min(1.0, max(0.0, final))
    inferred = max(0.0, j.candidate.probability)
    reasons.append(f"Final probability {_pct(final)} (inferred {_pct(inferred)}).")
    status: Status = j.verification.status if j.verification else "unknown"
    return ScoredCandidate(
        address=j.candidate.address,
        probability=final,
        inference_probability=inferred,
        status=status,
        reasons=tuple(reasons),
        format=j.candidate.format,
        published=j.published,
        verification=j.verification,
        claimed_by=j.candidate.claimed_by,
    )


def _judge(c: Candidate, v: Verification | None, source: Source | None) -> _Judged:
    factor, reasons = 1.0, []
    held = capped = False
    prior = max(0.0, c.probability)
    if source is not None:
        kind, why = _published_kind(c.address, source)
        factor *= LIKELIHOOD[kind]
        reasons.append(why)
        if prior < PUBLISHED_PRIOR:
            prior = PUBLISHED_PRIOR
            reasons.append(
                f"No known format of the domain produces it, so it starts from {_pct(prior)}."
            )
    if v is None:
        reasons.append("Not verified, so the probability rests on the inference alone.")
        return _Judged(c, prior, factor, held, capped, tuple(reasons), source, v)
    flags = set(v.flags)
    if "no_mail" in flags:
        return _Judged(
            c, prior, LIKELIHOOD["no_mail_domain"], True, False,
            (*reasons, "The domain takes no mail, so no address there can work."), source, v,
        )
    verdict_factor, verdict_reason, capped = _verdict_factor(v, flags)
    factor *= verdict_factor
    reasons.append(verdict_reason)
    for flag in ("gravatar", "disposable", "role"):
        if flag in flags:
            factor *= LIKELIHOOD[flag]
            reasons.append(_FLAG_REASONS[flag])
    if capped and ("gravatar" in flags or source is not None):
        capped = False  # other evidence speaks for it; only the SMTP answer was empty
    return _Judged(c, prior, factor, held, capped, tuple(reasons), source, v)


_FLAG_REASONS = {
    "gravatar": "A Gravatar profile exists for this address, so it has been used by someone.",
    "disposable": "The domain is a disposable-mail service, unlikely for a work address.",
    "role": "The local part names a function (like info@), not a person.",
}


def _verdict_factor(v: Verification, flags: set[str]) -> tuple[float, str, bool]:
    """The likelihood ratio for the verification verdict, its reason, and whether to cap."""
    if v.status == "deliverable" and "onedrive" in flags:
        return LIKELIHOOD["onedrive"], (
            "Microsoft 365's OneDrive check (HTTPS) found an account with this address: the "
            "mailbox very likely exists."
        ), False
    if v.status == "deliverable":
        return LIKELIHOOD["deliverable"], (
            "The mail server accepted this recipient and refused a random one: the mailbox exists."
        ), False
    if v.status == "undeliverable":
        return LIKELIHOOD["refuted"], f"Refuted: {_first(v.reasons).rstrip('.')}.", False
    if v.status == "risky" and "mailbox_full" in flags:
        return LIKELIHOOD["mailbox_full"], "The mailbox exists but is full.", False
    if v.status == "risky":
        return 1.0, f"No change: {_first(v.reasons).rstrip('.')}.", True
    return 1.0, f"No change, the check was inconclusive: {_first(v.reasons).rstrip('.')}.", False


def _published_kind(address: str, source: Source) -> tuple[str, str]:
    domain = address.rpartition("@")[2].lower()
    host = (urlsplit(source.url).hostname or "").lower()
    if source.kind == "user":
        return "published_user", "You gave this address yourself."
    if host == domain or host.endswith("." + domain):
        return "published_own_site", f"Published on the company's own site ({source.url})."
    return "published_elsewhere", f"Published on another site ({source.url or 'a search result'})."


def _first(reasons: Sequence[str]) -> str:
    return reasons[0] if reasons else "no reason recorded."


def _pct(value: float) -> str:
    # "0.0%" beside the card's "<1%" reads as a contradiction: say what the rounding hides.
    return ("under 0.1%" if 0 < value < 0.0005 else "over 99.9%" if 0.9995 <= value < 1
            else f"{value:.1%}")
