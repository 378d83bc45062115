"""Measure address inference on real (domain, name, address) pairs.

    python bench/accuracy.py FILE.tsv [--json] [--cv] [--draws 5] [--seed 0]

For each person, predict their address under four protocols: cold (no
evidence), k=1 and k=3 random colleagues as evidence (seeded, averaged over
``--draws`` draws) and leave-one-out (every colleague). Prints top-1/top-3
accuracy (micro over pairs, macro over domains) and the expected calibration
error of the top-1 probability (10 bins), beside two baselines: always
``{first}.{last}``, and the leave-one-out majority of 13 simple templates.

``--cv`` recomputes the prior without the evaluated domain (cross-validated),
so cold figures are not flattered by a prior built from the same file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_priors import domain_counts, observe_all, prior_counts, read_pairs  # noqa: E402

from lookup.address.formats import render  # noqa: E402
from lookup.address.names import parse_name  # noqa: E402
from lookup.address.patterns import (  # noqa: E402
    DEFAULT_PRIOR,
    candidates,
    evidence_rows,
    posterior_from_groups,
    prior_from_counts,
    spelling_preferences,
)
from lookup.errors import InvalidNameError  # noqa: E402

SIMPLE = ("{first}.{last}", "{first}", "{f}{last}", "{first}{l}", "{first}_{last}",
          "{first}{last}", "{f}.{last}", "{last}.{first}", "{last}{f}", "{last}",
          "{first}-{last}", "{f}{l}", "{first}.{l}")
PROTOCOLS = ("cold", "k1", "k3", "loo")


@dataclass
class Tally:
    """Hits and top-1 probabilities for one protocol."""

    top1: list[float] = field(default_factory=list)
    top3: list[float] = field(default_factory=list)
    prob: list[float] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)

    def add(self, domain: str, truth: str, ranked: list[tuple[str, float]], weight: float = 1.0):
        """Record one prediction (weight < 1 for one of several random draws)."""
        addrs = [a for a, _ in ranked]
        self.top1.append(weight * (addrs[:1] == [truth]))
        self.top3.append(weight * (truth in addrs[:3]))
        self.prob.append(ranked[0][1] if ranked else 0.0)
        self.domain.append(domain)

    def summary(self, weights: list[float] | None = None) -> dict:
        """top1, top3 (micro and macro), ECE and n."""
        w = weights or [1.0] * len(self.top1)
        n = sum(w)
        by_dom: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for d, t1, t3, wi in zip(self.domain, self.top1, self.top3, w, strict=True):
            by_dom[d][0] += t1
            by_dom[d][1] += t3
            by_dom[d][2] += wi
        return {
            "top1": round(sum(self.top1) / n, 4),
            "top3": round(sum(self.top3) / n, 4),
            "top1_macro": round(sum(v[0] / v[2] for v in by_dom.values()) / len(by_dom), 4),
            "top3_macro": round(sum(v[1] / v[2] for v in by_dom.values()) / len(by_dom), 4),
            "ece": round(ece(self.prob, self.top1, w), 4),
            "n": round(n),
        }


def ece(probs: list[float], hits: list[float], weights: list[float], bins: int = 10) -> float:
    """Expected calibration error of probabilities against (weighted) hits."""
    acc: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for p, h, w in zip(probs, hits, weights, strict=True):
        b = min(bins - 1, int(p * bins))
        acc[b][0] += w * p
        acc[b][1] += h
        acc[b][2] += w
    total = sum(v[2] for v in acc.values())
    return sum(abs(v[0] - v[1]) for v in acc.values()) / total if total else 0.0


def picked_groups(rows: list, obs: list, pick: list[int], known: set[str]) -> Counter:
    """The picked colleagues' evidence rows as predict() sees them: over the prior's formats
    and those the picked colleagues show, not those only other people's addresses show."""
    universe = known.union(*(obs[j].induced for j in pick))
    return Counter(tuple(m for m in rows[j] if m[0] in universe) for j in pick)


