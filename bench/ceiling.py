"""How far can a per-domain format model go on a pairs file? Upper bounds, model-free.

    python bench/ceiling.py FILE.tsv [--json] [--draws 5] [--seed 0]

Every address is explained by the formats of the grammar that write it from
some spelling of the name (``lookup.address.patterns.observe``; "any spelling" is
generous: nickname, swapped order, ü→ue all count). From that alone it prints:

* ``explained``: pairs some format writes at all (a bound on any top-k);
* ``best_format``: pairs written by their domain's single best format, chosen
  with hindsight: no model that picks one format per domain beats it at top-1;
* ``best_3_formats``: the same for the best three formats per domain (greedy),
  a bound on top-3 for such models;
* ``shown_by_loo`` / ``shown_by_k3`` / ``shown_by_k1``: people whose format is
  also written for at least one colleague in the evidence (all colleagues, 3 or
  1 random ones, averaged over ``--draws``): a model that follows the evidence
  can only be right for them, unless the prior alone guesses right.

Compare with ``bench/accuracy.py`` on the same file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_priors import observe_all, read_pairs  # noqa: E402


def best_cover(formats: list[frozenset[str]], k: int) -> int:
    """People covered by ``k`` formats chosen greedily (exact for k = 1)."""
    left = list(formats)
    covered = 0
    for _ in range(k):
        counts: dict[str, int] = {}
        for fs in left:
            for f in fs:
                counts[f] = counts.get(f, 0) + 1
        if not counts:
            break
        top = max(sorted(counts), key=counts.__getitem__)
        covered += counts[top]
        left = [fs for fs in left if top not in fs]
    return covered


def shown(formats: list[frozenset[str]], names: list[str], rng: random.Random, k: int | None,
          draws: int) -> float:
    """People (draw-weighted) whose format some colleague in the evidence also follows."""
    total = 0.0
    for i, mine in enumerate(formats):
        others = [j for j in range(len(formats)) if names[j] != names[i]]
        if not mine or not others:
            continue
        if k is None:
            total += any(mine & formats[j] for j in others)
            continue
        for _ in range(draws):
            pick = rng.sample(others, min(k, len(others)))
            total += any(mine & formats[j] for j in pick) / draws
    return total


def run(path: str, *, draws: int, seed: int) -> dict:
    """Every bound over the file, as fractions of all pairs."""
    pairs = read_pairs(path)
    observations = observe_all(pairs)
    n = sum(len(v) for v in pairs.values())
    sums = dict.fromkeys(("explained", "best_format", "best_3_formats", "shown_by_loo",
                          "shown_by_k3", "shown_by_k1"), 0.0)
    for domain in sorted(pairs):
        formats = [frozenset(o.induced) for o in observations[domain]]
        names = [name.casefold() for name, _ in pairs[domain]]
        rng = random.Random(f"{seed}:{domain}")
        sums["explained"] += sum(1 for fs in formats if fs)
        sums["best_format"] += best_cover(formats, 1)
        sums["best_3_formats"] += best_cover(formats, 3)
        sums["shown_by_loo"] += shown(formats, names, rng, None, draws)
        sums["shown_by_k3"] += shown(formats, names, rng, 3, draws)
        sums["shown_by_k1"] += shown(formats, names, rng, 1, draws)
    return {**{k: round(v / n, 4) for k, v in sums.items()}, "n": n, "domains": len(pairs)}


def main(argv: list[str] | None = None) -> int:
    """Print the bounds (or JSON) for a pairs file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    result = run(args.file, draws=args.draws, seed=args.seed)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['n']} pairs at {result['domains']} domains; shares of all pairs:")
    for key, value in result.items():
        if key not in ("n", "domains"):
            print(f"  {key:16} {value:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
