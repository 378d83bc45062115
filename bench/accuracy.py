"""Measure address inference on real (domain, name, address) pairs.

    python bench/accuracy.py FILE.tsv [--json] [--cv] [--folds 10] [--draws 5] [--seed 0]
        [--protocols cold,k1,k3,loo] [--holdout company|tld|source] [--source DEV.tsv]
        [--populations 122] [--yardsticks]

For each person, predict their address under four protocols: cold (no
evidence), k=1 and k=3 random colleagues as evidence (seeded, averaged over
``--draws`` draws) and leave-one-out (every colleague). Prints top-1/top-3
accuracy (micro over pairs, macro over companies), the expected calibration
error (ECE, 10 bins) and the Brier score (micro and macro) of the top-1
probability, and a reliability table per protocol (mean probability said vs
share right, per tenth), beside two baselines: always ``{first}.{last}``, and the
leave-one-out majority of 13 simple templates.

Without ``--cv`` the shipped model (``lookup/data/``) is scored on the file,
which flatters it when the file is the one it was fitted on. ``--cv`` is grouped,
nested cross-validation by company: the companies are split into ``--folds``
folds (stratified by their main format, ``protocols.company_folds``), and for each
fold the whole model is fitted on the other folds alone (the prior's counts, and
the calibration map on out-of-fold predictions within them: ``make_priors.fit``
with one fold fewer), then scored on the held-out companies it never saw.

``--holdout`` chooses what a fold holds out: random companies (``company``, the
default), whole classes of TLD (``tld``: .com companies split into folds, the
generic and country-code ones each a fold of their own) or whole sources
(``source``: the companies of ``--source``, by default the dev file beside FILE,
against the others), a proxy for a population the model was not fitted on.

Beside the overall figures it prints them per class of TLD (ECE and the largest gap
of a reliability bin with 100 predictions or more), and how the ECE of each protocol
spreads over populations of ``--populations`` companies drawn at random from the file
(with replacement, 200 draws): at a company everyone's address follows one format, so
a population's ECE moves with the few companies that make most of its pairs.
``--yardsticks`` adds ``bench/ceiling.py``'s bounds measured on the same draws.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ceiling  # noqa: E402
from make_priors import (  # noqa: E402
    FIT_DRAWS,
    FOLDS,
    domain_counts,
    fit,
    observe_all,
    read_pairs,
    strata,
    tld_classes,
)
from protocols import (  # noqa: E402
    PROTOCOLS,
    Prediction,
    company_folds,
    grouped_folds,
    picked_groups,
    predictions,
)

from lookup.address.calibration import Calibration  # noqa: E402
from lookup.address.formats import render  # noqa: E402
from lookup.address.names import parse_name  # noqa: E402
from lookup.address.patterns import (  # noqa: E402
    DEFAULT_CALIBRATION,
    DEFAULT_PRIOR,
    calibrated,
    prior_from_counts,
)
from lookup.errors import InvalidNameError  # noqa: E402

__all__ = ["PROTOCOLS", "Tally", "picked_groups", "reliability", "run"]

SIMPLE = ("{first}.{last}", "{first}", "{f}{last}", "{first}{l}", "{first}_{last}",
          "{first}{last}", "{f}.{last}", "{last}.{first}", "{last}{f}", "{last}",
          "{first}-{last}", "{f}{l}", "{first}.{l}")
BINS = 10
BIG_BIN = 100  # predictions in a reliability bin whose gap the targets bound
SAMPLES = 200  # random populations for the spread of the ECE
GAP_TARGET = 0.08  # issue 32: no big bin off by more than this
HOLDOUTS = ("company", "tld", "source")


@dataclass
class Tally:
    """Per prediction of one protocol: weight, top-1 and top-3 hits, top-1 probability."""

    rows: list[tuple[float, bool, bool, float]] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)

    def add(self, domain: str, truth: str, ranked: list[tuple[str, float]], weight: float = 1.0):
        """Record one prediction (weight 1/draws for one of several random draws)."""
        addrs = [a for a, _ in ranked]
        self.rows.append((weight, addrs[:1] == [truth], truth in addrs[:3],
                          ranked[0][1] if ranked else 0.0))
        self.domain.append(domain)

    def summary(self) -> dict:
        """top1, top3 (micro and macro), ECE, Brier (micro and macro), reliability and n."""
        by_dom: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for d, (w, t1, t3, p) in zip(self.domain, self.rows, strict=True):
            acc = by_dom[d]
            acc[0] += w * t1
            acc[1] += w * t3
            acc[2] += w * (p - t1) ** 2
            acc[3] += w
        n = sum(v[3] for v in by_dom.values())

        def micro(i: int) -> float:
            return round(sum(v[i] for v in by_dom.values()) / n, 4)

        def macro(i: int) -> float:
            return round(sum(v[i] / v[3] for v in by_dom.values()) / len(by_dom), 4)

        table = reliability(self.rows)
        return {
            "top1": micro(0), "top3": micro(1), "top1_macro": macro(0), "top3_macro": macro(1),
            "ece": ece(table), "big_gap": big_gap(table),
            "said": round(sum(r[0] * r[3] for r in self.rows) / n, 4),
            "brier": micro(2), "brier_macro": macro(2), "reliability": rounded(table),
            "n": round(n),
        }

    def part(self, domains: set[str]) -> Tally:
        """The predictions at ``domains`` only."""
        out = Tally()
        for d, row in zip(self.domain, self.rows, strict=True):
            if d in domains:
                out.rows.append(row)
                out.domain.append(d)
        return out

    def spread(self, companies: int, *, samples: int = SAMPLES, seed: int = 0) -> dict:
        """The ECE and the largest gap of a big bin over ``samples`` populations of
        ``companies`` drawn with replacement: the median and 90th percentile of each, and the
        share of populations meeting the targets (ECE 0.05 or less; no bin of BIG_BIN
        predictions or more off by more than GAP_TARGET)."""
        by_dom: dict[str, list] = defaultdict(list)
        for d, row in zip(self.domain, self.rows, strict=True):
            by_dom[d].append(row)
        names = sorted(by_dom)
        rng = random.Random(f"populations:{seed}")
        tables = [reliability([r for d in rng.choices(names, k=companies) for r in by_dom[d]])
                  for _ in range(samples)]
        eces = sorted(ece(t) for t in tables)
        gaps = sorted(big_gap(t) for t in tables)
        return {"median": eces[len(eces) // 2], "p90": eces[int(0.9 * len(eces))],
                "share_ok": round(sum(e <= 0.05 for e in eces) / len(eces), 3),
                "gap_median": gaps[len(gaps) // 2], "gap_p90": gaps[int(0.9 * len(gaps))],
                "gap_share_ok": round(sum(g <= GAP_TARGET for g in gaps) / len(gaps), 3),
                "companies": companies}


def ece(table: list[dict]) -> float:
    """Expected calibration error of a reliability table (gaps weighted by predictions)."""
    n = sum(b["n"] for b in table)
    return round(sum(abs(b["said"] - b["right"]) * b["n"] for b in table) / n, 4) if n else 0.0


def big_gap(table: list[dict]) -> float:
    """The largest gap between said and right of a bin with BIG_BIN predictions or more."""
    return max((round(abs(b["said"] - b["right"]), 4) for b in table if b["n"] >= BIG_BIN),
               default=0.0)


def reliability(rows: list[tuple[float, bool, bool, float]]) -> list[dict]:
    """Per tenth of top-1 probability: mean probability said, share right, weighted count."""
    acc: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for w, t1, _, p in rows:
        b = min(BINS - 1, int(p * BINS))
        acc[b][0] += w * p
        acc[b][1] += w * t1
        acc[b][2] += w
    return [{"bin": f"{b / BINS:.1f}-{(b + 1) / BINS:.1f}", "said": v[0] / v[2],
             "right": v[1] / v[2], "n": v[2]}
            for b, v in sorted(acc.items()) if v[2]]


def rounded(table: list[dict]) -> list[dict]:
    """A reliability table as printed and written (4 places, counts to a tenth)."""
    return [{**b, "said": round(b["said"], 4), "right": round(b["right"], 4),
             "n": round(b["n"], 1)} for b in table]


def score(pred: Prediction, calibration: Calibration, tallies: dict[str, Tally]) -> None:
    """Calibrate one prediction's addresses and record it."""
    ranked = [(s.local, p) for s, p in calibrated(pred.kept, pred.rest, calibration)[:3]]
    tallies[pred.protocol].add(pred.domain, pred.truth, ranked, pred.weight)


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


