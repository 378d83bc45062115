"""The prior's constants, fitted on the companies it is built from (empirical Bayes).

Each constant of ``lookup.address.inference`` that says how much companies differ
is the value under which the companies at hand are likeliest, each judged by a prior
built from the others (leave one company out) where the constant pulls shares toward
a mean:

* ``loyalty`` and ``loyalty_strength``: the Beta prior of the share of a company's
  people who follow its main format (beta-binomial on each company's pairs);
* ``smoothing`` and ``background_smoothing``: the pseudo-companies (pseudo-pairs) pulling
  the main (background) shares toward every pair's shares;
* ``groups``: how far a group (a TLD, a name culture) may move the main, background and
  loyalty from its parent's: pseudo-companies (pseudo-pairs) behind the parent, one
  strength for each of the three in each dimension (TLD, name): six.

Each is chosen on a grid (doubling steps: the figures hardly move within one), so a
run takes seconds and can be repeated inside every fold of a cross-validation.

Not fitted here: the background's Dirichlet concentration (``inference.CONCENTRATION``,
how fast colleagues reshape a company's off-main formats). Its Dirichlet-multinomial
estimate on each company's off-main pairs (16, against 4 set by hand) describes quirks
around a main format known for sure; at run time the background also absorbs a colleague
whose format may be the main one, and 16 cost 1.3 points of top-1 with one colleague known
(the dev companies, shipped prior, only that constant changed), so it stays at 4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from groups import Facts, Tally, capped, leave_out, priors_data

from lookup.address.inference import NOISE, conditioned, prior_from_counts

__all__ = ["fit_constants"]

GRID = tuple(2.0**k for k in range(-2, 10))  # 0.25 ... 512
LOYALTY_GRID = tuple(round(0.3 + 0.02 * i, 2) for i in range(34))  # 0.30 ... 0.96
TINY = 1e-9
OFF = 1e6  # a group strength this large: groups change practically nothing
DIMENSIONS = ("tld", "name")
WHAT = {"main": 1, "background": 8, "loyalty": 8}  # grid scale: companies, pairs, pairs


def fit_constants(facts: Mapping[str, Facts], parts: Mapping[str, Mapping[str, Tally]],
                  tallies: Mapping[str, Tally], keep: set[str]) -> dict:
    """Every constant, fitted on the companies of ``facts`` (see the module's docstring)."""
    fitted: dict = dict(zip(("loyalty", "loyalty_strength"), _loyalty(facts), strict=True))
    loo = {d: priors_data(leave_out(tallies, parts[d]), keep) for d in facts}
    flat = {d: {**data, "groups": {}} for d, data in loo.items()}  # quicker to build
    fitted["smoothing"] = _best(GRID, lambda s: _main_ll(facts, flat, keep, {**fitted,
                                                                       "smoothing": s}))
    fitted["background_smoothing"] = _best(
        tuple(8 * g for g in GRID),
        lambda s: _background_ll(facts, parts, flat, keep, {**fitted, "background_smoothing": s}))
    priors = {d: prior_from_counts({**data, "fitted": fitted}) for d, data in loo.items()}
    strength = {f"{dim}.{what}": OFF for dim in DIMENSIONS for what in WHAT}
    for dim in DIMENSIONS:  # the domain's first: the name's are read given them
        for what, scale in WHAT.items():
            key = f"{dim}.{what}"
            strength[key] = _best((*(scale * g for g in GRID), OFF), lambda s, key=key: _group_ll(
                facts, parts, priors, keep, {**strength, key: s}, key))
    fitted["groups"] = strength
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in fitted.items()}


def _best(grid: Sequence[float], score) -> float:
    """The grid value with the highest score; of values scoring alike (within 1e-6), the
    last, which pulls hardest toward the mean: the data give no reason to pull less."""
    scores = [score(v) for v in grid]
    top = max(scores)
    return grid[max(i for i, x in enumerate(scores) if x >= top - 1e-6)]


def _lbeta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _loyalty(facts: Mapping[str, Facts]) -> tuple[float, float]:
    """The Beta prior (mean, strength) of a company's share following its main format:
    beta-binomial over each company's (capped) pairs on and off its main formats."""
    counts = []
    for f in facts.values():
        c = capped([r for _, r in f.rows])
        on = sum(c.get(s, 0.0) for s in f.tops)
        counts.append((on, sum(c.values()) - on))

    def ll(m: float, s: float) -> float:
        a, b = s * m, s * (1 - m)
        return sum(_lbeta(on + a, off + b) - _lbeta(a, b) for on, off in counts)

    return max(((m, s) for m in LOYALTY_GRID for s in GRID), key=lambda ms: ll(*ms))


def _fold(table: Mapping[str, float], keep: set[str]) -> dict[str, float]:
    """Counts over the prior's formats: one too rare to ship counts as NOISE (a cut one
    for its uncut form, as the priors file folds it)."""
    out: dict[str, float] = {}
    for s, c in table.items():
        body = s.partition("~")[0]
        key = s if s in keep else body if body in keep else NOISE
        out[key] = out.get(key, 0.0) + c
    return out


def _log(shares: Mapping[str, float], key: str) -> float:
    return math.log(max(shares.get(key, 0.0), TINY))


def _main_ll(facts, loo, keep, fitted) -> float:
    """Each company's main format under the prior of the others."""
    total = 0.0
    for d, f in facts.items():
        main = prior_from_counts({**loo[d], "fitted": fitted}).main
        total += sum(_log(main, k) * c for k, c in _fold(
            {s: 1 / len(f.tops) for s in f.tops}, keep).items())
    return total


def _background_ll(facts, parts, loo, keep, fitted) -> float:
    """Each company's off-main pairs under the background of the others."""
    total = 0.0
    for d in facts:
        background = prior_from_counts({**loo[d], "fitted": fitted}).background
        total += sum(_log(background, k) * c
                     for k, c in _fold(parts[d][""].background, keep).items())
    return total


def _group_ll(facts, parts, priors, keep, strength, which: str) -> float:
    """Each company's main formats (``which`` = "tld.main" or "name.main"), off-main pairs
    ("….background") or pairs on and off the main formats ("….loyalty"), under the others'
    prior conditioned on its groups: for "tld", the company whole; for "name", the people
    of each name culture among its people."""
    dim, _, what = which.partition(".")
    total = 0.0
    for d, f in facts.items():
        prior = replace(priors[d], strength=strength)
        for key, part in parts[d].items():
            if (dim == "tld" and key) or (dim == "name" and not key.startswith("name:")):
                continue
            p = conditioned(prior, (*f.keys, key) if key else f.keys)
            if what == "main":
                share = part.main
                total += sum(_log(p.main, k) * c for k, c in _fold(share, keep).items())
            elif what == "background":
                total += sum(_log(p.background, k) * c
                             for k, c in _fold(part.background, keep).items())
            else:
                lam = _shifted(p.loyalty, p.target_shift)
                total += part.on * math.log(lam) + (part.pairs - part.on) * math.log(1 - lam)
    return total


def _shifted(p: float, shift: float) -> float:
    z = math.log(p / (1 - p)) + shift
    return 1 / (1 + math.exp(-z))
