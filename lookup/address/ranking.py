"""Rank addresses for a name under a format posterior, with calibrated probabilities. Pure.

``scored`` renders the target's name in each likely format (and each likely spelling
of the name, learned from colleagues: ü→ue, surname first, ...), cut to the domain's id
length when it has one, with the collision numbers colleagues carry; it leaves out
addresses other people hold and strings that are not addresses, and gives each its
*raw* share. ``calibrated`` maps raw shares to probabilities with the calibration map
(``lookup.address.calibration``), fitted on companies the model never saw.
``candidates`` does both. The calibration file is read once, at import.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from email_validator import EmailNotValidError, validate_email

from lookup.address.calibration import Calibration, features, name_kind
from lookup.address.context import conditioned_words
from lookup.address.formats import render
from lookup.address.hints import FormatHint
from lookup.address.inference import Posterior
from lookup.address.names import NameForm, ParsedName
from lookup.address.observations import (
    COLLISION_DIGITS,
    FORM_SHARPNESS,
    MIDDLE_KEPT,
    without_middle,
)
from lookup.models import Candidate

__all__ = ["DEFAULT_CALIBRATION", "MIN_SHARE", "Scored", "calibrated", "candidates", "is_valid",
           "scored"]

MIN_SHARE = 1e-3  # formats below this posterior share are not rendered
CUT_SHARE = 0.3  # a cut this common at a domain applies to all its formats (ids of 8 letters)
COLLISION_PSEUDO = 4.0  # pseudo-colleagues without a number; measured on the dev pairs (2 lifts k1 ECE)
MAX_TOTAL = 0.99  # the rest is always "none of these"
RAW_KEPT = 12  # addresses calibrated per prediction, the likeliest by raw share; the rest
# keep their raw share in the total
# With at least LONG_COLLEAGUES known colleagues, a format that writes the target's address
# more than LONG_MARGIN letters longer than any of theirs is LONG_LOCAL times as likely: it
# mostly breaks ties between formats colleagues show (jdoe or john.doe, jdoe or a cut jdoe~8).
# Measured on the dev pairs: k3 top-1 +0.2 points (--cv, 5 draws), loo unchanged; with a single
# colleague it traded top-3 for top-1 (k1 0.529/0.664 -> 0.531/0.662), so it waits for two
LONG_LOCAL = 0.5
LONG_MARGIN = 1
LONG_COLLEAGUES = 2


DEFAULT_CALIBRATION = Calibration.from_json(
    json.loads(resources.files("lookup.data").joinpath("calibration.json").read_text("utf-8"))
)


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


def _explain(spelling: str, post: Posterior, hints: Sequence[FormatHint] = ()) -> str:
    n, k = post.evidence_total, _support(spelling, post)
    if n == 0:
        share = post.shares.get(spelling, 0.0)
        groups = conditioned_words(post.conditioned_on)
        said = (f"No colleague's address is known; {spelling} is expected for {share:.0%} of "
                "addresses here" + ("." if hints else ", from how companies write them elsewhere"
                                    + (f" ({groups})." if groups else ".")))
    elif k == 0:
        said = f"None of {n} known colleagues' addresses follow {spelling}; it is common elsewhere."
    else:
        noun = "colleague's address follows" if n == 1 else "colleagues' addresses follow"
        said = f"{k} of {n} {noun} {spelling}."
    return " ".join([said, *(_hint_reason(h) for h in hints if _claims(h, spelling))])


def _claims(hint: FormatHint, spelling: str) -> bool:
    """True when ``hint`` names ``spelling`` (or it without the domain's cut or a number)."""
    body = spelling.partition("~")[0]
    match = _NUMBERED.fullmatch(body)
    return hint.format in (spelling, body, match.group(1) if match else body)


def _hint_reason(hint: FormatHint) -> str:
    share = f" ({hint.share:.0%} of addresses)" if hint.share is not None else ""
    if not hint.source.url:
        return (f"You said this is the company's usual format{share}; counted as weak evidence, "
                "like a directory site's claim.")
    return (f"A search result from {hint.site} says this is the company's usual format"
            f"{share}: \u201c{hint.said}\u201d. A third party's claim, counted as weak evidence.")


@lru_cache(maxsize=65_536)
def is_valid(address: str, test_environment: bool) -> bool:
    try:
        validate_email(address, check_deliverability=False, test_environment=test_environment)
    except EmailNotValidError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Scored:
    """One address before calibration: its raw share and the calibration's inputs."""

    local: str
    raw: float
    spelling: str  # the format that gives it most of its share
    support: int  # known colleagues following that format
    features: Mapping[str, float]


def scored(
    name: ParsedName,
    domain: str,
    post: Posterior,
    *,
    test_environment: bool = False,
    validate: bool = True,
    preferences: Mapping[str, float] | None = None,
    taken: Collection[str] = (),
) -> tuple[list[Scored], float]:
    """The RAW_KEPT likeliest addresses for ``name`` at ``domain`` by raw share, and the raw
    share of all the others.

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
                p = share * fshare * part
                scores[local] = scores.get(local, 0.0) + p
                if p > best.get(local, (0.0, ""))[0]:
                    best[local] = (p, variant)
    kind = name_kind(name)
    kept: list[Scored] = []
    rest = 0.0
    for local, p in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        address = f"{local}@{domain}"
        if len(kept) >= RAW_KEPT:
            rest += p
        elif address not in taken and (not validate or is_valid(address, test_environment)):
            spelling = best[local][1]
            support = _support(spelling, post)
            kept.append(Scored(local, p, spelling, support, features(
                p, support=support, total=post.evidence_total, kind=kind, cut=bool(cut))))
    return kept, rest


def calibrated(
    kept: Sequence[Scored], rest: float, calibration: Calibration
) -> list[tuple[Scored, float]]:
    """Each kept address with its calibrated probability, likeliest first; all of them and
    the raw rest sum to at most MAX_TOTAL."""
    probs = [(s, calibration.probability(s.features)) for s in kept]
    total = sum(p for _, p in probs) + rest
    scale = MAX_TOTAL / total if total > MAX_TOTAL else 1.0
    return sorted(((s, p * scale) for s, p in probs), key=lambda sp: (-sp[1], sp[0].local))


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
    calibration: Calibration = DEFAULT_CALIBRATION,
    hints: Sequence[FormatHint] = (),
) -> list[Candidate]:
    """Rank addresses for ``name`` at ``domain`` under a format posterior (see ``scored``),
    with probabilities from the calibration map; a format ``hints`` name says so."""
    kept, rest = scored(name, domain, post, test_environment=test_environment,
                        validate=validate, preferences=preferences, taken=taken)
    return [Candidate(f"{s.local}@{domain}", min(1.0, max(0.0, p)), s.spelling, s.support,
                      post.evidence_total, _explain(s.spelling, post, hints),
                      tuple(h.source for h in hints if _claims(h, s.spelling)))
            for s, p in calibrated(kept, rest, calibration)[:limit]]


