"""The format posterior: a domain's main format, its loyalty, and a background.

The model, fitted by EM from colleagues' addresses:

* a domain has one *main* format M, drawn from the prior shares ``main``
  (how many domains use each format as their main one);
* each person follows M with the domain's *loyalty* λ (Beta prior, mean
  ``LOYALTY``), and otherwise has an address in a *background* format, drawn
  from a Dirichlet around ``background`` (how often each format, or no format
  at all, appears off a domain's main one: quirks, old ids, nicknames);
* a known address is evidence for every format that writes it, weighted by
  how well (``format -> match weight``).

The predictive share of format F for the next person is
``λ·P(M = F | evidence) + (1 - λ)·background_F``. With no evidence that is the
prior mix; a pure domain converges on its main format after a few colleagues;
one odd address is absorbed by the background; and a mixed domain gets a low
loyalty, so its second format keeps its share.

A third party's claim that the main format is F ("the email format of Acme is
first.last", read from a directory site's search snippet) is weaker evidence: it
moves the prior's main shares before any colleague counts (``hinted``). Pure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

__all__ = [
    "NOISE",
    "Key",
    "Posterior",
    "Prior",
    "hinted",
    "posterior_from_groups",
    "posterior_from_rows",
    "prior_from_counts",
]

NOISE = "__noise__"  # the pseudo-format of addresses no format writes

# Tuned on the dev pairs with bench/accuracy.py (figures in the module's report).
CONCENTRATION = 4.0  # background Dirichlet strength: how fast colleagues reshape it
LOYALTY = 0.7  # prior mean share of a domain's people who follow its main format
LOYALTY_STRENGTH = 6.0  # pseudo-people behind that mean
SMOOTHING = 16.0  # pseudo-domains pulling main shares toward overall pair shares
NOVEL_MAIN = 0.02  # prior share, as a main format, of a format only the evidence shows
NOVEL_BACKGROUND = 0.005  # ... and as a background format (quirks are many and varied)
NOISE_WEIGHT = 0.05  # likelihood that an explained address is really a quirk
EM_ROUNDS = 30
SUPPORT_MATCH = 0.25  # a match this strong counts as a colleague "following" a format
# How often a directory site's stated format is the company's main one. Not fitted: no
# data here pairs such claims with the truth. Sites guess from the few addresses they have
# seen, sometimes of another company of the same name, so a claim counts for less than one
# colleague's address (with which the model puts the main format near 0.9)
HINT_TRUST = 0.6

Key = tuple[tuple[str, float], ...]  # one address's sorted (format, match weight) pairs


@dataclass(frozen=True, slots=True)
class Prior:
    """Main-format and background shares (each summing to 1 with NOISE) and the constants."""

    main: Mapping[str, float]
    background: Mapping[str, float]
    concentration: float = CONCENTRATION
    loyalty: float = LOYALTY
    loyalty_strength: float = LOYALTY_STRENGTH
    novel_main: float = NOVEL_MAIN
    novel_background: float = NOVEL_BACKGROUND

    @property
    def shares(self) -> Mapping[str, float]:
        """Prior predictive share of each real format (no evidence)."""
        keys = (set(self.main) | set(self.background)) - {NOISE}
        return {f: self.loyalty * self.main.get(f, 0.0)
                + (1 - self.loyalty) * self.background.get(f, 0.0) for f in keys}


def _shares(table: Mapping[str, float], rest: float) -> dict[str, float]:
    shares = {k: float(v) for k, v in table.items() if v > 0}
    shares[NOISE] = max(float(rest), 0.0)
    total = sum(shares.values()) or 1.0
    return {k: v / total for k, v in shares.items()}


def _smooth(shares: Mapping[str, float], base: Mapping[str, float], n: float, s: float):
    keys = set(shares) | set(base)
    return {k: (n * shares.get(k, 0.0) + s * base.get(k, 0.0)) / (n + s) for k in keys}


def prior_from_counts(
    data: Mapping,
    *,
    concentration: float = CONCENTRATION,
    loyalty: float = LOYALTY,
    loyalty_strength: float = LOYALTY_STRENGTH,
    smoothing: float = SMOOTHING,
) -> Prior:
    """Build a prior from the aggregate counts in ``format_priors.json``.

    ``main`` (domains per main format) and ``background`` (off-main pairs per
    format) are each smoothed toward the overall pair shares in ``formats``.
    """
    pairs = _shares(data["formats"], data.get("unexplained", 0.0))
    if "main" not in data:
        return Prior(pairs, pairs, concentration, loyalty, loyalty_strength)
    main_n = sum(data["main"].values()) + data.get("main_unexplained", 0.0)
    main = _smooth(_shares(data["main"], data.get("main_unexplained", 0.0)), pairs, main_n,
                   smoothing)
    bg_n = sum(data["background"].values()) + data.get("background_unexplained", 0.0)
    background = _smooth(_shares(data["background"], data.get("background_unexplained", 0.0)),
                         pairs, bg_n, smoothing * 5)
    return Prior(main, background, concentration, loyalty, loyalty_strength)


def hinted(prior: Prior, claimed: Sequence[str], *, trust: float = HINT_TRUST) -> Prior:
    """The prior once third parties have claimed, each, that the main format is one of
    ``claimed`` (one claim per site).

    A claim is right with probability ``trust``; a wrong one names a format as a random
    company's main one would be (the prior's main share q). So a claim for F multiplies the
    odds of main = F by (trust + (1 - trust)·q_F) / ((1 - trust)·q_F): alone, it leaves
    P(main = F) at about ``trust + (1 - trust)·q_F`` however rare F was.
    """
    if not claimed:
        return prior
    main = dict(prior.main)
    for spelling in claimed:
        q = max(prior.main.get(spelling, 0.0), prior.novel_main)
        main[spelling] = max(main.get(spelling, 0.0), prior.novel_main) * (
            (trust + (1 - trust) * q) / ((1 - trust) * q))
    total = sum(main.values())
    return replace(prior, main={f: v / total for f, v in main.items()})


@dataclass(frozen=True, slots=True)
class Posterior:
    """Format shares after the evidence, the noise share, and each format's support."""

    shares: Mapping[str, float]
    noise: float
    support: Mapping[str, int]
    evidence_total: int
    loyalty: float = LOYALTY


