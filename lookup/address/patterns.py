"""Predict a person's work address from their name, the domain and known colleagues.

``observe`` (``lookup.address.observations``) explains each known (name, address) pair
by every format of the grammar (``lookup.address.formats``) that writes it from some
spelling of the name (``lookup.address.names``); ``lookup.address.inference`` turns those explanations into a
posterior over the domain's formats; ``candidates`` renders the target's name
in each format, learns from colleagues which spellings the domain prefers
(ü→ue, surname first, ...), leaves out addresses other people hold, calibrates,
and keeps only valid addresses. Pure: the priors file is read once, at import.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from email.utils import parseaddr
from functools import lru_cache
from importlib import resources

from email_validator import EmailNotValidError, validate_email

from lookup.address.formats import Format, parse_format, render
from lookup.address.inference import (
    Key,
    Posterior,
    Prior,
    posterior_from_groups,
    posterior_from_rows,
    prior_from_counts,
)
from lookup.address.names import NameForm, ParsedName, parse_name
from lookup.address.observations import (
    COLLISION_DIGITS,
    FORM_SHARPNESS,
    MIDDLE_KEPT,
    Observation,
    observe,
    spelling_preferences,
    without_middle,
)
from lookup.errors import BadInputError, InvalidDomainError, InvalidNameError
from lookup.models import Candidate, Evidence, Source

__all__ = [
    "Observation",
    "Posterior",
    "Prior",
    "candidates",
    "evidence_rows",
    "infer_formats",
    "observe",
    "parse_known",
    "posterior",
    "posterior_from_groups",
    "posterior_from_rows",
    "predict",
    "prior_from_counts",
    "spelling_preferences",
]

MIN_SHARE = 1e-3  # formats below this posterior share are not rendered
OWN_ADDRESS = 0.9  # probability that an address given for the very same name is theirs
# Calibration, measured with bench/accuracy.py on the dev pairs: a format every known
# colleague follows hits more often than the posterior says (0.77 vs 0.70 with one
# colleague), one no colleague follows less (0.23 vs 0.29); and a plain two-word
# name hits more often than a name with several possible spellings (0.45 vs 0.40
# cold, against 0.24 vs 0.33).
AGREE_ALL = 1.1
AGREE_NONE = 0.8
AGREE_SOME = 0.85  # ... and one only some of a few colleagues follow (0.41 vs 0.49 at k=3)
FEW_COLLEAGUES = 5
SIMPLE_NAME = 1.1
# With one factor of 0.75 for every other name, a name with a middle name hit less often than
# said (0.18 vs 0.25 cold, 0.26 vs 0.37 at k=3) and the rest more often (0.32 vs 0.25, 0.46
# vs 0.38); these two keep the ECE of every protocol lowest on the dev pairs
COMPLEX_NAME = 0.8
MIDDLE_NAME = 0.6
# At a domain that cuts ids to a length, the split between given and family name varies
# ("jdoe", "jodoe", "johdoe"): with every known colleague following the cut format the
# top candidate hit 0.65 of the time at k=3 on the dev pairs, against 0.88 said
CUT_DOMAIN = 0.75
CUT_SHARE = 0.3  # a cut this common at a domain applies to all its formats (ids of 8 letters)
COLLISION_PSEUDO = 4.0  # pseudo-colleagues without a number; measured on the dev pairs (2 lifts k1 ECE)
MAX_TOTAL = 0.99  # the rest is always "none of these"
# With at least LONG_COLLEAGUES known colleagues, a format that writes the target's address
# more than LONG_MARGIN letters longer than any of theirs is LONG_LOCAL times as likely: it
# mostly breaks ties between formats colleagues show (jdoe or john.doe, jdoe or a cut jdoe~8).
# Measured on the dev pairs: k3 top-1 +0.2 points (--cv, 5 draws), loo unchanged; with a single
# colleague it traded top-3 for top-1 (k1 0.529/0.664 -> 0.531/0.662), so it waits for two
LONG_LOCAL = 0.5
LONG_MARGIN = 1
LONG_COLLEAGUES = 2



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


def _form_shares(
    name: ParsedName, preferences: Mapping[str, float] | None = None
) -> list[tuple[NameForm, float]]:
    """How likely each spelling is to be the one the target's address uses."""
    prefs = preferences or {}
    weights = [f.weight**FORM_SHARPNESS * prefs.get(f.kind, 1.0) for f in name.forms]
    total = sum(weights)
    return [(f, w / total) for f, w in zip(name.forms, weights, strict=True) if w / total > 1e-3]


