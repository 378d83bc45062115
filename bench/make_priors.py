"""Fit the shipped model: the format prior (aggregate counts) and the calibration map.

    python bench/make_priors.py FILE.tsv [--out lookup/data/format_priors.json]
        [--calibration-out lookup/data/calibration.json] [--folds 10] [--draws 2] [--seed 0]

Reads (domain, full_name, email) pairs, explains each address by the formats of
the grammar that write it, shares each pair between its formats by global EM
(a format and its cut versions, "~8", by the domain's own EM, so a domain that
cuts its long names counts its short ones for the cut format too), and writes
counts per format; a cut format too rare to ship counts for its uncut form. No name, address or domain is written: only
format spellings with counts, the unexplained count, and how many pairs and
domains they came from. A format must be seen at ``MIN_DOMAINS`` domains to
ship, and each domain's weight is capped so one big company does not decide
the prior for everyone.

The calibration map (``lookup.address.calibration``) is fitted on out-of-fold
predictions: the companies are split into ``--folds`` folds and each fold is
predicted with a prior built from the others (``fit``). Its file holds a handful
of weights, nothing else.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from groups import (  # noqa: E402
    DOMAIN_CAP,
    UNEXPLAINED,
    Tally,
    capped,
    contributions,
    domain_facts,
    folded,
    group_tables,
    kept,
    kept_formats,
    rest,
    tops,
    total,
)
from protocols import (  # noqa: E402
    FitRows,
    company_folds,
    fit_calibration,
    grouped_folds,
    predictions,
)
from shrinkage import fit_constants  # noqa: E402

from lookup.address.calibration import Calibration  # noqa: E402
from lookup.address.context import tld_keys  # noqa: E402
from lookup.address.patterns import Observation, observe, prior_from_counts  # noqa: E402
from lookup.models import Evidence  # noqa: E402

EM_ROUNDS = 30
SETTLED = 1e-7  # the global EM stops once no format's weight moves more than this
LOCAL_PRIOR = 0.1  # pull of the global weights in a domain's cut groups (0.1-1 alike on dev)
FOLDS = 10  # folds of companies for the out-of-fold predictions the calibration is fitted on
FIT_DRAWS = 2  # draws of k random colleagues per person for those predictions
GROUPED = True  # those folds hold out whole classes of TLD (see ``fit``)


def read_pairs(path: str) -> dict[str, list[tuple[str, str]]]:
    """Rows of a TSV with domain, full_name, email columns, grouped by domain."""
    by_domain: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row.get("domain") and row.get("full_name") and row.get("email"):
                by_domain[row["domain"].lower()].append((row["full_name"], row["email"].lower()))
    return dict(by_domain)


def observe_all(pairs: dict[str, list[tuple[str, str]]]) -> dict[str, list[Observation]]:
    """Observe every pair once."""
    return {d: [observe(Evidence(n, e)) for n, e in rows] for d, rows in pairs.items()}


def domain_counts(observations: dict[str, list[Observation]]) -> dict[str, Counter]:
    """Per domain, the (capped, EM-shared) count of pairs each format explains."""
    return {d: capped(rows) for d, rows in domain_pairs(observations).items()}


def domain_pairs(observations: dict[str, list[Observation]]) -> dict[str, list[dict[str, float]]]:
    """Per domain, each pair's share of each format that writes it (summing to 1, or
    ``__unexplained__`` alone), shared by global EM and then the domain's own (cut groups)."""
    weights: dict[str, float] = defaultdict(lambda: 1.0)
    rows = [[o.induced for o in obs] for obs in observations.values()]
    for _ in range(EM_ROUNDS):
        merged: Counter = Counter()
        for mine in rows:
            merged.update(capped(_shared(mine, weights)))
        norm = sum(merged.values())
        before = weights
        weights = defaultdict(lambda: 1e-3, {s: c / norm for s, c in merged.items()})
        if max((abs(w - before.get(s, 1.0)) for s, w in weights.items()), default=0) < SETTLED:
            break
    cuts = {s for obs in observations.values() for o in obs for s in o.induced if "~" in s}
    return {d: _local_shares([_matches(o, cuts) for o in obs], weights)
            for d, obs in observations.items()}