def run(path: str, *, cv: bool, draws: int, seed: int, folds: int = FOLDS,
        fit_draws: int = FIT_DRAWS, protocols: Sequence[str] = PROTOCOLS,
        holdout: str = "company", source: str | None = None, populations: int = 0,
        yardsticks: bool = False) -> dict:
    """Every protocol (or those of ``protocols``) over the file; the JSON-able result.

    Scoring fewer protocols is quicker, not different: the colleagues drawn and, under
    ``cv``, the fitted model (whose calibration learns from every protocol) are the same."""
    pairs = read_pairs(path)
    observations = observe_all(pairs)
    protocols = [p for p in PROTOCOLS if p in protocols]
    tallies = {p: Tally() for p in protocols}
    outer = outer_folds(pairs, observations, folds=folds, seed=seed, holdout=holdout,
                        source=source) if cv else [sorted(pairs)]
    inner = max(2, len(outer) - 1)  # inner priors from (K-2)/K of the companies
    for held in outer:
        if cv:
            train = sorted(set(pairs) - set(held))
            counts, calibration = fit(pairs, observations, train, folds=inner,
                                      draws=fit_draws, seed=seed)
            prior = prior_from_counts(counts)
        else:
            prior, calibration = DEFAULT_PRIOR, DEFAULT_CALIBRATION
        for domain in held:
            for pred in predictions(domain, pairs[domain], observations[domain], prior,
                                    draws=draws, seed=seed, protocols=protocols):
                score(pred, calibration, tallies)
    result: dict = {p: tallies[p].summary() for p in protocols}
    result["by_tld"] = by_tld(tallies, tld_classes(pairs))
    if cv and holdout == "source":  # each source, predicted by a model fitted on the other
        result["by_source"] = by_tld(tallies, {d: f"source {i + 1} ({len(f)} companies)"
                                               for i, f in enumerate(outer) for d in f})
    if populations:
        result["spread"] = {p: tallies[p].spread(populations, seed=seed) for p in protocols}
    result["baselines"] = baselines(pairs)
    if yardsticks:
        result["yardsticks"] = ceiling.bounds(pairs, observations, draws=draws, seed=seed)
    held_out = {"company": "companies", "tld": "TLD classes", "source": "sources"}[holdout]
    result["model"] = f"nested {len(outer)}-fold, holding out {held_out}" if cv else "shipped"
    return result


