"""How far can a per-domain format model go on a pairs file? Upper bounds, model-free.

    python bench/ceiling.py FILE.tsv [--json] [--draws 5] [--seed 0]

Every address is explained by the formats of the grammar that write it from
some spelling of the name ("any spelling" is generous: nickname, swapped order,
ü→ue all count). A format writes an address when it renders it exactly: a
numbered address ("wang.yong19") is written by ``{last}.{first}19`` but not by
``{last}.{first}``, nor by ``{last}.{first}{#}``, whose digits no model can guess
(``lookup.address.observations.observe`` counts both as a colleague's *habit*, weakly,
and so do the bounds below when the address is a colleague's). From that alone it prints:

* ``explained``: pairs some format writes at all (a bound on any top-k);
* ``best_format``: pairs written by their domain's single best format, chosen
  with hindsight: no model that picks one format per domain beats it at top-1;
* ``best_3_formats``: the same for the best three formats per domain (greedy),
  a bound on top-3 for such models;
* ``shown_by_loo`` / ``shown_by_k3`` / ``shown_by_k1``: people whose format is
  also written for at least one colleague in the evidence (all colleagues, 3 or
  1 random ones: the very colleagues ``bench/accuracy.py`` draws with the same
  ``--draws`` and ``--seed``): a model that follows the evidence can only be right
  for them, unless the prior alone guesses right;
* ``best_shown_by_k3``: people written by the one format, among those the 3 random
  colleagues show, that writes the most addresses at their domain (chosen with
  hindsight; the domain's best format when they show none). ``shown_by_k3`` credits
  a person when *any* of the 3 colleagues shares their format, but a model names one
  format first: at a domain that mixes two formats evenly most people are "shown",
  and half of them can be guessed first.
* ``cold_one_format`` / ``cold_best_1`` / ``cold_best_3``: bounds on a cold prior (no
  colleague known). The first is the one format that writes the most addresses over the
  whole file; the others choose, with hindsight, the best one (three) formats for each group
  of what a run knows before any address (``lookup.address.context``: the domain's TLD
  and the name's culture, at their finest, whatever the number of companies in a group). No
  cold model that ranks formats from those alone beats them at top-1 (top-3), and all are
  generous: a format counts when *any* spelling (either order of a family-first name)
  renders the address, while a guess must commit to one.

Compare with ``bench/accuracy.py`` on the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_priors import observe_all, read_pairs  # noqa: E402
from protocols import colleague_draws  # noqa: E402

from lookup.address.context import context_of  # noqa: E402
from lookup.address.formats import render  # noqa: E402
from lookup.address.names import parse_name  # noqa: E402
from lookup.address.observations import Observation  # noqa: E402
from lookup.errors import InvalidNameError  # noqa: E402

BOUNDS = ("explained", "best_format", "best_3_formats", "shown_by_loo", "shown_by_k3",
          "shown_by_k1", "best_shown_by_k3", "cold_one_format", "cold_best_1", "cold_best_3")
COLD = ("cold_one_format", "cold_best_1", "cold_best_3")


def written(obs: Observation) -> frozenset[str]:
    """The formats that write ``obs``'s address exactly, from some spelling of the name."""
    try:
        forms = parse_name(obs.name).forms
    except InvalidNameError:
        return frozenset()
    return frozenset(s for s in obs.induced if any(render(s, f) == obs.local for f in forms))


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


def run(path: str, *, draws: int, seed: int) -> dict:
    """Every bound over the file, as fractions of all pairs."""
    pairs = read_pairs(path)
    return bounds(pairs, observe_all(pairs), draws=draws, seed=seed)


def bounds(pairs: dict, observations: dict, *, draws: int, seed: int) -> dict:
    """Every bound over read pairs and their observations, as fractions of all pairs."""
    n = sum(len(v) for v in pairs.values())
    sums = dict.fromkeys(BOUNDS, 0.0)
    groups: dict[tuple[str, ...], list[frozenset[str]]] = defaultdict(list)
    for domain in sorted(pairs):
        obs = observations[domain]
        mine = [written(o) for o in obs]
        for key, value in _domain_bounds(domain, pairs[domain], obs, mine,
                                         draws=draws, seed=seed).items():
            sums[key] += value
        for o, fs in zip(obs, mine, strict=True):
            groups[_cold_group(o.name, domain)].append(fs)
    sums.update(_cold_bounds(groups))
    return {**{k: round(v / n, 4) for k, v in sums.items()}, "n": n, "domains": len(pairs)}


def _cold_group(full_name: str, domain: str) -> tuple[str, ...]:
    """What a run knows of a person before any address: the domain's finest TLD key and the
    name's culture (``lookup.address.context``)."""
    try:
        ctx = context_of(parse_name(full_name), domain)
    except InvalidNameError:
        return ("unparsed",)
    return (ctx.domain_keys[-1], ctx.culture)


def _cold_bounds(groups: dict[tuple[str, ...], list[frozenset[str]]]) -> dict[str, float]:
    """People covered by one format for all, and by the best one and three formats per
    group of what a run knows cold, each chosen with hindsight."""
    everyone = [fs for rows in groups.values() for fs in rows]
    return {"cold_one_format": float(best_cover(everyone, 1)),
            "cold_best_1": float(sum(best_cover(rows, 1) for rows in groups.values())),
            "cold_best_3": float(sum(best_cover(rows, 3) for rows in groups.values()))}


def _domain_bounds(domain: str, pairs: Sequence[tuple[str, str]], obs: list[Observation],
                   mine: list[frozenset[str]], *, draws: int, seed: int) -> dict[str, float]:
    """One domain's people counted by each bound (draw-weighted for the random ones)."""
    shows = [frozenset(o.induced) for o in obs]  # what each one shows as a colleague
    writes = Counter(f for fs in mine for f in fs)
    out = {"explained": float(sum(1 for fs in mine if fs)),
           "best_format": float(best_cover(mine, 1)), "best_3_formats": float(best_cover(mine, 3)),
           "shown_by_loo": 0.0, "shown_by_k3": 0.0, "shown_by_k1": 0.0, "best_shown_by_k3": 0.0}
    for i, others, picks in colleague_draws(domain, pairs, draws=draws, seed=seed):
        if not mine[i] or not others:
            continue
        out["shown_by_loo"] += any(mine[i] & shows[j] for j in others)
        for k in (1, 3):
            out[f"shown_by_k{k}"] += sum(any(mine[i] & shows[j] for j in pick)
                                         for pick in picks[k]) / draws
        for pick in picks[3]:
            out["best_shown_by_k3"] += (_best_shown(pick, shows, writes) in mine[i]) / draws
    return out


def _best_shown(pick: list[int], shows: list[frozenset[str]], writes: Counter) -> str:
    """The format, among those the picked colleagues show, that writes the most addresses
    at the domain (ties by name); the domain's best format when they show none."""
    shown = set().union(*(shows[j] for j in pick)) & set(writes)
    pool = sorted(shown or writes)
    return max(pool, key=writes.__getitem__) if pool else ""


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
