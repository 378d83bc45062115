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

What a run knows before any address (the domain's top-level domain, the name's
culture: ``lookup.address.context``) conditions the prior (``conditioned``): each
group seen at enough companies moves the main, background and loyalty toward its
own, shrunk toward its parent's by strengths fitted on the companies (empirical
Bayes, ``bench/make_priors.py``), so a group of five companies moves it little.

A third party's claim that the main format is F ("the email format of Acme is
first.last", read from a directory site's search snippet) is weaker evidence: it
moves the prior's main shares before any colleague counts (``hinted``). Pure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

__all__ = [
    "NOISE",
    "GroupShares",
    "Key",
    "Posterior",
    "Prior",
    "conditioned",
    "group_shares",
    "hinted",
    "posterior_from_groups",
    "posterior_from_rows",
    "prior_from_counts",
]

NOISE = "__noise__"  # the pseudo-format of addresses no format writes

# Fallbacks for counts that carry no fitted values (``format_priors.json`` has them under
# "fitted": bench/make_priors.py fits each by empirical Bayes on the companies it reads).
CONCENTRATION = 4.0  # background Dirichlet strength: how fast colleagues reshape it
LOYALTY = 0.7  # prior mean share of a domain's people who follow its main format
LOYALTY_STRENGTH = 6.0  # pseudo-people behind that mean
SMOOTHING = 16.0  # pseudo-domains pulling main shares toward overall pair shares
BACKGROUND_SMOOTHING = 5 * SMOOTHING  # pseudo-pairs pulling background shares the same way
# Pseudo-counts pulling a group's main (domains), background (pairs) and loyalty (pairs)
# toward its parent's, for every dimension (the file's "dimension.what" win); infinite:
# groups change nothing
GROUP_STRENGTH = {"main": math.inf, "background": math.inf, "loyalty": math.inf}
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
class Group:
    """One group's own shares (each summing to 1 with NOISE), the companies (main) and
    pairs (background, loyalty) behind them, and its pairs' share following their main."""

    main: Mapping[str, float]
    main_n: float
    background: Mapping[str, float]
    background_n: float
    on_main: float
    pairs: float
    companies: int = 0  # companies with someone in the group


@dataclass(frozen=True, slots=True)
class Prior:
    """Main-format and background shares (each summing to 1 with NOISE) and the constants.

    ``groups`` (key "dimension:value", e.g. "tld:de", "name:family-first") and
    ``strength`` are what ``conditioned`` needs; ``on_main`` is the pairs' share following
    their domain's main format, everyone's, against which a group's loyalty is read.
    A conditioned prior says which groups it used (``conditioned_on``) and how much
    likelier than the domain's people the target is to follow the main format, in
    log-odds (``target_shift``: their name's group).
    """

    main: Mapping[str, float]
    background: Mapping[str, float]
    concentration: float = CONCENTRATION
    loyalty: float = LOYALTY
    loyalty_strength: float = LOYALTY_STRENGTH
    novel_main: float = NOVEL_MAIN
    novel_background: float = NOVEL_BACKGROUND
    groups: Mapping[str, Group] = field(default_factory=dict)
    strength: Mapping[str, float] = field(default_factory=lambda: dict(GROUP_STRENGTH))
    on_main: float = LOYALTY
    target_shift: float = 0.0
    conditioned_on: tuple[str, ...] = ()

    @property
    def shares(self) -> Mapping[str, float]:
        """Prior predictive share of each real format for the target (no evidence)."""
        keys = (set(self.main) | set(self.background)) - {NOISE}
        lam = _shifted(self.loyalty, self.target_shift)
        return {f: lam * self.main.get(f, 0.0) + (1 - lam) * self.background.get(f, 0.0)
                for f in keys}


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
    concentration: float | None = None,
    loyalty: float | None = None,
    loyalty_strength: float | None = None,
    smoothing: float | None = None,
) -> Prior:
    """Build a prior from the aggregate counts in ``format_priors.json``.

    ``main`` (domains per main format) and ``background`` (off-main pairs per
    format) are each smoothed toward the overall pair shares in ``formats``. A
    constant given here wins over the file's fitted one ("fitted"), which wins over
    the module's fallback.
    """
    fitted = data.get("fitted", {})

    def const(given: float | None, name: str, fallback: float) -> float:
        return float(given if given is not None else fitted.get(name, fallback))

    concentration = const(concentration, "concentration", CONCENTRATION)
    loyalty = const(loyalty, "loyalty", LOYALTY)
    loyalty_strength = const(loyalty_strength, "loyalty_strength", LOYALTY_STRENGTH)
    given_smoothing = smoothing is not None
    smoothing = const(smoothing, "smoothing", SMOOTHING)
    bg_smoothing = 5 * smoothing if given_smoothing or "smoothing" in fitted else float(
        fitted.get("background_smoothing", BACKGROUND_SMOOTHING))
    if not given_smoothing and "background_smoothing" in fitted:
        bg_smoothing = float(fitted["background_smoothing"])
    pairs = _shares(data["formats"], data.get("unexplained", 0.0))
    if "main" not in data:
        return Prior(pairs, pairs, concentration, loyalty, loyalty_strength)
    main_n = sum(data["main"].values()) + data.get("main_unexplained", 0.0)
    main = _smooth(_shares(data["main"], data.get("main_unexplained", 0.0)), pairs, main_n,
                   smoothing)
    bg_n = sum(data["background"].values()) + data.get("background_unexplained", 0.0)
    background = _smooth(_shares(data["background"], data.get("background_unexplained", 0.0)),
                         pairs, bg_n, bg_smoothing)
    groups = {key: _group(g) for key, g in data.get("groups", {}).items()}
    strength = {**GROUP_STRENGTH, **{k: float(v) for k, v in fitted.get("groups", {}).items()}}
    on_main = (data["on_main"] / data["pairs"]) if data.get("pairs") else loyalty
    return Prior(main, background, concentration, loyalty, loyalty_strength, groups=groups,
                 strength=strength, on_main=on_main)