def outer_folds(pairs: dict, observations: dict, *, folds: int, seed: int, holdout: str,
                source: str | None) -> list[list[str]]:
    """The folds ``--cv`` holds out: random companies, whole classes of TLD, or sources."""
    sizes = {d: len(v) for d, v in pairs.items()}
    if holdout == "company":
        return company_folds(pairs, folds, seed, sizes, strata(domain_counts(observations)))
    if holdout == "tld":
        return grouped_folds(pairs, folds, seed, sizes, tld_classes(pairs),
                             strata(domain_counts(observations)))
    if holdout != "source":
        raise ValueError(f"unknown holdout {holdout!r}; choose from {', '.join(HOLDOUTS)}")
    if not source or not Path(source).is_file():
        raise SystemExit(f"--holdout source needs --source FILE (the companies of one source); "
                         f"{source!r} is not a file.")
    theirs = set(read_pairs(source)) & set(pairs)
    return [sorted(theirs), sorted(set(pairs) - theirs)]


def by_tld(tallies: dict[str, Tally], classes: dict[str, str]) -> dict:
    """Per class of TLD (or any grouping of the domains) and protocol: predictions, top-1,
    mean probability said, ECE and the largest gap of a big reliability bin."""
    out: dict = {}
    for cls in sorted(set(classes.values())):
        domains = {d for d, c in classes.items() if c == cls}
        for p, tally in tallies.items():
            part = tally.part(domains)
            if part.rows:
                r = part.summary()
                out.setdefault(cls, {})[p] = {k: r[k] for k in ("n", "top1", "said", "ece",
                                                                "big_gap")}
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the accuracy table (or JSON) for a pairs file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cv", action="store_true",
                    help="grouped, nested cross-validation by company (the honest figures)")
    ap.add_argument("--folds", type=int, default=FOLDS, help="folds of companies (--cv)")
    ap.add_argument("--fit-draws", type=int, default=FIT_DRAWS,
                    help="draws per person in the predictions the calibration is fitted on")
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--protocols", type=_protocol_list, default=PROTOCOLS,
                    help="score only these, comma-separated (quicker; same draws and fit)")
    ap.add_argument("--holdout", choices=HOLDOUTS, default="company",
                    help="what a --cv fold holds out: companies, TLD classes or sources")
    ap.add_argument("--source", help="with --holdout source: a pairs file whose companies "
                    "are one source (default: email_pairs_dev.tsv beside FILE)")
    ap.add_argument("--populations", type=int, default=122,
                    help="companies per random population for the ECE's spread (0: none)")
    ap.add_argument("--yardsticks", action="store_true",
                    help="add bench/ceiling.py's bounds on the same draws")
    args = ap.parse_args(argv)
    source = args.source or str(Path(args.file).with_name("email_pairs_dev.tsv"))
    start = time.perf_counter()
    result = run(args.file, cv=args.cv, draws=args.draws, seed=args.seed, folds=args.folds,
                 fit_draws=args.fit_draws, protocols=args.protocols, holdout=args.holdout,
                 source=source, populations=args.populations, yardsticks=args.yardsticks)
    if args.json:
        print(json.dumps(result))
        return 0
    print(_report(result))
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