def _shared(rows: list[Mapping[str, float]], weights: Mapping[str, float]) -> list[dict]:
    """Each pair shared between the formats writing it in proportion to weights."""
    out = []
    for row in rows:
        scores = {s: weights.get(s, 1e-3) * m for s, m in row.items()}
        total = sum(scores.values())
        out.append({s: v / total for s, v in scores.items()} if total
                   else {UNEXPLAINED: 1.0})
    return out


def _matches(o: Observation, cuts: set[str]) -> dict[str, float]:
    """The formats writing an address: those induced from it, and cut ones its length fits."""
    found = dict(o.induced)
    found.update({s: m for s in cuts if s not in found and (m := o.match(s)) > 0})
    return found


def _local_shares(rows: list[Mapping[str, float]], weights: Mapping[str, float]) -> list[dict]:
    """A domain's pairs, a format and its cut versions sharing their weight by local EM."""
    # A cut format ("~8") writes a short name as its uncut form does: globally the
    # uncut form is far commoner, but where the long names are cut the short ones
    # go to the cut format too, so it can be the domain's main format.
    local = dict(weights)
    shares: list[dict] = []
    for _ in range(EM_ROUNDS):
        shares = _shared(rows, local)
        counts = capped(shares)
        before, local = local, dict(weights)
        for group in _cut_groups(counts):
            mass = sum(weights[s] for s in group)
            norm = sum(counts[s] for s in group) or 1.0
            local.update({s: mass * (counts[s] / norm + LOCAL_PRIOR * weights[s] / mass)
                          / (1 + LOCAL_PRIOR) for s in group})
        if local == before:  # a fixed point (at once for a domain without cut formats)
            break
    return shares


def _cut_groups(counts: Mapping[str, float]) -> list[set[str]]:
    """Formats grouped with their cut versions (``{f}{last}``, ``{f}{last}~8``, ...)."""
    groups: dict[str, set[str]] = defaultdict(set)
    for s in counts:
        groups[s.partition("~")[0]].add(s)
    return [g for g in groups.values() if len(g) > 1]


def prior_counts(per_domain: dict[str, Counter], exclude: str | None = None) -> dict:
    """Aggregate counts over domains (optionally leaving one out), as the priors file holds.

    ``formats``: pairs each format writes; ``main``: domains whose most common format
    it is; ``background``: pairs written by a format other than their domain's main one;
    ``on_main`` of ``pairs``: pairs written by their domain's main format.
    """
    tally = Tally()
    used = {d: c for d, c in per_domain.items() if d != exclude and c}
    for counts in used.values():
        tally.add(counts, tops(counts))
    keep = kept_formats(used)
    merged = folded(tally.formats, keep)
    return {"formats": kept(merged, keep), "unexplained": rest(merged, keep),
            **tally.table(keep), "domains": round(sum(tally.main.values()), 1)}


def fitted_counts(observations: dict[str, list[Observation]], domains: Iterable[str],
                  fitted: Mapping | None = None) -> dict:
    """The prior of ``domains`` alone: their pairs shared between formats by their EM, the
    counts of everyone and of each group (``groups``), and the constants fitted on them
    (or ``fitted``, constants fitted already on a superset: see ``fit``)."""
    per_pair = domain_pairs({d: observations[d] for d in domains})
    per_domain = {d: capped(rows) for d, rows in per_pair.items()}
    data = prior_counts(per_domain)
    keep = kept_formats(per_domain)
    facts = {d: domain_facts(d, observations[d], per_pair[d]) for d in per_pair}
    parts = {d: contributions(f) for d, f in facts.items()}
    tallies = total(parts)
    data["groups"] = group_tables(tallies, keep)
    data["fitted"] = dict(fitted) if fitted is not None else fit_constants(
        facts, parts, tallies, keep)
    return data