def _group(g: Mapping) -> Group:
    """A group's counts (as the priors file holds them) as shares."""
    main_n = sum(g["main"].values()) + g.get("main_unexplained", 0.0)
    bg_n = sum(g["background"].values()) + g.get("background_unexplained", 0.0)
    return Group(_shares(g["main"], g.get("main_unexplained", 0.0)), main_n,
                 _shares(g["background"], g.get("background_unexplained", 0.0)), bg_n,
                 g["on_main"] / g["pairs"] if g.get("pairs") else 0.0, g.get("pairs", 0.0),
                 int(g.get("companies", 0)))


def conditioned(prior: Prior, keys: Sequence[str]) -> Prior:
    """The prior for a company and person in the groups ``keys`` ("tld:country", "tld:de",
    "name:plain"; within a dimension, general first). Groups the prior lacks are skipped.

    Within a dimension each group is shrunk toward its parent (the one before it, or
    everyone): share = (n·own + s·parent) / (n + s), with the fitted strengths s.
    Dimensions combine as independent evidence: the main and background shares are
    everyone's times each dimension's ratio to everyone's, renormalised, and the
    loyalty's log-odds move by each dimension's. The domain's dimensions (the TLD)
    move the domain's loyalty; the name's move only the target's (``target_shift``).
    """
    used = tuple(k for k in keys if k in prior.groups)
    if not used:
        return prior
    main, background = dict(prior.main), dict(prior.background)
    domain_shift = target_shift = 0.0
    for dimension in dict.fromkeys(k.partition(":")[0] for k in used):
        _, own_main, own_bg, rho = _shrunk(prior, [k for k in used
                                                   if k.partition(":")[0] == dimension])[-1]
        main = {f: v * own_main.get(f, 0.0) / prior.main[f] if prior.main[f] else v
                for f, v in main.items()}
        background = {f: v * own_bg.get(f, 0.0) / prior.background[f]
                      if prior.background[f] else v for f, v in background.items()}
        shift = _logit(rho) - _logit(prior.on_main)
        if dimension == "name":
            target_shift += shift
        else:
            domain_shift += shift
    return replace(prior, main=_normal(main), background=_normal(background),
                   loyalty=_expit(_logit(prior.loyalty) + domain_shift),
                   target_shift=prior.target_shift + target_shift,
                   conditioned_on=prior.conditioned_on + used)