def _protocol_list(text: str) -> tuple[str, ...]:
    """``k3`` or ``cold,loo``: protocols to score; an unknown one is an error saying which."""
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in PROTOCOLS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown protocol {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(PROTOCOLS)}")
    return names


def _report(result: dict) -> str:
    """The figures as text: one row per protocol, then the reliability tables."""
    model = result["model"]
    shown = [p for p in PROTOCOLS if p in result]
    lines = [f"model: {model}" + (" (every fitted part fitted without the scored companies)"
                                  if model != "shipped" else
                                  " (lookup/data/, fitted on the train file: flattering on it)")]
    keys = ("top1", "top3", "top1_macro", "top3_macro", "ece", "big_gap", "brier", "brier_macro")
    head = ("top1", "top3", "top1_mac", "top3_mac", "ece", "big_gap", "brier", "brier_mac", "n")
    lines.append(f"{'protocol':8} " + " ".join(f"{h:>9}" for h in head))
    for p in shown:
        r = result[p]
        lines.append(f"{p:8} " + " ".join(f"{r[k]:9.3f}" for k in keys) + f" {r['n']:9d}")
    b = result["baselines"]
    lines.append(f"baselines: always {{first}}.{{last}} top1 {b['first.last_top1']:.3f}; "
                 f"leave-one-out majority of 13 templates top1 {b['loo_majority_top1']:.3f}")
    if "yardsticks" in result:
        y = result["yardsticks"]
        lines.append("yardsticks (bench/ceiling.py, same draws): " + "; ".join(
            f"{k} {y[k]:.3f}" for k in ceiling.BOUNDS))
    lines.append("per class of TLD (predictions, top1, mean said, ECE, largest gap of a bin "
                 f"with {BIG_BIN}+):")
    for cls, per in [*result["by_tld"].items(), *result.get("by_source", {}).items()]:
        lines.append(f"  {cls:8} " + "  ".join(
            f"{p} {r['n']:5d} {r['top1']:.3f} {r['said']:.3f} {r['ece']:.3f} {r['big_gap']:.3f}"
            for p, r in per.items()))
    if "spread" in result:
        lines.append("ECE over random populations of "
                     f"{next(iter(result['spread'].values()))['companies']} companies "
                     "(median, 90th percentile, share at 0.05 or less):")
        lines.append("  " + "  ".join(f"{p} {r['median']:.3f} {r['p90']:.3f} {r['share_ok']:.2f}"
                                      for p, r in result["spread"].items()))
        lines.append(f"largest gap of a bin with {BIG_BIN}+ over the same populations (median, "
                     f"90th percentile, share at {GAP_TARGET} or less):")
        lines.append("  " + "  ".join(
            f"{p} {r['gap_median']:.3f} {r['gap_p90']:.3f} {r['gap_share_ok']:.2f}"
            for p, r in result["spread"].items()))
    lines.append("reliability of the top-1 probability (said / right / predictions per bin):")
    lines.append(f"{'bin':9} " + " ".join(f"{p:>17}" for p in shown))
    for i in range(BINS):
        label = f"{i / BINS:.1f}-{(i + 1) / BINS:.1f}"
        cells = []
        for p in shown:
            row = next((r for r in result[p]["reliability"] if r["bin"] == label), None)
            cells.append(f"{row['said']:.2f}/{row['right']:.2f}/{row['n']:5.0f}" if row
                         else f"{'-':>17}")
        lines.append(f"{label:9} " + " ".join(f"{c:>17}" for c in cells))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