def _middle_reweighed(shares: Mapping[str, float], odds: float) -> dict[str, float]:
    """Shares for a target with a middle name: formats keeping the middle reweighed by the
    odds colleagues with middle names show, against the rest (the sum unchanged)."""
    weights = {s: p * (odds if without_middle(s) != s else 1.0) for s, p in shares.items()}
    scale = sum(shares.values()) / (sum(weights.values()) or 1.0)
    return {s: w * scale for s, w in weights.items()}


def _length_reweighed(
    shares: Mapping[str, float], name: ParsedName, colleagues: Collection[str]
) -> Mapping[str, float]:
    """Shares with uncut formats that write ``name`` longer than colleagues' addresses run
    downweighed by LONG_LOCAL (the sum unchanged)."""
    lengths = [len(a.rpartition("@")[0]) for a in colleagues]
    if len(lengths) < LONG_COLLEAGUES:
        return shares
    longest = max(lengths) + LONG_MARGIN
    weights = {}
    for s, p in shares.items():
        long = p >= MIN_SHARE and "~" not in s and len(render(s, name.primary) or "") > longest
        weights[s] = p * (LONG_LOCAL if long else 1.0)
    scale = sum(shares.values()) / (sum(weights.values()) or 1.0)
    return {s: w * scale for s, w in weights.items()}


def _domain_cut(post: Posterior) -> int | None:
    """The length a domain cuts its user ids to, when its likely formats show one."""
    cuts: Counter = Counter()
    for spelling, share in post.shares.items():
        body, sep, n = spelling.partition("~")
        if sep:
            cuts[int(n)] += share
    if not cuts:
        return None
    length, share = cuts.most_common(1)[0]
    return length if share >= CUT_SHARE * sum(post.shares.values()) else None


def _with_cut(spelling: str, cut: int | None) -> str:
    """A login-like format (no separator) cut to the domain's id length, when it has one."""
    if not cut or "~" in spelling or any(sep in spelling for sep in "._-"):
        return spelling
    return f"{spelling}~{cut}"


_NUMBERED = re.compile(r"(.*\})([._-]?[0-9]{1," + str(COLLISION_DIGITS) + "})")


def _collisions(post: Posterior) -> dict[str, list[tuple[str, float]]]:
    """Per format, the collision numbers colleagues carry on it ("_1") and their rate."""
    out: dict[str, list[tuple[str, float]]] = {}
    for spelling, k in post.support.items():
        match = _NUMBERED.fullmatch(spelling)
        if match and k:
            rate = k / (post.evidence_total + COLLISION_PSEUDO)
            out.setdefault(match.group(1), []).append((match.group(2), rate))
    return out


def _is_numbered(spelling: str, numbers: Mapping[str, list[tuple[str, float]]]) -> bool:
    """True for a format that is another's collision number, offered with that format."""
    match = _NUMBERED.fullmatch(spelling)
    return bool(match) and match.group(1) in numbers


def _support(spelling: str, post: Posterior) -> int:
    """Colleagues who follow ``spelling`` (or it without the domain's cut)."""
    return max(post.support.get(spelling, 0), post.support.get(spelling.partition("~")[0], 0))


def _agreement(spelling: str, post: Posterior) -> float:
    """Calibration factor from how many known colleagues follow ``spelling``."""
    n = post.evidence_total
    if n == 0:
        return 1.0
    k = post.support.get(spelling, 0)
    if k >= n:
        return AGREE_ALL
    if k == 0:
        return AGREE_NONE
    return AGREE_SOME if n <= FEW_COLLEAGUES else 1.0


def _name_factor(name: ParsedName) -> float:
    """Calibration factor: names with one obvious spelling are easier to get right.

    Name order is not counted against a name: colleagues teach the domain's swaps."""
    kinds = {f.kind for f in name.forms if not f.kind.startswith("swapped")}
    kinds -= {"as written", "nickname"}
    if not kinds and not name.middle and name.family:
        return SIMPLE_NAME
    return MIDDLE_NAME if name.middle else COMPLEX_NAME


