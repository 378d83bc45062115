"""Explain known addresses: the formats that write each one, and a domain's spelling habits.

``observe`` explains one known (name, address) pair by every format of the
grammar (``lookup.address.formats``) that writes it from some spelling of the name
(``lookup.address.names``), each with a match weight. ``spelling_preferences`` reads
from colleagues which kinds of spelling a domain uses more or less than usual
(ü→ue, surname first, a particle joined with "_", a middle name kept, ...).
Pure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from lookup.address.formats import explains, induce
from lookup.address.inference import Posterior
from lookup.address.names import ParsedName, parse_name
from lookup.errors import InvalidNameError
from lookup.models import Evidence

__all__ = [
    "COLLISION_DIGITS",
    "FORM_SHARPNESS",
    "MIDDLE_KEPT",
    "Observation",
    "middle_share",
    "observe",
    "spelling_preferences",
    "without_middle",
]

# Spelling weights are for explaining colleagues; a target's own address uses the
# name as written far more often (about 95% of dev pairs whose format was right).
FORM_SHARPNESS = 2.0
KIND_PSEUDO = 1.0  # pseudo-colleagues behind a kind of spelling's usual share
# ... fewer (0.3 and 0.1 measured alike on the dev pairs) for kinds a domain's address builder
# applies to everyone: most dev domains using one used it for all their names it fits, so
# one colleague can show it
SYSTEM_KIND_PSEUDO = 0.3
SYSTEM_KINDS = frozenset({"alt spelling", "particle hyphenated", "particle underscored",
                          "particle dotted"})
KIND_EPS = 0.05  # keeps the odds finite when every colleague used a kind
DIGIT_MATCH = 0.3  # an address with trailing digits explains its formats this well
COLLISION_DIGITS = 2  # trailing digits this short are a collision number ("wang2", "_1"), kept
MIDDLE_KEPT = "middle kept"  # pseudo-kind: a colleague's middle name is in their address


@dataclass(frozen=True, slots=True)
class Observation:
    """A known address and the formats that write it, each with a match weight."""

    name: str
    address: str
    local: str
    induced: Mapping[str, float]  # format spelling -> weight of the best name spelling
    kinds: Mapping[str, str] = field(default_factory=dict)  # spelling -> that spelling's kind
    eligible: frozenset[str] = frozenset()  # kinds of spelling the name has besides as written
    usual: Mapping[str, float] = field(default_factory=dict)  # kind -> its share a priori
    has_middle: bool = False  # the name has a middle name a format could keep or leave out

    def match(self, spelling: str) -> float:
        """How well ``spelling`` explains this address (0 when it does not)."""
        if spelling in self.induced:
            return self.induced[spelling]
        body, sep, _ = spelling.partition("~")
        if sep and body in self.induced and explains(spelling, frozenset((body,)), self.local):
            return self.induced[body]
        return 0.0

    def kind(self, spelling: str) -> str:
        """Which spelling of the name (as written, swapped, ...) ``spelling`` used here."""
        return self.kinds.get(spelling) or self.kinds.get(spelling.partition("~")[0], "")


_MIDDLE = re.compile(r"^\{(?:middle|m)(?::\d+)?\}[._-]?|[._-]?\{(?:middle|m)(?::\d+)?\}")


def _without_middle(spelling: str) -> str:
    """The format with its middle name left out: ``{first}.{middle}.{last}`` -> ``{first}.{last}``."""
    return _MIDDLE.sub("", spelling)


# cached by assignment, not decorated, so mutmut can mutate it (docs/testing.md)
without_middle = lru_cache(maxsize=8192)(_without_middle)


def _has_literal(spelling: str) -> bool:
    """True for formats with a literal prefix or suffix (``ext-``, ``.os``); not a number."""
    body = spelling.partition("~")[0].rstrip("0123456789").rstrip("._-")
    return not body.startswith("{") or not body.endswith("}")


def observe(evidence: Evidence) -> Observation:
    """Explain one known (name, address) pair by every format that writes it."""
    local = evidence.address.rpartition("@")[0].lower()
    try:
        name = parse_name(evidence.name)
    except InvalidNameError:
        return Observation(evidence.name, evidence.address, local, {})
    found: dict[str, float] = {}
    kinds: dict[str, str] = {}

    def note(spelling: str, weight: float, kind: str) -> None:
        if weight > found.get(spelling, 0.0):
            found[spelling], kinds[spelling] = weight, kind

    for form in name.forms:
        for spelling in induce(form, local):
            if spelling.endswith("{#}"):  # a user id, or a collision number on a plain format
                note(spelling, form.weight * DIGIT_MATCH, form.kind)
                note(spelling[: -len("{#}")].rstrip("._-"), form.weight * DIGIT_MATCH, form.kind)
                number = _collision_number(local)
                if number:  # the same number, written as it is: a domain's usual "_1"
                    note(spelling[: -len("{#}")] + number, form.weight * DIGIT_MATCH, form.kind)
            else:
                note(spelling, form.weight, form.kind)
    if any(not _has_literal(s) for s in found):
        found = {s: w for s, w in found.items() if not _has_literal(s)}
    eligible = frozenset(f.kind for f in name.forms) - {"as written"}
    return Observation(evidence.name, evidence.address, local, found,
                       {s: kinds[s] for s in found}, eligible, _usual_shares(name),
                       has_middle=bool(name.middle))


def _collision_number(local: str) -> str:
    """The short number ending ``local`` ("2" of "wang2"), or "" for none or a long id."""
    digits = local[len(local.rstrip("0123456789")):]
    return digits if 0 < len(digits) <= COLLISION_DIGITS else ""


def _usual_shares(name: ParsedName) -> dict[str, float]:
    """Each kind of spelling's share against the name as written, before any colleague."""
    weight: Counter = Counter()
    for form in name.forms:
        weight[form.kind] += form.weight**FORM_SHARPNESS
    plain = weight.pop("as written", 0.0)
    return {k: w / (w + plain) for k, w in weight.items() if w + plain > 0}


