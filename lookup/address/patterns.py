"""Predict a person's work address from their name, the domain and what is known there.

``observe`` (``lookup.address.observations``) explains each known colleague's
(name, address) pair by every format of the grammar (``lookup.address.formats``)
that writes it from some spelling of the name (``lookup.address.names``);
directory sites' claims about the company's format (``lookup.address.hints``) move
the prior; ``lookup.address.inference`` turns both into a posterior over the
domain's formats; ``lookup.address.ranking`` renders the target's name in each
format and calibrates. ``explain`` shows how each piece of evidence moved the
probabilities. Pure: the priors file is read once, at import.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from email.utils import parseaddr
from importlib import resources

from email_validator import EmailNotValidError, validate_email

from lookup.address.calibration import Calibration
from lookup.address.context import context_of
from lookup.address.formats import Format, parse_format
from lookup.address.hints import FormatHint, claims
from lookup.address.inference import (
    Key,
    Posterior,
    Prior,
    conditioned,
    group_shares,
    hinted,
    posterior_from_groups,
    posterior_from_rows,
    prior_from_counts,
)
from lookup.address.names import ParsedName, parse_name
from lookup.address.observations import Observation, observe, spelling_preferences
from lookup.address.ranking import (
    DEFAULT_CALIBRATION,
    MIN_SHARE,
    Scored,
    calibrated,
    candidates,
    is_valid,
    scored,
)
from lookup.errors import BadInputError, InvalidDomainError, InvalidNameError
from lookup.models import Candidate, Evidence, Source

__all__ = [
    "DEFAULT_CALIBRATION",
    "DEFAULT_PRIOR",
    "Observation",
    "Posterior",
    "Prior",
    "Scored",
    "Step",
    "calibrated",
    "candidates",
    "cold_context",
    "evidence_rows",
    "explain",
    "infer_formats",
    "observe",
    "parse_known",
    "posterior",
    "posterior_from_groups",
    "posterior_from_rows",
    "predict",
    "prior_from_counts",
    "scored",
    "spelling_preferences",
]

OWN_ADDRESS = 0.9  # probability that an address given for the very same name is theirs

DEFAULT_PRIOR = prior_from_counts(
    json.loads(resources.files("lookup.data").joinpath("format_priors.json").read_text("utf-8"))
)


def evidence_rows(
    observations: Sequence[Observation], prior: Prior = DEFAULT_PRIOR
) -> list[Key]:
    """Each observation as sorted (format, match) pairs over the prior's and seen formats."""
    universe = dict.fromkeys(prior.shares)
    for obs in observations:
        universe.update(dict.fromkeys(obs.induced))
    return [tuple(sorted((s, m) for s in universe if (m := obs.match(s)) > 0))
            for obs in observations]


def posterior(observations: Sequence[Observation], prior: Prior = DEFAULT_PRIOR) -> Posterior:
    """The posterior over formats given observed colleagues' addresses."""
    groups = Counter(evidence_rows(observations, prior))
    return posterior_from_groups(groups, prior, evidence_total=len(observations))


def infer_formats(
    domain: str, evidence: Sequence[Evidence] = (), *, prior: Prior = DEFAULT_PRIOR
) -> list[tuple[Format, float]]:
    """Formats at ``domain`` ranked by posterior share, given colleagues' addresses."""
    del domain  # the prior is global; kept for the caller's symmetry with predict()
    post = posterior([observe(e) for e in evidence], prior)
    ranked = sorted(post.shares.items(), key=lambda kv: -kv[1])
    return [(parse_format(s), p) for s, p in ranked if p >= MIN_SHARE]