def _explain(spelling: str, post: Posterior) -> str:
    n, k = post.evidence_total, _support(spelling, post)
    if n == 0:
        share = post.shares.get(spelling, 0.0)
        return (f"No colleague's address is known; {spelling} writes {share:.0%} "
                "of addresses elsewhere.")
    if k == 0:
        return f"None of {n} known colleagues' addresses follow {spelling}; it is common elsewhere."
    noun = "colleague's address follows" if n == 1 else "colleagues' addresses follow"
    return f"{k} of {n} {noun} {spelling}."


@lru_cache(maxsize=65_536)
def _is_valid(address: str, test_environment: bool) -> bool:
    try:
        validate_email(address, check_deliverability=False, test_environment=test_environment)
    except EmailNotValidError:
        return False
    return True


def candidates(
    name: ParsedName,
    domain: str,
    post: Posterior,
    *,
    limit: int = 10,
    test_environment: bool = False,
    validate: bool = True,
    preferences: Mapping[str, float] | None = None,
    taken: Collection[str] = (),
) -> list[Candidate]:
    """Rank addresses for ``name`` at ``domain`` under a format posterior.

    ``preferences`` reweighs kinds of spelling (see ``spelling_preferences``);
    addresses in ``taken`` belong to other people (the known colleagues) and are left
    out, and formats writing the name much longer than they run are less likely.
    """
    scores: dict[str, float] = {}
    best: dict[str, tuple[float, str]] = {}
    forms = _form_shares(name, preferences)
    cut = _domain_cut(post)
    numbers = _collisions(post)
    shares = post.shares
    if name.middle and preferences and MIDDLE_KEPT in preferences:
        shares = _middle_reweighed(shares, preferences[MIDDLE_KEPT])
    shares = _length_reweighed(shares, name, taken)
    for spelling, share in shares.items():
        if share < MIN_SHARE or _is_numbered(spelling, numbers):
            continue
        written = _with_cut(spelling, cut)
        numbered = numbers.get(spelling, [])
        plain = 1.0 - sum(rate for _, rate in numbered)
        variants = [(written, plain)] + [(spelling + n, rate) for n, rate in numbered]
        for form, fshare in forms:
            for variant, part in variants:
                local = render(variant, form)
                if not local:
                    continue
                p = share * fshare * part * _agreement(spelling, post)
                scores[local] = scores.get(local, 0.0) + p
                if p > best.get(local, (0.0, ""))[0]:
                    best[local] = (p, variant)
    scale = _name_factor(name) * (CUT_DOMAIN if cut else 1.0)
    total = sum(scores.values()) * scale
    if total > MAX_TOTAL:
        scale *= MAX_TOTAL / total
    out: list[Candidate] = []
    for local, p in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        p *= scale
        address = f"{local}@{domain}"
        if address in taken or (validate and not _is_valid(address, test_environment)):
            continue
        spelling = best[local][1]
        out.append(Candidate(address, min(1.0, max(0.0, p)), spelling,
                             _support(spelling, post), post.evidence_total,
                             _explain(spelling, post)))
        if len(out) >= limit:
            break
    return out


def predict(
    name: str,
    domain: str,
    evidence: Sequence[Evidence] = (),
    *,
    limit: int = 10,
    test_environment: bool = False,
    prior: Prior = DEFAULT_PRIOR,
) -> list[Candidate]:
    """Ranked candidate addresses for ``name`` at ``domain``, probabilities summing to ≤ 1."""
    parsed = parse_name(name)
    domain = _check_domain(domain)
    own = [e for e in evidence if _same_person(e.name, parsed)]
    others = [e for e in evidence if e not in own]
    observations = [observe(e) for e in others]
    post = posterior(observations, prior)
    ranked = candidates(parsed, domain, post, limit=limit, test_environment=test_environment,
                        preferences=spelling_preferences(observations, post),
                        taken={e.address.lower() for e in others})
    return _with_own(own, ranked, post, limit=limit, test_environment=test_environment)


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
    addresses = [a for a in addresses if _is_valid(a, test_environment)]
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