def spelling_preferences(
    observations: Sequence[Observation], post: Posterior
) -> dict[str, float]:
    """How much more (or less) than usual colleagues use each kind of spelling.

    For each colleague, the best format under the posterior tells which spelling
    of their name the address used (as written, swapped, nickname, ü→ue, ...).
    Each kind's rate among colleagues who could have used it is shrunk toward its
    usual share (from the name weights), and returned as an odds ratio against
    that usual share: a kind every such colleague used can win over the name as
    written, one nobody used fades. ``MIDDLE_KEPT`` is the same for colleagues
    with a middle name whose address keeps it, against the posterior's own share.
    """
    used: Counter = Counter()
    eligible: Counter = Counter()
    usual: Counter = Counter()
    middle_usual = middle_share(post.shares) if any(o.has_middle for o in observations) else 0
    for obs in observations:
        if not obs.induced:
            continue
        best = max(obs.induced, key=lambda s: (post.shares.get(s, 0.0) * obs.induced[s], s))
        used[obs.kind(best)] += 1
        eligible.update(obs.eligible)
        usual.update({k: obs.usual.get(k, 0.0) for k in obs.eligible})
        if obs.has_middle:
            used[MIDDLE_KEPT] += without_middle(best) != best
            eligible[MIDDLE_KEPT] += 1
            usual[MIDDLE_KEPT] += middle_usual
    out = {}
    for kind, n in eligible.items():
        base = min(max(usual[kind] / n, 1e-4), 0.9)
        pseudo = SYSTEM_KIND_PSEUDO if kind in SYSTEM_KINDS else KIND_PSEUDO
        rate = (used[kind] + pseudo * base) / (n + pseudo)
        out[kind] = (rate / (1 - rate + KIND_EPS)) / (base / (1 - base))
    return out


def middle_share(shares: Mapping[str, float]) -> float:
    """The share of formats that keep a middle name."""
    total = sum(shares.values())
    return sum(p for s, p in shares.items() if without_middle(s) != s) / total if total else 0.0