def predict(
    name: str,
    domain: str,
    evidence: Sequence[Evidence] = (),
    *,
    hints: Sequence[FormatHint] = (),
    limit: int = 10,
    test_environment: bool = False,
    prior: Prior = DEFAULT_PRIOR,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> list[Candidate]:
    """Ranked candidate addresses for ``name`` at ``domain``, probabilities summing to ≤ 1.

    ``evidence`` is known colleagues' addresses (or the person's own); ``hints`` are
    third parties' claims about the domain's format, weak evidence (one claim per site).
    """
    parsed = parse_name(name)
    domain = _check_domain(domain)
    own = [e for e in evidence if _same_person(e.name, parsed)]
    others = [e for e in evidence if e not in own]
    observations = [observe(e) for e in others]
    claimed = claims(hints)
    prior = conditioned(prior, context_of(parsed, domain).keys)
    post = posterior(observations, hinted(prior, [h.format for h in claimed]))
    ranked = candidates(parsed, domain, post, limit=limit, test_environment=test_environment,
                        preferences=spelling_preferences(observations, post),
                        taken={e.address.lower() for e in others}, calibration=calibration,
                        hints=claimed)
    return _with_own(own, ranked, post, limit=limit, test_environment=test_environment)


@dataclass(frozen=True, slots=True)
class Step:
    """One piece of evidence, and the ranked candidates once it and those before it count."""

    evidence: str  # what the piece is, in words ("" for the starting point: no evidence)
    source: str  # where it came from (a URL, "given by the user"), or ""
    candidates: tuple[Candidate, ...]
    context: tuple[str, ...] = ()  # the starting point: what the prior conditioned on


def cold_context(name: str, domain: str, prior: Prior = DEFAULT_PRIOR) -> tuple[str, ...]:
    """What the prior knows before any address, a line each: the groups of companies and
    names it conditions on for ``name`` at ``domain``, and what it does not use."""
    context = context_of(parse_name(name), _check_domain(domain))
    return context.explained({g.key: g for g in group_shares(prior, context.keys)})


def explain(
    name: str,
    domain: str,
    evidence: Sequence[Evidence] = (),
    *,
    hints: Sequence[FormatHint] = (),
    limit: int = 3,
    test_environment: bool = False,
) -> list[Step]:
    """The prediction built up one piece at a time: no evidence, then each site's format
    claim, then each colleague in the order given; each step ranks with all pieces so far."""
    def step(label: str, source: str, known: Sequence[Evidence], said: Sequence[FormatHint]):
        ranked = predict(name, domain, known, hints=said, limit=limit,
                         test_environment=test_environment)
        return Step(label, source, tuple(ranked))

    steps = [replace(step("", "", (), ()), context=cold_context(name, domain))]
    for i, hint in enumerate(claimed := claims(hints)):
        share = f" ({hint.share:.0%})" if hint.share is not None else ""
        said = (f"{hint.site} says the format is {hint.format}{share}: \u201c{hint.said}\u201d"
                if hint.source.url else
                f"your hint \u201c{hint.said}\u201d: the format is {hint.format}{share}")
        steps.append(step(said, hint.source.url or hint.source.title, (), claimed[: i + 1]))
    for i, known in enumerate(evidence):
        where = known.source.url or known.source.title if known.source else ""
        steps.append(step(f"{known.name} <{known.address}>", where, evidence[: i + 1], claimed))
    return steps


def _check_domain(domain: str) -> str:
    """The domain in lower case, or InvalidDomainError saying why it cannot be used."""
    clean = domain.strip().lower().strip(".")
    try:
        validate_email(f"x@{clean}", check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise InvalidDomainError(
            f"{domain!r} is not a domain an address can use ({exc}); give it like 'example.com'."
        ) from exc
    return clean


def _same_person(other: str, parsed: ParsedName) -> bool:
    try:
        return parse_name(other).primary == parsed.primary
    except InvalidNameError:
        return False


def _with_own(own, ranked, post, *, limit, test_environment) -> list[Candidate]:
    """Put addresses given for this very name first, with OWN_ADDRESS of the probability."""
    addresses = list(dict.fromkeys(e.address.lower() for e in own))
    addresses = [a for a in addresses if is_valid(a, test_environment)]
    if not addresses:
        return ranked
    each = OWN_ADDRESS / len(addresses)
    head = [Candidate(a, each, "known", 1, post.evidence_total + len(own),
                      "This address was given for this very name.") for a in addresses]
    rest = [replace(c, probability=c.probability * (1 - OWN_ADDRESS))
            for c in ranked if c.address not in addresses]
    return (head + rest)[:limit]


def parse_known(text: str) -> Evidence:
    """Read a known colleague written as ``Full Name <address>``."""
    name, address = parseaddr(text)
    if not address or "@" not in address:
        raise BadInputError(
            f"{text!r} has no address; write a known colleague as 'Full Name <name@domain>'."
        )
    if not name.strip():
        raise InvalidNameError(
            f"{text!r} has no name; write a known colleague as 'Full Name <name@domain>'."
        )
    return Evidence(name=name.strip(), address=address.strip().lower(),
                    source=Source(url="", title="given by the user", snippet=text, kind="user"))