def _shrunk(prior: Prior, chain: Sequence[str]) -> list[tuple[str, dict, dict, float]]:
    """Each group of one dimension's ``chain`` (general first) shrunk toward the one before
    it, the first toward everyone: (key, main shares, background shares, loyalty) each."""
    own_main, own_bg, rho = dict(prior.main), dict(prior.background), prior.on_main
    dimension = chain[0].partition(":")[0] if chain else ""
    s_main, s_bg, s_loyalty = (_strength(prior, dimension, w) for w in GROUP_STRENGTH)
    out = []
    for key in chain:
        g = prior.groups[key]
        own_main = _toward(g.main, g.main_n, own_main, s_main)
        own_bg = _toward(g.background, g.background_n, own_bg, s_bg)
        rho = _toward({"on": g.on_main}, g.pairs, {"on": rho}, s_loyalty)["on"]
        out.append((key, own_main, own_bg, rho))
    return out


@dataclass(frozen=True, slots=True)
class GroupShares:
    """What one group of the cold prior says once shrunk toward its parent (the group
    before it in its dimension, or everyone), beside what the parent says."""

    key: str  # "tld:.de", "name:plain"
    companies: int  # companies seen with someone in the group
    weight: float  # how much the group's own main shares count against its parent's (0..1)
    main: Mapping[str, float]  # share of companies with each main format
    parent_main: Mapping[str, float]
    on_main: float  # share of people following their company's main format
    parent_on_main: float


def group_shares(prior: Prior, keys: Sequence[str]) -> list[GroupShares]:
    """The groups among ``keys`` that the prior has, in order, with the shares each one
    gives (as ``conditioned`` uses them): what ``lookup guess --explain`` shows."""
    used = [k for k in keys if k in prior.groups]
    out = []
    for dimension in dict.fromkeys(k.partition(":")[0] for k in used):
        parent_main, parent_rho = dict(prior.main), prior.on_main
        s_main = _strength(prior, dimension, "main")
        for key, main, _, rho in _shrunk(prior, [k for k in used
                                                 if k.partition(":")[0] == dimension]):
            n = prior.groups[key].main_n
            weight = 0.0 if math.isinf(s_main) or n <= 0 else n / (n + s_main)
            out.append(GroupShares(key, prior.groups[key].companies, weight, main,
                                   parent_main, rho, parent_rho))
            parent_main, parent_rho = main, rho
    return out


def _strength(prior: Prior, dimension: str, what: str) -> float:
    """The strength of ``what`` (main, background, loyalty) in ``dimension`` ("tld", "name"),
    or the one of ``what`` for every dimension."""
    return prior.strength.get(f"{dimension}.{what}", prior.strength.get(what, math.inf))


def _toward(own: Mapping[str, float], n: float, parent: Mapping[str, float], s: float):
    """Shares ``own`` (from ``n`` units) shrunk toward ``parent`` by ``s`` pseudo-units."""
    if math.isinf(s) or n <= 0:
        return dict(parent)
    return {k: (n * own.get(k, 0.0) + s * p) / (n + s) for k, p in parent.items()}


def _normal(shares: Mapping[str, float]) -> dict[str, float]:
    total = sum(shares.values()) or 1.0
    return {k: v / total for k, v in shares.items()}


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _shifted(p: float, shift: float) -> float:
    """``p`` with its log-odds moved by ``shift`` (``p`` itself for no shift)."""
    return _expit(_logit(p) + shift) if shift else p


def _expit(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


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
    conditioned_on: tuple[str, ...] = ()  # the prior's groups (``conditioned``)


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
    return Posterior(shares, noise, dict(support), n, fit.loyalty, prior.conditioned_on)


class _Fit:
    """EM state: P(main = F), the loyalty, and the background shares."""

    def __init__(self, main: dict[str, float], base: dict[str, float], prior: Prior) -> None:
        self.prior_main, self.prior_base, self.prior = main, base, prior
        self.p_main = dict(main)
        self.background = dict(base)
        self.loyalty = prior.loyalty

    def predictive(self) -> dict[str, float]:
        """Share of each format (and NOISE) for the next person at the domain (the target:
        their name's group moves how likely they are to follow the main format)."""
        lam = _shifted(self.loyalty, self.prior.target_shift)
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
