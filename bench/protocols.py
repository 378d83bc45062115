"""The four evaluation protocols, company folds, and the calibration fit (for bench/ scripts).

``predictions`` predicts every person at one domain under each protocol: cold (no
colleague known), k=1 and k=3 random colleagues (seeded, ``draws`` draws each
weighing ``1/draws``) and leave-one-out (every other colleague). Each prediction
holds the raw, uncalibrated addresses of ``lookup.address.patterns.scored``, so
one pass serves both fitting a calibration map and scoring one.

``fit_calibration`` fits that map (a logistic regression over
``lookup.address.calibration.FEATURES``) on out-of-fold predictions: each company
is predicted with a prior built without it, so the map learns how right the model
is at companies it has never seen.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from lookup.address.calibration import FEATURES, Calibration
from lookup.address.context import context_of
from lookup.address.inference import Prior, conditioned
from lookup.address.names import ParsedName, parse_name
from lookup.address.observations import Observation
from lookup.address.patterns import (
    Scored,
    evidence_rows,
    posterior_from_groups,
    scored,
    spelling_preferences,
)
from lookup.errors import InvalidNameError

PROTOCOLS = ("cold", "k1", "k3", "loo")
L2 = 1.0  # ridge on the calibration weights (pseudo-observations' worth of pull toward 0)
LOGIT_STEP = 0.05  # raw logits are grouped to this step when fitting (rows in the thousands)
LOGITS = frozenset({"logit", "cold_logit", "one_logit"})  # the features so grouped


@dataclass(frozen=True, slots=True)
class Prediction:
    """One person predicted under one protocol: the raw addresses and the truth."""

    protocol: str
    domain: str
    weight: float  # 1, or 1/draws for one of several random draws
    truth: str  # the person's local part
    known: int  # colleagues known (the evidence)
    kept: tuple[Scored, ...]
    rest: float


def picked_groups(rows: list, obs: list, pick: list[int], known: set[str]) -> Counter:
    """The picked colleagues' evidence rows as predict() sees them: over the prior's formats
    and those the picked colleagues show, not those only other people's addresses show."""
    universe = known.union(*(obs[j].induced for j in pick))
    return Counter(tuple(m for m in rows[j] if m[0] in universe) for j in pick)


def _names(pairs: Sequence[tuple[str, str]]) -> list[ParsedName | None]:
    out: list[ParsedName | None] = []
    for full_name, _ in pairs:
        try:
            out.append(parse_name(full_name))
        except InvalidNameError:
            out.append(None)
    return out


def predictions(domain: str, pairs: Sequence[tuple[str, str]], obs: Sequence[Observation],
                prior: Prior, *, draws: int, seed: int,
                protocols: Collection[str] = PROTOCOLS) -> Iterator[Prediction]:
    """Every person at ``domain`` predicted under the four protocols (or those of
    ``protocols``: the random colleagues drawn are the same either way), raw."""
    rows = evidence_rows(obs, prior)
    known = set(prior.shares)
    names = _names(pairs)
    priors = [conditioned(prior, context_of(n, domain).keys) if n else prior for n in names]

    def predict(protocol: str, i: int, pick: list[int], weight: float) -> Prediction:
        truth = pairs[i][1].rpartition("@")[0]
        if names[i] is None:
            return Prediction(protocol, domain, weight, truth, len(pick), (), 0.0)
        post = posterior_from_groups(picked_groups(rows, list(obs), pick, known), priors[i])
        seen = [obs[j] for j in pick]
        kept, rest = scored(names[i], domain, post, test_environment=True,
                            preferences=spelling_preferences(seen, post),
                            taken={pairs[j][1] for j in pick})
        return Prediction(protocol, domain, weight, truth, len(pick), tuple(kept), rest)

    for i, others, picks in colleague_draws(domain, pairs, draws=draws, seed=seed):
        if "cold" in protocols:
            yield predict("cold", i, [], 1.0)
        for k in (1, 3):
            if f"k{k}" in protocols:
                for pick in picks[k]:
                    yield predict(f"k{k}", i, pick, 1 / draws)
        if "loo" in protocols:
            yield predict("loo", i, others, 1.0)


def colleague_draws(domain: str, pairs: Sequence[tuple[str, str]], *, draws: int,
                    seed: int) -> Iterator[tuple[int, list[int], dict[int, list[list[int]]]]]:
    """For each person at ``domain``: their colleagues (every other person; the same name's
    other address is left out) and, for k = 1 and 3, ``draws`` random picks of k of them,
    seeded by the domain. The protocols and ``bench/ceiling.py``'s bounds both draw here,
    so the bounds are measured on the very colleagues the model is given."""
    keys = [full_name.casefold() for full_name, _ in pairs]
    rng = random.Random(f"{seed}:{domain}")
    for i in range(len(pairs)):
        others = [j for j in range(len(pairs)) if keys[j] != keys[i]]
        picks = {k: [rng.sample(others, min(k, len(others))) for _ in range(draws)]
                 for k in (1, 3)}
        yield i, others, picks