def evaluate_domain(domain, pairs, obs, prior, tallies, weights, *, draws, seed) -> None:
    """Run the four protocols for every person at one domain."""
    rows = evidence_rows(obs, prior)
    known = set(prior.shares)
    names = []
    for full_name, _ in pairs:
        try:
            names.append(parse_name(full_name))
        except InvalidNameError:
            names.append(None)
    rng = random.Random(f"{seed}:{domain}")

    def ranked(i: int, pick: list[int]) -> list[tuple[str, float]]:
        if names[i] is None:
            return []
        post = posterior_from_groups(picked_groups(rows, obs, pick, known), prior)
        seen = [obs[j] for j in pick]
        cands = candidates(names[i], domain, post, limit=3, test_environment=True,
                           preferences=spelling_preferences(seen, post),
                           taken={pairs[j][1] for j in pick})
        return [(c.address, c.probability) for c in cands]

    keys = [full_name.casefold() for full_name, _ in pairs]
    for i, (_, email) in enumerate(pairs):
        # colleagues are other people: the same name's other address is left out
        others = [j for j in range(len(pairs)) if keys[j] != keys[i]]
        tallies["cold"].add(domain, email, ranked(i, []))
        weights["cold"].append(1.0)
        for k in (1, 3):
            for _ in range(draws):
                pick = rng.sample(others, min(k, len(others)))
                tallies[f"k{k}"].add(domain, email, ranked(i, pick), 1 / draws)
                weights[f"k{k}"].append(1 / draws)
        tallies["loo"].add(domain, email, ranked(i, others))
        weights["loo"].append(1.0)


def baselines(pairs_by_domain: dict) -> dict:
    """Always {first}.{last}, and the leave-one-out majority of 13 simple templates."""
    fl = maj = n = 0
    for domain, pairs in pairs_by_domain.items():
        forms = []
        for full_name, _ in pairs:
            try:
                forms.append(parse_name(full_name).primary)
            except InvalidNameError:
                forms.append(None)
        fits = [{t for t in SIMPLE if f and render(t, f) == e.split("@")[0]}
                for f, (_, e) in zip(forms, pairs, strict=True)]
        for i, (_, email) in enumerate(pairs):
            n += 1
            if forms[i] is None:
                continue
            fl += f"{render('{first}.{last}', forms[i])}@{domain}" == email
            votes = Counter(t for j, fit in enumerate(fits) if j != i for t in fit)
            best = max(SIMPLE, key=lambda t: (votes[t], -SIMPLE.index(t)))
            maj += f"{render(best, forms[i])}@{domain}" == email
    return {"first.last_top1": round(fl / n, 4), "loo_majority_top1": round(maj / n, 4), "n": n}


def run(path: str, *, cv: bool, draws: int, seed: int) -> dict:
    """Every protocol over the file; returns the JSON-able result."""
    pairs = read_pairs(path)
    observations = observe_all(pairs)
    per_domain = domain_counts(observations) if cv else {}
    tallies = {p: Tally() for p in PROTOCOLS}
    weights: dict[str, list[float]] = {p: [] for p in PROTOCOLS}
    for domain in sorted(pairs):
        prior = prior_from_counts(prior_counts(per_domain, exclude=domain)) if cv else DEFAULT_PRIOR
        evaluate_domain(domain, pairs[domain], observations[domain], prior, tallies, weights,
                        draws=draws, seed=seed)
    result = {p: tallies[p].summary(weights[p]) for p in PROTOCOLS}
    result["baselines"] = baselines(pairs)
    return result


def main(argv: list[str] | None = None) -> int:
    """Print the accuracy table (or JSON) for a pairs file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cv", action="store_true", help="leave the evaluated domain out of the prior")
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    start = time.perf_counter()
    result = run(args.file, cv=args.cv, draws=args.draws, seed=args.seed)
    if args.json:
        print(json.dumps(result))
        return 0
    print("prior: " + ("cross-validated (each domain left out of it)" if args.cv else "shipped"))
    head = ("protocol", "top1", "top3", "top1_mac", "top3_mac", "ece", "n")
    print(f"{head[0]:8} {head[1]:>7} {head[2]:>7} {head[3]:>9} {head[4]:>9} {head[5]:>7} "
          f"{head[6]:>6}")
    for p in PROTOCOLS:
        r = result[p]
        print(f"{p:8} {r['top1']:7.3f} {r['top3']:7.3f} {r['top1_macro']:9.3f} "
              f"{r['top3_macro']:9.3f} {r['ece']:7.3f} {r['n']:6d}")
    b = result["baselines"]
    print(f"baselines: always {{first}}.{{last}} top1 {b['first.last_top1']:.3f}; "
          f"leave-one-out majority of 13 templates top1 {b['loo_majority_top1']:.3f}")
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