def posterior_from_rows(
    rows: Iterable[Mapping[str, float]], prior: Prior, *, evidence_total: int | None = None
) -> Posterior:
    """The posterior from evidence rows (format -> match weight), one per known address."""
    groups = Counter(tuple(sorted(row.items())) for row in rows)
    return posterior_from_groups(groups, prior, evidence_total=evidence_total)


def _with_noise(key: Key) -> Key:
    """An address's matches, plus the chance that it is a quirk no format explains."""
    return ((*key, (NOISE, NOISE_WEIGHT)) if key else ((NOISE, 1.0),))


def posterior_from_groups(
    groups: Mapping[Key, int], prior: Prior, *, evidence_total: int | None = None
) -> Posterior:
    """The posterior from grouped evidence rows (row key -> how many addresses)."""
    rows = [(_with_noise(k), m) for k, m in groups.items() if m > 0]
    seen = {s for key, _ in rows for s, _ in key}
    main = {f: prior.main.get(f, 0.0) for f in prior.main}
    for f in sorted(seen):  # a format the evidence shows is never less likely than a novel one
        main[f] = max(prior.main.get(f, 0.0), prior.novel_main)
    base = {f: prior.background.get(f, prior.novel_background) for f in main}
    fit = _Fit(main, base, prior)
    for _ in range(EM_ROUNDS if rows else 1):
        if fit.step(rows):
            break
    shares = fit.predictive()
    support: Counter = Counter()
    for key, mult in groups.items():
        for spelling, m in key:
            if m >= SUPPORT_MATCH:
                support[spelling] += mult
    n = sum(groups.values()) if evidence_total is None else evidence_total
    noise = shares.pop(NOISE, 0.0)
    return Posterior(shares, noise, dict(support), n, fit.loyalty)


class _Fit:
    """EM state: P(main = F), the loyalty, and the background shares."""

    def __init__(self, main: dict[str, float], base: dict[str, float], prior: Prior) -> None:
        self.prior_main, self.prior_base, self.prior = main, base, prior
        self.p_main = dict(main)
        self.background = dict(base)
        self.loyalty = prior.loyalty

    def predictive(self) -> dict[str, float]:
        """Share of each format (and NOISE) for the next person at the domain."""
        lam = self.loyalty
        out = {f: lam * self.p_main.get(f, 0.0) + (1 - lam) * self.background.get(f, 0.0)
               for f in self.prior_main}
        total = sum(out.values())
        return {f: v / total for f, v in out.items()}

    def step(self, rows: list[tuple[Key, int]]) -> bool:
        """One EM round; True once the main-format posterior has settled."""
        lam, bg = self.loyalty, self.background
        logs = {f: math.log(p) for f, p in self.prior_main.items()}
        main_hits = 0.0
        bg_counts: Counter = Counter()
        n = 0
        for key, mult in rows:
            n += mult
            b_i = sum(bg[s] * m for s, m in key)
            off = (1 - lam) * b_i
            p_on = 0.0
            for s, m in key:
                on = lam * m
                logs[s] += mult * (math.log(on + off) - math.log(off))
                p_on += self.p_main[s] * on / (on + off)
            main_hits += mult * p_on
            for s, m in key:
                bg_counts[s] += mult * (1 - p_on) * bg[s] * m / b_i
        top = max(logs.values())
        weights = {f: math.exp(v - top) for f, v in logs.items()}
        norm = sum(weights.values())
        new_main = {f: w / norm for f, w in weights.items()}
        a = self.prior.concentration
        n_bg = sum(bg_counts.values())
        self.background = {f: (a * self.prior_base[f] + bg_counts.get(f, 0.0)) / (a + n_bg)
                           for f in self.prior_main}
        s = self.prior.loyalty_strength
        self.loyalty = (s * self.prior.loyalty + main_hits) / (s + n) if n else self.loyalty
        settled = max(abs(new_main[f] - self.p_main[f]) for f in new_main) < 1e-4
        self.p_main = new_main
        return settled