def company_folds(domains: Iterable[str], k: int, seed: int, sizes: Mapping[str, int],
                  strata: Mapping[str, str] | None = None) -> list[list[str]]:
    """Companies split into ``k`` folds, stratified: within each stratum (a company's main
    format), biggest company first, each goes to the fold holding the fewest pairs of its
    stratum (then of all); ties are broken by a seeded shuffle.

    Folds alike in size and in their mix of main formats keep the prior fitted without a
    fold near the prior of the whole file, as the shipped model's is: unstratified, a fold
    holding the few biggest ``first.last`` companies leaves a prior that underrates it,
    which then meets a held-out fold where it is commoner, and the pooled figures measure
    that split's noise rather than the model.
    """
    order = sorted(domains)
    random.Random(f"folds:{seed}").shuffle(order)
    strata = strata or {}
    order.sort(key=lambda d: -sizes[d])
    folds: list[list[str]] = [[] for _ in range(max(1, min(k, len(order))))]
    load = [0] * len(folds)
    per_stratum: dict[str, list[int]] = {}
    for d in order:
        mine = per_stratum.setdefault(strata.get(d, ""), [0] * len(folds))
        i = min(range(len(folds)), key=lambda j: (mine[j], load[j], j))
        folds[i].append(d)
        load[i] += sizes[d]
        mine[i] += sizes[d]
    return [sorted(f) for f in folds if f]


def grouped_folds(domains: Iterable[str], k: int, seed: int, sizes: Mapping[str, int],
                  groups: Mapping[str, str], strata: Mapping[str, str] | None = None
                  ) -> list[list[str]]:
    """Companies split into about ``k`` folds that hold out whole groups (a TLD's class, a
    source): a group with fewer pairs than a fold's share is a fold of its own; a bigger
    one is split into folds of about that share (``company_folds``). So a fold's companies
    are predicted by a model that has seen none of their group, or, in a big group, none
    of those companies: how it fares on a population it was not fitted on."""
    domains = sorted(domains)
    share = sum(sizes[d] for d in domains) / max(1, k)
    members: dict[str, list[str]] = {}
    for d in domains:
        members.setdefault(groups.get(d, ""), []).append(d)
    folds: list[list[str]] = []
    for _, mine in sorted(members.items()):
        n = sum(sizes[d] for d in mine)
        parts = max(1, round(n / share)) if n > share else 1
        folds += company_folds(mine, parts, seed, sizes, strata)
    return folds


@dataclass
class FitRows:
    """Calibration rows, grouped: (features with the logit rounded) -> [weight, hits]."""

    rows: dict[tuple[float, ...], list[float]] = field(default_factory=dict)

    def add(self, pred: Prediction, scale: float = 1.0) -> None:
        """Every kept address of one prediction, right (the truth) or not, its weight
        times ``scale`` (a big company's people weigh less, see ``make_priors.fit``)."""
        w = pred.weight * scale
        for s in pred.kept:
            x = tuple(round(s.features[f] / LOGIT_STEP) * LOGIT_STEP if f in LOGITS
                      else s.features[f] for f in FEATURES)
            row = self.rows.setdefault(x, [0.0, 0.0])
            row[0] += w
            row[1] += w * (s.local == pred.truth)


def fit_calibration(fit: FitRows, *, l2: float = L2, rounds: int = 25) -> Calibration:
    """The logistic map's weights by Newton's method (ridge ``l2``, not on the bias)."""
    n = len(FEATURES)
    theta = [0.0] * n
    theta[FEATURES.index("logit")] = 1.0
    for _ in range(rounds):
        grad = [-l2 * t for t in theta]
        hess = [[0.0] * n for _ in range(n)]
        for i in range(n):
            hess[i][i] = l2
        grad[0] += l2 * theta[0]
        hess[0][0] -= l2
        for x, (w, h) in fit.rows.items():
            z = sum(t * v for t, v in zip(theta, x, strict=True))
            p = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
            r = h - w * p
            c = w * p * (1 - p)
            for i in range(n):
                if x[i]:
                    grad[i] += r * x[i]
                    for j in range(n):
                        if x[j]:
                            hess[i][j] += c * x[i] * x[j]
        step = _solve(hess, grad)
        theta = [t + s for t, s in zip(theta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return Calibration({f: round(t, 4) for f, t in zip(FEATURES, theta, strict=True) if t})


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """x with a·x = b, by Gaussian elimination with partial pivoting (a small system)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        if abs(m[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col and m[r][col]:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] if abs(m[i][i]) >= 1e-12 else 0.0 for i in range(n)]