def fit(pairs: dict[str, list[tuple[str, str]]], observations: dict[str, list[Observation]],
        domains: Sequence[str], *, folds: int, draws: int, seed: int,
        grouped: bool = GROUPED) -> tuple[dict, Calibration]:
    """The prior counts and the calibration map, fitted on ``domains`` only.

    The map is fitted on out-of-fold predictions: ``domains`` are split into ``folds``
    folds of companies, and each fold is predicted with a prior counted from the others.
    Those priors take the constants fitted on all of ``domains`` (fitting them afresh for
    each fold would take minutes more, and they move little): the map learns from
    predictions whose counts never saw the company, and nothing it is scored on under
    ``bench/accuracy.py --cv`` has been seen by any of it. ``grouped``: the folds hold out
    whole classes of TLD (``protocols.grouped_folds``), so the map learns how right the
    model is for companies unlike those it was counted on, not only for new ones. A
    company's people weigh at most DOMAIN_CAP people's worth, as in the counts: how right
    the model is at a typical company, not at the file's few biggest ones, is what carries
    over to another population of companies.
    """
    rows = FitRows()
    sizes = {d: len(pairs[d]) for d in domains}
    counts = fitted_counts(observations, domains)
    per_domain = domain_counts({d: observations[d] for d in domains})
    layers = strata(per_domain)
    split = (grouped_folds(domains, folds, seed, sizes, tld_classes(domains), layers)
             if grouped else company_folds(domains, folds, seed, sizes, layers))
    for held in split:
        prior = prior_from_counts(fitted_counts(observations, set(domains) - set(held),
                                                counts["fitted"]))
        for d in held:
            scale = min(1.0, DOMAIN_CAP / len(pairs[d]))
            for pred in predictions(d, pairs[d], observations[d], prior, draws=draws, seed=seed):
                rows.add(pred, scale)
    return counts, fit_calibration(rows)


def tld_classes(domains: Iterable[str]) -> dict[str, str]:
    """Each domain's class of TLD (com, generic, country): the groups folds hold out."""
    return {d: tld_keys(d)[1] for d in domains}


def strata(per_domain: Mapping[str, Counter], least: int = 5) -> dict[str, str]:
    """Each domain's main format, or "other" for one fewer than ``least`` domains have:
    the strata that keep the folds of companies alike (``protocols.company_folds``)."""
    main = {d: max(sorted(c), key=c.__getitem__) if c else "" for d, c in per_domain.items()}
    common = Counter(main.values())
    return {d: m if common[m] >= least else "other" for d, m in main.items()}


def main(argv: list[str] | None = None) -> int:
    """Write the priors file and the calibration file from a pairs TSV."""
    data_dir = Path(__file__).resolve().parents[1] / "lookup/data"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--out", default=str(data_dir / "format_priors.json"))
    ap.add_argument("--calibration-out", default=str(data_dir / "calibration.json"))
    ap.add_argument("--folds", type=int, default=FOLDS)
    ap.add_argument("--draws", type=int, default=FIT_DRAWS,
                    help="random draws of 1 and 3 colleagues per person when fitting")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    pairs = read_pairs(args.file)
    observations = observe_all(pairs)
    counts, calibration = fit(pairs, observations, sorted(pairs), folds=args.folds,
                              draws=args.draws, seed=args.seed)
    data = {"_comment": "Aggregate counts of address formats (capped per domain), for everyone "
            "and per group of five companies or more (a TLD, a name culture), and the constants "
            "fitted on them, written by bench/make_priors.py. Counts only: no names, addresses "
            "or domains.", **counts}
    Path(args.out).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(data['formats'])} formats to {args.out}")
    cal = {"_comment": "Weights of the logistic calibration map (lookup/address/calibration.py), "
           f"fitted by bench/make_priors.py on out-of-fold predictions (about {args.folds} folds "
           f"of companies holding out whole TLD classes, {len(pairs)} domains, each weighing at "
           f"most {DOMAIN_CAP} people). Weights only.",
           "weights": dict(calibration.weights)}
    Path(args.calibration_out).write_text(json.dumps(cal, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(calibration.weights)} calibration weights to {args.calibration_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
